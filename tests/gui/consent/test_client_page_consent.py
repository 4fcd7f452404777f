"""Consent comes first: asking for a note without complete consent says why and opens the checklist; the
client page also offers the locked export."""

from __future__ import annotations

from counselroom.gui.clients.client_page import ClientPage
from counselroom.records.clients import Client
from counselroom.records.services import Services


def test_a_note_without_consent_takes_the_counselor_to_the_checklist(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    client = services.clients.create(Client(code="CP-1", name="No Consent Yet"))
    page = ClientPage(services, client.id or 0)
    qtbot.addWidget(page)
    page.show()
    page.show_notes()
    assert page.notes_tab.new_note() is None  # no New note dialog opens
    assert page.tabs.currentWidget() is page.consent_tab
    assert page.consent_notice.isVisible() and "Consent is not complete" in page.consent_notice.text()
    assert services.notes.for_client(client.id or 0) == []
    page.show_notes()
    assert not page.consent_notice.isVisible()


def test_tabs_and_export_button(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    client = services.clients.create(Client(code="CP-2"))
    page = ClientPage(services, client.id or 0)
    qtbot.addWidget(page)
    labels = [page.tabs.tabText(i).replace("&", "") for i in range(page.tabs.count())]
    assert labels == ["Overview", "Consent", "Session notes", "Appointments", "Tests", "Risk and safety", "Referrals",
                      "Dependency and closure", "Liaison"]
    assert page.export_button.isEnabled()
