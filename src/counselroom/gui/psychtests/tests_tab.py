"""One client's psychological tests: administrations, scores, trend, explanation and feedback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...i18n import N_, language, tr
from ...records.clients import ValidationError
from ...records.instruments import NOT_A_DIAGNOSIS, show_number
from ...records.psychtests import MISSING_LABELS, MODE_LABELS, Administration
from ...records.services import Services
from ...vault.errors import VaultError
from ..clients.client_form import plain_label
from ..common.qt_models import ID_ROLE, RowTableModel, local_time
from ..common.trend_chart import ChartBand, ChartPoint, TrendChart
from ..common.widgets import (
    RecordTable,
    StoreWatcher,
    confirm_destructive,
    heading,
    message_label,
    paragraph,
    set_message,
)
from ..sessions.note_editor import SectionEdit
from .administration_dialog import TestAdministrationDialog, result_lines

FLAG_COLOR = QColor("#b3261e")


def launch(dialog: QDialog) -> int:
    """Run a modal dialog. Tests replace this to answer the dialog without a screen."""
    return dialog.exec()


@dataclass(frozen=True)
class TestRow:
    """One administration as the table shows it (already in words)."""

    __test__ = False  # not a pytest test class

    id: int
    day: str
    instrument: str
    total: str
    band: str
    todo: str
    flagged: bool
    critical: bool


class TestTableModel(RowTableModel[TestRow]):
    __test__ = False  # not a pytest test class

    COLUMNS = ("day", "instrument", "total", "band", "todo")
    HEADERS = {"day": N_("Date"), "instrument": N_("Questionnaire"), "total": N_("Total"),
               "band": N_("Band (screening)"), "todo": N_("To do")}

    def set_tests(self, rows: list[TestRow]) -> None:
        self._set_rows(rows)

    def clear(self) -> None:
        self._set_rows([])

    def cell(self, row: TestRow, column: str, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return str(getattr(row, column))
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ForegroundRole and column == "todo" and (row.flagged or row.critical):
            return QBrush(FLAG_COLOR)
        if role == Qt.ItemDataRole.FontRole and column == "todo" and row.critical:
            font = QFont()
            font.setBold(True)
            return font
        return None


class TestsTab(QWidget):
    """Public: `refresh()`, `new_test()`, `continue_test()`, `record_feedback()`, `discard_test()`,
    `shutdown()`; `model` (the table's rows), `selected` (the administration shown), `chart`."""

    __test__ = False  # not a pytest test class

    # The counselor chose "Assess risk now" after a critical answer; the text says which answer. The
    # client's page connects it to its Risk tab (the tab never reaches up to its page).
    risk_assessment_requested = Signal(str)

    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.selected: Administration | None = None
        self.administrations: list[Administration] = []
        self.dialog: TestAdministrationDialog | None = None
        self._stopped = False
        self._pending_ids: set[int] = set()

        self.new_button = QPushButton(tr("&New test…"))
        self.new_button.setAccessibleName(tr("Give this client a new psychological test"))
        self.new_button.clicked.connect(self.new_test)
        self.continue_button = QPushButton(tr("&Continue test…"))
        self.continue_button.setAccessibleName(tr("Continue the selected unfinished test"))
        self.continue_button.clicked.connect(self.continue_test)
        self.discard_button = QPushButton(tr("&Discard…"))
        self.discard_button.setAccessibleName(tr("Discard the selected test, which has no answers"))
        self.discard_button.clicked.connect(self.discard_test)
        self.notice = plain_label(tr("Each result is a screening result, not a diagnosis."))
        self.notice.setStyleSheet("color: #5b6272;")
        self.notice.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.new_button)
        top.addWidget(self.continue_button)
        top.addWidget(self.discard_button)
        top.addSpacing(12)
        top.addWidget(self.notice, 1)
        self.tab_message = message_label()
        from .critical_widgets import CriticalBanner  # issue 12.1: stays until an assessment or a decision

        self.critical_banner = CriticalBanner(services, client_id)
        self.critical_banner.assess_requested.connect(self.risk_assessment_requested.emit)

        self.model = TestTableModel(self)
        self.table = RecordTable(tr("Psychological tests, newest first"))
        self.table.setModel(self.model)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _prev: self._select(current))
        self.table.open_requested.connect(lambda _index: self._open_selected())
        self.empty_label = paragraph(tr("No test yet. Choose “New test…” to explain and give one."))
        self.empty_label.setStyleSheet("color: #5b6272;")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 3)
        left_layout.addWidget(self.empty_label)
        left_layout.addWidget(self._build_trend(), 2)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self._build_details())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.critical_banner)
        layout.addWidget(self.tab_message)
        layout.addWidget(splitter, 1)

        self.watcher = StoreWatcher(self, services.store, self.refresh, self._wants)
        self.refresh()

    # -- building -----------------------------------------------------------------------------------------------

    def _build_trend(self) -> QGroupBox:
        box = QGroupBox(tr("Trend"))
        layout = QVBoxLayout(box)
        self.trend_combo = QComboBox()
        self.trend_combo.setAccessibleName(tr("Questionnaire shown in the trend"))
        self.trend_combo.currentIndexChanged.connect(lambda _i: self._show_trend())
        label = plain_label(tr("&Questionnaire:"))
        label.setBuddy(self.trend_combo)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.trend_combo, 1)
        layout.addLayout(row)
        self.chart = TrendChart()
        layout.addWidget(self.chart, 1)
        return box

    def _build_details(self) -> QWidget:
        content = QWidget()
        column = QVBoxLayout(content)
        self.detail_heading = heading("", 1.2)
        self.detail_facts = paragraph("")
        self.detail_facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.flags_label = paragraph("")
        self.flags_label.setStyleSheet("QLabel { color: #b3261e; font-weight: bold; }")
        self.flags_label.setAccessibleName(tr("What is missing"))
        self.diagnosis_label = plain_label(tr(NOT_A_DIAGNOSIS))
        self.diagnosis_label.setStyleSheet("QLabel { background: #fff4ce; color: #3b2f00; border: 1px solid "
                                           "#d8b24a; border-radius: 4px; padding: 4px 8px; font-weight: bold; }")
        self.diagnosis_label.setWordWrap(True)
        self.result_label = paragraph("")
        self.result_label.setAccessibleName(tr("Result"))
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explanation_label = paragraph("")
        self.explanation_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.feedback_label = paragraph("")
        self.feedback_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.feedback_box = QGroupBox(tr("Feedback to the client"))
        fb = QVBoxLayout(self.feedback_box)
        self.feedback_edit = SectionEdit(tr("Feedback to the client"))
        self.feedback_edit.set_lines(3, 10)
        fb_label = plain_label(tr("What you &explained to the client about the result:"))
        fb_label.setWordWrap(True)
        fb_label.setBuddy(self.feedback_edit)
        self.feedback_button = QPushButton(tr("&Record feedback"))
        self.feedback_button.clicked.connect(self.record_feedback)
        self.feedback_message = message_label()
        fb_row = QHBoxLayout()
        fb_row.addWidget(self.feedback_message, 1)
        fb_row.addStretch(0)
        fb_row.addWidget(self.feedback_button, 0, Qt.AlignmentFlag.AlignRight)
        fb.addWidget(fb_label)
        fb.addWidget(self.feedback_edit)
        fb.addLayout(fb_row)

        self.answers_button = QPushButton(tr("Show &answers"))
        self.answers_button.setCheckable(True)
        self.answers_button.toggled.connect(lambda _on: self._show_details())
        self.answers_label = paragraph("")
        self.answers_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        answers_row = QHBoxLayout()
        answers_row.addWidget(self.answers_button)
        answers_row.addStretch(1)

        for w in (self.detail_heading, self.detail_facts, self.flags_label, self.diagnosis_label, self.result_label,
                  self.explanation_label, self.feedback_label, self.feedback_box):
            column.addWidget(w)
        column.addLayout(answers_row)
        column.addWidget(self.answers_label)
        column.addStretch(1)
        self.none_selected = paragraph(tr("Select a test to see its result, explanation and feedback."))
        self.none_selected.setStyleSheet("color: #5b6272;")
        column.insertWidget(0, self.none_selected)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.StyledPanel)
        scroll.setWidget(content)
        return scroll

    # -- showing ------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        if self._stopped:
            return
        self.watcher.mark_fresh()
        self.critical_banner.refresh()
        self._pending_ids = {p.administration.id for p in self.critical_banner.pending}
        tests = self.services.psychtests
        keep = self.selected.id if self.selected is not None else None
        self.administrations = tests.for_client(self.client_id)
        self.model.set_tests([self._row(a) for a in self.administrations])
        self.empty_label.setVisible(not self.administrations)
        self._fill_trend_combo()
        row = self.model.row_of(keep) if keep is not None else -1
        if row < 0 and self.administrations:
            row = 0
        if row >= 0:
            self.table.selectRow(row)
            self._select(self.model.index(row, 0))
        else:
            self._select(QModelIndex())

    def _row(self, a: Administration) -> TestRow:
        instrument = self.services.psychtests.instrument_of(a)
        lang = language()
        total = band = ""
        if a.result is not None:
            total = show_number(a.result.total)
            index = a.result.bands.get("total")
            if index is not None and index < len(instrument.total.bands):
                band = instrument.total.bands[index].text(lang)
        todo = [tr(MISSING_LABELS[m]) for m in a.missing]
        if not a.is_completed and a.explained_at is not None:
            todo.append(tr("Not finished ({answered} of {count} answered)", answered=len(a.answers),
                           count=len(instrument.items)))
        critical = bool(a.result.critical if a.result is not None else instrument.critical_hits(a.answers))
        if critical:
            todo.insert(0, tr("Critical item answered — no risk assessment yet") if a.id in self._pending_ids
                        else tr("Critical item answered"))
        return TestRow(a.id, a.day.isoformat(), instrument.short_in(lang), total, band, "; ".join(todo),
                       bool(a.missing), critical)

    def _fill_trend_combo(self) -> None:
        current = self.trend_combo.currentData()
        seen: dict[str, str] = {}
        for a in reversed(self.administrations):
            if a.is_completed and a.instrument_id not in seen:
                seen[a.instrument_id] = self.services.psychtests.instrument_of(a).short_in(language())
        self.trend_combo.blockSignals(True)
        self.trend_combo.clear()
        for instrument_id, title in seen.items():
            self.trend_combo.addItem(title, instrument_id)
        index = self.trend_combo.findData(current)
        if index < 0 and self.administrations:
            newest = next((a for a in self.administrations if a.is_completed), None)
            index = self.trend_combo.findData(newest.instrument_id) if newest else -1
        self.trend_combo.setCurrentIndex(max(index, 0) if seen else -1)
        self.trend_combo.setEnabled(len(seen) > 1)
        self.trend_combo.blockSignals(False)
        self._show_trend()

    def _show_trend(self) -> None:
        instrument_id = self.trend_combo.currentData()
        if instrument_id is None:
            self.chart.clear()
            return
        tests = self.services.psychtests
        points = tests.trend(self.client_id, instrument_id)
        instrument = tests.instrument(instrument_id)
        total = instrument.total
        lang = language()
        lows = [instrument.item(n).lowest for n in total.items]  # type: ignore[union-attr]
        highs = [instrument.item(n).highest for n in total.items]  # type: ignore[union-attr]
        if total.method == "sum":
            low, high = float(sum(lows)), float(sum(highs))
        else:
            low, high = sum(lows) / len(lows), sum(highs) / len(highs)
        self.chart.set_data([ChartPoint(p.day, float(p.total), show_number(p.total)) for p in points],
                            [ChartBand(float(b.low), float(b.high), b.text(lang)) for b in total.bands],
                            low, high, total.whole)

    def _select(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row()) if index.isValid() else None
        self.selected = next((a for a in self.administrations if row is not None and a.id == row.id), None)
        self.answers_button.setChecked(False)
        self._show_details()

    def _show_details(self) -> None:
        a = self.selected
        for w in (self.detail_heading, self.detail_facts, self.diagnosis_label, self.result_label,
                  self.explanation_label, self.feedback_label, self.answers_button):
            w.setVisible(a is not None)
        self.none_selected.setVisible(a is None)
        self.continue_button.setEnabled(a is not None and not a.is_completed)
        self.discard_button.setEnabled(a is not None and not a.is_completed and not a.answers)
        if a is None:
            self.flags_label.hide()
            self.feedback_box.hide()
            self.answers_label.hide()
            return
        tests = self.services.psychtests
        instrument = tests.instrument_of(a)
        lang = language()
        self.detail_heading.setText(f"{instrument.title_in(lang)} — {a.day.isoformat()}")
        facts = [tr("Questionnaire version {version}", version=a.version), tr(MODE_LABELS.get(a.mode, a.mode)),
                 tr("Started: {time}", time=local_time(a.started_at)[:16])]
        if a.explained_at:
            facts.append(tr("Explained: {time}", time=local_time(a.explained_at)[:16]))
        if a.completed_at:
            facts.append(tr("Completed and scored: {time}", time=local_time(a.completed_at)[:16]))
        if a.feedback_at:
            facts.append(tr("Feedback: {time}", time=local_time(a.feedback_at)[:16]))
        self.detail_facts.setText("\n".join(facts))
        flags = [tr(MISSING_LABELS[m]) for m in a.missing]
        hits = tests.critical_hits(a)
        flags += [tr("Critical item {number} answered: {message}", number=c.item, message=c.text(lang)) for c in hits]
        if not a.is_completed and a.explained_at is not None:
            flags.append(tr("Not finished: {answered} of {count} items answered.", answered=len(a.answers),
                            count=len(instrument.items)))
        self.flags_label.setText("\n".join(flags))
        self.flags_label.setVisible(bool(flags))
        self.diagnosis_label.setVisible(a.is_completed)
        self.result_label.setVisible(a.is_completed)
        if a.is_completed:
            self.result_label.setText("\n".join(result_lines(self.services, a, dates=False)))
        self.explanation_label.setText(tr("Pre-test explanation: {text}", text=a.explanation)
                                       if a.explanation else tr("No pre-test explanation recorded."))
        self.feedback_label.setVisible(a.feedback is not None)
        self.feedback_label.setText(tr("Feedback to the client: {text}", text=a.feedback) if a.feedback else "")
        self.feedback_box.setVisible(a.is_completed and a.feedback is None)
        showing = self.answers_button.isChecked()
        self.answers_button.setEnabled(bool(a.answers))
        self.answers_label.setVisible(showing and bool(a.answers))
        if showing:
            self.answers_label.setText("\n".join(tests.answer_lines(a, lang)[1:]))

    # -- acting -------------------------------------------------------------------------------------------------

    def _open_selected(self) -> None:
        if self.selected is not None and not self.selected.is_completed:
            self.continue_test()

    def new_test(self) -> None:
        self._run(TestAdministrationDialog(self.services, self.client_id, parent=self))

    def continue_test(self) -> None:
        if self.selected is None or self.selected.is_completed:
            return
        self._run(TestAdministrationDialog(self.services, self.client_id, self.selected.id, parent=self))

    def _run(self, dialog: TestAdministrationDialog) -> None:
        self.dialog = dialog
        try:
            launch(dialog)
        finally:
            self.dialog = None
            dialog.deleteLater()
        if self._stopped:
            return  # the window locked while the dialog was open: nothing more to show
        if dialog.administration is not None:
            self.selected = dialog.administration
        self.refresh()
        if dialog.risk_requested is not None:
            self.risk_assessment_requested.emit(dialog.risk_requested)

    def record_feedback(self) -> None:
        if self.selected is None:
            return
        try:
            self.services.psychtests.record_feedback(self.selected.id, self.feedback_edit.toPlainText())
        except ValidationError as e:
            set_message(self.feedback_message, "\n".join(tr(m) for m in e.errors.values()))
            self.feedback_edit.setFocus()
            return
        except VaultError as e:
            set_message(self.feedback_message, e.message())
            return
        set_message(self.feedback_message, "")
        self.feedback_edit.clear()
        self.refresh()
        set_message(self.tab_message, tr("Feedback recorded."), "ok")

    def discard_test(self) -> None:
        a = self.selected
        if a is None or a.is_completed or a.answers:
            return
        title = self.services.psychtests.instrument_of(a).short_in(language())
        if not confirm_destructive(self, tr("Discard the test?"),
                                   tr("Discard the unanswered {instrument} of {date}? It has no answers.",
                                      instrument=title, date=a.day.isoformat()), tr("Discard")):
            return
        try:
            self.services.psychtests.discard(a.id)
        except (ValidationError, VaultError) as e:
            set_message(self.tab_message, e.message() if isinstance(e, VaultError) else
                        "\n".join(tr(m) for m in e.errors.values()))
            return
        self.selected = None
        self.refresh()

    # -- changes made elsewhere ---------------------------------------------------------------------------------

    def _wants(self, entity: str, entity_id: int | None) -> bool:
        return entity in ("test", "instrument", "risk_assessment", "critical_follow_up")

    def shutdown(self) -> None:
        """Stop listening and drop what is shown (called before the window locks)."""
        self._stopped = True
        self.watcher.stop()
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.reject()
        self.model.clear()
        self.administrations = []
        self.selected = None
        self.chart.clear()
        self.trend_combo.clear()
        for label in (self.detail_heading, self.detail_facts, self.flags_label, self.result_label,
                      self.explanation_label, self.feedback_label, self.answers_label):
            label.clear()
        self.feedback_edit.clear()
        self.critical_banner.hide()
        self.critical_banner.text.clear()
