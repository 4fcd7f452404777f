"""The note editor, driven as a counselor would: typing (English by keys, Chinese by input-method commits),
pausing, saving, signing, trying to change a signed note, adding an addendum, deleting a draft."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from counselroom.gui.sessions import note_editor
from counselroom.gui.sessions.note_editor import AddendumDialog, NoteEditor
from counselroom.records.clients import Client
from counselroom.records.profile import Profile
from counselroom.records.services import Services

from ..conftest import commit_text
from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..helpers import click_button, when_modal


@pytest.fixture
def client_id(services: Services) -> int:
    services.profile.save(Profile(name="Li Hua"))
    client_id = services.clients.create(Client(code="A-001", name="张小明")).id or 0
    services.consent.record_signed(client_id, date(2015, 1, 1), guardian_name="监护人")
    return client_id


@pytest.fixture
def open_editor(qtbot, services: Services) -> Callable[[int], NoteEditor]:  # type: ignore[no-untyped-def]
    def make(note_id: int) -> NoteEditor:
        editor = NoteEditor(services, note_id)
        qtbot.addWidget(editor)
        editor.resize(900, 700)
        with qtbot.waitExposed(editor):
            editor.show()
        editor.activateWindow()
        qtbot.waitUntil(editor.isActiveWindow, timeout=2000)  # shortcuts act in the active window only
        return editor

    return make


@pytest.fixture
def draft_id(services: Services, client_id: int) -> int:
    return services.notes.create_draft(client_id).id or 0


@pytest.fixture
def signed_id(services: Services, client_id: int) -> int:
    note = services.notes.create_draft(client_id, "soap")
    services.notes.save_draft(note.id or 0, {"subjective": "Sleeps badly before exams.", "plan": "Meet weekly."},
                              "I felt protective.")
    services.notes.sign(note.id or 0, "Li Hua")
    return note.id or 0


def test_typing_saves_the_draft_after_a_pause(qtbot, services, draft_id, open_editor) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(draft_id)
    box = editor.edits["concerns"]
    qtbot.keyClicks(box, "Trouble sleeping")
    assert services.notes.get(draft_id).content["concerns"] == ""  # not on every keystroke
    assert editor.save_status.text() == "Saving…"
    started = time.monotonic()
    qtbot.waitUntil(lambda: services.notes.get(draft_id).content["concerns"] == "Trouble sleeping", timeout=2500)
    assert time.monotonic() - started < 2.5
    assert editor.save_status.text().startswith("Draft saved at ")
    assert not editor.dirty


def test_flush_and_ctrl_s_save_at_once(qtbot, services, draft_id, open_editor) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(draft_id)
    qtbot.keyClicks(editor.edits["discussed"], "Exams")
    assert editor.flush()
    assert services.notes.get(draft_id).content["discussed"] == "Exams"
    qtbot.keyClicks(editor.edits["discussed"], " and family")
    qtbot.keyClick(editor.edits["discussed"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert services.notes.get(draft_id).content["discussed"] == "Exams and family"


def test_leaving_a_box_saves(qtbot, services, draft_id, open_editor) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(draft_id)
    editor.edits["concerns"].setFocus()
    qtbot.keyClicks(editor.edits["concerns"], "Homesick")
    qtbot.keyClick(editor.edits["concerns"], Qt.Key.Key_Tab)  # Tab moves on, it does not type a tab
    qtbot.waitUntil(lambda: editor.edits["discussed"].hasFocus(), timeout=1000)
    assert services.notes.get(draft_id).content["concerns"] == "Homesick"
    assert editor.edits["concerns"].toPlainText() == "Homesick"


def test_chinese_from_an_input_method_is_saved(qtbot, services, draft_id, open_editor) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(draft_id)
    commit_text(editor.edits["concerns"], "最近很焦虑，失眠两周")
    assert editor.dirty
    editor.flush()
    assert services.notes.get(draft_id).content["concerns"] == "最近很焦虑，失眠两周"
    assert [h.kind for h in services.search.search("焦虑")] == ["note"]


def test_private_notes_are_saved_apart_and_marked(qtbot, services, draft_id, open_editor) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(draft_id)
    assert editor.private_frame.isVisible()
    assert "kept apart, never exported or printed" in editor.private_label.text()
    assert "background" in editor.private_frame.styleSheet()
    assert editor.private_label.buddy() is editor.private_edit
    commit_text(editor.private_edit, "我担心自己过度认同")
    qtbot.keyClicks(editor.edits["concerns"], "Anxiety")
    editor.flush()
    assert services.notes.private_text(draft_id) == "我担心自己过度认同"
    assert "我担心自己过度认同" not in services.notes.get(draft_id).text
    assert services.search.search("认同") == []
    assert [h.kind for h in services.search.search("认同", include_private=True)] == ["private"]


def test_every_box_has_an_accessible_name(draft_id, open_editor) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(draft_id)
    assert [e.accessibleName() for e in editor.edits.values()][:2] == ["Presenting concerns", "What was discussed"]
    assert editor.private_edit.accessibleName() == "Private process notes"
    for button in (editor.back_button, editor.save_button, editor.sign_button, editor.delete_button):
        assert button.accessibleName()


def test_signing_asks_then_locks_every_box_and_shows_the_fingerprint(qtbot, services, draft_id,  # type: ignore[no-untyped-def]
                                                                    open_editor) -> None:
    editor = open_editor(draft_id)
    qtbot.keyClicks(editor.edits["concerns"], "Panic before exams")
    commit_text(editor.private_edit, "需要督导")
    seen: list[str] = []

    def sign(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        click_button(box, "Sign and lock")

    when_modal(sign)
    qtbot.keyClick(editor.edits["concerns"], Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    note = services.notes.get(draft_id)
    assert seen == ["Sign and lock this note as Li Hua?"]
    assert note.is_signed and note.content["concerns"] == "Panic before exams"  # typed text saved before signing
    assert services.notes.private_text(draft_id) == "需要督导"
    assert all(e.isReadOnly() for e in editor.edits.values()) and editor.private_edit.isReadOnly()
    assert editor.badge.text() == "Signed and locked"
    assert editor.fingerprint_label.text() == f"Fingerprint: {note.short_fingerprint}"
    assert "Li Hua" in editor.signed_label.text()
    assert editor.verified_label.text().startswith("✓ Fingerprint verified")
    assert not editor.save_button.isVisible() and not editor.sign_button.isVisible()
    assert not editor.delete_button.isVisible() and editor.addendum_button.isVisible()


def test_the_sign_question_defaults_to_cancel(qtbot, services, draft_id, open_editor) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(draft_id)
    qtbot.keyClicks(editor.edits["concerns"], "Something")

    def press_enter(box: QWidget) -> None:
        qtbot.keyClick(box, Qt.Key.Key_Return)

    when_modal(press_enter)
    editor.sign_button.click()
    assert not services.notes.get(draft_id).is_signed
    assert not editor.edits["concerns"].isReadOnly()


def test_an_empty_note_is_not_offered_for_signing(qtbot, services, draft_id, open_editor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(draft_id)
    monkeypatch.setattr(note_editor, "ask_to_sign", lambda *a: pytest.fail("asked to sign an empty note"))
    editor.sign_button.click()
    assert editor.message.text() == "The note is empty. Write the record before signing it."
    assert not services.notes.get(draft_id).is_signed


def test_a_signed_note_cannot_be_changed_through_the_editor(qtbot, services, signed_id, open_editor) -> None:  # type: ignore[no-untyped-def]
    before = services.notes.get(signed_id)
    entries = len(services.audit.entries())
    editor = open_editor(signed_id)
    box = editor.edits["subjective"]
    assert box.isReadOnly() and editor.private_edit.isReadOnly()
    qtbot.keyClicks(box, "tampered")
    qtbot.keyClick(box, Qt.Key.Key_Backspace)
    commit_text(box, "改动")
    commit_text(editor.private_edit, "改动")
    qtbot.keyClick(box, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert editor.flush() and editor.save_now()  # nothing to save: no path reaches save_draft
    qtbot.wait(note_editor.SAVE_DELAY_MS + 200)  # let a (wrongly) started autosave timer fire
    assert box.toPlainText() == "Sleeps badly before exams."
    assert editor.private_edit.toPlainText() == "I felt protective."
    after = services.notes.get(signed_id)
    assert after.content == before.content and after.updated_at == before.updated_at
    assert services.notes.private_text(signed_id) == "I felt protective."
    assert len(services.audit.entries()) == entries
    assert services.notes.verify(signed_id)


def test_an_addendum_appears_below_and_the_original_stays(qtbot, services, signed_id, open_editor) -> None:  # type: ignore[no-untyped-def]
    original = services.notes.get(signed_id)
    editor = open_editor(signed_id)
    assert not editor.addenda_heading.isVisible()

    def write(dialog: QWidget) -> None:
        assert isinstance(dialog, AddendumDialog)
        click_button(dialog, "Sign addendum")  # empty: refused inside the dialog
        assert dialog.isVisible() and dialog.error.text() == "Write the addendum before signing it."
        commit_text(dialog.edit, "更正：考试在下周，不是本周。")
        click_button(dialog, "Sign addendum")

    when_modal(write)
    editor.addendum_button.click()
    addenda = services.notes.addenda(signed_id)
    assert [a.text for a in addenda] == ["更正：考试在下周，不是本周。"]
    assert [label.text() for label in editor.addendum_labels] == ["更正：考试在下周，不是本周。"]
    frame = editor.addendum_labels[0].parentWidget()
    assert "Li Hua" in frame.findChildren(type(editor.title))[0].text()
    body = editor.addendum_labels[0].parentWidget().parentWidget()
    last_section = list(editor.edits.values())[-1]
    assert body.mapTo(editor, body.rect().topLeft()).y() > last_section.mapTo(editor, last_section.rect().topLeft()).y()
    assert editor.addenda_heading.isVisible()
    after = services.notes.get(signed_id)
    assert after.content == original.content and after.fingerprint == original.fingerprint
    assert services.notes.verify(signed_id)
    assert editor.edits["subjective"].toPlainText() == "Sleeps badly before exams."


def test_deleting_a_draft_asks_first_with_cancel_as_default(qtbot, services, draft_id, open_editor) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(draft_id)
    qtbot.keyClicks(editor.edits["concerns"], "To be removed")
    when_modal(lambda box: qtbot.keyClick(box, Qt.Key.Key_Return))
    editor.delete_button.click()
    assert editor.edits["concerns"].toPlainText() == "To be removed"
    qtbot.waitUntil(lambda: services.notes.get(draft_id).content["concerns"] == "To be removed", timeout=2500)

    when_modal(lambda box: click_button(box, "Delete draft"))
    with qtbot.waitSignals([editor.deleted, editor.closed], timeout=2000):
        editor.delete_button.click()
    with pytest.raises(KeyError):
        services.notes.get(draft_id)
    assert services.search.search("removed") == []


def test_shutdown_saves_what_was_typed_and_clears_the_boxes(qtbot, services, draft_id, open_editor) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(draft_id)
    qtbot.keyClicks(editor.edits["plan"], "Next Tuesday")
    editor.shutdown()
    assert services.notes.get(draft_id).content["plan"] == "Next Tuesday"
    assert all(not e.toPlainText() for e in editor.edits.values())


def test_signing_needs_the_counselors_name(qtbot, services, draft_id, open_editor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    services.profile.save(Profile(name=""))
    shown: list[str] = []
    monkeypatch.setattr(note_editor, "show_error", lambda parent, title, text: shown.append(text))
    editor = open_editor(draft_id)
    qtbot.keyClicks(editor.edits["concerns"], "Something")
    editor.sign_button.click()
    assert shown and "counselor profile" in shown[0]
    assert not services.notes.get(draft_id).is_signed
