"""The window on the room's 1366x768 screen (issue 13): never taller than the screen, even with the demo banner
and the failed-unlock notice; the dashboard's lines scroll instead of overlapping; a section's key goes back to
its list from a client's file; after a lock and unlock the counselor is back where they were."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QApplication, QPushButton

from counselroom import i18n
from counselroom.records.clients import Client
from counselroom.vault.errors import VaultError
from counselroom.vault.vault import Vault

from .test_locking import PASS as PASSPHRASE
from .test_locking import unlock

SCREEN = (1366, 768)
TITLE_BAR = 40  # what the window manager takes above the window on the room's PC


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_window_fits_the_screen_with_the_demo_banner_and_a_failed_attempt(  # type: ignore[no-untyped-def]
        qtbot, make_window, new_vault, state_dir, attempt_clock, lang: str) -> None:
    i18n.set_language(lang)
    vault = Vault(new_vault[0].path, state_dir=state_dir, clock=attempt_clock)
    try:
        vault.unlock("not the passphrase")
    except VaultError:
        pass
    attempt_clock.advance(600)
    window = make_window(vault.path, demo_passphrase=PASSPHRASE)
    window.resize(*SCREEN)
    assert window.unlock_screen.passphrase.text() == PASSPHRASE  # the demo's, filled in
    window.unlock_screen.try_unlock()
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=10000)
    assert window.shell is not None and window.shell.notice.isVisible()  # the failed attempt is told
    QApplication.processEvents()
    assert window.minimumSizeHint().height() <= SCREEN[1] - TITLE_BAR
    assert window.height() <= SCREEN[1]
    window.resize(1024, 600)  # smaller still: the dashboard's lines scroll, none over another
    QApplication.processEvents()
    assert window.height() == 600
    page = window.shell.pages["dashboard"]
    buttons = sorted((b for b in page.findChildren(QPushButton) if b.objectName().startswith("dashboard_")),
                     key=lambda b: b.y())
    assert len(buttons) >= 8
    for upper, lower in zip(buttons, buttons[1:], strict=False):
        assert upper.geometry().bottom() < lower.geometry().top(), "dashboard lines overlap"
        assert upper.height() >= upper.sizeHint().height()
    assert page.lines_area.verticalScrollBar().maximum() > 0


def test_a_sections_key_goes_back_to_its_list_from_a_clients_file(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    client = window.services.clients.create(Client(code="K-001", name="王芳"))
    page = window.shell.open_client(client.id)
    assert page is not None and window.shell.current == "clients"
    clients = window.shell.pages["clients"]
    assert clients.client_page is page
    window.go_menu.actions()[1].trigger()  # Go > Clients, Ctrl+2
    assert clients.client_page is None and clients.stack.currentWidget() is clients.list_widget


def test_after_lock_and_unlock_the_note_being_written_is_open_again(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    services = window.services
    client_id = services.clients.create(Client(code="N-001", name="李雷")).id
    services.consent.record_signed(client_id, date(2015, 1, 1), guardian_name="Guardian")
    note = services.notes.create_draft(client_id, "standard")
    window.shell.open_note(client_id, note.id)
    page = window.shell.pages["clients"].client_page
    editor = page.notes_tab.editor
    assert editor is not None and editor.note_id == note.id
    first = next(iter(editor.edits.values()))
    first.setPlainText("half a sentence")
    window.lock()
    assert window.where is not None and window.where.note_id == note.id
    unlock(qtbot, window)
    assert window.shell.current == "clients"
    page = window.shell.pages["clients"].client_page
    assert page is not None and page.client_id == client_id and page.current_tab() == "notes"
    editor = page.notes_tab.editor
    assert editor is not None and editor.note_id == note.id
    assert next(iter(editor.edits.values())).toPlainText() == "half a sentence"  # saved at the lock


def test_after_lock_and_unlock_the_same_section_and_tab(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    window.go("audit")
    window.lock()
    unlock(qtbot, window)
    assert window.shell.current == "audit"
    client = window.services.clients.create(Client(code="T-001"))
    window.shell.open_client_tab(client.id, "referrals")
    window.lock()
    unlock(qtbot, window)
    page = window.shell.pages["clients"].client_page
    assert page is not None and page.client_id == client.id and page.current_tab() == "referrals"
    assert window.shell.pages["clients"].stack.currentWidget() is page


def test_a_file_destroyed_meanwhile_leaves_the_list(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    client = window.services.clients.create(Client(code="D-001"))
    window.shell.open_client(client.id)
    window.lock()
    window.where = type(window.where)("clients", 999_999, "overview", None)  # an id that no longer exists
    unlock(qtbot, window)
    clients = window.shell.pages["clients"]
    assert window.shell.current == "clients" and clients.client_page is None


def test_the_unlock_card_is_centred_and_the_demo_passphrase_stays_filled_in(qtbot, new_vault) -> None:  # type: ignore[no-untyped-def]
    from counselroom.gui.shell.unlock_screen import UnlockScreen

    screen = UnlockScreen(new_vault[0], demo_passphrase=PASSPHRASE)
    qtbot.addWidget(screen)
    screen.resize(*SCREEN)
    screen.show()
    QApplication.processEvents()
    card = screen.pages.currentWidget()
    assert card is not None and card.width() > 300
    centre = card.mapTo(screen, card.rect().center()).x()
    assert abs(centre - SCREEN[0] / 2) <= 2, f"the card's centre is at {centre}, the screen's at {SCREEN[0] / 2}"
    assert screen.passphrase.text() == PASSPHRASE
    screen.reset()  # what a lock does
    assert screen.passphrase.text() == PASSPHRASE  # the demo screen says it is filled in: it is


def test_the_shortcuts_are_two_aligned_columns(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QGridLayout, QLabel

    window = make_window(new_vault[0].path)
    box = window.show_shortcuts()
    qtbot.waitExposed(box)
    grid = box.findChild(QGridLayout)
    assert grid is not None and grid.rowCount() >= 16 and grid.columnCount() == 2
    keys = [grid.itemAtPosition(r, 0).widget() for r in range(grid.rowCount())]
    what = [grid.itemAtPosition(r, 1).widget() for r in range(grid.rowCount())]
    assert all(isinstance(w, QLabel) for w in keys + what)
    assert len({w.x() for w in keys}) == 1 and len({w.x() for w in what}) == 1  # each column starts at one x
    assert min(w.x() for w in what) >= max(k.x() + k.sizeHint().width() for k in keys)  # no key runs into its action
    assert [w.text() for w in what][:2] == ["Lock", "Hide everything and lock"]
    box.close()


def test_after_the_panic_key_and_unlock_the_same_client_tab(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    client = window.services.clients.create(Client(code="P-001"))
    window.shell.open_client_tab(client.id, "risk")
    window.panic()  # F12
    assert not window.is_unlocked
    window.showNormal()
    unlock(qtbot, window)
    page = window.shell.pages["clients"].client_page
    assert page is not None and page.client_id == client.id and page.current_tab() == "risk"
