"""The dashboard as the counselor meets it: the first page after unlocking, each line opening what it counts."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt

from counselroom.records.clients import Client
from counselroom.records.services import Services

from ..shell.test_locking import PASS, unlock


def _client_without_consent(vault) -> None:  # type: ignore[no-untyped-def]
    with vault.unlock(PASS) as session:
        Services.open(session).clients.create(Client(code="D-007", name="周雨桐", status="active"))


def test_dashboard_is_the_first_page_and_its_lines_open_what_they_count(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    _client_without_consent(new_vault[0])
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    assert window.shell.current == "dashboard"
    page = window.shell.pages["dashboard"]
    consent = page.buttons["consent"]
    assert "1 client without a signed or current consent" in consent.text()
    assert "never been backed up" in page.buttons["backup"].text()

    qtbot.mouseClick(consent, Qt.MouseButton.LeftButton)
    assert page.detail.isVisible() and page.model.rowCount() == 1
    assert page.model.index(0, 0).data() == "D-007" and page.model.index(0, 1).data() == "周雨桐"
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert window.shell.current == "clients"
    client_page = window.shell.pages["clients"].client_page
    assert client_page.tabs.currentWidget() is client_page.consent_tab

    book = window.shell.pages["appointments"]
    book.show_date(date.today() + timedelta(weeks=3))  # the counselor had browsed ahead
    window.go("dashboard")
    qtbot.mouseClick(page.buttons["appointments"], Qt.MouseButton.LeftButton)
    assert window.shell.current == "appointments" and book.current_date == date.today()
    window.go("dashboard")
    qtbot.mouseClick(page.buttons["backup"], Qt.MouseButton.LeftButton)
    assert window.shell.current == "backup"


def test_dashboard_follows_changes_made_elsewhere(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    _client_without_consent(new_vault[0])
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    page = window.shell.pages["dashboard"]
    services = window.services
    client_id = services.clients.list()[0].id
    services.consent.record_signed(client_id, date(2015, 1, 1), guardian_name="监护人")
    qtbot.waitUntil(lambda: "Every open case has a signed, current consent" in page.buttons["consent"].text(),
                    timeout=3000)
    assert not page.buttons["consent"].isEnabled()  # nothing to list


def test_shutdown_before_locking_drops_what_the_dashboard_shows(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    _client_without_consent(new_vault[0])
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    page = window.shell.pages["dashboard"]
    qtbot.mouseClick(page.buttons["consent"], Qt.MouseButton.LeftButton)
    assert page.model.rowCount() == 1
    page.shutdown()
    assert page.model.rowCount() == 0 and all(b.text() == "" for b in page.buttons.values())
    window.lock()
    assert not window.is_unlocked


def test_the_open_line_is_marked_and_quiet_lines_look_alike(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: the line whose clients are listed is marked; a "nothing to do" line that has nothing to open
    is drawn like the other quiet lines, not greyed like a broken button."""
    _client_without_consent(new_vault[0])
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    page = window.shell.pages["dashboard"]
    consent = page.buttons["consent"]
    before = consent.grab().toImage()
    assert consent.property("open") is False

    qtbot.mouseClick(consent, Qt.MouseButton.LeftButton)
    assert consent.property("open") is True
    opened = consent.grab().toImage()
    top = {opened.pixelColor(opened.width() // 2, y).name() for y in range(0, 3)}
    assert "#1a5fb4" in top and opened != before  # a blue frame, drawn, not only flagged
    assert not any(b.property("open") for key, b in page.buttons.items() if key != "consent")

    quiet = [b for key, b in page.buttons.items() if not page.lines[key].attention]
    closed = [b for b in quiet if not b.isEnabled()]
    opening = [b for b in quiet if b.isEnabled() and not b.property("open")]
    assert closed and opening, "the empty vault has quiet lines of both kinds"
    # its words are drawn dark like every other line's, not in the disabled grey: the darkest pixel tells
    for button in (closed[0], opening[0]):
        image = button.grab().toImage()
        darkest = min(image.pixelColor(x, y).lightness() for x in range(12, image.width() - 4)
                      for y in range(4, image.height() - 4))
        assert darkest < 90, (button.text(), darkest)
