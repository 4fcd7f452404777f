"""One client's risk assessments, risk flag, safety plan and emergency measures.

Public: `refresh()`, `new_assessment(context)` (also called by the tests tab after a critical answer),
`open_assessment(row)`, `raise_flag(reason)`, `review_flag()`, `edit_safety_plan()`, `print_safety_plan()`,
`edit_crisis_contacts()`, `record_measure()`, `open_measure(row)`, `shutdown()`."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ... import i18n
from ...i18n import N_, tr
from ...records.risk import (
    DOMAINS,
    ENTITIES,
    EmergencyMeasure,
    FlagEvent,
    RiskAssessment,
    RiskFlag,
    SafetyPlan,
)
from ...records.services import Services
from ..clients.client_form import plain_label
from ..common import pdf_printing
from ..common.qt_models import RowTableModel, local_time
from ..common.widgets import RecordTable, StoreWatcher, message_label, set_message
from .emergency_measure_dialog import EmergencyMeasureDialog, MeasureView, exception_text, party_text
from .risk_assessment_dialog import AssessmentView, RiskAssessmentDialog
from .risk_flag_dialog import RaiseFlagDialog, ReviewFlagDialog
from .risk_widgets import FLAG_STYLE, LEVEL_COLOURS, OVERDUE_STYLE, bold, launch, level_text, selectable
from .safety_plan_editor import CrisisContactsDialog, SafetyPlanEditor

PRINT_LANGUAGES = (("zh_CN", "中文"), ("en", "English"))
EVENT_LABELS = {"raised": N_("Raised"), "reviewed": N_("Reviewed"), "cleared": N_("Cleared")}


class AssessmentModel(RowTableModel[RiskAssessment]):
    COLUMNS = ("assessed_at", *DOMAINS, "overall", "counselor")
    HEADERS = {"assessed_at": N_("Time"), "self_harm": N_("Self-harm or suicide"), "harm_others": N_("Harm to others"),
               "being_harmed": N_("Being harmed"), "overall": N_("Overall"), "counselor": N_("Counselor")}

    def set_assessments(self, rows: list[RiskAssessment]) -> None:
        self._set_rows(rows)

    def cell(self, a: RiskAssessment, column: str, role: int) -> Any:
        level = a.overall if column == "overall" else a.level(column) if column in DOMAINS else ""
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "assessed_at":
                return a.assessed_at.strftime("%Y-%m-%d %H:%M")
            if column == "counselor":
                return a.counselor
            return level_text(level)
        if role == Qt.ItemDataRole.ForegroundRole and level:
            return QBrush(QColor(LEVEL_COLOURS[level]))
        return None


class MeasureModel(RowTableModel[EmergencyMeasure]):
    COLUMNS = ("occurred_at", "situation", "notified", "exception")
    HEADERS = {"occurred_at": N_("When"), "situation": N_("Situation"), "notified": N_("Notified"),
               "exception": N_("Confidentiality exception")}

    def set_measures(self, rows: list[EmergencyMeasure]) -> None:
        self._set_rows(rows)

    def cell(self, m: EmergencyMeasure, column: str, role: int) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == "occurred_at":
            return m.occurred_at.strftime("%Y-%m-%d %H:%M")
        if column == "situation":
            return " ".join(m.situation.split())
        if column == "notified":
            separator = "、" if i18n.language() == "zh_CN" else ", "
            return separator.join(dict.fromkeys(party_text(n.party) for n in m.notified)) or "—"
        return exception_text(m.exception)


class FlagEventModel(RowTableModel[FlagEvent]):
    COLUMNS = ("on_date", "kind", "review_on", "text")
    HEADERS = {"on_date": N_("Date"), "kind": N_("Event"), "review_on": N_("Next review"),
               "text": N_("Reason or finding")}

    def set_events(self, rows: list[FlagEvent]) -> None:
        self._set_rows(rows)

    def cell(self, e: FlagEvent, column: str, role: int) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == "on_date":
            return e.on_date.isoformat()
        if column == "kind":
            return tr(EVENT_LABELS.get(e.kind, e.kind))
        if column == "review_on":
            return e.review_on.isoformat() if e.review_on else ""
        return " ".join(e.text.split())


class PlanVersionModel(RowTableModel[SafetyPlan]):
    COLUMNS = ("version", "created_at", "agreed_on", "counselor")
    HEADERS = {"version": N_("Version"), "created_at": N_("Saved"), "agreed_on": N_("Agreed with the client"),
               "counselor": N_("Counselor")}

    def set_plans(self, rows: list[SafetyPlan]) -> None:
        self._set_rows(rows)

    def cell(self, p: SafetyPlan, column: str, role: int) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == "version":
            return str(p.version)
        if column == "created_at":
            return local_time(p.created_at)[:16]
        if column == "agreed_on":
            return p.agreed_on.isoformat() if p.agreed_on else "—"
        return p.counselor


def _table(name: str, model: RowTableModel[Any], lines: int = 6) -> RecordTable:
    table = RecordTable(name)
    table.setModel(model)
    table.setProperty("max_rows", lines)
    table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return table


def _fit(table: RecordTable) -> None:
    """As tall as its rows (up to a few; it scrolls beyond), so that a short list takes little room."""
    rows = min(table.model().rowCount(), int(table.property("max_rows") or 6))
    height = (table.horizontalHeader().sizeHint().height() + max(rows, 1) * table.verticalHeader().defaultSectionSize()
              + 2 * table.frameWidth() + 2)
    table.setFixedHeight(height)


def _buttons(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for w in widgets:
        row.addWidget(w)
    row.addStretch(1)
    return row


def _button(text: str, accessible: str, slot: Any) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(accessible)
    button.clicked.connect(lambda _checked=False: slot())  # not clicked's "checked" as the slot's first argument
    return button


class RiskTab(QWidget):
    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.flag: RiskFlag | None = None
        self.plan: SafetyPlan | None = None
        self._live = True  # False after shutdown(): a dialog closed by the lock must not read the closed vault

        content = QWidget()
        column = QVBoxLayout(content)
        column.addWidget(self._build_flag())
        column.addWidget(self._build_assessments())
        column.addWidget(self._build_plan())
        column.addWidget(self._build_measures())
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        self._watcher = StoreWatcher(self, services.store, self.refresh, wants=self._wants)
        self.refresh()

    # -- building -------------------------------------------------------------------------------------------------

    def _build_flag(self) -> QGroupBox:
        box = QGroupBox(tr("Risk flag: close attention"))
        layout = QVBoxLayout(box)
        self.flag_frame = QFrame()
        self.flag_frame.setObjectName("riskFlag")
        self.flag_frame.setStyleSheet(FLAG_STYLE)
        frame_layout = QVBoxLayout(self.flag_frame)
        self.flag_title = bold(selectable("", tr("Risk flag")))
        self.flag_details = selectable("", tr("Risk flag details"))
        self.overdue_label = plain_label()
        self.overdue_label.setTextFormat(Qt.TextFormat.PlainText)
        self.overdue_label.setWordWrap(True)
        self.overdue_label.setStyleSheet(OVERDUE_STYLE)
        self.overdue_label.setAccessibleName(tr("Review overdue"))
        for w in (self.flag_title, self.flag_details, self.overdue_label):
            frame_layout.addWidget(w)
        self.no_flag_label = selectable("", tr("Risk flag"))
        self.raise_button = _button(tr("Raise &flag…"), tr("Flag this client for close attention"), self.raise_flag)
        self.review_button = _button(tr("Re&view flag…"), tr("Review this client's risk flag"), self.review_flag)
        self.flag_notice = message_label()
        self.history_model = FlagEventModel(self)
        self.history = _table(tr("Risk flag history"), self.history_model, 4)
        self.history_label = plain_label(tr("History of the flag"))
        layout.addWidget(self.flag_frame)
        layout.addWidget(self.no_flag_label)
        layout.addLayout(_buttons(self.raise_button, self.review_button))
        layout.addWidget(self.flag_notice)
        layout.addWidget(self.history_label)
        layout.addWidget(self.history)
        return box

    def _build_assessments(self) -> QGroupBox:
        box = QGroupBox(tr("Risk assessments"))
        layout = QVBoxLayout(box)
        self.assessment_model = AssessmentModel(self)
        self.assessments = _table(tr("Risk assessments"), self.assessment_model)
        self.assessments.open_requested.connect(lambda index: self.open_assessment(index.row()))
        self.no_assessments = selectable(tr("No risk assessment yet."))
        self.new_assessment_button = _button(tr("&New assessment…"), tr("Make a new risk assessment"),
                                             lambda: self.new_assessment())
        self.open_assessment_button = _button(tr("Open…"), tr("Open the selected assessment"),
                                              lambda: self.open_assessment(self.assessments.currentIndex().row()))
        layout.addWidget(self.no_assessments)
        layout.addWidget(self.assessments)
        layout.addLayout(_buttons(self.new_assessment_button, self.open_assessment_button))
        return box

    def _build_plan(self) -> QGroupBox:
        box = QGroupBox(tr("Safety plan"))
        layout = QVBoxLayout(box)
        self.plan_summary = selectable("", tr("Safety plan"))
        self.plan_warning = message_label()
        self.edit_plan_button = _button(tr("&Write safety plan…"), tr("Write or change the safety plan"),
                                        self.edit_safety_plan)
        self.print_language = QComboBox()
        self.print_language.setAccessibleName(tr("Language of the printed safety plan"))
        for code, name in PRINT_LANGUAGES:
            self.print_language.addItem(name, code)
        self.print_language.setCurrentIndex(0 if i18n.language() == "zh_CN" else 1)
        self.print_button = _button(tr("&Print for the client…"),
                                    tr("Preview and print the safety plan for the client"), self.print_safety_plan)
        self.crisis_button = _button(tr("Room crisis contacts…"), tr("Set the room's crisis contacts"),
                                     self.edit_crisis_contacts)
        language_label = plain_label(tr("Print &in:"))
        language_label.setBuddy(self.print_language)
        self.versions_model = PlanVersionModel(self)
        self.versions = _table(tr("Safety plan versions"), self.versions_model, 3)
        self.versions_label = plain_label(tr("Versions"))
        layout.addWidget(self.plan_summary)
        layout.addWidget(self.plan_warning)
        layout.addLayout(_buttons(self.edit_plan_button, language_label, self.print_language, self.print_button,
                                  self.crisis_button))
        layout.addWidget(self.versions_label)
        layout.addWidget(self.versions)
        return box

    def _build_measures(self) -> QGroupBox:
        box = QGroupBox(tr("Emergency measures"))
        layout = QVBoxLayout(box)
        self.measure_model = MeasureModel(self)
        self.measures = _table(tr("Emergency measures"), self.measure_model, 4)
        self.measures.open_requested.connect(lambda index: self.open_measure(index.row()))
        self.no_measures = selectable(tr("No emergency measure recorded."))
        self.measure_button = _button(tr("Record emergency &measure…"), tr("Record an emergency measure"),
                                      self.record_measure)
        self.open_measure_button = _button(tr("Open…"), tr("Open the selected emergency measure"),
                                           lambda: self.open_measure(self.measures.currentIndex().row()))
        layout.addWidget(self.no_measures)
        layout.addWidget(self.measures)
        layout.addLayout(_buttons(self.measure_button, self.open_measure_button))
        return box

    # -- showing --------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        if not self._live:
            return
        self._watcher.mark_fresh()
        risk = self.services.risk
        self.flag = risk.flagged(self.client_id)
        self.plan = risk.safety_plan(self.client_id)
        self._show_flag(date.today())
        assessments = risk.assessments(self.client_id)
        self.assessment_model.set_assessments(assessments)
        _fit(self.assessments)
        self.assessments.setVisible(bool(assessments))
        self.open_assessment_button.setVisible(bool(assessments))
        self.no_assessments.setVisible(not assessments)
        self._show_plan()
        measures = risk.measures(self.client_id)
        self.measure_model.set_measures(measures)
        _fit(self.measures)
        self.measures.setVisible(bool(measures))
        self.open_measure_button.setVisible(bool(measures))
        self.no_measures.setVisible(not measures)

    def _show_flag(self, today: date) -> None:
        flag = self.flag
        self.flag_frame.setVisible(flag is not None)
        self.no_flag_label.setVisible(flag is None)
        self.raise_button.setEnabled(flag is None or not flag.recorded)
        self.raise_button.setText(tr("Raise &flag…") if flag is None or flag.recorded
                                  else tr("Record reason and review &date…"))
        self.review_button.setEnabled(flag is not None)
        history = self.services.risk.flag_history(self.client_id)
        self.history_model.set_events(list(reversed(history)))
        _fit(self.history)
        self.history.setVisible(bool(history))
        self.history_label.setVisible(bool(history))
        if flag is None:
            self.no_flag_label.setText(tr("Not flagged. Raise the flag when the client needs close attention."))
            self.flag_title.clear()
            self.flag_details.clear()
            self.overdue_label.clear()
            return
        if flag.recorded and flag.raised_on is not None:
            self.flag_title.setText(tr("Flagged for close attention since {date}", date=flag.raised_on.isoformat()))
            lines = [tr("Reason: {reason}", reason=flag.reason)]
            if flag.last_review is not None:
                lines.append(tr("Last review on {date}: {text}", date=flag.last_review.on_date.isoformat(),
                                text=flag.last_review.text))
            if flag.review_on is not None:
                lines.append(tr("Next review by {date}", date=flag.review_on.isoformat()))
            self.flag_details.setText("\n".join(lines))
        else:
            self.flag_title.setText(tr("Flagged for close attention"))
            self.flag_details.setText(tr("The flag was set in the client's file without a reason or a review date. "
                                         "Record them, or review the flag to clear it."))
        due = flag.review_due(today)
        self.overdue_label.setVisible(due)
        if not due:
            self.overdue_label.clear()
        elif flag.review_on is None:
            self.overdue_label.setText(tr("Review due: no review date is recorded."))
        elif flag.review_on == today:
            self.overdue_label.setText(tr("The review is due today."))
        else:
            self.overdue_label.setText(tr("The review is overdue: it was due on {date}.",
                                          date=flag.review_on.isoformat()))

    def _show_plan(self) -> None:
        plan = self.plan
        self.edit_plan_button.setText(tr("&Write safety plan…") if plan is None else tr("&Edit safety plan…"))
        self.print_button.setEnabled(plan is not None)
        self.print_language.setEnabled(plan is not None)
        versions = self.services.risk.safety_plan_versions(self.client_id) if plan is not None else []
        self.versions_model.set_plans(versions)
        _fit(self.versions)
        self.versions.setVisible(len(versions) > 1)
        self.versions_label.setVisible(len(versions) > 1)
        if plan is None:
            self.plan_summary.setText(tr("No safety plan yet."))
            set_message(self.plan_warning, tr("This client is flagged and has no safety plan yet.")
                        if self.flag is not None else "", "notice")
            return
        set_message(self.plan_warning, "")
        c = plan.content
        lines = [tr("Version {version}, saved on {date}.", version=plan.version, date=local_time(plan.created_at)[:10]),
                 tr("Agreed with the client on {date}.", date=c.agreed_on.isoformat()) if c.agreed_on
                 else tr("Not yet agreed with the client."),
                 tr("Warning signs: {signs} · coping steps: {steps} · people and places: {places} · people to ask "
                    "for help: {people} · professional and crisis contacts: {pros}",
                    signs=len(c.warning_signs), steps=len(c.coping_steps), places=len(c.distractions),
                    people=len(c.help_people), pros=len(c.professionals))]
        self.plan_summary.setText("\n".join(lines))

    # -- acting ---------------------------------------------------------------------------------------------------

    def new_assessment(self, context: str = "") -> None:
        """Open a new risk assessment (context: what prompted it, e.g. "PHQ-9 item 9 answered 2"). After a high or
        imminent assessment of a client not yet flagged, offer to raise the flag (never raised silently)."""
        dialog = RiskAssessmentDialog(self.services, self.client_id, context, self)
        try:
            launch(dialog)
            saved = dialog.saved
        finally:
            dialog.deleteLater()
        self.refresh()
        if saved is None or not saved.offers_flag or not self._live:
            return
        flag = self.services.risk.flagged(self.client_id)
        if flag is not None and flag.recorded:
            set_message(self.flag_notice, tr("The assessment is saved. The client is already flagged; consider "
                                             "reviewing the flag and the safety plan."), "notice")
            return
        if self.offer_flag(saved):
            reason = tr("Risk assessment of {date}: overall level {level}.",
                        date=saved.assessed_at.strftime("%Y-%m-%d"), level=level_text(saved.overall))
            self.raise_flag(reason)

    def offer_flag(self, saved: RiskAssessment) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(tr("Flag for close attention?"))
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(tr("The overall risk is {level}. Flag this client for close attention now, with a review "
                       "date?", level=level_text(saved.overall)))
        yes = box.addButton(tr("Raise flag…"), QMessageBox.ButtonRole.AcceptRole)
        no = box.addButton(tr("Not now"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(yes)
        box.setEscapeButton(no)
        launch(box)
        return box.clickedButton() is yes

    def open_assessment(self, row: int) -> None:
        assessment = self.assessment_model.row_at(row)
        if assessment is None:
            return
        dialog = AssessmentView(self.services, assessment, self)
        try:
            launch(dialog)
        finally:
            dialog.deleteLater()

    def raise_flag(self, reason: str = "") -> None:
        dialog = RaiseFlagDialog(self.services, self.client_id, reason, self)
        try:
            if launch(dialog) == RaiseFlagDialog.DialogCode.Accepted:
                set_message(self.flag_notice, tr("Flag raised."), "ok")
        finally:
            dialog.deleteLater()
        self.refresh()

    def review_flag(self) -> None:
        dialog = ReviewFlagDialog(self.services, self.client_id, self)
        try:
            if launch(dialog) == ReviewFlagDialog.DialogCode.Accepted:
                set_message(self.flag_notice, tr("Flag cleared.") if dialog.cleared else tr("Review recorded."), "ok")
        finally:
            dialog.deleteLater()
        self.refresh()

    def edit_safety_plan(self) -> None:
        dialog = SafetyPlanEditor(self.services, self.client_id, self)
        try:
            launch(dialog)
        finally:
            dialog.deleteLater()
        self.refresh()

    def print_safety_plan(self) -> bool:
        plan = self.services.risk.safety_plan(self.client_id)
        if plan is None:
            return False
        lang = self.print_language.currentData()
        pdf = self.services.risk.safety_plan_pdf(self.client_id, lang, plan)
        printed = pdf_printing.preview_pdf(self, pdf, tr("Safety plan"))
        if printed and self._live:
            self.services.risk.record_safety_plan_printed(self.client_id, plan.id, lang)
        return printed

    def edit_crisis_contacts(self) -> None:
        dialog = CrisisContactsDialog(self.services, self)
        try:
            launch(dialog)
        finally:
            dialog.deleteLater()

    def record_measure(self) -> None:
        dialog = EmergencyMeasureDialog(self.services, self.client_id, self)
        try:
            launch(dialog)
        finally:
            dialog.deleteLater()
        self.refresh()

    def open_measure(self, row: int) -> None:
        measure = self.measure_model.row_at(row)
        if measure is None or measure.id is None:
            return
        dialog = MeasureView(self.services, measure.id, self)
        try:
            launch(dialog)
        finally:
            dialog.deleteLater()

    # -- changes made elsewhere -----------------------------------------------------------------------------------

    def _wants(self, entity: str, entity_id: int | None) -> bool:
        return entity in ENTITIES or entity == "settings" or (entity == "client" and entity_id == self.client_id)

    def shutdown(self) -> None:
        """Stop listening and drop what is shown (called before the window locks)."""
        self._live = False
        self._watcher.stop()
        self.flag = None
        self.plan = None
        for model in (self.assessment_model, self.measure_model, self.history_model, self.versions_model):
            model._set_rows([])
        for label in (self.flag_title, self.flag_details, self.overdue_label, self.no_flag_label, self.plan_summary):
            label.clear()
        set_message(self.flag_notice, "")
        set_message(self.plan_warning, "")

