"""The window's backup duties: the Backup section, the reminder at close, and restore from the menu."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from ..sessions.test_note_editor import click_button, when_modal
from ..shell.test_locking import unlock


def test_backup_section_is_in_the_navigation(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    window.go("backup")
    assert window.shell.current == "backup"
    assert window.shell.pages["backup"].last_label.text() == "No verified backup yet."


def test_closing_with_no_backup_asks_and_cancel_keeps_the_window_open(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path, remind_backup=True)
    unlock(qtbot, window)
    asked: list[str] = []

    def answer(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        asked.append(box.text())
        assert box.defaultButton().text() == "Cancel"
        box.defaultButton().click()

    when_modal(answer)
    window.close()
    assert asked and window.is_unlocked and window.isVisible()

    def back_up_first(box: QWidget) -> None:
        click_button(box, "Back up now")

    when_modal(back_up_first)
    window.close()
    assert window.is_unlocked and window.shell.current == "backup"

    def close_anyway(box: QWidget) -> None:
        click_button(box, "Close without backup")

    when_modal(close_anyway)
    window.close()
    assert not window.is_unlocked


def test_restore_is_offered_while_locked_for_a_vault_that_no_longer_opens(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    assert not window.is_unlocked and window.restore_action.isEnabled()
    seen: list[str] = []

    def look(dialog: QWidget) -> None:
        seen.append(dialog.windowTitle())
        dialog.close()

    when_modal(look)
    window.restore_action.trigger()
    assert seen == ["Restore from a backup"]
    assert window.screens.currentWidget() is window.unlock_screen
