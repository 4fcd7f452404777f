"""Re-encrypting under a new key from the backup page (issue 17.1): Cancel is the default and changes nothing;
re-encrypting shows progress, locks the window, shows the new recovery key once, and the unlock screen says
which older backups still open with their old secrets."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from conftest import PASSPHRASE
from counselroom.gui.vault import rotate_dialog
from counselroom.vault import backup, keyslots
from counselroom.vault.vault import Vault

from ..sessions.test_note_editor import click_button, when_modal
from ..shell.test_locking import unlock


def test_cancel_is_the_default_and_changes_nothing(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    vault: Vault = new_vault[0]
    window = make_window(vault.path)
    unlock(qtbot, window)
    window.go("backup")
    before = vault.db_path.read_bytes()

    def cancel(box: QWidget) -> None:
        assert isinstance(box, QMessageBox) and box.defaultButton().text() == "Cancel"
        assert "old ones" in box.text()
        box.defaultButton().click()

    problems = when_modal(cancel)
    window.shell.pages["backup"].rotate_button.click()
    assert problems == [] and window.is_unlocked
    assert vault.db_path.read_bytes() == before


def test_re_encrypting_locks_and_shows_the_new_key(qtbot, make_window, new_vault, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                   monkeypatch) -> None:
    vault, old_key = new_vault
    with vault.unlock(PASSPHRASE) as s:
        made = backup.make_backup(s, tmp_path, same_disk_ok=True)
    window = make_window(vault.path)
    unlock(qtbot, window)
    window.go("backup")
    old_slots = keyslots.SlotFile.from_bytes(vault.slot_paths[0].read_bytes())
    monkeypatch.setattr(rotate_dialog, "ask_passphrase", lambda _parent: PASSPHRASE)
    progress_seen: list[int] = []
    real = QProgressDialog.setValue

    def watch(self: QProgressDialog, value: int) -> None:
        progress_seen.append(value)
        real(self, value)

    monkeypatch.setattr(QProgressDialog, "setValue", watch)
    problems = when_modal(lambda box: click_button(box, "Re-encrypt"))
    window.shell.pages["backup"].rotate_button.click()
    assert problems == []
    assert not window.is_unlocked
    assert progress_seen and max(progress_seen) >= 900
    dialog = window.key_dialog
    assert dialog is not None and dialog.isVisible()
    new_key = dialog.view.sheet.recovery_key
    assert new_key != old_key
    assert made.path.name in window.unlock_screen.message.text()
    assert keyslots.SlotFile.from_bytes(vault.slot_paths[0].read_bytes()).vault_id == old_slots.vault_id
    dialog.force_close()
    unlock(qtbot, window)  # the same passphrase opens the re-encrypted vault
    assert window.is_unlocked
