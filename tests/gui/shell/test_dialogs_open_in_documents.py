"""File and folder dialogs open in Documents or the home folder, or where the counselor chose before — never in
the program's own folder nor in a hidden one (issue 13)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from counselroom.gui.common.folders import documents_folder, start_folder, start_path
from counselroom.gui.psychtests import instruments_page
from counselroom.gui.shell.first_run_wizard import FirstRunWizard
from counselroom.gui.vault.backup_page import BackupPage
from counselroom.records.services import Services
from counselroom.vault.media import FakeVolumes
from counselroom.vault.vault import Vault, default_vault_path


def shown(path: Path) -> bool:
    return not any(part.startswith(".") for part in path.parts)


def test_the_start_folder(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # as when run from the source folder
    assert documents_folder() in (Path.home() / "Documents", Path.home()) or documents_folder().is_dir()
    assert start_folder() == documents_folder() != Path.cwd()
    chosen = tmp_path / "backups"
    chosen.mkdir()
    assert start_folder(chosen) == chosen
    assert start_folder(tmp_path / "gone") == documents_folder()
    assert start_folder(tmp_path / ".hidden") == documents_folder()
    assert start_path("a.json") == str(documents_folder() / "a.json")


def test_the_wizard_opens_the_folder_dialog_in_documents(qtbot, state_dir: Path) -> None:  # type: ignore[no-untyped-def]
    wizard = FirstRunWizard(Vault(default_vault_path(), state_dir=state_dir))
    qtbot.addWidget(wizard)
    opened: list[Path] = []
    wizard.ask_folder = lambda start: opened.append(start) or ""  # type: ignore[func-returns-value]
    wizard.choose_folder()
    assert opened == [documents_folder()] and shown(opened[0]) and opened[0] != Path(os.getcwd())


def test_backup_and_questionnaire_dialogs_open_in_documents(qtbot, services: Services, monkeypatch,  # type: ignore[no-untyped-def]
                                                            tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    seen: list[str] = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **_k: seen.append(a[2]) or "")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **_k: (seen.append(a[2]) or "", ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **_k: (seen.append(a[2]) or "", ""))
    page = BackupPage(services, services.session.vault, volumes=FakeVolumes())
    qtbot.addWidget(page)
    page._ask_folder()
    instruments_page.choose_file(page)
    instruments_page.choose_save_path(page)
    assert seen[0] == str(documents_folder())
    assert seen[1] == str(documents_folder())
    assert seen[2] == str(documents_folder() / "example-room-instrument.json")
