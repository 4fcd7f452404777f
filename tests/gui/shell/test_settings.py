"""Settings: language applies at once (the window is rebuilt, the vault stays open), the passphrase can be
changed (wrong current passphrase refused), the profile is saved, a new recovery key is shown once."""

from __future__ import annotations

from PySide6.QtCore import Qt

from counselroom.config import AppConfig
from counselroom.gui.shell import settings_page
from counselroom.gui.shell.main_window import MainWindow
from counselroom.gui.vault.recovery_key_dialog import key_tail

from ..helpers import _stop_polls, when_modal  # noqa: F401 - _stop_polls is an autouse fixture

PASS = "Quiet river 2026 lantern"


def unlock(qtbot, window: MainWindow, passphrase: str = PASS) -> None:  # type: ignore[no-untyped-def]
    screen = window.unlock_screen
    screen.passphrase.clear()
    qtbot.keyClicks(screen.passphrase, passphrase)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=10000)


def test_language_change_applies_at_once(qtbot, make_window, new_vault, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    window.go("settings")
    page = window.shell.pages["settings"]
    page.language.setCurrentIndex(page.language.findData("zh_CN"))
    assert window.is_unlocked
    assert window.shell.current == "settings"
    assert window.shell.nav.item(0).text() != "Clients"
    assert window.menuBar().actions()[0].text() == "档案库(&V)"
    assert AppConfig.load(tmp_path / "settings.json").language == "zh_CN"
    window.lock()
    assert window.unlock_screen.unlock_button.text() == "解锁(&U)"


def test_change_passphrase(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    window.go("settings")
    page = window.shell.pages["settings"]
    new = "Seven green lanterns by the lake"
    qtbot.keyClicks(page.old_passphrase, "wrong old passphrase")
    qtbot.keyClicks(page.new_passphrase.first, new)
    qtbot.keyClicks(page.new_passphrase.second, new)
    assert page.change_button.isEnabled()
    qtbot.mouseClick(page.change_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not correct" in page.passphrase_message.text(), timeout=10000)
    page.old_passphrase.clear()
    qtbot.keyClicks(page.old_passphrase, PASS)
    qtbot.mouseClick(page.change_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "is changed" in page.passphrase_message.text(), timeout=10000)
    window.lock()
    unlock(qtbot, window, new)


def test_profile_is_saved(qtbot, make_window, new_vault, type_committed) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    window.go("settings")
    page = window.shell.pages["settings"]
    type_committed(page.profile_form.fields["institution"], "示例大学心理健康教育中心")
    page.save_profile()
    assert window.services.profile.get().institution == "示例大学心理健康教育中心"


def test_new_recovery_key_is_shown_once(qtbot, make_window, new_vault, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    vault, old_key = new_vault
    window = make_window(vault.path)
    unlock(qtbot, window)
    window.go("settings")
    page = window.shell.pages["settings"]
    monkeypatch.setattr(settings_page, "confirm_destructive", lambda *a: False)
    page.make_new_recovery_key()
    assert page.recovery_dialog is None  # cancelled: nothing changed
    monkeypatch.setattr(settings_page, "confirm_destructive", lambda *a: True)
    page.make_new_recovery_key()
    qtbot.waitUntil(lambda: page.recovery_dialog is not None and page.recovery_dialog.isVisible(), timeout=10000)
    dialog = page.recovery_dialog
    new_key = dialog.view.sheet.recovery_key
    assert new_key != old_key
    assert new_key.split("-")[0] in dialog.view.key_label.text()
    qtbot.keyClicks(dialog.check.field, key_tail(new_key))
    qtbot.mouseClick(dialog.done_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    window.lock()
    session = vault.unlock_with_recovery(new_key)
    session.close()


def test_every_input_has_an_accessible_name(qtbot, make_window, new_vault, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QAbstractSpinBox, QCheckBox, QComboBox, QLineEdit

    wizard = make_window(tmp_path / "other-vault").wizard
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    window.go("settings")
    for screen in (wizard, window.unlock_screen, window.shell.pages["settings"]):
        for cls in (QLineEdit, QComboBox, QAbstractSpinBox, QCheckBox):
            for w in screen.findChildren(cls):
                if isinstance(w, QLineEdit) and isinstance(w.parent(), (QComboBox, QAbstractSpinBox)):
                    continue  # the editor inside a combo or spin box is named by its owner
                assert w.accessibleName(), f"{cls.__name__} without an accessible name"


def test_the_rooms_crisis_contacts_are_reached_from_settings(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    from counselroom.gui.risk.safety_plan_editor import CrisisContactsDialog

    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    window.go("settings")
    seen: list[str] = []

    def look(dialog) -> None:  # type: ignore[no-untyped-def]
        seen.append(type(dialog).__name__)
        dialog.reject()

    problems = when_modal(look)
    qtbot.mouseClick(window.shell.pages["settings"].crisis_button, Qt.MouseButton.LeftButton)
    assert not problems and seen == [CrisisContactsDialog.__name__]
