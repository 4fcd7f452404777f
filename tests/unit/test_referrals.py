"""Referrals: what a referral must say (to whom, why, when), the consent rule for sharing information,
the follow-up rule the dashboard reads (with its edge dates), outcomes that close a referral and "still
waiting" that does not, the letter's export number noted on the referral, and an audit trail that
carries no record content."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest

from counselroom.records.clients import Client, ValidationError
from counselroom.records.exports import Basis, ExportContents
from counselroom.records.profile import Profile
from counselroom.records.referrals import DEFAULT_FOLLOW_UP_DAYS, ReferralDraft
from counselroom.records.services import Services
from counselroom.vault.errors import VaultError

TODAY = date(2026, 5, 20)
REASON_TEXT = "惊恐发作频繁 panic-words-secret"


@pytest.fixture
def client_id(services: Services) -> int:
    return services.clients.create(Client(code="A-001", name="张小明", status="active")).id or 0


def draft(**changes: object) -> ReferralDraft:
    base = ReferralDraft(referred_on=TODAY - timedelta(days=3), reason="medical_assessment", recipient="王医生",
                         institution="北京大学第六医院", department="精神科", reason_text=REASON_TEXT,
                         follow_up_on=TODAY + timedelta(days=11))
    return replace(base, **changes)  # type: ignore[arg-type]


def errors_of(services: Services, client_id: int, d: ReferralDraft) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        services.referrals.create(client_id, d, today=TODAY)
    return caught.value.errors


def test_a_referral_is_recorded_open_with_its_recipient(services: Services, client_id: int) -> None:
    r = services.referrals.create(client_id, draft(), today=TODAY)
    assert r.is_open and r.outcome is None and r.client_id == client_id
    assert r.recipient_label == "北京大学第六医院 · 精神科 · 王医生"
    assert services.referrals.for_client(client_id) == [r]
    assert services.referrals.get(r.id) == r


def test_to_whom_why_and_when_are_required(services: Services, client_id: int) -> None:
    errors = errors_of(services, client_id, draft(recipient=" ", institution="", referred_on=None, reason=None))
    assert errors == {"recipient": "Write to whom the client is referred: a person, an institution or both.",
                      "referred_on": "Give the date of the referral.",
                      "reason": "Choose the reason for the referral."}
    assert errors_of(services, client_id, draft(reason="other", reason_text="  ")) == {
        "reason_text": "Write the reason for the referral."}
    assert errors_of(services, client_id, draft(reason="nonsense"))["reason"]
    # a person alone, or an institution alone, is enough
    assert services.referrals.create(client_id, draft(institution="", department=""), today=TODAY).recipient == "王医生"
    assert services.referrals.create(client_id, draft(recipient=""), today=TODAY).recipient_label == \
        "北京大学第六医院 · 精神科"
    assert services.referrals.for_client(client_id)[0].reason_text == REASON_TEXT


def test_dates_are_checked(services: Services, client_id: int) -> None:
    assert errors_of(services, client_id, draft(referred_on=TODAY + timedelta(days=1), follow_up_on=None)) == {
        "referred_on": "The referral date cannot be in the future."}
    assert errors_of(services, client_id, draft(follow_up_on=TODAY - timedelta(days=4))) == {
        "follow_up_on": "The follow-up date is before the referral date."}
    # a referral made today, with its follow-up on the same day, is fine
    services.referrals.create(client_id, draft(referred_on=TODAY, follow_up_on=TODAY), today=TODAY)


def test_sharing_information_without_consent_is_refused(services: Services, client_id: int) -> None:
    errors = errors_of(services, client_id, draft(share_info=True, consent=False))
    assert list(errors) == ["consent"]
    assert errors["consent"].startswith("The client has not consented to sharing information with the recipient.")
    assert services.referrals.for_client(client_id) == []
    # with consent, what may be shared and when the client agreed are needed
    assert errors_of(services, client_id, draft(share_info=True, consent=True)) == {
        "consent_scope": "Write what the client agreed may be shared.",
        "consent_on": "Give the date the client consented."}
    assert errors_of(services, client_id, draft(share_info=True, consent=True, consent_scope="诊断相关信息",
                                                consent_on=TODAY - timedelta(days=1))) == {
        "consent_on": "Information was shared on the referral date, so the consent must be dated on or before it."}
    assert errors_of(services, client_id, draft(consent=True, consent_scope="x", consent_on=TODAY + timedelta(days=1)))
    r = services.referrals.create(client_id, draft(share_info=True, consent=True, consent_scope="近两月咨询概况",
                                                   consent_on=TODAY - timedelta(days=3)), today=TODAY)
    assert r.share_info and r.consent and r.consent_scope == "近两月咨询概况"


def test_referring_without_sharing_needs_no_consent(services: Services, client_id: int) -> None:
    r = services.referrals.create(client_id, draft(share_info=False, consent=False), today=TODAY)
    assert not r.share_info and not r.consent and r.consent_on is None


def test_the_vault_itself_refuses_sharing_without_consent(services: Services, client_id: int) -> None:
    r = services.referrals.create(client_id, draft(), today=TODAY)
    with pytest.raises(VaultError), services.store.write() as conn:
        conn.execute("UPDATE referrals SET share_info = 1 WHERE id = ?", (r.id,))
    assert not services.referrals.get(r.id).share_info


def test_awaiting_follow_up_edge_dates(services: Services, client_id: int) -> None:
    def make(referred: int, follow_up: int | None) -> int:
        return services.referrals.create(client_id, draft(
            referred_on=TODAY + timedelta(days=referred),
            follow_up_on=None if follow_up is None else TODAY + timedelta(days=follow_up)), today=TODAY).id

    due_today = make(-10, 0)
    due_yesterday = make(-10, -1)
    make(-10, 1)  # tomorrow: not yet
    no_date_due = make(-DEFAULT_FOLLOW_UP_DAYS, None)  # no follow-up date: due 14 days after the referral
    make(-DEFAULT_FOLLOW_UP_DAYS + 1, None)  # not yet
    found = services.referrals.awaiting_follow_up(TODAY)
    assert [r.id for r in found] == [due_yesterday, due_today, no_date_due]  # longest overdue first
    assert found[2].due_on == TODAY and found[2].follow_up_on is None
    assert [r.id for r in services.referrals.awaiting_follow_up(TODAY - timedelta(days=1))] == [due_yesterday]


def test_an_outcome_closes_the_referral(services: Services, client_id: int) -> None:
    r = services.referrals.create(client_id, draft(follow_up_on=TODAY - timedelta(days=1)), today=TODAY)
    assert [x.id for x in services.referrals.awaiting_follow_up(TODAY)] == [r.id]
    closed = services.referrals.record_outcome(r.id, "attended", "已在六院就诊 attended-words", TODAY, today=TODAY)
    assert not closed.is_open and closed.outcome == "attended" and closed.outcome_on == TODAY
    assert closed.due_on is None and not closed.follow_up_due(TODAY + timedelta(days=100))
    assert services.referrals.awaiting_follow_up(TODAY + timedelta(days=100)) == []


def test_still_waiting_keeps_it_open_until_the_next_follow_up(services: Services, client_id: int) -> None:
    r = services.referrals.create(client_id, draft(follow_up_on=TODAY - timedelta(days=1)), today=TODAY)
    with pytest.raises(ValidationError) as caught:
        services.referrals.record_outcome(r.id, "waiting", "排队中", TODAY, today=TODAY)
    assert caught.value.errors == {"next_follow_up": "The referral stays open: give the date of the next follow-up."}
    with pytest.raises(ValidationError) as caught:
        services.referrals.record_outcome(r.id, "waiting", "", TODAY, next_follow_up=TODAY, today=TODAY)
    assert list(caught.value.errors) == ["next_follow_up"]
    waiting = services.referrals.record_outcome(r.id, "waiting", "排队中", TODAY, TODAY + timedelta(days=7),
                                                today=TODAY)
    assert waiting.is_open and waiting.follow_up_on == TODAY + timedelta(days=7)
    assert services.referrals.awaiting_follow_up(TODAY + timedelta(days=6)) == []
    assert [x.id for x in services.referrals.awaiting_follow_up(TODAY + timedelta(days=7))] == [r.id]
    later = TODAY + timedelta(days=7)
    done = services.referrals.record_outcome(r.id, "not_attended", "未前往", later, today=later)
    assert not done.is_open
    assert [(f.outcome, f.recorded_on, f.next_follow_up_on) for f in services.referrals.follow_ups(r.id)] == [
        ("waiting", TODAY, TODAY + timedelta(days=7)), ("not_attended", later, None)]


def test_outcome_validation(services: Services, client_id: int) -> None:
    r = services.referrals.create(client_id, draft(), today=TODAY)
    for outcome, on, expected in ((None, TODAY, "outcome"), ("attended", TODAY + timedelta(days=1), "recorded_on"),
                                  ("attended", TODAY - timedelta(days=4), "recorded_on")):
        with pytest.raises(ValidationError) as caught:
            services.referrals.record_outcome(r.id, outcome, "", on, today=TODAY)
        assert list(caught.value.errors) == [expected]
    assert services.referrals.get(r.id).is_open


def test_archived_clients_are_not_awaiting(services: Services, client_id: int) -> None:
    services.referrals.create(client_id, draft(follow_up_on=TODAY - timedelta(days=1)), today=TODAY)
    services.clients.archive(client_id)
    assert services.referrals.awaiting_follow_up(TODAY) == []


def test_a_change_is_audited_by_field_names_only(services: Services, client_id: int) -> None:
    r = services.referrals.create(client_id, draft(), today=TODAY)
    changed = services.referrals.update(r.id, replace(r.draft(), contact="010-1234 5678", reason_text="更新 new-words"),
                                        today=TODAY)
    assert changed.contact == "010-1234 5678"
    assert services.referrals.update(r.id, changed.draft(), today=TODAY) == changed  # nothing changed: no entry
    services.referrals.record_outcome(r.id, "unknown", "失去联系 lost-words", TODAY, today=TODAY)
    entries = sorted(services.audit.entries(kinds=["referral.created", "referral.updated",
                                                   "referral.outcome_recorded"]), key=lambda e: e.seq)
    assert [e.kind for e in entries] == ["referral.created", "referral.updated", "referral.outcome_recorded"]
    assert entries[1].detail == {"client": client_id, "fields": ["contact", "reason_text"]}
    trail = json.dumps([e.detail for e in entries], ensure_ascii=False)
    for secret in ("panic-words", "new-words", "lost-words", "王医生", "六院", "1234"):
        assert secret not in trail


def test_the_letter_export_number_is_noted(services: Services, client_id: int) -> None:
    services.profile.save(Profile(name="林晓雯", room="心理咨询室 204"))
    r = services.referrals.create(client_id, draft(), today=TODAY)
    auth = services.exports.record_authorization(client_id, r.recipient_label, "转介", "转介信",
                                                 date.today() + timedelta(days=30), date.today())
    letter = services.referrals.draft_letter(r, services.profile.get(), "zh_CN")
    result = services.exports.export(client_id, Basis.authorized(auth.id),
                                     ExportContents(kind="referral_letter", include_notes=False, letter_text=letter),
                                     r.recipient_label, "转介", passphrase_ok=True, lang="zh_CN")
    noted = services.referrals.record_letter(r.id, result.number)
    assert noted.letters == (result.number,)
    assert services.referrals.record_letter(r.id, result.number).letters == (result.number,)  # once
    [entry] = services.audit.entries(kinds=["referral.letter_recorded"])
    assert entry.detail == {"client": client_id, "number": result.number}
    other = services.referrals.create(client_id, draft(), today=TODAY)
    with pytest.raises(ValidationError) as caught:
        services.referrals.record_letter(other.id, result.number)
    assert caught.value.errors == {"export": "This export is already noted on another referral."}
    with pytest.raises(ValidationError):
        services.referrals.record_letter(r.id, "EXP-1999-0001")
    copy = services.exports.export(client_id, Basis.authorized(auth.id),
                                   ExportContents(kind="record_copy", include_notes=False, letter_text="x"),
                                   r.recipient_label, "转介", passphrase_ok=True)
    with pytest.raises(ValidationError) as caught:
        services.referrals.record_letter(other.id, copy.number)
    assert caught.value.errors == {"export": "This export is not a referral letter."}


def test_the_letter_draft_in_both_languages(services: Services, client_id: int) -> None:
    profile = Profile(name="林晓雯", qualifications="国家二级心理咨询师", certificate_no="C-123", room="心理咨询室 204",
                      institution="示例大学", contact="010-0000 0000")
    r = services.referrals.create(client_id, draft(consent=True, consent_scope="近两月咨询概况",
                                                   consent_on=TODAY - timedelta(days=5)), today=TODAY)
    en = services.referrals.draft_letter(r, profile, "en")
    assert en.startswith("Dear 王医生,\n")
    assert "Reason for referral: Needs psychiatric or medical assessment." in en
    assert REASON_TEXT in en and "Brief summary: [to complete" in en
    assert "Information the client agreed to share: 近两月咨询概况" in en
    assert "林晓雯" in en and "Certificate number C-123" in en and "010-0000 0000" in en
    zh = services.referrals.draft_letter(r, profile, "zh_CN")
    assert zh.startswith("尊敬的王医生：")
    assert "转介原因：需要精神科或医学评估。" in zh and "Brief summary" not in zh and "简要情况" in zh
    bare = services.referrals.draft_letter(r, Profile(), "en")  # an empty profile still gives a letter
    assert "Dear 王医生," in bare and "None" not in bare
