from dataclasses import replace
from datetime import date, datetime

import pytest

from counselroom.records.appointments import Appointment
from counselroom.records.clients import Client, ValidationError
from counselroom.records.services import Services
from counselroom.vault.errors import RecordReadOnly


@pytest.fixture
def client_id(services: Services) -> int:
    c = services.clients.create(Client(code="N-1", name="陈晨"))
    assert c.id
    services.consent.record_signed(c.id, date(2015, 1, 1), guardian_name="监护人")
    return c.id


def held(services: Services, client_id: int, start: datetime) -> int:
    a = services.appointments.create(Appointment(client_id, start, start.replace(hour=start.hour + 1)))
    assert a.id
    services.appointments.record_attendance(a.id, "attended", start, start.replace(hour=start.hour + 1))
    return a.id


def test_draft_save_sign_and_fingerprint(services: Services, client_id: int) -> None:
    note = services.notes.create_draft(client_id, "standard", date(2026, 11, 2))
    assert note.id and note.status == "draft" and list(note.content) == [
        "concerns", "discussed", "interventions", "state", "risk", "homework", "plan"]
    services.notes.save_draft(note.id, {"concerns": "考试焦虑，失眠两周", "bogus": "ignored"}, private_text="我的直觉")
    services.notes.save_draft(note.id, {"plan": "Next week: sleep diary"})
    note = services.notes.get(note.id)
    assert note.content["concerns"] == "考试焦虑，失眠两周" and note.content["plan"] == "Next week: sleep diary"
    assert "bogus" not in note.content
    assert services.notes.private_text(note.id) == "我的直觉"
    drafts = services.audit.entries(kinds=["note.draft_saved"])
    assert len(drafts) == 1  # consecutive saves of one draft make one audit entry
    signed = services.notes.sign(note.id, "林晓雯")
    assert signed.is_signed and signed.signed_by == "林晓雯"
    assert len(signed.short_fingerprint) == 24 and signed.short_fingerprint.count("-") == 4
    assert services.notes.verify(note.id)
    entry = services.audit.entries(kinds=["note.signed"])[0]
    assert entry.detail == {"fingerprint": signed.short_fingerprint}


def test_an_empty_note_cannot_be_signed(services: Services, client_id: int) -> None:
    note = services.notes.create_draft(client_id)
    assert note.id
    with pytest.raises(ValidationError):
        services.notes.sign(note.id, "x")


def test_a_signed_note_cannot_be_changed_by_any_path(services: Services, client_id: int) -> None:
    note = services.notes.create_draft(client_id)
    assert note.id
    services.notes.save_draft(note.id, {"concerns": "original words"}, private_text="private original")
    services.notes.sign(note.id, "me")
    before = services.notes.get(note.id)
    with pytest.raises(RecordReadOnly):
        services.notes.save_draft(note.id, {"concerns": "rewritten"})
    with pytest.raises(RecordReadOnly):
        services.notes.delete_draft(note.id)
    with pytest.raises(RecordReadOnly):
        services.notes.sign(note.id, "me again")
    # Even straight SQL through the records layer's transaction is refused by the vault's triggers.
    for sql in ("UPDATE notes SET content = '{}' WHERE id = ?", "DELETE FROM notes WHERE id = ?",
                "UPDATE notes SET status = 'draft' WHERE id = ?",
                "UPDATE note_private SET text = 'x' WHERE note_id = ?", "DELETE FROM note_private WHERE note_id = ?"):
        with pytest.raises(RecordReadOnly), services.store.write() as conn:
            conn.execute(sql, (note.id,))
    assert services.notes.get(note.id) == before
    assert services.notes.private_text(note.id) == "private original"
    assert services.notes.verify(note.id)


def test_addendum_keeps_the_original(services: Services, client_id: int) -> None:
    note = services.notes.create_draft(client_id)
    assert note.id
    with pytest.raises(ValidationError):
        services.notes.add_addendum(note.id, "too early", "me")
    services.notes.save_draft(note.id, {"discussed": "The date of the exam was 3 June."})
    signed = services.notes.sign(note.id, "me")
    addendum = services.notes.add_addendum(note.id, "Correction: the exam was on 5 June.", "me")
    assert addendum.short_fingerprint and addendum.signed_at >= (signed.signed_at or "")
    assert services.notes.get(note.id) == signed
    assert services.notes.verify(note.id)
    assert [a.text for a in services.notes.addenda(note.id)] == ["Correction: the exam was on 5 June."]
    with pytest.raises(RecordReadOnly), services.store.write() as conn:
        conn.execute("UPDATE addenda SET text = 'changed' WHERE id = ?", (addendum.id,))
    assert [e.kind for e in services.audit.entries(limit=2)] == ["note.addendum_signed", "note.signed"]


def test_one_note_per_appointment_of_the_same_client(services: Services, client_id: int) -> None:
    other = services.clients.create(Client(code="N-2"))
    services.consent.record_signed(other.id or 0, date(2015, 1, 1), guardian_name="监护人")
    appointment_id = held(services, client_id, datetime(2026, 11, 2, 10))
    note = services.notes.create_draft(client_id, appointment_id=appointment_id)
    assert note.session_date == date(2026, 11, 2)
    with pytest.raises(ValidationError):
        services.notes.create_draft(client_id, appointment_id=appointment_id)
    with pytest.raises(ValidationError):
        services.notes.create_draft(other.id or 0, appointment_id=appointment_id)


def test_overdue_rule(services: Services, client_id: int) -> None:
    now = datetime(2026, 11, 10, 12)
    old = held(services, client_id, datetime(2026, 11, 2, 10))  # long past
    recent = held(services, client_id, datetime(2026, 11, 10, 9))  # ended 2 hours ago
    drafted = held(services, client_id, datetime(2026, 11, 3, 10))
    signed = held(services, client_id, datetime(2026, 11, 4, 10))
    missed = services.appointments.create(Appointment(client_id, datetime(2026, 11, 5, 10), datetime(2026, 11, 5, 11)))
    assert missed.id
    services.appointments.record_attendance(missed.id, "no_show")
    draft = services.notes.create_draft(client_id, appointment_id=drafted)
    note = services.notes.create_draft(client_id, appointment_id=signed)
    assert note.id and draft.id
    services.notes.save_draft(note.id, {"concerns": "x"})
    services.notes.sign(note.id, "me")
    overdue = services.notes.overdue(now, hours=48)
    assert [o.appointment.id for o in overdue] == [old, drafted]
    assert overdue[1].draft_id == draft.id
    assert overdue[0].hours_overdue == pytest.approx(24 * 8 + 1 - 48)
    assert [o.appointment.id for o in services.notes.overdue(now, hours=1)] == [old, drafted, recent]


def test_deleting_a_draft_removes_it(services: Services, client_id: int) -> None:
    note = services.notes.create_draft(client_id)
    assert note.id
    services.notes.save_draft(note.id, {"concerns": "temporary"}, private_text="p")
    services.notes.delete_draft(note.id)
    assert services.notes.for_client(client_id) == []
    assert services.notes.private_text(note.id) == ""


def test_templates_are_complete_in_both_languages() -> None:
    from counselroom.records.templates import templates

    found = templates()
    assert list(found) == ["standard", "soap", "dap", "group"]
    for t in found.values():
        assert t.titles["en"] and t.titles["zh_CN"]
        for s in t.sections:
            assert s.titles["en"] and s.titles["zh_CN"]
            assert any("\u4e00" <= ch <= "\u9fff" for ch in s.titles["zh_CN"])


def test_signatures_need_a_name_and_notes_are_not_dated_in_the_future(services: Services, client_id: int) -> None:
    from datetime import timedelta

    with pytest.raises(ValidationError):
        services.notes.create_draft(client_id, session_date=date.today() + timedelta(days=1))
    note = services.notes.create_draft(client_id)
    assert note.id
    services.notes.save_draft(note.id, {"concerns": "x"})
    with pytest.raises(ValidationError) as e:
        services.notes.sign(note.id, "  ")
    assert "signed_by" in e.value.errors
    services.notes.sign(note.id, "me")
    with pytest.raises(ValidationError):
        services.notes.add_addendum(note.id, "more", "")


def test_no_note_before_the_consent_was_given(services: Services) -> None:
    """Issue 12.2: a note could be dated before consent was given and before the client existed."""
    from datetime import timedelta

    c = services.clients.create(Client(code="2025-077", name="Li", date_of_birth=date(2008, 5, 1)))
    assert c.id is not None
    consent = services.consent.record_checklist(c.id)
    signed = date.today() - timedelta(days=20)
    services.consent.sign_on_paper(consent.id, signed)
    with pytest.raises(ValidationError) as e:
        services.notes.create_draft(c.id, session_date=signed - timedelta(days=1))
    assert "before the consent" in e.value.errors["session_date"]
    assert services.notes.create_draft(c.id, session_date=signed).session_date == signed


def test_appointments_before_birth_are_refused_and_unusual_ones_named(services: Services, client_id: int) -> None:
    from datetime import timedelta

    services.clients.update(replace(services.clients.get(client_id), date_of_birth=date(2010, 1, 1)))
    born_before = Appointment(client_id, datetime(2009, 5, 1, 9), datetime(2009, 5, 1, 9, 50))
    assert "planned_start" in services.appointments.validate(born_before)
    now = datetime.now().replace(second=0, microsecond=0)
    year_ago = Appointment(client_id, now - timedelta(days=365), now - timedelta(days=365, minutes=-50))
    assert services.appointments.validate(year_ago) == {}
    reasons = services.appointments.unusual(year_ago)
    assert any("more than a month ago" in r for r in reasons) and any("still booked" in r for r in reasons)
    long = Appointment(client_id, now + timedelta(days=400), now + timedelta(days=400, hours=5))
    assert [r for r in services.appointments.unusual(long)] == ["It lasts more than four hours."]
    soon = Appointment(client_id, now + timedelta(days=2), now + timedelta(days=2, minutes=50))
    assert services.appointments.unusual(soon) == []
