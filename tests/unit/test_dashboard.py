"""Every dashboard rule, counted on a real vault: each line counts what it says and names what it opens."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
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
    assert got.count == 1 and [(i.client_id, i.tab) for i in got.items] == [(missing, "consent")]
    v1 = services.consent.template()
    items = tuple(replace(i, texts={**i.texts, "zh_CN": i.texts["zh_CN"] + "（寒暑假不安排咨询。）"})
                  if i.id == "arrangements" else i for i in v1.items)
    services.consent.save_template(replace(v1, items=items))  # a new version: everyone must re-consent
    ids = {i.client_id for i in line(services, "consent").items}
    assert ids == {done, missing}


def test_dependency_alerts_list_the_clients(services: Services, consented_client) -> None:  # type: ignore[no-untyped-def]
    c = consented_client()
    t = services.dependency.thresholds()
    for week in range(t.max_in_window + 1):
        held(services, c, NOW - timedelta(days=3 + 2 * week))
    got = line(services, "dependency")
    assert got.count == 1 and got.items[0].client_id == c and got.items[0].tab == "casework"
    services.dependency.record_review(c, "agreed an ending date", NOW)
    assert line(services, "dependency").count == 0


def test_backup_days_since_the_last_verified_backup(services: Services, tmp_path: Path) -> None:
    never = line(services, "backup")
    assert never.attention and never.section == "backup" and "never" in never.msgid
    (tmp_path / "usb").mkdir()
    make_backup(services.session, tmp_path / "usb")  # verified now
    made = datetime.now(UTC)
    got = services.dashboard.line("backup", made + timedelta(days=5, minutes=1))
    assert got.params == {"days": 5} and not got.attention  # the reminder setting is 7 days
    late = services.dashboard.line("backup", made + timedelta(days=11, minutes=1))
    assert late.params == {"days": 11} and late.attention


def test_a_rule_that_cannot_be_read_says_so_and_the_others_still_show(services: Services,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise DatabaseProblem()

    monkeypatch.setattr(services.dependency, "alerts", broken)
    lines = services.dashboard.lines(NOW)
    failed = [x for x in lines if x.failed]
    assert [x.key for x in failed] == ["dependency"] and failed[0].attention
    assert len(lines) == len(KEYS)
