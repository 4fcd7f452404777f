"""The locked export's rules: no basis, no export; an expired authorization is refused; the passphrase must
have been re-entered; private process notes stay out unless chosen and confirmed; the register and the
audit trail record each export in the same transaction; the password is never stored."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest

from counselroom.records.clients import Client, ValidationError
from counselroom.records.exports import (
    EXCEPTIONS,
    PASSWORD_ALPHABET,
    Basis,
    ExportContents,
    generate_password,
)
from counselroom.records.profile import Profile
from counselroom.records.services import Services
from counselroom.vault.errors import VaultError

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
TODAY = date.today()
PRIVATE = "来访者对父亲的愤怒，移情明显 — private hunch"


@pytest.fixture
def client_id(services: Services) -> int:
    services.profile.save(Profile(name="林晓雯", room="心理咨询室 204", institution="Example University"))
    client_id = services.clients.create(Client(code="A-001", name="张小明", status="active")).id or 0
    services.consent.record_signed(client_id, date(2015, 1, 1), guardian_name="监护人")
    return client_id


@pytest.fixture
def signed_note(services: Services, client_id: int) -> int:
    note = services.notes.create_draft(client_id, "standard", session_date=TODAY - timedelta(days=3))
    assert note.id is not None
    key = note.content and next(iter(note.content))
    services.notes.save_draft(note.id, {key: "来访者主诉失眠两周，焦虑明显。Sleeps badly before exams."}, PRIVATE)
    services.notes.sign(note.id, "林晓雯")
    services.notes.add_addendum(note.id, "补充：来访者母亲来电。", "林晓雯")
    return note.id


@pytest.fixture
def auth(services: Services, client_id: int):  # type: ignore[no-untyped-def]
    return services.exports.record_authorization(client_id, "Dr. Wang, Peking University Sixth Hospital",
                                                 "Referral assessment", "Session notes from this term",
                                                 TODAY + timedelta(days=90), TODAY - timedelta(days=1))


def _text(pdf: bytes, password: str) -> str:
    done = subprocess.run(["pdftotext", "-upw", password, "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def _export(services: Services, client_id: int, auth, **contents: object):  # type: ignore[no-untyped-def]
    return services.exports.export(client_id, Basis.authorized(auth.id), ExportContents(**contents),  # type: ignore[arg-type]
                                   auth.recipient, auth.purpose, passphrase_ok=True)


def test_refused_without_a_basis(services: Services, client_id: int, signed_note: int) -> None:
    for basis in (None, Basis()):
        with pytest.raises(ValidationError) as e:
            services.exports.plan_export(client_id, basis, ExportContents())
        assert "without a basis" in e.value.errors["basis"]
        with pytest.raises(ValidationError):
            services.exports.export(client_id, basis, ExportContents(), "Dr. Wang", "Referral", passphrase_ok=True)
    assert services.exports.register() == []
    assert not services.audit.entries(kinds=["export.made"])


def test_refused_with_an_expired_authorization(services: Services, client_id: int, signed_note: int,
                                               auth) -> None:  # type: ignore[no-untyped-def]
    basis = Basis.authorized(auth.id)
    services.exports.check_basis(client_id, basis)  # valid today
    with pytest.raises(ValidationError) as e:
        services.exports.check_basis(client_id, basis, today=auth.expires_on + timedelta(days=1))
    assert "expired" in e.value.errors["basis"]
    # an authorization already expired when it is recorded is refused there
    with pytest.raises(ValidationError) as e:
        services.exports.record_authorization(client_id, "X", "Y", "Z", TODAY - timedelta(days=1),
                                              TODAY - timedelta(days=30))
    assert "expired" in e.value.errors["expires_on"]


def test_an_authorization_that_expired_since_is_refused_by_export(services: Services, client_id: int,
                                                                  signed_note: int, auth) -> None:  # type: ignore[no-untyped-def]
    with services.store.write() as conn:  # time passes: the expiry date is now behind us
        conn.execute("UPDATE release_authorizations SET expires_on = ?, signed_on = ? WHERE id = ?",
                     ((TODAY - timedelta(days=1)).isoformat(), (TODAY - timedelta(days=60)).isoformat(), auth.id))
    with pytest.raises(ValidationError) as e:
        _export(services, client_id, auth)
    assert "expired" in e.value.errors["basis"]
    assert services.exports.register() == []


def test_another_clients_authorization_is_refused(services: Services, client_id: int, signed_note: int,
                                                  auth) -> None:  # type: ignore[no-untyped-def]
    other = services.clients.create(Client(code="B-002")).id or 0
    with pytest.raises(ValidationError) as e:
        services.exports.check_basis(other, Basis.authorized(auth.id))
    assert "another" in e.value.errors["basis"] or "belong" in e.value.errors["basis"]


def test_an_exception_needs_a_named_exception_and_a_justification(services: Services, client_id: int,
                                                                  signed_note: int) -> None:
    with pytest.raises(ValidationError) as e:
        services.exports.check_basis(client_id, Basis.exceptional("gossip", "because"))
    assert "basis" in e.value.errors
    with pytest.raises(ValidationError) as e:
        services.exports.check_basis(client_id, Basis.exceptional("danger_self", "  "))
    assert "justification" in e.value.errors
    assert set(EXCEPTIONS) == {"danger_self", "danger_others", "minor_abuse", "required_by_law", "other"}
    justified = Basis.exceptional("danger_self", "来访者明确表达自杀计划，需通知监护人与医院。")
    assert services.exports.check_basis(client_id, justified) is None


def test_refused_without_the_passphrase_re_entered(services: Services, client_id: int, signed_note: int,
                                                   auth) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as e:
        services.exports.export(client_id, Basis.authorized(auth.id), ExportContents(), auth.recipient,
                                auth.purpose, passphrase_ok=False)
    assert "passphrase" in e.value.errors
    assert services.exports.register() == []


def test_recipient_and_purpose_must_be_the_authorized_ones(services: Services, client_id: int, signed_note: int,
                                                           auth) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as e:
        services.exports.export(client_id, Basis.authorized(auth.id), ExportContents(), "Someone else",
                                auth.purpose, passphrase_ok=True)
    assert "recipient" in e.value.errors
    # spacing and case do not matter
    result = services.exports.export(client_id, Basis.authorized(auth.id), ExportContents(),
                                     auth.recipient.upper(), "  referral   assessment ", passphrase_ok=True)
    assert result.number


def test_private_notes_need_a_second_confirmation(services: Services, client_id: int, signed_note: int,
                                                  auth) -> None:  # type: ignore[no-untyped-def]
    for contents in (ExportContents(include_private=True), ExportContents(include_raw_tests=True)):
        with pytest.raises(ValidationError) as e:
            services.exports.plan_export(client_id, Basis.authorized(auth.id), contents)
        assert "second time" in e.value.errors["contents"]


@needs_poppler
def test_private_notes_absent_unless_chosen(services: Services, client_id: int, signed_note: int,
                                            auth) -> None:  # type: ignore[no-untyped-def]
    plain = _export(services, client_id, auth)
    text = _text(plain.pdf_bytes, plain.password)
    assert "来访者主诉失眠两周" in text and "Sleeps badly before exams." in text
    assert "补充：来访者母亲来电。" in text
    assert "private hunch" not in text and "移情" not in text
    chosen = _export(services, client_id, auth, include_private=True, sensitive_confirmed=True)
    text = _text(chosen.pdf_bytes, chosen.password)
    assert "private hunch" in text and "移情明显" in text
    assert "Private process notes" in text


@needs_poppler
def test_addenda_and_contacts_follow_the_choice(services: Services, client_id: int, signed_note: int,
                                                auth) -> None:  # type: ignore[no-untyped-def]
    client = services.clients.get(client_id)
    client.phone = "138 0000 1234"
    services.clients.update(client)
    result = _export(services, client_id, auth, include_addenda=False)
    text = _text(result.pdf_bytes, result.password)
    assert "补充：来访者母亲来电。" not in text and "138 0000 1234" not in text
    result = _export(services, client_id, auth, include_contacts=True)
    assert "138 0000 1234" in _text(result.pdf_bytes, result.password)


def test_drafts_and_notes_outside_the_period_are_left_out(services: Services, client_id: int, signed_note: int,
                                                          auth) -> None:  # type: ignore[no-untyped-def]
    services.notes.create_draft(client_id, "standard", session_date=TODAY - timedelta(days=1))
    plan = services.exports.plan_export(client_id, Basis.authorized(auth.id), ExportContents())
    assert [n.id for n in plan.notes] == [signed_note] and plan.drafts_left_out == 1
    with pytest.raises(ValidationError) as e:
        services.exports.plan_export(client_id, Basis.authorized(auth.id),
                                     ExportContents(date_from=TODAY - timedelta(days=2)))
    assert "nothing to export" in e.value.errors["contents"]
    plan = services.exports.plan_export(client_id, Basis.authorized(auth.id),
                                        ExportContents(date_from=TODAY - timedelta(days=2), kind="referral_letter",
                                                       letter_text="请评估是否需要药物治疗。"))
    assert plan.notes == []


def test_register_and_audit_entries(services: Services, client_id: int, signed_note: int,
                                    auth) -> None:  # type: ignore[no-untyped-def]
    first = _export(services, client_id, auth)
    crisis = Basis.exceptional("danger_self", "来访者有明确的自杀计划，需告知监护人。")
    second = services.exports.export(client_id, crisis,
                                     ExportContents(kind="transfer_summary", letter_text="危机转介"),
                                     "Guardian: 张先生", "Safety of the client", passphrase_ok=True, lang="zh_CN")
    year = TODAY.year
    assert (first.number, second.number) == (f"EXP-{year}-0001", f"EXP-{year}-0002")
    register = services.exports.register()
    assert [e.number for e in register] == [second.number, first.number]
    newest = register[0]
    assert (newest.client_code, newest.recipient, newest.purpose, newest.kind, newest.lang) == (
        "A-001", "Guardian: 张先生", "Safety of the client", "transfer_summary", "zh_CN")
    assert (newest.basis_kind, newest.exception, newest.authorization_id) == ("exception", "danger_self", None)
    assert newest.justification.startswith("来访者有明确")
    assert newest.sha256 == second.sha256 and len(newest.sha256) == 64
    assert register[1].basis_kind == "authorization" and register[1].authorization_id == auth.id
    assert register[1].contents["notes"] == 1 and register[1].contents["private"] is False
    assert hashlib.sha256(first.pdf_bytes).hexdigest() == register[1].sha256
    audit = services.audit.entries(kinds=["export.made"])
    assert [a.detail["number"] for a in audit][::-1] in ([first.number, second.number],
                                                         [second.number, first.number])
    details = {str(a.detail["number"]): a for a in audit}
    assert details[first.number].detail["client"] == client_id
    assert details[first.number].entity_id == register[1].id
    assert services.audit.verify().ok
    # the password is nowhere in the vault's register or audit trail
    for entry in audit:
        assert first.password not in str(entry.detail) and second.password not in str(entry.detail)
    assert all(first.password not in str(e) for e in register)


def test_a_failed_delivery_leaves_no_register_row_or_audit_entry(services: Services, client_id: int,
                                                                 signed_note: int, auth) -> None:  # type: ignore[no-untyped-def]
    def full_disk(_data: bytes) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        services.exports.export(client_id, Basis.authorized(auth.id), ExportContents(), auth.recipient,
                                auth.purpose, passphrase_ok=True, deliver=full_disk)
    assert services.exports.register() == []
    assert not services.audit.entries(kinds=["export.made"])
    delivered: list[bytes] = []
    result = services.exports.export(client_id, Basis.authorized(auth.id), ExportContents(), auth.recipient,
                                     auth.purpose, passphrase_ok=True, deliver=delivered.append)
    assert delivered == [result.pdf_bytes]
    assert result.number.endswith("-0001")  # the failed attempt used no number


def test_the_register_is_append_only(services: Services, client_id: int, signed_note: int,
                                     auth) -> None:  # type: ignore[no-untyped-def]
    _export(services, client_id, auth)
    for sql in ("DELETE FROM export_register", "UPDATE export_register SET recipient = 'x'"):
        with pytest.raises(VaultError), services.store.write() as conn:
            conn.execute(sql)
    with pytest.raises(VaultError), services.store.write() as conn:
        conn.execute("DELETE FROM release_authorizations WHERE id = ?", (auth.id,))
    assert len(services.exports.register()) == 1


def test_authorizations_are_recorded_and_listed(services: Services, client_id: int, auth) -> None:  # type: ignore[no-untyped-def]
    assert services.exports.authorizations(client_id) == [auth]
    assert auth.scope == "Session notes from this term" and not auth.expired()
    entries = services.audit.entries(kinds=["export.authorization_recorded"])
    assert entries and entries[0].entity_id == auth.id
    with pytest.raises(ValidationError) as e:
        services.exports.record_authorization(client_id, " ", "", "", None, TODAY + timedelta(days=1))
    assert set(e.value.errors) == {"recipient", "purpose", "scope", "expires_on", "signed_on"}


def test_passwords_are_strong_and_readable() -> None:
    seen = {generate_password() for _ in range(200)}
    assert len(seen) == 200
    for pw in seen:
        assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){5}", pw)
        assert set(pw.replace("-", "")) <= set(PASSWORD_ALPHABET)
        assert not set(pw) & set("01OIL")
