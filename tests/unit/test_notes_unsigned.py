"""The overdue-notes rule reads only the held sessions not yet signed (`notes_unsigned`, kept by the vault's
triggers: vault/schema_perf5.py). Whatever path writes an appointment or a note, the rule must find what a
walk over every held session finds (the rule as it was before the table): checked here after each step."""

from __future__ import annotations

import json
import random
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from unittest.mock import patch

from counselroom.records import demo
from counselroom.records.appointments import HELD, Appointment
from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault.vault import Vault
from retention_records import fill_case_file

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "vaults"


def _walk(services: Services) -> set[int]:
    """Every held session whose note is missing or a draft, found the long way."""
    rows = services.store.conn.execute(
        f"SELECT a.id FROM appointments a WHERE a.attendance IN ({', '.join('?' * len(HELD))}) "
        "AND a.group_session_id IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM notes n WHERE n.appointment_id = a.id AND n.status = 'signed')", HELD)
    return {int(r[0]) for r in rows}


def _kept(services: Services) -> set[int]:
    return {int(r[0]) for r in services.store.conn.execute("SELECT appointment_id FROM notes_unsigned")}


def _overdue(services: Services, now: datetime) -> list[int]:
    return [o.appointment.id or 0 for o in services.notes.overdue(now, hours=0)]


def test_the_table_follows_booking_attendance_signing_and_deleting(services: Services) -> None:
    with patch.dict(demo.SIZES, {"n12": 12}):
        demo.populate(services, "n12", seed=5)
    now = datetime.now() + timedelta(days=1)
    assert _kept(services) == _walk(services) and _overdue(services, now)
    rng = random.Random(11)
    client = services.clients.create(Client(code="Z-1"))
    assert client.id is not None
    services.consent.record_signed(client.id, date(2015, 1, 1), guardian_name="监护人")
    start = datetime.combine(date.today() - timedelta(days=3), datetime.min.time()).replace(hour=8)
    booked = []
    for i in range(8):  # booked, then held, missed, held again, late
        a = services.appointments.create(Appointment(client.id, start + timedelta(hours=i),
                                                     start + timedelta(hours=i, minutes=50)))
        assert a.id is not None
        booked.append(a.id)
    assert _kept(services) == _walk(services)
    for appointment_id in booked:
        a = services.appointments.get(appointment_id)
        for attendance in rng.sample(["attended", "no_show", "attended", "cancelled_client"], 3) + ["attended"]:
            if attendance in HELD:
                services.appointments.record_attendance(appointment_id, attendance, a.planned_start, a.planned_end)
            else:
                services.appointments.record_attendance(appointment_id, attendance)
            assert _kept(services) == _walk(services), (appointment_id, attendance)
    for appointment_id in booked[:5]:
        note = services.notes.create_draft(client.id, appointment_id=appointment_id)
        assert note.id is not None
        services.notes.save_draft(note.id, {"concerns": "x"})
        assert appointment_id in _kept(services)  # a draft is not a note written
        if appointment_id in booked[:3]:
            services.notes.sign(note.id, "me")
        else:
            services.notes.delete_draft(note.id)
        assert _kept(services) == _walk(services)
    assert not set(booked[:3]) & set(_overdue(services, now))
    assert set(booked[3:]) <= set(_overdue(services, now))
    assert sorted(_overdue(services, now)) == sorted(_walk(services))


def test_a_group_sessions_member_appointments_are_never_kept(services: Services, consented_client) -> None:  # type: ignore[no-untyped-def]
    """Their one note is the group's (issue 12.5): held, they are not a member's overdue note."""
    ids = [consented_client("G-1"), consented_client("G-2")]
    group = services.consent.create_group("团体 group")
    for client_id in ids:
        services.consent.add_member(group.id, client_id, date.today() - timedelta(days=30))
        services.consent.record_agreement(group.id, client_id, date.today() - timedelta(days=20))
    start = datetime.combine(date.today() - timedelta(days=7), datetime.min.time()).replace(hour=15)
    session = services.groups.book(group.id, start, start + timedelta(minutes=90))
    for client_id in ids:
        services.groups.record_attendance(session.id, client_id, "attended", start, start + timedelta(minutes=90))
    held = {a.id for a in services.groups.appointments_of(session.id) if a.held}
    assert len(held) == 2 and not held & _kept(services)
    assert _kept(services) == _walk(services) and not held & set(_overdue(services, datetime.now()))


def test_destroying_a_case_file_takes_its_sessions_out(services: Services) -> None:
    cid = fill_case_file(services, "A-1", "zqxalpha", date(2019, 6, 1))
    start = datetime(2019, 4, 1, 9)
    a = services.appointments.create(Appointment(cid, start, start + timedelta(minutes=50)))
    assert a.id is not None
    services.appointments.record_attendance(a.id, "attended", start, start + timedelta(minutes=50))
    assert a.id in _kept(services) and a.id in _overdue(services, datetime.now())
    item = next(i for i in services.retention.past_retention(date.today())
                if (i.client_code, i.kind) == ("A-1", "case_file"))
    services.retention.destroy([item], "A-1", passphrase_ok=True)
    assert _kept(services) == _walk(services) == set()
    assert _overdue(services, datetime.now()) == []


def test_a_vault_of_schema_4_is_given_its_unsigned_sessions(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "v4", tmp_path / "vault")
    facts = json.loads((tmp_path / "vault" / "fixture.json").read_text("utf-8"))
    with Vault(tmp_path / "vault", tmp_path / "state").unlock(facts["passphrase"]) as session:
        services = Services.open(session)
        assert _kept(services) == _walk(services)
        assert sorted(_overdue(services, datetime.now() + timedelta(days=1))) == sorted(_walk(services))
