"""A client's appointments tab: the list (newest first) and the punctuality and attendance figures, kept
up to date as appointments are booked and attendance recorded from the tab itself."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget

from counselroom import i18n
from counselroom.gui.sessions.appointment_dialog import AppointmentDialog
from counselroom.gui.sessions.attendance_dialog import AttendanceDialog
from counselroom.gui.sessions.client_appointments_tab import ClientAppointmentsTab
from counselroom.records.appointments import Appointment
from counselroom.records.clients import Client
from counselroom.records.services import Services

from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..helpers import when_modal
from .test_appointments_page import type_time

BASE = (datetime.now() - timedelta(days=40)).replace(hour=14, minute=0, second=0, microsecond=0)


@pytest.fixture
def client_id(services: Services) -> int:
    c = services.clients.create(Client(code="2026-014", name="张小明"))
    services.clients.create(Client(code="2026-015", name="Emily Chen"))
    assert c.id
    return c.id


def book(services: Services, client_id: int, start: datetime) -> int:
    a = services.appointments.create(Appointment(client_id, start, start + timedelta(minutes=50)))
    assert a.id
    return a.id


@pytest.fixture
def history(services: Services, client_id: int) -> list[int]:
    ids = [book(services, client_id, BASE + timedelta(weeks=i)) for i in range(4)]
    ap = services.appointments
    ap.record_attendance(ids[0], "attended", BASE, BASE + timedelta(minutes=50))
    start = BASE + timedelta(weeks=1, minutes=12)
    ap.record_attendance(ids[1], "attended", start, start + timedelta(minutes=38), "client")  # 12 min late
    ap.record_attendance(ids[2], "no_show")
    ap.cancel(ids[3], "client")
    ids.append(book(services, client_id, datetime.now().replace(second=0, microsecond=0) + timedelta(days=3)))
    return ids


@pytest.fixture
def tab(qtbot, services: Services, client_id: int, history: list[int]) -> ClientAppointmentsTab:  # type: ignore[no-untyped-def]
    t = ClientAppointmentsTab(services, client_id)
    qtbot.addWidget(t)
    t.resize(1000, 450)
    with qtbot.waitExposed(t):
        t.show()
    return t


def column(tab: ClientAppointmentsTab, c: int) -> list[str]:
    return [str(tab.model.index(r, c).data()) for r in range(tab.model.rowCount())]


def test_figures_and_list(tab: ClientAppointmentsTab) -> None:
    assert [tab.figure(k) for k in ("planned", "attended", "late", "no_show", "cancelled_client",
                                    "cancelled_counselor", "attendance_rate", "on_time_rate",
                                    "average_minutes_late")] == ["4", "1", "1", "1", "1", "0", "67%", "50%", "12 min"]
    assert column(tab, 3) == ["Scheduled", "Cancelled by client", "No-show", "Late (12 min)", "Attended"]
    assert column(tab, 0)[-1] == BASE.strftime("%Y-%m-%d")  # newest first
    assert column(tab, 4)[-2] == f"{BASE:%H}:12–{BASE:%H}:50"


def test_book_and_record_from_the_tab(qtbot, tab: ClientAppointmentsTab, services: Services,  # type: ignore[no-untyped-def]
                                      client_id: int, history: list[int]) -> None:
    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, AppointmentDialog)
        assert dialog.client.currentData() == client_id  # this client, chosen already
        type_time(qtbot, dialog.start, "0800")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    problems = when_modal(fill)
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    assert not problems
    assert len(services.appointments.for_client(client_id)) == 6
    assert tab.model.rowCount() == 6

    # The no-show was a mistake: the client came, three minutes late (which is on time).
    tab.table.setFocus()
    tab.table.selectRow(column(tab, 3).index("No-show"))

    def record(dialog: QWidget) -> None:
        assert isinstance(dialog, AttendanceDialog)
        assert dialog.choices["no_show"].isChecked()
        qtbot.mouseClick(dialog.choices["attended"], Qt.MouseButton.LeftButton,
                         pos=QPoint(8, 8))
        type_time(qtbot, dialog.actual_start, f"{BASE:%H}03")
        assert dialog.hint.text() == ""  # three minutes is on time
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    problems = when_modal(record)
    qtbot.mouseClick(tab.attendance_button, Qt.MouseButton.LeftButton)
    assert not problems
    assert services.appointments.get(history[2]).attendance == "attended"
    assert tab.figure("attended") == "2" and tab.figure("no_show") == "0"
    assert tab.figure("attendance_rate") == "100%" and tab.figure("on_time_rate") == "67%"


def test_changes_elsewhere_and_chinese(qtbot, services: Services, client_id: int) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("zh_CN")
    t = ClientAppointmentsTab(services, client_id)
    qtbot.addWidget(t)
    t.show()
    assert t.figure("planned") == "0" and t.figure("attendance_rate") == "—"
    assert t.empty_label.isVisible() and t.empty_label.text() == "还没有预约。"
    start = datetime.combine(date.today() - timedelta(days=1), BASE.time())
    a = book(services, client_id, start)
    services.appointments.record_attendance(a, "attended", start + timedelta(minutes=20),
                                            start + timedelta(minutes=50), "client")
    qtbot.waitUntil(lambda: t.figure("late") == "1")
    assert column(t, 3) == ["迟到（20 分钟）"]
    assert t.figure("average_minutes_late") == "20 分钟"
    assert not t.empty_label.isVisible()
