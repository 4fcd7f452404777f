"""The search page: Chinese and English words, where each hit is, private notes only when ticked, opening
a hit by Enter or double-click, and a word removed in the editor no longer found."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox

from counselroom.gui.sessions.note_editor import NoteEditor
from counselroom.gui.shell.search_page import SearchPage
from counselroom.records.clients import Client
from counselroom.records.services import Services

from ..conftest import commit_text


@pytest.fixture
def records(services: Services) -> dict[str, int]:
    zhang = services.clients.create(Client(code="A-001", name="张小明")).id or 0
    emily = services.clients.create(Client(code="A-002", name="Emily Chen")).id or 0
    services.consent.record_signed(zhang, date(2015, 1, 1), guardian_name="监护人")
    services.consent.record_signed(emily, date(2015, 1, 1), guardian_name="监护人")
    n1 = services.notes.create_draft(zhang).id or 0
    services.notes.save_draft(n1, {"concerns": "最近很焦虑，晚上失眠。", "discussed": "Exam pressure and insomnia."},
                              "我有点担心反移情")
    n2 = services.notes.create_draft(emily, "soap").id or 0
    services.notes.save_draft(n2, {"plan": "Practise sleep hygiene; meet next week."})
    return {"zhang": zhang, "emily": emily, "n1": n1, "n2": n2}


@pytest.fixture
def page(qtbot, services: Services) -> SearchPage:  # type: ignore[no-untyped-def]
    widget = SearchPage(services)
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    with qtbot.waitExposed(widget):
        widget.show()
    widget.activateWindow()
    return widget


def rows(page: SearchPage) -> list[tuple[str, str, str]]:
    m = page.model
    return [(m.index(r, 0).data(), m.index(r, 1).data(), m.index(r, 2).data()) for r in range(m.rowCount())]


def test_finds_chinese_and_english_and_says_where(qtbot, records, page) -> None:  # type: ignore[no-untyped-def]
    commit_text(page.search, "焦虑")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=2000)  # debounced: no Enter needed
    date = page.hits()[0].session_date.isoformat()  # type: ignore[union-attr]
    assert rows(page) == [("A-001 张小明", f"Session note › Presenting concerns · {date}", "最近很焦虑，晚上失眠。")]
    assert page.count_label.text() == "1 result"

    page.search.clear()
    qtbot.keyClicks(page.search, "sleep")
    qtbot.waitUntil(lambda: [r[0] for r in rows(page)] == ["A-002 Emily Chen"], timeout=2000)
    client, where, snippet = rows(page)[0]
    assert client == "A-002 Emily Chen" and where.startswith("Session note › Plan")
    assert "sleep hygiene" in snippet

    page.search.clear()
    qtbot.keyClicks(page.search, "Emily")
    qtbot.waitUntil(lambda: [r[1] for r in rows(page)] == ["Client file"], timeout=2000)


def test_private_notes_only_when_ticked_and_the_box_starts_unticked(qtbot, services, records, page) -> None:  # type: ignore[no-untyped-def]
    assert not page.include_private.isChecked()
    commit_text(page.search, "反移情")
    page.search_now()
    assert rows(page) == [] and page.count_label.text() == "Nothing found for “反移情”."
    qtbot.keyClick(page.include_private, Qt.Key.Key_Space)  # by keyboard
    assert page.include_private.isChecked()
    assert [h.kind for h in page.hits()] == ["private"]
    assert rows(page)[0][1].startswith("Private process notes · ")
    assert "Private process notes are included." in page.count_label.text()
    page.include_private.setChecked(False)
    assert rows(page) == []
    page.include_private.setChecked(True)
    page.shutdown()
    assert rows(page) == [] and page.search.text() == "" and not page.include_private.isChecked()
    fresh = SearchPage(services)
    qtbot.addWidget(fresh)
    assert not fresh.findChild(QCheckBox).isChecked()


def test_enter_and_double_click_open_the_hit(qtbot, records, page) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(page.search, "insomnia")
    with qtbot.waitSignal(page.open_note, timeout=2000) as opened:
        qtbot.keyClick(page.search, Qt.Key.Key_Return)  # runs the search now and moves to the results
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert opened.args == [records["zhang"], records["n1"], "insomnia"]
    page.search.clear()
    qtbot.keyClicks(page.search, "A-002")
    page.search_now()
    index = page.model.index(0, 1)
    with qtbot.waitSignal(page.open_client, timeout=2000) as opened_client:
        page.table.doubleClicked.emit(index)
    assert opened_client.args == [records["emily"]]


def test_a_word_corrected_away_in_the_editor_is_no_longer_found(qtbot, services, records, page) -> None:  # type: ignore[no-untyped-def]
    commit_text(page.search, "失眠")
    page.search_now()
    assert len(rows(page)) == 1
    editor = NoteEditor(services, records["n1"])
    qtbot.addWidget(editor)
    box = editor.edits["concerns"]
    box.selectAll()
    commit_text(box, "最近很焦虑。")  # the counselor corrects the sentence
    editor.flush()
    page.search_now()
    assert rows(page) == []
    page.search.clear()
    commit_text(page.search, "焦虑")
    page.search_now()
    assert len(rows(page)) == 1
