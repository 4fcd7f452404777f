"""Notes not yet written: every attended session without a signed note once the counselor's setting's
number of hours has passed ("fill in the file after each consultation")."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSpinBox, QVBoxLayout, QWidget

from ...i18n import tr
from ...records.notes import DEFAULT_OVERDUE_HOURS, Overdue
from ...records.services import Services
from ...vault.errors import VaultError
from ..clients.client_form import plain_label
from ..common.qt_models import ID_ROLE
from ..common.widgets import StoreWatcher, heading, show_error
from .appointment_models import CLIENT_ROLE, OverdueTableModel
from .appointments_page import AppointmentTable

SETTING = "notes.overdue_hours"
MAX_HOURS = 24 * 30
SAVE_DELAY_MS = 600
REFRESH_MS = 60_000  # overdue is a matter of time: look again every minute while shown


def overdue_hours(services: Services) -> int:
    value = services.settings.get(SETTING, DEFAULT_OVERDUE_HOURS)
    try:
        return min(MAX_HOURS, max(1, int(value)))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return DEFAULT_OVERDUE_HOURS


class OverduePage(QWidget):
    """`write_note(client_id, appointment_id)` asks the window to open the note editor for that session."""

    write_note = Signal(int, int)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.rows: list[Overdue] = []

        self.title = heading(tr("Session notes not yet written"), 1.3)
        self.count_label = heading("", 1.0)
        self.count_label.setAccessibleName(tr("Number of overdue notes"))

        self.hours = QSpinBox()
        self.hours.setRange(1, MAX_HOURS)
        self.hours.setSuffix(tr(" hours"))
        self.hours.setAccessibleName(tr("Hours after a session before its note is overdue"))
        self.hours.setValue(overdue_hours(services))
        hours_label = plain_label(tr("A note is &overdue"))
        hours_label.setBuddy(self.hours)
        after_label = plain_label(tr("after the session ended."))

        self.model = OverdueTableModel(self)
        self.table = AppointmentTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName(tr("Sessions whose note is overdue"))
        self.empty_label = plain_label()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.write_button = QPushButton(tr("&Write note…"))
        self.write_button.setAccessibleName(tr("Write the note for this session"))
        self.write_button.setToolTip(tr("Open the note for the chosen session (Enter)"))

        setting_row = QHBoxLayout()
        setting_row.addWidget(hours_label)
        setting_row.addWidget(self.hours)
        setting_row.addWidget(after_label)
        setting_row.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.write_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.count_label)
        layout.addLayout(setting_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(buttons)
        QWidget.setTabOrder(self.hours, self.table)
        QWidget.setTabOrder(self.table, self.write_button)
        self.setFocusProxy(self.table)

        self.save_timer = QTimer(self)
        self.save_timer.setSingleShot(True)
        self.save_timer.setInterval(SAVE_DELAY_MS)
        self.save_timer.timeout.connect(self.save_hours)
        self.hours.valueChanged.connect(self._hours_changed)
        self.hours.editingFinished.connect(self.save_hours)
        self.table.open_requested.connect(lambda _index: self.write_selected())
        self.write_button.clicked.connect(self.write_selected)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.modelReset.connect(self._update_actions)

        self.clock = QTimer(self)
        self.clock.setInterval(REFRESH_MS)
        self.clock.timeout.connect(self._tick)
        self.clock.start()
        # Shown again after a while, or a minute on: time alone may have made notes overdue.
        self._watcher = StoreWatcher(
            self, services.store, self._catch_up, refresh_on_show=True,
            wants=lambda entity, _id: entity in ("note", "appointment", "client", "settings"))
        self.refresh()

    def refresh(self) -> None:
        self._watcher.mark_fresh()
        selected = self.table.selected_id()
        self.rows = self.services.notes.overdue(hours=self.hours.value())
        names: dict[int, str] = {}
        for client_id in {o.appointment.client_id for o in self.rows}:
            try:
                names[client_id] = self.services.clients.get(client_id).display_name
            except KeyError:
                continue
        self.model.set_rows(self.rows, names)
        count = len(self.rows)
        if count == 0:
            self.count_label.setText(tr("No session notes are overdue."))
            self.count_label.setStyleSheet("")
        else:
            self.count_label.setText(tr("1 session note is overdue.") if count == 1
                                     else tr("{count} session notes are overdue.", count=count))
            self.count_label.setStyleSheet("color: #b3261e;")
        self.empty_label.setText(tr("Every attended session has its signed note."))
        self.empty_label.setVisible(count == 0)
        if selected is not None:
            self.table.select_id(selected)
        elif count:
            self.table.selectRow(0)
        self._update_actions()

    def count(self) -> int:
        return len(self.rows)

    def _hours_changed(self, _value: int) -> None:
        self.refresh()
        self.save_timer.start()

    def save_hours(self) -> None:
        self.save_timer.stop()
        value = self.hours.value()
        if overdue_hours(self.services) == value:
            return
        try:
            self.services.settings.set(SETTING, value)
        except VaultError as e:
            show_error(self, tr("Not saved"), e.message())

    def _update_actions(self, *_: object) -> None:
        self.write_button.setEnabled(self.table.selected_id() is not None)

    def write_selected(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid() or self.table.selected_id() is None:
            return
        self.write_note.emit(int(index.siblingAtColumn(0).data(CLIENT_ROLE)),
                             int(index.siblingAtColumn(0).data(ID_ROLE)))

    def _tick(self) -> None:
        self._watcher.mark_stale()
        self._watcher.refresh_if_visible()

    def _catch_up(self) -> None:
        self._follow_setting()
        self.refresh()

    def _follow_setting(self) -> None:
        """Show a value set elsewhere (the dashboard, another window) unless the counselor is typing one."""
        if self.save_timer.isActive() or self.hours.hasFocus():
            return
        self.hours.blockSignals(True)
        self.hours.setValue(overdue_hours(self.services))
        self.hours.blockSignals(False)

    def shutdown(self) -> None:
        """Keep the setting as typed, stop listening and drop every row (the window is locking)."""
        if self.save_timer.isActive():
            self.save_hours()
        self._watcher.stop()
        self.clock.stop()
        self.model.clear()
        self.rows = []
