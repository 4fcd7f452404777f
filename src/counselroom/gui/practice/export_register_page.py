"""The export register: every record that left the room as a locked export, newest first. Read-only:
the register is append-only in the vault and nothing here changes it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from ...i18n import N_, language, tr
from ...records.exports import EXCEPTION_LABELS, KIND_LABELS, RegisterEntry
from ...records.services import Services
from ...vault.errors import VaultError
from ..clients.client_form import plain_label
from ..common.widgets import StoreWatcher, heading

COLUMNS = (N_("Date"), N_("Number"), N_("Client"), N_("Document"), N_("Recipient"), N_("Purpose"), N_("Basis"),
           N_("Contents"))


def basis_text(entry: RegisterEntry) -> str:
    if entry.basis_kind == "authorization":
        return tr("Client's written authorization")
    label = tr(EXCEPTION_LABELS.get(entry.exception or "", "")) if entry.exception in EXCEPTION_LABELS else ""
    return tr("Exception: {exception}", exception=label or str(entry.exception))


def contents_text(contents: dict[str, object]) -> str:
    notes = contents.get("notes", 0)
    parts = [tr("1 signed note") if notes == 1 else tr("{count} signed notes", count=notes)]
    if contents.get("from") or contents.get("to"):
        parts.append(tr("{start} to {end}", start=contents.get("from") or "…", end=contents.get("to") or "…"))
    tests = contents.get("tests", 0)
    if tests:
        parts.append(tr("1 test result") if tests == 1 else tr("{count} test results", count=tests))
    for key, label in (("addenda", N_("addenda")), ("contacts", N_("contact details")),
                       ("letter", N_("letter text")), ("private", N_("PRIVATE PROCESS NOTES")),
                       ("raw_tests", N_("RAW TEST ANSWERS"))):
        if contents.get(key):
            parts.append(tr(label))
    return ("、" if language() == "zh_CN" else ", ").join(parts)


class ExportRegisterPage(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.entries: list[RegisterEntry] = []
        self.title = heading(tr("Export register"), 1.3)
        self.intro = plain_label(tr("Every client record that left the room as a locked export: when, to whom, "
                                    "on what basis and what it held. Entries cannot be changed or removed."))
        self.intro.setWordWrap(True)
        self.count_label = plain_label()
        self.count_label.setAccessibleName(tr("Number of exports"))
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName(tr("Exports, newest first"))
        self.error_label = plain_label()
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setVisible(False)
        layout = QVBoxLayout(self)
        for w in (self.title, self.intro, self.count_label, self.error_label, self.table):
            layout.addWidget(w)
        from ..screening.statistics_page import StatisticsRegister  # issue 15: reports for the school

        self.statistics_register = StatisticsRegister(services)
        layout.addWidget(self.statistics_register)

        self.watcher = StoreWatcher(self, services.store, self.refresh,
                                    lambda entity, _id: entity in ("export", "client"))
        self.refresh()

    def refresh(self) -> None:
        self.watcher.mark_fresh()
        try:
            self.entries = self.services.exports.register()
            names = {c.id: c.name for c in self.services.clients.list(include_archived=True) if c.id is not None}
        except VaultError as e:
            self.error_label.setText(e.message())
            self.error_label.setVisible(True)
            return
        self.error_label.setVisible(False)
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            name = names.get(entry.client_id, "") if entry.client_id is not None else ""
            client = (tr("(file destroyed)") if entry.client_id is None
                      else f"{entry.client_code} {name}" if name else entry.client_code)
            values = (entry.made_on.isoformat(), entry.number, client, tr(KIND_LABELS.get(entry.kind) or entry.kind),
                      entry.recipient, entry.purpose, basis_text(entry), contents_text(entry.contents))
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                if column in (4, 5, 6, 7):
                    item.setToolTip(value)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        for column in range(len(COLUMNS)):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), 320))
        count = len(self.entries)
        self.count_label.setText(tr("No record has been exported.") if count == 0 else tr("1 export.") if count == 1
                                 else tr("{count} exports.", count=count))

    def shutdown(self) -> None:
        """Stop listening and drop every row (the window is locking)."""
        self.watcher.stop()
        self.table.setRowCount(0)
        self.entries = []
        self.statistics_register.shutdown()
