"""Issue 12.5 in the window: the Groups page books a group session for the whole roster only when every member
has a confidentiality agreement, records attendance per member (a member's lateness is the member's), and keeps
one group note with the session, never in a member's file; the appointment dialog's group booking is refused
the same way; the export dialog carries group notes only when ticked."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from PySide6.QtCore import QDate, QTime

from counselroom.gui.consent import group_sessions as sessions_module
from counselroom.gui.consent.groups_page import GroupsPage
from counselroom.gui.sessions.appointment_dialog import AppointmentDialog
from counselroom.records.services import Services


@pytest.fixture
def group(services: Services, consented_client):  # type: ignore[no-untyped-def]
    ids = [consented_client("G-1", name="张小明"), consented_client("G-2", name="李华")]
    g = services.consent.create_group("考试焦虑团体")
    for client_id in ids:
        services.consent.add_member(g.id, client_id, date.today() - timedelta(days=30))
    services.profile.save(services.profile.get().__class__(name="林晓雯"))
    return g.id, ids


@pytest.fixture
def page(qtbot, services: Services, group) -> GroupsPage:  # type: ignore[no-untyped-def]
    p = GroupsPage(services)
    qtbot.addWidget(p)
    p.resize(1366, 768)
    p.show()
    p.select_group(group[0])
    return p


def test_booking_waits_for_every_agreement_then_attendance_and_the_group_note(  # type: ignore[no-untyped-def]
        services, group, page, monkeypatch) -> None:
    group_id, ids = group
    box = page.sessions_box
    day = date.today() - timedelta(days=2)
    box.date.setDate(QDate(day.year, day.month, day.day))
    box.start.setTime(QTime(15, 0))
    box.book_button.click()
    assert "李华" in box.message.text() and "张小明" in box.message.text()  # no agreement yet: refused
    assert services.groups.sessions(group_id) == []
    for client_id in ids:
        services.consent.record_agreement(group_id, client_id, date.today() - timedelta(days=20))
    box.book_button.click()
    [session] = services.groups.sessions(group_id)
    assert box.table.rowCount() == 1 and box.table.item(0, 2).text() == "2 booked"
    box.table.selectRow(0)

    def attendance(dialog) -> int:  # type: ignore[no-untyped-def]
        combo = dialog.choices[ids[1]]
        combo.setCurrentIndex(combo.findData("late"))
        dialog.late_minutes[ids[1]].setValue(15)
        dialog.save()
        return 1

    monkeypatch.setattr(sessions_module, "launch", attendance)
    box.attendance_button.click()
    members = {a.client_id: a for a in services.groups.appointments_of(session.id)}
    assert members[ids[0]].attendance == "attended" and members[ids[0]].late_party is None
    assert members[ids[1]].attendance == "late" and members[ids[1]].late_party == "client"
    assert box.table.item(0, 2).text() == "2 of 2 attended" and box.table.item(0, 3).text() == "Not written"

    def write(dialog) -> int:  # type: ignore[no-untyped-def]
        dialog.edits["theme"].setPlainText("考试焦虑的应对")
        dialog.sign()
        return 1

    monkeypatch.setattr(sessions_module, "launch", write)
    box.table.selectRow(0)
    box.note_button.click()
    note = services.groups.note_for_session(session.id)
    assert note is not None and note.is_signed and note.signed_by == "林晓雯"
    assert box.table.item(0, 3).text() == "Signed"
    assert all(services.notes.for_client(c) == [] for c in ids)  # kept with the group, not in a member's file


def test_the_appointment_dialog_books_the_group_only_with_every_agreement(  # type: ignore[no-untyped-def]
        qtbot, services, group) -> None:
    group_id, ids = group
    dialog = AppointmentDialog(services, client_id=ids[0], day=date.today() + timedelta(days=3))
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("group"))
    dialog.save()
    assert "Choose the group" in dialog.errors["group_id"].text() and dialog.saved is None
    dialog.group.setCurrentIndex(dialog.group.findData(group_id))
    dialog.save()
    assert "李华" in dialog.errors["group_id"].text() and dialog.saved is None  # refused: no agreements yet
    for client_id in ids:
        services.consent.record_agreement(group_id, client_id, date.today())
    dialog.save()
    assert dialog.saved is not None and dialog.saved.group_session_id is not None
    assert len(services.groups.appointments_of(dialog.saved.group_session_id)) == 2


def test_the_export_dialog_carries_group_notes_only_when_ticked(  # type: ignore[no-untyped-def]
        qtbot, services, group) -> None:
    from counselroom.gui.practice.export_dialog import ExportDialog

    group_id, ids = group
    for client_id in ids:
        services.consent.record_agreement(group_id, client_id, date.today() - timedelta(days=20))
    start = datetime.combine(date.today() - timedelta(days=3), time(15, 0))
    session = services.groups.book(group_id, start, start + timedelta(minutes=90))
    for client_id in ids:
        services.groups.record_attendance(session.id, client_id, "attended", start, start + timedelta(minutes=90))
    note = services.groups.start_note(session.id)
    services.groups.save_note_draft(note.id, {"members": "李华谈到了失眠。"})
    services.groups.sign_note(note.id, "林晓雯")
    dialog = ExportDialog(services, services.session.vault, ids[0])
    qtbot.addWidget(dialog)
    assert not dialog.include_group_notes.isChecked() and not dialog.contents().include_group_notes
    dialog.include_group_notes.setChecked(True)
    assert dialog.contents().include_group_notes
    [section] = services.groups.export_sections(ids[0], dialog.contents(), "zh_CN")
    assert "李华" not in "\n".join(section.lines) and "[另一位成员 A]" in "\n".join(section.lines)
