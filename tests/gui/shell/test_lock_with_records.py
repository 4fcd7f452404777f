"""Locking with the record pages in use: the note being typed is saved first, then nothing of the records
stays in any widget or model. The overdue list opens the client's notes on the session it points at."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from counselroom.records.appointments import Appointment
from counselroom.records.clients import Client
from counselroom.records.profile import Profile
from counselroom.records.services import Services

from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..helpers import click_button, when_modal
from .test_locking import PASS, leaks, unlock


def test_lock_saves_the_note_being_typed_and_leaves_nothing_behind(qtbot, make_window, new_vault, flush) -> None:  # type: ignore[no-untyped-def]
    vault, _key = new_vault
    with vault.unlock(PASS) as session:
        services = Services.open(session)
        services.profile.save(Profile(name="Lin"))
        client = services.clients.create(Client(code="LK-77", name="Zed Quillfeather"))
        services.consent.record_signed(client.id or 0, date(2015, 1, 1), guardian_name="监护人")  # consent first
        start = datetime.now().replace(second=0, microsecond=0) - timedelta(days=3)
        appointment = services.appointments.create(Appointment(client.id or 0, start, start + timedelta(minutes=50)))
        services.appointments.record_attendance(appointment.id or 0, "attended", start, start + timedelta(minutes=50))
    window = make_window(vault.path)
    unlock(qtbot, window)
    shell = window.shell
    window.go("overdue")
    qtbot.waitUntil(lambda: bool(leaks({"Zed Quillfeather"})), timeout=5000)  # the overdue list shows the session

    seen: list[object] = []

    def create(dialog: QWidget) -> None:
        seen.append(dialog.appointment_combo.currentData())  # type: ignore[attr-defined]
        click_button(dialog, "Create note")

    when_modal(create)
    shell.write_note(client.id, appointment.id)
    assert seen == [appointment.id]  # the New note dialog offered that session
    page = shell.pages["clients"].client_page
    assert page is not None and page.tabs.currentWidget() is page.notes_tab
    editor = page.notes_tab.editor
    assert editor is not None
    box = next(iter(editor.edits.values()))
    qtbot.keyClicks(box, "Xylophonic worries")
    window.go("appointments")
    window.go("search")
    assert leaks({"Zed Quillfeather", "Xylophonic worries"}) == {"Zed Quillfeather", "Xylophonic worries"}
    qtbot.keyClick(shell.nav, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # lock before the autosave fires
    assert not window.is_unlocked
    flush()
    assert leaks({"Zed Quillfeather", "LK-77", "Xylophonic worries"}) == set()
    with vault.unlock(PASS) as session:
        notes = Services.open(session).notes.for_client(client.id or 0)
        assert [n.appointment_id for n in notes] == [appointment.id]
        assert "Xylophonic worries" in notes[0].text, "the draft typed just before locking was saved"
