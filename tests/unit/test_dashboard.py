"""Every dashboard rule, counted on a real vault: each line counts what it says and names what it opens."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from counselroom.records.appointments import Appointment
from counselroom.records.clients import Client
from counselroom.records.dashboard import KEYS, DashboardLine
from counselroom.records.services import Services
from counselroom.vault.backup import make_backup
from counselroom.vault.errors import DatabaseProblem

NOW = datetime(2026, 11, 25, 12, 0)


def line(services: Services, key: str, now: datetime = NOW) -> DashboardLine:
    return services.dashboard.line(key, now)


def held(services: Services, client_id: int, start: datetime) -> int:
    a = services.appointments.create(Appointment(client_id, start, start + timedelta(hours=1)))
    assert a.id
    services.appointments.record_attendance(a.id, "attended", start, start + timedelta(hours=1))
    return a.id


def test_every_line_is_there_in_order_on_an_empty_vault(services: Services) -> None:
    lines = services.dashboard.lines(NOW)
    assert [x.key for x in lines] == list(KEYS)
    assert not any(x.failed for x in lines)
    quiet = {x.key for x in lines if not x.attention}
    assert quiet >= {"appointments", "notes", "consent", "dependency"}
    assert [x.key for x in lines if x.attention] == ["backup"]  # never backed up


def test_todays_appointments_count_booked_not_cancelled_and_open_the_book(services: Services,
                                                                           consented_client) -> None:  # type: ignore[no-untyped-def]
    c = consented_client()
    for hour in (9, 11, 14):
        services.appointments.create(Appointment(c, NOW.replace(hour=hour), NOW.replace(hour=hour + 1)))
    cancelled = services.appointments.create(Appointment(c, NOW.replace(hour=16), NOW.replace(hour=17)))
    services.appointments.cancel(cancelled.id or 0, "client")
    services.appointments.create(Appointment(c, NOW.replace(hour=9) + timedelta(days=1),
                                             NOW.replace(hour=10) + timedelta(days=1)))
    got = line(services, "appointments")
    assert got.count == 3 and got.params == {"count": 3} and got.section == "appointments"


def test_overdue_notes_follow_the_notes_rule(services: Services, consented_client) -> None:  # type: ignore[no-untyped-def]
    c = consented_client()
    held(services, c, NOW - timedelta(days=5))
    held(services, c, NOW - timedelta(hours=3))  # within the 48 hours
    got = line(services, "notes")
    assert got.count == 1 and got.attention and got.section == "overdue"
    services.settings.set("notes.overdue_hours", 1)
    assert line(services, "notes").count == 2


def test_consent_missing_or_out_of_date_lists_the_clients(services: Services, consented_client) -> None:  # type: ignore[no-untyped-def]
    done = consented_client("C-1")
    missing = services.clients.create(Client(code="C-2")).id
    services.clients.create(Client(code="C-3", status="closed"))  # a closed case needs no consent
    got = line(services, "consent")
    assert got.count == 1 and [(i.client_id, i.tab) for i in got.load_items()] == [(missing, "consent")]
    v1 = services.consent.template()
    items = tuple(replace(i, texts={**i.texts, "zh_CN": i.texts["zh_CN"] + "（寒暑假不安排咨询。）"})
                  if i.id == "arrangements" else i for i in v1.items)
    services.consent.save_template(replace(v1, items=items))  # a new version: everyone must re-consent
    ids = {i.client_id for i in line(services, "consent").load_items()}
    assert ids == {done, missing}


def test_dependency_alerts_list_the_clients(services: Services, consented_client) -> None:  # type: ignore[no-untyped-def]
    c = consented_client()
    t = services.dependency.thresholds()
    for week in range(t.max_in_window + 1):
        held(services, c, NOW - timedelta(days=3 + 2 * week))
    got = line(services, "dependency")
    assert got.count == 1 and got.load_items()[0].client_id == c and got.load_items()[0].tab == "casework"
    services.dependency.record_review(c, "agreed an ending date", NOW)
    assert line(services, "dependency").count == 0


def test_backup_days_since_the_last_verified_backup(services: Services, tmp_path: Path) -> None:
    never = line(services, "backup")
    assert never.attention and never.section == "backup" and "never" in never.msgid
    (tmp_path / "usb").mkdir()
    make_backup(services.session, tmp_path / "usb", same_disk_ok=True)  # verified now
    made = datetime.now(UTC)
    got = services.dashboard.line("backup", made + timedelta(days=5, minutes=1))
    assert got.params == {"days": 5} and not got.attention  # the reminder setting is 7 days
    late = services.dashboard.line("backup", made + timedelta(days=11, minutes=1))
    assert late.params == {"days": 11} and late.attention


def test_a_rule_that_cannot_be_read_says_so_and_the_others_still_show(services: Services,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise DatabaseProblem()

    monkeypatch.setattr(services.dependency, "alerts", broken)  # the items, read when the line is opened
    monkeypatch.setattr(services.dependency, "count_alerts", broken)  # the line's count
    lines = services.dashboard.lines(NOW)
    failed = [x for x in lines if x.failed]
    assert [x.key for x in failed] == ["dependency"] and failed[0].attention
    assert len(lines) == len(KEYS)


def test_tests_missing_their_explanation_or_feedback(services: Services, consented_client) -> None:  # type: ignore[no-untyped-def]
    c = consented_client()
    tests = services.psychtests
    answers = dict.fromkeys(range(1, 10), 1)
    done = tests.record_completed(c, "phq9", answers, "Explained what PHQ-9 asks and why.", NOW - timedelta(days=3),
                                  feedback="Talked the result through.", feedback_at=NOW - timedelta(days=3))
    no_feedback = tests.record_completed(c, "gad7", dict.fromkeys(range(1, 8), 0), "Explained GAD-7.",
                                         NOW - timedelta(days=2))
    no_explanation = tests.start(c, "phq9")  # begun without the explanation being recorded
    got = line(services, "tests")
    assert got.count == 2 and got.attention and got.section is None
    assert {(i.client_id, i.tab) for i in got.load_items()} == {(c, "tests")}
    whats = sorted(i.msgid for i in got.load_items())
    assert whats == ["{instrument}: no explanation recorded before the test",
                     "{instrument}: no feedback recorded after the test"]
    assert {i.params["instrument"] for i in got.load_items()} == {"PHQ-9", "GAD-7"}
    tests.record_feedback(no_feedback.id, "Went through the result and what it does not mean.")
    tests.record_explanation(no_explanation.id, "Explained content and purpose.")
    assert line(services, "tests").count == 0 and done.id


def test_risk_flags_without_a_safety_plan_or_past_their_review(services: Services) -> None:
    risk = services.risk
    today = NOW.date()
    ids = [services.clients.create(Client(code=f"R-{n}")).id or 0 for n in range(3)]
    no_plan, overdue, fine = ids
    for client_id in ids:
        risk.raise_flag(client_id, "thoughts of self-harm reported", today - timedelta(days=6),
                        today - timedelta(days=20))
    from counselroom.records.risk import SafetyPlanContent

    plan = SafetyPlanContent(warning_signs=("can't sleep",), coping_steps=("walk by the lake",))
    risk.save_safety_plan(overdue, plan, today=today - timedelta(days=20))
    risk.save_safety_plan(fine, plan, today=today - timedelta(days=20))
    risk.review_flag(fine, "calmer; plan in use", today + timedelta(days=10), today - timedelta(days=1))
    got = line(services, "risk")
    assert got.count == 2 and got.attention
    by_client = {i.client_id: i for i in got.load_items()}
    assert set(by_client) == {no_plan, overdue} and all(i.tab == "risk" for i in got.load_items())
    assert by_client[no_plan].msgid == "No safety plan; review was due {date}"
    assert by_client[overdue].msgid == "Flag review was due {date}"
    assert by_client[overdue].params == {"date": (today - timedelta(days=6)).isoformat()}


def test_referrals_awaiting_follow_up(services: Services) -> None:
    from counselroom.records.referrals import ReferralDraft

    today = NOW.date()
    c = services.clients.create(Client(code="F-1")).id or 0
    due = services.referrals.create(c, ReferralDraft(today - timedelta(days=20), "beyond_competence",
                                                     institution="市精神卫生中心", follow_up_on=today), today)
    services.referrals.create(c, ReferralDraft(today - timedelta(days=2), "medical_assessment",
                                               institution="校医院", follow_up_on=today + timedelta(days=5)), today)
    got = line(services, "referrals")
    assert got.count == 1 and got.load_items()[0].tab == "referrals"
    assert got.load_items()[0].params == {"recipient": "市精神卫生中心", "date": today.isoformat()}
    services.referrals.record_outcome(due.id, "attended", "first appointment kept", today, today=today)
    assert line(services, "referrals").count == 0


def test_training_hours_this_year_against_the_target(services: Services) -> None:
    services.training.add(date(2026, 3, 2), "course", "CBT for insomnia", "12.5", today=NOW.date())
    services.training.add(date(2026, 10, 9), "supervision_individual", "case supervision", 2, today=NOW.date())
    services.training.add(date(2025, 12, 30), "conference", "last year's conference", 8, today=NOW.date())
    got = line(services, "training")
    assert got.msgid == "Training this year: {hours} of {target} hours"
    assert got.params == {"hours": "14.5", "target": "40"} and got.section == "training"
    services.training.set_target(None)
    assert line(services, "training").params == {"hours": "14.5"}


def test_records_past_retention(services: Services) -> None:
    today = NOW.date()
    old = services.clients.create(Client(code="OLD-1", status="active")).id or 0
    recent = services.clients.create(Client(code="NEW-1", status="active")).id or 0
    services.closures.close(old, "goals_met", "sleep back to normal", today - timedelta(days=3 * 366 + 2))
    services.closures.close(recent, "goals_met", "exams over", today - timedelta(days=30))
    got = line(services, "retention")
    assert got.count == 1 and got.attention and got.section == "retention"
