"""Recording an emergency measure (room code 7): when, what happened, what was done, who was notified and when,
and the confidentiality exception that applied with the reason. `MeasureView` shows a saved record, which is
never changed; follow-up entries are added beneath it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...i18n import tr
from ...records.clients import ValidationError
from ...records.exports import EXCEPTION_LABELS, EXCEPTIONS
from ...records.risk import PARTIES, PARTY_LABELS, EmergencyMeasure, Notification
from ...records.services import Services
from ..clients.client_form import plain_label
from ..common.qt_models import local_time
from ..common.widgets import message_label, paragraph, save_cancel_buttons, set_message
from ..sessions.note_editor import SectionEdit
from .risk_widgets import FieldErrors, bold, datetime_edit, labelled, selectable, to_datetime


def _client(services: Services, client_id: int) -> tuple[str, str, str]:
    """(code and name, guardian, emergency contact)"""
    try:
        c = services.clients.get(client_id)
    except KeyError:
        return "", "", ""
    return c.code + (f" {c.name}" if c.name else ""), c.guardian_name, c.emergency_name


def _scrolled(content: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(content)
    return scroll


def party_text(party: str) -> str:
    return tr(PARTY_LABELS[party]) if party in PARTY_LABELS else party


def exception_text(code: str) -> str:
    return tr(EXCEPTION_LABELS[code]) if code in EXCEPTION_LABELS else code


class EmergencyMeasureDialog(QDialog):
    """After accept(), `saved` holds the stored record."""

    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.saved: EmergencyMeasure | None = None
        who, guardian, emergency = _client(services, client_id)
        self.setWindowTitle(tr("Record an emergency measure — {client}", client=who))
        self.errors = FieldErrors()

        content = QWidget()
        column = QVBoxLayout(content)
        self.when = datetime_edit(tr("When the measure was taken"))
        column.addWidget(labelled(tr("&When"), self.when, self.errors.line("occurred_at")))
        self.situation = SectionEdit(tr("The situation"))
        self.situation.set_lines(2, 6)
        column.addWidget(labelled(tr("&Situation"), self.situation, self.errors.line("situation"),
                                  tr("In a few words: what happened, what the risk was.")))
        self.actions_edit = SectionEdit(tr("What was done"))
        self.actions_edit.set_lines(3, 10)
        column.addWidget(labelled(tr("What was &done"), self.actions_edit, self.errors.line("actions"),
                                  tr("For example: stayed with the client, accompanied the client to the hospital, "
                                     "removed the means, agreed a safety plan.")))

        notified = QGroupBox(tr("Who was notified"))
        grid = QGridLayout(notified)
        grid.addWidget(bold(plain_label(tr("Name and role"))), 0, 1)
        grid.addWidget(bold(plain_label(tr("Time notified"))), 0, 2)
        self.parties: dict[str, tuple[QCheckBox, QLineEdit, QDateTimeEdit]] = {}
        prefill = {"guardian": guardian or emergency}
        for row, party in enumerate(PARTIES, start=1):
            check = QCheckBox(party_text(party))
            name = QLineEdit(prefill.get(party, ""))
            name.setAccessibleName(tr("{party}: name and role", party=party_text(party)))
            name.setPlaceholderText({"guardian": tr("e.g. the client's mother"),
                                     "school": tr("e.g. Ms Wang, class adviser; the department's duty leader"),
                                     "hospital": tr("e.g. emergency department, doctor on duty"),
                                     "police": tr("e.g. campus police station"),
                                     "other": tr("Name and role")}[party])
            at = datetime_edit(tr("{party}: time notified", party=party_text(party)))
            for w in (name, at):
                w.setEnabled(False)
                check.toggled.connect(w.setEnabled)
            grid.addWidget(check, row, 0)
            grid.addWidget(name, row, 1)
            grid.addWidget(at, row, 2)
            self.parties[party] = (check, name, at)
        grid.setColumnStretch(1, 1)
        grid.addWidget(self.errors.line("notified"), len(PARTIES) + 1, 0, 1, 3)
        column.addWidget(notified)

        self.exception = QComboBox()
        self.exception.setAccessibleName(tr("Confidentiality exception that applied"))
        self.exception.addItem(tr("Choose the exception…"), None)
        for code in EXCEPTIONS:
            self.exception.addItem(exception_text(code), code)
        column.addWidget(labelled(tr("Confidentiality &exception"), self.exception,
                                  self.errors.line("exception")))
        self.reason = SectionEdit(tr("Why the exception applied"))
        self.reason.set_lines(2, 8)
        column.addWidget(labelled(tr("Why it &applied"), self.reason, self.errors.line("exception_reason")))
        self.follow_up = SectionEdit(tr("Follow-up plan"))
        self.follow_up.set_lines(2, 8)
        column.addWidget(labelled(tr("&Follow-up (optional)"), self.follow_up, None,
                                  tr("What happens next; you can add follow-up entries later.")))
        self.counselor = QLineEdit(services.profile.get().name)
        self.counselor.setAccessibleName(tr("Counselor"))
        column.addWidget(labelled(tr("Co&unselor"), self.counselor))
        column.addStretch(1)

        buttons, self.save_button, _cancel = save_cancel_buttons(self, self.save)
        self.save_button.setText(tr("Save record"))
        note = paragraph(tr("A saved record cannot be changed; follow-up entries can be added to it."))
        note.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.addWidget(_scrolled(content), 1)
        layout.addWidget(self.errors.general)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(860, 860)

    def notify(self, party: str, who: str) -> None:
        """Tick a party and write who was notified (as the counselor would)."""
        check, name, _at = self.parties[party]
        check.setChecked(True)
        name.setText(who)

    def measure(self) -> EmergencyMeasure:
        notified = tuple(Notification(party, name.text(), to_datetime(at.dateTime()))
                         for party, (check, name, at) in self.parties.items() if check.isChecked())
        return EmergencyMeasure(client_id=self.client_id, occurred_at=to_datetime(self.when.dateTime()),
                                situation=self.situation.toPlainText(), actions=self.actions_edit.toPlainText(),
                                notified=notified, exception=self.exception.currentData() or "",
                                exception_reason=self.reason.toPlainText(), follow_up=self.follow_up.toPlainText(),
                                counselor=self.counselor.text())

    def save(self) -> None:
        try:
            self.saved = self.services.risk.record_measure(self.measure())
        except ValidationError as e:
            self.errors.show({k: tr(m) for k, m in e.errors.items()})
            return
        self.accept()


class MeasureView(QDialog):
    """A saved emergency measure with its follow-up entries, and a place to add one."""

    def __init__(self, services: Services, measure_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.measure_id = measure_id
        m = services.risk.measure(measure_id)
        who, _g, _e = _client(services, m.client_id)
        self.setWindowTitle(tr("Emergency measure of {time} — {client}", time=m.occurred_at.strftime("%Y-%m-%d %H:%M"),
                               client=who))
        content = QWidget()
        form = QFormLayout(content)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.values: dict[str, QLabel] = {}

        def row(key: str, label: str, text: str) -> None:
            value = selectable(text or "—", label)
            self.values[key] = value
            form.addRow(bold(plain_label(label)), value)

        row("occurred_at", tr("When"), m.occurred_at.strftime("%Y-%m-%d %H:%M"))
        row("situation", tr("Situation"), m.situation)
        row("actions", tr("What was done"), m.actions)
        people = [tr("{party}: {who}, notified {time}", party=party_text(n.party), who=n.who,
                     time=n.notified_at.strftime("%Y-%m-%d %H:%M")) for n in m.notified]
        row("notified", tr("Who was notified"), "\n".join(people) if people else tr("No one"))
        row("exception", tr("Confidentiality exception"), exception_text(m.exception))
        row("exception_reason", tr("Why it applied"), m.exception_reason)
        row("follow_up", tr("Follow-up plan"), m.follow_up)
        row("counselor", tr("Counselor"), m.counselor)
        self.followups = selectable("", tr("Follow-up entries"))
        form.addRow(bold(plain_label(tr("Follow-up entries"))), self.followups)

        self.new_followup = SectionEdit(tr("New follow-up entry"))
        self.new_followup.set_lines(2, 8)
        self.add_button = QPushButton(tr("&Add follow-up"))
        self.add_button.clicked.connect(self.add_followup)
        self.message = message_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(_scrolled(content), 1)
        layout.addWidget(labelled(tr("New &follow-up entry"), self.new_followup, self.message))
        layout.addWidget(self.add_button, alignment=Qt.AlignmentFlag.AlignRight)
        layout.addWidget(buttons)
        self._show_followups()
        self.resize(760, 700)

    def _show_followups(self) -> None:
        m = self.services.risk.measure(self.measure_id)
        entries = [f"{local_time(f.written_at)[:16]}  {f.counselor + ': ' if f.counselor else ''}{f.text}"
                   for f in m.followups]
        self.followups.setText("\n\n".join(entries) if entries else tr("None yet."))

    def add_followup(self) -> None:
        try:
            self.services.risk.add_followup(self.measure_id, self.new_followup.toPlainText(),
                                            self.services.profile.get().name)
        except ValidationError as e:
            set_message(self.message, "\n".join(tr(m) for m in e.errors.values()))
            return
        set_message(self.message, tr("Follow-up added."), "ok")
        self.new_followup.clear()
        self._show_followups()

