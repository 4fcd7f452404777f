"""A new appointment starts with no client chosen (issue 13: it chose the first in the list, one whose case
closed in 2017); a search chooses its first match; a client's own tab still presets that client."""

from __future__ import annotations

from counselroom.gui.sessions.appointment_dialog import AppointmentDialog
from counselroom.records.clients import Client
from counselroom.records.services import Services


def test_no_client_is_chosen_until_the_counselor_chooses(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    old = services.clients.create(Client(code="2017-001", name="赵旧", status="closed"))
    services.clients.create(Client(code="2026-014", name="王芳", status="active"))
    dialog = AppointmentDialog(services)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.client.count() == 2
    assert dialog.client.currentIndex() == -1 and dialog.client.currentData() is None
    assert dialog.client.currentText() == "" and dialog.client.placeholderText()
    dialog.save()
    assert dialog.saved is None and dialog.errors["client_id"].isVisible()  # said, next to the field
    dialog.client_search.setText("王")
    assert dialog.client.currentText().startswith("王芳")  # a search chooses its first match
    dialog.client_search.setText("")
    assert dialog.client.currentText().startswith("王芳")  # and keeps it when the search is cleared
    preset = AppointmentDialog(services, client_id=old.id)
    qtbot.addWidget(preset)
    assert preset.client.currentData() == old.id  # from the client's own tab: that client
