"""Notes not yet written: an attended session without a signed note is listed once the hours setting
has passed, counted in the header, and leaves the list when its note is signed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from counselroom import i18n
from counselroom.gui.sessions.overdue_page import SETTING, OverduePage
from counselroom.records.appointments import Appointment
from counselroom.records.clients import Client
from counselroom.records.services import Services


def held(services: Services, client_id: int, start: datetime, attendance: str = "attended") -> int:
    start = start.replace(second=0, microsecond=0)
    a = services.appointments.create(Appointment(client_id, start, start + timedelta(minutes=50)))
    assert a.id is not None
    if attendance == "no_show":
        services.appointments.record_attendance(a.id, "no_show")
    else:
        services.appointments.record_attendance(a.id, attendance, start, start + timedelta(minutes=50))
    return a.id


@pytest.fixture
def data(services: Services) -> dict[str, int]:
    now = datetime.now()
    zhang = services.clients.create(Client(code="2026-014", name="张小明")).id
    emily = services.clients.create(Client(code="2026-015", name="Emily Chen")).id
    assert zhang and emily
    services.consent.record_signed(zhang, date(2015, 1, 1), guardian_name="监护人")
    services.consent.record_signed(emily, date(2015, 1, 1), guardian_name="监护人")
    return {
        "zhang": zhang, "emily": emily,
        "old": held(services, zhang, now - timedelta(days=3)),  # overdue by about a day
        "recent": held(services, emily, now - timedelta(hours=12)),  # overdue only after 12 h
        "no_show": held(services, zhang, now - timedelta(days=4), "no_show"),  # nothing to write
    }


@pytest.fixture
def page(qtbot, services: Services, data: dict[str, int]) -> OverduePage:  # type: ignore[no-untyped-def]
    p = OverduePage(services)
    qtbot.addWidget(p)
    p.resize(800, 400)
    with qtbot.waitExposed(p):
        p.show()
    return p


def clients_shown(page: OverduePage) -> list[str]:
    return [str(page.model.index(r, 0).data()) for r in range(page.model.rowCount())]


def test_overdue_after_the_hours_setting_and_gone_when_signed(qtbot, page: OverduePage,  # type: ignore[no-untyped-def]
                                                             services: Services, data: dict[str, int]) -> None:
    assert page.hours.value() == 48
    assert clients_shown(page) == ["张小明"]
    assert page.count_label.text() == "1 session note is overdue."
    row = [str(page.model.index(0, c).data()) for c in range(page.model.columnCount())]
    assert row[2] == "23 h" and row[3] == "Not started"  # ended 71 h ago, 48 h allowed

    # The counselor shortens the time allowed: the session of 12 hours ago becomes overdue too.
    page.hours.setFocus()
    page.hours.selectAll()
    qtbot.keyClicks(page.hours, "8")
    qtbot.keyClick(page.hours, Qt.Key.Key_Return)
    assert page.hours.value() == 8
    assert clients_shown(page) == ["张小明", "Emily Chen"]
    assert page.count_label.text() == "2 session notes are overdue."
    assert services.settings.get(SETTING) == 8

    # A draft is not enough; signing it is.
    note = services.notes.create_draft(data["emily"], appointment_id=data["recent"])
    qtbot.waitUntil(lambda: page.model.index(1, 3).data() == "Draft started")
    services.notes.save_draft(note.id, {"concerns": "Sleeps badly before exams."})  # type: ignore[arg-type]
    services.notes.sign(note.id, "Counselor")  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: clients_shown(page) == ["张小明"])
    assert page.count_label.text() == "1 session note is overdue."


def test_setting_is_kept_and_write_note_signal(qtbot, services: Services,  # type: ignore[no-untyped-def]
                                               data: dict[str, int]) -> None:
    services.settings.set(SETTING, 6)
    p = OverduePage(services)
    qtbot.addWidget(p)
    p.show()
    assert p.hours.value() == 6
    assert clients_shown(p) == ["张小明", "Emily Chen"]
    p.table.setFocus()
    p.table.selectRow(1)
    with qtbot.waitSignal(p.write_note) as signal:
        qtbot.keyClick(p.table, Qt.Key.Key_Return)
    assert signal.args == [data["emily"], data["recent"]]
    with qtbot.waitSignal(p.write_note) as signal:
        qtbot.mouseClick(p.write_button, Qt.MouseButton.LeftButton)
    assert signal.args == [data["emily"], data["recent"]]
    listeners = len(services.store._listeners)
    p.shutdown()
    assert len(services.store._listeners) == listeners - 1 and p.model.rowCount() == 0


def test_nothing_overdue_and_chinese(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("zh_CN")
    p = OverduePage(services)
    qtbot.addWidget(p)
    p.show()
    assert p.count_label.text() == "没有逾期的咨询记录。"
    assert p.empty_label.isVisible()
    assert not p.write_button.isEnabled()
    client = services.clients.create(Client(code="C-1", name="李雷"))
    assert client.id
    held(services, client.id, datetime.now() - timedelta(days=5))
    qtbot.waitUntil(lambda: p.count_label.text() == "1 份咨询记录已逾期。")
    assert clients_shown(p) == ["李雷"]
    assert p.model.index(0, 3).data() == "尚未开始"
