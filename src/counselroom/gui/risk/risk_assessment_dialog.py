"""A risk assessment: three areas with a level each, risk and protective factors, the overall level and the
plan. `RiskAssessmentDialog` writes a new one; `AssessmentView` shows a saved one (read-only: a correction
is a new assessment)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...i18n import tr
from ...records.clients import ValidationError
from ...records.risk import (
    DOMAIN_LABELS,
    DOMAINS,
    LEVELS,
    PROTECTIVE_FACTORS,
    RISK_FACTORS,
    RiskAssessment,
    level_rank,
)
from ...records.services import Services
from ..clients.client_form import plain_label
from ..common.widgets import paragraph, save_cancel_buttons
from ..sessions.note_editor import SectionEdit
from .risk_widgets import (
    LEVEL_COLOURS,
    FieldErrors,
    bold,
    datetime_edit,
    labelled,
    level_text,
    selectable,
    to_datetime,
)

CONTEXT_STYLE = "QLabel { background: #fff4ce; color: #3b2f00; border-radius: 4px; padding: 6px 8px; }"


def _client_text(services: Services, client_id: int) -> str:
    try:
        client = services.clients.get(client_id)
    except KeyError:
        return ""
    return client.code + (f" {client.name}" if client.name else "")


def _scrolled(content: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(content)
    return scroll


class RiskAssessmentDialog(QDialog):
    """After accept(), `saved` holds the stored assessment."""

    def __init__(self, services: Services, client_id: int, context: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.context = context.strip()
        self.saved: RiskAssessment | None = None
        self._overall_touched = False
        self.setWindowTitle(tr("New risk assessment — {client}", client=_client_text(services, client_id)))
        self.errors = FieldErrors()

        content = QWidget()
        column = QVBoxLayout(content)
        if self.context:
            prompt = plain_label(tr("Prompted by: {context}", context=self.context))
            prompt.setTextFormat(Qt.TextFormat.PlainText)
            prompt.setWordWrap(True)
            prompt.setStyleSheet(CONTEXT_STYLE)
            prompt.setAccessibleName(tr("What prompted this assessment"))
            column.addWidget(prompt)
        self.when = datetime_edit(tr("Time of the assessment"))
        column.addWidget(labelled(tr("&Time of the assessment"), self.when, self.errors.line("assessed_at")))
        column.addWidget(self._build_levels())
        self.risk_checks, self.risk_notes = self._factors(RISK_FACTORS, tr("Other risk factors"))
        self.protective_checks, self.protective_notes = self._factors(PROTECTIVE_FACTORS,
                                                                      tr("Other protective factors"))
        column.addWidget(self._factor_box(tr("Risk factors"), self.risk_checks, self.risk_notes,
                                          tr("&Other risk factors, in your words:")))
        column.addWidget(self._factor_box(tr("Protective factors"), self.protective_checks, self.protective_notes,
                                          tr("Other &protective factors, in your words:")))
        self.factors_error = self.errors.line("factors")
        column.addWidget(self.factors_error)
        self.plan = SectionEdit(tr("Plan and actions"))
        self.plan.set_lines(3, 12)
        column.addWidget(labelled(tr("P&lan and actions taken"), self.plan, self.errors.line("plan"),
                                  tr("What will be done: safety plan, more frequent sessions, who is informed, "
                                     "referral, the next assessment.")))
        self.counselor = QLineEdit(services.profile.get().name)
        self.counselor.setAccessibleName(tr("Counselor who made the assessment"))
        column.addWidget(labelled(tr("&Counselor"), self.counselor, self.errors.line("counselor")))
        column.addStretch(1)

        buttons, self.save_button, _cancel = save_cancel_buttons(self, self.save)
        self.save_button.setText(tr("Save assessment"))
        note = paragraph(tr("A saved assessment cannot be changed. To correct it, make a new assessment."))
        note.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.addWidget(_scrolled(content), 1)
        layout.addWidget(self.errors.general)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(860, 820)

    # -- building -----------------------------------------------------------------------------------------------

    def _build_levels(self) -> QGroupBox:
        box = QGroupBox(tr("Level of risk"))
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(14)
        for col, level in enumerate(LEVELS, start=1):
            head = bold(plain_label(level_text(level)))
            head.setAlignment(Qt.AlignmentFlag.AlignCenter)
            head.setStyleSheet(f"color: {LEVEL_COLOURS[level]};")
            grid.addWidget(head, 0, col)
        self.level_groups: dict[str, QButtonGroup] = {}
        rows = [*DOMAINS, "overall"]
        for row, key in enumerate(rows, start=1):
            name = tr(DOMAIN_LABELS[key]) if key in DOMAIN_LABELS else tr("Overall")
            label = plain_label(name)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            if key == "overall":
                bold(label)
            grid.addWidget(label, row, 0)
            group = QButtonGroup(box)
            group.setExclusive(True)
            for col, level in enumerate(LEVELS, start=1):
                radio = QRadioButton()
                radio.setAccessibleName(tr("{area}: {level}", area=name, level=level_text(level)))
                radio.setProperty("level", level)
                group.addButton(radio, col - 1)
                grid.addWidget(radio, row, col, alignment=Qt.AlignmentFlag.AlignCenter)
            self.level_groups[key] = group  # nothing chosen: each level is a deliberate choice
            if key == "overall":
                group.idClicked.connect(lambda _i: setattr(self, "_overall_touched", True))
            else:
                group.idClicked.connect(lambda _i: self._follow_highest())
        grid.setColumnStretch(0, 1)
        hint = plain_label(tr("The overall level is at least the highest of the three areas."))
        hint.setTextFormat(Qt.TextFormat.PlainText)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(placeholder-text);")
        grid.addWidget(hint, len(rows) + 1, 0, 1, len(LEVELS) + 1)
        grid.addWidget(self.errors.line("levels"), len(rows) + 2, 0, 1, len(LEVELS) + 1)
        return box

    def _factors(self, items: dict[str, str], name: str) -> tuple[dict[str, QCheckBox], SectionEdit]:
        checks = {}
        for code, label in items.items():
            box = QCheckBox(tr(label))
            box.setAccessibleName(tr(label))
            checks[code] = box
        notes = SectionEdit(name)
        notes.set_lines(2, 8)
        return checks, notes

    def _factor_box(self, title: str, checks: dict[str, QCheckBox], notes: SectionEdit, notes_label: str) -> QGroupBox:
        box = QGroupBox(title)
        layout = QVBoxLayout(box)
        grid = QGridLayout()
        half = (len(checks) + 1) // 2
        for n, check in enumerate(checks.values()):
            grid.addWidget(check, n % half, n // half)
        layout.addLayout(grid)
        label = plain_label(notes_label)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setBuddy(notes)
        layout.addWidget(label)
        layout.addWidget(notes)
        return box

    # -- reading and saving -----------------------------------------------------------------------------------

    def level(self, key: str) -> str:
        """The chosen level, or "" when none is chosen yet."""
        checked = self.level_groups[key].checkedId()
        return LEVELS[checked] if checked >= 0 else ""

    def set_level(self, key: str, level: str) -> None:
        """Choose a level as a click would (the overall level follows the areas until it is chosen itself)."""
        button = self.level_groups[key].button(LEVELS.index(level))
        button.click()

    def _follow_highest(self) -> None:
        chosen = [self.level(d) for d in DOMAINS if self.level(d)]
        if not chosen:
            return
        highest = max(chosen, key=level_rank)
        overall = self.level("overall")
        if not self._overall_touched or level_rank(overall) < level_rank(highest):
            self.level_groups["overall"].button(LEVELS.index(highest)).setChecked(True)

    def assessment(self) -> RiskAssessment:
        return RiskAssessment(
            client_id=self.client_id, assessed_at=to_datetime(self.when.dateTime()),
            self_harm=self.level("self_harm"), harm_others=self.level("harm_others"),
            being_harmed=self.level("being_harmed"),
            risk_factors=tuple(c for c, b in self.risk_checks.items() if b.isChecked()),
            risk_notes=self.risk_notes.toPlainText(),
            protective_factors=tuple(c for c, b in self.protective_checks.items() if b.isChecked()),
            protective_notes=self.protective_notes.toPlainText(), overall=self.level("overall"),
            plan=self.plan.toPlainText(), counselor=self.counselor.text(), context=self.context)

    def save(self) -> None:
        try:
            self.saved = self.services.risk.save_assessment(self.assessment())
        except ValidationError as e:
            errors = {k: tr(m) for k, m in e.errors.items() if k not in (*DOMAINS, "overall")}
            levels = dict.fromkeys(tr(m) for k, m in e.errors.items() if k in (*DOMAINS, "overall"))
            if levels:
                errors["levels"] = "\n".join(levels)
            self.errors.show(errors)
            return
        self.accept()


class AssessmentView(QDialog):
    """A saved assessment, to read."""

    def __init__(self, services: Services, assessment: RiskAssessment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        a = assessment
        self.setWindowTitle(tr("Risk assessment of {time} — {client}", time=a.assessed_at.strftime("%Y-%m-%d %H:%M"),
                               client=_client_text(services, a.client_id)))
        content = QWidget()
        form = QFormLayout(content)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.values: dict[str, QLabel] = {}

        def row(key: str, label: str, text: str, colour: str = "") -> None:
            value = selectable(text or "—", label)
            if colour:
                value.setStyleSheet(f"color: {colour}; font-weight: bold;")
            self.values[key] = value
            form.addRow(bold(plain_label(label)), value)

        if a.context:
            row("context", tr("Prompted by"), a.context)
        row("assessed_at", tr("Time of the assessment"), a.assessed_at.strftime("%Y-%m-%d %H:%M"))
        for d in DOMAINS:
            row(d, tr(DOMAIN_LABELS[d]), level_text(a.level(d)), LEVEL_COLOURS.get(a.level(d), ""))
        row("overall", tr("Overall"), level_text(a.overall), LEVEL_COLOURS.get(a.overall, ""))
        risk = [tr(RISK_FACTORS[f]) for f in a.risk_factors if f in RISK_FACTORS]
        row("risk_factors", tr("Risk factors"), "\n".join(f"• {f}" for f in risk))
        row("risk_notes", tr("Other risk factors"), a.risk_notes)
        protective = [tr(PROTECTIVE_FACTORS[f]) for f in a.protective_factors if f in PROTECTIVE_FACTORS]
        row("protective_factors", tr("Protective factors"), "\n".join(f"• {f}" for f in protective))
        row("protective_notes", tr("Other protective factors"), a.protective_notes)
        row("plan", tr("Plan and actions taken"), a.plan)
        row("counselor", tr("Counselor"), a.counselor)
        note = paragraph(tr("A saved assessment cannot be changed. To correct it, make a new assessment."))
        note.setStyleSheet("color: palette(placeholder-text);")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(_scrolled(content), 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(720, 640)
