"""The search page says how many records match when it shows only the first of them."""

from __future__ import annotations

from datetime import date, timedelta

from counselroom.gui.shell.search_page import SearchPage
from counselroom.records.clients import Client
from counselroom.records.services import Services


def test_showing_100_of_all_matches(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    client_id = services.clients.create(Client(code="H-001", name="Many Notes")).id or 0
    services.consent.record_signed(client_id, date(2015, 1, 1), guardian_name="监护人")
    for i in range(103):
        note = services.notes.create_draft(client_id, "standard", date(2026, 1, 1) + timedelta(days=i))
        services.notes.save_draft(note.id or 0, {"concerns": f"homesick week {i}"})
    page = SearchPage(services)
    qtbot.addWidget(page)
    page.show()
    qtbot.keyClicks(page.search, "homesick")
    page.search_now()
    assert page.model.rowCount() == 100
    assert page.count_label.text().startswith("Showing 100 of 103 results")
    assert [h.session_date for h in page.hits()[:2]] == [date(2026, 1, 1) + timedelta(days=102),
                                                         date(2026, 1, 1) + timedelta(days=101)]
    page.search.clear()
    qtbot.keyClicks(page.search, "homesick 102")
    page.search_now()
    assert page.model.rowCount() == 1 and page.count_label.text() == "1 result"


def test_showing_100_of_more_than_the_cap(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    """The count stops at search.COUNT_CAP (1,000; 101 here): past it the page says "more than"."""
    from unittest.mock import patch

    from counselroom.records import search

    client_id = services.clients.create(Client(code="H-002", name="Many More")).id or 0
    services.consent.record_signed(client_id, date(2015, 1, 1), guardian_name="监护人")
    for i in range(103):
        note = services.notes.create_draft(client_id, "standard", date(2026, 1, 1) + timedelta(days=i))
        services.notes.save_draft(note.id or 0, {"concerns": f"roommate week {i}"})
    page = SearchPage(services)
    qtbot.addWidget(page)
    page.show()
    qtbot.keyClicks(page.search, "roommate")
    with patch.object(search, "COUNT_CAP", 101):
        page.search_now()
    assert page.model.rowCount() == 100
    assert page.count_label.text().startswith("Showing 100 of more than 101 results")
    page.search_now()  # 103 under the real cap: exact
    assert page.count_label.text().startswith("Showing 100 of 103 results")
