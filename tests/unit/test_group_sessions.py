"""Issue 12.5: a real group session. The group's booking with its roster (one appointment per member, so
attendance and lateness are per member), one group note kept with the session and not in any member's file,
booking and the group note refused until every member's confidentiality agreement is recorded, and a member's
export that carries group notes only when chosen, with the other members' names and codes replaced."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from counselroom.records.appointments import Appointment
from counselroom.records.clients import ValidationError
from counselroom.records.exports import Basis, ExportContents
from counselroom.records.group_sessions import AgreementMissing, replace_names
from counselroom.records.services import Services
from counselroom.vault.errors import VaultError

TODAY = date.today()


@pytest.fixture
def group(services: Services, consented_client):  # type: ignore[no-untyped-def]
    ids = [consented_client("G-1", name="张小明"), consented_client("G-2", name="李华"),
           consented_client("G-3", name="Emily Chen")]
    g = services.consent.create_group("考试焦虑团体 Exam stress group")
    for client_id in ids:
        services.consent.add_member(g.id, client_id, TODAY - timedelta(days=30))
    return g.id, ids


def _agree_all(services: Services, group_id: int, ids: list[int]) -> None:
    for client_id in ids:
        services.consent.record_agreement(group_id, client_id, TODAY - timedelta(days=20))


def _session_start() -> datetime:
    return datetime.combine(TODAY - timedelta(days=7), time(15, 0))


def test_booking_is_refused_until_every_member_has_a_confidentiality_agreement(
        services: Services, group) -> None:  # type: ignore[no-untyped-def]
    group_id, ids = group
    start = _session_start()
    services.consent.record_agreement(group_id, ids[0], TODAY - timedelta(days=20))
    with pytest.raises(AgreementMissing) as caught:
        services.groups.book(group_id, start, start + timedelta(minutes=90))
    assert {m.client_id for m in caught.value.members} == {ids[1], ids[2]} and "李华" in caught.value.names()
    assert services.groups.sessions(group_id) == []
    # one member's own group appointment is refused too (the appointment dialog sets the group)
    with pytest.raises(ValidationError) as refused:
        services.appointments.create(Appointment(ids[1], start, start + timedelta(minutes=90), kind="group",
                                                 group_id=group_id))
    assert "group_id" in refused.value.errors
    _agree_all(services, group_id, ids[1:])
    session = services.groups.book(group_id, start, start + timedelta(minutes=90), "团辅室")
    roster = services.groups.appointments_of(session.id)
    assert sorted(a.client_id for a in roster) == sorted(ids)
    assert all(a.kind == "group" and a.group_id == group_id and a.group_session_id == session.id for a in roster)
    assert services.appointments.overlapping(roster[0]) == []  # members of one session do not clash


def test_attendance_per_member_and_one_group_note_kept_with_the_group(services: Services, group) -> None:  # type: ignore[no-untyped-def]
    group_id, ids = group
    _agree_all(services, group_id, ids)
    start = _session_start()
    session = services.groups.book(group_id, start, start + timedelta(minutes=90))
    services.groups.record_attendance(session.id, ids[0], "attended", start, start + timedelta(minutes=90))
    late = services.groups.record_attendance(session.id, ids[1], "attended", start + timedelta(minutes=15),
                                             start + timedelta(minutes=90), late_by="client")
    services.groups.record_attendance(session.id, ids[2], "no_show")
    assert late.attendance == "late"
    member_appointment = next(a for a in services.groups.appointments_of(session.id) if a.client_id == ids[0])
    with pytest.raises(ValidationError) as caught:  # not a note in a member's file
        services.notes.create_draft(ids[0], "group", appointment_id=member_appointment.id)
    assert "group" in caught.value.errors["appointment_id"]
    assert services.notes.overdue(datetime.now()) == []  # the members' files owe no note for it
    assert [s.id for s in services.groups.overdue_notes(datetime.now())] == [session.id]
    assert services.dashboard.line("group_notes").count == 1
    note = services.groups.start_note(session.id)
    with pytest.raises(ValidationError):
        services.groups.start_note(session.id)
    services.groups.save_note_draft(note.id, {"theme": "考试焦虑的应对",
                                              "members": "张小明分享了失眠；李华迟到，Emily Chen 缺席。"})
    signed = services.groups.sign_note(note.id, "林晓雯")
    assert signed.is_signed and services.groups.verify_note(note.id)
    assert services.groups.overdue_notes(datetime.now()) == []
    for client_id in ids:
        assert services.notes.for_client(client_id) == []  # nothing in any member's file
    with pytest.raises(VaultError), services.store.write() as conn:
        conn.execute("UPDATE group_notes SET content = '{}'")
    kinds = [e.kind for e in services.audit.entries()]
    assert "group.session_booked" in kinds and "group.note_signed" in kinds


def test_the_group_note_waits_for_an_agreement_of_a_member_added_later(services: Services, group) -> None:  # type: ignore[no-untyped-def]
    group_id, ids = group
    _agree_all(services, group_id, ids)
    start = _session_start()
    session = services.groups.book(group_id, start, start + timedelta(minutes=90))
    with services.store.write() as conn:  # an agreement lost (as from a vault before this rule): the note waits
        conn.execute("INSERT INTO disposal_guard (id) VALUES (1)")
        conn.execute("DELETE FROM group_agreements WHERE client_id = ?", (ids[2],))
        conn.execute("DELETE FROM disposal_guard")
    with pytest.raises(AgreementMissing):
        services.groups.start_note(session.id)
    services.consent.record_agreement(group_id, ids[2], start.date() - timedelta(days=1))
    assert services.groups.start_note(session.id).id


def test_a_members_export_carries_group_notes_only_when_chosen_and_with_other_names_replaced(
        services: Services, group) -> None:  # type: ignore[no-untyped-def]
    group_id, ids = group
    _agree_all(services, group_id, ids)
    start = _session_start()
    session = services.groups.book(group_id, start, start + timedelta(minutes=90))
    for client_id in ids:
        services.groups.record_attendance(session.id, client_id, "attended", start, start + timedelta(minutes=90))
    note = services.groups.start_note(session.id)
    services.groups.save_note_draft(note.id, {"members": "张小明 talked about sleep; 李华 (G-2) and emily chen "
                                                         "listened."})
    services.groups.sign_note(note.id, "林晓雯")
    basis = Basis.exceptional("danger_self", "来访者有自伤计划，需要转介医院。")
    plain = services.exports.plan_export(ids[0], basis, ExportContents(letter_text="转介信"))
    assert plain.group_notes == []
    chosen = ExportContents(include_notes=False, include_group_notes=True)
    plan = services.exports.plan_export(ids[0], basis, chosen)
    assert plan.group_notes == [note.id]
    sections = services.groups.export_sections(ids[0], chosen, "en")
    text = "\n".join(sections[0].lines)
    assert "张小明" in text  # the member's own name stays
    assert "李华" not in text and "G-2" not in text and "emily chen" not in text.lower()
    assert "[another member A]" in text and "[another member B]" in text
    outside = ExportContents(include_notes=False, include_group_notes=True, date_from=TODAY)
    with pytest.raises(ValidationError):  # outside the period: nothing to export
        services.exports.plan_export(ids[0], basis, outside)
    result = services.exports.export(ids[0], basis, chosen, "某医院心理科", "转介", passphrase_ok=True)
    assert services.exports.register(ids[0])[0].contents["group_notes"] == 1 and result.number


def test_replace_names_takes_the_longest_first() -> None:
    assert replace_names("王小明和王小都来了", [("王小", ""), ("王小明", "")], ["[A]", "[B]"]) == "[B]和[A]都来了"
