"""The training, seminar and supervision log with this year's hours against the target."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...i18n import N_, tr
from ...records.services import Services
from ...records.training import KINDS, TrainingEntry, TrainingYear, format_hours
from ...vault.errors import VaultError
from ..clients.client_form import plain_label
from ..common.qt_models import ID_ROLE, SORT_ROLE, RowTableModel
from ..common.widgets import (
    RecordTable,
    StoreWatcher,
    confirm_destructive,
    heading,
    message_label,
    paragraph,
    set_message,
)
from .training_entry_dialog import TargetDialog, TrainingEntryDialog, kind_label

BAR_STYLE = ("QProgressBar {{ border: 1px solid #999; border-radius: 3px; text-align: center; color: #111; }} "
             "QProgressBar::chunk {{ background: {colour}; }}")


def hours_text(hours: float) -> str:
    return tr("1 hour") if hours == 1 else tr("{hours} hours", hours=format_hours(hours))


def progress_text(hours: float, target: float) -> str:
    return tr("{hours} of {target} hours", hours=format_hours(hours), target=format_hours(target))


class TrainingTableModel(RowTableModel[TrainingEntry]):
    COLUMNS = ("held_on", "kind", "title", "provider", "hours", "certificate")
    HEADERS = {"held_on": N_("Date"), "kind": N_("Kind"), "title": N_("Title or topic"),
               "provider": N_("Provider or supervisor"), "hours": N_("Hours"),
               "certificate": N_("Certificate or credit")}

    def set_entries(self, entries: list[TrainingEntry]) -> None:
        self._set_rows(entries)

    def _text(self, e: TrainingEntry, column: str) -> str:
        if column == "held_on":
            return e.held_on.isoformat()
        if column == "kind":
            return kind_label(e.kind)
        if column == "hours":
            return format_hours(e.hours)
        return str(getattr(e, column))

    def cell(self, e: TrainingEntry, column: str, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(e, column)
        if role == ID_ROLE:
            return e.id
        if role == SORT_ROLE:
            return e.hours if column == "hours" else self._text(e, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "hours":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class TrainingPage(QWidget):
    """Public: `refresh()`, `year()`, `summary`, `add_entry()`, `edit_entry()`, `delete_entry()`, `set_targets()`,
    `selected()`, `shutdown()`."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.summary: TrainingYear | None = None

        self.title = heading(tr("Training and supervision"), 1.3)
        self.intro = paragraph(tr("Keep up your professional training: courses, seminars and conferences, supervision "
                                  "received and peer supervision. Every entry counts towards the year's hours."))
        self.year_combo = QComboBox()
        self.year_combo.setAccessibleName(tr("Year"))
        year_label = plain_label(tr("&Year:"))
        year_label.setBuddy(self.year_combo)
        self.targets_button = QPushButton(tr("&Targets…"))
        self.targets_button.setAccessibleName(tr("Set the yearly training targets"))
        self.targets_button.clicked.connect(self.set_targets)

        self.bar = QProgressBar()
        self.bar.setAccessibleName(tr("Hours against the yearly target"))
        self.bar.setTextVisible(True)
        self.bar.setMinimumHeight(self.fontMetrics().height() + 10)
        self.total_label = plain_label()
        self.total_label.setAccessibleName(tr("Hours this year"))
        font = self.total_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.total_label.setFont(font)
        self.remaining_label = plain_label()
        self.remaining_label.setWordWrap(True)
        self.supervision_bar = QProgressBar()
        self.supervision_bar.setAccessibleName(tr("Supervision hours against their target"))
        self.supervision_bar.setTextVisible(True)
        self.supervision_label = plain_label()
        self.supervision_label.setWordWrap(True)
        progress = QGroupBox(tr("Progress"))
        progress_layout = QVBoxLayout(progress)
        for w in (self.total_label, self.bar, self.remaining_label, self.supervision_label, self.supervision_bar):
            progress_layout.addWidget(w)
        progress_layout.addStretch(1)

        self.by_kind_box = QGroupBox(tr("Hours by kind"))
        self.by_kind_grid = QGridLayout(self.by_kind_box)
        self.kind_labels: dict[str, tuple[QLabel, QLabel]] = {}
        for row, kind in enumerate(KINDS):
            name, value = plain_label(kind_label(kind)), plain_label()
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setAccessibleName(kind_label(kind))
            self.by_kind_grid.addWidget(name, row, 0)
            self.by_kind_grid.addWidget(value, row, 1)
            self.kind_labels[kind] = (name, value)
        self.by_kind_grid.setColumnStretch(0, 1)
        self.no_entries_label = plain_label(tr("No entries in this year."))
        self.by_kind_grid.addWidget(self.no_entries_label, len(KINDS), 0, 1, 2)

        self.add_button = QPushButton(tr("&Add entry…"))
        self.add_button.clicked.connect(self.add_entry)
        self.edit_button = QPushButton(tr("&Edit…"))
        self.edit_button.setAccessibleName(tr("Change the selected entry"))
        self.edit_button.clicked.connect(self.edit_entry)
        self.delete_button = QPushButton(tr("&Delete…"))
        self.delete_button.setAccessibleName(tr("Delete the selected entry"))
        self.delete_button.clicked.connect(self.delete_entry)
        self.notice = message_label()

        self.model = TrainingTableModel(self)
        self.table = RecordTable(tr("Training entries of the year, newest first"))
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.open_requested.connect(lambda _index: self.edit_entry())
        self.table.selectionModel().currentRowChanged.connect(self._selection_changed)

        top = QHBoxLayout()
        top.addWidget(year_label)
        top.addWidget(self.year_combo)
        top.addStretch(1)
        top.addWidget(self.targets_button)
        boxes = QHBoxLayout()
        boxes.addWidget(progress, 3)
        boxes.addWidget(self.by_kind_box, 2)
        # The counselor's own punctuality in the year (issue 12.9; room code 11: "arrive on time").
        self.punctuality_box = QGroupBox(tr("My punctuality"))
        punctuality_layout = QVBoxLayout(self.punctuality_box)
        self.punctuality_label = plain_label()
        self.punctuality_label.setWordWrap(True)
        self.punctuality_label.setAccessibleName(tr("My punctuality"))
        punctuality_layout.addWidget(self.punctuality_label)
        punctuality_layout.addStretch(1)
        boxes.addWidget(self.punctuality_box, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addLayout(top)
        layout.addLayout(boxes)
        layout.addLayout(buttons)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)

        self.year_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self._watcher = StoreWatcher(self, services.store, self.refresh,
                                     wants=lambda entity, _id: entity in ("training_entry", "settings", "appointment"))
        self.refresh()

    # showing
    def year(self) -> int:
        data = self.year_combo.currentData()
        return int(data) if data is not None else date.today().year

    def _fill_years(self, select: int) -> None:
        years = self.services.training.years()
        if select not in years:
            years = sorted({*years, select}, reverse=True)
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        for y in years:
            self.year_combo.addItem(str(y), y)
        self.year_combo.setCurrentIndex(max(0, self.year_combo.findData(select)))
        self.year_combo.blockSignals(False)

    def refresh(self, year: int | None = None, select: int | None = None) -> None:
        self._watcher.mark_fresh()
        chosen = year if year is not None else (self.year() if self.year_combo.count() else date.today().year)
        current = self.selected()
        keep = select if select is not None else (current.id if current is not None else None)
        try:
            self._fill_years(chosen)
            summary = self.services.training.year_summary(chosen)
            entries = self.services.training.entries(chosen)
        except VaultError as e:
            set_message(self.notice, e.message())
            return
        self.summary = summary
        self._show_summary(summary)
        self._show_punctuality(chosen)
        self.model.set_entries(entries)
        row = self.model.row_of(keep) if keep is not None else -1
        if row >= 0:
            self.table.selectRow(row)
        self._selection_changed()

    def _show_summary(self, s: TrainingYear) -> None:
        current = s.year == date.today().year
        self.total_label.setText(tr("{hours} in {year}", hours=hours_text(s.hours), year=s.year))
        if s.target is not None:
            self.bar.setVisible(True)
            self.bar.setRange(0, max(1, round(s.target * 100)))
            self.bar.setValue(min(round(s.hours * 100), round(s.target * 100)))
            self.bar.setFormat(progress_text(s.hours, s.target))
            colour = "#a5d6a7" if s.target_met else "#90caf9"
            self.bar.setStyleSheet(BAR_STYLE.format(colour=colour))
            if s.target_met:
                self.remaining_label.setText(tr("The target of {target} hours is reached.",
                                                target=format_hours(s.target)))
            elif current:
                self.remaining_label.setText(tr("{hours} to go this year.", hours=hours_text(s.remaining or 0)))
            else:
                self.remaining_label.setText(tr("{hours} short of the target.", hours=hours_text(s.remaining or 0)))
        else:
            self.bar.setVisible(False)
            self.remaining_label.setText(tr("No yearly target is set. Choose “Targets…” to set one."))
        sup = s.supervision_target
        self.supervision_bar.setVisible(sup is not None)
        if sup is not None:
            self.supervision_label.setText(tr("Supervision received: {progress}",
                                              progress=progress_text(s.supervision_hours, sup)))
            self.supervision_bar.setRange(0, max(1, round(sup * 100)))
            self.supervision_bar.setValue(min(round(s.supervision_hours * 100), round(sup * 100)))
            self.supervision_bar.setFormat(progress_text(s.supervision_hours, sup))
            met = s.supervision_hours >= sup
            self.supervision_bar.setStyleSheet(BAR_STYLE.format(colour="#a5d6a7" if met else "#ce93d8"))
        else:
            self.supervision_label.setText(tr("Supervision received: {hours}",
                                              hours=hours_text(s.supervision_hours)))
        for kind, (name, value) in self.kind_labels.items():
            hours = s.by_kind.get(kind)
            name.setVisible(hours is not None)
            value.setVisible(hours is not None)
            value.setText(format_hours(hours) if hours is not None else "")
        self.no_entries_label.setVisible(not s.by_kind)

    def _show_punctuality(self, year: int) -> None:
        today = date.today()
        until = min(date(year, 12, 31), today)
        p = self.services.appointments.counselor_punctuality(date(year, 1, 1), until)
        if p.held == 0:
            text = tr("No sessions held in {year}.", year=year)
        elif p.counselor_late == 0:
            text = tr("On time for all {held} sessions held in {year}.", held=p.held, year=year)
        else:
            late = [tr("{day}: {minutes} min", day=a.planned_start.date().isoformat(), minutes=a.minutes_late)
                    for a in p.late_sessions[-5:]]
            text = tr("You were late for {late} of {held} sessions held in {year} (on average {minutes} min). "
                      "On time: {rate}.", late=p.counselor_late, held=p.held, year=year,
                      minutes=round(p.average_minutes_late), rate=f"{(p.on_time_rate or 0):.0%}")
            text += "\n" + tr("Latest:") + " " + "; ".join(late)
        self.punctuality_label.setText(text + "\n" + tr("A group session counts once. The client's own lateness "
                                                        "is not counted here."))

    def selected(self) -> TrainingEntry | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _selection_changed(self, *_args: QModelIndex) -> None:
        chosen = self.selected() is not None
        self.edit_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    # acting
    def _after_save(self, entry: TrainingEntry, message: str) -> None:
        self.refresh(year=entry.held_on.year, select=entry.id)
        s = self.summary
        if s is None:
            return
        total = progress_text(s.hours, s.target) if s.target is not None else hours_text(s.hours)
        set_message(self.notice, tr("{message} {year}: {total}.", message=message, year=s.year, total=total), "ok")

    def add_entry(self) -> None:
        year = self.year()
        day = date.today() if year == date.today().year else date(year, 12, 31)
        dialog = TrainingEntryDialog(self.services, parent=self, day=day)
        try:
            if dialog.exec() and dialog.saved is not None:
                self._after_save(dialog.saved, tr("Entry added."))
        finally:
            dialog.deleteLater()

    def edit_entry(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        dialog = TrainingEntryDialog(self.services, entry, self)
        try:
            if dialog.exec() and dialog.saved is not None:
                self._after_save(dialog.saved, tr("Entry saved."))
        finally:
            dialog.deleteLater()

    def delete_entry(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        if not confirm_destructive(
                self, tr("Delete training entry?"),
                tr("Delete “{title}” of {date} ({hours})? The deletion is recorded in the audit trail.",
                   title=entry.title, date=entry.held_on.isoformat(), hours=hours_text(entry.hours)),
                tr("Delete")):
            return
        try:
            self.services.training.delete(entry.id)
        except VaultError as e:
            set_message(self.notice, e.message())
            return
        self.refresh()
        set_message(self.notice, tr("Entry deleted."), "ok")

    def set_targets(self) -> None:
        dialog = TargetDialog(self.services, self)
        try:
            if dialog.exec():
                self.refresh()
                set_message(self.notice, tr("Targets saved."), "ok")
        finally:
            dialog.deleteLater()

    def shutdown(self) -> None:
        """Stop listening and drop what is shown (called before the window locks)."""
        self._watcher.stop()
        self.model.set_entries([])
        self.summary = None
        for label in (self.total_label, self.remaining_label, self.supervision_label):
            label.clear()
        for _name, value in self.kind_labels.values():
            value.clear()
        set_message(self.notice, "")
