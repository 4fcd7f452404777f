"""A long name never makes the window wider than the room's 1366x768 screen (issue 13): the client's header
elides it with the whole name in the tooltip, the form says how long a pasted name is instead of cutting it,
and the birth-date row keeps its place when the age appears."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication

from counselroom.gui.clients.client_form import NAME_MAX, ClientForm
from counselroom.gui.clients.clients_page import ClientsPage
from counselroom.gui.common.elided import ElidedLabel
from counselroom.records.clients import Client
from counselroom.records.services import Services

SCREEN = (1366, 768)
LONG_NAME = "欧阳" * 50  # 100 characters: what the records keep, about 2,000 px in the header's font


def test_a_long_name_is_elided_and_the_window_stays_on_screen(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    assert len(LONG_NAME) == NAME_MAX
    client = services.clients.create(Client(code="L-001", name=LONG_NAME, status="active"))
    page = ClientsPage(services)
    qtbot.addWidget(page)
    page.resize(*SCREEN)
    page.show()
    qtbot.waitExposed(page)
    page.open_client(client.id or 0)
    QApplication.processEvents()
    cp = page.client_page
    assert cp is not None
    assert page.minimumSizeHint().width() < SCREEN[0] - 200, "the page forces the window wider than the screen"
    assert page.width() == SCREEN[0]
    label = cp.name_label
    assert isinstance(label, ElidedLabel) and label.text() == LONG_NAME
    assert label.is_elided() and label.shown_text().endswith("…")
    assert label.toolTip() == LONG_NAME and label.accessibleDescription() == LONG_NAME
    for button in (cp.archive_button, cp.edit_button, cp.export_button):  # every button on screen
        right = button.mapTo(page, button.rect().topRight()).x()
        assert 0 < right <= page.width()
    for index in range(cp.tabs.count()):  # no tab forces it either
        cp.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        assert page.minimumSizeHint().width() <= SCREEN[0] - 200, cp.tabs.tabText(index)
    page.show_list()
    QApplication.processEvents()
    assert page.minimumSizeHint().width() < SCREEN[0] - 200
    # in the list, the name's column stays narrow enough for the others; the name is whole in its tooltip
    name_column = page.model.COLUMNS.index("name")
    assert page.table.columnWidth(name_column) <= page.fontMetrics().averageCharWidth() * 40
    row = page.model.row_of(client.id or 0)
    tip = page.model.index(row, name_column).data(Qt.ItemDataRole.ToolTipRole)
    assert tip is not None and LONG_NAME in tip
    school = page.model.COLUMNS.index("school")
    assert page.table.columnViewportPosition(school) + page.table.columnWidth(school) < SCREEN[0]


def test_a_short_name_is_shown_whole_without_a_tooltip(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    client = services.clients.create(Client(code="S-001", name="王芳"))
    page = ClientsPage(services)
    qtbot.addWidget(page)
    page.resize(*SCREEN)
    page.show()
    page.open_client(client.id or 0)
    QApplication.processEvents()
    assert page.client_page is not None
    label = page.client_page.name_label
    assert isinstance(label, ElidedLabel)
    assert not label.is_elided() and label.toolTip() == ""


def test_a_pasted_name_too_long_is_kept_and_the_form_says_so(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    form = ClientForm(services)
    qtbot.addWidget(form)
    form.show()
    pasted = "张" * 330
    form.edits["name"].setText(pasted)
    assert form.edits["name"].text() == pasted  # not cut without a word
    error = form.errors["name"]
    assert error.isVisible() and "330" in error.text() and str(NAME_MAX) in error.text()
    form.edits["code"].setText("P-001")
    form.save()
    assert form.saved is None and error.isVisible()  # refused, next to the field
    form.edits["name"].setText(pasted[:NAME_MAX])
    assert not error.isVisible()
    form.save()
    assert form.saved is not None and form.saved.name == "张" * NAME_MAX


def test_the_birth_date_row_keeps_its_place_when_the_age_appears(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    form = ClientForm(services)
    qtbot.addWidget(form)
    form.show()
    QApplication.processEvents()
    row = form.dob.parentWidget()
    assert row is not None
    name = form.edits["name"]

    def where() -> tuple[object, ...]:
        return row.mapTo(form, row.rect().topLeft()), row.height(), name.mapTo(form, name.rect().topLeft())

    before = where()
    form.dob_known.setChecked(True)
    form.dob.setDate(QDate(2012, 3, 15))  # a minor: the longest age text
    QApplication.processEvents()
    assert form.age_label.text()
    assert where() == before
