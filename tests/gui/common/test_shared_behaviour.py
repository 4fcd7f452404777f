"""What every page gets from the shared code (issue 13): errors that go away at the next edit, a mouse
wheel that scrolls the page instead of changing an unfocused box, date and time boxes that take typing,
tables where no column takes everything, one icon family on dialog buttons, read-only fields that look
read-only, and the platform's Chinese UI font."""

from __future__ import annotations

from PySide6.QtCore import QDate, QPoint, QPointF, Qt, QTime
from PySide6.QtGui import QStandardItem, QStandardItemModel, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from counselroom.gui.common.date_time import date_edit, time_edit
from counselroom.gui.common.icons import SECTION_ICONS, icon
from counselroom.gui.common.widgets import RecordTable, message_label, set_message
from counselroom.gui.shell.application import ui_font

from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..helpers import when_modal


def _form(qtbot):  # type: ignore[no-untyped-def]
    form = QWidget()
    layout = QVBoxLayout(form)
    name, tick, message = QLineEdit(), QCheckBox("Explained"), message_label()
    for w in (name, tick, message):
        layout.addWidget(w)
    qtbot.addWidget(form)
    form.show()
    return form, name, tick, message


def test_an_error_goes_away_at_the_next_edit_and_a_notice_stays(qtbot) -> None:  # type: ignore[no-untyped-def]
    _form_widget, name, tick, message = _form(qtbot)
    set_message(message, "Give the client's code.")
    assert message.isVisible()
    name.setText("programmatic")  # a page filling its fields is not the counselor fixing the problem
    assert message.isVisible()
    QTest.keyClicks(name, "C")
    assert not message.isVisible() and message.text() == ""

    set_message(message, "Tick every item.")
    tick.click()
    assert not message.isVisible()

    set_message(message, "Saved.", "ok")
    QTest.keyClicks(name, "x")
    tick.click()
    assert message.isVisible() and message.text() == "Saved."


def test_the_wheel_scrolls_the_page_over_an_unfocused_spin_box(qtbot) -> None:  # type: ignore[no-untyped-def]
    area = QScrollArea()
    page = QWidget()
    layout = QVBoxLayout(page)
    first = QLineEdit()
    layout.addWidget(first)
    layout.addSpacing(1500)
    spin = QSpinBox()
    spin.setRange(1, 52)
    spin.setValue(4)
    layout.addWidget(spin)
    layout.addSpacing(1500)
    area.setWidget(page)
    area.resize(300, 300)
    qtbot.addWidget(area)
    area.show()
    area.activateWindow()
    first.setFocus()
    area.verticalScrollBar().setValue(1400)
    QApplication.processEvents()
    assert not spin.hasFocus()
    assert spin.focusPolicy() == Qt.FocusPolicy.StrongFocus, "a wheel turn would give it the focus first"
    before = area.verticalScrollBar().value()

    def wheel(delta: int) -> None:
        centre = QPointF(spin.rect().center())
        event = QWheelEvent(centre, QPointF(spin.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, delta),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                            False)
        QApplication.sendEvent(spin, event)

    wheel(-120)
    assert spin.value() == 4, "the wheel changed a box the counselor was only scrolling past"
    assert area.verticalScrollBar().value() > before, "the page did not scroll"

    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    wheel(120)
    assert spin.value() == 5, "a focused box follows the wheel"


def test_typing_a_date_or_a_time_replaces_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    form = QWidget()
    layout = QVBoxLayout(form)
    other, day, hour = QLineEdit(), date_edit(QDate(2008, 1, 1)), time_edit(QTime(9, 0))
    for w in (other, day, hour):
        layout.addWidget(w)
    qtbot.addWidget(form)
    form.show()
    form.activateWindow()

    def type_into(box, text: str) -> None:  # type: ignore[no-untyped-def]
        other.setFocus()
        inner = box.findChild(QLineEdit)
        QTest.mouseClick(inner, Qt.MouseButton.LeftButton, pos=inner.rect().center())  # mid-text, as a click lands
        box.setFocus()
        QTest.keyClicks(box, text)

    for typed, expected in (("2012-03-15", QDate(2012, 3, 15)), ("2012-3-5", QDate(2012, 3, 5)),
                            ("20120315", QDate(2012, 3, 15)), ("1999/12/31", QDate(1999, 12, 31))):
        day.setDate(QDate(2008, 1, 1))
        type_into(day, typed)
        assert day.date() == expected, (typed, day.text())
    for typed, expected in (("14", QTime(14, 0)), ("14:30", QTime(14, 30)), ("930", QTime(9, 30))):
        hour.setTime(QTime(9, 0))
        type_into(hour, typed)
        assert hour.time() == expected, (typed, hour.text())


def test_no_column_takes_the_table_and_a_cut_cell_has_its_text_as_tooltip(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = QStandardItemModel(0, 3)
    model.setHorizontalHeaderLabels(["Date", "Summary", "Counselor"])
    model.appendRow([QStandardItem("2026-12-04"), QStandardItem("long summary " * 60), QStandardItem("Lin")])
    table = RecordTable("notes")
    table.setModel(model)
    table.resize(900, 300)
    qtbot.addWidget(table)
    table.show()
    QApplication.processEvents()
    header = table.horizontalHeader()
    assert header.sectionSize(1) <= RecordTable.MAX_COLUMN_WIDTH
    assert header.sectionSize(0) >= table.fontMetrics().horizontalAdvance("2026-12-04")
    assert header.sectionViewportPosition(2) + 40 < table.viewport().width(), "the last column is visible"


def test_one_icon_family_on_dialog_buttons_and_in_the_navigation(qtbot) -> None:  # type: ignore[no-untyped-def]
    assert QApplication.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton).pixmap(16, 16).toImage() \
        == icon("save").pixmap(16, 16).toImage()
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    save = box.button(QDialogButtonBox.StandardButton.Save)
    assert save is not None and not save.icon().isNull()
    assert save.icon().pixmap(16, 16).toImage() == icon("save").pixmap(16, 16).toImage()
    from counselroom.gui.shell.main_window import SECTIONS

    assert {key for key, _label, _keys in SECTIONS} <= set(SECTION_ICONS), "a section without its icon"
    for name in SECTION_ICONS.values():
        assert not icon(name).isNull(), name
        assert not icon(name).pixmap(24, 24).isNull(), name


def test_read_only_fields_look_read_only(qtbot) -> None:  # type: ignore[no-untyped-def]
    form = QWidget()
    layout = QVBoxLayout(form)
    editable, fixed = QLineEdit("C-001"), QLineEdit("C-001")
    fixed.setReadOnly(True)
    layout.addWidget(editable)
    layout.addWidget(fixed)
    qtbot.addWidget(form)
    form.show()
    QApplication.processEvents()

    def inside(w: QWidget) -> str:
        return w.grab().toImage().pixelColor(w.width() - 6, w.height() // 2).name()

    assert inside(editable) != inside(fixed)


def test_the_chinese_ui_font_is_the_platforms(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from counselroom.gui.shell import application

    base = QApplication.font()
    monkeypatch.setattr(application.sys, "platform", "win32")
    monkeypatch.setattr(application.QFontDatabase, "families", staticmethod(lambda *a: ["Microsoft YaHei UI"]))
    assert ui_font(base).families()[0] == "Microsoft YaHei UI"
    monkeypatch.setattr(application.sys, "platform", "linux")
    assert ui_font(base).families() == base.families()
    assert QLabel("咨询").font().pointSizeF() == base.pointSizeF()


def test_the_client_forms_error_goes_at_the_next_edit_of_its_field(qtbot, services) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: "client code" stayed red after the code was typed."""
    from counselroom.gui.clients.client_form import ClientForm

    form = ClientForm(services)
    qtbot.addWidget(form)
    form.show()
    form.save_button.click()
    code_error = form.errors["code"]
    assert code_error.isVisible() and code_error.text()
    assert form.summary.isVisible()
    QTest.keyClicks(form.edits["code"], "2026-001")
    assert not code_error.isVisible() and not form.summary.isVisible()


def test_the_consent_notice_goes_at_the_next_tick(qtbot, services) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: the client file's "tick every item of the consent checklist" stayed after all were ticked."""
    from datetime import date

    from counselroom.gui.clients.client_page import ClientPage
    from counselroom.records.clients import Client

    client_id = services.clients.create(Client(code="A-001", date_of_birth=date(2003, 4, 5))).id
    page = ClientPage(services, client_id)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.notes_tab.consent_needed.emit("Consent is not complete for this client. Tick every item.")
    assert page.consent_notice.isVisible()
    assert page.tabs.currentWidget() is page.consent_tab
    next(iter(page.consent_tab.checks.values())).click()
    assert not page.consent_notice.isVisible()


def test_raise_flag_opens_from_its_button(qtbot, services) -> None:  # type: ignore[no-untyped-def]
    """Found by the sweep: the button passed clicked's False as the flag's reason and the dialog never opened."""
    from counselroom.gui.risk.risk_tab import RiskTab
    from counselroom.records.clients import Client

    client_id = services.clients.create(Client(code="R-001")).id
    tab = RiskTab(services, client_id)
    qtbot.addWidget(tab)
    tab.show()
    seen: list[str] = []
    problems = when_modal(lambda w: seen.append(type(w).__name__))
    tab.raise_button.click()
    assert not problems and seen == ["RaiseFlagDialog"], (problems, seen)


def test_no_window_opens_larger_than_its_screen(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A dialog a page sized for a large screen (860x820) fits a 1366x768 laptop (1366x698 for a window)."""
    from PySide6.QtWidgets import QDialog, QPlainTextEdit

    from counselroom.gui.shell import application

    monkeypatch.setattr(application, "EMULATED_SCREEN", (1366, 698))
    dialog = QDialog()
    QVBoxLayout(dialog).addWidget(QPlainTextEdit())
    dialog.resize(860, 820)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.width() == 860 and dialog.height() == 698
    small = QDialog()
    small.resize(400, 300)
    qtbot.addWidget(small)
    small.show()
    assert (small.width(), small.height()) == (400, 300)


def test_a_dialog_grows_when_a_message_appears_instead_of_squeezing_its_text(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The restore dialog at 150%: a red message under the form pressed the wrapped paragraph above it to one
    line (its second line cut off). The dialog now grows by what the message needs, within the screen."""
    from PySide6.QtWidgets import QDialog, QPushButton

    from counselroom.gui.common.widgets import paragraph
    from counselroom.gui.shell import application

    monkeypatch.setattr(application, "EMULATED_SCREEN", (1280, 650))
    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    text = paragraph("Choose the backup file, then open it with the passphrase the vault had when the backup "
                     "was made, or with the recovery key. Nothing is changed yet.")
    message = message_label()
    layout.addWidget(text)
    layout.addWidget(QPushButton("Open and check"))
    layout.addWidget(message)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.resize(420, dialog.layout().minimumHeightForWidth(420))
    qtbot.waitUntil(lambda: dialog.height() == dialog.layout().minimumHeightForWidth(420))
    before = dialog.height()
    set_message(message, "Choose a backup file first, then enter the passphrase or the recovery key, and try "
                         "again: nothing was opened.")
    qtbot.waitUntil(lambda: dialog.height() > before)
    assert text.height() >= text.heightForWidth(text.width())
    assert dialog.height() <= 650
