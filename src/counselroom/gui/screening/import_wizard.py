"""Importing a cohort's answers: the file and the screening's details, the columns mapped to the items,
then every row checked; nothing is stored until the file is clean or the counselor skips the named rows.

The file is read into memory on a worker thread (a 5,000-row workbook takes a few seconds) and is neither
kept nor copied; the window says so before a file is chosen."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...i18n import tr
from ...records.clients import ValidationError
from ...records.instruments import Instrument
from ...records.screening import Screening, ScreeningInvalid
from ...records.screening_import import (
    FIELD_LABELS,
    STUDENT_FIELDS,
    CheckedFile,
    ColumnMapping,
    ImportRefused,
    Table,
    column_letter,
    read_table,
    suggest_mapping,
)
from ...records.services import Services
from ...vault.errors import VaultError
from ..common.widgets import Task, heading, message_label, paragraph, set_message

NONE = ""  # the "no column" choice
SHOWN_PROBLEMS = 500


class ImportWizard(QDialog):
    """Public: `load_file(path)` (as the file dialog does), `next_step()`, `back()`, `check()`,
    `import_now()`, `mapping()`, `checked`, `screening` (after the import), `step`."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle(tr("Import screening answers"))
        self.table: Table | None = None
        self.checked: CheckedFile | None = None
        self.screening: Screening | None = None
        self._task: Task | None = None
        self.instruments: list[Instrument] = [info.instrument for info in services.psychtests.instruments()]

        self.pages = QStackedWidget()
        self.pages.addWidget(self._file_page())
        self.pages.addWidget(self._mapping_page())
        self.pages.addWidget(self._rows_page())
        self.message = message_label()
        self.back_button = QPushButton(tr("&Back"))
        self.back_button.clicked.connect(self.back)
        self.next_button = QPushButton(tr("&Next"))
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.next_step)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.back_button, self.next_button, self.cancel_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(900, 640)
        self._update_buttons()

    # -- the pages ------------------------------------------------------------------------------------------------

    def _file_page(self) -> QWidget:
        page = QWidget()
        self.file_label = QLabel(tr("No file chosen yet."))
        self.file_label.setWordWrap(True)
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.choose_button = QPushButton(tr("&Choose file…"))
        self.choose_button.clicked.connect(self.choose_file)
        # rows read so far, while a file is read on the worker thread (a large .xlsx takes seconds)
        self.read_progress = QProgressBar()
        self.read_progress.setAccessibleName(tr("Reading progress"))
        self.read_progress.setVisible(False)
        self._read_state = [0, 0]  # (rows read, rows in all), written by the reading thread only
        self._read_timer = QTimer(self)
        self._read_timer.setInterval(100)
        self._read_timer.timeout.connect(self._show_read_progress)
        self.instrument_combo = QComboBox()
        self.instrument_combo.setAccessibleName(tr("Questionnaire"))
        for instrument in self.instruments:
            self.instrument_combo.addItem(f"{instrument.short_in(_lang())} (v{instrument.version})", instrument.id)
        default = next((i for i, x in enumerate(self.instruments) if x.screening and any(r.level for r in x.screening)),
                       0)
        self.instrument_combo.setCurrentIndex(default)
        self.cohort_edit = QLineEdit()
        self.cohort_edit.setAccessibleName(tr("Cohort"))
        self.cohort_edit.setPlaceholderText(tr("such as 2026级新生"))
        self.date_edit = QDateEdit(QDate.currentDate())
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setAccessibleName(tr("Date of the screening"))
        self.consent_edit = QPlainTextEdit()
        self.consent_edit.setAccessibleName(tr("Consent text shown to the students"))
        self.consent_edit.setPlaceholderText(tr("Paste the consent text the students read before they answered."))
        self.consent_edit.setTabChangesFocus(True)
        file_row = QHBoxLayout()
        file_column = QVBoxLayout()
        file_column.addWidget(self.file_label)
        file_column.addWidget(self.read_progress)
        file_row.addLayout(file_column, 1)
        file_row.addWidget(self.choose_button)
        form = QFormLayout()
        form.addRow(tr("Answers file:"), file_row)
        form.addRow(tr("&Questionnaire:"), self.instrument_combo)
        form.addRow(tr("C&ohort:"), self.cohort_edit)
        form.addRow(tr("&Date:"), self.date_edit)
        form.addRow(tr("Consent &text:"), self.consent_edit)
        layout = QVBoxLayout(page)
        layout.addWidget(heading(tr("1. The answers file"), 1.2))
        layout.addWidget(paragraph(tr(
            "Choose the .xlsx or .csv file exported by the survey tool (one student a row, a header row on top). "
            "The file is read once into the program and is neither kept nor copied: only the answers, checked and "
            "scored, are stored in the encrypted vault. Delete or lock away the file yourself when you are done.")))
        layout.addLayout(form, 1)
        return page

    def _mapping_page(self) -> QWidget:
        page = QWidget()
        self.mapping_grid = QGridLayout()
        self.mapping_boxes: dict[str, QComboBox] = {}
        inner = QWidget()
        inner.setLayout(self.mapping_grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self.mapping_note = paragraph("")
        layout = QVBoxLayout(page)
        layout.addWidget(heading(tr("2. Which column holds what"), 1.2))
        layout.addWidget(paragraph(tr("Each item of the questionnaire and the student number need a column; name, "
                                      "gender, grade, department and class are optional. The choice is saved for "
                                      "the next file of this questionnaire.")))
        layout.addWidget(self.mapping_note)
        layout.addWidget(scroll, 1)
        return page

    def _rows_page(self) -> QWidget:
        page = QWidget()
        self.rows_summary = paragraph("")
        self.problem_list = QListWidget()
        self.problem_list.setAccessibleName(tr("Problems, row by row"))
        self.skip_box = QCheckBox()
        self.skip_box.toggled.connect(lambda _on: self._update_buttons())
        self.progress = QProgressBar()
        self.progress.setAccessibleName(tr("Import progress"))
        self.progress.setVisible(False)
        layout = QVBoxLayout(page)
        layout.addWidget(heading(tr("3. Every row checked"), 1.2))
        layout.addWidget(self.rows_summary)
        layout.addWidget(self.problem_list, 1)
        layout.addWidget(self.skip_box)
        layout.addWidget(self.progress)
        return page

    # -- step 1 ---------------------------------------------------------------------------------------------------

    def instrument(self) -> Instrument:
        return self.instruments[max(0, self.instrument_combo.currentIndex())]

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, tr("Choose the answers file"), "",
                                                    tr("Spreadsheets (*.xlsx *.csv)"))
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> None:
        """Read the file on a worker thread (the window stays responsive); `table` is set when it is read."""
        self.table = None
        self.checked = None
        self.file_label.setText(tr("Reading {name}…", name=path.name))
        set_message(self.message, "")
        self.choose_button.setEnabled(False)
        state = self._read_state = [0, 0]

        def progress(done: int, total: int) -> None:  # on the reading thread: no Qt object is touched here
            state[0], state[1] = done, total

        self.read_progress.setRange(0, 0)  # busy until the first rows are counted
        self.read_progress.setFormat("")
        self.read_progress.setVisible(True)
        self._read_timer.start()
        self._task = Task(lambda: read_table(path, progress), self)
        self._task.done.connect(lambda table: self._read(path, table))
        self._task.failed.connect(self._read_failed)
        self._task.start()
        self._update_buttons()

    def wait_until_read(self, timeout_ms: int = 60_000) -> None:
        """Process events until the file is read (tests, and nothing else, wait so)."""
        import time

        end = time.monotonic() + timeout_ms / 1000
        while not self.choose_button.isEnabled() and time.monotonic() < end:
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)

    def _show_read_progress(self) -> None:
        done, total = self._read_state
        if not done:
            return
        if total:
            self.read_progress.setRange(0, total)
            self.read_progress.setValue(done)
            self.read_progress.setFormat(tr("{done} of {total} rows read", done=done, total=total))
        else:  # the file does not say how many rows it has: busy, with the count so far
            self.read_progress.setRange(0, 0)
            self.read_progress.setFormat(tr("{done} rows read", done=done))
        self.read_progress.setAccessibleDescription(self.read_progress.format())

    def _stop_read_progress(self) -> None:
        self._read_timer.stop()
        self.read_progress.setVisible(False)

    def _read(self, path: Path, table: Table) -> None:
        self._stop_read_progress()
        self.table = table
        self.choose_button.setEnabled(True)
        self.file_label.setText(tr("{name}: {rows} rows, {columns} columns", name=path.name, rows=len(table.rows),
                                   columns=len(table.headers)))
        self._update_buttons()

    def _read_failed(self, error: object) -> None:
        self._stop_read_progress()
        self.choose_button.setEnabled(True)
        self.file_label.setText(tr("No file chosen yet."))
        text = error.text(_lang()) if isinstance(error, ImportRefused) else tr("The file could not be read.")
        set_message(self.message, text)
        self._update_buttons()

    # -- step 2 ---------------------------------------------------------------------------------------------------

    def _fill_mapping(self) -> None:
        assert self.table is not None
        instrument = self.instrument()
        while self.mapping_grid.count():
            item = self.mapping_grid.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]
        self.mapping_boxes = {}
        saved = self.services.screening.saved_mapping(instrument.id)
        suggested = suggest_mapping(self.table, instrument, saved)
        self.mapping_note.setText(tr("Filled in from the mapping saved last time, where its columns are in this "
                                     "file.") if saved else tr("Filled in from the column headers: check it."))
        choices = [(tr("(none)"), NONE)] + [(f"{column_letter(i)}: {h}", h) for i, h in enumerate(self.table.headers)]
        rows: list[tuple[str, str, str]] = [(f, tr(FIELD_LABELS[f]), suggested.fields.get(f, NONE))
                                            for f in STUDENT_FIELDS]
        rows += [(f"item:{item.number}", tr("Item {number}: {text}", number=item.number,
                                            text=item.text_in(_lang())[:40]),
                  suggested.items.get(item.number, NONE)) for item in instrument.items]
        for r, (key, label, current) in enumerate(rows):
            box = QComboBox()
            box.setAccessibleName(label)
            for text, value in choices:
                box.addItem(text, value)
            box.setCurrentIndex(max(0, box.findData(current)))
            box.setMinimumContentsLength(24)
            name = QLabel(label)
            name.setTextFormat(Qt.TextFormat.PlainText)
            self.mapping_grid.addWidget(name, r // 2, (r % 2) * 2)
            self.mapping_grid.addWidget(box, r // 2, (r % 2) * 2 + 1)
            self.mapping_boxes[key] = box

    def mapping(self) -> ColumnMapping:
        fields_: dict[str, str] = {}
        items: dict[int, str] = {}
        for key, box in self.mapping_boxes.items():
            value = box.currentData()
            if not value:
                continue
            if key.startswith("item:"):
                items[int(key[5:])] = value
            else:
                fields_[key] = value
        return ColumnMapping(fields_, items)

    def set_column(self, key: str, header: str) -> None:
        box = self.mapping_boxes[key]
        box.setCurrentIndex(max(0, box.findData(header)))

    # -- step 3 ---------------------------------------------------------------------------------------------------

    def check(self) -> CheckedFile:
        assert self.table is not None
        checked = self.services.screening.check(self.table, self.instrument().id, self.mapping())
        self.checked = checked
        self.problem_list.clear()
        lang = _lang()
        for problem in checked.problems[:SHOWN_PROBLEMS]:
            self.problem_list.addItem(problem.text(lang))
        if len(checked.problems) > SHOWN_PROBLEMS:
            self.problem_list.addItem(tr("…and {count} more problems.", count=len(checked.problems) - SHOWN_PROBLEMS))
        bad = len(checked.bad_rows)
        good = len(checked.students)
        if checked.problems:
            self.rows_summary.setText(tr("{good} rows are ready; {bad} rows have problems, listed below with their "
                                         "row and column. Correct them in the file and import it again, or skip "
                                         "these rows.", good=good, bad=bad))
        else:
            self.rows_summary.setText(tr("All {good} rows are ready to import.", good=good))
        self.skip_box.setText(tr("Skip the {bad} rows named above (they are not imported)", bad=bad))
        self.skip_box.setChecked(False)
        self.skip_box.setVisible(bool(bad))
        self._update_buttons()
        return checked

    def import_now(self) -> Screening | None:
        if self.table is None or self.checked is None:
            return None
        skip = self.checked.bad_rows if self.skip_box.isChecked() else ()
        self.progress.setVisible(True)
        self.progress.setValue(0)

        def progress(done: int, total: int) -> None:
            self.progress.setMaximum(total)
            self.progress.setValue(done)
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)

        try:
            self.screening = self.services.screening.import_screening(
                self.table, self.instrument().id, self.mapping(), self.cohort_edit.text(),
                self.date_edit.date().toPython(), self.consent_edit.toPlainText(), skip_rows=skip,  # type: ignore[arg-type]
                progress=progress, checked=self.checked)
        except ScreeningInvalid:
            set_message(self.message, tr("Nothing was imported: some rows still have problems."))
            return None
        except ValidationError as e:
            set_message(self.message, " ".join(tr(m) for m in e.errors.values()))
            self.progress.setVisible(False)
            return None
        except VaultError as e:
            set_message(self.message, str(e))
            return None
        self.accept()
        return self.screening

    # -- moving between steps -------------------------------------------------------------------------------------

    @property
    def step(self) -> int:
        return self.pages.currentIndex()

    def next_step(self) -> None:
        set_message(self.message, "")
        if self.step == 0:
            errors = []
            if not self.cohort_edit.text().strip():
                errors.append(tr("Name the cohort, such as “2026级新生”."))
            if not self.consent_edit.toPlainText().strip():
                errors.append(tr("Paste the consent text the students were shown before they answered."))
            if self.date_edit.date().toPython() > date.today():  # type: ignore[operator]
                errors.append(tr("The screening date is in the future."))
            if errors:
                set_message(self.message, " ".join(errors))
                return
            self._fill_mapping()
            self.pages.setCurrentIndex(1)
        elif self.step == 1:
            checked = self.check()
            if checked.mapping_problems:
                set_message(self.message, " ".join(tr(m) for m in checked.mapping_problems))
                return
            self.pages.setCurrentIndex(2)
        else:
            self.import_now()
        self._update_buttons()

    def back(self) -> None:
        set_message(self.message, "")
        self.pages.setCurrentIndex(max(0, self.step - 1))
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.back_button.setEnabled(self.step > 0)
        if self.step == 2:
            ready = self.checked is not None and (not self.checked.problems or self.skip_box.isChecked())
            self.next_button.setText(tr("&Import"))
            self.next_button.setEnabled(ready and bool(self.checked and self.checked.students))
        else:
            self.next_button.setText(tr("&Next"))
            self.next_button.setEnabled(self.step > 0 or self.table is not None)


def _lang() -> str:
    from ...i18n import language

    return language()
