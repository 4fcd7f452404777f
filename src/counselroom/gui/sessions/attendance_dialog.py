"""Recording what happened at an appointment: attended, late or no-show, with the actual start and end
(which default to the planned times). An attended session that started more than five minutes late is
recorded as late; the dialog says so before it is saved, and asks who was late: the client, the counselor, or
both (issue 12.9: the counselor's own lateness is not the client's, and counts in the counselor's punctuality)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QRadioButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from ...i18n import N_, tr
from ...records.appointments import ATTENDANCE_LABELS, LATE_AFTER, LATE_PARTIES, LATE_PARTY_LABELS, Appointment
from ...records.clients import ValidationError
from ...records.services import Services
from ...vault.errors import VaultError
from ..clients.client_form import ERROR_STYLE, plain_label
from ..common.widgets import save_cancel_buttons, show_error
from .appointment_dialog import error_label, from_qtime, to_qtime, with_error
from .appointment_models import long_day_text, time_range

CHOICES = ("attended", "late", "no_show", "scheduled")
CHOICE_LABELS = {"attended": N_("&Attended"), "late": N_("&Late"), "no_show": N_("&No-show"),
                 "scheduled": N_("Not held &yet (still scheduled)")}


class AttendanceDialog(QDialog):
    """After accept(), `saved` holds the appointment as stored (its attendance may read 'late')."""

    def __init__(self, services: Services, appointment: Appointment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.appointment = appointment
        self.saved: Appointment | None = None
        self.setModal(True)
        self.setWindowTitle(tr("Record attendance"))
        try:
            name = services.clients.get(appointment.client_id).display_name
        except KeyError:
            name = f"#{appointment.client_id}"
        self.heading = plain_label(tr("{client}: {day}, planned {time}", client=name,
                                      day=long_day_text(appointment.planned_start.date()),
                                      time=time_range(appointment.planned_start, appointment.planned_end)))
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)

        self.group = QButtonGroup(self)
        self.choices: dict[str, QRadioButton] = {}
        choice_box = QWidget()
        choice_layout = QVBoxLayout(choice_box)
        choice_layout.setContentsMargins(0, 0, 0, 0)
        for value in CHOICES:
            button = QRadioButton(tr(CHOICE_LABELS[value]))
            button.setAccessibleName(tr(ATTENDANCE_LABELS[value]))
            self.group.addButton(button)
            self.choices[value] = button
            choice_layout.addWidget(button)

        self.actual_start = QTimeEdit()
        self.actual_start.setDisplayFormat("HH:mm")
        self.actual_start.setAccessibleName(tr("Actual start"))
        self.actual_end = QTimeEdit()
        self.actual_end.setDisplayFormat("HH:mm")
        self.actual_end.setAccessibleName(tr("Actual end"))
        self.errors = {"actual_start": error_label("actual_start"), "actual_end": error_label("actual_end")}
        self.hint = plain_label()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #8a5a00;")
        self.hint.setAccessibleName(tr("Lateness"))

        times = QWidget()
        times_layout = QHBoxLayout(times)
        times_layout.setContentsMargins(0, 0, 0, 0)
        start_label = plain_label(tr("&Started"))
        start_label.setBuddy(self.actual_start)
        end_label = plain_label(tr("&Ended"))
        end_label.setBuddy(self.actual_end)
        times_layout.addWidget(start_label)
        times_layout.addWidget(self.actual_start)
        times_layout.addSpacing(self.fontMetrics().averageCharWidth() * 2)
        times_layout.addWidget(end_label)
        times_layout.addWidget(self.actual_end)
        times_layout.addStretch(1)
        error_box = QWidget()
        error_layout = QVBoxLayout(error_box)
        error_layout.setContentsMargins(0, 0, 0, 0)
        error_layout.addWidget(with_error(times, self.errors["actual_start"]))
        error_layout.addWidget(self.errors["actual_end"])
        error_layout.addWidget(self.hint)
        self.late_by = QComboBox()
        self.late_by.setAccessibleName(tr("Who was late"))
        self.late_by.addItem(tr("Choose who was late…"), None)
        for party in LATE_PARTIES:
            self.late_by.addItem(tr(LATE_PARTY_LABELS[party]), party)
        self.late_row = QWidget()
        late_layout = QHBoxLayout(self.late_row)
        late_layout.setContentsMargins(0, 0, 0, 0)
        late_label = plain_label(tr("&Who was late:"))
        late_label.setBuddy(self.late_by)
        late_layout.addWidget(late_label)
        late_layout.addWidget(self.late_by, 1)
        self.errors["late_party"] = error_label("late_party")
        error_layout.addWidget(self.late_row)
        error_layout.addWidget(self.errors["late_party"])

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(plain_label(tr("What happened")), choice_box)
        form.addRow(plain_label(tr("Actual time")), error_box)

        self.summary = plain_label()
        self.summary.setStyleSheet(ERROR_STYLE)
        self.summary.setWordWrap(True)
        self.summary.hide()
        self.buttons, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        order = [*self.choices.values(), self.actual_start, self.actual_end, self.late_by, self.save_button,
                 self.cancel_button]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

        self.resize(max(self.sizeHint().width(), self.fontMetrics().averageCharWidth() * 60),
                    self.sizeHint().height())
        a = appointment
        self.actual_start.setTime(to_qtime((a.actual_start or a.planned_start).time()))
        self.actual_end.setTime(to_qtime((a.actual_end or a.planned_end).time()))
        current = a.attendance if a.attendance in self.choices else "attended"
        if a.attendance == "scheduled":
            current = "attended"
        self.choices[current].setChecked(True)
        if a.late_party is not None:
            self.late_by.setCurrentIndex(max(self.late_by.findData(a.late_party), 0))
        self.group.buttonToggled.connect(self._update)
        self.actual_start.timeChanged.connect(self._update)
        self._update()
        self.choices[current].setFocus()

    def choice(self) -> str:
        return next(v for v, b in self.choices.items() if b.isChecked())

    def times(self) -> tuple[datetime, datetime]:
        day = self.appointment.planned_start.date()
        return (datetime.combine(day, from_qtime(self.actual_start.time())),
                datetime.combine(day, from_qtime(self.actual_end.time())))

    def _update(self, *_: object) -> None:
        held = self.choice() in ("attended", "late")
        self.actual_start.setEnabled(held)
        self.actual_end.setEnabled(held)
        start, _end = self.times()
        late = int((start - self.appointment.planned_start).total_seconds() // 60)
        starts_late = held and start - self.appointment.planned_start > LATE_AFTER
        self.late_row.setVisible(starts_late)
        if starts_late:
            self.hint.setText(tr("Started {minutes} min after the planned time: say who was late. Only the client's "
                                 "lateness is booked as the client's.", minutes=late))
        elif self.choice() == "late" and late <= LATE_AFTER.seconds // 60:
            self.hint.setText(tr("Enter the time the session actually started."))
        else:
            self.hint.setText("")
        self.hint.setVisible(bool(self.hint.text()))

    def save(self) -> None:
        choice = self.choice()
        start, end = self.times() if choice in ("attended", "late") else (None, None)
        try:
            late_by = self.late_by.currentData() if self.late_row.isVisibleTo(self) else None
            self.saved = self.services.appointments.record_attendance(self.appointment.id or 0, choice, start, end,
                                                                      late_by)
        except ValidationError as e:
            for name, label in self.errors.items():
                msgid = e.errors.get(name)
                label.setText(tr(msgid) if msgid else "")
                label.setVisible(bool(msgid))
            others = [tr(m) for f, m in e.errors.items() if f not in self.errors]
            self.summary.setText("\n".join([tr("Please correct the marked fields."), *others]))
            self.summary.show()
            return
        except VaultError as e:
            show_error(self, tr("Not saved"), e.message())
            return
        self.accept()

    def abandon(self) -> None:
        self.reject()

