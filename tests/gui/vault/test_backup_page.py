"""The backup page and the restore dialog, offscreen with fake volumes: back up to a removable volume and
see "verified", the chosen-folder warning, a pulled medium said in place, settings kept, the reminder at
close, and a restore from picking the file to keeping (or undoing) the restored vault."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from conftest import PASSPHRASE
from counselroom import i18n
from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault import backup, restore
from counselroom.vault.media import FakeVolumes, Volume
from counselroom.vault.vault import Vault


@pytest.fixture
def usb(tmp_path: Path) -> Path:
    path = tmp_path / "media" / "STICK"
    path.mkdir(parents=True)
    return path


@pytest.fixture
def page(qtbot, services: Services, new_vault: tuple[Vault, str], usb: Path, tmp_path: Path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from counselroom.gui.vault.backup_page import BackupPage

    for n in range(3):
        services.clients.create(Client(code=f"G-{n}", name=f"王{n}"))
    volumes = FakeVolumes([Volume(usb, "STICK", True), Volume(tmp_path, "disk", False)])
    p = BackupPage(services, new_vault[0], volumes=volumes)
    qtbot.addWidget(p)
    p.resize(760, 700)
    p.show()
    yield p


def test_back_up_to_a_removable_volume_shows_verified(qtbot, page, services: Services, usb: Path) -> None:  # type: ignore[no-untyped-def]
    assert page.volume_box.count() == 1 and "STICK" in page.volume_box.currentText()
    assert "No verified backup yet" in page.last_label.text()
    assert not page.warning.isVisible()
    page.backup_button.click()
    qtbot.waitUntil(lambda: "verified" in page.result.text(), timeout=20_000)
    files = list((usb / backup.FOLDER_ON_VOLUME).glob("*.crbackup"))
    assert len(files) == 1 and files[0].name in page.result.text()
    assert "today" in page.last_label.text()
    assert files[0].name in page.list.item(0).text()
    assert backup.last_verified_backup(services.session) is not None
    assert page.backup_button.isEnabled() and not page.progress.isVisible()


def test_a_chosen_folder_that_is_not_removable_is_warned_about(qtbot, page, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    monkeypatch.setattr(page, "_ask_folder", lambda: str(folder))
    page.choose_button.click()
    assert page.target_folder() == folder
    assert page.warning.isVisible() and "not on a removable medium" in page.warning.text()
    page.backup_button.click()
    qtbot.waitUntil(lambda: "verified" in page.result.text(), timeout=20_000)
    assert len(list(folder.glob("*.crbackup"))) == 1
    # back to the stick: no warning
    page.volume_box.setCurrentIndex(0)
    assert not page.warning.isVisible()


def test_a_pulled_medium_is_said_in_place_and_nothing_is_recorded(qtbot, page, services: Services,  # type: ignore[no-untyped-def]
                                                                  usb: Path) -> None:
    shutil.rmtree(usb)
    page.backup_button.click()
    qtbot.waitUntil(lambda: page.result.isVisible(), timeout=10_000)
    assert "cannot be found" in page.result.text()
    assert backup.last_verified_backup(services.session) is None
    assert services.audit.entries(kinds=["backup.failed"])


def test_settings_are_kept_in_the_vault(page, services: Services) -> None:  # type: ignore[no-untyped-def]
    page.generations.setValue(3)
    page.remind.setValue(14)
    assert backup.generations(services.session) == 3
    assert backup.remind_days(services.session) == 14


def test_no_removable_medium_offers_refresh_and_disables_backup(page, usb: Path) -> None:  # type: ignore[no-untyped-def]
    page.volumes.items = [v for v in page.volumes.items if not v.removable]
    page.refresh_button.click()
    assert "No removable medium found" in page.volume_box.currentText()
    assert not page.backup_button.isEnabled()
    page.volumes.items.append(Volume(usb, "STICK", True))
    page.refresh_button.click()
    assert page.backup_button.isEnabled()


def test_reminder_at_close(qtbot, services: Services, monkeypatch: pytest.MonkeyPatch, usb: Path) -> None:  # type: ignore[no-untyped-def]
    from counselroom.gui.vault import backup_page

    asked: list[str] = []

    def fake_exec(box: QMessageBox) -> int:
        asked.append(box.text())
        assert box.defaultButton().text() == "Cancel"
        box.buttons()[0].click()  # "Back up now"
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    assert backup_page.ask_backup_before_closing(None, services) == "backup"
    assert "never been backed up" in asked[0]
    backup.make_backup(services.session, usb, same_disk_ok=True)
    assert backup_page.ask_backup_before_closing(None, services) == "close"
    assert len(asked) == 1
    later = datetime.now(UTC) + timedelta(days=9)
    assert backup_page.ask_backup_before_closing(None, services, later) == "backup"
    assert "9 day(s) old" in asked[1]


@pytest.fixture
def restorable(services: Services, usb: Path) -> tuple[Path, Vault]:
    services.clients.create(Client(code="IN-BACKUP"))
    made = backup.make_backup(services.session, usb, same_disk_ok=True)
    services.clients.create(Client(code="AFTER-BACKUP"))
    vault = services.session.vault
    services.session.close()
    return made.path, vault


def _open_dialog(qtbot, vault: Vault, file: Path, secret: str):  # type: ignore[no-untyped-def]
    from counselroom.gui.vault.restore_dialog import RestoreDialog

    locked: list[bool] = []
    dialog = RestoreDialog(vault, before_restore=lambda: locked.append(True))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog._ask_file = lambda: str(file)  # type: ignore[method-assign]
    dialog.browse.click()
    dialog.secret.setText(secret)
    dialog.open_button.click()
    return dialog, locked


def test_restore_shows_what_the_backup_holds_then_restores_and_keeps(  # type: ignore[no-untyped-def]
        qtbot, restorable: tuple[Path, Vault], monkeypatch: pytest.MonkeyPatch) -> None:
    from counselroom.gui.vault import restore_dialog

    file, vault = restorable
    dialog, locked = _open_dialog(qtbot, vault, file, "wrong passphrase")
    qtbot.waitUntil(lambda: "not correct" in dialog.open_message.text(), timeout=20_000)
    assert dialog.stack.currentIndex() == 0
    dialog.secret.setText(PASSPHRASE)
    dialog.open_button.click()
    qtbot.waitUntil(lambda: dialog.stack.currentIndex() == 1, timeout=20_000)
    facts = [dialog.facts.itemAt(i).widget().text() for i in range(dialog.facts.count())
             if dialog.facts.itemAt(i).widget() is not None]
    assert file.name in facts and facts[facts.index("Clients:") + 1] == "1"
    dialog.grab().save("/tmp/restore_dialog_facts.png")

    asked: list[str] = []
    monkeypatch.setattr(restore_dialog, "confirm_destructive", lambda *a, **k: asked.append(a[2]) or False)
    dialog.restore_button.click()
    assert asked and restore.pending_restore(vault.path) is None and not locked  # cancelled: nothing happened
    monkeypatch.setattr(restore_dialog, "confirm_destructive", lambda *a, **k: True)
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: dialog.stack.currentIndex() == 2, timeout=20_000)
    assert locked == [True]
    assert restore.pending_restore(vault.path) is not None
    assert not dialog.keep_button.isEnabled()
    dialog.check_secret.setText(PASSPHRASE)
    dialog.unlock_button.click()
    qtbot.waitUntil(lambda: dialog.keep_button.isEnabled(), timeout=20_000)
    dialog.keep_button.click()
    assert dialog.restored and dialog.stack.currentIndex() == 3
    assert restore.pending_restore(vault.path) is None
    with vault.unlock(PASSPHRASE) as s:
        codes = {c.code for c in Services.open(s).clients.list(include_archived=True)}
        assert "IN-BACKUP" in codes and "AFTER-BACKUP" not in codes
        assert s.audit.entries(kinds=["backup.restore_confirmed"])


def test_restore_can_be_undone(qtbot, restorable: tuple[Path, Vault], monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from counselroom.gui.vault import restore_dialog

    file, vault = restorable
    monkeypatch.setattr(restore_dialog, "confirm_destructive", lambda *a, **k: True)
    dialog, _ = _open_dialog(qtbot, vault, file, PASSPHRASE)
    qtbot.waitUntil(lambda: dialog.stack.currentIndex() == 1, timeout=20_000)
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: dialog.stack.currentIndex() == 2, timeout=20_000)
    dialog.undo_button.click()
    assert dialog.undone
    with vault.unlock(PASSPHRASE) as s:
        assert "AFTER-BACKUP" in {c.code for c in Services.open(s).clients.list(include_archived=True)}


def test_a_damaged_backup_is_refused_in_the_dialog(qtbot, restorable: tuple[Path, Vault]) -> None:  # type: ignore[no-untyped-def]
    file, vault = restorable
    data = bytearray(file.read_bytes())
    data[-5000] ^= 1
    file.write_bytes(bytes(data))
    dialog, _ = _open_dialog(qtbot, vault, file, PASSPHRASE)
    qtbot.waitUntil(lambda: "damaged" in dialog.open_message.text(), timeout=20_000)
    assert dialog.stack.currentIndex() == 0


def test_screenshots_in_english_and_chinese(qtbot, page, usb: Path) -> None:  # type: ignore[no-untyped-def]
    page.backup_button.click()
    qtbot.waitUntil(lambda: "verified" in page.result.text(), timeout=20_000)
    page.grab().save("/tmp/backup_page_en.png")
    i18n.set_language("zh_CN")
    from counselroom.gui.vault.backup_page import BackupPage

    zh = BackupPage(page.services, page.vault, volumes=page.volumes)
    qtbot.addWidget(zh)
    zh.resize(760, 700)
    zh.show()
    assert "备份" in zh.title.text()
    zh.grab().save("/tmp/backup_page_zh.png")
