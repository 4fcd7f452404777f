"""One client's appointments, newest first, with their punctuality and attendance figures
("on time"): a tab for the client page."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...i18n import N_, tr
from ...records.appointments import Appointment, Punctuality
from ...records.services import Services
from ..clients.client_form import plain_label
from ..common.widgets import StoreWatcher
from .appointment_models import AppointmentTableModel
from .appointments_page import AppointmentActions, AppointmentTable

FIGURES = (("planned", N_("Appointments so far")), ("attended", N_("Attended on time")),
           ("late", N_("Late")), ("no_show", N_("No-show")), ("cancelled_client", N_("Cancelled by client")),
           ("cancelled_counselor", N_("Cancelled by counselor")), ("attendance_rate", N_("Attendance rate")),
           ("on_time_rate", N_("On time")), ("average_minutes_late", N_("Average lateness")))


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def figure_text(p: Punctuality, key: str) -> str:
    if key == "attendance_rate":
        return percent(p.attendance_rate)
    if key == "on_time_rate":
        return percent(p.on_time_rate)
    if key == "average_minutes_late":
        return tr("{minutes} min", minutes=f"{p.average_minutes_late:.0f}") if p.late else "—"
    return str(getattr(p, key))


class ClientAppointmentsTab(QWidget):
    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.appointments: list[Appointment] = []
        self.book_actions = AppointmentActions(services, self)

        self.figures: dict[str, QLabel] = {}
        box = QGroupBox(tr("Punctuality and attendance"))
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for key, label in FIGURES:
            value = plain_label()
            value.setAccessibleName(tr(label))
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                          | Qt.TextInteractionFlag.TextSelectableByMouse)
            self.figures[key] = value
            form.addRow(plain_label(tr(label)), value)
        self.explain = plain_label(tr("Rates count attended, late and no-show appointments up to now; "
                                      "late means more than five minutes after the planned start."))
        self.explain.setWordWrap(True)
        form.addRow(self.explain)

        self.model = AppointmentTableModel(("date", "time", "kind", "attendance", "actual", "location"), self)
        self.table = AppointmentTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName(tr("This client's appointments"))
        self.empty_label = plain_label(tr("No appointments yet."))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.new_button = QPushButton(tr("&New appointment…"))
        self.new_button.setAccessibleName(tr("New appointment for this client"))
        self.edit_button = QPushButton(tr("&Edit or move…"))
        self.edit_button.setAccessibleName(tr("Edit or move the appointment"))
        self.attendance_button = QPushButton(tr("&Record attendance…"))
        self.attendance_button.setAccessibleName(tr("Record attendance"))
        buttons = QHBoxLayout()
        for b in (self.new_button, self.edit_button, self.attendance_button):
            buttons.addWidget(b)
        buttons.addStretch(1)

        left = QVBoxLayout()
        left.addLayout(buttons)
        left.addWidget(self.table, 1)
        left.addWidget(self.empty_label)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        right = QVBoxLayout()
        right.addWidget(box)
        right.addStretch(1)
        layout.addLayout(right, 1)
        for first, second in ((self.new_button, self.edit_button), (self.edit_button, self.attendance_button),
                              (self.attendance_button, self.table)):
            QWidget.setTabOrder(first, second)
        self.setFocusProxy(self.table)

        self.new_button.clicked.connect(self.new_appointment)
        self.edit_button.clicked.connect(self.edit_selected)
        self.attendance_button.clicked.connect(self.record_attendance)
        self.table.open_requested.connect(lambda _index: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.modelReset.connect(self._update_actions)
        for keys, slot in (("Ctrl+Shift+N", self.new_appointment), ("Ctrl+R", self.record_attendance)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.new_button.setToolTip(tr("Book an appointment for this client (Ctrl+Shift+N)"))
        self.attendance_button.setToolTip(tr("Attended, late or no-show, with the actual times (Ctrl+R)"))

        self._watcher = StoreWatcher(self, services.store, self.refresh,
                                     wants=lambda entity, _id: entity == "appointment")
        self.refresh()

    def refresh(self) -> None:
        self._watcher.mark_fresh()
        selected = self.table.selected_id()
        book = self.services.appointments
        self.appointments = list(reversed(book.for_client(self.client_id)))
        self.model.set_appointments(self.appointments)
        punctuality = book.punctuality(self.client_id)
        for key, label in self.figures.items():
            label.setText(figure_text(punctuality, key))
        self.empty_label.setVisible(not self.appointments)
        if selected is not None:
            self.table.select_id(selected)
        self._update_actions()

    def figure(self, key: str) -> str:
        return self.figures[key].text()

    def _selected_id(self) -> int | None:
        return self.table.selected_id()

    def _update_actions(self, *_: object) -> None:
        chosen = self._selected_id() is not None
        self.edit_button.setEnabled(chosen)
        self.attendance_button.setEnabled(chosen)

    def _after(self, saved: Appointment | None) -> None:
        if saved is not None and saved.id is not None:
            self.refresh()
            self.table.select_id(saved.id)
            self.table.setFocus()

    def new_appointment(self) -> None:
        self._after(self.book_actions.new(client_id=self.client_id))

    def edit_selected(self) -> None:
        appointment_id = self._selected_id()
        if appointment_id is not None:
            self._after(self.book_actions.edit(appointment_id))

    def record_attendance(self) -> None:
        appointment_id = self._selected_id()
        if appointment_id is not None:
            self._after(self.book_actions.record_attendance(appointment_id))

    def shutdown(self) -> None:
        self._watcher.stop()
        self.book_actions.abandon()
        self.model.clear()
