"""The dialog that books, edits or moves an appointment.

Validation comes from the records layer and is shown next to the field it concerns. An appointment that
overlaps another is a warning, asked as a question whose default answer is to go back.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from ...i18n import N_, tr
from ...records.appointments import KIND_LABELS, KINDS, Appointment
from ...records.clients import Client, ValidationError
from ...records.services import Services
from ...vault.errors import VaultError
from ..clients.client_form import ERROR_STYLE, plain_label
from ..common.widgets import clear_when_edited, save_cancel_buttons, show_error
from .appointment_models import long_day_text, qdate, time_range

DEFAULT_MINUTES = 50
FIELD_LABELS = {"client_id": N_("Client"), "kind": N_("Kind"), "planned_start": N_("Date"),
                "start": N_("Starts"), "planned_end": N_("Ends"), "location": N_("Location"),
                "remarks": N_("Remarks")}


def client_label(client: Client) -> str:
    return f"{client.name} ({client.code})" if client.name else client.code


def to_qtime(t: time) -> QTime:
    return QTime(t.hour, t.minute)


def from_qtime(t: QTime) -> time:
    return time(t.hour(), t.minute())


def from_qdate(d: QDate) -> date:
    return date(d.year(), d.month(), d.day())


def error_label(field: str) -> QLabel:
    label = plain_label()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    label.setAccessibleName(tr("Problem with {field}", field=tr(FIELD_LABELS.get(field, field))))
    return label


def with_error(widget: QWidget, error: QLabel) -> QWidget:
    cell = QWidget()
    layout = QVBoxLayout(cell)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(widget)
    layout.addWidget(error)
    return cell


def _ask_go_back(parent: QWidget, title: str, text: str, save_label: str, keep: list[QMessageBox | None]) -> bool:
    """A warning whose default (Enter, Escape) is 'Go back'; True only when the counselor chose to save anyway.
    The open box is kept in `keep` so that locking can close it."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    save = box.addButton(save_label, QMessageBox.ButtonRole.AcceptRole)
    back = box.addButton(tr("Go back"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(back)
    box.setEscapeButton(back)
    keep[0] = box
    try:
        box.exec()
    finally:
        keep[0] = None
    return box.clickedButton() is save


def ask_unusual(parent: QWidget, reasons: list[str], keep: list[QMessageBox | None]) -> bool:
    """Ask before saving an appointment that is possible but unusual."""
    text = (tr("Please check this appointment:") + "\n\n" + "\n".join("• " + tr(r) for r in reasons)
            + "\n\n" + tr("Save it anyway?"))
    return _ask_go_back(parent, tr("Unusual appointment"), text, tr("Save anyway"), keep)


def ask_overlap(parent: QWidget, services: Services, others: list[Appointment],
                keep: list[QMessageBox | None]) -> bool:
    """Ask whether to book over other appointments."""
    lines = []
    for o in others:
        try:
            name = services.clients.get(o.client_id).display_name
        except KeyError:
            name = f"#{o.client_id}"
        lines.append(f"{long_day_text(o.planned_start.date())} {time_range(o.planned_start, o.planned_end)}  "
                     f"{name}")
    text = tr("This time overlaps with:") + "\n\n" + "\n".join(lines) + "\n\n" + tr("Book it anyway?")
    return _ask_go_back(parent, tr("Overlapping appointment"), text, tr("Book anyway"), keep)


class AppointmentDialog(QDialog):
    """Book (appointment=None) or edit/move an appointment. After accept(), `saved` holds it as stored.

    `day` and `client_id` preset a new appointment; `focus` names the field that gets the focus first
    ("planned_start" for a move)."""

    def __init__(self, services: Services, appointment: Appointment | None = None, parent: QWidget | None = None,
                 *, day: date | None = None, client_id: int | None = None, focus: str = "") -> None:
        super().__init__(parent)
        self.services = services
        self.original = appointment
        self.saved: Appointment | None = None
        self._keep: list[QMessageBox | None] = [None]
        self.setModal(True)
        self.setWindowTitle(tr("New appointment") if appointment is None else tr("Edit appointment"))
        char = self.fontMetrics().averageCharWidth()

        self.client_search = QLineEdit()
        self.client_search.setPlaceholderText(tr("Find by name, code or pinyin initials"))
        self.client_search.setAccessibleName(tr("Find a client"))
        self.client_search.setClearButtonEnabled(True)
        self.client_search.setMinimumWidth(char * 30)
        self.client = QComboBox()
        self.client.setAccessibleName(tr("Client"))
        self.client.setPlaceholderText(tr("Choose a client"))
        self.client.setMinimumContentsLength(24)
        self.client.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.kind = QComboBox()
        for kind in KINDS:
            self.kind.addItem(tr(KIND_LABELS[kind]), kind)
        self.kind.setAccessibleName(tr("Kind of appointment"))
        # A group session is booked for the group's whole roster, and only when every member has a group
        # confidentiality agreement recorded (issue 12.5).
        self.group = QComboBox()
        self.group.setAccessibleName(tr("Group"))
        self.group.addItem(tr("Choose the group"), None)
        for g in services.consent.groups():
            self.group.addItem(g.name, g.id)
        self.group_hint = plain_label(tr("A new group session is booked for every member of the group; each "
                                         "member needs a group confidentiality agreement first."))
        self.group_hint.setWordWrap(True)
        self.group_hint.setStyleSheet("color: #5b6272;")
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setAccessibleName(tr("Date"))
        self.start = QTimeEdit()
        self.start.setDisplayFormat("HH:mm")
        self.start.setAccessibleName(tr("Starts at"))
        self.end = QTimeEdit()
        self.end.setDisplayFormat("HH:mm")
        self.end.setAccessibleName(tr("Ends at"))
        self.location = QLineEdit()
        self.location.setAccessibleName(tr("Location"))
        self.location.setMaxLength(100)
        self.remarks = QPlainTextEdit()
        self.remarks.setTabChangesFocus(True)
        self.remarks.setAccessibleName(tr("Remarks"))
        self.remarks.setMinimumHeight(self.fontMetrics().lineSpacing() * 3)
        self.remarks.setMinimumWidth(char * 30)

        self.errors = {name: error_label(name) for name in ("client_id", "kind", "planned_start", "planned_end",
                                                              "group_id")}
        self.inputs: dict[str, QWidget] = {"client_id": self.client_search, "kind": self.kind,
                                           "planned_start": self.date, "planned_end": self.end}

        client_cell = QWidget()
        client_layout = QVBoxLayout(client_cell)
        client_layout.setContentsMargins(0, 0, 0, 0)
        client_layout.addWidget(self.client_search)
        client_layout.addWidget(self.client)
        times = QWidget()
        times_layout = QHBoxLayout(times)
        times_layout.setContentsMargins(0, 0, 0, 0)
        times_layout.addWidget(self.start)
        to_label = plain_label(tr("to"))
        to_label.setBuddy(self.end)
        times_layout.addWidget(to_label)
        times_layout.addWidget(self.end)
        self.duration_label = plain_label()
        times_layout.addWidget(self.duration_label)
        times_layout.addStretch(1)

        form = QFormLayout()
        self._form = form
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        rows: list[tuple[str, QWidget, QWidget]] = [
            (tr("&Client"), self.client_search, with_error(client_cell, self.errors["client_id"])),
            (tr("&Kind"), self.kind, with_error(self.kind, self.errors["kind"])),
            (tr("&Group"), self.group, self._group_cell()),
            (tr("&Date"), self.date, with_error(self.date, self.errors["planned_start"])),
            (tr("&Time"), self.start, with_error(times, self.errors["planned_end"])),
            (tr("&Location"), self.location, self.location),
            (tr("&Remarks"), self.remarks, self.remarks)]
        for text, buddy, cell in rows:
            label = plain_label(text)
            label.setBuddy(buddy)
            form.addRow(label, cell)

        self.summary = plain_label()
        self.summary.setStyleSheet(ERROR_STYLE)
        self.summary.setWordWrap(True)
        self.summary.hide()
        self.buttons, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        order = [self.client_search, self.client, self.kind, self.date, self.start, self.end, self.location,
                 self.remarks, self.save_button, self.cancel_button]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

        # The preset, then the signals (so loading does not count as the user's changes).
        self._duration = timedelta(minutes=DEFAULT_MINUTES)
        if appointment is not None:
            self._load(appointment)
        else:
            self._preset(day or date.today(), client_id)
        self.client_search.textChanged.connect(self._filter_clients)
        self.kind.currentIndexChanged.connect(lambda _i: self._show_group())
        self._show_group()
        self.start.timeChanged.connect(self._start_changed)
        self.end.timeChanged.connect(self._end_changed)
        self._show_duration()
        # Wide enough that labels sit beside their fields (in characters, so it holds at 200%).
        self.resize(max(self.sizeHint().width(), char * 70), self.sizeHint().height())
        target = self.inputs.get(focus) or (self.client_search if appointment is None else self.kind)
        target.setFocus()

    def _group_cell(self) -> QWidget:
        cell = QWidget()
        layout = QVBoxLayout(cell)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(with_error(self.group, self.errors["group_id"]))
        layout.addWidget(self.group_hint)
        self._group_label_cell = cell
        return cell

    def _show_group(self) -> None:
        self._form.setRowVisible(self._group_label_cell, self.kind.currentData() == "group")

    # -- filling in --------------------------------------------------------------------------------------

    def _fill_clients(self, clients: list[Client], keep: int | None, first: bool = False) -> None:
        """No client is chosen unless asked for (`keep`), or the first match of a search (`first`): a new
        appointment never starts with a client the counselor did not choose (issue 13)."""
        self.client.clear()
        for c in clients:
            self.client.addItem(client_label(c), c.id)
        if not clients:
            self.client.addItem(tr("No client matches"), None)
        index = self.client.findData(keep) if keep is not None else -1
        self.client.setCurrentIndex(index if index >= 0 else (0 if first or not clients else -1))

    def _filter_clients(self, text: str) -> None:
        self._fill_clients(self.services.clients.list(query=text), self.client.currentData(), bool(text.strip()))

    def _preset(self, day: date, client_id: int | None) -> None:
        clients = self.services.clients.list()
        if client_id is not None and all(c.id != client_id for c in clients):
            clients.insert(0, self.services.clients.get(client_id))
        self._fill_clients(clients, client_id)
        self.date.setDate(qdate(day))
        now = datetime.now()
        start = time(now.hour + 1, 0) if day == now.date() and now.hour < 22 else time(9, 0)
        self.start.setTime(to_qtime(start))
        self.end.setTime(to_qtime((datetime.combine(day, start) + self._duration).time()))

    def _load(self, a: Appointment) -> None:
        clients = self.services.clients.list()
        if all(c.id != a.client_id for c in clients):  # archived since: still shown as it is
            clients.insert(0, self.services.clients.get(a.client_id))
        self._fill_clients(clients, a.client_id)
        self.kind.setCurrentIndex(max(0, self.kind.findData(a.kind)))
        self.date.setDate(qdate(a.planned_start.date()))
        self.start.setTime(to_qtime(a.planned_start.time()))
        self.end.setTime(to_qtime(a.planned_end.time()))
        self._duration = a.planned_end - a.planned_start
        self.location.setText(a.location)
        self.remarks.setPlainText(a.remarks)
        if a.group_id is not None:
            self.group.setCurrentIndex(max(0, self.group.findData(a.group_id)))

    def _start_changed(self, _: Any = None) -> None:
        # Moving the start moves the end with it, keeping the length of the session.
        start = datetime.combine(date.today(), from_qtime(self.start.time()))
        end = start + self._duration
        self.end.blockSignals(True)
        self.end.setTime(to_qtime(end.time()) if end.date() == start.date() else QTime(23, 59))
        self.end.blockSignals(False)
        self._show_duration()

    def _end_changed(self, _: Any = None) -> None:
        start, end = self.start.time(), self.end.time()
        if end > start:
            self._duration = timedelta(seconds=start.secsTo(end))
        self._show_duration()

    def _show_duration(self) -> None:
        minutes = self.start.time().secsTo(self.end.time()) // 60
        self.duration_label.setText(tr("({minutes} min)", minutes=minutes) if minutes > 0 else "")

    # -- saving --------------------------------------------------------------------------------------------

    def appointment(self) -> Appointment:
        """The appointment as the dialog now describes it (not yet saved)."""
        day = from_qdate(self.date.date())
        start = datetime.combine(day, from_qtime(self.start.time()))
        end = datetime.combine(day, from_qtime(self.end.time()))
        client_id = self.client.currentData()
        values: dict[str, Any] = {"client_id": int(client_id) if client_id is not None else 0,
                                  "kind": self.kind.currentData(), "planned_start": start, "planned_end": end,
                                  "location": self.location.text(), "remarks": self.remarks.toPlainText(),
                                  "group_id": self.group.currentData() if self.kind.currentData() == "group"
                                  else None}
        if self.original is None:
            return Appointment(**values)
        return replace(self.original, **values)

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, label in self.errors.items():
            msgid = errors.get(name)
            label.setText(tr(msgid) if msgid else "")
            label.setVisible(bool(msgid))
            if msgid and name in self.inputs:
                clear_when_edited(label, self.inputs[name])  # gone at the next edit of its field
        others = [tr(m) for f, m in errors.items() if f not in self.errors]
        if errors:
            self.summary.setText("\n".join([tr("Please correct the marked fields."), *others]))
        self.summary.setVisible(bool(errors))
        if errors:
            clear_when_edited(self.summary, *self.inputs.values())
        for name, widget in self.inputs.items():
            if name in errors:
                widget.setFocus()
                break

    @property
    def warning_box(self) -> QMessageBox | None:
        """The overlap question while it is open."""
        return self._keep[0]

    def _book_group(self, a: Appointment) -> None:
        """A new group appointment books the group's session: every member, each with an agreement."""
        assert a.group_id is not None
        from ...records.group_sessions import AgreementMissing

        try:
            session = self.services.groups.book(a.group_id, a.planned_start, a.planned_end, a.location, a.remarks)
        except AgreementMissing as e:
            self.show_errors({"group_id": tr("No group confidentiality agreement recorded for: {names}. "
                                             "Confidentiality standards are set before the group: record the "
                                             "agreements on the Groups page first.", names=e.names())})
            return
        except ValidationError as e:
            self.show_errors(e.errors)
            return
        except VaultError as e:
            show_error(self, tr("Not saved"), e.message())
            return
        mine = [m for m in self.services.groups.appointments_of(session.id) if m.client_id == a.client_id]
        self.saved = mine[0] if mine else self.services.groups.appointments_of(session.id)[0]
        self.accept()

    def abandon(self) -> None:
        """Close without saving, and any question open over the dialog (the window is locking)."""
        box = self._keep[0]
        if box is not None:
            box.reject()
        self.reject()

    def save(self) -> None:
        a = self.appointment()
        appointments = self.services.appointments
        if a.kind == "group" and a.group_id is None:
            self.show_errors({"group_id": N_("Choose the group.")})
            return
        if a.id is None and a.group_id is not None:
            self._book_group(a)
            return
        errors = appointments.validate(a)
        self.show_errors(errors)
        if errors:
            return
        others = [] if a.cancelled else appointments.overlapping(a)
        if others:
            if not ask_overlap(self, self.services, others, self._keep):
                self.start.setFocus()
                return
        unusual = appointments.unusual(a)
        if unusual and not ask_unusual(self, unusual, self._keep):
            self.start.setFocus()
            return
        try:
            if a.id is None:
                self.saved = appointments.create(a)
            elif self.original is not None and replace(self.original, planned_start=a.planned_start,
                                                       planned_end=a.planned_end) == a:
                self.saved = appointments.move(a.id, a.planned_start, a.planned_end)  # audit says "moved"
            else:
                self.saved = appointments.update(a)
        except ValidationError as e:
            self.show_errors(e.errors)
            return
        except VaultError as e:
            show_error(self, tr("Not saved"), e.message())
            return
        self.accept()
