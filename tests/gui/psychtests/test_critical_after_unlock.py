"""Issue 12.1, the window's half: a critical answer given on the client screen while the window locked is
asked about again after the unlock (before: the prompt was never repeated), and "Open the client's tests"
takes the counselor to the Tests tab with its banner."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QMessageBox

from counselroom.records.clients import Client
from counselroom.records.services import Services

from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..shell.test_locking import PASS, unlock


def test_a_critical_answer_on_the_client_screen_is_asked_about_after_unlock(  # type: ignore[no-untyped-def]
        qtbot, make_window, new_vault) -> None:
    vault, _key = new_vault
    with vault.unlock(PASS) as session:
        services = Services.open(session)
        client_id = services.clients.create(Client(code="CS-1", name="Quill Ashgrove", status="active")).id or 0
        services.consent.record_signed(client_id, date(2015, 1, 1))
        a = services.psychtests.start(client_id, "phq9", "Explained what PHQ-9 asks and why.")
        services.psychtests.hand_to_client(a.id)
        for number in range(1, 10):  # the client answers; the window locks before the counselor is back
            services.psychtests.set_answer(a.id, number, 2 if number == 9 else 0)
    window = make_window(vault.path)
    unlock(qtbot, window)
    box = window.critical_prompt
    assert isinstance(box, QMessageBox)
    qtbot.waitUntil(box.isVisible, timeout=3000)
    assert "CS-1 Quill Ashgrove" in box.informativeText() and "item 9" in box.informativeText()
    assert window.services.dashboard.line("critical").count == 1
    open_button = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
    open_button.click()
    qtbot.waitUntil(lambda: window.shell.pages["clients"].client_page is not None, timeout=3000)
    page = window.shell.pages["clients"].client_page
    assert page.current_tab() == "tests" and page.tests_tab.critical_banner.isVisibleTo(page)
    assert page.critical_badge.isVisibleTo(page)


def test_nothing_is_asked_without_a_pending_answer(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    assert window.critical_prompt is None


def test_locking_with_the_question_open_closes_it_and_keeps_no_name(  # type: ignore[no-untyped-def]
        qtbot, make_window, new_vault, flush) -> None:
    from ..shell.test_locking import leaks

    vault, _key = new_vault
    with vault.unlock(PASS) as session:
        services = Services.open(session)
        client_id = services.clients.create(Client(code="CS-2", name="Wren Halloway", status="active")).id or 0
        services.consent.record_signed(client_id, date(2015, 1, 1))
        a = services.psychtests.start(client_id, "phq9", "Explained what PHQ-9 asks and why.")
        services.psychtests.hand_to_client(a.id)
        services.psychtests.set_answer(a.id, 9, 1)
    window = make_window(vault.path)
    unlock(qtbot, window)
    qtbot.waitUntil(lambda: window.critical_prompt is not None and window.critical_prompt.isVisible(), timeout=3000)
    window.lock()
    flush()
    assert not leaks({"Wren Halloway", "CS-2"})
