"""The client list (search, status filter, sortable columns) and, in place of it, one client's page."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...i18n import tr
from ...records.clients import STATUS_LABELS, STATUSES
from ...records.services import Services
from ..common.qt_models import ID_ROLE, ClientTableModel
from ..common.widgets import RecordTable, StoreWatcher
from .client_form import ClientForm, plain_label
from .client_page import ClientPage

SEARCH_DELAY_MS = 200


class ClientsPage(QWidget):
    """The Clients section of the main window.

    Shows the list; opening a client (double-click, Enter, or `open_client()`) replaces the list with
    that client's page until Back. Listens to the store and refreshes itself after every change.
    """

    client_opened = Signal(int)
    list_shown = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_page: ClientPage | None = None
        self.form: ClientForm | None = None

        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Search by name, code or pinyin initials (e.g. zxm)"))
        self.search.setAccessibleName(tr("Search clients"))
        self.search.setClearButtonEnabled(True)
        search_label = plain_label(tr("&Search:"))
        search_label.setTextFormat(Qt.TextFormat.PlainText)
        search_label.setBuddy(self.search)

        self.status_filter = QComboBox()
        self.status_filter.addItem(tr("All statuses"), None)
        for status in STATUSES:
            self.status_filter.addItem(tr(STATUS_LABELS[status]), status)
        self.status_filter.setAccessibleName(tr("Show clients with status"))
        status_label = plain_label(tr("S&tatus:"))
        status_label.setBuddy(self.status_filter)

        self.show_archived = QCheckBox(tr("Show &archived"))
        self.show_archived.setAccessibleName(tr("Show archived clients"))

        self.new_button = QPushButton(tr("New client…"))
        self.new_button.setAccessibleName(tr("New client"))
        self.new_button.setToolTip(tr("Add a new client (Ctrl+N)"))
        self.new_button.clicked.connect(self.new_client)

        self.model = ClientTableModel(self)
        self.table = RecordTable(tr("Clients"))
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        header = self.table.horizontalHeader()
        # Sized to the content after each refresh (looking at a sample of rows, so ten thousand clients
        # stay quick); the counselor may widen a column by hand.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(200)
        self.table.open_requested.connect(self._open_index)

        self.count_label = plain_label()
        self.count_label.setAccessibleName(tr("Number of clients shown"))
        self.empty_label = plain_label()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)

        bar = QHBoxLayout()
        bar.addWidget(search_label)
        bar.addWidget(self.search, 3)
        bar.addWidget(status_label)
        bar.addWidget(self.status_filter)
        bar.addWidget(self.show_archived)
        bar.addStretch(1)
        bar.addWidget(self.new_button)

        self.list_widget = QWidget()
        list_layout = QVBoxLayout(self.list_widget)
        list_layout.addLayout(bar)
        list_layout.addWidget(self.table, 1)
        list_layout.addWidget(self.empty_label)
        list_layout.addWidget(self.count_label)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.list_widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self.setFocusProxy(self.search)
        QWidget.setTabOrder(self.search, self.status_filter)
        QWidget.setTabOrder(self.status_filter, self.show_archived)
        QWidget.setTabOrder(self.show_archived, self.new_button)
        QWidget.setTabOrder(self.new_button, self.table)

        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(self.search_timer.start)
        self.search.returnPressed.connect(self._search_return)
        self.status_filter.currentIndexChanged.connect(self.refresh)
        self.show_archived.toggled.connect(self.refresh)

        shortcut = QShortcut(QKeySequence.StandardKey.New, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.new_client)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)

        # Changes committed anywhere (this page, a dialog, another part of the window) refresh the list.
        # The list is refreshed when it is shown: not while a client's page is open in its place.
        self._watcher = StoreWatcher(self, services.store, self.refresh,
                                     wants=lambda entity, _id: entity == "client", visible=self.list_widget.isVisible)
        self.refresh()

    # -- the list -----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.search_timer.stop()
        self._watcher.mark_fresh()
        selected = self.selected_client_id()
        clients = self.services.clients.list(status=self.status_filter.currentData(),
                                             include_archived=self.show_archived.isChecked(),
                                             query=self.search.text())
        self.model.set_clients(clients)
        self.table.resizeColumnsToContents()
        widest = self.fontMetrics().averageCharWidth() * 40  # a long name ends in "…" (its tooltip has it all)
        for column in range(self.model.columnCount()):
            if self.table.columnWidth(column) > widest:
                self.table.setColumnWidth(column, widest)
        shown = len(clients)
        self.count_label.setText(tr("{count} clients", count=shown) if shown != 1 else tr("1 client"))
        filtered = bool(self.search.text().strip()) or self.status_filter.currentIndex() > 0
        if shown:
            self.empty_label.hide()
        else:
            self.empty_label.setText(tr("No client matches the search or filter.") if filtered
                                     else tr("No clients yet. Add the first with “New client”."))
            self.empty_label.show()
        if selected is not None:
            self.select_client(selected)

    def _search_return(self) -> None:
        self.refresh()
        if self.model.rowCount() == 1:
            self.open_client(int(self.model.index(0, 0).data(ID_ROLE)))
        elif self.model.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)

    def focus_search(self) -> None:
        self.show_list()
        self.search.setFocus()
        self.search.selectAll()

    def selected_client_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isSelected(index):
            return None
        value = index.siblingAtColumn(0).data(ID_ROLE)
        return int(value) if value is not None else None

    def select_client(self, client_id: int) -> bool:
        row = self.model.row_of(client_id)
        if row < 0:
            return False
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def visible_codes(self) -> list[str]:
        """The codes in the order shown (handy for tests and for screen readers' summaries)."""
        return [str(self.model.index(r, 0).data()) for r in range(self.model.rowCount())]

    # -- opening, creating -----------------------------------------------------------------------------------

    def _open_index(self, index: QModelIndex) -> None:
        value = index.siblingAtColumn(0).data(ID_ROLE)
        if value is not None:
            self.open_client(int(value))

    def open_client(self, client_id: int) -> None:
        self.close_client()
        page = ClientPage(self.services, client_id)
        page.back_requested.connect(self.show_list)
        self.client_page = page
        self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        self.setFocusProxy(page.back_button)
        page.back_button.setFocus()
        self.client_opened.emit(client_id)

    def close_client(self) -> None:
        page, self.client_page = self.client_page, None
        if page is not None:
            self.setFocusProxy(self.search)
            page.shutdown()
            self.stack.removeWidget(page)
            page.deleteLater()

    def show_list(self) -> None:
        was_open = self.client_page.client_id if self.client_page is not None else None
        self.close_client()
        self.stack.setCurrentWidget(self.list_widget)
        self.setFocusProxy(self.search)
        if self._watcher.stale:
            self.refresh()
        if was_open is not None and self.select_client(was_open):
            self.table.setFocus()
        self.list_shown.emit()

    def new_client(self) -> None:
        if self.form is not None:
            return
        form = ClientForm(self.services, None, self)
        self.form = form
        try:
            accepted = form.exec()
        finally:
            self.form = None
            form.deleteLater()
        if accepted and form.saved is not None and form.saved.id is not None:
            self.refresh()
            self.open_client(form.saved.id)

    def shutdown(self) -> None:
        """Stop listening and drop every row (the window calls this before locking)."""
        self._watcher.stop()
        self.search_timer.stop()
        if self.form is not None:
            self.form.abandon()
        self.close_client()
        self.model.clear()
        self.search.clear()
        self.search_timer.stop()
