"""A client's Session notes tab: the list, a new note from a form and an attended appointment, the editor
in place of the list with Back, and the entry points the window uses (open_note, new_note_for_appointment)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from counselroom.gui.sessions.client_notes_tab import ClientNotesTab, NewNoteDialog
from counselroom.records.appointments import Appointment
from counselroom.records.clients import Client
from counselroom.records.profile import Profile
from counselroom.records.services import Services
from counselroom.vault.errors import VaultError

from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..helpers import click_button, when_modal


@pytest.fixture
def client_id(services: Services) -> int:
    services.profile.save(Profile(name="Li Hua"))
    client_id = services.clients.create(Client(code="A-001", name="张小明")).id or 0
    services.consent.record_signed(client_id, date(2015, 1, 1), guardian_name="监护人")
    return client_id


def attended(services: Services, client_id: int, days_ago: int) -> int:
    start = (datetime.now() - timedelta(days=days_ago)).replace(hour=10, minute=0, second=0, microsecond=0)
    a = services.appointments.create(Appointment(client_id, start, start + timedelta(minutes=50),
                                                 actual_start=start, actual_end=start + timedelta(minutes=50),
                                                 attendance="attended"))
    return a.id or 0


@pytest.fixture
def make_tab(qtbot, services: Services):  # type: ignore[no-untyped-def]
    def make(client_id: int) -> ClientNotesTab:
        tab = ClientNotesTab(services, client_id)
        qtbot.addWidget(tab)
        tab.resize(900, 650)
        with qtbot.waitExposed(tab):
            tab.show()
        tab.activateWindow()
        qtbot.waitUntil(tab.isActiveWindow, timeout=2000)
        return tab

    return make


def column(tab: ClientNotesTab, col: int) -> list[str]:
    return [tab.model.index(r, col).data() for r in range(tab.model.rowCount())]


def test_the_list_shows_date_form_status_and_fingerprint(qtbot, services, client_id, make_tab) -> None:  # type: ignore[no-untyped-def]
    old = services.notes.create_draft(client_id, "soap", session_date=datetime(2025, 3, 1).date())
    services.notes.save_draft(old.id or 0, {"subjective": "Sleep"})
    signed = services.notes.sign(old.id or 0, "Li Hua")
    services.notes.add_addendum(old.id or 0, "Correction", "Li Hua")
    services.notes.create_draft(client_id, "dap", session_date=datetime(2025, 4, 1).date())
    tab = make_tab(client_id)
    assert column(tab, 0) == ["2025-04-01", "2025-03-01"]
    assert column(tab, 1) == ["DAP note", "SOAP note"]
    assert column(tab, 2) == ["Draft", "Signed, 1 addendum"]
    assert column(tab, 3) == ["", signed.short_fingerprint]
    assert not tab.empty_label.isVisible()


def test_new_note_for_an_attended_session_opens_in_the_tab_and_back_saves(qtbot, services, client_id,  # type: ignore[no-untyped-def]
                                                                          make_tab) -> None:
    older, latest = attended(services, client_id, 9), attended(services, client_id, 2)
    tab = make_tab(client_id)
    assert tab.empty_label.isVisible()
    assert tab.pending_label.text() == "2 attended sessions have no note yet."

    def choose(dialog: QWidget) -> None:
        assert isinstance(dialog, NewNoteDialog)
        assert dialog.appointment_combo.currentData() == latest  # the latest session without a note
        assert not dialog.date_edit.isEnabled()
        dialog.template_combo.setCurrentIndex(dialog.template_combo.findData("soap"))
        dialog.appointment_combo.setCurrentIndex(dialog.appointment_combo.findData(older))
        click_button(dialog, "Create note")

    when_modal(choose)
    qtbot.keyClick(tab.new_button, Qt.Key.Key_Space)
    assert tab.editor is not None and tab.stack.currentWidget() is tab.editor
    note = services.notes.get(tab.editor.note_id)
    assert (note.template, note.appointment_id) == ("soap", older)
    assert note.session_date == services.appointments.get(older).planned_start.date()
    assert list(tab.editor.edits) == ["subjective", "objective", "assessment", "plan"]
    tab.activateWindow()  # the offscreen platform leaves no window active after a dialog closes
    qtbot.waitUntil(tab.editor.edits["subjective"].hasFocus, timeout=1000)
    qtbot.keyClicks(tab.editor.edits["subjective"], "Worried about exams")
    tab.editor.back_button.click()  # Back saves what was typed
    assert tab.editor is None and tab.stack.currentWidget() is tab.list_widget
    assert services.notes.get(note.id or 0).content["subjective"] == "Worried about exams"
    assert column(tab, 2) == ["Draft"]
    assert tab.pending_label.text() == "1 attended session has no note yet."


def test_entry_points_for_the_window(qtbot, services, client_id, make_tab) -> None:  # type: ignore[no-untyped-def]
    appointment = attended(services, client_id, 1)
    other = services.clients.create(Client(code="B-002")).id or 0
    services.consent.record_signed(other, date(2015, 1, 1), guardian_name="监护人")
    foreign = services.notes.create_draft(other).id or 0
    tab = make_tab(client_id)
    assert tab.open_note(foreign) is False and tab.editor is None

    def accept(dialog: QWidget) -> None:
        assert isinstance(dialog, NewNoteDialog)
        assert dialog.appointment_combo.currentData() == appointment
        click_button(dialog, "Create note")

    when_modal(accept)
    created = tab.new_note_for_appointment(appointment)
    assert created is not None and tab.editor is not None and tab.editor.note_id == created
    tab.show_list()
    # a second time the appointment's note opens, no new one is made
    assert tab.new_note_for_appointment(appointment) == created
    assert tab.editor is not None and tab.editor.note_id == created
    assert len(services.notes.for_client(client_id)) == 1
    tab.show_list()
    tab.table.setFocus()
    tab.table.selectRow(0)
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    assert tab.editor is not None and tab.editor.note_id == created


def test_a_refusal_from_the_records_is_shown_in_the_dialog(qtbot, services, client_id, make_tab) -> None:  # type: ignore[no-untyped-def]
    def consent_missing(cid: int) -> None:
        raise VaultError("The vault could not be used.")

    services.notes.before_new_note = consent_missing
    tab = make_tab(client_id)
    seen: list[str] = []

    def create(dialog: QWidget) -> None:
        assert isinstance(dialog, NewNoteDialog)
        click_button(dialog, "Create note")
        seen.append(dialog.error.text())
        assert dialog.isVisible()

    when_modal(create)
    assert tab.new_note() is None
    assert seen == ["The vault could not be used."]
    assert services.notes.for_client(client_id) == [] and tab.editor is None
