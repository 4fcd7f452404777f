"""The appointment book: planned and actual times, attendance, punctuality per client.

Times are the room's wall-clock time (naive local datetimes, to the minute): one room, one clock.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..i18n import N_
from ..vault.audit import now_utc
from .clients import ValidationError
from .store import Store

KINDS = ("first", "follow_up", "test", "group")
KIND_LABELS = {"first": N_("First session"), "follow_up": N_("Follow-up"), "test": N_("Test session"),
               "group": N_("Group session")}
ATTENDANCE = ("scheduled", "attended", "late", "no_show", "cancelled_client", "cancelled_counselor")
ATTENDANCE_LABELS = {"scheduled": N_("Scheduled"), "attended": N_("Attended"), "late": N_("Late"),
                     "no_show": N_("No-show"), "cancelled_client": N_("Cancelled by client"),
                     "cancelled_counselor": N_("Cancelled by counselor")}
HELD = ("attended", "late")
# Possible but unusual, so the window asks before saving (a year-old booking was once saved without a word).
UNUSUAL_PAST_DAYS = 31
UNUSUAL_LONG_HOURS = 4
LATE_AFTER = timedelta(minutes=5)
# Who was late when a session started more than LATE_AFTER after its planned time (issue 12.9): the
# counselor's own lateness is not the client's, and the counselor sees their own punctuality.
LATE_PARTIES = ("client", "counselor", "both")
LATE_PARTY_LABELS = {"client": N_("The client"), "counselor": N_("The counselor (me)"),
                     "both": N_("Both the client and the counselor")}
_COLUMNS = ("id", "client_id", "kind", "group_id", "planned_start", "planned_end", "actual_start", "actual_end",
            "attendance", "location", "remarks", "created_at", "updated_at", "late_party", "group_session_id")


def _dt(value: object) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _iso(value: datetime | None) -> str | None:
    return value.replace(second=0, microsecond=0).isoformat(timespec="minutes") if value else None


@dataclass
class Appointment:
    client_id: int
    planned_start: datetime
    planned_end: datetime
    kind: str = "follow_up"
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    attendance: str = "scheduled"
    location: str = ""
    remarks: str = ""
    group_id: int | None = None
    id: int | None = None
    created_at: str = ""
    updated_at: str = ""
    late_party: str | None = None  # who was late: client, counselor, both (None: nobody, or not recorded)
    group_session_id: int | None = None  # a member's place in a group session (records.group_sessions)

    @property
    def held(self) -> bool:
        return self.attendance in HELD

    @property
    def cancelled(self) -> bool:
        return self.attendance.startswith("cancelled")

    @property
    def end(self) -> datetime:
        return self.actual_end or self.planned_end

    @property
    def minutes_late(self) -> int:
        if self.actual_start is None:
            return 0
        return max(0, int((self.actual_start - self.planned_start).total_seconds() // 60))

    @property
    def counselor_late(self) -> bool:
        return self.late_party in ("counselor", "both")

    @property
    def client_late(self) -> bool:
        """The client was late: recorded so, or booked 'late' before who was late was recorded."""
        return self.late_party in ("client", "both") or (self.attendance == "late" and self.late_party is None)


@dataclass(frozen=True)
class CounselorPunctuality:
    """The counselor's own punctuality over a period: sessions held (a group session counts once), how many
    started late because of the counselor, and by how many minutes on average."""
    since: date
    until: date
    held: int
    counselor_late: int
    average_minutes_late: float
    late_sessions: tuple[Appointment, ...] = ()

    @property
    def on_time_rate(self) -> float | None:
        return (self.held - self.counselor_late) / self.held if self.held else None


@dataclass(frozen=True)
class Punctuality:
    planned: int
    attended: int
    late: int
    no_show: int
    cancelled_client: int
    cancelled_counselor: int
    average_minutes_late: float

    @property
    def attendance_rate(self) -> float | None:
        due = self.attended + self.late + self.no_show
        return (self.attended + self.late) / due if due else None

    @property
    def on_time_rate(self) -> float | None:
        held = self.attended + self.late
        return self.attended / held if held else None


def _row(row: tuple[object, ...]) -> Appointment:
    v = dict(zip(_COLUMNS, row, strict=True))
    return Appointment(
        id=int(v["id"]), client_id=int(v["client_id"]), kind=str(v["kind"]),  # type: ignore[call-overload]
        group_id=v["group_id"], planned_start=_dt(v["planned_start"]),  # type: ignore[arg-type]
        planned_end=_dt(v["planned_end"]), actual_start=_dt(v["actual_start"]),  # type: ignore[arg-type]
        actual_end=_dt(v["actual_end"]), attendance=str(v["attendance"]), location=str(v["location"]),
        remarks=str(v["remarks"]), created_at=str(v["created_at"]), updated_at=str(v["updated_at"]),
        late_party=None if v["late_party"] is None else str(v["late_party"]),
        group_session_id=None if v["group_session_id"] is None else int(v["group_session_id"]))  # type: ignore[call-overload]


class AppointmentService:
    def __init__(self, store: Store, now: Callable[[], datetime] = datetime.now) -> None:
        self.store = store
        self.now = now  # local wall-clock time, as appointments are kept

    def _select(self, where: str, args: tuple[object, ...] = (), order: str = "planned_start") -> list[Appointment]:
        sql = f"SELECT {', '.join(_COLUMNS)} FROM appointments WHERE {where} ORDER BY {order}"
        return [_row(r) for r in self.store.conn.execute(sql, args)]

    def get(self, appointment_id: int) -> Appointment:
        found = self._select("id = ?", (appointment_id,))
        if not found:
            raise KeyError(appointment_id)
        return found[0]

    def between(self, start: datetime, end: datetime) -> builtins.list[Appointment]:
        return self._select("planned_start >= ? AND planned_start < ?", (_iso(start), _iso(end)))

    def day(self, day: date) -> builtins.list[Appointment]:
        start = datetime.combine(day, time())
        return self.between(start, start + timedelta(days=1))

    def week(self, any_day: date) -> builtins.list[Appointment]:
        monday = any_day - timedelta(days=any_day.weekday())
        start = datetime.combine(monday, time())
        return self.between(start, start + timedelta(days=7))

    def for_client(self, client_id: int) -> builtins.list[Appointment]:
        return self._select("client_id = ?", (client_id,))

    def validate(self, a: Appointment) -> dict[str, str]:
        errors: dict[str, str] = {}
        if a.kind not in KINDS:
            errors["kind"] = N_("Choose the kind of appointment.")
        if a.attendance not in ATTENDANCE:
            errors["attendance"] = N_("Choose what happened at the appointment.")
        if a.planned_end <= a.planned_start:
            errors["planned_end"] = N_("The appointment must end after it starts.")
        if a.actual_start and a.actual_end and a.actual_end <= a.actual_start:
            errors["actual_end"] = N_("The session must end after it starts.")
        if a.held and a.actual_start is None:
            errors["actual_start"] = N_("Enter when the session actually started.")
        if a.late_party is not None and a.late_party not in LATE_PARTIES:
            errors["late_party"] = N_("Choose who was late.")
        if a.group_id is not None and not a.cancelled:
            errors.update(self._group_errors(a))
        row = self.store.conn.execute("SELECT date_of_birth FROM clients WHERE id = ?", (a.client_id,)).fetchone()
        if row is None:
            errors["client_id"] = N_("Choose a client.")
        elif row[0] and a.planned_start.date() < date.fromisoformat(str(row[0])):
            errors["planned_start"] = N_("The appointment is dated before the client was born.")
        return errors

    def _group_errors(self, a: Appointment) -> dict[str, str]:
        """A group appointment is for a member of the group who has a group confidentiality agreement recorded
        on or before the session's day (room code 5: confidentiality standards are set before the group)."""
        day = a.planned_start.date().isoformat()
        member = self.store.conn.execute(
            "SELECT 1 FROM group_members WHERE group_id = ? AND client_id = ? AND added_on <= ? "
            "AND (removed_on IS NULL OR removed_on > ?)", (a.group_id, a.client_id, day, day)).fetchone()
        if member is None:
            return {"group_id": N_("The client is not a member of this group on that day.")}
        agreed = self.store.conn.execute("SELECT 1 FROM group_agreements WHERE group_id = ? AND client_id = ? "
                                         "AND agreed_on <= ?", (a.group_id, a.client_id, day)).fetchone()
        if agreed is None:
            return {"group_id": N_("This member has no group confidentiality agreement recorded yet. Confidentiality "
                                   "standards are set before the group: record the agreement first (Groups page).")}
        return {}

    def unusual(self, a: Appointment) -> builtins.list[str]:
        """What is possible but unusual about an appointment being saved, for the counselor to confirm."""
        found = []
        now = self.now()
        if a.id is None and a.planned_start < now - timedelta(days=UNUSUAL_PAST_DAYS):
            found.append(N_("It is dated more than a month ago."))
        if a.attendance == "scheduled" and a.planned_end.date() < now.date():  # earlier today is ordinary
            found.append(N_("Its time has passed but it is still booked: you can record what happened (attended, "
                            "late, no-show or cancelled) instead."))
        if a.planned_end - a.planned_start > timedelta(hours=UNUSUAL_LONG_HOURS):
            found.append(N_("It lasts more than four hours."))
        return found

    def overlapping(self, a: Appointment) -> builtins.list[Appointment]:
        """Other live appointments at the same time (a warning: a counselor sees one client at a time)."""
        return [o for o in self._select(
            "planned_start < ? AND planned_end > ? AND id IS NOT ? AND attendance NOT LIKE 'cancelled%'",
            (_iso(a.planned_end), _iso(a.planned_start), a.id)) if a.group_id is None or o.group_id != a.group_id]

    def _values(self, a: Appointment) -> dict[str, object]:
        return {"client_id": a.client_id, "kind": a.kind, "group_id": a.group_id,
                "planned_start": _iso(a.planned_start), "planned_end": _iso(a.planned_end),
                "actual_start": _iso(a.actual_start), "actual_end": _iso(a.actual_end),
                "attendance": a.attendance, "location": a.location.strip(), "remarks": a.remarks.strip(),
                "late_party": a.late_party, "group_session_id": a.group_session_id}

    def create(self, a: Appointment) -> Appointment:
        errors = self.validate(a)
        if errors:
            raise ValidationError(errors)
        values = self._values(a)
        values["created_at"] = values["updated_at"] = now_utc()
        with self.store.write() as conn:
            cols, marks = ", ".join(values), ", ".join("?" * len(values))
            cur = conn.execute(f"INSERT INTO appointments ({cols}) VALUES ({marks})", list(values.values()))
            new_id = int(cur.lastrowid)
            self.store.changed("appointment.created", "appointment", new_id, {"client": a.client_id})
        return self.get(new_id)

    def update(self, a: Appointment, kind: str = "appointment.updated") -> Appointment:
        if a.id is None:
            raise ValueError("update needs a saved appointment")
        errors = self.validate(a)
        if errors:
            raise ValidationError(errors)
        old = self._values(self.get(a.id))
        values = self._values(a)
        changed = [k for k in values if old[k] != values[k]]
        if not changed:
            return self.get(a.id)
        values["updated_at"] = now_utc()
        with self.store.write() as conn:
            conn.execute(f"UPDATE appointments SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                         [*values.values(), a.id])
            self.store.changed(kind, "appointment", a.id, {"fields": changed})
        return self.get(a.id)

    def move(self, appointment_id: int, start: datetime, end: datetime) -> Appointment:
        a = self.get(appointment_id)
        a.planned_start, a.planned_end = start, end
        return self.update(a, "appointment.moved")

    def _has_signed_note(self, appointment_id: int) -> bool:
        row = self.store.conn.execute("SELECT 1 FROM notes WHERE appointment_id = ? AND status = 'signed'",
                                      (appointment_id,)).fetchone()
        return row is not None

    def cancel(self, appointment_id: int, by: str) -> Appointment:
        if by not in ("client", "counselor"):
            raise ValueError(by)
        a = self.get(appointment_id)
        if a.held:
            raise ValidationError({"attendance": N_("This session took place; it cannot be cancelled.")})
        a.attendance = f"cancelled_{by}"
        return self.update(a, "appointment.cancelled")

    @staticmethod
    def starts_late(a: Appointment, actual_start: datetime | None) -> bool:
        """Would this start count as late (more than five minutes after the planned time)?"""
        return actual_start is not None and actual_start - a.planned_start > LATE_AFTER

    def record_attendance(self, appointment_id: int, attendance: str, actual_start: datetime | None = None,
                          actual_end: datetime | None = None, late_by: str | None = None) -> Appointment:
        """Mark what happened. A start more than five minutes late needs `late_by`, who was late: the client
        (the session is booked 'late'), the counselor (the client was on time: 'attended') or both."""
        a = self.get(appointment_id)
        if attendance not in HELD and self._has_signed_note(appointment_id):
            raise ValidationError({"attendance": N_(
                "This session has a signed note, so it took place. Add an addendum to the note if something "
                "about it was wrong.")})
        late = attendance in HELD and self.starts_late(a, actual_start)
        if late and late_by not in LATE_PARTIES:
            raise ValidationError({"late_party": N_(
                "The session started more than five minutes late: say who was late, the client or you.")})
        a.actual_start, a.actual_end = actual_start, actual_end
        a.late_party = late_by if late else None
        if attendance in HELD:
            attendance = "late" if late and late_by in ("client", "both") else "attended"
        a.attendance = attendance
        return self.update(a, "appointment.attendance")

    def counselor_punctuality(self, since: date, until: date) -> CounselorPunctuality:
        """The counselor's own punctuality for the sessions held from `since` to `until` (both included)."""
        held = self._select(f"attendance IN ({', '.join('?' * len(HELD))}) AND planned_start >= ? "
                            "AND planned_start < ?",
                            (*HELD, since.isoformat(), (until + timedelta(days=1)).isoformat()))
        seen: set[object] = set()
        sessions: builtins.list[Appointment] = []
        for a in held:  # a group session counts once, late if the counselor was late for it
            key = ("group", a.group_session_id) if a.group_session_id is not None else ("one", a.id)
            if key in seen:
                if a.counselor_late and not any(s.group_session_id == a.group_session_id for s in sessions
                                                if s.counselor_late):
                    sessions = [s for s in sessions if s.group_session_id != a.group_session_id] + [a]
                continue
            seen.add(key)
            sessions.append(a)
        late = [a for a in sessions if a.counselor_late]
        minutes = [a.minutes_late for a in late]
        return CounselorPunctuality(since, until, len(sessions), len(late),
                                    sum(minutes) / len(minutes) if minutes else 0.0,
                                    tuple(sorted(late, key=lambda x: x.planned_start)))

    def counselor_punctuality_counts(self, since: date, until: date) -> CounselorPunctuality:
        """What `counselor_punctuality` counts (held, late, average minutes late; no late sessions listed), in
        one SQL statement for the dashboard's line: a group session counts once, late with the minutes of its
        first appointment the counselor was late for (as the full reading keeps it)."""
        held = ", ".join("?" * len(HELD))
        row = self.store.conn.execute(
            "WITH a AS (SELECT id, planned_start, coalesce('g' || group_session_id, 'o' || id) AS k, "
            "late_party IN ('counselor', 'both') AS late, "
            "max(0, coalesce((unixepoch(actual_start) - unixepoch(planned_start)) / 60, 0)) AS m "
            f"FROM appointments WHERE attendance IN ({held}) AND planned_start >= ? AND planned_start < ?), "
            "l AS (SELECT m, row_number() OVER (PARTITION BY k ORDER BY planned_start, id) AS n FROM a WHERE late) "
            "SELECT (SELECT count(DISTINCT k) FROM a), (SELECT count(*) FROM l WHERE n = 1), "
            "(SELECT avg(m) FROM l WHERE n = 1)",
            (*HELD, since.isoformat(), (until + timedelta(days=1)).isoformat())).fetchone()
        return CounselorPunctuality(since, until, int(row[0]), int(row[1]), float(row[2] or 0.0))

    def punctuality(self, client_id: int, until: datetime | None = None) -> Punctuality:
        until = until or datetime.now()
        past = [a for a in self.for_client(client_id) if a.planned_start <= until]
        counts = {k: sum(1 for a in past if a.attendance == k) for k in ATTENDANCE}
        lates = [a.minutes_late for a in past if a.attendance == "late"]  # 'late' is the client's lateness
        return Punctuality(planned=len(past), attended=counts["attended"], late=counts["late"],
                           no_show=counts["no_show"], cancelled_client=counts["cancelled_client"],
                           cancelled_counselor=counts["cancelled_counselor"],
                           average_minutes_late=sum(lates) / len(lates) if lates else 0.0)
