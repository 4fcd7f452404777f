"""Questionnaire definitions: PHQ-9 and GAD-7 scored against hand-computed examples, an imported
questionnaire with factor means, reversed items and a critical item, and broken definition files refused
with a message naming the place of each mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from counselroom.records import instruments
from counselroom.records.instruments import DefinitionInvalid, builtin, builtin_ids, parse_definition

DATA = Path(__file__).resolve().parents[1] / "data" / "instruments"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "instruments"


def answers(*values: int) -> dict[int, int]:
    return {n: v for n, v in enumerate(values, start=1)}


def phq9() -> instruments.Instrument:
    found = builtin("phq9")
    assert found is not None
    return found


def gad7() -> instruments.Instrument:
    found = builtin("gad7")
    assert found is not None
    return found


def band(instrument: instruments.Instrument, result: instruments.Result, lang: str = "en") -> str:
    return instrument.total.bands[result.bands["total"]].text(lang)


# -- PHQ-9 -------------------------------------------------------------------------------------------------------


def test_phq9_is_built_in_with_its_nine_items_in_both_languages() -> None:
    phq = phq9()
    assert phq.numbers == tuple(range(1, 10))
    assert phq.item(9).text_in("en") == "Thoughts that you would be better off dead or of hurting yourself in some way"
    assert phq.item(9).text_in("zh_CN") == "有不如死掉或用某种方式伤害自己的念头"
    assert [o.text("zh_CN") for o in phq.item(1).options] == ["完全不会", "好几天", "一半以上的天数", "几乎每天"]
    assert [o.value for o in phq.item(1).options] == [0, 1, 2, 3]


def test_phq9_moderate_without_a_critical_item() -> None:
    result = phq9().score(answers(0, 1, 2, 3, 0, 1, 2, 1, 0))
    # 0 + 1 + 2 + 3 + 0 + 1 + 2 + 1 + 0 = 10: the band 10-14
    assert result.total == 10
    assert band(phq9(), result) == "Moderate depressive symptoms"
    assert band(phq9(), result, "zh_CN") == "中度抑郁症状"
    assert result.critical == ()
    assert result.positive == ("positive",)  # total >= 10


def test_phq9_mild_total_with_item_9_above_zero_is_critical_and_positive() -> None:
    result = phq9().score(answers(1, 1, 1, 1, 0, 0, 0, 0, 1))
    # 1 + 1 + 1 + 1 + 0 + 0 + 0 + 0 + 1 = 5: the band 5-9, below the screening cut-off of 10
    assert result.total == 5
    assert band(phq9(), result) == "Mild depressive symptoms"
    assert result.critical == (9,)  # item 9 > 0
    assert result.positive == ("positive",)  # any critical item makes the screen positive


@pytest.mark.parametrize(("values", "total", "label"), [
    ((0,) * 9, 0, "Minimal depressive symptoms"),  # 9 x 0 = 0
    ((1, 1, 1, 1, 0, 0, 0, 0, 0), 4, "Minimal depressive symptoms"),  # 4 x 1 = 4, the top of 0-4
    ((2, 2, 2, 2, 2, 2, 2, 1, 0), 15, "Moderately severe depressive symptoms"),  # 7 x 2 + 1 = 15
    ((3, 3, 2, 2, 2, 2, 2, 2, 1), 19, "Moderately severe depressive symptoms"),  # 6 + 12 + 1 = 19
    ((3, 3, 3, 2, 2, 2, 2, 2, 1), 20, "Severe depressive symptoms"),  # 9 + 10 + 1 = 20
    ((3,) * 9, 27, "Severe depressive symptoms"),  # 9 x 3 = 27
])
def test_phq9_bands_at_their_edges(values: tuple[int, ...], total: int, label: str) -> None:
    result = phq9().score(answers(*values))
    assert result.total == total
    assert band(phq9(), result) == label


def test_phq9_item_9_is_critical_for_every_answer_above_zero_and_only_those() -> None:
    phq = phq9()
    assert phq.critical_for(9, 0) is None
    for value in (1, 2, 3):
        hit = phq.critical_for(9, value)
        assert hit is not None and hit.item == 9
        assert "assess suicide risk" in hit.text("en") and "自杀风险评估" in hit.text("zh_CN")
    assert phq.critical_for(2, 3) is None


# -- GAD-7 -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "total", "label", "positive"), [
    ((0,) * 7, 0, "Minimal anxiety", False),  # 0
    ((1, 1, 1, 1, 1, 0, 0), 5, "Mild anxiety", False),  # 5 x 1 = 5
    ((2, 2, 1, 1, 0, 1, 2), 9, "Mild anxiety", False),  # 2+2+1+1+0+1+2 = 9
    ((2, 2, 1, 1, 0, 3, 1), 10, "Moderate anxiety", True),  # 2+2+1+1+0+3+1 = 10
    ((2,) * 7, 14, "Moderate anxiety", True),  # 7 x 2 = 14
    ((3, 2, 2, 2, 2, 2, 2), 15, "Severe anxiety", True),  # 3 + 6 x 2 = 15
    ((3,) * 7, 21, "Severe anxiety", True),  # 7 x 3 = 21
])
def test_gad7_scores_and_bands(values: tuple[int, ...], total: int, label: str, positive: bool) -> None:
    result = gad7().score(answers(*values))
    assert result.total == total
    assert band(gad7(), result) == label
    assert result.critical == ()
    assert (result.positive == ("positive",)) is positive


def test_gad7_in_chinese() -> None:
    gad = gad7()
    assert gad.title_in("zh_CN") == "广泛性焦虑量表（GAD-7）"
    assert gad.item(7).text_in("zh_CN") == "感到似乎将有可怕的事情发生而害怕"
    assert gad.item(1).text_in("en") == "Feeling nervous, anxious, or on edge"


def test_scoring_needs_every_item() -> None:
    with pytest.raises(ValueError, match="unanswered"):
        phq9().score(answers(1, 1, 1))


# -- an imported questionnaire -------------------------------------------------------------------------------------


def small() -> instruments.Instrument:
    return parse_definition((DATA / "good-small.json").read_bytes(), builtin_ids())


def test_imported_questionnaire_with_factor_means_reversed_item_and_critical_item() -> None:
    room = small()
    # Items: 1 low mood, 2 content with life (reversed, 0-3), 3 sleep, 4 tired, 5 self-harm thoughts (no 0 / yes 1).
    result = room.score({1: 3, 2: 0, 3: 1, 4: 2, 5: 1})
    # item 2 reversed: 3 + 0 - 0 = 3
    # total (sum) = 3 + 3 + 1 + 2 + 1 = 10 -> band 6-13 "Raised"
    # mood (mean of 1, 2) = (3 + 3) / 2 = 3 -> band 2-3 "Raised"
    # sleep (mean of 3, 4) = (1 + 2) / 2 = 1.5 (no bands)
    assert result.scores == {"total": 10, "mood": 3, "sleep": 1.5}
    assert room.total.bands[result.bands["total"]].text("en") == "Raised"
    assert room.score_by_id("mood").bands[result.bands["mood"]].text("zh_CN") == "偏高"
    assert "sleep" not in result.bands
    # item 5 == 1 is critical; rule "attention" (critical or any factor >= 2) holds; "two-often" needs
    # at least two of items 1-4 answered >= 2: item 1 (3) and item 4 (2) -> holds
    assert result.critical == (5,)
    assert result.positive == ("attention", "two-often")


def test_a_mean_on_a_cut_off_falls_in_the_upper_band_and_means_are_rounded() -> None:
    room = small()
    result = room.score({1: 1, 2: 0, 3: 0, 4: 0, 5: 0})
    # mood = (1 + (3 - 0)) / 2 = 2.0: exactly on the cut-off between 0-2 and 2-3 -> the upper band "Raised"
    assert result.scores["mood"] == 2
    assert room.score_by_id("mood").bands[result.bands["mood"]].text("en") == "Raised"
    # total = 1 + 3 + 0 + 0 + 0 = 4 -> "Usual"; no critical item; "attention" holds through the factor mean
    assert result.total == 4 and result.critical == () and result.positive == ("attention",)
    example = parse_definition(instruments.EXAMPLE_FILE.read_bytes(), builtin_ids())
    result = example.score({1: 1, 2: 1, 3: 0, 4: 0, 5: 0, 6: 0, 7: 3, 8: 0, 9: 3, 10: 0, 11: 0, 12: 0})
    # adjustment = mean of 7 (reversed: 3 + 0 - 3 = 0), 8 (0), 9 (reversed: 0) = 0; mood = (1 + 1 + 0) / 3 = 0.67
    assert result.scores["mood"] == 0.67 and result.scores["adjustment"] == 0


def test_the_example_file_in_the_docs_is_the_one_the_program_ships_and_it_is_valid() -> None:
    assert (DOCS / "example-room-instrument.json").read_text("utf-8") == instruments.EXAMPLE_FILE.read_text("utf-8")
    example = parse_definition(instruments.EXAMPLE_FILE.read_bytes(), builtin_ids())
    assert [s.id for s in example.factors] == ["mood", "anxiety", "adjustment", "body"]
    assert example.critical_for(12, 1) is not None and example.critical_for(12, 0) is None


def test_rules_read_in_words() -> None:
    room = small()
    attention, two = room.screening
    assert room.describe_rule(attention, "en") == "any critical item answered or any factor ≥ 2"
    assert room.describe_rule(two, "en") == "≥ 2 of the answers to items 1, 2, 3, 4 are ≥ 2"


# -- broken files ---------------------------------------------------------------------------------------------------

BROKEN = {
    "broken-not-json.json": ("The file", "This is not valid JSON: look near line 5, column 3 for a missing comma, "
                                         "bracket or quotation mark."),
    "broken-unknown-field.json": ("The file", "Unknown field “colour”. The fields allowed here are: format, id, "
                                              "version, languages, title, short_title, purpose, instructions, source, "
                                              "options, items, scoring."),
    "broken-factor-item-missing.json": ("Factor “sleep”", "Item 14 does not exist in this questionnaire."),
    "broken-duplicate-item.json": ("Item 3", "Two items have the number 3. Each item needs its own number."),
    "broken-option-not-number.json": ("Answer option 3", "The value “often” is not a number. Each answer option "
                                                         "needs a number as its value, such as 0, 1, 2."),
    "broken-bands-overlap.json": ("Cut-offs of “total”", "The ranges 0–5 and 5–13 overlap: a score can only fall in "
                                                         "one range."),
    "broken-bands-gap.json": ("Cut-offs of “total”", "The ranges 0–5 and 7–13 leave a gap: no range holds 6."),
    "broken-missing-chinese.json": ("Item 2", "The Chinese text (zh_CN) is missing."),
    "broken-missing-english.json": ("Field “title”", "The English text (en) is missing."),
    "broken-builtin-id.json": ("Field “id”", "The id “phq9” is the id of a built-in questionnaire. Give the room's "
                                             "own questionnaire an id of its own."),
    "broken-critical-condition.json": ("Critical item rule 1", "The condition “at least 1” is not understood. Write "
                                                               "a comparison and a number, such as \">= 1\", \"> 2\", "
                                                               "\"<= 10\" or \"== 3\"."),
    "broken-rule-unknown-score.json": ("Screening rule “attention”, condition 3",
                                       "There is no score “anxiety”. The scores are: total, mood, sleep."),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_definition_is_refused_with_its_place_and_error(name: str) -> None:
    with pytest.raises(DefinitionInvalid) as caught:
        parse_definition((DATA / name).read_bytes(), builtin_ids())
    where, what = BROKEN[name]
    found = [(p.where("en"), p.what("en")) for p in caught.value.problems]
    assert found[0] == (where, what)
    assert all(p.where("zh_CN") and p.what("zh_CN") != p.what("en") for p in caught.value.problems)


def test_every_broken_file_in_the_test_data_is_checked() -> None:
    assert {p.name for p in DATA.glob("broken-*.json")} == set(BROKEN)


def good_doc() -> dict[str, object]:
    return json.loads((DATA / "good-small.json").read_text("utf-8"))


def refused(doc: object) -> list[str]:
    with pytest.raises(DefinitionInvalid) as caught:
        parse_definition(json.dumps(doc, ensure_ascii=False), builtin_ids())
    return [p.text("en") for p in caught.value.problems]


def test_more_mistakes_are_named() -> None:
    doc = good_doc()
    doc["scoring"]["critical_items"][0]["when"] = ">= 5"  # type: ignore[index]
    assert refused(doc) == ["Critical item rule 1: The condition “≥ 5” is never true for item 5, whose answers are "
                            "0, 1."]
    doc = good_doc()
    doc["scoring"]["critical_items"][0]["when"] = ">= 0"  # type: ignore[index]
    assert "so every test would raise a risk prompt" in refused(doc)[0]
    doc = good_doc()
    doc["scoring"]["bands"]["total"][1]["to"] = 12  # type: ignore[index]
    assert refused(doc) == ["Cut-offs of “total”: The highest possible score is 13, but the last range ends at 12."]
    doc = good_doc()
    doc["scoring"]["factors"][0]["method"] = "average"  # type: ignore[index]
    assert refused(doc) == ["Factor “mood”: The method “average” is not known: use “sum” or “mean”."]
    doc = good_doc()
    doc["format"] = "something-else"
    assert refused(doc)[0].startswith("Field “format”: This does not say it is a questionnaire definition")
    doc = good_doc()
    doc["items"][0]["text"] = {"zh-CN": "情绪低落", "en": "Feeling low"}  # type: ignore[index]
    assert refused(doc) == ["Item 1: Unknown language “zh-CN”: write “zh_CN” for Simplified Chinese and “en” for "
                            "English.", "Item 1: The Chinese text (zh_CN) is missing."]
    assert refused([1, 2]) == ["The file: A definition file holds one object in curly brackets with the fields "
                               "“format”, “id”, “version”, “title” and so on (see the example file)."]
    with pytest.raises(DefinitionInvalid) as caught:
        parse_definition(b"\xff\xfe{", builtin_ids())
    assert caught.value.problems[0].what("en").startswith("It is not text in UTF-8")


def test_all_problems_are_reported_at_once() -> None:
    doc = good_doc()
    doc["colour"] = "blue"
    doc["items"][1]["text"].pop("zh_CN")  # type: ignore[index]
    doc["scoring"]["factors"][1]["items"] = [3, 4, 14]  # type: ignore[index]
    assert [p.split(":")[0] for p in refused(doc)] == ["The file", "Item 2", "Factor “sleep”"]
