"""The first page of the first-run wizard says where the vault will live and lets the counselor choose
another folder: a synced folder or a network share is refused with the reason and the wizard cannot go
on; an ordinary folder is used, the vault is made there, and the program remembers it. The folder dialog
and the facts about the computer are replaced here: no real dialog, no dependence on this machine's disks."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from counselroom import i18n
from counselroom.config import AppConfig
from counselroom.gui.shell.first_run_wizard import LANGUAGE, PROFILE
from counselroom.vault.location import LINUX, WINDOWS, Mount, PlatformFacts
from counselroom.vault.vault import Vault

from .test_first_run_and_lock import run_wizard, unlock


def local_linux(*mounts: Mount) -> PlatformFacts:
    return PlatformFacts(LINUX, {}, [Mount("/", "ext4", "/dev/sda1"), *mounts])


class FakeDialog:
    """Stands in for the folder dialog: records where it opened and answers with the next folder."""

    def __init__(self, *answers: Path | str) -> None:
        self.answers = [str(a) for a in answers]
        self.opened_at: list[Path] = []

    def __call__(self, start: Path) -> str:
        self.opened_at.append(start)
        return self.answers.pop(0)


def test_the_wizard_shows_the_vault_folder_and_nothing_is_wrong_with_it(qtbot, make_window, tmp_path: Path  # type: ignore[no-untyped-def]
                                                                         ) -> None:
    window = make_window()
    wizard = window.wizard
    assert wizard.folder_field.text() == str(tmp_path / "vault")
    assert wizard.folder_field.isReadOnly() and wizard.folder_field.isVisibleTo(wizard)
    assert wizard.folder_field.accessibleName() == "Vault folder"
    assert not wizard.folder_message.isVisibleTo(wizard)  # a test folder on this machine is fine
    assert wizard.choose_button.isVisibleTo(wizard) and wizard.next_button.isEnabled()


def test_a_synced_folder_is_refused_with_the_reason_and_the_wizard_cannot_go_on(qtbot, make_window,  # type: ignore[no-untyped-def]
                                                                              tmp_path: Path) -> None:
    window = make_window()
    wizard = window.wizard
    wizard.location_facts = local_linux
    dialog = FakeDialog(tmp_path / "Nutstore Files", "")
    wizard.ask_folder = dialog
    qtbot.mouseClick(wizard.choose_button, Qt.MouseButton.LeftButton)
    assert dialog.opened_at == [tmp_path]  # the current vault folder's parent, not the program's folder
    assert wizard.folder_field.text() == str(tmp_path / "Nutstore Files")
    assert wizard.folder_message.isVisibleTo(wizard)
    assert "synchronized by Nutstore" in wizard.folder_message.text()
    assert "sync app" in wizard.folder_message.text()
    assert not wizard.next_button.isEnabled()
    qtbot.keyClick(wizard.language, Qt.Key.Key_Return)  # Enter does not go on either
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert wizard.index == LANGUAGE
    # cancelling the dialog changes nothing
    qtbot.mouseClick(wizard.choose_button, Qt.MouseButton.LeftButton)
    assert dialog.opened_at[-1] == tmp_path and not wizard.next_button.isEnabled()
    assert not (tmp_path / "Nutstore Files").exists()


def test_a_network_share_is_refused(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    share = tmp_path / "share"
    window = make_window()
    wizard = window.wizard
    wizard.location_facts = lambda: local_linux(Mount(str(share), "cifs", "//fileserver/counseling"))
    wizard.ask_folder = FakeDialog(share / "心理")
    qtbot.mouseClick(wizard.choose_button, Qt.MouseButton.LeftButton)
    assert "network share (//fileserver/counseling)" in wizard.folder_message.text()
    assert not wizard.next_button.isEnabled()


def test_a_plain_folder_is_used_the_vault_is_made_there_and_remembered(qtbot, make_window, tmp_path: Path  # type: ignore[no-untyped-def]
                                                                         ) -> None:
    window = make_window()
    wizard = window.wizard
    wizard.location_facts = local_linux
    wizard.ask_folder = FakeDialog(tmp_path / "OneDrive" / "x", tmp_path / "D" / "records")
    qtbot.mouseClick(wizard.choose_button, Qt.MouseButton.LeftButton)
    assert not wizard.next_button.isEnabled()
    qtbot.mouseClick(wizard.choose_button, Qt.MouseButton.LeftButton)  # the counselor chooses again
    chosen = tmp_path / "D" / "records"
    assert wizard.folder_field.text() == str(chosen)
    assert not wizard.folder_message.isVisibleTo(wizard) and wizard.next_button.isEnabled()
    assert wizard.focusWidget() is wizard.next_button  # Enter now goes on

    wizard.language.setFocus()
    run_wizard(qtbot, window)
    assert Vault(chosen).exists() and not Vault(tmp_path / "vault").exists()
    assert not (tmp_path / "OneDrive").exists()
    saved = json.loads((tmp_path / "settings.json").read_text("utf-8"))
    assert saved["vault_folder"] == str(chosen)
    assert AppConfig.load(tmp_path / "settings.json").vault_path() == chosen
    # locking and unlocking use the vault where it was made
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.unlock_screen.vault.path == chosen
    unlock(qtbot, window)


def test_a_folder_with_files_gets_a_counselroom_folder_inside(qtbot, make_window, tmp_path: Path  # type: ignore[no-untyped-def]
                                                              ) -> None:
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "plan.docx").write_bytes(b"x")
    window = make_window()
    wizard = window.wizard
    wizard.location_facts = local_linux
    wizard.ask_folder = FakeDialog(documents)
    qtbot.mouseClick(wizard.choose_button, Qt.MouseButton.LeftButton)
    assert wizard.folder_field.text() == str(documents / "counselroom")
    assert wizard.vault.path == documents / "counselroom" and wizard.next_button.isEnabled()


def test_a_folder_that_already_holds_a_vault_is_not_used(qtbot, make_window, new_vault, tmp_path: Path  # type: ignore[no-untyped-def]
                                                         ) -> None:
    vault, _key = new_vault
    window = make_window(tmp_path / "fresh")
    wizard = window.wizard
    wizard.ask_folder = FakeDialog(vault.path)
    qtbot.mouseClick(wizard.choose_button, Qt.MouseButton.LeftButton)
    assert "already holds a counselroom vault" in wizard.folder_message.text()
    assert not wizard.next_button.isEnabled()


def test_the_system_drive_warning_lets_the_counselor_go_on(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    wizard = window.wizard
    wizard.location_facts = lambda: PlatformFacts(WINDOWS, {"SystemDrive": "C:"}, drive_type=lambda _r: 3)
    wizard.vault.path = Path("C:\\Users\\x\\AppData\\Local\\counselroom\\vault")  # as on Windows
    wizard.check_folder()
    wizard._update_buttons()
    text = wizard.folder_message.text()
    assert wizard.folder_message.isVisibleTo(wizard)
    assert "restore card" in text and "exclude this folder" in text and "D:" in text
    assert wizard.next_button.isEnabled()
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert wizard.index == PROFILE


def test_the_choice_survives_changing_the_language(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.wizard.ask_folder = FakeDialog(tmp_path / "D" / "records")
    qtbot.mouseClick(window.wizard.choose_button, Qt.MouseButton.LeftButton)
    combo = window.wizard.language
    combo.setCurrentIndex(combo.findData("zh_CN"))  # the window rebuilds the wizard in Chinese
    assert i18n.language() == "zh_CN"
    assert window.wizard.folder_field.text() == str(tmp_path / "D" / "records")
    assert window.wizard.choose_button.text().startswith("选择其他文件夹")


def test_the_real_chooser_is_a_folder_dialog_opening_at_the_nearest_existing_parent(  # type: ignore[no-untyped-def]
        qtbot, make_window, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    calls: list[tuple[object, ...]] = []

    def fake(*args: object) -> str:
        calls.append(args)
        return ""

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(fake))
    window = make_window(tmp_path / "not yet" / "counselroom" / "vault")  # as the per-user folder on a first run
    wizard = window.wizard
    qtbot.mouseClick(wizard.choose_button, Qt.MouseButton.LeftButton)
    parent, caption, start, options = calls[0]
    assert parent is wizard and caption == "Choose the folder for the vault"
    assert start == str(tmp_path)  # "not yet/counselroom" does not exist: its nearest existing parent
    assert options == QFileDialog.Option.ShowDirsOnly
    assert wizard.vault.path == tmp_path / "not yet" / "counselroom" / "vault"  # cancelled: unchanged
