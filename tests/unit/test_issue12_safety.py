"""Issue 12, points 1, 7, 8, 9 and 11 in the records layer, on a real vault: a critical test answer stays open
until a risk assessment or a reasoned decision (also after the window locked while the client answered);
signed (not ticked) consent opens notes and tests, and a minor's guardian signs on their own; the consent
form's retention promise is rendered from the room's rules; who was late is recorded and the counselor's own
punctuality is counted; the relationship check at intake stays on the dashboard until decided."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from conftest import PASSPHRASE
from counselroom.records.appointments import Appointment
from counselroom.records.clients import Client, ValidationError
from counselroom.records.consent import (
    COMPLETE,
    GUARDIAN_UNSIGNED,
    SIGNED,
    SUPERSEDED_BUILTINS,
    ConsentRequired,
    blank_form_data,
    builtin_template,
)
from counselroom.records.risk import RiskAssessment
from counselroom.records.services import Services
from counselroom.vault.errors import VaultError

TODAY = date.today()
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
EXPLANATION = "说明了问卷的内容和目的，结果只是筛查，并非诊断。"


def _phq9(services: Services, client_id: int, item9: int, complete: bool = True, mode: str = "counselor") -> int:
    tests = services.psychtests
    a = tests.start(client_id, "phq9", EXPLANATION)
    if mode == "client":
        tests.hand_to_client(a.id)
    for number in range(1, 10):
        tests.set_answer(a.id, number, item9 if number == 9 else 1)
    if complete:
        tests.complete(a.id)
    return a.id


def _line(services: Services, key: str):  # type: ignore[no-untyped-def]
    return services.dashboard.line(key)


# -- 1. critical answers ------------------------------------------------------------------------------------------


def test_a_critical_answer_stays_on_the_dashboard_until_a_risk_assessment_is_recorded_for_it(
        services: Services, consented_client) -> None:  # type: ignore[no-untyped-def]
    client_id = consented_client("K-1", name="陈晨")
    assert _line(services, "critical").count == 0
    test_id = _phq9(services, client_id, item9=3)
    line = _line(services, "critical")
    assert line.count == 1 and line.attention and line.load_items()[0].client_id == client_id
    assert line.load_items()[0].tab == "tests" and line.load_items()[0].params["items"] == "9"
    pending = services.critical.pending(client_id)
    assert [p.administration.id for p in pending] == [test_id] and pending[0].items == (9,)
    follow_up = services.critical.record_assessment(test_id, RiskAssessment(
        client_id, datetime.now(), self_harm="low", overall="low", counselor="林晓雯", context="PHQ-9 item 9: 3"))
    assert follow_up.assessed and follow_up.decided_by == "林晓雯"
    assert services.critical.pending(client_id) == [] and _line(services, "critical").count == 0
    kinds = [e.kind for e in services.audit.entries()]
    assert "test.critical_assessed" in kinds and "risk.assessment_saved" in kinds


def test_a_reasoned_decision_with_name_and_time_also_closes_it_and_is_audited(
        services: Services, consented_client) -> None:  # type: ignore[no-untyped-def]
    client_id = consented_client("K-2")
    test_id = _phq9(services, client_id, item9=1)
    with pytest.raises(ValidationError):
        services.critical.decide_no_assessment(test_id, "ok", "林晓雯")  # no reason worth the name
    with pytest.raises(ValidationError):
        services.critical.decide_no_assessment(test_id, "来访者说明是指考试周的疲惫，无自伤想法。", "  ")
    decided = services.critical.decide_no_assessment(test_id, "来访者说明是指考试周的疲惫，无自伤想法。", "林晓雯")
    assert not decided.assessed and decided.decided_at and decided.reason.startswith("来访者")
    assert services.critical.pending() == []
    entry = next(e for e in services.audit.entries() if e.kind == "test.critical_no_assessment")
    assert entry.detail["test"] == test_id and "reason" not in entry.detail  # the audit keeps ids, not words
    with pytest.raises(VaultError), services.store.write() as conn:  # the decision is kept as written
        conn.execute("UPDATE critical_follow_ups SET reason = 'x'")


def test_an_unfinished_test_answered_on_the_client_screen_is_pending_after_a_lock(
        new_vault, services: Services, consented_client) -> None:  # type: ignore[no-untyped-def]
    client_id = consented_client("K-3")
    _phq9(services, client_id, item9=2, complete=False, mode="client")
    services.session.close()  # the window locked while the client was answering
    again = Services.open(new_vault[0].unlock(PASSPHRASE))
    try:
        pending = again.critical.pending(client_id)
        assert len(pending) == 1 and pending[0].on_client_screen and not pending[0].administration.is_completed
        assert again.dashboard.line("critical").count == 1
    finally:
        again.session.close()


def test_an_assessment_made_on_the_risk_tab_after_the_test_counts_one_before_does_not(
        services: Services, consented_client) -> None:  # type: ignore[no-untyped-def]
    client_id = consented_client("K-4")
    services.risk.save_assessment(RiskAssessment(client_id, datetime.now() - timedelta(days=3), counselor="林"))
    test_id = _phq9(services, client_id, item9=1)
    assert len(services.critical.pending(client_id)) == 1  # the earlier assessment was not for this answer
    services.risk.save_assessment(RiskAssessment(client_id, datetime.now() + timedelta(seconds=30), counselor="林"))
    assert services.critical.pending(client_id) == []
    assert services.critical.assessments_since(test_id)


# -- 7. signed, not ticked; the guardian signs too ------------------------------------------------------------------


def test_tests_and_notes_wait_for_the_signature_and_a_minors_guardian_signs_on_their_own(
        services: Services) -> None:
    dob = TODAY.replace(year=TODAY.year - 15) - timedelta(days=3)
    minor = services.clients.create(Client(code="M-7", name="小雨", date_of_birth=dob, guardian_name="王芳")).id or 0
    c = services.consent
    consent = c.record_checklist(minor)
    assert c.status(minor) == COMPLETE
    with pytest.raises(ConsentRequired) as caught:
        services.psychtests.start(minor, "phq9", EXPLANATION)
    assert "test" in caught.value.message()
    assert [s for i, s in c.needing_attention() if i == minor] == [COMPLETE]  # ticked-but-unsigned on the dashboard
    c.sign_on_screen(consent.id, PNG)
    assert c.status(minor) == GUARDIAN_UNSIGNED
    with pytest.raises(ConsentRequired) as caught:
        services.notes.create_draft(minor)
    assert caught.value.status == GUARDIAN_UNSIGNED and "guardian" in caught.value.message()
    assert [s for i, s in c.needing_attention() if i == minor] == [GUARDIAN_UNSIGNED]
    with pytest.raises(ValidationError):
        c.guardian_sign_on_paper(consent.id, " ", TODAY)
    signed = c.guardian_sign_on_screen(consent.id, "王芳", PNG)
    assert c.status(minor) == SIGNED and signed.guardian and signed.guardian.signed_how == "screen"
    assert c.needing_attention() == []
    assert services.notes.create_draft(minor).id and services.psychtests.start(minor, "phq9", EXPLANATION).id
    data = c.form_data(consent.id, "zh_CN")
    assert data.guardian_signature_png == PNG and data.guardian_signed_on == TODAY
    assert "consent.guardian_signed" in [e.kind for e in services.audit.entries()]


def test_an_adult_needs_no_guardian_signature(services: Services) -> None:
    adult = services.clients.create(Client(code="A-7", date_of_birth=date(1999, 1, 1))).id or 0
    consent = services.consent.record_checklist(adult)
    with pytest.raises(ValidationError):
        services.consent.guardian_sign_on_paper(consent.id, "王芳", TODAY)
    services.consent.sign_on_paper(consent.id, TODAY)
    assert services.consent.status(adult) == SIGNED


# -- 8. the retention promise comes from the rules ------------------------------------------------------------------


def test_the_consent_form_promises_what_the_retention_rule_says(services: Services, consented_client) -> None:  # type: ignore[no-untyped-def]
    template = services.consent.template()
    for lang in ("en", "zh_CN"):
        assert "{retention}" in template.item("records").text(lang)
        assert "graduation" not in builtin_template().item("records").text("en")
    client_id = services.clients.create(Client(code="R-8")).id or 0
    consent = services.consent.record_checklist(client_id)
    text = {lang: next(i.text for i in services.consent.form_data(consent.id, lang).items if i.id == "records")
            for lang in ("en", "zh_CN")}
    assert "3 years after counseling ends (the case is closed)" in text["en"] and "结案" in text["zh_CN"]
    assert "{retention}" not in text["en"]
    services.retention.set_rule("case_file", 10, "left")
    services.retention.set_rule("tests", 5, "administered")
    text_now = next(i.text for i in services.consent.form_data(consent.id, "en").items if i.id == "records")
    assert "10 years after counseling ends or after you leave the school" in text_now
    assert "test results are kept for 5 years after each test was given" in text_now
    signed = services.consent.sign_on_paper(consent.id, TODAY)
    services.retention.set_rule("case_file", 4, "closed")  # a later change does not rewrite a signed promise
    kept = next(i.text for i in services.consent.form_data(signed.id, "en").items if i.id == "records")
    assert "10 years" in kept
    fresh = services.clients.create(Client(code="R-9")).id or 0
    fresh_consent = services.consent.record_checklist(fresh)
    assert "4 years" in next(i.text for i in services.consent.form_data(fresh_consent.id, "en").items
                             if i.id == "records")
    blank = blank_form_data("en")
    assert "3 years after counseling ends" in next(i.text for i in blank.items if i.id == "records")


def test_an_adapted_form_without_the_rule_is_refused(services: Services) -> None:
    t = services.consent.template()
    texts = {"zh_CN": "记录保存至毕业后三年。", "en": "Kept until three years after graduation."}
    items = tuple(replace(i, texts=texts) if i.id == "records" else i for i in t.items)
    with pytest.raises(ValidationError) as caught:
        services.consent.save_template(replace(t, items=items))
    assert "retention" in caught.value.errors


def test_an_unadapted_version_1_form_is_followed_by_the_new_built_in_one(services: Services) -> None:
    import hashlib
    import json
    from pathlib import Path

    from counselroom.records.consent import ConsentTemplate

    # the version-1 form as shipped before issue 12.8 ("until three years after graduation")
    doc = json.loads((Path(__file__).parents[1] / "data" / "consent" / "standard_v1.json").read_text("utf-8"))
    V1_CONTENT = ConsentTemplate.from_content(doc, 1).content()
    assert "graduation" in V1_CONTENT["items"][10]["text"]["en"]
    with services.store.write() as conn:
        conn.execute("INSERT INTO consent_templates (kind, version, content, created_at) VALUES ('consent', 1, ?, "
                     "'2025-01-01')", (json.dumps(V1_CONTENT, ensure_ascii=False),))
    assert hashlib.sha256(json.dumps(V1_CONTENT, ensure_ascii=False, sort_keys=True).encode()).hexdigest() \
        in SUPERSEDED_BUILTINS
    fresh = Services.open(services.session)
    assert "{retention}" in fresh.consent.template().item("records").text("en")
    assert fresh.consent.versions() == [1, 2]
    assert "consent_template.builtin_updated" in [e.kind for e in fresh.audit.entries()]


# -- 9. who was late ----------------------------------------------------------------------------------------------


def test_a_late_start_says_who_was_late_and_the_counselors_punctuality_is_counted(
        services: Services, consented_client) -> None:  # type: ignore[no-untyped-def]
    client_id = consented_client("P-9")
    ap = services.appointments
    base = datetime.combine(TODAY - timedelta(days=20), datetime.min.time()).replace(hour=9)
    ids = []
    for week in range(3):
        start = base + timedelta(days=week)
        ids.append(ap.create(Appointment(client_id, start, start + timedelta(minutes=50))).id or 0)
    with pytest.raises(ValidationError) as caught:  # more than five minutes late: whose lateness?
        ap.record_attendance(ids[0], "attended", base + timedelta(minutes=12), base + timedelta(minutes=50))
    assert "late_party" in caught.value.errors
    mine = ap.record_attendance(ids[0], "attended", base + timedelta(minutes=12), base + timedelta(minutes=50),
                                late_by="counselor")
    assert mine.attendance == "attended" and mine.late_party == "counselor"  # the client was on time
    start = base + timedelta(days=1)
    theirs = ap.record_attendance(ids[1], "attended", start + timedelta(minutes=9), start + timedelta(minutes=50),
                                  late_by="client")
    assert theirs.attendance == "late" and theirs.client_late and not theirs.counselor_late
    start = base + timedelta(days=2)
    on_time = ap.record_attendance(ids[2], "attended", start + timedelta(minutes=2), start + timedelta(minutes=50),
                                   late_by="client")
    assert on_time.attendance == "attended" and on_time.late_party is None  # not late: nobody was
    assert ap.punctuality(client_id, datetime.now()).late == 1
    p = ap.counselor_punctuality(TODAY - timedelta(days=89), TODAY)
    assert (p.held, p.counselor_late, p.average_minutes_late) == (3, 1, 12.0)
    line = services.dashboard.line("punctuality")
    assert line.params == {"late": 1, "held": 3, "days": 90, "minutes": 12} and line.section == "training"


# -- 11. relationship check at intake -------------------------------------------------------------------------------


def test_another_relationship_is_kept_and_on_the_dashboard_until_decided(services: Services) -> None:
    client_id = services.clients.create(Client(code="S-11", name="刘洋")).id or 0
    rel = services.relationships
    assert rel.latest(client_id) is None
    with pytest.raises(ValidationError):
        rel.record_check(client_id, ["other"])  # "other" must be described
    with pytest.raises(ValidationError):
        rel.record_check(client_id, ["friend-of-a-friend"])
    check = rel.record_check(client_id, ["teaches"], "我担任该生的《心理健康教育》课程老师并评定成绩。", "林晓雯")
    assert check.undecided and rel.latest(client_id) == check
    line = services.dashboard.line("relationships")
    assert line.count == 1 and line.load_items()[0].client_id == client_id and line.attention
    with pytest.raises(ValidationError):
        rel.decide(check.id, "refer", " ", "林晓雯")
    decided = rel.decide(check.id, "refer", "转介给同事王老师，避免双重关系。", "林晓雯")
    assert decided.decision and decided.decision.decision == "refer" and not decided.undecided
    assert services.dashboard.line("relationships").count == 0
    kinds = [e.kind for e in services.audit.entries()]
    assert "relationship.checked" in kinds and "relationship.decided" in kinds
    none = rel.record_check(services.clients.create(Client(code="S-12")).id or 0, [])
    assert not none.any and not none.undecided and services.dashboard.line("relationships").count == 0
    with pytest.raises(VaultError), services.store.write() as conn:
        conn.execute("DELETE FROM relationship_checks")
