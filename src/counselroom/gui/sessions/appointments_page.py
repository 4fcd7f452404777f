"""The appointment book: a day or a week at a time, with previous/next/today and a date picker; booking,
editing, moving, cancelling (by the client or by the counselor) and recording attendance.

`AppointmentActions` holds the dialogs and questions, so the client page's appointments tab does the
same things the same way."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...i18n import tr
from ...records.appointments import Appointment
from ...records.services import Services
from ...vault.errors import VaultError
from ..clients.client_form import plain_label
from ..common.qt_models import ID_ROLE
from ..common.widgets import RecordTable, StoreWatcher, confirm_destructive, heading, show_error
from .appointment_dialog import AppointmentDialog, from_qdate
from .appointment_models import AppointmentTableModel, long_day_text, qdate, time_range, week_text
from .attendance_dialog import AttendanceDialog


class AppointmentTable(RecordTable):
    """A read-only table of appointments that opens the current row on Enter/Return and double-click."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def selected_id(self) -> int | None:
        index = self.currentIndex()
        if not index.isValid() or not self.selectionModel().isSelected(index):
            return None
        value = index.siblingAtColumn(0).data(ID_ROLE)
        return int(value) if value is not None else None

    def select_id(self, appointment_id: int) -> bool:
        model = self.model()
        for row in range(model.rowCount()):
            if model.index(row, 0).data(ID_ROLE) == appointment_id:
                self.setCurrentIndex(model.index(row, 0))
                self.selectRow(row)
                self.scrollTo(model.index(row, 0))
                return True
        return False


def appointment_summary(services: Services, a: Appointment) -> str:
    try:
        name = services.clients.get(a.client_id).display_name
    except KeyError:
        name = f"#{a.client_id}"
    return tr("{client}, {day}, {time}", client=name, day=long_day_text(a.planned_start.date()),
              time=time_range(a.planned_start, a.planned_end))


class AppointmentActions(QObject):
    """The dialogs and questions behind the book's buttons. Each returns the stored appointment, or None
    when the counselor cancelled or nothing changed."""

    def __init__(self, services: Services, owner: QWidget) -> None:
        super().__init__(owner)
        self.services = services
        self.owner = owner
        self.dialog: AppointmentDialog | AttendanceDialog | None = None

    def _run(self, dialog: AppointmentDialog | AttendanceDialog) -> Appointment | None:
        if self.dialog is not None:
            return None
        self.dialog = dialog
        try:
            accepted = dialog.exec()
        finally:
            self.dialog = None
            dialog.deleteLater()
        return dialog.saved if accepted else None

    def new(self, day: date | None = None, client_id: int | None = None) -> Appointment | None:
        return self._run(AppointmentDialog(self.services, None, self.owner, day=day, client_id=client_id))

    def edit(self, appointment_id: int, focus: str = "") -> Appointment | None:
        a = self.services.appointments.get(appointment_id)
        return self._run(AppointmentDialog(self.services, a, self.owner, focus=focus))

    def record_attendance(self, appointment_id: int) -> Appointment | None:
        a = self.services.appointments.get(appointment_id)
        return self._run(AttendanceDialog(self.services, a, self.owner))

    def cancel(self, appointment_id: int, by: str) -> Appointment | None:
        a = self.services.appointments.get(appointment_id)
        if by == "client":
            title, action = tr("Cancelled by the client"), tr("Mark cancelled by client")
            text = tr("Mark this appointment as cancelled by the client?\n\n{appointment}\n\n"
                      "It stays in the book, marked as cancelled, and counts in the client's attendance.",
                      appointment=appointment_summary(self.services, a))
        else:
            title, action = tr("Cancelled by the counselor"), tr("Mark cancelled by counselor")
            text = tr("Mark this appointment as cancelled by you, the counselor?\n\n{appointment}\n\n"
                      "It stays in the book, marked as cancelled.",
                      appointment=appointment_summary(self.services, a))
        if not confirm_destructive(self.owner, title, text, action):
            return None
        try:
            return self.services.appointments.cancel(appointment_id, by)
        except VaultError as e:
            show_error(self.owner, tr("Not saved"), e.message())
            return None

    def abandon(self) -> None:
        if self.dialog is not None:
            self.dialog.abandon()


class AppointmentsPage(QWidget):
    """The Appointments section of the main window. `open_client` asks the window to show a client's page."""

    open_client = Signal(int)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.current_date = date.today()
        self._today = self.current_date  # the day that was "today" when the book was last shown
        self.view = "day"
        self.book_actions = AppointmentActions(services, self)

        self.previous_button = QPushButton(tr("◀ &Previous"))
        self.previous_button.setAccessibleName(tr("Previous day or week"))
        self.previous_button.setToolTip(tr("Previous day or week (Ctrl+Page Up)"))
        self.today_button = QPushButton(tr("T&oday"))
        self.today_button.setAccessibleName(tr("Go to today"))
        self.next_button = QPushButton(tr("Ne&xt ▶"))
        self.next_button.setAccessibleName(tr("Next day or week"))
        self.next_button.setToolTip(tr("Next day or week (Ctrl+Page Down)"))
        self.date_picker = QDateEdit()
        self.date_picker.setCalendarPopup(True)
        self.date_picker.setDisplayFormat("yyyy-MM-dd")
        self.date_picker.setAccessibleName(tr("Show the date"))
        self.date_picker.setDate(qdate(self.current_date))
        self.day_button = QPushButton(tr("Da&y"))
        self.day_button.setAccessibleName(tr("Show one day"))
        self.week_button = QPushButton(tr("&Week"))
        self.week_button.setAccessibleName(tr("Show the whole week"))
        self.view_group = QButtonGroup(self)
        for button in (self.day_button, self.week_button):
            button.setCheckable(True)
            self.view_group.addButton(button)
        self.day_button.setChecked(True)
        self.new_button = QPushButton(tr("&New appointment…"))
        self.new_button.setAccessibleName(tr("New appointment"))
        self.new_button.setToolTip(tr("Book a new appointment (Ctrl+N)"))

        self.title = heading("", 1.3)
        self.title.setAccessibleName(tr("Dates shown"))
        self.count_label = plain_label()
        self.count_label.setAccessibleName(tr("Number of appointments shown"))
        self.show_cancelled = QCheckBox(tr("Show &cancelled"))
        self.show_cancelled.setAccessibleName(tr("Show cancelled appointments"))
        self.show_cancelled.setChecked(True)

        self.model = AppointmentTableModel(("day", "time", "client", "kind", "attendance", "actual", "location"),
                                           self)
        self.table = AppointmentTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName(tr("Appointments"))
        self.empty_label = plain_label()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)

        self.edit_button = QPushButton(tr("&Edit or move…"))
        self.edit_button.setAccessibleName(tr("Edit or move the appointment"))
        self.edit_button.setToolTip(tr("Change the client, kind, date or time (Enter; Ctrl+M to move)"))
        self.attendance_button = QPushButton(tr("&Record attendance…"))
        self.attendance_button.setAccessibleName(tr("Record attendance"))
        self.attendance_button.setToolTip(tr("Attended, late or no-show, with the actual times (Ctrl+R)"))
        self.cancel_button = QPushButton(tr("C&ancel appointment"))
        self.cancel_button.setAccessibleName(tr("Cancel the appointment"))
        self.cancel_menu = QMenu(self.cancel_button)
        self.cancel_by_client = self.cancel_menu.addAction(tr("Cancelled by the &client…"))
        self.cancel_by_counselor = self.cancel_menu.addAction(tr("Cancelled by the c&ounselor…"))
        self.cancel_button.setMenu(self.cancel_menu)
        self.client_button = QPushButton(tr("Open client &file"))
        self.client_button.setAccessibleName(tr("Open the client's file"))
        self.client_button.setToolTip(tr("Open the client's file (Ctrl+O)"))

        nav = QHBoxLayout()
        for w in (self.previous_button, self.today_button, self.next_button, self.date_picker):
            nav.addWidget(w)
        nav.addSpacing(self.fontMetrics().averageCharWidth() * 2)
        nav.addWidget(self.day_button)
        nav.addWidget(self.week_button)
        nav.addStretch(1)
        nav.addWidget(self.new_button)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.count_label)
        actions = QHBoxLayout()
        for w in (self.edit_button, self.attendance_button, self.cancel_button, self.client_button):
            actions.addWidget(w)
        actions.addStretch(1)
        actions.addWidget(self.show_cancelled)

        layout = QVBoxLayout(self)
        layout.addLayout(nav)
        layout.addLayout(title_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(actions)

        order = [self.previous_button, self.today_button, self.next_button, self.date_picker, self.day_button,
                 self.week_button, self.new_button, self.table, self.edit_button, self.attendance_button,
                 self.cancel_button, self.client_button, self.show_cancelled]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self.setFocusProxy(self.table)

        self.previous_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.today_button.clicked.connect(lambda: self.show_date(date.today()))
        self.date_picker.dateChanged.connect(lambda d: self.show_date(from_qdate(d)))
        self.day_button.clicked.connect(lambda: self.set_view("day"))
        self.week_button.clicked.connect(lambda: self.set_view("week"))
        self.show_cancelled.toggled.connect(self.refresh)
        self.new_button.clicked.connect(self.new_appointment)
        self.edit_button.clicked.connect(lambda: self.edit_selected())
        self.attendance_button.clicked.connect(self.record_attendance)
        self.cancel_by_client.triggered.connect(lambda: self.cancel_selected("client"))
        self.cancel_by_counselor.triggered.connect(lambda: self.cancel_selected("counselor"))
        self.client_button.clicked.connect(self.open_selected_client)
        self.table.open_requested.connect(lambda _index: self.edit_selected())
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.modelReset.connect(self._update_actions)

        for keys, slot in ((QKeySequence.StandardKey.New, self.new_appointment),
                           ("Ctrl+E", self.edit_selected), ("Ctrl+M", lambda: self.edit_selected("planned_start")),
                           ("Ctrl+R", self.record_attendance), ("Ctrl+O", self.open_selected_client),
                           ("Ctrl+PgUp", lambda: self.step(-1)), ("Ctrl+PgDown", lambda: self.step(1))):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        self._watcher = StoreWatcher(self, services.store, self.refresh,
                                     wants=lambda entity, _id: entity in ("appointment", "client"))
        self.refresh()

    # -- what is shown ------------------------------------------------------------------------------------

    def first_day(self) -> date:
        if self.view == "week":
            return self.current_date - timedelta(days=self.current_date.weekday())
        return self.current_date

    def show_date(self, day: date) -> None:
        if day == self.current_date:
            return
        self.current_date = day
        self.date_picker.blockSignals(True)
        self.date_picker.setDate(qdate(day))
        self.date_picker.blockSignals(False)
        self.refresh()

    def step(self, direction: int) -> None:
        self.show_date(self.current_date + timedelta(days=direction * (7 if self.view == "week" else 1)))

    def set_view(self, view: str) -> None:
        if view == self.view:
            return
        self.view = view
        (self.week_button if view == "week" else self.day_button).setChecked(True)
        self.refresh()

    def refresh(self) -> None:
        self._watcher.mark_fresh()
        selected = self.table.selected_id()
        book = self.services.appointments
        rows = book.week(self.current_date) if self.view == "week" else book.day(self.current_date)
        if not self.show_cancelled.isChecked():
            rows = [a for a in rows if not a.cancelled]
        names, risk = {}, set()
        for client_id in {a.client_id for a in rows}:
            try:
                client = self.services.clients.get(client_id)
            except KeyError:
                continue
            names[client_id] = client.display_name
            if client.risk_flag:
                risk.add(client_id)
        self.model.set_appointments(rows, names, risk)
        self.table.setColumnHidden(0, self.view == "day")
        if self.view == "week":
            monday = self.first_day()
            self.title.setText(week_text(monday, monday + timedelta(days=6)))
        else:
            text = long_day_text(self.current_date)
            self.title.setText(tr("{day} (today)", day=text) if self.current_date == date.today() else text)
        live = sum(1 for a in rows if not a.cancelled)
        self.count_label.setText(tr("1 appointment") if live == 1 else tr("{count} appointments", count=live))
        if rows:
            self.empty_label.hide()
        else:
            self.empty_label.setText(tr("No appointments this week.") if self.view == "week"
                                     else tr("No appointments on this day."))
            self.empty_label.show()
        if selected is not None:
            self.table.select_id(selected)
        self._update_actions()

    def visible_rows(self) -> list[list[str]]:
        """The cells as shown, row by row (columns hidden in the day view left out)."""
        return [[str(self.model.index(r, c).data()) for c in range(self.model.columnCount())
                 if not self.table.isColumnHidden(c)] for r in range(self.model.rowCount())]

    def selected(self) -> Appointment | None:
        appointment_id = self.table.selected_id()
        if appointment_id is None:
            return None
        row = self.model.row_of(appointment_id)
        return self.model.row_at(row)

    def select(self, appointment_id: int) -> bool:
        return self.table.select_id(appointment_id)

    def _update_actions(self, *_: object) -> None:
        a = self.selected()
        for button in (self.edit_button, self.attendance_button, self.client_button):
            button.setEnabled(a is not None)
        self.cancel_button.setEnabled(a is not None and not a.cancelled and not a.held)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        today, was = date.today(), self._today
        self._today = today
        if today != was and self.current_date == was:  # left open overnight: today is today again
            self.show_date(today)  # (the watcher has already refreshed a stale book as it was shown)

    def _context_menu(self, pos: QPoint) -> None:
        if self.selected() is None:
            return
        menu = QMenu(self)
        menu.addAction(self.edit_button.text(), self.edit_selected)
        menu.addAction(self.attendance_button.text(), self.record_attendance)
        if self.cancel_button.isEnabled():
            menu.addAction(self.cancel_by_client)
            menu.addAction(self.cancel_by_counselor)
        menu.addAction(self.client_button.text(), self.open_selected_client)
        menu.exec(self.table.viewport().mapToGlobal(pos))
        menu.deleteLater()

    # -- actions -------------------------------------------------------------------------------------------

    def _after(self, saved: Appointment | None) -> None:
        if saved is None or saved.id is None:
            return
        self.show_date(saved.planned_start.date())
        self.refresh()
        self.select(saved.id)
        self.table.setFocus()

    def new_appointment(self) -> None:
        self._after(self.book_actions.new(day=self.current_date))

    def edit_selected(self, focus: str = "") -> None:
        a = self.selected()
        if a is not None and a.id is not None:
            self._after(self.book_actions.edit(a.id, focus))

    def record_attendance(self) -> None:
        a = self.selected()
        if a is not None and a.id is not None:
            self._after(self.book_actions.record_attendance(a.id))

    def cancel_selected(self, by: str) -> None:
        a = self.selected()
        if a is not None and a.id is not None and not a.cancelled and not a.held:
            self._after(self.book_actions.cancel(a.id, by))

    def open_selected_client(self) -> None:
        a = self.selected()
        if a is not None:
            self.open_client.emit(a.client_id)

    def shutdown(self) -> None:
        """Stop listening, close any open dialog unsaved and drop every row (the window is locking)."""
        self._watcher.stop()
        self.book_actions.abandon()
        self.model.clear()
