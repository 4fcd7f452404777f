"""Search (issue 13): a note with the words in two sections is one result that names and shows both; a client
found by pinyin initials never shows the index's pinyin; opening a hit shows the note at the words, marked."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtWidgets import QApplication

from counselroom.gui.sessions.note_editor import NoteEditor
from counselroom.gui.shell.search_page import SearchPage
from counselroom.records.clients import Client
from counselroom.records.services import Services

FILLER = "。".join(["今天谈了学校里的日常安排和作息"] * 40)


def consented(services: Services, code: str, name: str) -> int:
    client_id = services.clients.create(Client(code=code, name=name, school="北京市第十一中学")).id or 0
    services.consent.record_signed(client_id, date(2015, 1, 1), guardian_name="监护人")
    return client_id


def test_a_note_with_the_words_in_two_sections_shows_both(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    client_id = consented(services, "A-001", "张小明")
    note = services.notes.create_draft(client_id).id or 0
    services.notes.save_draft(note, {"concerns": "入睡困难，失眠两周。", "discussed": FILLER,
                                     "plan": "下周继续记录失眠日记。"})
    hits = services.search.find("失眠").hits
    assert len(hits) == 1  # one note, listed once
    hit = hits[0]
    assert hit.sections == ("Presenting concerns", "Plan and next appointment")
    assert "入睡困难" in hit.snippet and "日记" in hit.snippet
    assert "… …" not in hit.snippet  # the pieces are joined by one ellipsis
    page = SearchPage(services)
    qtbot.addWidget(page)
    page.search.setText("失眠")
    page.search_now()
    assert "Presenting concerns, Plan and next appointment" in page.model.index(0, 1).data()


def test_a_client_found_by_pinyin_never_shows_the_pinyin(services: Services) -> None:
    consented(services, "A-002", "张晓明")
    for query in ("zxm", "zhangxiaoming", "北京"):
        hits = [h for h in services.search.find(query).hits if h.kind == "client"]
        assert hits, query
        snippet = hits[0].snippet
        assert "zxm" not in snippet and "zhang" not in snippet.lower() and "xiaoming" not in snippet.lower()
        assert "张晓明" in snippet or "北京" in snippet
    client_id = consented(services, "A-003", "Emily Chen")
    services.clients.update(replace(services.clients.get(client_id), notes="Sleeping badly before the exams."))
    hit = next(h for h in services.search.find("sleeping").hits if h.kind == "client")
    assert hit.snippet == "Sleeping badly before the exams."  # the field with the word, from its start


def test_opening_a_hit_shows_the_note_at_the_words(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    client_id = consented(services, "A-003", "王芳")
    note = services.notes.create_draft(client_id).id or 0
    services.notes.save_draft(note, {"concerns": FILLER, "discussed": FILLER, "plan": FILLER + "。转介医院心理科。"})
    editor = NoteEditor(services, note)
    qtbot.addWidget(editor)
    editor.resize(900, 500)
    editor.show()
    qtbot.waitExposed(editor)
    assert editor.scroll_area.verticalScrollBar().value() == 0
    assert editor.show_words("转介")
    QApplication.processEvents()
    plan = editor.edits["plan"]
    marks = plan.extraSelections()
    assert len(marks) == 1 and marks[0].cursor.selectedText() == "转介"
    assert all(not e.extraSelections() for key, e in editor.edits.items() if key != "plan")
    assert plan.hasFocus() and plan.textCursor().position() == plan.toPlainText().index("转介")
    body = editor.scroll_area.widget()
    viewport = editor.scroll_area.viewport()
    y = plan.mapTo(body, plan.cursorRect().center()).y() - editor.scroll_area.verticalScrollBar().value()
    assert 0 <= y <= viewport.height(), "the words are not in view"
    assert not editor.show_words("没有这个词")
