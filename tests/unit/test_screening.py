"""Cohort screenings (issue 15): reading .xlsx and .csv, mapping columns, checking every row, scoring by
the questionnaire's rules, levels, and turning flagged rows into clients with an interview."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from counselroom.records.clients import Client, ValidationError
from counselroom.records.instruments import DefinitionInvalid, parse_definition
from counselroom.records.screening import ScreeningInvalid, level_of
from counselroom.records.screening_import import (
    ColumnMapping,
    ImportRefused,
    column_letter,
    read_csv,
    read_table,
    suggest_mapping,
)
from counselroom.records.services import Services
from counselroom.shipped import resource
from counselroom.vault.errors import VaultError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from screening_files import LIE_ITEMS, make_cohort, upi_level, write_csv, write_xlsx  # noqa: E402

EXAMPLES = resource("instruments", "examples")
CONSENT = "本次普查用于了解同学们的心理状况，结果保密，仅心理咨询中心使用。"


def upi(services: Services) -> str:
    return services.psychtests.import_definition((EXAMPLES / "upi-style-rules.json").read_bytes()).instrument.id


def scl(services: Services) -> str:
    return services.psychtests.import_definition((EXAMPLES / "scl90-style-rules.json").read_bytes()).instrument.id


# -- the rule examples ------------------------------------------------------------------------------------------------


def test_the_upi_example_leaves_the_lie_items_out_and_classes_students_as_its_source_says() -> None:
    instrument = parse_definition((EXAMPLES / "upi-style-rules.json").read_bytes())
    assert instrument.total.items == tuple(n for n in range(1, 61) if n not in LIE_ITEMS)
    none = dict.fromkeys(range(1, 61), 0)
    lies_only = {**none, **dict.fromkeys(LIE_ITEMS, 1)}
    assert instrument.score(lies_only).total == 0
    cases = [
        (none, None),
        (lies_only, None),
        ({**none, 25: 1}, 1),  # the critical item alone
        ({**none, 8: 1}, 2),  # one key item
        ({**none, 8: 1, 26: 1}, 1),  # two key items
        ({**none, **dict.fromkeys(range(27, 47), 1)}, None),  # 20 yes, one a lie item: total 19
        ({**none, **dict.fromkeys(range(27, 48), 1)}, 2),  # total 20
        ({**none, **dict.fromkeys(range(27, 53), 1)}, 2),  # 26 yes, two lie items: total 24
        ({**none, **dict.fromkeys(range(27, 54), 1)}, 1),  # total 25
    ]
    for answers, expected in cases:
        result = instrument.score(answers)
        assert level_of(instrument, result, 3) == upi_level(answers) == expected


def test_the_scl90_example_scores_factor_means_and_counts_positive_items() -> None:
    instrument = parse_definition((EXAMPLES / "scl90-style-rules.json").read_bytes())
    assert len(instrument.factors) == 10
    calm = dict.fromkeys(range(1, 91), 1)
    result = instrument.score(calm)
    assert result.total == 90 and result.positive == () and level_of(instrument, result, 3) is None
    # 44 items at 2 (positive items > 43), every factor mean below 2: "screening positive", level 3
    some = {**calm, **dict.fromkeys([n for n in range(1, 91) if n % 2 == 0][:44], 2)}
    result = instrument.score(some)
    assert all(result.scores[f.id] < 2 for f in instrument.factors)
    assert result.positive == ("positive",) and level_of(instrument, result, 3) == 3
    # the depression factor (13 items) all at 3: mean 3.00 -> higher concern, level 2; item 15 is critical
    depressed = {**calm, **dict.fromkeys([5, 14, 15, 20, 22, 26, 29, 30, 31, 32, 54, 71, 79], 3)}
    result = instrument.score(depressed)
    assert result.scores["depression"] == 3 and result.critical == (15,)
    assert level_of(instrument, result, 3) == 1  # a critical item is always the highest level
    result = instrument.score({**depressed, 15: 1})  # without the critical item: mean 2.85, only positive
    assert result.scores["depression"] == 2.85 and level_of(instrument, result, 3) == 3
    result = instrument.score({**depressed, **dict.fromkeys([5, 14, 20], 5), 15: 1})  # mean 3.31
    assert result.scores["depression"] == 3.31 and result.positive == ("higher", "positive")
    assert level_of(instrument, result, 3) == 2


def test_a_room_instrument_needs_only_its_own_language() -> None:
    doc = json.loads((EXAMPLES / "upi-style-rules.json").read_text(encoding="utf-8"))
    assert doc["languages"] == ["zh_CN"] and "en" not in doc["title"]
    parse_definition(json.dumps(doc))  # no English anywhere: accepted
    doc["items"][2]["text"] = {"en": "only English"}
    with pytest.raises(DefinitionInvalid) as caught:
        parse_definition(json.dumps(doc))
    assert [p.text("en") for p in caught.value.problems] == ["Item 3: The Chinese text (zh_CN) is missing."]
    doc["languages"] = ["fr"]
    with pytest.raises(DefinitionInvalid) as caught:
        parse_definition(json.dumps(doc))
    assert caught.value.problems[0].where("en") == "Field “languages”"
    del doc["languages"]  # without the field, both languages are required, as before
    with pytest.raises(DefinitionInvalid) as caught:
        parse_definition(json.dumps(doc))
    assert any(p.what("en") == "The English text (en) is missing." for p in caught.value.problems)


def test_a_rule_level_out_of_range_is_named() -> None:
    doc = json.loads((EXAMPLES / "upi-style-rules.json").read_text(encoding="utf-8"))
    doc["scoring"]["screening"][0]["level"] = 0
    with pytest.raises(DefinitionInvalid) as caught:
        parse_definition(json.dumps(doc))
    assert caught.value.problems[0].text("en") == ("Screening rule “class1”: The level should be a whole number "
                                                   "from 1 (the highest concern) to 9.")


# -- reading and checking files ---------------------------------------------------------------------------------------


def test_columns_are_named_as_spreadsheets_name_them() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_the_mapping_is_suggested_from_the_headers(services: Services, tmp_path: Path) -> None:
    instrument = services.psychtests.instrument(upi(services))
    table = read_table(write_xlsx(make_cohort(3), tmp_path / "cohort.xlsx"))
    mapping = suggest_mapping(table, instrument)
    assert mapping.fields == {"student_no": "学号", "name": "姓名", "gender": "性别", "grade": "年级",
                              "department": "学院", "class_name": "班级"}
    assert mapping.items == {n: f"{n}、第{n}题" for n in range(1, 61)}


def test_every_bad_value_is_named_by_row_and_column_and_nothing_is_imported(services: Services,
                                                                            tmp_path: Path) -> None:
    instrument_id = upi(services)
    cohort = make_cohort(40, bad_every=8)
    table = read_table(write_xlsx(cohort, tmp_path / "cohort.xlsx"))
    mapping = suggest_mapping(table, services.psychtests.instrument(instrument_id))
    checked = services.screening.check(table, instrument_id, mapping)
    assert set(checked.bad_rows) == set(cohort.bad) == {9, 17, 25, 33, 41}
    texts = [p.text("en") for p in checked.problems]
    assert texts == [
        "Row 9, column J “3、第3题”: “7” is not an answer to item 3 (its answers are 0, 1).",
        "Row 17, column B “学号”: The student number is empty.",
        "Row 25, column D “性别”: “x” is not a gender: write 男/女, male/female, or leave it empty.",
        "Row 33, column Q “10、第10题”: No answer to item 10.",
        "Row 41, column B “学号”: The student number 202600001 is also in row 2: each student once."]
    assert checked.problems[0].text("zh_CN").startswith("第 9 行，J 列“3、第3题”：")
    with pytest.raises(ScreeningInvalid) as caught:
        services.screening.import_screening(table, instrument_id, mapping, "2026级新生", date.today(), CONSENT)
    assert len(caught.value.problems) == 5
    with pytest.raises(ScreeningInvalid) as caught:  # skipping some of the named rows is not enough
        services.screening.import_screening(table, instrument_id, mapping, "2026级新生", date.today(), CONSENT,
                                            skip_rows=[9, 17])
    assert {p.row for p in caught.value.problems} == {25, 33, 41}
    assert services.screening.screenings() == []
    assert services.clients.count() == 0


def test_a_mapping_that_cannot_work_is_refused_before_the_rows(services: Services, tmp_path: Path) -> None:
    instrument_id = upi(services)
    table = read_table(write_csv(make_cohort(3), tmp_path / "cohort.csv"))
    mapping = suggest_mapping(table, services.psychtests.instrument(instrument_id))
    partial = ColumnMapping({k: v for k, v in mapping.fields.items() if k != "student_no"},
                            {k: v for k, v in mapping.items.items() if k != 60})
    checked = services.screening.check(table, instrument_id, partial)
    assert checked.unmapped_items == (60,)
    assert checked.mapping_problems == ("Choose the column that holds the student number.",
                                        "Every item needs a column: choose the columns of the items still without one.")


def test_a_gbk_csv_from_a_chinese_excel_reads_like_utf8(tmp_path: Path) -> None:
    cohort = make_cohort(5)
    gbk = read_table(write_csv(cohort, tmp_path / "gbk.csv", encoding="gbk"))
    utf8 = read_table(write_csv(cohort, tmp_path / "utf8.csv"))
    assert gbk.headers == utf8.headers and gbk.rows == utf8.rows
    assert gbk.headers[1] == "学号" and gbk.rows[0][0] == 2


def test_files_that_are_not_tables_of_answers_are_refused(tmp_path: Path) -> None:
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "fake.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "empty.csv").write_bytes(b"\n\n")
    (tmp_path / "folder.csv").mkdir()
    for name, start in (("old.xls", "Choose an Excel workbook (.xlsx) or a CSV file"),
                        ("fake.xlsx", "The file could not be read as an Excel workbook"),
                        ("empty.csv", "The file is empty"), ("folder.csv", "This is not a plain file"),
                        ("missing.csv", "The file could not be read.")):
        with pytest.raises(ImportRefused) as caught:
            read_table(tmp_path / name)
        assert caught.value.text("en").startswith(start), name
    assert read_csv("学号;1\n1;是\n".encode()).headers == ("学号", "1")  # a semicolon CSV (some Excel locales)


# -- importing, levels, the flagged list ---------------------------------------------------------------------------


def test_5000_students_with_bad_rows_import_at_the_right_levels(services: Services, tmp_path: Path) -> None:
    instrument_id = upi(services)
    cohort = make_cohort(5000, bad_every=250)
    path = write_xlsx(cohort, tmp_path / "cohort.xlsx")
    table = read_table(path)
    mapping = suggest_mapping(table, services.psychtests.instrument(instrument_id))
    checked = services.screening.check(table, instrument_id, mapping)
    assert set(checked.bad_rows) == set(cohort.bad) and len(cohort.bad) == 20
    steps: list[tuple[int, int]] = []
    screening = services.screening.import_screening(
        table, instrument_id, mapping, "2026级新生", date(2026, 9, 20), CONSENT, skip_rows=checked.bad_rows,
        progress=lambda done, total: steps.append((done, total)), checked=checked)
    assert steps[-1] == (4980, 4980) and len(steps) == 10
    assert (screening.rows_imported, screening.rows_skipped, screening.file_kind) == (4980, 20, "xlsx")
    assert (screening.cohort, screening.held_on, screening.consent_text) == ("2026级新生", date(2026, 9, 20), CONSENT)
    got = {r.student_no: r.level for r in services.screening.rows(screening.id)}
    assert got == cohort.expected
    counts = services.screening.level_counts(screening.id)
    assert counts[1] > 0 and counts[2] > 0 and counts[None] > 0
    assert screening.flagged == counts[1] + counts[2]
    assert services.clients.count() == 0  # students not flagged (and flagged ones too) are rows, not client files
    # the file is not kept: nothing in the vault folder but the vault's own files
    assert path.exists() and not any(p.suffix in (".xlsx", ".csv") for p in services.session.vault.path.rglob("*"))
    # the audit trail holds counts, never a student's number or answer
    entry = services.audit.entries(["screening.imported"])[0]
    assert entry.detail == {"instrument": "upi-style", "version": 1, "rows": 4980, "skipped": 20,
                            "flagged": screening.flagged, "file_kind": "xlsx"}
    # the mapping is saved and offered again for the next file of the same questionnaire
    assert services.screening.saved_mapping(instrument_id) == mapping


def test_a_saved_mapping_is_reused_for_renamed_columns(services: Services, tmp_path: Path) -> None:
    instrument_id = upi(services)
    cohort = make_cohort(4, yes_rate=0.0)
    table = read_table(write_csv(cohort, tmp_path / "a.csv"))
    mapping = suggest_mapping(table, services.psychtests.instrument(instrument_id))
    odd = ColumnMapping({**mapping.fields, "student_no": "序号"}, mapping.items)  # the counselor's own choice
    services.screening.save_mapping(instrument_id, odd)
    again = suggest_mapping(table, services.psychtests.instrument(instrument_id),
                            services.screening.saved_mapping(instrument_id))
    assert again.fields["student_no"] == "序号"


def _imported(services: Services, tmp_path: Path, n: int = 200) -> int:
    instrument_id = upi(services)
    table = read_table(write_csv(make_cohort(n, seed=3), tmp_path / "c.csv"))
    mapping = suggest_mapping(table, services.psychtests.instrument(instrument_id))
    return services.screening.import_screening(table, instrument_id, mapping, "2026级新生", date.today(), CONSENT).id


def test_the_flagged_list_by_level_and_class_turns_into_clients_and_interviews(services: Services,
                                                                               tmp_path: Path) -> None:
    screening_id = _imported(services, tmp_path)
    flagged = services.screening.flagged(screening_id)
    assert flagged and all(r.level is not None for r in flagged)
    assert [r.level for r in flagged] == sorted(r.level for r in flagged if r.level is not None)
    red = services.screening.flagged(screening_id, level=1)
    assert red and all(r.level == 1 for r in red)
    one_class = services.screening.flagged(screening_id, class_name=flagged[0].class_name)
    assert {r.class_name for r in one_class} == {flagged[0].class_name}
    assert services.screening.flagged(instrument_id="phq9") == []

    row = red[0]
    when = datetime.now().replace(second=0, microsecond=0) + timedelta(days=2)
    made = services.screening.make_client(row.id, "S-0001", interview_at=when)
    client = services.clients.get(made.client_id or 0)
    assert (client.code, client.name, client.class_name, client.gender) == ("S-0001", row.name, row.class_name,
                                                                            row.gender)
    assert services.liaison.school_details(client.id or 0).grade == "2026级"
    appointment = services.appointments.get(made.appointment_id or 0)
    assert (appointment.kind, appointment.planned_start, appointment.client_id) == ("first", when, client.id)
    assert made.interview_at == when and not made.interviewed and made.outcome is None
    with pytest.raises(ValidationError):
        services.screening.make_client(row.id, "S-0002")  # already linked
    # the interview is held; the outcome is recorded and shown on the list
    services.appointments.record_attendance(appointment.id or 0, "attended", when, when + timedelta(minutes=50))
    done = services.screening.record_outcome(row.id, "counseling", "约定每周一次咨询")
    assert done.interviewed and done.outcome == "counseling" and done.outcome_at is not None

    # an existing client is linked instead of making a second file
    other = services.clients.create(Client(code="C-7", name="已有来访者"))
    linked = services.screening.link_client(red[1].id if len(red) > 1 else flagged[1].id, other.id or 0)
    assert linked.client_id == other.id and linked.appointment_id is None
    booked = services.screening.book_interview(linked.id, when + timedelta(hours=2))
    assert booked.appointment_id is not None
    assert [r.id for r in services.screening.for_client(other.id or 0)] == [linked.id]

    # a student who was not flagged stays a screening row
    calm = next(r for r in services.screening.rows(screening_id) if r.level is None)
    with pytest.raises(ValidationError):
        services.screening.make_client(calm.id, "S-0003")
    assert services.clients.count() == 2
    kinds = [e.kind for e in services.audit.entries(["screening.client_made", "screening.client_linked",
                                                      "screening.interview_booked", "screening.outcome_recorded"])]
    assert sorted(kinds) == sorted(["screening.client_made", "screening.interview_booked", "screening.outcome_recorded",
                                    "screening.client_linked", "screening.interview_booked"])
    # a screening with students linked to client files is kept
    with pytest.raises(ValidationError):
        services.screening.delete_screening(screening_id)


def test_answers_and_results_are_read_only_in_the_vault(services: Services, tmp_path: Path) -> None:
    screening_id = _imported(services, tmp_path, 20)
    row = services.screening.rows(screening_id)[0]
    for sql in ("UPDATE screening_rows SET answers = '{}' WHERE id = ?",
                "UPDATE screening_rows SET level = 1 WHERE id = ?",
                "UPDATE screening_rows SET total = 99 WHERE id = ?"):
        with pytest.raises(VaultError), services.store.write() as conn:
            conn.execute(sql, (row.id,))
    with pytest.raises(VaultError), services.store.write() as conn:
        conn.execute("UPDATE screenings SET cohort = 'x' WHERE id = ?", (screening_id,))
    assert services.screening.row(row.id) == row


def test_a_screening_imported_by_mistake_can_be_deleted(services: Services, tmp_path: Path) -> None:
    screening_id = _imported(services, tmp_path, 20)
    services.screening.delete_screening(screening_id)
    assert services.screening.screenings() == []
    assert services.audit.entries(["screening.deleted"])[0].entity_id == screening_id


def test_the_rooms_levels_are_configurable_and_a_critical_item_is_always_the_highest(services: Services) -> None:
    assert [lv.text("zh_CN") for lv in services.screening.levels()] == ["红色（一级）", "橙色（二级）", "黄色（三级）"]
    services.screening.set_levels([{"zh_CN": "重点关注", "colour": "#AA0000"},
                                   {"zh_CN": "一般关注", "colour": "#ffaa00"}])
    levels = services.screening.levels()
    assert [(lv.number, lv.text("en"), lv.colour) for lv in levels] == [(1, "重点关注", "#aa0000"),
                                                                         (2, "一般关注", "#ffaa00")]
    for bad in ([], [{"zh_CN": "", "colour": "#000000"}], [{"zh_CN": "红", "colour": "red"}]):
        with pytest.raises(ValidationError):
            services.screening.set_levels(bad)
    instrument = parse_definition((EXAMPLES / "scl90-style-rules.json").read_bytes())
    positive = {**dict.fromkeys(range(1, 91), 1), **dict.fromkeys(range(46, 90), 2)}
    result = instrument.score(positive)
    assert result.positive == ("positive",)  # a level-3 rule, with only two room levels: the lowest, 2
    assert level_of(instrument, result, 2) == 2
    assert level_of(instrument, instrument.score({**positive, 15: 2}), 2) == 1


def test_the_room_supplies_the_item_text_of_a_rule_example(services: Services) -> None:
    from counselroom.records.screening_rules import fill_item_texts, item_lines

    assert item_lines("1. 我常常失眠\n\n2、 食欲不振\n(3) 容易疲倦\n第4题 头痛\nQ5: 腰酸\n6 总是担心") == [
        "我常常失眠", "食欲不振", "容易疲倦", "头痛", "腰酸", "总是担心"]
    texts = "\n".join(f"{n}. 本室第{n}题的文字" for n in range(1, 61))
    data = fill_item_texts("upi-style", texts)
    outcome = services.psychtests.import_definition(data)
    assert outcome.instrument.item(60).text_in("zh_CN") == "本室第60题的文字"  # type: ignore[union-attr]
    assert outcome.instrument.total.items == tuple(n for n in range(1, 61) if n not in LIE_ITEMS)
    with pytest.raises(DefinitionInvalid) as caught:
        fill_item_texts("upi-style", "\n".join(texts.splitlines()[:59]))
    assert caught.value.problems[0].what("en") == "The text file holds 59 items, one a line; the questionnaire has 60."
    with pytest.raises(DefinitionInvalid):
        fill_item_texts("upi-style", texts, "en")  # the UPI-style example is Chinese only
    scl_text = "\n".join(f"Item {n} as licensed" for n in range(1, 91))
    assert b"Item 90 as licensed" in fill_item_texts("scl90-style", scl_text, "en")


def _xlsx_with_dimension(cohort, path: Path) -> Path:  # type: ignore[no-untyped-def]
    """As Excel and WPS save a workbook: the sheet says its size (<dimension>); openpyxl's write-only mode does not."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in cohort.table:
        sheet.append(row)  # type: ignore[union-attr]
    book.save(path)
    return path


def test_reading_a_file_reports_the_rows_read_as_the_import_does(tmp_path: Path) -> None:
    """A large .xlsx takes seconds to read (openpyxl, read-only): rows read are reported through the same
    (done, total) callback the import uses, with the total the sheet gives, or 0 when it gives none."""
    cohort = make_cohort(1200, seed=4)
    for path, known in ((_xlsx_with_dimension(cohort, tmp_path / "excel.xlsx"), True),
                        (write_xlsx(cohort, tmp_path / "write-only.xlsx"), False),
                        (write_csv(cohort, tmp_path / "answers.csv"), True)):
        seen: list[tuple[int, int]] = []
        table = read_table(path, lambda done, total: seen.append((done, total)))  # noqa: B023
        assert len(table.rows) == 1200
        assert [d for d, _t in seen] == [250, 500, 750, 1000, 1201], path.name
        assert seen[-1] == (1201, 1201)  # the header row and every student's row
        assert {t for _d, t in seen[:-1]} == ({1201} if known else {0}), path.name
    assert read_table(tmp_path / "excel.xlsx").rows == table.rows  # the same rows, with or without a callback
