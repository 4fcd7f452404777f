"""The client list and the client page, driven as a counselor would: typing, clicking, keys."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)

from counselroom import i18n
from counselroom.gui.clients.client_form import ClientForm
from counselroom.gui.clients.client_page import ClientPage
from counselroom.gui.clients.clients_page import ClientsPage
from counselroom.records.clients import Client
from counselroom.records.services import Services

from ..conftest import commit_text
from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..helpers import when_modal


def add(services: Services, code: str, name: str = "", **values: object) -> Client:
    return services.clients.create(Client(code=code, name=name, **values))  # type: ignore[arg-type]


@pytest.fixture
def clients(services: Services) -> Services:
    add(services, "A-001", "张小明", status="active", risk_flag=True, date_of_birth=date(2001, 3, 4),
        school="心理学院", emergency_name="张伟", emergency_phone="13800000001")
    add(services, "A-002", "Emily Chen", status="intake", date_of_birth=date(1999, 1, 1))
    add(services, "B-003", "王芳", status="closed", date_of_birth=date(2004, 6, 1), gender="female")
    add(services, "C-004", status="referred")  # pseudonymous: a code alone
    gone = add(services, "Z-005", "李archived", status="active")
    services.clients.archive(gone.id or 0)
    return services


@pytest.fixture
def page(qtbot, clients: Services) -> ClientsPage:  # type: ignore[no-untyped-def]
    widget = ClientsPage(clients)
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    with qtbot.waitExposed(widget):
        widget.show()
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=2000)  # shortcuts act in the active window only
    return widget


def click_header(qtbot, page: ClientsPage, column: int) -> None:  # type: ignore[no-untyped-def]
    header = page.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def test_list_shows_clients_but_not_archived_ones(page: ClientsPage) -> None:
    assert page.visible_codes() == ["A-001", "A-002", "B-003", "C-004"]
    assert page.count_label.text() == "4 clients"


def test_risk_flagged_clients_are_marked(page: ClientsPage) -> None:
    row = page.visible_codes().index("A-001")
    risk_col = page.model.COLUMNS.index("risk_flag")
    assert page.model.index(row, risk_col).data() == "Risk flag"
    assert page.model.index(row, 0).data(Qt.ItemDataRole.ForegroundRole) is not None
    other = page.visible_codes().index("A-002")
    assert page.model.index(other, risk_col).data() == ""


def test_sorting_by_clicking_column_headers(qtbot, page: ClientsPage) -> None:  # type: ignore[no-untyped-def]
    emily = page.services.clients.list(query="A-002")[0].id or 0
    page.select_client(emily)
    age = page.model.COLUMNS.index("age")
    click_header(qtbot, page, age)
    ages = [page.model.index(r, age).data() for r in range(page.model.rowCount())]
    # The pseudonymous client has no age and sorts first; then youngest to oldest.
    assert ages[0] == ""
    assert [int(a) for a in ages[1:]] == sorted(int(a) for a in ages[1:])
    click_header(qtbot, page, age)
    ages_desc = [page.model.index(r, age).data() for r in range(page.model.rowCount())]
    assert ages_desc == list(reversed(ages))
    click_header(qtbot, page, page.model.COLUMNS.index("name"))
    assert page.model.index(0, 1).data() == ""  # no name first
    assert page.model.index(1, 1).data() == "Emily Chen"
    assert page.selected_client_id() == emily  # the selection follows the client through each sort
    page.refresh()
    assert page.model.index(1, 1).data() == "Emily Chen"  # a refresh keeps the chosen sort


def test_status_filter_and_show_archived(qtbot, page: ClientsPage) -> None:  # type: ignore[no-untyped-def]
    page.status_filter.setFocus()
    page.status_filter.setCurrentIndex(page.status_filter.findData("active"))
    assert page.visible_codes() == ["A-001"]
    page.status_filter.setCurrentIndex(page.status_filter.findData("closed"))
    assert page.visible_codes() == ["B-003"]
    page.status_filter.setCurrentIndex(page.status_filter.findData("active"))
    qtbot.mouseClick(page.show_archived, Qt.MouseButton.LeftButton)
    assert page.visible_codes() == ["A-001", "Z-005"]
    status_col = page.model.COLUMNS.index("status")
    assert page.model.index(1, status_col).data() == "Active (archived)"
    page.status_filter.setCurrentIndex(0)
    assert len(page.visible_codes()) == 5


@pytest.mark.parametrize(("typed", "expected"), [
    ("zxm", ["A-001"]),            # pinyin initials of 张小明
    ("zhangxiao", ["A-001"]),      # full pinyin
    ("emily", ["A-002"]),          # English name, any case
    ("B-00", ["B-003"]),           # code
    ("c-004", ["C-004"]),          # a pseudonymous client by code
    ("nobody", []),
])
def test_search_filters_as_you_type(qtbot, page: ClientsPage, typed: str,  # type: ignore[no-untyped-def]
                                    expected: list[str]) -> None:
    qtbot.keyClicks(page.search, typed)
    qtbot.waitUntil(lambda: page.visible_codes() == expected, timeout=2000)
    if not expected:
        assert page.empty_label.isVisible()
        assert page.empty_label.text() == "No client matches the search or filter."


def test_search_waits_for_a_pause_in_typing(qtbot, page: ClientsPage) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(page.search, "wang")
    assert len(page.visible_codes()) == 4  # not yet: the search runs after ~200 ms of quiet
    qtbot.waitUntil(lambda: page.visible_codes() == ["B-003"], timeout=2000)


def test_search_in_chinese_through_the_input_method(qtbot, page: ClientsPage) -> None:  # type: ignore[no-untyped-def]
    commit_text(page.search, "王芳")
    assert page.search.text() == "王芳"
    qtbot.waitUntil(lambda: page.visible_codes() == ["B-003"], timeout=2000)


def test_enter_and_double_click_open_the_client_page(qtbot, page: ClientsPage) -> None:  # type: ignore[no-untyped-def]
    emily = page.services.clients.list(query="A-002")[0].id or 0
    page.table.setFocus()
    page.select_client(emily)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert isinstance(page.stack.currentWidget(), ClientPage)
    assert page.client_page is not None and page.client_page.code_label.text() == "A-002"

    qtbot.mouseClick(page.client_page.back_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.list_widget
    assert page.selected_client_id() == emily

    row = page.visible_codes().index("B-003")
    rect = page.table.visualRect(page.model.index(row, 1))
    # A real double-click is press, release, double-click: QTest's mouseDClick sends only the last.
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.client_page is not None and page.client_page.code_label.text() == "B-003"
    qtbot.keyClick(page.client_page, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert page.stack.currentWidget() is page.list_widget


def test_search_then_enter_opens_the_only_match(qtbot, page: ClientsPage) -> None:  # type: ignore[no-untyped-def]
    page.search.setFocus()
    qtbot.keyClicks(page.search, "zxm")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert page.client_page is not None and page.client_page.code_label.text() == "A-001"


def test_client_page_header_and_overview(qtbot, page: ClientsPage) -> None:  # type: ignore[no-untyped-def]
    client = page.services.clients.list(query="A-001")[0]
    page.open_client(client.id or 0)
    cp = page.client_page
    assert cp is not None
    assert cp.code_label.text() == "A-001"
    assert cp.name_label.text() == "张小明"
    assert cp.age_label.text() == f"{client.age()} years old"
    assert cp.status_badge.text() == "Active"
    assert cp.risk_badge.isVisible() and cp.risk_badge.text() == "Risk flag"
    assert cp.tabs.tabText(0) == "Overview"
    assert cp.values["emergency_name"].text() == "张伟"
    assert cp.values["emergency_phone"].text() == "13800000001"
    assert cp.values["school"].text() == "心理学院"

    page.show_list()
    other = page.services.clients.list(query="C-004")[0]
    page.open_client(other.id or 0)
    cp = page.client_page
    assert cp is not None and not cp.risk_badge.isVisible()
    assert not cp.name_label.isVisible()  # pseudonymous: the code alone
    assert cp.values["date_of_birth"].text() == "Not recorded"


def test_client_page_in_chinese_shows_the_risk_badge_as_zhongdian_guanzhu(  # type: ignore[no-untyped-def]
        qtbot, clients: Services) -> None:
    i18n.set_language("zh_CN")
    try:
        client = clients.clients.list(query="A-001")[0]
        cp = ClientPage(clients, client.id or 0)
        qtbot.addWidget(cp)
        assert cp.risk_badge.text() == "重点关注"
        assert cp.status_badge.text() == "咨询中"
        assert cp.tabs.tabText(0) == "概况"
    finally:
        i18n.set_language("en")


def test_untrusted_text_is_shown_as_plain_text(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    client = add(services, "X-1", "<b>Bold</b> <img src=x>", notes="<a href='http://x'>link</a>")
    cp = ClientPage(services, client.id or 0)
    qtbot.addWidget(cp)
    for label in cp.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    assert cp.name_label.text() == "<b>Bold</b> <img src=x>"


def test_new_client_with_ctrl_n_appears_in_the_list(qtbot, page: ClientsPage) -> None:  # type: ignore[no-untyped-def]
    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, ClientForm)
        qtbot.keyClicks(dialog.edits["code"], "N-100")
        qtbot.keyClicks(dialog.edits["name"], "Olivia Hall")
        qtbot.keyClick(dialog.edits["name"], Qt.Key.Key_Return)  # Save is the default button

    page.table.setFocus()
    when_modal(fill)
    qtbot.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    # Saving opens the new client's page; going back shows it in the list, selected.
    assert page.client_page is not None and page.client_page.code_label.text() == "N-100"
    page.show_list()
    assert "N-100" in page.visible_codes()
    assert page.selected_client_id() == page.services.clients.list(query="N-100")[0].id


def test_list_follows_changes_made_elsewhere(qtbot, page: ClientsPage) -> None:  # type: ignore[no-untyped-def]
    add(page.services, "D-006", "Later Added")
    qtbot.waitUntil(lambda: "D-006" in page.visible_codes(), timeout=2000)


def test_destroyed_page_stops_listening(qtbot, clients: Services) -> None:  # type: ignore[no-untyped-def]
    widget = ClientsPage(clients)
    widget.open_client(clients.clients.list()[0].id or 0)
    widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
    # A change after the page is gone must not reach a deleted widget.
    add(clients, "E-007", "After Lock")
    QApplication.processEvents()


def test_shutdown_drops_every_row(qtbot, page: ClientsPage) -> None:  # type: ignore[no-untyped-def]
    page.open_client(page.services.clients.list()[0].id or 0)
    page.shutdown()
    assert page.model.rowCount() == 0
    assert page.client_page is None
    add(page.services, "F-008", "After shutdown")
    QApplication.processEvents()
    assert page.model.rowCount() == 0


def test_archive_asks_first_and_cancel_is_the_default(qtbot, page: ClientsPage) -> None:  # type: ignore[no-untyped-def]
    client = page.services.clients.list(query="A-002")[0]
    page.open_client(client.id or 0)
    cp = page.client_page
    assert cp is not None
    seen: dict[str, object] = {}

    def press_enter(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        seen["default"] = box.defaultButton().text()
        seen["text"] = box.text()
        qtbot.keyClick(box, Qt.Key.Key_Return)  # a hurried Enter

    when_modal(press_enter)
    qtbot.mouseClick(cp.archive_button, Qt.MouseButton.LeftButton)
    assert seen["default"] == "Cancel"
    assert "A-002 Emily Chen" in str(seen["text"])
    assert page.services.clients.get(client.id or 0).archived_at is None

    def choose_archive(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        archive = next(b for b in box.buttons() if b.text() == "Archive")
        qtbot.mouseClick(archive, Qt.MouseButton.LeftButton)

    when_modal(choose_archive)
    qtbot.mouseClick(cp.archive_button, Qt.MouseButton.LeftButton)
    assert page.services.clients.get(client.id or 0).archived_at is not None
    assert cp.archived_banner.isVisible() and cp.unarchive_button.isVisible()
    assert not cp.archive_button.isVisible()

    qtbot.mouseClick(cp.back_button, Qt.MouseButton.LeftButton)
    assert "A-002" not in page.visible_codes()

    page.open_client(client.id or 0)
    assert page.client_page is not None
    qtbot.mouseClick(page.client_page.unarchive_button, Qt.MouseButton.LeftButton)
    assert page.services.clients.get(client.id or 0).archived_at is None
    page.show_list()
    assert "A-002" in page.visible_codes()


def test_every_input_has_an_accessible_name(qtbot, page: ClientsPage) -> None:  # type: ignore[no-untyped-def]
    page.open_client(page.services.clients.list()[0].id or 0)
    form = ClientForm(page.services)
    qtbot.addWidget(form)
    for root in (page, form):
        for kind in (QLineEdit, QComboBox, QCheckBox, QDateEdit, QPlainTextEdit):
            for widget in root.findChildren(kind):
                if isinstance(widget, QLineEdit) and isinstance(widget.parent(), (QComboBox, QDateEdit)):
                    continue  # the editor inside a combo or date edit, named by its owner
                assert widget.accessibleName(), f"{kind.__name__} without an accessible name"


def test_locking_with_the_form_open_closes_it_unsaved(qtbot, page: ClientsPage) -> None:  # type: ignore[no-untyped-def]
    count = page.services.clients.count()

    def lock_while_typing(dialog: QWidget) -> None:
        assert isinstance(dialog, ClientForm)
        qtbot.keyClicks(dialog.edits["code"], "HALF-TYPED")
        page.shutdown()  # what the window does on idle lock
        assert not dialog.isVisible()

    when_modal(lock_while_typing)
    page.new_client()
    assert page.services.clients.count() == count
    assert page.model.rowCount() == 0 and page.client_page is None


def test_focus_goes_to_search_or_the_open_client(qtbot, page: ClientsPage) -> None:  # type: ignore[no-untyped-def]
    page.status_filter.setFocus()
    page.setFocus()
    assert page.search.hasFocus()
    page.open_client(page.services.clients.list()[0].id or 0)
    assert page.client_page is not None
    page.setFocus()
    assert page.client_page.back_button.hasFocus()


def test_tabs_added_by_later_parts_are_shut_down_with_the_page(qtbot, page: ClientsPage) -> None:  # type: ignore[no-untyped-def]
    page.open_client(page.services.clients.list()[0].id or 0)
    cp = page.client_page
    assert cp is not None
    stopped: list[str] = []

    class Tab(QWidget):
        def shutdown(self) -> None:
            stopped.append("tab")

    assert cp.add_tab(Tab(), "Later") == cp.tabs.count() - 1
    page.shutdown()
    assert stopped == ["tab"]
