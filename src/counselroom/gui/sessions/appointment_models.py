"""Qt item models for the appointment book, a client's appointments and the overdue-notes list, and the
date and time wording they share.

Like the other models, they hold plain lists handed to them by the pages and never query anything.
Every cell is plain text.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ... import i18n
from ...i18n import N_, tr
from ...records.appointments import ATTENDANCE_LABELS, KIND_LABELS, Appointment
from ...records.notes import Overdue
from ..common.qt_models import ID_ROLE, RISK_COLOR, RowTableModel

CLIENT_ROLE = Qt.ItemDataRole.UserRole + 3
MUTED = QColor("#6b6b6b")
ATTENDANCE_COLORS = {"attended": QColor("#1b6e20"), "late": QColor("#8a5a00"), "no_show": RISK_COLOR}


def locale() -> QLocale:
    if i18n.language() == "zh_CN":
        return QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


def qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def day_text(d: date) -> str:
    """A short day with its weekday, e.g. 'Mon 9 Mar' / '3月9日 周一'."""
    return locale().toString(qdate(d), tr("ddd d MMM"))


def weekday_text(d: date) -> str:
    return locale().toString(qdate(d), "ddd")


def long_day_text(d: date) -> str:
    return locale().toString(qdate(d), tr("dddd d MMMM yyyy"))


def week_text(monday: date, sunday: date) -> str:
    return tr("Week of {first} to {last}", first=locale().toString(qdate(monday), tr("d MMMM yyyy")),
              last=locale().toString(qdate(sunday), tr("d MMMM yyyy")))


def time_range(start: datetime | None, end: datetime | None) -> str:
    if start is None:
        return ""
    return f"{start:%H:%M}–{end:%H:%M}" if end is not None else f"{start:%H:%M}"


def attendance_text(a: Appointment) -> str:
    text = tr(ATTENDANCE_LABELS.get(a.attendance, a.attendance))
    if a.attendance == "late" and a.minutes_late:
        return tr("{label} ({minutes} min)", label=text, minutes=a.minutes_late)
    return text


def hours_text(hours: float) -> str:
    whole = max(0, int(hours))
    if whole < 1:
        return tr("less than an hour")
    if whole < 48:
        return tr("{hours} h", hours=whole)
    return tr("{days} d {hours} h", days=whole // 24, hours=whole % 24)


class AppointmentTableModel(RowTableModel[Appointment]):
    """Appointments with their clients' display names. `columns` chooses what is shown."""

    HEADERS = {"day": N_("Day"), "date": N_("Date"), "time": N_("Planned"), "client": N_("Client"),
               "kind": N_("Kind"), "attendance": N_("Attendance"), "actual": N_("Actual"),
               "location": N_("Location")}

    def __init__(self, columns: tuple[str, ...], parent: Any = None) -> None:
        super().__init__(parent)
        self.COLUMNS = columns
        self._names: dict[int, str] = {}
        self._risk: set[int] = set()

    def set_appointments(self, appointments: list[Appointment], names: dict[int, str] | None = None,
                         risk: set[int] | None = None) -> None:
        self._names = dict(names or {})
        self._risk = set(risk or ())
        self._set_rows(appointments)

    def clear(self) -> None:
        self.set_appointments([])

    def text(self, a: Appointment, column: str) -> str:
        if column == "day":
            return day_text(a.planned_start.date())
        if column == "date":
            return a.planned_start.strftime("%Y-%m-%d")
        if column == "time":
            return time_range(a.planned_start, a.planned_end)
        if column == "client":
            return self._names.get(a.client_id, f"#{a.client_id}")
        if column == "kind":
            return tr(KIND_LABELS.get(a.kind, a.kind))
        if column == "attendance":
            return attendance_text(a)
        if column == "actual":
            return time_range(a.actual_start, a.actual_end)
        if column == "location":
            return a.location
        return ""

    def cell(self, a: Appointment, column: str, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(a, column)
        if role == ID_ROLE:
            return a.id
        if role == CLIENT_ROLE:
            return a.client_id
        if role == Qt.ItemDataRole.ForegroundRole:
            if a.cancelled:
                return QBrush(MUTED)
            if column == "attendance" and a.attendance in ATTENDANCE_COLORS:
                return QBrush(ATTENDANCE_COLORS[a.attendance])
            if column == "client" and a.client_id in self._risk:
                return QBrush(RISK_COLOR)
        if role == Qt.ItemDataRole.FontRole and a.cancelled:
            font = QFont()
            font.setStrikeOut(column != "attendance")
            return font
        return None


class OverdueTableModel(RowTableModel[Overdue]):
    COLUMNS = ("client", "session", "overdue", "draft")
    HEADERS = {"client": N_("Client"), "session": N_("Session"), "overdue": N_("Overdue by"),
               "draft": N_("Note")}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._names: dict[int, str] = {}

    def set_rows(self, rows: list[Overdue], names: dict[int, str] | None = None) -> None:
        self._names = dict(names or {})
        self._set_rows(rows)

    def clear(self) -> None:
        self.set_rows([])

    def text(self, o: Overdue, column: str) -> str:
        a = o.appointment
        if column == "client":
            return self._names.get(a.client_id, f"#{a.client_id}")
        if column == "session":
            return f"{a.planned_start:%Y-%m-%d} {weekday_text(a.planned_start.date())} " \
                   f"{time_range(a.actual_start or a.planned_start, a.end)}"
        if column == "overdue":
            return hours_text(o.hours_overdue)
        return tr("Draft started") if o.draft_id is not None else tr("Not started")

    def cell(self, o: Overdue, column: str, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(o, column)
        if role == ID_ROLE:
            return o.appointment.id
        if role == CLIENT_ROLE:
            return o.appointment.client_id
        if role == Qt.ItemDataRole.ForegroundRole and column == "overdue":
            return QBrush(RISK_COLOR)
        return None
