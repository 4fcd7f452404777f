"""The instruments page: the built-in questionnaires in full, importing the room's own from a file (chosen in
the file dialog), a broken file refused with a readable list of its mistakes, a new version after tests
were given, the example file saved for the counselor to start from, and the page in Chinese."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from counselroom import i18n
from counselroom.gui.psychtests import instruments_page as page_module
from counselroom.gui.psychtests.instruments_page import InstrumentsPage
from counselroom.records.clients import Client
from counselroom.records.instruments import EXAMPLE_FILE
from counselroom.records.services import Services

DATA = Path(__file__).resolve().parents[2] / "data" / "instruments"


@pytest.fixture
def make_page(qtbot, services: Services):  # type: ignore[no-untyped-def]
    def make() -> InstrumentsPage:
        page = InstrumentsPage(services)
        qtbot.addWidget(page)
        page.resize(1100, 720)
        with qtbot.waitExposed(page):
            page.show()
        return page

    return make


def titles(page: InstrumentsPage) -> list[str]:
    return [page.list.item(n).text().splitlines()[0] for n in range(page.list.count())]


def problems(page: InstrumentsPage) -> list[tuple[str, str]]:
    return [(page.problems.item(r, 0).text(), page.problems.item(r, 1).text()) for r in range(page.problems.rowCount())]


def test_the_built_in_questionnaires_are_listed_and_shown_in_full(make_page) -> None:  # type: ignore[no-untyped-def]
    page = make_page()
    assert titles(page) == ["PHQ-9 — Patient Health Questionnaire (PHQ-9)",
                            "GAD-7 — Generalized Anxiety Disorder scale (GAD-7)"]
    text = page.view.toPlainText()
    assert "Thoughts that you would be better off dead or of hurting yourself in some way" in text
    assert "Cut-offs: 0–4 Minimal depressive symptoms; 5–9 Mild depressive symptoms" in text
    assert "Item 9, answer ≥ 1:" in text
    assert "positive when Total score ≥ 10 or any critical item answered" in text
    assert "Every result is a screening result, not a diagnosis." in text
    assert not page.problems.isVisible()
    assert "docs/instruments/README.md" in page.format_label.text()


def test_importing_the_room_s_own_questionnaire_through_the_file_dialog(make_page, services, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    page = make_page()
    monkeypatch.setattr(page_module, "choose_file", lambda _parent: str(EXAMPLE_FILE))
    page.import_button.click()
    assert page.message.text() == "Imported “First-year wellbeing screening (example)”, version 1."
    assert titles(page)[-1] == "Wellbeing screening — First-year wellbeing screening (example)"
    assert page.list.currentRow() == 2
    text = page.view.toPlainText()
    assert "Getting on well with classmates and roommates (reversed)" in text
    assert "Having thoughts of ending my life (answers: No = 0, Yes = 1)" in text
    assert "Mood: mean of items 1, 2, 3" in text
    assert "positive when any critical item answered or any factor ≥ 2 or Total score ≥ 18" in text
    assert [i.instrument.id for i in services.psychtests.instruments()][-1] == "room-wellbeing"
    page.import_file(str(EXAMPLE_FILE))
    assert page.message.text() == ("“First-year wellbeing screening (example)”, version 1, is already in the vault, "
                                   "unchanged.")


def test_a_broken_file_is_refused_with_the_place_of_each_mistake(make_page, services) -> None:  # type: ignore[no-untyped-def]
    page = make_page()
    page.import_file(str(DATA / "broken-duplicate-item.json"))
    assert page.problems.isVisible() and page.problems_title.isVisible()
    assert page.problems_title.text().startswith("broken-duplicate-item.json was not imported.")
    assert problems(page)[0] == ("Item 3", "Two items have the number 3. Each item needs its own number.")
    assert len(titles(page)) == 2  # nothing stored
    page.import_file(str(DATA / "broken-not-json.json"))
    assert problems(page) == [("The file", "This is not valid JSON: look near line 5, column 3 for a missing comma, "
                                           "bracket or quotation mark.")]
    page.import_file(str(DATA / "good-small.json"))
    assert not page.problems.isVisible() and page.message.text().startswith("Imported “Small screening”")
    page.import_file(str(DATA / "no-such-file.json"))
    assert page.message.text().startswith("The file could not be read.")


def test_a_changed_definition_needs_a_new_version_once_tests_were_given(make_page, services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = make_page()
    page.import_file(str(DATA / "good-small.json"))
    client_id = services.clients.create(Client(code="I-001")).id or 0
    services.consent.record_signed(client_id, date(2015, 1, 1))  # tests only after a signed consent (issue 12.7)
    services.psychtests.start(client_id, "room-small", "说明")
    doc = json.loads((DATA / "good-small.json").read_text("utf-8"))
    doc["title"]["en"] = "Small screening, revised"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    page.import_file(str(changed))
    assert problems(page) == [("Field “version”", "Version 1 of “room-small” is already in the vault and was used in "
                                                  "1 test(s), so it is kept as it is. Give the changed definition a "
                                                  "higher version number, such as 2.")]
    doc["version"] = 2
    changed.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    page.import_file(str(changed))
    assert page.message.text() == "Imported “Small screening, revised”, version 2."
    assert page.list.currentItem().text().splitlines()[1] == "the room's own, version 2 · used in 1 test(s)"


def test_the_example_file_can_be_saved_to_start_from(make_page, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    page = make_page()
    target = tmp_path / "mine.json"
    monkeypatch.setattr(page_module, "choose_save_path", lambda _parent: str(target))
    page.example_button.click()
    assert target.read_bytes() == EXAMPLE_FILE.read_bytes()
    assert page.message.text() == f"Example saved: {target}"


def test_the_page_in_chinese(make_page) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("zh_CN")
    page = make_page()
    assert titles(page)[0] == "PHQ-9 — 患者健康问卷（PHQ-9）"
    text = page.view.toPlainText()
    assert "有不如死掉或用某种方式伤害自己的念头" in text
    assert "阳性条件：总分 ≥ 10，或任一关键题被选中" in text
    assert "每项结果均为筛查结果，并非诊断。" in text
    page.import_file(str(DATA / "broken-missing-english.json"))
    assert problems(page) == [("字段“title”", "缺少英文文字（en）。")]


def test_shutdown_clears_what_is_shown(make_page) -> None:  # type: ignore[no-untyped-def]
    page = make_page()
    page.shutdown()
    assert page.list.count() == 0 and page.view.toPlainText() == ""
