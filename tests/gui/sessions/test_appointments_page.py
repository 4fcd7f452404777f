"""The appointment book: day and week views, navigation, booking through the dialog, moving, cancelling
(asked first, Cancel the default), recording attendance (late detected), the overlap warning, Chinese."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDateEdit, QMessageBox, QTimeEdit, QWidget

from counselroom import i18n
from counselroom.gui.sessions.appointment_dialog import AppointmentDialog
from counselroom.gui.sessions.appointments_page import AppointmentsPage
from counselroom.gui.sessions.attendance_dialog import AttendanceDialog
from counselroom.records.appointments import Appointment
from counselroom.records.clients import Client
from counselroom.records.services import Services

from ..conftest import commit_text
from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..helpers import when_modal

MONDAY = date(2030, 3, 4)




def reactivate(qtbot, widget: QWidget) -> None:  # type: ignore[no-untyped-def]
    """The window manager gives the window back its focus when a dialog closes; offscreen, the test does."""
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)


def type_date(qtbot, edit: QDateEdit, digits: str) -> None:  # type: ignore[no-untyped-def]
    edit.setFocus()
    edit.setSelectedSection(QDateEdit.Section.YearSection)
    qtbot.keyClicks(edit, digits)


def type_time(qtbot, edit: QTimeEdit, digits: str) -> None:  # type: ignore[no-untyped-def]
    edit.setFocus()
    edit.setSelectedSection(QTimeEdit.Section.HourSection)
    qtbot.keyClicks(edit, digits)


def click(qtbot, widget: QWidget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


@pytest.fixture
def clients(services: Services) -> dict[str, int]:
    ids = {}
    for code, name in (("2026-014", "张小明"), ("2026-015", "Emily Chen"), ("P-7", "")):
        c = services.clients.create(Client(code=code, name=name))
        assert c.id is not None
        ids[code] = c.id
    return ids


def book(services: Services, client_id: int, day: date, hour: int, minute: int = 0, minutes: int = 50,
         **kw: object) -> int:
    start = datetime.combine(day, time(hour, minute))
    a = services.appointments.create(Appointment(client_id, start, start + timedelta(minutes=minutes), **kw))  # type: ignore[arg-type]
    assert a.id is not None
    return a.id


@pytest.fixture
def page(qtbot, services: Services, clients: dict[str, int]) -> AppointmentsPage:  # type: ignore[no-untyped-def]
    p = AppointmentsPage(services)
    qtbot.addWidget(p)
    p.resize(1000, 500)
    with qtbot.waitExposed(p):
        p.show()
    return p


def go_to(qtbot, page: AppointmentsPage, day: date) -> None:  # type: ignore[no-untyped-def]
    type_date(qtbot, page.date_picker, day.strftime("%Y%m%d"))
    assert page.current_date == day


def column(page: AppointmentsPage, header: str) -> list[str]:
    headers = [str(page.model.headerData(c, Qt.Orientation.Horizontal)) for c in range(page.model.columnCount())]
    c = headers.index(header)
    return [str(page.model.index(r, c).data()) for r in range(page.model.rowCount())]


def select_row_of(qtbot, page: AppointmentsPage, client_name: str) -> None:  # type: ignore[no-untyped-def]
    row = column(page, "Client").index(client_name)
    rect = page.table.visualRect(page.model.index(row, 1))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.table.selected_id() is not None


def test_day_and_week_views_with_navigation(qtbot, page: AppointmentsPage, services: Services,  # type: ignore[no-untyped-def]
                                            clients: dict[str, int]) -> None:
    book(services, clients["2026-014"], MONDAY, 9, kind="first")
    book(services, clients["2026-015"], MONDAY, 14)
    book(services, clients["P-7"], MONDAY + timedelta(days=2), 10, kind="test")
    book(services, clients["P-7"], MONDAY + timedelta(days=7), 10)  # next week
    go_to(qtbot, page, MONDAY)
    assert page.visible_rows() == [
        ["09:00–09:50", "张小明", "First session", "Scheduled", "", ""],
        ["14:00–14:50", "Emily Chen", "Follow-up", "Scheduled", "", ""]]
    assert page.title.text() == "Monday 4 March 2030"
    assert page.count_label.text() == "2 appointments"

    click(qtbot, page.next_button)
    assert page.current_date == MONDAY + timedelta(days=1)
    assert page.visible_rows() == []
    assert page.empty_label.isVisible() and page.empty_label.text() == "No appointments on this day."

    click(qtbot, page.week_button)
    assert page.title.text() == "Week of 4 March 2030 to 10 March 2030"
    assert column(page, "Client") == ["张小明", "Emily Chen", "P-7"]
    assert column(page, "Day") == ["Mon 4 Mar", "Mon 4 Mar", "Wed 6 Mar"]
    assert not page.table.isColumnHidden(0)

    click(qtbot, page.next_button)  # a week on
    assert page.date_picker.date().toPython() == MONDAY + timedelta(days=8)
    assert column(page, "Client") == ["P-7"]
    click(qtbot, page.previous_button)
    assert len(column(page, "Client")) == 3

    click(qtbot, page.day_button)
    assert page.table.isColumnHidden(0)
    click(qtbot, page.today_button)
    assert page.current_date == date.today()
    assert page.title.text().endswith("(today)")


def test_book_through_the_dialog_with_ctrl_n(qtbot, page: AppointmentsPage, services: Services,  # type: ignore[no-untyped-def]
                                            clients: dict[str, int]) -> None:
    go_to(qtbot, page, MONDAY)
    seen: dict[str, object] = {}

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, AppointmentDialog)
        assert dialog.focusWidget() is dialog.client_search
        assert dialog.date.date().toPython() == MONDAY  # the day on the page
        qtbot.keyClicks(dialog.client_search, "ec")  # pinyin-style initials of Emily Chen
        assert dialog.client.currentText() == "Emily Chen (2026-015)"
        dialog.kind.setFocus()
        qtbot.keyClick(dialog.kind, Qt.Key.Key_Home)  # "First session"
        type_time(qtbot, dialog.start, "1030")
        seen["end"] = dialog.end.time().toString("HH:mm")  # the end follows, keeping 50 minutes
        qtbot.keyClicks(dialog.location, "Room 2")
        qtbot.keyClick(dialog.location, Qt.Key.Key_Return)  # Save is the default button

    problems = when_modal(fill)
    page.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert not problems
    assert seen["end"] == "11:20"
    [a] = services.appointments.day(MONDAY)
    assert (a.client_id, a.kind, a.planned_start, a.planned_end, a.location) == (
        clients["2026-015"], "first", datetime(2030, 3, 4, 10, 30), datetime(2030, 3, 4, 11, 20), "Room 2")
    assert page.visible_rows() == [["10:30–11:20", "Emily Chen", "First session", "Scheduled", "", "Room 2"]]
    assert page.table.selected_id() == a.id


def test_validation_is_shown_next_to_the_field(qtbot, services: Services,  # type: ignore[no-untyped-def]
                                               clients: dict[str, int]) -> None:
    dialog = AppointmentDialog(services, day=MONDAY)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.client_search, "nobody at all")
    assert dialog.client.currentText() == "No client matches"
    type_time(qtbot, dialog.start, "1000")
    type_time(qtbot, dialog.end, "0930")
    click(qtbot, dialog.save_button)
    assert dialog.isVisible()
    assert dialog.errors["client_id"].isVisible() and dialog.errors["client_id"].text() == "Choose a client."
    assert dialog.errors["planned_end"].text() == "The appointment must end after it starts."
    assert dialog.focusWidget() is dialog.client_search
    assert services.appointments.day(MONDAY) == []


def test_move_by_editing_date_and_time(qtbot, page: AppointmentsPage, services: Services,  # type: ignore[no-untyped-def]
                                       clients: dict[str, int]) -> None:
    appointment_id = book(services, clients["P-7"], MONDAY, 9)
    go_to(qtbot, page, MONDAY)
    select_row_of(qtbot, page, "P-7")

    def move(dialog: QWidget) -> None:
        assert isinstance(dialog, AppointmentDialog)
        assert dialog.focusWidget() is dialog.date  # Ctrl+M opens it at the date
        type_date(qtbot, dialog.date, "20300305")
        type_time(qtbot, dialog.start, "1500")
        click(qtbot, dialog.save_button)

    problems = when_modal(move)
    qtbot.keyClick(page.table, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert not problems
    a = services.appointments.get(appointment_id)
    assert (a.planned_start, a.planned_end) == (datetime(2030, 3, 5, 15), datetime(2030, 3, 5, 15, 50))
    assert [e.kind for e in services.audit.entries(limit=1)] == ["appointment.moved"]
    assert page.current_date == date(2030, 3, 5)  # the page follows the appointment
    assert page.visible_rows()[0][:2] == ["15:00–15:50", "P-7"]


def test_cancel_asks_first_and_cancel_is_the_default(qtbot, page: AppointmentsPage,  # type: ignore[no-untyped-def]
                                                     services: Services, clients: dict[str, int]) -> None:
    appointment_id = book(services, clients["2026-014"], MONDAY, 9)
    go_to(qtbot, page, MONDAY)
    select_row_of(qtbot, page, "张小明")
    assert page.cancel_button.isEnabled()

    def press_enter(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        assert box.defaultButton().text() == "Cancel"
        assert "张小明" in box.text() and "cancelled by the client" in box.text()
        qtbot.keyClick(box, Qt.Key.Key_Return)

    problems = when_modal(press_enter)
    page.cancel_by_client.trigger()
    assert not problems
    assert services.appointments.get(appointment_id).attendance == "scheduled"

    def choose_it(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        [action] = [b for b in box.buttons() if b.text() == "Mark cancelled by counselor"]
        click(qtbot, action)

    problems = when_modal(choose_it)
    page.cancel_by_counselor.trigger()
    assert not problems
    assert services.appointments.get(appointment_id).attendance == "cancelled_counselor"
    assert column(page, "Attendance") == ["Cancelled by counselor"]
    assert page.count_label.text() == "0 appointments"
    assert not page.cancel_button.isEnabled()  # nothing left to cancel
    click(qtbot, page.show_cancelled)
    assert page.visible_rows() == []


def test_record_attendance_detects_late(qtbot, page: AppointmentsPage, services: Services,  # type: ignore[no-untyped-def]
                                        clients: dict[str, int]) -> None:
    appointment_id = book(services, clients["2026-015"], MONDAY, 9)
    go_to(qtbot, page, MONDAY)
    select_row_of(qtbot, page, "Emily Chen")
    seen: dict[str, str] = {}

    def record(dialog: QWidget) -> None:
        assert isinstance(dialog, AttendanceDialog)
        assert dialog.choices["attended"].isChecked()
        assert dialog.actual_start.time().toString("HH:mm") == "09:00"  # the planned times by default
        assert dialog.actual_end.time().toString("HH:mm") == "09:50"
        type_time(qtbot, dialog.actual_start, "0912")
        seen["hint"] = dialog.hint.text()
        click(qtbot, dialog.save_button)  # refused: who was late? (issue 12.9)
        seen["refused"] = dialog.errors["late_party"].text()
        dialog.late_by.setCurrentIndex(dialog.late_by.findData("client"))
        click(qtbot, dialog.save_button)

    problems = when_modal(record)
    click(qtbot, page.attendance_button)
    assert not problems
    assert seen["hint"].startswith("Started 12 min after the planned time: say who was late.")
    assert "say who was late" in seen["refused"]
    a = services.appointments.get(appointment_id)
    assert (a.attendance, a.actual_start, a.actual_end) == ("late", datetime(2030, 3, 4, 9, 12),
                                                            datetime(2030, 3, 4, 9, 50))
    assert page.visible_rows() == [["09:00–09:50", "Emily Chen", "Follow-up", "Late (12 min)", "09:12–09:50", ""]]

    def no_show(dialog: QWidget) -> None:
        assert isinstance(dialog, AttendanceDialog)
        assert dialog.choices["late"].isChecked()
        radio = dialog.choices["no_show"]
        qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(radio.height() // 2, radio.height() // 2))
        assert not dialog.actual_start.isEnabled()
        click(qtbot, dialog.save_button)

    problems = when_modal(no_show)
    reactivate(qtbot, page)
    qtbot.keyClick(page.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert not problems
    assert services.appointments.get(appointment_id).attendance == "no_show"
    assert column(page, "Attendance") == ["No-show"]


def test_overlap_is_a_warning_with_go_back_as_default(qtbot, page: AppointmentsPage,  # type: ignore[no-untyped-def]
                                                     services: Services, clients: dict[str, int]) -> None:
    book(services, clients["2026-014"], MONDAY, 9)
    go_to(qtbot, page, MONDAY)
    outcome: dict[str, object] = {}

    def answer(choice: str) -> Callable[[QWidget], None]:
        def run(box: QWidget) -> None:
            assert isinstance(box, QMessageBox)
            assert box.defaultButton().text() == "Go back"
            outcome.setdefault("text", box.text())
            if choice == "enter":
                qtbot.keyClick(box, Qt.Key.Key_Return)
            else:
                click(qtbot, next(b for b in box.buttons() if b.text() == "Book anyway"))
        return run

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, AppointmentDialog)
        qtbot.keyClicks(dialog.client_search, "P-7")
        type_time(qtbot, dialog.start, "0930")
        inner = when_modal(answer("enter"), exclude=dialog)
        click(qtbot, dialog.save_button)
        outcome["first"] = (list(inner), dialog.isVisible(), len(services.appointments.day(MONDAY)))
        inner = when_modal(answer("book"), exclude=dialog)
        click(qtbot, dialog.save_button)
        outcome["second"] = list(inner)

    problems = when_modal(fill)
    click(qtbot, page.new_button)
    assert not problems
    assert outcome["first"] == ([], True, 1)  # Enter went back: still open, nothing booked
    assert outcome["second"] == []
    assert "09:00–09:50  张小明" in str(outcome["text"])
    assert column(page, "Client") == ["张小明", "P-7"]


def test_open_client_and_store_changes(qtbot, page: AppointmentsPage, services: Services,  # type: ignore[no-untyped-def]
                                       clients: dict[str, int]) -> None:
    go_to(qtbot, page, MONDAY)
    book(services, clients["2026-014"], MONDAY, 11)  # booked elsewhere: the page follows
    qtbot.waitUntil(lambda: column(page, "Client") == ["张小明"])
    select_row_of(qtbot, page, "张小明")
    with qtbot.waitSignal(page.open_client) as signal:
        qtbot.keyClick(page.table, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert signal.args == [clients["2026-014"]]
    listeners = len(services.store._listeners)
    page.shutdown()
    assert len(services.store._listeners) == listeners - 1
    assert page.model.rowCount() == 0


def test_chinese_and_client_found_by_chinese_name(qtbot, services: Services,  # type: ignore[no-untyped-def]
                                                  clients: dict[str, int]) -> None:
    i18n.set_language("zh_CN")
    book(services, clients["2026-014"], MONDAY, 9, kind="group")
    p = AppointmentsPage(services)
    qtbot.addWidget(p)
    p.show()
    go_to(qtbot, p, MONDAY)
    assert p.title.text() == "2030年3月4日 星期一"
    assert p.visible_rows() == [["09:00–09:50", "张小明", "团体辅导", "已预约", "", ""]]
    assert p.new_button.text() == "新建预约(&N)…"
    dialog = AppointmentDialog(services, day=MONDAY)
    qtbot.addWidget(dialog)
    dialog.show()
    commit_text(dialog.client_search, "小明")
    assert dialog.client.currentText() == "张小明 (2026-014)"
    assert dialog.client.count() == 1


def test_a_booking_a_year_in_the_past_is_questioned_with_go_back_as_default(  # type: ignore[no-untyped-def]
        qtbot, page: AppointmentsPage, services: Services, clients: dict[str, int]) -> None:
    """Issue 12.2: an appointment a year in the past was saved as booked without a word."""
    from PySide6.QtCore import QDate

    go_to(qtbot, page, MONDAY)
    seen: dict[str, object] = {}

    def answer(choice: str) -> Callable[[QWidget], None]:
        def run(box: QWidget) -> None:
            assert isinstance(box, QMessageBox)
            assert box.defaultButton().text() == "Go back"
            seen.setdefault("text", box.text())
            if choice == "enter":
                qtbot.keyClick(box, Qt.Key.Key_Return)
            else:
                click(qtbot, next(b for b in box.buttons() if b.text() == "Save anyway"))
        return run

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, AppointmentDialog)
        qtbot.keyClicks(dialog.client_search, "P-7")
        dialog.date.setDate(QDate.currentDate().addDays(-365))
        inner = when_modal(answer("enter"), exclude=dialog)
        click(qtbot, dialog.save_button)
        seen["first"] = (list(inner), dialog.isVisible(), len(services.appointments.for_client(clients["P-7"])))
        inner = when_modal(answer("save"), exclude=dialog)
        click(qtbot, dialog.save_button)
        seen["second"] = list(inner)

    problems = when_modal(fill)
    click(qtbot, page.new_button)
    assert not problems
    assert seen["first"] == ([], True, 0)  # Enter went back: still open, nothing saved
    assert "more than a month ago" in str(seen["text"]) and "still booked" in str(seen["text"])
    assert len(services.appointments.for_client(clients["P-7"])) == 1
