"""Retention: the rules, the records past their retention period (to review, choose and destroy), the
clients' leaving dates (graduation) that a rule may count from, and the disposal register."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...i18n import N_, language, tr
from ...records.clients import ValidationError
from ...records.retention import (
    ANCHOR_LABELS,
    EVENT_LABELS,
    KIND_LABELS,
    LEAVING_LABELS,
    LEAVING_REASONS,
    Departure,
    DisposalEntry,
    RetentionItem,
)
from ...records.services import Services
from ...vault.errors import VaultError
from ..clients.client_form import plain_label
from ..common.qt_models import RowTableModel, local_time
from ..common.widgets import (
    RecordTable,
    StoreWatcher,
    confirm_destructive,
    heading,
    message_label,
    paragraph,
    set_message,
)
from .destruction_dialog import DestructionDialog, records_text
from .retention_rules_dialog import RetentionRulesDialog, rule_text

_Index = QModelIndex | QPersistentModelIndex


def _main_counts(item: RetentionItem) -> str:
    parts = []
    for table, one, many in (("notes", N_("1 session note"), N_("{count} session notes")),
                             ("appointments", N_("1 appointment"), N_("{count} appointments")),
                             ("test_administrations", N_("1 test"), N_("{count} tests"))):
        n = item.count(table)
        if n:
            parts.append(tr(one) if n == 1 else tr(many, count=n))
    return ("、" if language() == "zh_CN" else ", ").join(parts)


class PastRetentionModel(RowTableModel[RetentionItem]):
    """The past-retention list; the first column holds a check box per row (what to destroy)."""

    COLUMNS = ("pick", "code", "kind", "from", "due", "records")
    HEADERS = {"pick": N_("Destroy"), "code": N_("Client code"), "kind": N_("Records"), "from": N_("Counted from"),
               "due": N_("Retention ended"), "records": N_("How many")}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.checked: set[tuple[int, str]] = set()

    def set_items(self, items: list[RetentionItem]) -> None:
        self.checked &= {i.key for i in items}
        self._set_rows(items)

    def checked_items(self) -> list[RetentionItem]:
        return [i for i in self._rows if i.key in self.checked]

    def set_all(self, on: bool) -> None:
        self.checked = {i.key for i in self._rows} if on else set()
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 0))

    def flags(self, index: _Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and self.COLUMNS[index.column()] == "pick":
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        item = self.row_at(index.row()) if index.isValid() else None
        if item is None or role != Qt.ItemDataRole.CheckStateRole or self.COLUMNS[index.column()] != "pick":
            return False
        on = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        (self.checked.add if on else self.checked.discard)(item.key)
        self.dataChanged.emit(index, index)
        return True

    def cell(self, item: RetentionItem, column: str, role: int) -> Any:
        if column == "pick":
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if item.key in self.checked else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return tr("Destroy {code}", code=item.client_code)
            return None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == "code":
            return item.client_code
        if column == "kind":
            return tr(KIND_LABELS[item.kind])
        if column == "from":
            return tr("{event} {date}", event=tr(EVENT_LABELS[item.anchor_event]), date=item.anchor_date.isoformat())
        if column == "due":
            return item.due_date.isoformat()
        main = _main_counts(item)
        if main and item.kind == "case_file":
            return tr("{records} ({details})", records=records_text(item.total), details=main)
        return records_text(item.total)


class DepartureModel(RowTableModel[tuple[Departure, str]]):
    COLUMNS = ("code", "left_on", "reason")
    HEADERS = {"code": N_("Client code"), "left_on": N_("Left on"), "reason": N_("Why")}

    def set_departures(self, rows: list[tuple[Departure, str]]) -> None:
        self._set_rows(rows)

    def cell(self, row: tuple[Departure, str], column: str, role: int) -> Any:
        departure, code = row
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == "code":
            return code
        if column == "left_on":
            return departure.left_on.isoformat()
        return tr(LEAVING_LABELS.get(departure.reason, departure.reason))


class RegisterModel(RowTableModel[DisposalEntry]):
    COLUMNS = ("destroyed", "number", "code", "kind", "rule", "due", "records", "how")
    HEADERS = {"destroyed": N_("Destroyed"), "number": N_("Number"), "code": N_("Client code"), "kind": N_("Records"),
               "rule": N_("Rule"), "due": N_("Retention ended"), "records": N_("How many"),
               "how": N_("Confirmed with")}

    def set_entries(self, entries: list[DisposalEntry]) -> None:
        self._set_rows(entries)

    def cell(self, entry: DisposalEntry, column: str, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column == "records" and entry.exports_unlinked:
            return tr("Export register lines kept without the link: {numbers}",
                      numbers=", ".join(entry.exports_unlinked))
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == "destroyed":
            return local_time(entry.destroyed_at)[:16]
        if column == "number":
            return entry.number
        if column == "code":
            return entry.client_code
        if column == "kind":
            return tr(KIND_LABELS.get(entry.kind, entry.kind))
        if column == "rule":
            years = tr("1 year") if entry.rule_years == 1 else tr("{count} years", count=entry.rule_years)
            anchor = tr(ANCHOR_LABELS[entry.rule_anchor]) if entry.rule_anchor in ANCHOR_LABELS else entry.rule_anchor
            return tr("{years} {anchor}", years=years, anchor=anchor)
        if column == "due":
            return entry.due_date.isoformat()
        if column == "records":
            return records_text(entry.total)
        return tr("client code + passphrase") if entry.confirmation == "code" else tr("DESTROY + passphrase")


class RetentionPage(QWidget):
    """Public: `refresh()`, `change_rules()`, `destroy_selected()`, `save_departure()`, `remove_departure()`,
    `shutdown()`; `past_model`, `departure_model`, `register_model`; `open_client(client_id)` (double-click)."""

    open_client = Signal(int)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.rules_dialog: RetentionRulesDialog | None = None
        self.destruction_dialog: DestructionDialog | None = None

        layout = QVBoxLayout(self)
        layout.addWidget(heading(tr("Retention")))
        layout.addWidget(self._rules_box())
        self.tabs = QTabWidget()
        self.tabs.addTab(self._past_tab(), tr("Past retention"))
        self.tabs.addTab(self._departures_tab(), tr("Leaving dates"))
        self.tabs.addTab(self._register_tab(), tr("Disposal register"))
        layout.addWidget(self.tabs, 1)
        self.watcher = StoreWatcher(self, services.store, self.refresh, refresh_on_show=True)
        self.refresh()

    # -- building ---------------------------------------------------------------------------------------------

    def _rules_box(self) -> QGroupBox:
        box = QGroupBox(tr("Rules"))
        row = QHBoxLayout(box)
        self.rules_label = plain_label()
        self.rules_label.setWordWrap(True)
        self.rules_label.setAccessibleName(tr("Retention rules"))
        self.rules_button = QPushButton(tr("&Change rules…"))
        self.rules_button.clicked.connect(self.change_rules)
        row.addWidget(self.rules_label, 1)
        row.addWidget(self.rules_button, 0, Qt.AlignmentFlag.AlignTop)
        return box

    def _past_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(paragraph(tr(
            "Records whose retention period has ended. Review them, tick what is to be destroyed, and choose "
            "Destroy. Double-click a line to open the client's file first.")))
        self.past_model = PastRetentionModel(self)
        self.past_table = RecordTable(tr("Records past retention"))
        self.past_table.setModel(self.past_model)
        self.past_table.open_requested.connect(self._open_past)
        self.past_empty = plain_label(tr("Nothing is past its retention period."))
        self.select_all_button = QPushButton(tr("Select &all"))
        self.select_all_button.clicked.connect(lambda: self._select_all(True))
        self.select_none_button = QPushButton(tr("Select &none"))
        self.select_none_button.clicked.connect(lambda: self._select_all(False))
        self.destroy_button = QPushButton(tr("&Destroy selected…"))
        self.destroy_button.clicked.connect(self.destroy_selected)
        self.past_message = message_label()
        self.past_model.dataChanged.connect(lambda *_: self._update_buttons())
        self.past_model.modelReset.connect(self._update_buttons)
        buttons = QHBoxLayout()
        buttons.addWidget(self.select_all_button)
        buttons.addWidget(self.select_none_button)
        buttons.addStretch(1)
        buttons.addWidget(self.destroy_button)
        layout.addWidget(self.past_table, 1)
        layout.addWidget(self.past_empty)
        layout.addWidget(self.past_message)
        layout.addLayout(buttons)
        return tab

    def _departures_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(paragraph(tr(
            "When a client left the room's care, for example on graduation. A rule \"after the client left\" "
            "counts from this date (once the case is closed).")))
        self.departure_model = DepartureModel(self)
        self.departure_table = RecordTable(tr("Leaving dates"))
        self.departure_table.setModel(self.departure_model)
        self.departure_table.open_requested.connect(self._open_departure)
        self.departure_table.clicked.connect(self._departure_chosen)
        layout.addWidget(self.departure_table, 1)

        self.client_combo = QComboBox()
        self.client_combo.setEditable(True)
        self.client_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.client_combo.setAccessibleName(tr("Client code"))
        self.client_combo.setMinimumContentsLength(12)
        completer = QCompleter(self.client_combo.model(), self.client_combo)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.client_combo.setCompleter(completer)
        self.left_on_edit = QDateEdit(QDate.currentDate())
        self.left_on_edit.setCalendarPopup(True)
        self.left_on_edit.setDisplayFormat("yyyy-MM-dd")
        self.left_on_edit.setAccessibleName(tr("Left on"))
        self.reason_combo = QComboBox()
        self.reason_combo.setAccessibleName(tr("Why the client left"))
        for reason in LEAVING_REASONS:
            self.reason_combo.addItem(tr(LEAVING_LABELS[reason]), reason)
        row = QHBoxLayout()
        for text, widget in ((tr("Cli&ent:"), self.client_combo), (tr("&Left on:"), self.left_on_edit),
                             (tr("&Why:"), self.reason_combo)):
            label = plain_label(text)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
            row.addSpacing(8)
        row.addStretch(1)
        self.departure_message = message_label()
        self.save_departure_button = QPushButton(tr("&Save leaving date"))
        self.save_departure_button.clicked.connect(self.save_departure)
        self.remove_departure_button = QPushButton(tr("&Remove leaving date"))
        self.remove_departure_button.clicked.connect(self.remove_departure)
        row.addWidget(self.remove_departure_button)
        row.addWidget(self.save_departure_button)
        layout.addLayout(row)
        layout.addWidget(self.departure_message)
        return tab

    def _register_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(paragraph(tr(
            "Every destruction: when, which client code, what and how many records, under which rule. The "
            "register never holds names or content, and nothing in it can be changed.")))
        self.register_model = RegisterModel(self)
        self.register_table = RecordTable(tr("Disposal register"))
        self.register_table.setModel(self.register_model)
        self.register_empty = plain_label(tr("Nothing has been destroyed."))
        layout.addWidget(self.register_table, 1)
        layout.addWidget(self.register_empty)
        return tab

    # -- showing ----------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.watcher.mark_fresh()
        try:
            rules = self.services.retention.rules()
            items = self.services.retention.past_retention(date.today())
            departures = self.services.retention.departures()
            register = self.services.retention.register()
            clients = self.services.clients.list(include_archived=True)
        except VaultError as e:
            set_message(self.past_message, e.message())
            return
        self.rules_label.setText("\n".join(rule_text(r) for r in rules.values()))
        self.past_model.set_items(items)
        self.past_table.setVisible(bool(items))
        self.past_empty.setVisible(not items)
        codes = {c.id: c.code for c in clients}
        self.departure_model.set_departures([(d, codes.get(d.client_id, "")) for d in departures])
        current = self.client_combo.currentText()
        self.client_combo.blockSignals(True)
        self.client_combo.clear()
        for c in clients:
            self.client_combo.addItem(c.code, c.id)
        self.client_combo.setEditText(current)
        self.client_combo.blockSignals(False)
        self.register_model.set_entries(register)
        self.register_table.setVisible(bool(register))
        self.register_empty.setVisible(not register)
        self.tabs.setTabText(0, tr("Past retention ({count})", count=len(items)) if items else tr("Past retention"))
        self._update_buttons()

    def _update_buttons(self) -> None:
        picked = len(self.past_model.checked)
        self.destroy_button.setEnabled(picked > 0)
        self.destroy_button.setText(tr("&Destroy selected ({count})…", count=picked) if picked
                                    else tr("&Destroy selected…"))
        self.select_all_button.setEnabled(self.past_model.rowCount() > 0)
        self.select_none_button.setEnabled(picked > 0)

    def _select_all(self, on: bool) -> None:
        self.past_model.set_all(on)
        self._update_buttons()

    def _open_past(self, index: QModelIndex) -> None:
        item = self.past_model.row_at(index.row())
        if item is not None:
            self.open_client.emit(item.client_id)

    def _open_departure(self, index: QModelIndex) -> None:
        row = self.departure_model.row_at(index.row())
        if row is not None:
            self.open_client.emit(row[0].client_id)

    def _departure_chosen(self, index: QModelIndex) -> None:
        row = self.departure_model.row_at(index.row())
        if row is None:
            return
        departure, code = row
        self.client_combo.setEditText(code)
        self.left_on_edit.setDate(QDate(departure.left_on.year, departure.left_on.month, departure.left_on.day))
        self.reason_combo.setCurrentIndex(max(self.reason_combo.findData(departure.reason), 0))

    # -- actions ----------------------------------------------------------------------------------------------

    def change_rules(self) -> None:
        self.rules_dialog = RetentionRulesDialog(self.services, self)
        try:
            if self.rules_dialog.exec() and self.rules_dialog.saved:
                self.refresh()
        finally:
            self.rules_dialog = None

    def destroy_selected(self) -> None:
        items = self.past_model.checked_items()
        if not items:
            set_message(self.past_message, tr("Tick the records to destroy first."), "notice")
            return
        self.destruction_dialog = DestructionDialog(self.services, items, self)
        try:
            if self.destruction_dialog.exec() and self.destruction_dialog.disposals:
                count = len(self.destruction_dialog.disposals)
                set_message(self.past_message, tr("Destroyed and entered in the disposal register.") if count == 1
                            else tr("{count} destructions entered in the disposal register.", count=count), "ok")
                self.refresh()
        finally:
            self.destruction_dialog = None

    def _chosen_client(self) -> int | None:
        text = self.client_combo.currentText().strip().casefold()
        for n in range(self.client_combo.count()):
            if self.client_combo.itemText(n).casefold() == text:
                return int(self.client_combo.itemData(n))
        return None

    def save_departure(self) -> None:
        client_id = self._chosen_client()
        if client_id is None:
            set_message(self.departure_message, tr("Choose a client by code."))
            return
        d = self.left_on_edit.date()
        try:
            self.services.retention.set_departure(client_id, date(d.year(), d.month(), d.day()),
                                                  str(self.reason_combo.currentData()))
        except ValidationError as e:
            set_message(self.departure_message, "\n".join(tr(m) for m in e.errors.values()))
            return
        except VaultError as e:
            set_message(self.departure_message, e.message())
            return
        set_message(self.departure_message, tr("Leaving date saved."), "ok")

    def remove_departure(self) -> None:
        client_id = self._chosen_client()
        if client_id is None or self.services.retention.departure(client_id) is None:
            set_message(self.departure_message, tr("This client has no leaving date recorded."))
            return
        if not confirm_destructive(self, tr("Remove leaving date"),
                                   tr("Remove the leaving date of {code}?", code=self.client_combo.currentText()),
                                   tr("Remove the date")):
            return
        try:
            self.services.retention.remove_departure(client_id)
        except VaultError as e:
            set_message(self.departure_message, e.message())
            return
        set_message(self.departure_message, tr("Leaving date removed."), "ok")

    def shutdown(self) -> None:
        """Stop listening and drop what is shown (called before the window locks)."""
        self.watcher.stop()
        self.past_model.set_items([])
        self.departure_model.set_departures([])
        self.register_model.set_entries([])
        self.client_combo.clear()
