"""One search box over client files, session notes and addenda (and private process notes only when the
counselor ticks that box). Each result says whose record it is and where the words are; Enter or a
double-click opens it through `open_client` / `open_note`."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QHeaderView, QLineEdit, QVBoxLayout, QWidget

from ...i18n import tr
from ...records.search_service import SearchHit, SearchResults
from ...records.services import Services
from ...vault.errors import VaultError
from ..clients.client_form import plain_label
from ..common.widgets import RecordTable, StoreWatcher, heading
from ..sessions.note_models import HIT_ROLE, SearchResultsModel

SEARCH_DELAY_MS = 250


class SearchPage(QWidget):
    """Signals: `open_client(client_id)` for a hit in a client file, `open_note(client_id, note_id, words)` for
    a hit in a note, an addendum or private notes (the note opens at the words, marked). Public: `search_now()`,
    `hits()`, `focus_search()`, `shutdown()`."""

    open_client = Signal(int)
    open_note = Signal(int, int, str)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services

        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Words to find, in Chinese or English (e.g. 焦虑, sleep)"))
        self.search.setAccessibleName(tr("Search the records"))
        self.search.setClearButtonEnabled(True)
        search_label = plain_label(tr("&Find:"))
        search_label.setBuddy(self.search)
        # Off every time the page is built: private notes are searched only when asked for this time.
        self.include_private = QCheckBox(tr("Include &private process notes"))
        self.include_private.setAccessibleName(tr("Include private process notes in the search"))
        self.include_private.setChecked(False)

        self.model = SearchResultsModel(self)
        self.table = RecordTable(tr("Search results"))
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.open_requested.connect(self._open_index)
        self.count_label = plain_label()
        self.count_label.setAccessibleName(tr("Number of results"))
        self.count_label.setWordWrap(True)

        bar = QHBoxLayout()
        bar.addWidget(search_label)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.include_private)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(tr("Search")))
        layout.addLayout(bar)
        layout.addWidget(self.count_label)
        layout.addWidget(self.table, 1)
        self.setFocusProxy(self.search)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.search_now)
        self.search.textChanged.connect(self.timer.start)
        self.search.returnPressed.connect(self._return_pressed)
        self.include_private.toggled.connect(self.search_now)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)

        # Results follow the records: a corrected note no longer shows a word it lost.
        self._watcher = StoreWatcher(self, services.store, self.search_now,
                                     wants=lambda *_: bool(self.model.rowCount() or self.search.text().strip()))
        self._show_count(None)

    def search_now(self) -> None:
        self.timer.stop()
        self._watcher.mark_fresh()
        query = self.search.text().strip()
        try:
            found = self.services.search.find(query, include_private=self.include_private.isChecked()) \
                if query else SearchResults([], 0)
        except VaultError as e:
            self.model.clear()
            self.count_label.setText(e.message())
            return
        self.model.set_hits(found.hits)
        self._show_count(query or None, found.total, found.more)
        if found.hits:
            self.table.selectRow(0)

    def _show_count(self, query: str | None, total: int = 0, more: bool = False) -> None:
        count = self.model.rowCount()
        if query is None:
            text = tr("Type a word to search client files, session notes and addenda.")
        elif count == 0:
            text = tr("Nothing found for “{query}”.", query=query)
        elif more:  # the count stops at a thousand (issue 14): counting every match costs what the matches cost
            text = tr("Showing {shown} of more than {count} results: client files first, then the newest records. "
                      "Add a word to narrow the search.", shown=f"{count:,}", count=f"{total:,}")
        elif total > count:  # the newest are shown; the count says how many more there are
            text = tr("Showing {shown} of {count} results: client files first, then the newest records. Add a "
                      "word to narrow the search.", shown=f"{count:,}", count=f"{total:,}")
        elif count == 1:
            text = tr("1 result")
        else:
            text = tr("{count} results", count=count)
        if self.include_private.isChecked():
            text += " " + tr("Private process notes are included.")
        self.count_label.setText(text)

    def hits(self) -> list[SearchHit]:
        return [self.model.row_at(r) for r in range(self.model.rowCount())]  # type: ignore[misc]

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _return_pressed(self) -> None:
        self.search_now()
        if self.model.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)

    def _open_index(self, index: QModelIndex) -> None:
        hit = index.siblingAtColumn(0).data(HIT_ROLE)
        if not isinstance(hit, SearchHit):
            return
        if hit.kind == "client" or hit.note_id is None:
            self.open_client.emit(hit.client_id)
        else:
            self.open_note.emit(hit.client_id, hit.note_id, self.search.text().strip())

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        if self.timer.isActive():  # search when shown again, not while hidden (or after the vault closed)
            self.timer.stop()
            self._watcher.mark_stale()
        super().hideEvent(event)

    def shutdown(self) -> None:
        """Stop listening and forget the query and its results (the window calls this before locking)."""
        self._watcher.stop()
        self.timer.stop()
        self.model.clear()
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.include_private.blockSignals(True)
        self.include_private.setChecked(False)
        self.include_private.blockSignals(False)
