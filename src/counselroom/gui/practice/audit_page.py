"""The audit trail viewer: every recorded event, filtered by date and kind, under a banner that says
whether the hash chain verifies and, if not, where it breaks."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from PySide6.QtCore import QDate, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...i18n import N_, tr
from ...records.audit_trail import AuditEntry, Verification
from ...records.services import Services
from ..clients.client_form import plain_label
from ..common.qt_models import SORT_ROLE, AuditTableModel, kind_label
from ..common.widgets import StoreWatcher

OK_STYLE = ("QLabel { background: #e6f4ea; color: #0d4a1f; border: 1px solid #34a853; border-radius: 4px;"
            " padding: 6px 10px; font-weight: bold; }")
BROKEN_STYLE = ("QLabel { background: #fce8e6; color: #8c1d18; border: 2px solid #b3261e;"
                " border-radius: 4px; padding: 6px 10px; font-weight: bold; }")

CHECKING_STYLE = "QLabel { border: 1px solid palette(mid); border-radius: 4px; padding: 6px 10px; }"
ENTRY_LIMIT = 1000
QUICK_VERIFY_SECONDS = 0.3

REASONS = {
    "missing": N_("an entry is missing"),
    "chain": N_("an entry does not follow on from the one before it (entries were removed, inserted or "
                "reordered)"),
    "altered": N_("an entry was changed after it was written"),
    "head": N_("the record of the latest entry does not match the trail"),
    "truncated": N_("entries were cut off the end of the trail"),
}


def _utc_bound(day: QDate) -> str:
    """The start of a local calendar day, as the UTC ISO time the trail stores."""
    local = datetime(day.year(), day.month(), day.day()).astimezone()
    return local.astimezone(UTC).isoformat(timespec="microseconds")


def verification_text(result: Verification) -> str:
    if result.ok:
        return tr("Audit trail verified: {count} entries, unbroken.", count=result.entries)
    reason = REASONS.get(result.reason)
    words = tr(reason) if reason else tr("unknown problem ({reason})", reason=result.reason)
    return tr("Audit trail BROKEN at entry {seq}: {reason}.", seq=result.first_bad_seq, reason=words)


class AuditPage(QWidget):
    """The Audit trail section of the main window. `verified` carries each check's result."""

    verified = Signal(bool)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.last_verification: Verification | None = None

        self.banner = plain_label()
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName(tr("Audit trail check"))
        self.recheck_button = QPushButton(tr("&Re-check"))
        self.recheck_button.setAccessibleName(tr("Check the audit trail again"))
        self.recheck_button.clicked.connect(self.reload)

        self.kind_filter = QComboBox()
        self.kind_filter.setAccessibleName(tr("Show events of kind"))
        self.kind_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        kind_label_widget = plain_label(tr("&Event:"))
        kind_label_widget.setBuddy(self.kind_filter)

        today = QDate.currentDate()
        self.from_enabled = QCheckBox(tr("&From"))
        self.from_enabled.setAccessibleName(tr("Only events from a date"))
        self.from_date = QDateEdit(today.addDays(-30))
        self.from_date.setAccessibleName(tr("First day shown"))
        self.until_enabled = QCheckBox(tr("&Until"))
        self.until_enabled.setAccessibleName(tr("Only events until a date"))
        self.until_date = QDateEdit(today)
        self.until_date.setAccessibleName(tr("Last day shown"))
        for edit, box in ((self.from_date, self.from_enabled), (self.until_date, self.until_enabled)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            box.toggled.connect(edit.setEnabled)
            box.toggled.connect(self.refresh)
            edit.dateChanged.connect(self.refresh)
        self.kind_filter.currentIndexChanged.connect(self.refresh)

        self.model = AuditTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName(tr("Audit trail entries"))
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.count_label = plain_label()

        top = QHBoxLayout()
        top.addWidget(self.banner, 1)
        top.addWidget(self.recheck_button)
        filters = QHBoxLayout()
        filters.addWidget(kind_label_widget)
        filters.addWidget(self.kind_filter)
        filters.addSpacing(self.fontMetrics().averageCharWidth() * 2)
        filters.addWidget(self.from_enabled)
        filters.addWidget(self.from_date)
        filters.addWidget(self.until_enabled)
        filters.addWidget(self.until_date)
        filters.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        self.setFocusProxy(self.table)
        order = [self.recheck_button, self.kind_filter, self.from_enabled, self.from_date, self.until_enabled,
                 self.until_date, self.table]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

        # Every committed change appends an entry: refresh (now if shown, else when next shown), once the
        # first load (below) has run.
        self._watcher = StoreWatcher(self, services.store, self._after_change,
                                     visible=lambda: self._loaded and self.isVisible())

        # Nothing is read until the page is first shown: the window builds every page at unlock, and a
        # long trail takes seconds to check.
        self._loaded = False
        self._verify_seconds = 0.0
        self._first_load = QTimer(self)
        self._first_load.setSingleShot(True)
        self._first_load.setInterval(0)
        self._first_load.timeout.connect(self.reload)
        self.banner.setText(tr("Checking the audit trail…"))
        self.banner.setStyleSheet(CHECKING_STYLE)

    def _fill_kinds(self) -> None:
        current = self.kind_filter.currentData()
        self.kind_filter.blockSignals(True)
        self.kind_filter.clear()
        self.kind_filter.addItem(tr("All events"), None)
        kinds = sorted(self.services.audit.kinds(), key=lambda k: kind_label(k).casefold())
        for kind in kinds:
            self.kind_filter.addItem(kind_label(kind), kind)
        self.kind_filter.setCurrentIndex(max(0, self.kind_filter.findData(current)))
        self.kind_filter.blockSignals(False)

    def _add_new_kinds(self, entries: list[AuditEntry]) -> None:
        known = {self.kind_filter.itemData(i) for i in range(self.kind_filter.count())}
        for kind in dict.fromkeys(e.kind for e in entries):
            if kind not in known:
                self.kind_filter.addItem(kind_label(kind), kind)

    def reload(self) -> None:
        """Kinds, entries and the chain check, all afresh."""
        self._first_load.stop()
        self._loaded = True
        self._fill_kinds()
        self.refresh()
        self.verify()

    def refresh(self) -> None:
        """The entries for the chosen filters: the newest ENTRY_LIMIT of them."""
        self._watcher.mark_fresh()
        kind = self.kind_filter.currentData()
        since = _utc_bound(self.from_date.date()) if self.from_enabled.isChecked() else None
        until = _utc_bound(self.until_date.date().addDays(1)) if self.until_enabled.isChecked() else None
        entries = self.services.audit.entries(kinds=[kind] if kind else None, since=since, until=until,
                                              limit=ENTRY_LIMIT + 1)
        more = len(entries) > ENTRY_LIMIT
        entries = entries[:ENTRY_LIMIT]
        codes = {c.id: c.code for c in self.services.clients.list(include_archived=True) if c.id is not None}
        self.model.set_entries(entries, codes)
        self._add_new_kinds(entries)
        if more:
            self.count_label.setText(tr("Showing the newest {count} entries. Choose dates or an event to see "
                                        "older ones.", count=ENTRY_LIMIT))
        else:
            self.count_label.setText(tr("{count} entries shown", count=len(entries)))

    def verify(self) -> Verification:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        started = time.monotonic()
        try:
            result = self.services.audit.verify()
        finally:
            QApplication.restoreOverrideCursor()
        self._verify_seconds = time.monotonic() - started
        self.last_verification = result
        self.banner.setText(tr("{verdict} Checked at {time}.", verdict=verification_text(result),
                               time=datetime.now().strftime("%H:%M:%S")))
        self.banner.setStyleSheet(OK_STYLE if result.ok else BROKEN_STYLE)
        self.verified.emit(result.ok)
        return result

    def _after_change(self) -> None:
        self.refresh()
        # A short trail is checked again at once; a long one (seconds) waits for Re-check, and the
        # banner's time says how old its verdict is.
        if self._verify_seconds < QUICK_VERIFY_SECONDS:
            self.verify()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._loaded:  # (once loaded, the watcher refreshes a stale trail as it is shown)
            self._first_load.start()  # after this paint, so "Checking…" is seen while it runs

    def shutdown(self) -> None:
        """Stop listening and drop every row (the window calls this before locking)."""
        self._watcher.stop()
        self._first_load.stop()
        self.model.clear()
        self.kind_filter.clear()
