"""Issue 17.7: a whole vault folder rolled back to an older copy is said on screen after the unlock."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import Qt

from conftest import PASSPHRASE
from counselroom.vault import rollback
from counselroom.vault.vault import Vault


def unlock(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    screen = window.unlock_screen
    qtbot.keyClicks(screen.passphrase, PASSPHRASE)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=10000)


def test_an_older_vault_put_back_is_said_on_screen_and_audited(qtbot, make_window, new_vault,  # type: ignore[no-untyped-def]
                                                               tmp_path: Path) -> None:
    vault, _key = new_vault
    shutil.copytree(vault.path, tmp_path / "old-copy")
    for _ in range(2):
        vault.unlock(PASSPHRASE).close()  # the trail grows; this computer remembers its head
    shutil.rmtree(vault.path)
    shutil.copytree(tmp_path / "old-copy", vault.path)
    window = make_window(vault.path)
    unlock(qtbot, window)
    assert window.shell.notice.isVisibleTo(window.shell)
    assert "older" in window.shell.notice_text.text()
    window.lock()
    with Vault(vault.path, state_dir=vault.state_dir).unlock(PASSPHRASE) as s:
        assert len(s.audit.entries(kinds=[rollback.AUDIT_KIND])) == 1
