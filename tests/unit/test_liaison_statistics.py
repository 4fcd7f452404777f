"""Liaison records, the client's school details and the room's de-identified statistics (issue 15)."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from counselroom.documents.statistics_report import render_pdf
from counselroom.records.appointments import Appointment
from counselroom.records.clients import Client, ValidationError
from counselroom.records.liaison import Liaison
from counselroom.records.services import Services
from counselroom.records.statistics import Cell, suppress
from counselroom.vault.errors import VaultError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pdf_text  # noqa: E402

NOW = datetime.now().replace(second=0, microsecond=0)


def test_a_liaison_contact_records_who_when_how_what_and_the_basis(services: Services) -> None:
    client = services.clients.create(Client(code="L-1", name="李同学"))
    assert client.id is not None
    by_consent = services.liaison.record(Liaison(
        client.id, NOW - timedelta(hours=2), "fudaoyuan", "王老师（辅导员）", "phone", "需要调整作息，未谈具体内容",
        "consent", "来访者在 11 月 3 日咨询中口头同意并签字"))
    emergency = services.liaison.record(Liaison(
        client.id, NOW - timedelta(hours=1), "guardian", "母亲", "phone", "告知自伤风险与就医建议", "exception",
        "当晚有明确自伤计划", exception="danger_self"))
    assert [x.id for x in services.liaison.for_client(client.id)] == [emergency.id, by_consent.id]
    assert emergency.exception == "danger_self" and by_consent.exception is None
    details = [e.detail for e in services.audit.entries(["liaison.recorded"])]
    assert {"client": client.id, "party": "guardian", "method": "phone", "basis": "exception",
            "exception": "danger_self"} in details
    assert "王老师" not in str(details) and "自伤" not in str(details)  # ids and codes only
    with pytest.raises(VaultError), services.store.write() as conn:
        conn.execute("UPDATE liaison_records SET shared = 'x' WHERE id = ?", (emergency.id,))
    with pytest.raises(VaultError), services.store.write() as conn:
        conn.execute("DELETE FROM liaison_records WHERE id = ?", (emergency.id,))


@pytest.mark.parametrize(("change", "field"), [
    ({"party": "police"}, "party"), ({"who": " "}, "who"), ({"method": "fax"}, "method"), ({"shared": ""}, "shared"),
    ({"basis_kind": "exception"}, "exception"), ({"basis_kind": "exception", "exception": "danger_self",
                                                  "basis_note": ""}, "basis_note"),
    ({"basis_note": ""}, "basis_note"), ({"contacted_at": NOW + timedelta(days=1)}, "contacted_at")])
def test_a_liaison_contact_without_its_parts_is_refused(services: Services, change: dict[str, object],
                                                         field: str) -> None:
    client = services.clients.create(Client(code="L-2"))
    values: dict[str, object] = {"client_id": client.id, "contacted_at": NOW, "party": "class_teacher",
                                 "who": "张老师（班主任）", "method": "in_person", "shared": "出勤情况",
                                 "basis_kind": "consent", "basis_note": "书面同意", **change}
    with pytest.raises(ValidationError) as caught:
        services.liaison.record(Liaison(**values))  # type: ignore[arg-type]
    assert field in caught.value.errors
    assert services.liaison.for_client(client.id or 0) == []


def test_grade_and_presenting_concerns_come_from_the_rooms_list(services: Services) -> None:
    client = services.clients.create(Client(code="G-1"))
    assert client.id is not None
    names = [c.text("zh_CN") for c in services.liaison.concerns()]
    assert names[:7] == ["学业", "人际", "情绪", "恋爱", "家庭", "适应", "生涯"]
    details = services.liaison.set_school_details(client.id, "2025级", ["study", "emotions", "study"])
    assert (details.grade, details.concerns) == ("2025级", ("study", "emotions"))
    with pytest.raises(ValidationError):
        services.liaison.set_school_details(client.id, "2025级", ["astrology"])
    services.liaison.set_concerns([{"id": "study", "zh_CN": "学习"}, {"id": "sleep", "zh_CN": "睡眠", "en": "Sleep"}])
    assert [c.text("en") for c in services.liaison.concerns()] == ["学习", "Sleep"]
    # a concern already given keeps counting under its id even when the room drops it from the list
    assert services.liaison.set_school_details(client.id, "2025级", ["study", "emotions"]).concerns == (
        "study", "emotions")


def test_small_counts_are_hidden_and_cannot_be_worked_out_from_the_total() -> None:
    cells = [Cell("a", 12), Cell("b", 3), Cell("c", 7), Cell("d", 0)]
    assert suppress(cells, with_total=True) == ("12", "<5", "*", "0")
    assert suppress(cells, with_total=False) == ("12", "<5", "7", "0")
    assert suppress([Cell("a", 2), Cell("b", 1), Cell("c", 9)], with_total=True) == ("<5", "<5", "9")
    assert suppress([Cell("a", 5), Cell("b", 4)], with_total=True) == ("*", "<5")


def _room(services: Services, n_clients: int, start: datetime) -> list[Client]:
    made = []
    for i in range(n_clients):
        c = services.clients.create(Client(code=f"STAT-{i:03d}", name=f"隐私姓名{i:03d}",
                                           gender="female" if i % 3 else "male"))
        assert c.id is not None
        services.liaison.set_school_details(c.id, "2025级" if i < 12 else "2024级",
                                            ["study"] if i % 2 else ["emotions", "family"])
        when = start + timedelta(days=i % 20, hours=9)
        for k in range(2):
            a = services.appointments.create(Appointment(c.id, when + timedelta(days=7 * k),
                                                         when + timedelta(days=7 * k, minutes=50),
                                                         kind="first" if k == 0 else "follow_up"))
            services.appointments.record_attendance(a.id or 0, "attended", a.planned_start, a.planned_end)
        made.append(c)
    return made


def test_the_statistics_count_the_period_without_a_name_or_a_code(services: Services) -> None:
    start = datetime.combine(date.today() - timedelta(days=60), datetime.min.time())
    clients = _room(services, 15, start)
    services.liaison.record(Liaison(clients[0].id or 0, NOW - timedelta(days=1), "guardian", "父亲", "phone", "风险",
                                    "exception", "紧急", exception="danger_self"))
    report = services.statistics.report(start.date(), date.today(), "zh_CN")
    head = dict(zip([c.label for c in report.headline.cells], report.headline.shown, strict=True))
    assert head["单独咨询次数"] == "30" and head["初次来访"] == "15" and head["接待来访者人数（单独咨询）"] == "15"
    assert head["联络记录"] == "<5" and head["转介"] == "0"
    by_grade = dict(zip([c.label for c in report.by_grade.cells], report.by_grade.shown, strict=True))
    assert by_grade == {"2024级": "<5", "2025级": "*"}  # 3 and 12: the 12 hidden too, as the total is 15
    gender = dict(zip([c.label for c in report.by_gender.cells], report.by_gender.shown, strict=True))
    assert gender["男"] == "5" and gender["女"] == "10"
    text = report.text()
    for c in clients:
        assert c.code not in text and c.name not in text
    pdf = render_pdf(report, "某大学心理健康教育与咨询中心", "TJ-2026-001", date.today())
    flat = pdf_text.flat(pdf)
    assert "心理咨询室工作统计" in flat and "<5" in flat
    for c in clients:
        assert c.code not in flat and c.name not in flat
    number, made = services.statistics.record_export(report, "学生工作部",
                                                     lambda n: render_pdf(report, "", n, date.today()))
    assert number in pdf_text.flat(made)
    assert services.statistics.register()[0][0] == number and number.endswith("-001")
    assert services.audit.entries(["statistics.exported"])[0].detail["lang"] == "zh_CN"
    english = services.statistics.report(start.date(), date.today(), "en")
    assert english.headline.cells[0].label == "Individual sessions held"
    assert "Counselingroomstatistics" in pdf_text.flat(render_pdf(english, "", "TJ-2026-002", date.today()))


def test_screenings_are_counted_by_level_in_their_period(services: Services, tmp_path: Path) -> None:
    from counselroom.records.screening_import import read_table, suggest_mapping
    from counselroom.shipped import resource

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from screening_files import make_cohort, write_csv

    instrument_id = services.psychtests.import_definition(
        resource("instruments", "examples", "upi-style-rules.json").read_bytes()).instrument.id
    cohort = make_cohort(300, seed=9)
    table = read_table(write_csv(cohort, tmp_path / "c.csv"))
    mapping = suggest_mapping(table, services.psychtests.instrument(instrument_id))
    held = date.today() - timedelta(days=3)
    services.screening.import_screening(table, instrument_id, mapping, "2026级新生", held, "同意书")
    report = services.statistics.report(held, date.today(), "en")
    assert len(report.screenings) == 1
    table_ = report.screenings[0]
    expected = [sum(1 for v in cohort.expected.values() if v == lv) for lv in (1, 2, None)]
    assert [c.label for c in table_.cells] == ["Red (level 1)", "Orange (level 2)", "Yellow (level 3)", "Not flagged",
                                               "Flagged students interviewed"]
    assert [table_.cells[i].count for i in (0, 1, 3)] == expected and table_.total == 300
    assert table_.cells[2].count == 0 and table_.cells[4].count == 0
    assert services.statistics.report(held - timedelta(days=30), held - timedelta(days=1), "en").screenings == ()


def test_the_closure_keeps_the_presenting_concerns_confirmed_or_changed_and_the_statistics_count_them(
        services: Services) -> None:
    made = []
    for i, concerns in enumerate((["study", "emotions"], ["family"], ["romance"], [])):
        c = services.clients.create(Client(code=f"CL-{i}", name=f"结案姓名{i}"))
        assert c.id is not None
        services.liaison.set_school_details(c.id, "2024级", concerns)
        made.append(c.id)
    today = date.today()
    confirmed = services.closures.close(made[0], "goals_met", "目标达成", today - timedelta(days=3))
    assert confirmed.concerns == ("study", "emotions")  # confirmed as they stood
    changed = services.closures.close(made[1], "client_ended", "来访者结束", today, concerns=["family", "career"])
    assert changed.concerns == ("family", "career")
    after = services.liaison.school_details(made[1])
    assert (after.grade, after.concerns) == ("2024级", ("family", "career"))  # the client's field follows, grade kept
    assert services.audit.entries(limit=2)[1].kind == "client.school_details_set"
    with pytest.raises(ValidationError) as caught:
        services.closures.close(made[2], "goals_met", "x", concerns=["astrology"])
    assert "concerns" in caught.value.errors and services.closures.current(made[2]) is None
    services.closures.close(made[2], "other", "首次结案", today - timedelta(days=10))
    services.closures.reopen(made[2])
    services.closures.close(made[2], "other", "再次结案", today - timedelta(days=1), concerns=["romance", "study"])
    services.closures.close(made[3], "graduated_left", "毕业", today)
    assert services.closures.current(made[3]).concerns == ()  # type: ignore[union-attr]
    with services.store.write() as conn:  # a closure made before concerns were asked at closure
        conn.execute("UPDATE case_closures SET concerns = NULL WHERE client_id = ?", (made[3],))
    assert services.closures.current(made[3]).concerns is None  # type: ignore[union-attr]

    report = services.statistics.report(today - timedelta(days=30), today, "zh_CN")
    head = {c.label: c.count for c in report.headline.cells}
    assert head["结案个案数"] == 4  # the case closed twice in the period counts once
    closed = report.closed_by_concern
    assert closed is not None and closed in report.tables
    counts = {c.label: c.count for c in closed.cells}
    assert counts["学业"] == 2 and counts["情绪"] == 1 and counts["家庭"] == 1 and counts["生涯"] == 1
    assert counts["恋爱"] == 1 and counts["人际"] == 0 and counts["未记录问题类别"] == 1
    assert all(v == "<5" or v == "0" for v in closed.shown)
    assert services.statistics.report(today - timedelta(days=2), today, "en").closed_by_concern.cells[0].count == 1  # type: ignore[union-attr]
    text = report.text()
    assert "结案姓名" not in text and "CL-" not in text and "目标达成" not in text
