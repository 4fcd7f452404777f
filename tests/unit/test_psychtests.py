"""Giving a test in a real vault: the explanation before any answer, answers saved one by one, scoring at
completion, read-only afterwards (the trigger too), feedback once, the flags for a missing explanation or
feedback, imported questionnaires kept by version, the trend, the export section, and an audit trail
that never holds an answer."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from counselroom.records.clients import Client, ValidationError
from counselroom.records.exports import ExportContents
from counselroom.records.instruments import DefinitionInvalid
from counselroom.records.psychtests import ExplanationRequired, TestCompleted
from counselroom.records.services import Services
from counselroom.vault.errors import RecordReadOnly

DATA = Path(__file__).resolve().parents[1] / "data" / "instruments"
EXPLANATION = "这是PHQ-9，了解最近两周的情绪，只是筛查结果，并非诊断。"
FEEDBACK = "和来访者一起看了结果：中度，约定下周再谈睡眠。"


@pytest.fixture
def client_id(services: Services) -> int:
    client_id = services.clients.create(Client(code="T-001", name="王小雨")).id or 0
    services.consent.record_signed(client_id, date(2015, 1, 1))  # tests only after a signed consent
    return client_id


def answer_all(services: Services, administration_id: int, values: list[int]) -> None:
    for number, value in enumerate(values, start=1):
        services.psychtests.set_answer(administration_id, number, value)


def test_answers_are_refused_until_the_explanation_is_recorded(services: Services, client_id: int) -> None:
    tests = services.psychtests
    a = tests.start(client_id, "phq9")
    assert a.status == "not_explained" and a.missing == ("explanation",)
    with pytest.raises(ExplanationRequired):
        tests.set_answer(a.id, 1, 2)
    with pytest.raises(ExplanationRequired):
        tests.complete(a.id)
    with pytest.raises(ValidationError):
        tests.record_explanation(a.id, "   ")
    a = tests.record_explanation(a.id, EXPLANATION)
    assert a.explanation == EXPLANATION and a.explained_at is not None and a.missing == ()
    tests.set_answer(a.id, 1, 2)
    assert tests.get(a.id).answers == {1: 2}
    with pytest.raises(ValidationError):
        tests.record_explanation(a.id, "again")  # recorded once, before the answers


def test_the_vault_itself_refuses_answers_without_an_explanation(services: Services, client_id: int) -> None:
    a = services.psychtests.start(client_id, "phq9")
    with pytest.raises(Exception, match="rules"), services.store.write() as conn:
        conn.execute("UPDATE test_administrations SET answers = ? WHERE id = ?", ('{"1": 2}', a.id))


def test_answers_are_saved_one_by_one_and_checked(services: Services, client_id: int) -> None:
    tests = services.psychtests
    a = tests.start(client_id, "phq9", EXPLANATION)
    tests.set_answer(a.id, 3, 1)
    tests.set_answer(a.id, 1, 3)
    assert tests.get(a.id).answers == {1: 3, 3: 1}
    tests.set_answer(a.id, 1, 0)  # changed before completion
    tests.set_answer(a.id, 3, None)  # cleared
    assert tests.get(a.id).answers == {1: 0}
    with pytest.raises(ValidationError) as caught:
        tests.set_answer(a.id, 1, 4)
    assert caught.value.errors == {"value": "This answer is not one of the item's answer options."}
    with pytest.raises(ValidationError):
        tests.set_answer(a.id, 10, 1)
    with pytest.raises(ValidationError) as caught:
        tests.complete(a.id)
    assert caught.value.errors == {"answers": "Answer every item before the test is scored."}


def test_item_9_above_zero_is_reported_critical_when_it_is_saved(services: Services, client_id: int) -> None:
    tests = services.psychtests
    a = tests.start(client_id, "phq9", EXPLANATION)
    assert tests.set_answer(a.id, 9, 0) is None
    hit = tests.set_answer(a.id, 9, 1)
    assert hit is not None and hit.item == 9
    assert tests.get(a.id).answers == {9: 1}  # saved at once, whatever happens next
    assert [c.item for c in tests.critical_hits(tests.get(a.id))] == [9]


def test_completion_scores_and_stores_the_result(services: Services, client_id: int) -> None:
    tests = services.psychtests
    a = tests.start(client_id, "phq9", EXPLANATION)
    answer_all(services, a.id, [2, 2, 1, 1, 0, 1, 2, 1, 1])
    a = tests.complete(a.id)
    # 2 + 2 + 1 + 1 + 0 + 1 + 2 + 1 + 1 = 11: moderate (10-14), item 9 = 1 critical, screen positive
    assert a.result is not None
    assert a.result.total == 11 and a.result.bands == {"total": 2}
    assert a.result.critical == (9,) and a.result.positive == ("positive",)
    assert a.status == "completed" and a.missing == ("feedback",)


def test_a_completed_test_is_read_only_except_its_feedback_once(services: Services, client_id: int) -> None:
    tests = services.psychtests
    a = tests.start(client_id, "gad7", EXPLANATION)
    answer_all(services, a.id, [1, 1, 1, 1, 1, 1, 1])
    tests.complete(a.id)
    with pytest.raises(TestCompleted):
        tests.set_answer(a.id, 1, 3)
    # the trigger refuses what the service would never do
    for sql, args in (("UPDATE test_administrations SET answers = ? WHERE id = ?", ('{"1": 3}', a.id)),
                      ("UPDATE test_administrations SET result = NULL, completed_at = NULL WHERE id = ?", (a.id,)),
                      ("UPDATE test_administrations SET explanation = 'x' WHERE id = ?", (a.id,)),
                      ("UPDATE test_administrations SET feedback = 'x', feedback_at = 'y', answers = '{}' "
                       "WHERE id = ?", (a.id,)),
                      ("DELETE FROM test_administrations WHERE id = ?", (a.id,))):
        with pytest.raises(RecordReadOnly), services.store.write() as conn:
            conn.execute(sql, args)
    with pytest.raises(ValidationError):
        tests.record_feedback(a.id, "  ")
    a = tests.record_feedback(a.id, FEEDBACK)
    assert a.feedback == FEEDBACK and a.missing == ()
    with pytest.raises(ValidationError):
        tests.record_feedback(a.id, "changed my mind")
    with pytest.raises(RecordReadOnly), services.store.write() as conn:
        conn.execute("UPDATE test_administrations SET feedback = 'changed' WHERE id = ?", (a.id,))
    assert tests.get(a.id).feedback == FEEDBACK


def test_an_authorized_destruction_passes_the_triggers(services: Services, client_id: int) -> None:
    tests = services.psychtests
    a = tests.start(client_id, "gad7", EXPLANATION)
    answer_all(services, a.id, [0] * 7)
    tests.complete(a.id)
    with services.store.write() as conn:
        conn.execute("INSERT INTO disposal_guard (id) VALUES (1)")
        conn.execute("DELETE FROM test_administrations WHERE client_id = ?", (client_id,))
        conn.execute("DELETE FROM disposal_guard")
        services.store.changed("retention.test", "client", client_id)
    assert tests.for_client(client_id) == []


def test_feedback_needs_a_completed_test(services: Services, client_id: int) -> None:
    a = services.psychtests.start(client_id, "phq9", EXPLANATION)
    with pytest.raises(ValidationError) as caught:
        services.psychtests.record_feedback(a.id, FEEDBACK)
    assert caught.value.errors == {"feedback": "Feedback is recorded after the test is completed and scored."}


def test_missing_explanation_or_feedback_is_flagged(services: Services, client_id: int) -> None:
    tests = services.psychtests
    other = services.clients.create(Client(code="T-002")).id or 0
    services.consent.record_signed(other, date(2015, 1, 1))
    unexplained = tests.start(client_id, "phq9")
    answering = tests.start(client_id, "gad7", EXPLANATION)
    tests.set_answer(answering.id, 1, 1)
    no_feedback = tests.start(other, "gad7", EXPLANATION)
    answer_all(services, no_feedback.id, [1] * 7)
    tests.complete(no_feedback.id)
    done = tests.start(other, "gad7", EXPLANATION)
    answer_all(services, done.id, [0] * 7)
    tests.complete(done.id)
    tests.record_feedback(done.id, FEEDBACK)

    flagged = tests.missing_explanation_or_feedback()
    assert [(a.id, a.client_id, a.instrument_id, a.missing) for a in flagged] == [
        (unexplained.id, client_id, "phq9", ("explanation",)),
        (no_feedback.id, other, "gad7", ("feedback",))]
    assert flagged[0].missing_explanation and not flagged[0].missing_feedback
    assert flagged[1].missing_feedback and not flagged[1].missing_explanation
    tests.record_explanation(unexplained.id, EXPLANATION)
    tests.record_feedback(no_feedback.id, FEEDBACK)
    assert tests.missing_explanation_or_feedback() == []


def test_the_audit_trail_records_each_step_but_never_an_answer_or_text(services: Services, client_id: int) -> None:
    tests = services.psychtests
    before = len(services.audit.entries())
    a = tests.start(client_id, "phq9", EXPLANATION)
    answer_all(services, a.id, [3, 2, 1, 0, 3, 2, 1, 0, 2])
    tests.hand_to_client(a.id)
    tests.screen_returned(a.id)
    tests.complete(a.id)
    tests.record_feedback(a.id, FEEDBACK)
    entries = services.audit.entries()[: len(services.audit.entries()) - before]
    kinds = [e.kind for e in reversed(entries)]
    assert kinds == ["instrument.stored", "test.started", "test.explained", "test.answers_saved",
                     "test.screen_handed", "test.screen_returned", "test.completed", "test.feedback_recorded"]
    for e in entries:
        assert set(e.detail) <= {"client", "instrument", "version"}, e
        assert all(isinstance(v, int) or v in ("phq9",) for v in e.detail.values()), e
    trail = json.dumps([e.detail for e in services.audit.entries()], ensure_ascii=False)
    assert "PHQ-9" not in trail and "筛查" not in trail and "来访者" not in trail
    assert "answers" not in trail and "score" not in trail and "total" not in trail


def test_a_run_of_answers_makes_one_audit_entry(services: Services, client_id: int) -> None:
    tests = services.psychtests
    a = tests.start(client_id, "gad7", EXPLANATION)
    answer_all(services, a.id, [1, 2, 3])
    services.clients.update(Client(**{**services.clients.get(client_id).__dict__, "school": "文学院"}))
    tests.set_answer(a.id, 4, 1)
    kinds = [e.kind for e in services.audit.entries(limit=4)]
    assert kinds == ["test.answers_saved", "client.updated", "test.answers_saved", "test.explained"]


def test_a_test_without_answers_can_be_discarded_and_one_with_answers_cannot(services: Services,
                                                                              client_id: int) -> None:
    tests = services.psychtests
    a = tests.start(client_id, "phq9", EXPLANATION)
    tests.discard(a.id)
    assert tests.for_client(client_id) == []
    b = tests.start(client_id, "phq9", EXPLANATION)
    tests.set_answer(b.id, 1, 1)
    with pytest.raises(ValidationError):
        tests.discard(b.id)
    with pytest.raises(RecordReadOnly), services.store.write() as conn:
        conn.execute("DELETE FROM test_administrations WHERE id = ?", (b.id,))


# -- imported questionnaires -----------------------------------------------------------------------------------------


def changed_small(**scoring_changes: object) -> bytes:
    doc = json.loads((DATA / "good-small.json").read_text("utf-8"))
    doc["scoring"].update(scoring_changes)
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def test_an_imported_questionnaire_is_kept_in_the_vault_by_version(services: Services, client_id: int) -> None:
    tests = services.psychtests
    outcome = tests.import_definition((DATA / "good-small.json").read_bytes())
    assert outcome.outcome == "imported" and outcome.instrument.id == "room-small"
    infos = {i.instrument.id: i for i in tests.instruments()}
    assert list(infos) == ["phq9", "gad7", "room-small"]
    assert infos["room-small"].versions == (1,) and not infos["room-small"].builtin
    assert tests.import_definition((DATA / "good-small.json").read_bytes()).outcome == "unchanged"

    # a change to version 1 while nobody has answered it replaces it
    new_bands = {"total": [{"from": 0, "to": 7, "label": {"zh_CN": "正常", "en": "Usual"}},
                           {"from": 8, "to": 13, "label": {"zh_CN": "偏高", "en": "Raised"}}]}
    assert tests.import_definition(changed_small(bands=new_bands)).outcome == "replaced"
    assert tests.instrument("room-small").total.bands[0].high == 7

    # once answered, version 1 stays as it is: a change needs version 2
    a = tests.start(client_id, "room-small", EXPLANATION)
    for number, value in {1: 3, 2: 0, 3: 1, 4: 2, 5: 0}.items():
        tests.set_answer(a.id, number, value)
    a = tests.complete(a.id)
    assert a.result is not None and a.result.total == 9 and a.result.bands["total"] == 1  # 9 is in 8-13
    with pytest.raises(DefinitionInvalid) as caught:
        tests.import_definition((DATA / "good-small.json").read_bytes())
    assert caught.value.problems[0].text("en") == (
        "Field “version”: Version 1 of “room-small” is already in the vault and was used in 1 test(s), so it is "
        "kept as it is. Give the changed definition a higher version number, such as 2.")
    doc = json.loads((DATA / "good-small.json").read_text("utf-8"))
    doc["version"] = 2
    assert tests.import_definition(json.dumps(doc)).outcome == "imported"
    assert tests.instrument("room-small").version == 2
    # the old test still re-scores under version 1's cut-offs, a new one uses version 2
    old = tests.get(a.id)
    assert tests.instrument_of(old).version == 1 and tests.instrument_of(old).total.bands[1].low == 8
    assert tests.instrument_of(old).score(old.answers) == old.result
    b = tests.start(client_id, "room-small", EXPLANATION)
    assert b.version == 2 and tests.instrument_of(b).total.bands[1].low == 6
    doc["version"] = 1
    with pytest.raises(DefinitionInvalid):
        tests.import_definition(json.dumps(doc))  # refused: version 1 is answered
    with pytest.raises(RecordReadOnly), services.store.write() as conn:
        conn.execute("UPDATE instrument_definitions SET content = '{}' WHERE instrument_id = 'room-small'")


def test_an_imported_questionnaire_cannot_take_a_built_in_id(services: Services) -> None:
    with pytest.raises(DefinitionInvalid) as caught:
        services.psychtests.import_definition((DATA / "broken-builtin-id.json").read_bytes())
    assert "built-in questionnaire" in caught.value.problems[0].what("en")
    assert [i.instrument.id for i in services.psychtests.instruments()] == ["phq9", "gad7"]


def test_a_room_questionnaire_with_factor_means_and_a_critical_item(services: Services, client_id: int) -> None:
    tests = services.psychtests
    tests.import_definition((DATA / "good-small.json").read_bytes())
    a = tests.start(client_id, "room-small", EXPLANATION)
    assert tests.set_answer(a.id, 5, 1) is not None  # the critical item, at once
    for number, value in {1: 2, 2: 1, 3: 3, 4: 3}.items():
        assert tests.set_answer(a.id, number, value) is None
    a = tests.complete(a.id)
    # item 2 reversed: 3 + 0 - 1 = 2. total = 2 + 2 + 3 + 3 + 1 = 11; mood = (2 + 2) / 2 = 2; sleep = (3 + 3) / 2 = 3
    assert a.result is not None
    assert a.result.scores == {"total": 11, "mood": 2, "sleep": 3}
    assert a.result.critical == (5,) and a.result.positive == ("attention", "two-often")


# -- trend and export -------------------------------------------------------------------------------------------------


def test_the_trend_lists_completed_totals_oldest_first(services: Services, client_id: int) -> None:
    tests = services.psychtests
    start = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    for weeks, values in ((0, [3, 3, 2, 2, 2, 2, 2, 1, 0]), (4, [2, 2, 1, 1, 1, 1, 1, 1, 0]),
                          (8, [1, 1, 0, 1, 0, 0, 1, 0, 0])):
        at = start + timedelta(weeks=weeks)
        tests.record_completed(client_id, "phq9", dict(enumerate(values, start=1)), EXPLANATION, started_at=at,
                               completed_at=at + timedelta(minutes=5), feedback=FEEDBACK,
                               feedback_at=at + timedelta(minutes=20))
    unfinished = tests.start(client_id, "phq9", EXPLANATION)
    tests.set_answer(unfinished.id, 1, 3)
    points = tests.trend(client_id, "phq9")
    # 6 + 10 + 1 = 17; 4 + 5 + 1 = 10; 2 + 1 + 1 = 4
    assert [(p.day.isoformat(), p.total, p.band_label["en"]) for p in points] == [
        ("2025-03-03", 17, "Moderately severe depressive symptoms"),
        ("2025-03-31", 10, "Moderate depressive symptoms"), ("2025-04-28", 4, "Minimal depressive symptoms")]
    assert tests.trend(client_id, "gad7") == []
    assert [a.id for a in tests.for_client(client_id)][0] == unfinished.id  # newest first


def test_record_completed_makes_the_same_steps(services: Services, client_id: int) -> None:
    at = datetime(2025, 5, 6, 10, 0, tzinfo=UTC)
    a = services.psychtests.record_completed(client_id, "gad7", dict.fromkeys(range(1, 8), 2), EXPLANATION,
                                             started_at=at, mode="client")
    assert a.mode == "client" and a.result is not None and a.result.total == 14 and a.missing == ("feedback",)
    assert a.started_at.startswith("2025-05-06T10:00") and a.explained_at is not None
    kinds = [e.kind for e in services.audit.entries(limit=5)]
    assert kinds == ["test.completed", "test.answers_saved", "test.explained", "test.started", "instrument.stored"]
    with pytest.raises(ValidationError):
        services.psychtests.record_completed(client_id, "gad7", {1: 7}, EXPLANATION, started_at=at)


def test_the_export_section_shows_results_and_answers_only_when_chosen(services: Services, client_id: int) -> None:
    tests = services.psychtests
    at = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    tests.record_completed(client_id, "phq9", dict(enumerate([2, 2, 1, 1, 0, 1, 2, 1, 1], start=1)), EXPLANATION,
                           started_at=at, feedback=FEEDBACK)
    unfinished = tests.start(client_id, "gad7", EXPLANATION)
    tests.set_answer(unfinished.id, 1, 3)
    assert tests.export_sections(client_id, ExportContents(), "en") == []  # a section only when chosen
    [section] = tests.export_sections(client_id, ExportContents(include_tests=True), "en")
    assert section.title == "Psychological test — Patient Health Questionnaire (PHQ-9), 2025-03-03 (version 1)"
    assert section.lines[0] == "Total score: 11 — Moderate depressive symptoms"
    assert "Screening rule met: Screening positive: further assessment needed" in section.lines
    assert "Critical items answered: 9" in section.lines
    assert "Explained before the test on 2025-03-03." in section.lines
    assert section.lines[-1] == "A screening result, not a diagnosis."
    assert not any("Several days" in line for line in section.lines)  # no raw answers
    # the unfinished GAD-7 has no result and is left out
    [raw] = tests.export_sections(client_id, ExportContents(include_tests=True, include_raw_tests=True,
                                                            sensitive_confirmed=True), "zh_CN")
    assert raw.title == "心理测验 — 患者健康问卷（PHQ-9），2025-03-03（第 1 版）"
    assert "筛查结果，并非诊断。" in raw.lines
    assert raw.lines[-1] == "9. 有不如死掉或用某种方式伤害自己的念头：好几天 (1)"
    other = services.clients.create(Client(code="T-009")).id or 0
    assert tests.export_sections(other, ExportContents(include_tests=True), "en") == []


def test_the_demo_gives_series_a_critical_answer_missing_feedback_and_the_room_screening(services: Services) -> None:
    import random
    from datetime import date

    from counselroom.records.demo import make_client
    from counselroom.records.demo_tests import populate_tests

    rng = random.Random(7)
    today = date(2026, 3, 2)
    ids = [services.clients.create(make_client(rng, n, today)).id or 0 for n in range(1, 61)]
    for cid in ids:
        services.consent.record_signed(cid, date(2015, 1, 1))  # tests only after a signed consent
    populate_tests(services, random.Random(8), ids, today)
    tests = services.psychtests
    assert "room-wellbeing" in [i.instrument.id for i in tests.instruments()]
    done = [a for cid in ids for a in tests.for_client(cid) if a.is_completed]
    assert done and all(a.explained_at is not None and a.explained_at <= (a.completed_at or "") for a in done)
    assert any(a.result is not None and 9 in a.result.critical for a in done if a.instrument_id == "phq9")
    assert max(len(tests.trend(cid, "phq9")) for cid in ids) >= 3  # a trend to look at
    assert any(a.missing_feedback for a in tests.missing_explanation_or_feedback())
    assert all(a.day <= today for a in done)


@pytest.mark.skipif(not __import__("shutil").which("pdftotext"), reason="needs poppler-utils")
def test_the_locked_export_carries_the_results_and_the_answers_only_when_chosen(services: Services,
                                                                                 client_id: int) -> None:
    import subprocess
    from datetime import date

    from counselroom.records.exports import Basis

    at = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    services.psychtests.record_completed(client_id, "gad7", dict.fromkeys(range(1, 8), 2), EXPLANATION,
                                         started_at=at, feedback=FEEDBACK)
    auth = services.exports.record_authorization(client_id, "Dr. Wang", "Referral assessment", "Test results",
                                                 date.today() + timedelta(days=30), date.today())

    def text(**contents: object) -> str:
        result = services.exports.export(client_id, Basis.authorized(auth.id), ExportContents(**contents),  # type: ignore[arg-type]
                                         auth.recipient, auth.purpose, passphrase_ok=True)
        done = subprocess.run(["pdftotext", "-upw", result.password, "-", "-"], input=result.pdf_bytes,
                              capture_output=True, check=True)
        return " ".join(done.stdout.decode("utf-8").split())

    # (the export refuses to go out with nothing but sections from other parts, so a covering note goes with it)
    assert "Total score" not in text(letter_text="A covering note only.")  # results go only when chosen
    plain = text(include_tests=True, letter_text="Results of the screening, as agreed.")
    assert plain.count("Total score: 14 — Moderate anxiety") == 1  # 7 x 2 = 14; Services.open registered it once
    assert "A screening result, not a diagnosis." in plain
    assert "Feeling nervous, anxious, or on edge" not in plain
    raw = text(include_tests=True, include_raw_tests=True, sensitive_confirmed=True, letter_text="As agreed.")
    assert "1. Feeling nervous, anxious, or on edge: More than half the days (2)" in raw


def test_test_results_are_a_chosen_section_limited_to_the_period_and_registered(services: Services,
                                                                                client_id: int) -> None:
    """Issue 12.4: a PHQ-9 from 400 days ago went out in a 30-day referral letter without notes."""
    from datetime import date

    from counselroom.records.exports import Basis

    today = date.today()
    old = datetime.combine(today - timedelta(days=400), datetime.min.time(), tzinfo=UTC).replace(hour=9)
    recent = datetime.combine(today - timedelta(days=10), datetime.min.time(), tzinfo=UTC).replace(hour=9)
    answers = dict(enumerate([3, 3, 2, 2, 1, 1, 2, 1, 3], start=1))
    first = services.psychtests.record_completed(client_id, "phq9", answers, EXPLANATION, started_at=old,
                                                 feedback=FEEDBACK)
    second = services.psychtests.record_completed(client_id, "gad7", dict.fromkeys(range(1, 8), 1), EXPLANATION,
                                                  started_at=recent, feedback=FEEDBACK)
    auth = services.exports.record_authorization(client_id, "Dr. Li", "Referral", "Letter", today + timedelta(days=9),
                                                 today)
    period = {"kind": "referral_letter", "date_from": today - timedelta(days=30), "date_to": today,
              "include_notes": False, "letter_text": "Referral, as agreed."}
    plan = services.exports.plan_export(client_id, Basis.authorized(auth.id), ExportContents(**period))  # type: ignore[arg-type]
    assert plan.tests == []  # off by default
    chosen = ExportContents(**period, include_tests=True)  # type: ignore[arg-type]
    plan = services.exports.plan_export(client_id, Basis.authorized(auth.id), chosen)
    assert plan.tests == [second.id] and first.id not in plan.tests  # only the period's
    sections = services.psychtests.export_sections(client_id, chosen, "en")
    assert [s.title.split("—")[1].split(",")[0].strip() for s in sections] == [
        "Generalized Anxiety Disorder scale (GAD-7)"]
    services.exports.export(client_id, Basis.authorized(auth.id), chosen, auth.recipient, auth.purpose,
                            passphrase_ok=True)
    entry = services.exports.register(client_id)[0]
    assert entry.contents["tests"] == 1 and entry.contents["test_ids"] == [second.id]
    with pytest.raises(ValidationError):  # raw answers never without the results they belong to
        services.exports.plan_export(client_id, Basis.authorized(auth.id),
                                     ExportContents(**period, include_raw_tests=True, sensitive_confirmed=True))  # type: ignore[arg-type]
