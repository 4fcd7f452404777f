"""Hostile questionnaire definitions (issue 17, item 4): the six causes of crashes found by fuzzing, and the
ones found since, are refused with a message naming each mistake and its place; none reaches the vault."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from counselroom.records import instruments
from counselroom.records.instruments import DefinitionInvalid, parse_definition
from counselroom.records.services import Services

DATA = Path(__file__).resolve().parents[1] / "data" / "instruments"
GOOD: dict[str, Any] = json.loads((DATA / "good-small.json").read_text("utf-8"))
Doc = dict[str, Any]


def mutated(mutate: Callable[[Doc], Any]) -> str:
    doc = copy.deepcopy(GOOD)
    text = mutate(doc)
    return text if isinstance(text, str) else json.dumps(doc, ensure_ascii=False)


def refused(data: str | bytes) -> list[str]:
    with pytest.raises(DefinitionInvalid) as e:
        parse_definition(data)
    return [p.text("en") for p in e.value.problems]


def test_the_good_file_is_accepted() -> None:
    assert parse_definition(mutated(lambda d: None)).id == "room-small"


# -- the six causes of the issue -----------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [50, 5000, 200_000])
def test_deep_nesting_is_refused_with_its_place(depth: int) -> None:
    text = '{"format": "counselroom-instrument/1",\n "title": ' + "[" * depth + "]" * depth + "}"
    assert refused(text) == ["The file: It is nested too deeply (more than 16 levels of brackets) near line 2, "
                             "column 26. A questionnaire definition needs only a few levels."]


@pytest.mark.parametrize("where", ["top", "item"])
def test_options_that_are_not_a_list_are_refused_without_crashing(where: str) -> None:
    def mutate(d: Doc) -> None:
        (d if where == "top" else d["items"][0])["options"] = "x"

    problems = refused(mutated(mutate))
    place = "Field “options”" if where == "top" else "Item 1"
    assert f"{place}: Give at least two answer options as a list, each with a value and a label." in problems


def test_options_whose_values_are_all_wrong_are_refused_without_crashing() -> None:
    problems = refused(mutated(lambda d: d.__setitem__("options", [{"value": "a"}, {"value": "b"}])))
    assert any(p.startswith("Answer option 1: The value “a” is not a number") for p in problems)


@pytest.mark.parametrize("key", ["extra", "Total"])
def test_an_unknown_field_in_scoring_is_refused_naming_the_place(key: str) -> None:
    problems = refused(mutated(lambda d: d["scoring"].__setitem__(key, 1)))
    assert problems == [f"Field “scoring”: Unknown field “{key}”. The fields allowed here are: total, factors, bands, "
                        "critical_items, screening."]


@pytest.mark.parametrize("value", [["mood"], {"a": 1}])
def test_a_list_or_object_where_a_score_name_is_expected_is_refused(value: object) -> None:
    def mutate(d: Doc) -> None:
        d["scoring"]["screening"][0]["any"][1] = {"score": value, "is": ">= 1"}

    problems = refused(mutated(mutate))
    assert problems == ["Screening rule “attention”, condition 2: The score should be named by its id in quotation "
                        "marks, such as \"total\". The scores are: total, mood, sleep."]


@pytest.mark.parametrize("literal", ["1" + "0" * 400, "-" + "9" * 30, "1e400", "NaN", "Infinity", "-Infinity"])
def test_numbers_out_of_range_are_refused(literal: str) -> None:
    text = mutated(lambda d: None).replace('"value": 3', '"value": ' + literal, 1)
    problems = refused(text)
    assert len(problems) == 1
    assert problems[0].startswith(("Answer option 4: The value", "The file: The number"))


@pytest.mark.parametrize("condition", ["== " + "9" * 400, ">= 1." + "9" * 400, "> 10000000000000"])
def test_conditions_with_numbers_out_of_range_are_refused(condition: str) -> None:
    problems = refused(mutated(lambda d: d["scoring"]["critical_items"][0].__setitem__("when", condition)))
    assert len(problems) == 1 and problems[0].startswith("Critical item rule 1: The condition")


def test_a_band_limit_out_of_range_is_refused() -> None:
    problems = refused(mutated(lambda d: d["scoring"]["bands"]["total"][1].__setitem__("to", 10 ** 30)))
    assert "Cut-offs of “total”, range 2: “from” and “to” should be numbers from -1000000000 to 1000000000." \
        in problems


@pytest.mark.parametrize("version", [2 ** 63, 2 ** 31, 10 ** 30, 0, -1, 1.5, True, "2"])
def test_versions_outside_what_the_vault_stores_are_refused(services: Services, version: object) -> None:
    data = mutated(lambda d: d.__setitem__("version", version))
    with pytest.raises(DefinitionInvalid) as e:
        services.psychtests.import_definition(data)
    assert [p.text("en") for p in e.value.problems] == [
        "Field “version”: The version should be a whole number from 1 to 2147483647."]


def test_the_highest_version_is_stored(services: Services) -> None:
    outcome = services.psychtests.import_definition(mutated(lambda d: d.__setitem__("version", 2 ** 31 - 1)))
    assert outcome.instrument.version == 2 ** 31 - 1


@pytest.mark.parametrize("number", [0, 10_000, 2 ** 63])
def test_item_numbers_outside_the_range_are_refused(number: int) -> None:
    problems = refused(mutated(lambda d: d["items"][3].__setitem__("number", number)))
    assert f"Item 4 in the list: The item number “{number}” should be a whole number from 1 to 9999." in problems


# -- found while fuzzing -------------------------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_text_is_refused(services: Services) -> None:
    text = mutated(lambda d: None).replace('"Feeling low"', '"\\ud800 low"')
    with pytest.raises(DefinitionInvalid) as e:
        services.psychtests.import_definition(text)
    assert [p.text("en") for p in e.value.problems] == [
        "The file: It holds a character that is not text (an unpaired \\ud800 to \\udfff escape). Save it as UTF-8 "
        "text (JSON) and import it again."]


def test_a_field_given_twice_is_refused() -> None:
    text = mutated(lambda d: None).replace('"version": 1', '"version": 1, "version": 2', 1)
    assert refused(text) == ["The file: The field “version” is given twice in the same place; keep one."]


def test_thousands_of_mistakes_are_listed_up_to_a_limit() -> None:
    def mutate(d: Doc) -> None:
        d["items"] = [{"number": n, "text": {"zh_CN": "x"}} for n in range(1, 5001)]

    problems = refused(mutated(mutate))
    assert len(problems) == instruments.MAX_PROBLEMS + 1
    assert problems[-1].startswith("The file: …and ")


# -- reading the file ----------------------------------------------------------------------------------------------


def test_reading_a_definition_file_refuses_what_is_not_a_file(tmp_path: Path) -> None:
    from counselroom.records.instruments import read_definition_file

    folder = tmp_path / "folder.json"
    folder.mkdir()
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (instruments.MAX_FILE_BYTES + 1))
    for path in (folder, fifo, big, tmp_path / "missing.json"):
        with pytest.raises(DefinitionInvalid) as e:
            read_definition_file(path)
        assert len(e.value.problems) == 1 and e.value.problems[0].text("en").startswith("The file: ")
    good = tmp_path / "good.json"
    good.write_bytes((DATA / "good-small.json").read_bytes())
    assert read_definition_file(good) == good.read_bytes()


def test_a_refused_file_writes_nothing_to_the_vault(services: Services) -> None:
    db = services.store.conn  # the import refuses before any statement
    folder = Path(services.session.vault.path)
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    for bad in (mutated(lambda d: d.__setitem__("version", 2 ** 63)), "[" * 10_000, "{}"):
        with pytest.raises(DefinitionInvalid):
            services.psychtests.import_definition(bad)
    assert db.in_transaction is False
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
