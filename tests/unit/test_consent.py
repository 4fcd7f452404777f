"""Consent: the checklist completeness rule, the gate on session notes, re-consent after a template change,
signing, withdrawal, template versions kept, audit entries, and the group agreement warning."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from counselroom.records.clients import Client, ValidationError
from counselroom.records.consent import (
    COMPLETE,
    OUT_OF_DATE,
    PENDING,
    SIGNED,
    WITHDRAWN,
    ConsentLocked,
    ConsentRequired,
    builtin_template,
)
from counselroom.records.profile import Profile
from counselroom.records.services import Services
from counselroom.vault.errors import VaultError

TODAY = date.today()
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


@pytest.fixture
def adult(services: Services) -> int:
    services.profile.save(Profile(name="林晓雯", qualifications="国家二级心理咨询师", room="心理咨询室 204"))
    return services.clients.create(Client(code="A-1", name="陈晨", date_of_birth=date(2000, 5, 1))).id or 0


@pytest.fixture
def minor(services: Services) -> int:
    dob = TODAY.replace(year=TODAY.year - 15) - timedelta(days=3)
    return services.clients.create(Client(code="M-1", name="小雨", date_of_birth=dob, guardian_name="王芳")).id or 0


def test_the_built_in_template_covers_what_the_issue_lists() -> None:
    t = builtin_template()
    assert [i.id for i in t.items] == ["qualifications", "purpose", "arrangements", "confidentiality", "exceptions",
                                       "emergency", "testing", "recording", "rights", "referral", "records",
                                       "guardian"]
    assert t.item("recording").opt_in and t.item("guardian").minors_only
    for item in t.items:
        assert item.title("zh_CN") and item.text("zh_CN") and item.title("en") and item.text("en")
    assert "{qualifications}" in t.item("qualifications").text("zh_CN")
    exceptions = t.item("exceptions").text("zh_CN")
    for word in ("伤害自己", "伤害他人", "未成年人", "法律"):
        assert word in exceptions
    assert builtin_template("group_agreement").items


def test_checklist_is_complete_only_when_every_applicable_item_is_explained(services: Services, adult: int) -> None:
    c = services.consent
    assert c.status(adult) == PENDING and c.current(adult) is None
    consent = c.start(adult)
    items = [i.id for i in c.state(adult).items]
    assert "guardian" not in items  # an adult: the guardian item does not apply
    for item_id in items[:-1]:
        consent = c.set_explained(consent.id, item_id)
    assert c.status(adult) == PENDING and c.state(adult).missing == (items[-1],)
    c.set_explained(consent.id, items[-1])
    assert c.status(adult) == COMPLETE and c.state(adult).missing == ()
    c.set_explained(consent.id, "purpose", False)  # unticking makes it pending again
    assert c.status(adult) == PENDING
    with pytest.raises(ValidationError):
        c.set_explained(consent.id, "no-such-item")


def test_a_minor_needs_the_guardian_item_too(services: Services, minor: int) -> None:
    c = services.consent
    items = [i.id for i in c.state(minor).items]
    assert "guardian" in items
    c.record_checklist(minor, [i for i in items if i != "guardian"])
    assert c.status(minor) == PENDING and c.state(minor).missing == ("guardian",)
    c.record_checklist(minor)
    assert c.status(minor) == COMPLETE


def test_no_session_note_before_consent_is_complete(services: Services, adult: int) -> None:
    with pytest.raises(ConsentRequired) as caught:
        services.notes.create_draft(adult)
    assert isinstance(caught.value, VaultError)
    assert "Consent is not complete" in caught.value.message()
    assert caught.value.client_id == adult and caught.value.status == PENDING
    assert services.notes.for_client(adult) == []
    consent = services.consent.record_checklist(adult)
    with pytest.raises(ConsentRequired) as caught:  # ticked is not signed (issue 12.7)
        services.notes.create_draft(adult)
    assert caught.value.status == COMPLETE and "not signed" in caught.value.message()
    services.consent.sign_on_paper(consent.id, TODAY - timedelta(days=1))
    assert services.notes.create_draft(adult).id  # only signed passes


def test_signing_on_paper_and_on_screen(services: Services, adult: int, minor: int) -> None:
    c = services.consent
    consent = c.start(adult)
    with pytest.raises(ValidationError):
        c.sign_on_paper(consent.id, TODAY)  # not complete yet
    consent = c.record_checklist(adult, recording=True, questions={"exceptions": "会告诉我父母吗？"})
    with pytest.raises(ValidationError):
        c.sign_on_paper(consent.id, TODAY + timedelta(days=1))
    signed = c.sign_on_paper(consent.id, TODAY - timedelta(days=2))
    assert c.status(adult) == SIGNED and signed.signed_how == "paper" and signed.questions["exceptions"]
    assert signed.fingerprint and c.signature(consent.id) is None
    with pytest.raises(ConsentLocked):
        c.set_explained(consent.id, "purpose", False)
    with pytest.raises(ConsentLocked):
        c.set_recording(consent.id, False)
    other = c.record_checklist(minor)
    with pytest.raises(ValidationError):
        c.sign_on_screen(other.id, b"not a png")
    on_screen = c.sign_on_screen(other.id, PNG)
    assert on_screen.signed_how == "screen" and c.signature(other.id) == PNG and on_screen.signed_on == TODAY
    kinds = [e.kind for e in services.audit.entries()]
    assert "consent.signed" in kinds and "consent.item_explained" in kinds and "consent.started" in kinds


def test_a_template_change_asks_for_re_consent_and_older_consents_keep_their_version(
        services: Services, adult: int) -> None:
    c = services.consent
    old = c.sign_on_paper(c.record_checklist(adult).id, TODAY)
    assert c.signed_under_current() == 1
    v1 = c.template()
    items = tuple(replace(i, texts={**i.texts, "zh_CN": i.texts["zh_CN"] + "（本室另约：寒暑假不安排咨询。）"})
                  if i.id == "arrangements" else i for i in v1.items)
    assert c.save_template(replace(v1, items=items)).version == v1.version + 1
    assert c.save_template(replace(v1, items=items)).version == v1.version + 1  # unchanged: no new version
    assert c.versions() == [v1.version, v1.version + 1]
    assert c.template(version=v1.version).item("arrangements").text("zh_CN") == v1.item("arrangements").text("zh_CN")
    assert c.status(adult) == OUT_OF_DATE
    with pytest.raises(ConsentRequired) as caught:
        services.notes.create_draft(adult)
    assert caught.value.status == OUT_OF_DATE and "changed" in caught.value.message()
    renewed = c.start(adult)  # the re-consent: a new checklist under version 2
    assert renewed.id != old.id and renewed.template_version == v1.version + 1 and renewed.explained == []
    assert c.get(old.id).template_version == v1.version and c.get(old.id).is_signed
    c.sign_on_paper(c.record_checklist(adult).id, TODAY)
    assert c.status(adult) == SIGNED and len(c.history(adult)) == 2
    with pytest.raises(ValidationError):
        c.save_template(replace(v1, items=(replace(v1.items[0], texts={"zh_CN": "", "en": "x"}),)))
    assert any(e.kind == "consent_template.saved" for e in services.audit.entries())


def test_withdrawal_of_recording_only_and_of_everything(services: Services, adult: int) -> None:
    c = services.consent
    consent = c.sign_on_paper(c.record_checklist(adult, recording=True).id, TODAY - timedelta(days=10))
    assert consent.recording_allowed
    with pytest.raises(ValidationError):
        c.withdraw(consent.id, "recording", TODAY - timedelta(days=11))  # before it was signed
    c.withdraw(consent.id, "recording", TODAY - timedelta(days=5), "不想再录音")
    now = c.get(consent.id)
    assert not now.recording_allowed and c.status(adult) == SIGNED
    services.notes.create_draft(adult)  # consent to counseling stands
    with pytest.raises(ValidationError):
        c.withdraw(consent.id, "recording", TODAY)  # nothing left to withdraw
    c.withdraw(consent.id, "all", TODAY)
    assert c.status(adult) == WITHDRAWN
    with pytest.raises(ConsentRequired) as caught:
        services.notes.create_draft(adult)
    assert caught.value.status == WITHDRAWN
    with pytest.raises(ValidationError):
        c.withdraw(consent.id, "all", TODAY)
    scopes = [e.detail["scope"] for e in services.audit.entries(["consent.withdrawn"])]
    assert sorted(scopes) == ["all", "recording"]
    again = c.start(adult)  # the client agrees again: a new consent
    assert again.id != consent.id and c.status(adult) == PENDING


def test_groups_roster_agreements_and_the_warning(services: Services) -> None:
    c = services.consent
    ids = [services.clients.create(Client(code=f"G-{n}", name=name)).id or 0
           for n, name in enumerate(("李雷", "韩梅梅", "Emily Chen"))]
    group = c.create_group("考试焦虑团体", "八次")
    with pytest.raises(ValidationError):
        c.create_group("  ")
    start = TODAY - timedelta(days=14)
    for client_id in ids:
        c.add_member(group.id, client_id, start)
    with pytest.raises(ValidationError):
        c.add_member(group.id, ids[0])
    with pytest.raises(ValidationError):
        c.record_agreement(group.id, 999999, TODAY)
    c.record_agreement(group.id, ids[0], start)
    c.record_agreement(group.id, ids[1], TODAY - timedelta(days=3), png=PNG)
    first_session = TODAY - timedelta(days=7)
    assert [m.client_id for m in c.group_warnings(group.id, first_session)] == [ids[1], ids[2]]
    assert [m.client_id for m in c.group_warnings(group.id, TODAY)] == [ids[2]]
    c.remove_member(group.id, ids[2], TODAY - timedelta(days=1))
    assert c.group_warnings(group.id, TODAY) == []
    assert [m.client_id for m in c.roster(group.id)] == ids[:2]
    with pytest.raises(ValidationError):
        c.remove_member(group.id, ids[2])
    kinds = [e.kind for e in services.audit.entries()]
    for kind in ("group.created", "group.member_added", "group.member_removed", "group.agreement_recorded"):
        assert kind in kinds


def test_the_records_refuse_changes_to_signed_consents_and_template_versions(services: Services,
                                                                            adult: int) -> None:
    c = services.consent
    consent = c.sign_on_paper(c.record_checklist(adult).id, TODAY)
    with pytest.raises(VaultError), services.store.write() as conn:
        conn.execute("UPDATE consents SET recording = 1 WHERE id = ?", (consent.id,))
    with pytest.raises(VaultError), services.store.write() as conn:
        conn.execute("UPDATE consent_templates SET content = '{}'")
    assert not c.get(consent.id).recording


def test_needing_attention_lists_open_clients_without_a_usable_consent(services: Services, adult: int,
                                                                       minor: int) -> None:
    consent = services.consent.record_checklist(adult)
    assert services.consent.needing_attention() == [(adult, COMPLETE), (minor, PENDING)]  # ticked is not signed
    services.consent.sign_on_paper(consent.id, TODAY)
    assert services.consent.needing_attention() == [(minor, PENDING)]
