"""Risk assessments (saved read-only, a correction is a new one), the risk flag (raise with a reason and a
review date after today, review, clear; clients.risk_flag in step; history kept), the dashboard's rules,
safety plan versions, emergency measures (exception, reason and what was done required; read-only, with
follow-up entries), the room's crisis contacts, the audit trail without record content, and the demo."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta

import pytest

from counselroom.records.clients import Client, ValidationError
from counselroom.records.demo import make_client
from counselroom.records.demo_risk import populate_risk
from counselroom.records.risk import (
    SUGGESTED_CRISIS_CONTACTS,
    Contact,
    EmergencyMeasure,
    Notification,
    RiskAssessment,
    SafetyPlanContent,
)
from counselroom.records.services import Services
from counselroom.vault.errors import RecordReadOnly

TODAY = date.today()
NOW = datetime.now().replace(second=0, microsecond=0)
SECRET = "Quetzalcoatl-secret-words"  # record content that must never reach the audit trail


def client(services: Services, code: str = "R-1", **fields: object) -> int:
    return services.clients.create(Client(code=code, **fields)).id or 0  # type: ignore[arg-type]


def assessment(client_id: int, **changes: object) -> RiskAssessment:
    values: dict[str, object] = dict(client_id=client_id, assessed_at=NOW - timedelta(hours=1), self_harm="high",
                                     harm_others="none", being_harmed="low", risk_factors=("ideation", "plan_means"),
                                     risk_notes=SECRET, protective_factors=("family",), overall="high",
                                     plan="Safety plan today; " + SECRET, counselor="林晓雯")
    values.update(changes)
    return RiskAssessment(**values)  # type: ignore[arg-type]


def plan(**changes: object) -> SafetyPlanContent:
    values: dict[str, object] = dict(warning_signs=("整夜睡不着", SECRET), coping_steps=("散步",),
                                     help_people=(Contact("妈妈", "138 0000 0002"),),
                                     professionals=(Contact("学校心理咨询中心值班电话", ""),), agreed_on=TODAY)
    values.update(changes)
    return SafetyPlanContent(**values)  # type: ignore[arg-type]


def measure(client_id: int, **changes: object) -> EmergencyMeasure:
    values: dict[str, object] = dict(
        client_id=client_id, occurred_at=NOW - timedelta(hours=2), situation="Disclosed a plan " + SECRET,
        actions="Stayed with the client; went to the hospital together.",
        notified=(Notification("guardian", "张伟（父亲）", NOW - timedelta(hours=1)),
                  Notification("school", "王老师（辅导员）", NOW - timedelta(minutes=90))),
        exception="danger_self", exception_reason="A specific plan and the means.", counselor="林晓雯")
    values.update(changes)
    return EmergencyMeasure(**values)  # type: ignore[arg-type]


def audit_text(services: Services) -> str:
    return "\n".join(json.dumps(e.detail, ensure_ascii=False) for e in services.audit.entries())


# -- assessments ------------------------------------------------------------------------------------------------


def test_an_assessment_is_saved_and_read_only(services: Services) -> None:
    cid = client(services)
    saved = services.risk.save_assessment(assessment(cid, context="PHQ-9 item 9 answered 2"))
    assert saved.id and saved.overall == "high" and saved.risk_factors == ("ideation", "plan_means")
    assert saved.context == "PHQ-9 item 9 answered 2" and saved.counselor == "林晓雯"
    later = services.risk.save_assessment(assessment(cid, overall="imminent", self_harm="imminent"))
    assert [a.id for a in services.risk.assessments(cid)] == [later.id, saved.id]  # the latest first
    for sql in ("UPDATE risk_assessments SET overall = 'none' WHERE id = ?",
                "DELETE FROM risk_assessments WHERE id = ?"):
        with pytest.raises(RecordReadOnly), services.store.write() as conn:
            conn.execute(sql, (saved.id,))
    assert services.risk.assessment(saved.id).overall == "high"
    entries = services.audit.entries(["risk.assessment_saved"])
    assert sorted(json.dumps(e.detail, sort_keys=True) for e in entries) == [
        json.dumps({"client": cid, "level": level}, sort_keys=True) for level in ("high", "imminent")]
    assert SECRET not in audit_text(services)


def test_an_assessment_needs_every_level_a_plan_for_real_risk_and_a_time_not_ahead(services: Services) -> None:
    cid = client(services)
    cases = [
        (dict(self_harm="", overall=""), {"self_harm", "overall"}),
        (dict(self_harm="high", overall="moderate"), {"overall"}),  # not lower than the highest area
        (dict(plan="  "), {"plan"}),
        (dict(assessed_at=NOW + timedelta(hours=2)), {"assessed_at"}),
        (dict(counselor=""), {"counselor"}),
        (dict(risk_factors=("made_up",)), {"factors"}),
    ]
    for changes, fields in cases:
        with pytest.raises(ValidationError) as e:
            services.risk.save_assessment(assessment(cid, **changes))
        assert set(e.value.errors) == fields, changes
    # no risk found: no plan needed
    services.risk.save_assessment(assessment(cid, self_harm="none", harm_others="none", being_harmed="none",
                                             overall="none", plan=""))
    assert len(services.risk.assessments(cid)) == 1


# -- the flag ---------------------------------------------------------------------------------------------------


def test_raise_review_and_clear_the_flag_keeps_clients_risk_flag_and_history(services: Services) -> None:
    cid = client(services, name="张小明")
    notices: list[tuple[str, int | None]] = []
    services.store.subscribe(lambda entity, entity_id: notices.append((entity, entity_id)))
    assert services.risk.flagged(cid) is None and not services.clients.get(cid).risk_flag

    flag = services.risk.raise_flag(cid, "PHQ-9 item 9; " + SECRET, TODAY + timedelta(days=14))
    assert services.clients.get(cid).risk_flag
    assert ("client", cid) in notices  # the client page's badge refreshes
    assert flag.recorded and flag.raised_on == TODAY and flag.review_on == TODAY + timedelta(days=14)
    assert flag.reason.startswith("PHQ-9") and not flag.review_due(TODAY)

    reviewed = services.risk.review_flag(cid, "Calmer; weekly sessions go on.", TODAY + timedelta(days=7))
    assert reviewed.review_on == TODAY + timedelta(days=7) and reviewed.raised_on == TODAY
    assert reviewed.last_review is not None and reviewed.last_review.text.startswith("Calmer")
    assert services.clients.get(cid).risk_flag

    services.risk.clear_flag(cid, "Low risk at four weekly assessments.")
    assert services.risk.flagged(cid) is None and not services.clients.get(cid).risk_flag
    assert [e.kind for e in services.risk.flag_history(cid)] == ["raised", "reviewed", "cleared"]
    for sql in ("UPDATE risk_flag_events SET text = '' WHERE client_id = ?",
                "DELETE FROM risk_flag_events WHERE client_id = ?"):
        with pytest.raises(RecordReadOnly), services.store.write() as conn:
            conn.execute(sql, (cid,))

    again = services.risk.raise_flag(cid, "New crisis", TODAY + timedelta(days=3))
    assert again.reason == "New crisis" and [e.kind for e in again.events] == ["raised"]
    kinds = [e.kind for e in sorted(services.audit.entries(), key=lambda e: e.seq) if e.kind.startswith("risk.flag")]
    assert kinds == ["risk.flag_raised", "risk.flag_reviewed", "risk.flag_cleared", "risk.flag_raised"]
    assert SECRET not in audit_text(services) and "张小明" not in audit_text(services)


def test_the_review_date_is_required_after_today_and_within_a_year(services: Services) -> None:
    cid = client(services)
    for review_on in (None, TODAY, TODAY - timedelta(days=1), TODAY + timedelta(days=400)):
        with pytest.raises(ValidationError) as e:
            services.risk.raise_flag(cid, "reason", review_on)
        assert set(e.value.errors) == {"review_on"}
    with pytest.raises(ValidationError) as e:
        services.risk.raise_flag(cid, " ", TODAY + timedelta(days=1))
    assert set(e.value.errors) == {"reason"}
    with pytest.raises(ValidationError) as e:
        services.risk.review_flag(cid, "found", TODAY + timedelta(days=5))
    assert "flag" in e.value.errors  # nothing to review yet
    assert not services.clients.get(cid).risk_flag and services.risk.flag_history(cid) == []

    services.risk.raise_flag(cid, "reason", TODAY + timedelta(days=1))
    with pytest.raises(ValidationError) as e:
        services.risk.raise_flag(cid, "again", TODAY + timedelta(days=3))
    assert "flag" in e.value.errors
    with pytest.raises(ValidationError) as e:
        services.risk.review_flag(cid, "found", TODAY)
    assert set(e.value.errors) == {"review_on"}
    with pytest.raises(ValidationError) as e:
        services.risk.clear_flag(cid, "")
    assert set(e.value.errors) == {"clear_reason"}
    assert services.risk.default_review_on(TODAY) == TODAY + timedelta(days=14)
    services.settings.set("risk.review_days", 7)
    assert services.risk.default_review_on(TODAY) == TODAY + timedelta(days=7)


def test_flags_needing_attention_no_safety_plan_or_review_due(services: Services) -> None:
    risk = services.risk
    no_plan = client(services, "A")
    risk.raise_flag(no_plan, "r", TODAY + timedelta(days=10))
    fine = client(services, "B")
    risk.raise_flag(fine, "r", TODAY + timedelta(days=10))
    risk.save_safety_plan(fine, plan())
    overdue = client(services, "C")
    risk.raise_flag(overdue, "r", TODAY - timedelta(days=1), today=TODAY - timedelta(days=20))
    risk.save_safety_plan(overdue, plan())
    due_today = client(services, "D")
    risk.raise_flag(due_today, "r", TODAY, today=TODAY - timedelta(days=14))
    risk.save_safety_plan(due_today, plan())
    cleared = client(services, "E")  # past its review date and without a plan, but cleared
    risk.raise_flag(cleared, "r", TODAY - timedelta(days=1), today=TODAY - timedelta(days=20))
    risk.clear_flag(cleared, "better")
    archived = client(services, "F")
    risk.raise_flag(archived, "r", TODAY + timedelta(days=10))
    services.clients.archive(archived)
    # flagged in the client file without a reason or a review date: due at once
    unrecorded = services.clients.create(Client(code="G", risk_flag=True)).id or 0

    found = {f.client_id: f for f in risk.flags_needing_attention(TODAY)}
    assert set(found) == {no_plan, overdue, due_today, unrecorded}
    assert found[no_plan].no_safety_plan and not found[no_plan].review_due
    assert found[no_plan].review_on == TODAY + timedelta(days=10)
    assert found[overdue].review_due and not found[overdue].no_safety_plan
    assert found[overdue].review_on == TODAY - timedelta(days=1)
    assert found[due_today].review_due and found[due_today].review_on == TODAY
    assert found[unrecorded].review_due and found[unrecorded].no_safety_plan
    flag = risk.flagged(unrecorded)
    assert flag is not None and not flag.recorded and flag.review_due(TODAY)

    risk.review_flag(overdue, "reviewed", TODAY + timedelta(days=14))
    risk.save_safety_plan(no_plan, plan())
    risk.raise_flag(unrecorded, "recorded now", TODAY + timedelta(days=14))  # allowed for an unrecorded flag
    assert {f.client_id for f in risk.flags_needing_attention(TODAY)} == {due_today, unrecorded}
    assert due_today not in {f.client_id for f in risk.flags_needing_attention(TODAY - timedelta(days=1))}


# -- safety plans -----------------------------------------------------------------------------------------------


def test_safety_plan_versions_and_checks(services: Services) -> None:
    cid = client(services)
    assert services.risk.safety_plan(cid) is None
    first = services.risk.save_safety_plan(cid, plan(), "林晓雯")
    assert first.version == 1 and first.content.help_people == (Contact("妈妈", "138 0000 0002"),)
    assert first.document_no.startswith("SP-") and first.counselor == "林晓雯"
    assert services.risk.save_safety_plan(cid, plan()).id == first.id  # unchanged: no new version
    second = services.risk.save_safety_plan(cid, plan(coping_steps=("散步", "听音乐", "  ")))
    assert second.version == 2 and second.content.coping_steps == ("散步", "听音乐")
    assert [p.version for p in services.risk.safety_plan_versions(cid)] == [2, 1]
    assert services.risk.safety_plan(cid) == second
    with pytest.raises(RecordReadOnly), services.store.write() as conn:
        conn.execute("UPDATE safety_plans SET content = '{}' WHERE id = ?", (first.id,))
    for content, field in ((SafetyPlanContent(), "plan"),
                           (SafetyPlanContent(professionals=(Contact("Duty phone", "010-1234 5678"),)), "plan"),
                           (plan(help_people=(Contact("妈妈", "call me maybe"),)), "help_people"),
                           (plan(professionals=(Contact("", "010-1234 5678"),)), "professionals"),
                           (plan(agreed_on=TODAY + timedelta(days=1)), "agreed_on")):
        with pytest.raises(ValidationError) as e:
            services.risk.save_safety_plan(cid, content)
        assert field in e.value.errors
    assert sorted(e.detail["version"] for e in services.audit.entries(["risk.safety_plan_saved"])) == [1, 2]
    assert all(set(e.detail) == {"client", "version"} for e in services.audit.entries(["risk.safety_plan_saved"]))
    assert SECRET not in audit_text(services)


def test_the_room_crisis_contacts_suggest_names_and_never_numbers(services: Services) -> None:
    suggested = services.risk.crisis_contacts("zh_CN")
    assert len(suggested) == len(SUGGESTED_CRISIS_CONTACTS) and all(c.phone == "" for c in suggested)
    assert suggested[0].name == "学校心理咨询中心（值班电话）"
    assert services.risk.crisis_contacts("en")[0].name == "School counseling centre (duty phone)"
    assert not services.risk.crisis_contacts_set()
    services.risk.set_crisis_contacts([Contact("Duty phone", "010-1234 5678"), Contact(" ", " ")])
    assert services.risk.crisis_contacts("zh_CN") == [Contact("Duty phone", "010-1234 5678")]
    assert services.risk.suggested_professionals("en") == (Contact("Duty phone", "010-1234 5678"),)
    with pytest.raises(ValidationError):
        services.risk.set_crisis_contacts([Contact("Hotline", "ask at the desk")])


def test_emergency_contacts_gather_the_file_the_plan_and_the_room(services: Services) -> None:
    cid = client(services, name="张小明", guardian_name="张伟", guardian_phone="13800000001", phone="13700000000")
    contacts = services.risk.emergency_contacts(cid, "en")
    assert contacts.guardian == Contact("张伟", "13800000001") and contacts.emergency is None
    assert not contacts.has_plan and contacts.plan_people == ()
    services.risk.save_safety_plan(cid, plan())
    contacts = services.risk.emergency_contacts(cid, "en")
    assert contacts.has_plan and contacts.plan_people == (Contact("妈妈", "138 0000 0002"),)
    services.risk.record_contacts_viewed(cid)
    [entry] = services.audit.entries(["risk.contacts_viewed"])
    assert entry.detail == {"client": cid}


# -- emergency measures -----------------------------------------------------------------------------------------


def test_an_emergency_measure_needs_the_exception_its_reason_and_what_was_done(services: Services) -> None:
    cid = client(services)
    cases = [(dict(exception=""), "exception"), (dict(exception="because"), "exception"),
             (dict(exception_reason=" "), "exception_reason"), (dict(actions=""), "actions"),
             (dict(situation=""), "situation"), (dict(occurred_at=NOW + timedelta(hours=3)), "occurred_at"),
             (dict(notified=(Notification("guardian", "", NOW),)), "notified"),
             (dict(notified=(Notification("neighbour", "X", NOW),)), "notified"),
             (dict(notified=(Notification("police", "110", NOW + timedelta(hours=3)),)), "notified")]
    for changes, field in cases:
        with pytest.raises(ValidationError) as e:
            services.risk.record_measure(measure(cid, **changes))
        assert field in e.value.errors, changes
    assert services.risk.measures(cid) == []


def test_a_saved_measure_is_read_only_and_takes_follow_ups(services: Services) -> None:
    cid = client(services)
    saved = services.risk.record_measure(measure(cid))
    assert saved.id and saved.exception == "danger_self"
    assert [n.party for n in saved.notified] == ["school", "guardian"]  # in the order they were notified
    assert saved.notified[1].notified_at == NOW - timedelta(hours=1)
    for sql in ("UPDATE emergency_measures SET actions = '' WHERE id = ?",
                "DELETE FROM emergency_measures WHERE id = ?"):
        with pytest.raises(RecordReadOnly), services.store.write() as conn:
            conn.execute(sql, (saved.id,))
    follow = services.risk.add_followup(saved.id, "Seen again next morning; " + SECRET, "林晓雯")
    with pytest.raises(ValidationError):
        services.risk.add_followup(saved.id, "  ")
    [again] = services.risk.measures(cid)
    assert again.followups == (follow,) and again.actions == saved.actions
    with pytest.raises(RecordReadOnly), services.store.write() as conn:
        conn.execute("UPDATE emergency_followups SET text = '' WHERE id = ?", (follow.id,))
    [entry] = services.audit.entries(["risk.measure_recorded"])
    assert entry.detail == {"client": cid, "exception": "danger_self", "notified": ["guardian", "school"]}
    assert SECRET not in audit_text(services) and "王老师" not in audit_text(services)


def test_authorized_destruction_passes_the_read_only_triggers(services: Services) -> None:
    """Retention destroys a client's records with the disposal guard set: every risk table lets that through."""
    cid = client(services)
    services.risk.save_assessment(assessment(cid))
    services.risk.raise_flag(cid, "r", TODAY + timedelta(days=5))
    services.risk.save_safety_plan(cid, plan())
    saved = services.risk.record_measure(measure(cid))
    services.risk.add_followup(saved.id or 0, "later")
    tables = ("emergency_followups", "emergency_measures", "safety_plans", "risk_flag_events", "risk_assessments")
    with services.store.write() as conn:
        conn.execute("INSERT INTO disposal_guard (id) VALUES (1)")
        for table in tables:
            conn.execute(f"DELETE FROM {table} WHERE client_id = ?", (cid,))
        conn.execute("DELETE FROM disposal_guard")
    for table in tables:
        assert services.store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


# -- the demo ---------------------------------------------------------------------------------------------------


def test_the_demo_has_each_kind_and_both_dashboard_rules(services: Services) -> None:
    rng = random.Random(3)
    ids = [services.clients.create(make_client(rng, n, TODAY)).id or 0 for n in range(1, 121)]
    populate_risk(services, random.Random(4), ids, TODAY)
    found = services.risk.flags_needing_attention(TODAY)
    assert any(f.no_safety_plan and not f.review_due for f in found)
    assert any(f.review_due and not f.no_safety_plan for f in found)
    flagged = [i for i in ids if services.risk.flagged(i) is not None]
    assert flagged and all(services.risk.flagged(i).recorded for i in flagged)  # type: ignore[union-attr]
    assert sum(len(services.risk.measures(i)) for i in ids) == 1
    assert sum(len(services.risk.assessments(i)) for i in ids) >= len(flagged)
    assert any(e.kind == "cleared" for i in ids for e in services.risk.flag_history(i))
