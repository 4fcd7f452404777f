"""The main path, through the window: first run -> wizard -> vault created -> client added -> lock ->
unlock -> the client is still there."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QInputMethodEvent

from counselroom.gui.shell.first_run_wizard import CHECK, KEY, PASSPHRASE, PROFILE
from counselroom.gui.shell.main_window import MainWindow
from counselroom.gui.vault.recovery_key_dialog import key_tail
from counselroom.records.clients import Client
from counselroom.vault.vault import Vault

PASS = "Quiet river 2026 lantern"


def commit_text(widget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Chinese goes in as an input-method commit (keyClicks with Chinese aborts the process)."""
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QCoreApplication.sendEvent(widget, event)


def run_wizard(qtbot, window: MainWindow, passphrase: str = PASS) -> str:  # type: ignore[no-untyped-def]
    wizard = window.wizard
    assert wizard is not None and window.screens.currentWidget() is wizard
    qtbot.keyClick(wizard.language, Qt.Key.Key_Return)  # Enter means Next on every page
    assert wizard.index == PROFILE
    # Without a name the wizard says what is missing and stays.
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert wizard.index == PROFILE and "name" in wizard.message.text()
    commit_text(wizard.profile_form.fields["name"], "林晓雯")
    qtbot.keyClicks(wizard.profile_form.fields["certificate_no"], "CN-2021-0042")
    commit_text(wizard.profile_form.fields["room"], "心理咨询室 204")
    qtbot.keyClick(wizard.profile_form.fields["room"], Qt.Key.Key_Return)
    assert wizard.index == PASSPHRASE
    assert not wizard.next_button.isEnabled()
    qtbot.keyClicks(wizard.new_passphrase.first, passphrase)
    qtbot.keyClicks(wizard.new_passphrase.second, passphrase)
    assert wizard.next_button.isEnabled()
    qtbot.keyClick(wizard.new_passphrase.second, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.index == KEY, timeout=15000)
    key = wizard.recovery_key
    assert key.split("-")[0] in wizard.key_view.key_label.text()
    assert not wizard.next_button.isEnabled()  # not before saying it is written down
    wizard.written_down.setChecked(True)
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert wizard.index == CHECK
    qtbot.keyClicks(wizard.key_check.field, "ZZZZ-ZZZZ")
    assert not wizard.next_button.isEnabled()
    qtbot.keyClick(wizard.key_check.field, Qt.Key.Key_Return)  # a wrong tail does not finish
    assert window.wizard is wizard and wizard.index == CHECK
    wizard.key_check.field.clear()
    qtbot.keyClicks(wizard.key_check.field, key_tail(key).lower())
    assert wizard.next_button.isEnabled()
    qtbot.keyClick(wizard.key_check.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.is_unlocked)
    return key


def unlock(qtbot, window: MainWindow, passphrase: str = PASS) -> None:  # type: ignore[no-untyped-def]
    screen = window.unlock_screen
    assert screen is not None and window.screens.currentWidget() is screen
    qtbot.keyClicks(screen.passphrase, passphrase)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=10000)


def test_first_run_wizard_to_client_lock_unlock(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    assert not (tmp_path / "vault").exists()
    run_wizard(qtbot, window)
    assert Vault(tmp_path / "vault").exists()
    assert window.services is not None
    assert window.services.profile.get().name == "林晓雯"
    assert window.services.profile.get().room == "心理咨询室 204"
    window.services.clients.create(Client(code="2026-00001", name="张小明"))

    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not window.is_unlocked
    assert window.shell is None
    assert window.screens.currentWidget() is window.unlock_screen

    unlock(qtbot, window)
    assert [c.name for c in window.services.clients.list()] == ["张小明"]
    assert window.shell is not None and window.shell.current == "dashboard"
    assert not window.shell.notice.isVisibleTo(window.shell)  # no failed attempts


def test_wizard_refuses_a_weak_passphrase_and_says_why(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    wizard = window.wizard
    wizard._show(PASSPHRASE)
    qtbot.keyClicks(wizard.new_passphrase.first, "password1")
    qtbot.keyClicks(wizard.new_passphrase.second, "password1")
    assert not wizard.next_button.isEnabled()
    assert wizard.new_passphrase.reasons.isVisibleTo(wizard)
    assert "passwords people use most" in wizard.new_passphrase.reasons.text()
    qtbot.keyClick(wizard.new_passphrase.second, Qt.Key.Key_Return)
    assert wizard.index == PASSPHRASE  # Enter did not create anything


def test_wizard_language_choice_rebuilds_it_in_chinese(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    combo = window.wizard.language
    combo.setCurrentIndex(combo.findData("zh_CN"))
    assert window.wizard.next_button.text().startswith("下一步")
    assert window.menuBar().actions()[0].text().startswith("档案库")
    assert window.ctx.config.language == "zh_CN"


def test_wrong_passphrase_message_and_delay(qtbot, make_window, new_vault, attempt_clock) -> None:  # type: ignore[no-untyped-def]
    vault, _key = new_vault
    window = make_window(vault.path)
    screen = window.unlock_screen
    for _ in range(2):
        screen.passphrase.clear()
        qtbot.keyClicks(screen.passphrase, "not the passphrase")
        qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not screen.busy and "not correct" in screen.message.text(), timeout=10000)
    assert not window.is_unlocked
    # The vault now asks for a wait: the button counts down and is disabled.
    assert "Wait" in screen.message.text()
    assert not screen.unlock_button.isEnabled()
    assert "2" in screen.unlock_button.text()
    attempt_clock.advance(3)
    qtbot.waitUntil(screen.unlock_button.isEnabled)
    assert "not correct" in screen.message.text() and "Wait" not in screen.message.text()  # the wait is over
    screen.passphrase.clear()
    qtbot.keyClicks(screen.passphrase, PASS)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=10000)
    assert window.shell.notice.isVisibleTo(window.shell)
    assert "2 failed attempts" in window.shell.notice_text.text()


def test_busy_and_integrity_messages_are_shown(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    vault, _key = new_vault
    other = vault.unlock(PASS)  # another program has it open
    try:
        window = make_window(vault.path)
        screen = window.unlock_screen
        qtbot.keyClicks(screen.passphrase, PASS)
        qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "already open" in screen.message.text(), timeout=10000)
        assert not window.is_unlocked
    finally:
        other.close()


def test_caps_lock_warning_from_typed_letters(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    screen = window.unlock_screen
    qtbot.keyClick(screen.passphrase, "a", Qt.KeyboardModifier.ShiftModifier)  # small letter with Shift
    assert screen.caps.isVisibleTo(screen)
    qtbot.keyClick(screen.passphrase, "b")
    assert not screen.caps.isVisibleTo(screen)


def test_recovery_key_path_sets_a_new_passphrase(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    vault, key = new_vault
    window = make_window(vault.path)
    screen = window.unlock_screen
    qtbot.mouseClick(screen.use_recovery, Qt.MouseButton.LeftButton)
    assert screen.pages.currentIndex() == 1
    qtbot.keyClicks(screen.recovery_key, "0000-0000-0000-0000-0000-0000-0000-0000")
    qtbot.keyClick(screen.recovery_key, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not correct" in screen.recovery_message.text(), timeout=10000)
    screen.recovery_key.clear()
    qtbot.keyClicks(screen.recovery_key, key.replace("-", " ").lower())
    qtbot.keyClick(screen.recovery_key, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.pages.currentIndex() == 2, timeout=10000)
    assert not window.is_unlocked
    new = "Another long passphrase 77"
    qtbot.keyClicks(screen.new_passphrase.first, new)
    qtbot.keyClicks(screen.new_passphrase.second, new)
    screen.new_recovery.setChecked(True)
    qtbot.mouseClick(screen.set_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=10000)
    dialog = window.key_dialog
    assert dialog is not None and dialog.isVisible()
    new_key = dialog.view.sheet.recovery_key
    assert new_key != key
    dialog.reject()  # not before the key is typed back
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.check.field, key_tail(new_key))
    qtbot.mouseClick(dialog.done_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    window.lock()
    unlock(qtbot, window, new)


def test_a_key_file_repaired_at_unlock_is_said_on_screen(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    """Issue 17.3: key-file damage was healed from the mirror with no report."""
    vault, _key = new_vault
    primary = vault.slot_paths[0]
    data = bytearray(primary.read_bytes())
    data[len(data) // 2] ^= 0x01
    primary.write_bytes(bytes(data))
    window = make_window(vault.path)
    unlock(qtbot, window)
    assert window.shell.notice.isVisibleTo(window.shell)
    assert primary.name in window.shell.notice_text.text() and "rewritten" in window.shell.notice_text.text()
