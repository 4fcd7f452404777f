"""Writing a client's safety plan with the client (every save is a new version; the earlier ones are kept),
and the room's crisis contacts that a new plan starts from."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QCheckBox, QDialog, QFrame, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from ...i18n import language, tr
from ...records.clients import ValidationError
from ...records.risk import SafetyPlan, SafetyPlanContent
from ...records.services import Services
from ..common.qt_models import local_time
from ..common.widgets import paragraph, save_cancel_buttons
from ..sessions.note_editor import SectionEdit
from .risk_widgets import ContactRows, FieldErrors, date_edit, labelled, to_date, to_qdate


def _lines(edit: SectionEdit) -> tuple[str, ...]:
    return tuple(line for line in edit.toPlainText().split("\n") if line.strip())


class SafetyPlanEditor(QDialog):
    """After accept(), `saved` holds the saved version."""

    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.saved: SafetyPlan | None = None
        self.current = services.risk.safety_plan(client_id)
        try:
            client = services.clients.get(client_id)
            who = client.code + (f" {client.name}" if client.name else "")
        except KeyError:
            who = ""
        self.setWindowTitle(tr("Safety plan — {client}", client=who))
        self.errors = FieldErrors()

        content = QWidget()
        column = QVBoxLayout(content)
        if self.current is None:
            intro = tr("Write the plan together with the client, in the client's own words: one item a line. "
                       "The professional and crisis contacts start with the room's crisis contacts.")
        else:
            intro = tr("Version {version}, saved on {date}. Saving makes a new version; the earlier ones are kept.",
                       version=self.current.version, date=local_time(self.current.created_at)[:10])
        column.addWidget(paragraph(intro))

        def box(name: str) -> SectionEdit:
            edit = SectionEdit(name)
            edit.set_lines(3, 10)
            return edit

        self.warning_signs = box(tr("Warning signs"))
        self.coping_steps = box(tr("Things the client can do alone to cope"))
        self.distractions = box(tr("People and social settings that distract"))
        self.help_people = ContactRows(tr("People to ask for help"), tr("Name (and who they are)"))
        self.professionals = ContactRows(tr("Professional and crisis contacts"), tr("Name or organisation"))
        self.environment = box(tr("Making the environment safe"))
        self.reasons = box(tr("Reasons for living"))
        self.reasons.set_lines(2, 8)
        column.addWidget(labelled(tr("1. &Warning signs"), self.warning_signs, None,
                                  tr("Thoughts, feelings, situations or behaviour that show a crisis may be "
                                     "starting.")))
        column.addWidget(labelled(tr("2. &Coping on one's own"), self.coping_steps, None,
                                  tr("What the client can do alone to feel calmer (a walk, music, a shower…).")))
        column.addWidget(labelled(tr("3. People and &places that distract"), self.distractions, None,
                                  tr("People to be with and places to go, to take the mind off things.")))
        column.addWidget(labelled(tr("4. People to ask for &help"), self.help_people,
                                  self.errors.line("help_people"), tr("Name and phone.")))
        column.addWidget(labelled(tr("5. Professional and c&risis contacts"), self.professionals,
                                  self.errors.line("professionals"),
                                  tr("Counselor, school counseling centre duty phone, hotlines, hospital. Fill in "
                                     "the numbers that apply where the client lives.")))
        column.addWidget(labelled(tr("6. Making the &environment safe"), self.environment, None,
                                  tr("For example: medicines kept by someone else, sharp objects put away.")))
        column.addWidget(labelled(tr("7. Reasons for living (&optional)"), self.reasons))
        self.agreed = QCheckBox(tr("The client &agreed to this plan on"))
        self.agreed_on = date_edit(tr("Date the client agreed to the plan"))
        self.agreed_on.setMaximumDate(QDate.currentDate())
        self.agreed.toggled.connect(self.agreed_on.setEnabled)
        agreed_row = QHBoxLayout()
        agreed_row.addWidget(self.agreed)
        agreed_row.addWidget(self.agreed_on)
        agreed_row.addStretch(1)
        column.addLayout(agreed_row)
        column.addWidget(self.errors.line("agreed_on"))
        column.addStretch(1)

        self._load()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        buttons, self.save_button, _cancel = save_cancel_buttons(self, self.save)
        self.save_button.setText(tr("Save safety plan"))
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.errors.general)
        layout.addWidget(buttons)
        self.resize(820, 860)

    def _load(self) -> None:
        plan = self.current
        if plan is None:
            self.help_people.set_contacts(())
            self.professionals.set_contacts(self.services.risk.suggested_professionals(language()))
            self.agreed.setChecked(True)
            return
        c = plan.content
        self.warning_signs.setPlainText("\n".join(c.warning_signs))
        self.coping_steps.setPlainText("\n".join(c.coping_steps))
        self.distractions.setPlainText("\n".join(c.distractions))
        self.help_people.set_contacts(c.help_people)
        self.professionals.set_contacts(c.professionals)
        self.environment.setPlainText("\n".join(c.environment))
        self.reasons.setPlainText(c.reasons_for_living)
        self.agreed.setChecked(c.agreed_on is not None)
        self.agreed_on.setEnabled(c.agreed_on is not None)
        if c.agreed_on is not None:
            self.agreed_on.setDate(to_qdate(c.agreed_on))

    def content(self) -> SafetyPlanContent:
        return SafetyPlanContent(
            warning_signs=_lines(self.warning_signs), coping_steps=_lines(self.coping_steps),
            distractions=_lines(self.distractions), help_people=self.help_people.contacts(),
            professionals=self.professionals.contacts(), environment=_lines(self.environment),
            reasons_for_living=self.reasons.toPlainText().strip(),
            agreed_on=to_date(self.agreed_on.date()) if self.agreed.isChecked() else None)

    def save(self) -> None:
        counselor = self.services.profile.get().name
        try:
            self.saved = self.services.risk.save_safety_plan(self.client_id, self.content(), counselor)
        except ValidationError as e:
            self.errors.show({k: tr(m) for k, m in e.errors.items()})
            return
        self.accept()


class CrisisContactsDialog(QDialog):
    """The room's crisis contacts (a setting): every new safety plan and the emergency contacts window
    show them."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle(tr("The room's crisis contacts"))
        self.errors = FieldErrors()
        self.rows = ContactRows(tr("The room's crisis contacts"), tr("Name or organisation"))
        self.rows.set_contacts(services.risk.crisis_contacts(language()))
        intro = paragraph(tr("The numbers to call in a crisis: the school counseling centre's duty phone, the "
                             "psychological assistance hotline and hospital of your area. New safety plans start "
                             "with them, and the emergency contacts window shows them. Enter the numbers that "
                             "apply to your room; counselroom does not supply any."))
        buttons, self.save_button, _cancel = save_cancel_buttons(self, self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.rows)
        layout.addWidget(self.errors.general)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(640, 360)

    def save(self) -> None:
        try:
            self.services.risk.set_crisis_contacts(list(self.rows.contacts()))
        except ValidationError as e:
            self.errors.show({k: tr(m) for k, m in e.errors.items()})
            return
        self.accept()

