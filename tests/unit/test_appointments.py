from datetime import date, datetime, timedelta

import pytest

from counselroom.records.appointments import Appointment
from counselroom.records.casework import Thresholds
from counselroom.records.clients import Client, ValidationError
from counselroom.records.services import Services


@pytest.fixture
def client_id(services: Services) -> int:
    c = services.clients.create(Client(code="A-1", name="刘洋"))
    assert c.id
    services.consent.record_signed(c.id, date(2015, 1, 1), guardian_name="监护人")
    return c.id


def book(services: Services, client_id: int, start: datetime, minutes: int = 50, **kw: object) -> int:
    a = services.appointments.create(Appointment(client_id, start, start + timedelta(minutes=minutes), **kw))  # type: ignore[arg-type]
    assert a.id
    return a.id


def test_create_move_cancel_and_views(services: Services, client_id: int) -> None:
    monday = datetime(2026, 11, 23, 9)
    first = book(services, client_id, monday, kind="first")
    second = book(services, client_id, monday + timedelta(days=2, hours=5))
    book(services, client_id, monday + timedelta(days=7))  # next week
    assert [a.id for a in services.appointments.day(date(2026, 11, 23))] == [first]
    assert [a.id for a in services.appointments.week(date(2026, 11, 26))] == [first, second]
    moved = services.appointments.move(second, monday + timedelta(hours=3), monday + timedelta(hours=4))
    assert moved.planned_start == monday + timedelta(hours=3)
    assert [a.id for a in services.appointments.day(date(2026, 11, 23))] == [first, second]
    cancelled = services.appointments.cancel(first, "client")
    assert cancelled.attendance == "cancelled_client" and cancelled.cancelled
    kinds = [e.kind for e in services.audit.entries(kinds=["appointment.moved", "appointment.cancelled"])]
    assert kinds == ["appointment.cancelled", "appointment.moved"]


def test_validation_and_overlap_warning(services: Services, client_id: int) -> None:
    start = datetime(2026, 11, 23, 9)
    with pytest.raises(ValidationError) as e:
        services.appointments.create(Appointment(client_id, start, start))
    assert "planned_end" in e.value.errors
    with pytest.raises(ValidationError):
        services.appointments.create(Appointment(9999, start, start + timedelta(hours=1)))
    book(services, client_id, start)
    clash = Appointment(client_id, start + timedelta(minutes=30), start + timedelta(minutes=80))
    assert len(services.appointments.overlapping(clash)) == 1
    assert services.appointments.overlapping(Appointment(client_id, start + timedelta(hours=1),
                                                         start + timedelta(hours=2))) == []


def test_attendance_and_punctuality(services: Services, client_id: int) -> None:
    base = datetime(2026, 10, 5, 14)
    ids = [book(services, client_id, base + timedelta(weeks=i)) for i in range(6)]
    services.appointments.record_attendance(ids[0], "attended", base, base + timedelta(minutes=50))
    late = services.appointments.record_attendance(ids[1], "attended", base + timedelta(weeks=1, minutes=12),
                                                   base + timedelta(weeks=1, minutes=50), late_by="client")
    assert late.attendance == "late" and late.minutes_late == 12
    services.appointments.record_attendance(ids[2], "no_show")
    services.appointments.cancel(ids[3], "counselor")
    services.appointments.cancel(ids[4], "client")
    with pytest.raises(ValidationError):
        services.appointments.record_attendance(ids[5], "attended")  # no actual start
    p = services.appointments.punctuality(client_id, until=datetime(2026, 12, 1))
    assert (p.planned, p.attended, p.late, p.no_show, p.cancelled_client, p.cancelled_counselor) == (6, 1, 1, 1, 1, 1)
    assert p.attendance_rate == pytest.approx(2 / 3) and p.on_time_rate == 0.5 and p.average_minutes_late == 12


def test_dependency_alerts_and_review(services: Services, client_id: int) -> None:
    services.dependency.set_thresholds(Thresholds(window_weeks=4, max_in_window=3, max_total=5))
    now = datetime(2026, 11, 30, 12)
    for i in range(4):  # four held sessions in the last four weeks: more than 3
        start = now - timedelta(days=3 + 6 * i)
        a = book(services, client_id, start)
        services.appointments.record_attendance(a, "attended", start, start + timedelta(minutes=50))
    alerts = services.dependency.alerts(now)
    assert [(a.client_id, a.in_window, a.total, a.reasons) for a in alerts] == [(client_id, 4, 4, ["window"])]
    with pytest.raises(ValidationError):
        services.dependency.record_review(client_id, "  ", now)
    services.dependency.record_review(client_id, "Discussed spacing sessions; moving to fortnightly.", now)
    assert services.dependency.alerts(now) == []
    assert services.dependency.alerts(now + timedelta(weeks=5)) == []  # the window has passed: fewer now
    for i in range(2):  # the total climbs past 5 later on
        start = now + timedelta(weeks=6 + 2 * i)
        a = book(services, client_id, start)
        services.appointments.record_attendance(a, "attended", start, start + timedelta(minutes=50))
    later = services.dependency.alerts(now + timedelta(weeks=9))
    assert [a.reasons for a in later] == [["total"]]


def test_case_closure_and_reopening(services: Services, client_id: int) -> None:
    with pytest.raises(ValidationError) as e:
        services.closures.close(client_id, "bored", "")
    assert set(e.value.errors) == {"reason", "summary"}
    services.closures.close(client_id, "client_ended", "Client chose to stop after exams.", date(2026, 11, 1))
    assert services.clients.get(client_id).status == "closed"
    with pytest.raises(ValidationError):
        services.closures.close(client_id, "other", "again")
    services.closures.reopen(client_id)
    assert services.clients.get(client_id).status == "active"
    history = services.closures.history(client_id)
    assert [(h.reason, h.reopened_at is not None) for h in history] == [("client_ended", True)]
    assert [e.kind for e in services.audit.entries(limit=2)] == ["case.reopened", "case.closed"]


def test_a_session_that_took_place_cannot_be_cancelled_or_undone_once_its_note_is_signed(
        services: Services, client_id: int) -> None:
    start = datetime(2026, 11, 2, 10)
    a = book(services, client_id, start)
    services.appointments.record_attendance(a, "attended", start, start + timedelta(minutes=50))
    with pytest.raises(ValidationError):
        services.appointments.cancel(a, "client")
    note = services.notes.create_draft(client_id, appointment_id=a)
    assert note.id
    services.notes.save_draft(note.id, {"concerns": "x"})
    services.appointments.record_attendance(a, "no_show")  # a draft only: still correctable
    services.appointments.record_attendance(a, "attended", start, start + timedelta(minutes=50))
    services.notes.sign(note.id, "me")
    with pytest.raises(ValidationError):
        services.appointments.record_attendance(a, "no_show")
    assert services.appointments.get(a).attendance == "attended"


def test_overdue_hours_come_from_the_setting(services: Services, client_id: int) -> None:
    start = datetime.now().replace(second=0, microsecond=0) - timedelta(hours=30)
    a = book(services, client_id, start)
    services.appointments.record_attendance(a, "attended", start, start + timedelta(minutes=50))
    assert services.notes.overdue_hours() == 48 and services.notes.overdue() == []
    services.settings.set("notes.overdue_hours", 24)
    assert [o.appointment.id for o in services.notes.overdue()] == [a]


def test_reopening_restores_the_status_before_closure_and_dates_are_not_in_the_future(
        services: Services, client_id: int) -> None:
    c = services.clients.get(client_id)
    c.status = "referred"
    services.clients.update(c)
    with pytest.raises(ValidationError):
        services.closures.close(client_id, "referred", "Referred to the hospital.", date.today() + timedelta(days=1))
    services.closures.close(client_id, "referred", "Referred to the hospital.")
    services.closures.reopen(client_id)
    assert services.clients.get(client_id).status == "referred"


def test_dependency_counts_below_the_thresholds(services: Services, client_id: int) -> None:
    now = datetime(2026, 11, 30, 12)
    for i in range(2):
        start = now - timedelta(days=3 + 40 * i)
        a = book(services, client_id, start)
        services.appointments.record_attendance(a, "attended", start, start + timedelta(minutes=50))
    assert services.dependency.counts(client_id, now) == (1, 2)
    assert services.dependency.alerts(now) == []


def test_dependency_alerts_are_about_open_cases_only(services: Services, client_id: int) -> None:
    """Issue 12.10: a case closed in 2017 was on today's list of dependency alerts."""
    services.dependency.set_thresholds(Thresholds(window_weeks=4, max_in_window=3, max_total=5))
    start = datetime(2016, 9, 1, 10)
    for i in range(8):  # eight held sessions in 2016-2017: over the total limit
        at = start + timedelta(weeks=2 * i)
        a = book(services, client_id, at)
        services.appointments.record_attendance(a, "attended", at, at + timedelta(minutes=50))
    now = datetime(2026, 12, 4, 9)
    assert [a.client_id for a in services.dependency.alerts(now)] == [client_id]  # open: alerted
    services.closures.close(client_id, "goals_met", "Goals reached; ended by agreement.", date(2017, 3, 1))
    assert services.dependency.alerts(now) == []
    assert services.dependency.alerts(now, client_id=client_id) == []
    assert services.dependency.counts(client_id, now) == (0, 8)  # the history itself stays
