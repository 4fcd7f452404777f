"""The cohort screening page: the screenings imported, and the students they flagged by level, class and
questionnaire; one action makes a client file from a flagged row (or links an existing one) and books the
interview; the list shows who was interviewed, when, and the outcome."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QDateTime, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...i18n import N_, language, tr
from ...records.clients import GENDER_LABELS, ValidationError
from ...records.screening import INTERVIEW_MINUTES, OUTCOME_LABELS, OUTCOMES, Level, ScreeningRow
from ...records.services import Services
from ...vault.errors import VaultError
from ..common.qt_models import ID_ROLE, SORT_ROLE, RowTableModel
from ..common.widgets import (
    RecordTable,
    StoreWatcher,
    heading,
    message_label,
    paragraph,
    save_cancel_buttons,
    set_message,
    show_error,
)
from ..referrals.referral_dialog import FormDialog

ALL = -1


class FlaggedModel(RowTableModel[ScreeningRow]):
    COLUMNS = ("level", "class_name", "student_no", "name", "gender", "instrument", "total", "client", "interview",
               "outcome")
    HEADERS = {"level": N_("Level"), "class_name": N_("Class"), "student_no": N_("Student number"), "name": N_("Name"),
               "gender": N_("Gender"), "instrument": N_("Questionnaire"), "total": N_("Total"),
               "client": N_("Client file"), "interview": N_("Interview"), "outcome": N_("Outcome")}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.levels: dict[int, Level] = {}
        self.codes: dict[int, str] = {}
        self.instruments: dict[str, str] = {}

    def set_rows(self, rows: list[ScreeningRow], levels: list[Level], codes: dict[int, str],
                 instruments: dict[str, str]) -> None:
        self.levels = {lv.number: lv for lv in levels}
        self.codes = codes
        self.instruments = instruments
        self._set_rows(rows)

    def level_text(self, r: ScreeningRow) -> str:
        if r.level is None:
            return ""
        lowest = max(self.levels) if self.levels else r.level
        level = self.levels.get(min(r.level, lowest))
        text = level.text(language()) if level else str(r.level)
        return text + (" · " + tr("critical item") if r.critical else "")

    def _text(self, r: ScreeningRow, column: str) -> str:
        if column == "level":
            return self.level_text(r)
        if column == "gender":
            return tr(GENDER_LABELS.get(r.gender, "")) if r.gender else ""
        if column == "instrument":
            return self.instruments.get(r.instrument_id, r.instrument_id)
        if column == "total":
            return f"{r.total:g}"
        if column == "client":
            return self.codes.get(r.client_id, "") if r.client_id else tr("not yet")
        if column == "interview":
            if r.interview_at is None:
                return ""
            when = r.interview_at.strftime("%Y-%m-%d %H:%M")
            return tr("held {when}", when=when) if r.interviewed else tr("booked {when}", when=when)
        if column == "outcome":
            return tr(OUTCOME_LABELS[r.outcome]) if r.outcome in OUTCOME_LABELS else ""
        return str(getattr(r, column))

    def cell(self, r: ScreeningRow, column: str, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(r, column)
        if role == ID_ROLE:
            return r.id
        if role == SORT_ROLE:
            return (r.level or 99, not r.critical) if column == "level" else self._text(r, column)
        if role == Qt.ItemDataRole.BackgroundRole and column == "level" and r.level is not None:
            lowest = max(self.levels) if self.levels else r.level
            level = self.levels.get(min(r.level, lowest))
            if level is not None:
                return QBrush(QColor(level.colour))
        if role == Qt.ItemDataRole.ForegroundRole and column == "level" and r.level is not None:
            return QBrush(QColor("#ffffff" if (r.level or 9) <= 2 else "#111111"))
        return None


class ScreeningPage(QWidget):
    """Public: `refresh()`, `import_answers()`, `make_client()`, `link_client()`, `record_outcome()`,
    `edit_levels()`, `selected()`, `table`, `model`, `open_client` (signal), `shutdown()`."""

    open_client = Signal(int)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.title = heading(tr("Cohort screening"), 1.3)
        self.intro = paragraph(tr(
            "Import a cohort's answers (新生心理普查) from the survey tool's .xlsx or .csv file; the questionnaire's "
            "rules flag students at the room's levels, a critical item always at the highest. Students who are not "
            "flagged stay screening rows, not client files. The imported file is neither kept nor copied."))
        self.screening_combo = QComboBox()
        self.screening_combo.setAccessibleName(tr("Screening"))
        self.level_combo = QComboBox()
        self.level_combo.setAccessibleName(tr("Level"))
        self.class_combo = QComboBox()
        self.class_combo.setAccessibleName(tr("Class"))
        for combo in (self.screening_combo, self.level_combo, self.class_combo):
            combo.activated.connect(lambda _i: self._show_rows())
        self.summary = paragraph("")
        self.summary.setAccessibleName(tr("Students by level"))
        self.import_button = QPushButton(tr("&Import answers…"))
        self.import_button.clicked.connect(self.import_answers)
        self.levels_button = QPushButton(tr("&Levels and colours…"))
        self.levels_button.clicked.connect(self.edit_levels)
        self.rules_button = QPushButton(tr("Questionnaire from a &rule example…"))
        self.rules_button.clicked.connect(self.from_rule_example)
        self.model = FlaggedModel(self)
        self.table = RecordTable(tr("Flagged students"))
        self.table.setModel(self.model)
        self.table.open_requested.connect(lambda _i: self._open_selected())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.make_button = QPushButton(tr("&Make client and book interview…"))
        self.make_button.clicked.connect(self.make_client)
        self.link_button = QPushButton(tr("Lin&k to an existing client…"))
        self.link_button.clicked.connect(self.link_client)
        self.outcome_button = QPushButton(tr("Record &outcome…"))
        self.outcome_button.clicked.connect(self.record_outcome)
        self.open_button = QPushButton(tr("Open client's &file"))
        self.open_button.clicked.connect(self._open_selected)
        self.message = message_label()

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.rules_button)
        top.addWidget(self.levels_button)
        top.addWidget(self.import_button)
        filters = QHBoxLayout()
        for text, combo in ((tr("Screening:"), self.screening_combo), (tr("Level:"), self.level_combo),
                            (tr("Class:"), self.class_combo)):
            label = QLabel(text)
            label.setBuddy(combo)
            filters.addWidget(label)
            filters.addWidget(combo, 1)
        actions = QHBoxLayout()
        for b in (self.make_button, self.link_button, self.outcome_button, self.open_button):
            actions.addWidget(b)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.intro)
        layout.addLayout(filters)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(actions)
        self._watcher = StoreWatcher(self, services.store, self.refresh,
                                     wants=lambda entity, _id: entity in ("screening", "screening_row", "client",
                                                                          "appointment", "settings"))
        self.refresh()

    # -- showing --------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._watcher.mark_fresh()
        lang = language()
        screening_id = self.screening_combo.currentData()
        self.screening_combo.clear()
        self.screening_combo.addItem(tr("All screenings"), ALL)
        for s in self.services.screening.screenings():
            instrument = self.services.screening.instrument_of(s)
            self.screening_combo.addItem(tr("{cohort} — {date} — {instrument} ({flagged} flagged of {rows})",
                                            cohort=s.cohort, date=s.held_on.isoformat(),
                                            instrument=instrument.short_in(lang), flagged=s.flagged,
                                            rows=s.rows_imported), s.id)
        self.screening_combo.setCurrentIndex(max(0, self.screening_combo.findData(screening_id)))
        level = self.level_combo.currentData()
        self.level_combo.clear()
        self.level_combo.addItem(tr("All levels"), ALL)
        for lv in self.services.screening.levels():
            self.level_combo.addItem(lv.text(lang), lv.number)
        self.level_combo.setCurrentIndex(max(0, self.level_combo.findData(level)))
        self._show_rows()

    def _show_rows(self) -> None:
        lang = language()
        screening_id = self.screening_combo.currentData()
        sid = None if screening_id in (None, ALL) else int(screening_id)
        chosen_class = self.class_combo.currentData()
        self.class_combo.clear()
        self.class_combo.addItem(tr("All classes"), None)
        for name in self.services.screening.classes(sid):
            self.class_combo.addItem(name or tr("(no class)"), name)
        self.class_combo.setCurrentIndex(max(0, self.class_combo.findData(chosen_class)))
        level = self.level_combo.currentData()
        rows = self.services.screening.flagged(sid, None if level in (None, ALL) else int(level),
                                               self.class_combo.currentData())
        levels = self.services.screening.levels()
        codes = {c.id: c.code for c in self.services.clients.list(include_archived=True) if c.id is not None}
        names = {info.instrument.id: info.instrument.short_in(lang) for info in self.services.psychtests.instruments()}
        self.model.set_rows(rows, levels, codes, names)
        counts: dict[int, int] = {}
        for r in rows:
            if r.level is not None:
                n = min(r.level, len(levels))
                counts[n] = counts.get(n, 0) + 1
        parts = [tr("{level}: {count}", level=lv.text(lang), count=counts.get(lv.number, 0)) for lv in levels]
        interviewed = sum(1 for r in rows if r.interviewed)
        self.summary.setText(tr("{count} flagged students shown", count=len(rows)) + " — " + "; ".join(parts)
                             + " — " + tr("{count} interviewed", count=interviewed))
        self._update_buttons()

    def selected(self) -> ScreeningRow | None:
        return self.model.row_at(self.table.currentIndex().row())

    def select_row(self, row_id: int) -> None:
        row = self.model.row_of(row_id)
        if row >= 0:
            self.table.setCurrentIndex(self.model.index(row, 0))

    def _update_buttons(self) -> None:
        r = self.selected()
        self.make_button.setEnabled(r is not None and r.client_id is None)
        self.link_button.setEnabled(r is not None and r.client_id is None)
        self.outcome_button.setEnabled(r is not None and r.client_id is not None)
        self.open_button.setEnabled(r is not None and r.client_id is not None)

    def _open_selected(self, _index: QModelIndex | None = None) -> None:
        r = self.selected()
        if r is not None and r.client_id is not None:
            self.open_client.emit(r.client_id)

    # -- actions --------------------------------------------------------------------------------------------------

    def import_answers(self) -> None:
        from .import_wizard import ImportWizard

        wizard = ImportWizard(self.services, self)
        try:
            if wizard.exec() == QDialog.DialogCode.Accepted and wizard.screening is not None:
                s = wizard.screening
                self.refresh()
                self.screening_combo.setCurrentIndex(max(0, self.screening_combo.findData(s.id)))
                self._show_rows()
                set_message(self.message, tr("{rows} students imported, {flagged} flagged. The file was not kept.",
                                             rows=s.rows_imported, flagged=s.flagged), "ok")
        finally:
            wizard.deleteLater()

    def _run(self, dialog: QDialog, row_id: int | None = None) -> None:
        try:
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()
        if accepted:
            self.refresh()
            if row_id is not None:
                self.select_row(row_id)

    def make_client(self) -> None:
        r = self.selected()
        if r is not None and r.client_id is None:
            self._run(InterviewDialog(self.services, r, None, self), r.id)

    def link_client(self) -> None:
        r = self.selected()
        if r is not None and r.client_id is None:
            self._run(InterviewDialog(self.services, r, "link", self), r.id)

    def record_outcome(self) -> None:
        r = self.selected()
        if r is not None and r.client_id is not None:
            self._run(OutcomeDialog(self.services, r, self), r.id)

    def edit_levels(self) -> None:
        self._run(LevelsDialog(self.services, self))

    def from_rule_example(self) -> None:
        self._run(RuleExampleDialog(self.services, self))

    def shutdown(self) -> None:
        self._watcher.stop()
        self.model.set_rows([], [], {}, {})


def _next_slot() -> datetime:
    start = (datetime.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    while start.weekday() >= 5:
        start += timedelta(days=1)
    return start


class InterviewDialog(FormDialog):
    """Make a client file from a flagged row (mode None) or link an existing client (mode "link"), and book the
    interview. After accept(), `row` is the row as saved."""

    def __init__(self, services: Services, row: ScreeningRow, mode: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.row = row
        self.mode = mode
        self.setWindowTitle(tr("Link to a client and book the interview") if mode == "link"
                            else tr("Make a client file and book the interview"))
        form = QFormLayout()
        who = QLabel(tr("{name} ({number}), {klass}", name=row.display_name, number=row.student_no,
                        klass=row.class_name or "—"))
        who.setTextFormat(Qt.TextFormat.PlainText)
        form.addRow(tr("Student:"), who)
        self.code = QLineEdit(f"S-{row.student_no}"[:32])
        self.code.setAccessibleName(tr("Client code"))
        self.client_combo = QComboBox()
        self.client_combo.setAccessibleName(tr("Client"))
        if mode == "link":
            self.client_combo.addItem(tr("Choose the client…"), None)
            for c in services.clients.list():
                self.client_combo.addItem(f"{c.code} — {c.display_name}", c.id)
            self._row(form, "client", tr("&Client:"), self.client_combo)
        else:
            self._row(form, "code", tr("Client &code:"), self.code)
        slot = _next_slot()
        self.when = QDateTimeEdit(QDateTime(slot.year, slot.month, slot.day, slot.hour, slot.minute, 0))
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setCalendarPopup(True)
        self.when.setAccessibleName(tr("Interview time"))
        self.minutes = QSpinBox()
        self.minutes.setRange(10, 180)
        self.minutes.setValue(INTERVIEW_MINUTES)
        self.minutes.setSuffix(tr(" min"))
        self.minutes.setAccessibleName(tr("Interview length in minutes"))
        self._row(form, "planned_start", tr("&Interview:"), self.when)
        self._row(form, "minutes", tr("&Length:"), self.minutes)
        box, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(box)
        self.resize(self.fontMetrics().horizontalAdvance("M") * 44, self.sizeHint().height())

    def save(self) -> None:
        when: datetime = self.when.dateTime().toPython()  # type: ignore[assignment]
        try:
            if self.mode == "link":
                client_id = self.client_combo.currentData()
                if client_id is None:
                    self.show_errors({"client": N_("Choose the client.")})
                    return
                self.row = self.services.screening.link_client(self.row.id, int(client_id), when,
                                                               self.minutes.value())
            else:
                self.row = self.services.screening.make_client(self.row.id, self.code.text().strip(), when,
                                                               self.minutes.value())
        except ValidationError as e:
            self.show_errors(e.errors)
            return
        except VaultError as e:
            show_error(self, self.windowTitle(), e.message())
            return
        self.accept()


class OutcomeDialog(FormDialog):
    def __init__(self, services: Services, row: ScreeningRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.row = row
        self.setWindowTitle(tr("Outcome of the interview"))
        self.outcome = QComboBox()
        self.outcome.setAccessibleName(tr("Outcome"))
        self.outcome.addItem(tr("Choose the outcome…"), None)
        for key in OUTCOMES:
            self.outcome.addItem(tr(OUTCOME_LABELS[key]), key)
        if row.outcome:
            self.outcome.setCurrentIndex(max(0, self.outcome.findData(row.outcome)))
        self.note = QPlainTextEdit(row.outcome_note)
        self.note.setAccessibleName(tr("Note on the outcome"))
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(self.fontMetrics().height() * 5)
        form = QFormLayout()
        self._row(form, "outcome", tr("&Outcome:"), self.outcome)
        self._row(form, "note", tr("&Note:"), self.note)
        box, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(box)
        self.resize(self.fontMetrics().horizontalAdvance("M") * 44, self.sizeHint().height())

    def save(self) -> None:
        try:
            self.row = self.services.screening.record_outcome(self.row.id, self.outcome.currentData() or "",
                                                              self.note.toPlainText())
        except ValidationError as e:
            self.show_errors(e.errors)
            return
        except VaultError as e:
            show_error(self, self.windowTitle(), e.message())
            return
        self.accept()


class LevelsDialog(QDialog):
    """The room's levels of concern, the highest first: a name in each language and a colour."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle(tr("Levels of concern"))
        self.grid = QTableWidget(0, 3)
        self.grid.setAccessibleName(tr("Levels of concern"))
        self.grid.setHorizontalHeaderLabels([tr("Name (Chinese)"), tr("Name (English)"), tr("Colour")])
        self.grid.horizontalHeader().setStretchLastSection(True)
        for lv in services.screening.levels():
            self._add(lv.label.get("zh_CN", ""), lv.label.get("en", ""), lv.colour)
        add = QPushButton(tr("&Add a level"))
        add.clicked.connect(lambda: self._add("", "", "#888888"))
        remove = QPushButton(tr("&Remove the last level"))
        remove.clicked.connect(lambda: self.grid.setRowCount(max(1, self.grid.rowCount() - 1)))
        colour = QPushButton(tr("&Colour…"))
        colour.clicked.connect(self._pick_colour)
        self.message = message_label()
        box, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)
        row = QHBoxLayout()
        for b in (add, remove, colour):
            row.addWidget(b)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(paragraph(tr("Level 1 is the highest concern. A questionnaire's screening rule names its "
                                      "level; a critical item is always level 1; a rule beyond the last level "
                                      "counts at the last one.")))
        layout.addWidget(self.grid, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(box)
        self.resize(620, 360)

    def _add(self, zh: str, en: str, colour: str) -> None:
        r = self.grid.rowCount()
        self.grid.insertRow(r)
        for c, text in enumerate((zh, en, colour)):
            self.grid.setItem(r, c, QTableWidgetItem(text))
        self._paint(r)

    def _paint(self, r: int) -> None:
        item = self.grid.item(r, 2)
        if item is not None and QColor(item.text()).isValid():
            item.setBackground(QBrush(QColor(item.text())))

    def _pick_colour(self) -> None:
        r = max(0, self.grid.currentRow())
        item = self.grid.item(r, 2)
        chosen = QColorDialog.getColor(QColor(item.text() if item else "#888888"), self, tr("Colour"))
        if chosen.isValid():
            self.grid.setItem(r, 2, QTableWidgetItem(chosen.name()))
            self._paint(r)

    def levels(self) -> list[dict[str, str]]:
        out = []
        for r in range(self.grid.rowCount()):
            cells = [(self.grid.item(r, c).text() if self.grid.item(r, c) else "").strip()  # type: ignore[union-attr]
                     for c in range(3)]
            out.append({"zh_CN": cells[0], "en": cells[1], "colour": cells[2]})
        return out

    def save(self) -> None:
        try:
            self.services.screening.set_levels(self.levels())
        except ValidationError as e:
            set_message(self.message, " ".join(tr(m) for m in e.errors.values()))
            return
        except VaultError as e:
            set_message(self.message, e.message())
            return
        self.accept()


class RuleExampleDialog(QDialog):
    """A shipped rule example (UPI-style, SCL-90-style) made into the room's questionnaire with the item text the
    room is licensed to use, pasted one item a line. After accept(), `instrument_id` is the imported one."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from ...records.screening_rules import RULE_EXAMPLES

        self.services = services
        self.instrument_id: str | None = None
        self.setWindowTitle(tr("Questionnaire from a rule example"))
        self.example = QComboBox()
        self.example.setAccessibleName(tr("Rule example"))
        labels = {"upi-style": tr("UPI-style rules (60 yes/no items, Chinese)"),
                  "scl90-style": tr("SCL-90-style rules (90 items, factor means)")}
        for key in RULE_EXAMPLES:
            self.example.addItem(labels.get(key, key), key)
        self.lang = QComboBox()
        self.lang.setAccessibleName(tr("Language of the item text"))
        self.lang.addItem("中文", "zh_CN")
        self.lang.addItem("English", "en")
        self.items = QPlainTextEdit()
        self.items.setAccessibleName(tr("Item text, one item a line"))
        self.items.setPlaceholderText(tr("1. …\n2. …\n(one item a line, in the questionnaire's order)"))
        self.items.setTabChangesFocus(True)
        open_button = QPushButton(tr("&Open a text file…"))
        open_button.clicked.connect(self._open_text)
        self.message = message_label()
        box, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)
        self.save_button.setText(tr("&Import"))
        form = QFormLayout()
        form.addRow(tr("&Rules:"), self.example)
        form.addRow(tr("&Language:"), self.lang)
        layout = QVBoxLayout(self)
        layout.addWidget(paragraph(tr("The rules and cut-offs come with the program; the words of the items are the "
                                      "version your room is licensed to use. Paste them one item a line; leading "
                                      "numbers are taken off.")))
        layout.addLayout(form)
        layout.addWidget(self.items, 1)
        layout.addWidget(open_button)
        layout.addWidget(self.message)
        layout.addWidget(box)
        self.resize(640, 520)

    def _open_text(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        name, _ = QFileDialog.getOpenFileName(self, tr("Item text"), "", tr("Text files (*.txt)"))
        if name:
            try:
                with open(name, "rb") as f:
                    data = f.read(1_000_000)
                self.items.setPlainText(data.decode("utf-8-sig", errors="replace"))
            except OSError:
                set_message(self.message, tr("The file could not be read."))

    def save(self) -> None:
        from ...records.instruments import DefinitionInvalid
        from ...records.screening_rules import fill_item_texts

        try:
            data = fill_item_texts(self.example.currentData(), self.items.toPlainText(), self.lang.currentData())
            self.instrument_id = self.services.psychtests.import_definition(data).instrument.id
        except DefinitionInvalid as e:
            set_message(self.message, "\n".join(p.text(language()) for p in e.problems[:5]))
            return
        except VaultError as e:
            set_message(self.message, e.message())
            return
        self.accept()
