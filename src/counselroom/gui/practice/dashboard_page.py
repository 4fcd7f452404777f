"""The first page after unlocking: what the code of practice says is due, each line opening what it counts.

A line that counts a page's contents (today's appointments, overdue notes, the backup, training, retention)
opens that page; a line that counts clients lists them on the right, and each of those opens the tab of the
client's file where the matter is dealt with.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QScrollArea, QVBoxLayout, QWidget

from ...i18n import N_, tr
from ...records.clients import Client
from ...records.dashboard import KEYS, DashboardItem, DashboardLine
from ...records.services import Services
from ...vault.errors import VaultError
from ..clients.client_form import plain_label
from ..common.qt_models import RowTableModel
from ..common.widgets import RecordTable, StoreWatcher, heading, paragraph, show_error

FRESH_SECONDS = 2.0
REFRESH_MS = 60_000  # what is due changes with the clock: look again every minute while shown
TITLES = {"appointments": N_("Today's appointments"), "notes": N_("Session notes overdue"),
          "consent": N_("Consent missing or out of date"), "tests": N_("Tests without explanation or feedback"),
          "risk": N_("Risk flags needing attention"), "referrals": N_("Referrals awaiting follow-up"),
          "dependency": N_("Dependency alerts"), "backup": N_("Backup"), "training": N_("Training hours"),
          "retention": N_("Records past retention"),
          # issue 12: critical answers, group notes, relationship checks, the counselor's own punctuality
          "critical": N_("Critical test answers"), "group_notes": N_("Group notes overdue"),
          "relationships": N_("Other relationships with clients"), "punctuality": N_("My punctuality")}
ATTENTION_STYLE = ("QPushButton { text-align: left; padding: 8px 12px; border: 1px solid #c77700;"
                   " border-left: 6px solid #c77700; border-radius: 4px; background: #fff6e5; color: #3b2a00; }"
                   " QPushButton:focus { border-color: #1a5fb4; }")
# Every "nothing to do" line looks the same, whether or not it has a page to open (a line with nothing to
# open was drawn greyed, like a broken button).
QUIET_STYLE = ("QPushButton { text-align: left; padding: 8px 12px; border: 1px solid palette(mid);"
               " border-left: 6px solid #2e7d32; border-radius: 4px; }"
               " QPushButton:disabled { color: palette(window-text); background: palette(window); }"
               " QPushButton:focus { border-color: #1a5fb4; }")
# The line whose clients the list on the right shows: marked, so the counselor sees which line is open.
OPEN_STYLE = " QPushButton { border: 2px solid #1a5fb4; border-left: 6px solid #1a5fb4; }"


class ItemTableModel(RowTableModel[tuple[DashboardItem, Client | None]]):
    COLUMNS = ("code", "name", "what")
    HEADERS = {"code": N_("Code"), "name": N_("Name"), "what": N_("What is due")}

    def set_items(self, items: list[tuple[DashboardItem, Client | None]]) -> None:
        self._set_rows(items)

    def cell(self, item: tuple[DashboardItem, Client | None], column: str, role: int) -> Any:
        due, client = item
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == "code":
            return client.code if client else "—"
        if column == "name":
            return client.name if client else ""
        return tr(due.msgid, **due.params)


class DashboardPage(QWidget):
    open_client_tab = Signal(int, str)
    go_section = Signal(str)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.lines: dict[str, DashboardLine] = {}
        self.current: str | None = None

        self.title = heading(tr("Today"), 1.4)
        self.date_label = plain_label()
        self.buttons: dict[str, QPushButton] = {}
        column = QVBoxLayout()
        column.addWidget(self.title)
        column.addWidget(self.date_label)
        column.addSpacing(6)
        for key in KEYS:
            button = QPushButton()
            button.setObjectName(f"dashboard_{key}")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _=False, k=key: self.open_line(k))
            self.buttons[key] = button
            column.addWidget(button)
        column.addStretch(1)

        self.detail_title = heading("", 1.1)
        self.detail_hint = paragraph(tr("Open a client's file with Enter or a double-click."))
        self.model = ItemTableModel(self)
        self.table = RecordTable(tr("What the chosen line counts"))
        self.table.setModel(self.model)
        self.table.open_requested.connect(self._open_item)
        self.open_button = QPushButton(tr("&Open client's file"))
        self.open_button.clicked.connect(lambda: self._open_item(self.table.currentIndex()))
        self.detail = QFrame()
        detail_layout = QVBoxLayout(self.detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.detail_title)
        detail_layout.addWidget(self.detail_hint)
        detail_layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.open_button)
        detail_layout.addLayout(row)
        self.detail.hide()

        # The lines scroll when the window is low (a 1366x768 screen under the demo and notice banners):
        # they never squeeze into each other nor make the window taller than the screen.
        lines = QWidget()
        lines.setLayout(column)
        self.lines_area = QScrollArea()
        self.lines_area.setWidget(lines)
        self.lines_area.setWidgetResizable(True)
        self.lines_area.setFrameShape(QFrame.Shape.NoFrame)
        self.lines_area.setMinimumHeight(self.fontMetrics().lineSpacing() * 8)
        layout = QHBoxLayout(self)
        layout.addWidget(self.lines_area, 2)
        layout.addWidget(self.detail, 3)

        # Changes anywhere refresh it (when shown); being shown again refreshes it too, for what is due
        # changes with time — but not when it was just read (unlocking builds and shows it at once).
        self._watcher = StoreWatcher(self, services.store, self.refresh)
        self._refreshed_at = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if time.monotonic() - self._refreshed_at > FRESH_SECONDS:
            self.refresh()

    def refresh(self, now: datetime | None = None) -> None:
        self._watcher.mark_fresh()
        self._refreshed_at = time.monotonic()
        now = now or datetime.now()
        self.date_label.setText(tr("{weekday}, {date}", weekday=tr(WEEKDAYS[now.weekday()]),
                                   date=now.date().isoformat()))
        try:
            lines = self.services.dashboard.lines(now)
        except VaultError as e:  # a rule reports its own failure; this is the session itself failing
            show_error(self, tr("Today"), tr(e.message()))
            return
        self.lines = {line.key: line for line in lines}
        for line in lines:
            self._show_line(line)
        if self.current is not None:
            self._show_items(self.current)

    def _tick(self) -> None:
        if self.isVisible():
            self.refresh()

    def _show_line(self, line: DashboardLine) -> None:
        button = self.buttons[line.key]
        text = tr(line.msgid, **line.params)
        button.setText(f"{tr(TITLES[line.key])}\n{text}")
        button.setAccessibleName(f"{tr(TITLES[line.key])}: {text}")
        is_open = line.key == self.current
        button.setStyleSheet((ATTENTION_STYLE if line.attention else QUIET_STYLE) + (OPEN_STYLE if is_open else ""))
        button.setProperty("open", is_open)
        opens = line.section is not None or line.has_items
        button.setEnabled(opens)
        button.setToolTip(tr("Open the page this line counts") if line.section else
                          tr("List the clients this line counts") if line.has_items else "")

    def open_line(self, key: str) -> None:
        line = self.lines.get(key)
        if line is None:
            return
        if line.section is not None:
            self.go_section.emit(line.section)
            return
        previous, self.current = self.current, key
        for marked in {previous, key} - {None}:
            if marked in self.lines:
                self._show_line(self.lines[marked])
        self._show_items(key)
        self.lines_area.ensureWidgetVisible(self.buttons[key])
        self.table.setFocus()

    def _show_items(self, key: str) -> None:
        try:  # the line carries its count; what it counts is read now that the counselor opened it
            items = self.lines[key].load_items()
        except VaultError as e:
            show_error(self, tr("Today"), tr(e.message()))
            return
        clients = self._clients({item.client_id for item in items})
        self.detail_title.setText(tr(TITLES[key]))
        self.model.set_items([(item, clients.get(item.client_id)) for item in items])
        if self.model.rowCount():
            self.table.selectRow(0)
        self.detail.show()

    def _clients(self, ids: set[int]) -> dict[int, Client]:
        found: dict[int, Client] = {}
        for client_id in ids:
            try:
                found[client_id] = self.services.clients.get(client_id)
            except (KeyError, LookupError, VaultError):
                continue
        return found

    def _open_item(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row()) if index.isValid() else None
        if row is not None:
            self.open_client_tab.emit(row[0].client_id, row[0].tab)

    def shutdown(self) -> None:
        self._watcher.stop()
        self._timer.stop()
        self.model.set_items([])
        self.lines = {}
        for button in self.buttons.values():
            button.setText("")
            button.setAccessibleName("")
        self.detail.hide()
        self.date_label.clear()


WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
            N_("Sunday"))
