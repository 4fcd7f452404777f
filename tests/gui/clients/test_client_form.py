"""The client form: typing (English by keys, Chinese by input method), validation next to the field,
warnings asked as a question, edit, Escape."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from counselroom import i18n
from counselroom.gui.clients.client_form import ClientForm
from counselroom.gui.clients.client_page import ClientPage
from counselroom.records.clients import Client
from counselroom.records.services import Services

from ..conftest import commit_text
from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..helpers import when_modal


@pytest.fixture
def form(qtbot, services: Services) -> ClientForm:  # type: ignore[no-untyped-def]
    dialog = ClientForm(services)
    qtbot.addWidget(dialog)
    with qtbot.waitExposed(dialog):
        dialog.show()
    return dialog


def click_save(qtbot, form: ClientForm) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)


def test_create_with_english_typed_and_chinese_committed(qtbot, form: ClientForm,  # type: ignore[no-untyped-def]
                                                         services: Services) -> None:
    qtbot.keyClicks(form.edits["code"], "2026-014")
    commit_text(form.edits["name"], "张小明")
    form.gender.setCurrentIndex(form.gender.findData("male"))
    qtbot.mouseClick(form.dob_known, Qt.MouseButton.LeftButton)
    form.dob.setDate(QDate(2002, 9, 1))
    form.status.setCurrentIndex(form.status.findData("active"))
    qtbot.mouseClick(form.risk_flag, Qt.MouseButton.LeftButton)
    commit_text(form.edits["school"], "心理学院")
    qtbot.keyClicks(form.edits["phone"], "138 0000 0000")
    commit_text(form.edits["emergency_name"], "张伟")
    qtbot.keyClicks(form.edits["emergency_phone"], "+86 139-0000-0000")
    commit_text(form.notes, "由辅导员转介，近期失眠。")
    qtbot.keyClicks(form.notes, " Sleeps badly.")
    click_save(qtbot, form)

    assert form.result() == QDialog.DialogCode.Accepted
    saved = services.clients.list(query="zxm")
    assert [c.code for c in saved] == ["2026-014"]
    c = saved[0]
    assert (c.name, c.gender, c.date_of_birth, c.status, c.risk_flag) == (
        "张小明", "male", date(2002, 9, 1), "active", True)
    assert (c.school, c.emergency_name, c.emergency_phone) == ("心理学院", "张伟", "+86 139-0000-0000")
    assert c.notes == "由辅导员转介，近期失眠。 Sleeps badly."
    assert form.saved is not None and form.saved.id == c.id


def test_pseudonymous_client_needs_only_a_code(qtbot, form: ClientForm,  # type: ignore[no-untyped-def]
                                              services: Services) -> None:
    qtbot.keyClicks(form.edits["code"], "P-7")
    qtbot.keyClick(form.edits["code"], Qt.Key.Key_Return)  # Enter saves: Save is the default button
    assert form.result() == QDialog.DialogCode.Accepted
    client = services.clients.list(query="P-7")[0]
    assert client.name == "" and client.date_of_birth is None


def test_empty_code_is_explained_next_to_the_field(qtbot, form: ClientForm,  # type: ignore[no-untyped-def]
                                                   services: Services) -> None:
    commit_text(form.edits["name"], "李雷")
    click_save(qtbot, form)
    assert form.isVisible()
    assert form.errors["code"].isVisible()
    assert form.errors["code"].text() == "Enter a client code. A client may go by a code alone."
    assert form.summary.isVisible()
    assert form.edits["code"].hasFocus()
    assert services.clients.count() == 0
    # Fixing it clears the message.
    qtbot.keyClicks(form.edits["code"], "L-1")
    click_save(qtbot, form)
    assert form.result() == QDialog.DialogCode.Accepted
    assert not form.errors["code"].isVisible()


def test_future_birth_date_is_refused(qtbot, form: ClientForm, services: Services) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(form.edits["code"], "F-1")
    form.dob_known.setChecked(True)
    form.dob.setDate(QDate.currentDate().addDays(3))
    click_save(qtbot, form)
    assert form.isVisible()
    assert form.errors["date_of_birth"].text() == "The date of birth is in the future."
    assert services.clients.count() == 0


def test_duplicate_code_and_bad_phone_are_refused(qtbot, form: ClientForm,  # type: ignore[no-untyped-def]
                                                  services: Services) -> None:
    services.clients.create(Client(code="D-1"))
    qtbot.keyClicks(form.edits["code"], "D-1")
    qtbot.keyClicks(form.edits["guardian_phone"], "call me")
    click_save(qtbot, form)
    assert form.errors["code"].text() == "Another client already has this code."
    assert form.errors["guardian_phone"].text() == "A phone number uses digits, spaces, '+', '-' and brackets."
    assert services.clients.count() == 1


def test_messages_are_in_chinese_when_the_window_is(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("zh_CN")
    try:
        form = ClientForm(services)
        qtbot.addWidget(form)
        click_save(qtbot, form)
        message = form.errors["code"].text()
        assert message and message != "Enter a client code. A client may go by a code alone."
        assert "编号" in message
        assert form.save_button.text() == "保存"
        assert form.status.currentText() == "初访"
    finally:
        i18n.set_language("en")


def test_likely_duplicate_is_asked_and_go_back_is_the_default(qtbot, form: ClientForm,  # type: ignore[no-untyped-def]
                                                              services: Services) -> None:
    services.clients.create(Client(code="W-1", name="王芳", date_of_birth=date(2003, 5, 6)))
    qtbot.keyClicks(form.edits["code"], "W-2")
    commit_text(form.edits["name"], "王芳")
    form.dob_known.setChecked(True)
    form.dob.setDate(QDate(2003, 5, 6))
    seen: dict[str, str] = {}

    def press_enter(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        seen["text"] = box.text()
        seen["default"] = box.defaultButton().text()
        qtbot.keyClick(box, Qt.Key.Key_Return)

    when_modal(press_enter, exclude=form)
    click_save(qtbot, form)
    assert "may already exist" in seen["text"]
    assert seen["default"] == "Go back"
    assert form.isVisible() and services.clients.count() == 1

    def save_anyway(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        button = next(b for b in box.buttons() if b.text() == "Save anyway")
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    when_modal(save_anyway, exclude=form)
    click_save(qtbot, form)
    assert form.result() == QDialog.DialogCode.Accepted
    assert [c.code for c in services.clients.list(query="wangfang")] == ["W-1", "W-2"]


def test_minor_without_guardian_is_asked(qtbot, form: ClientForm, services: Services) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(form.edits["code"], "M-1")
    form.dob_known.setChecked(True)
    form.dob.setDate(QDate.currentDate().addYears(-15))
    assert "a minor" in form.age_label.text()
    seen: list[str] = []
    when_modal(lambda box: (seen.append(box.text()), box.close()), exclude=form)  # type: ignore[attr-defined]
    click_save(qtbot, form)
    assert seen and "no guardian" in seen[0]
    assert services.clients.count() == 0


def test_escape_cancels(qtbot, form: ClientForm, services: Services) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(form.edits["code"], "E-1")
    qtbot.keyClick(form.edits["code"], Qt.Key.Key_Escape)
    assert form.result() == QDialog.DialogCode.Rejected and not form.isVisible()
    assert services.clients.count() == 0


def test_tab_order_follows_the_form(qtbot, form: ClientForm) -> None:  # type: ignore[no-untyped-def]
    form.edits["code"].setFocus()
    seen = [QApplication.focusWidget()]
    for _ in range(5):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert seen == [form.edits["code"], form.edits["name"], form.gender, form.dob_known, form.status,
                    form.risk_flag]  # the date edit is skipped while the date is unknown


def test_edit_from_the_client_page(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    client = services.clients.create(Client(code="E-2", name="Emily Chen", status="intake"))
    page = ClientPage(services, client.id or 0)
    qtbot.addWidget(page)
    page.show()

    def change(dialog: QWidget) -> None:
        assert isinstance(dialog, ClientForm)
        assert dialog.edits["name"].text() == "Emily Chen"
        dialog.edits["phone"].clear()
        qtbot.keyClicks(dialog.edits["phone"], "13912345678")
        dialog.status.setCurrentIndex(dialog.status.findData("active"))
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=2000)  # shortcuts act in the active window only
    page.back_button.setFocus()
    when_modal(change)
    qtbot.keyClick(page.back_button, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    stored = services.clients.get(client.id or 0)
    assert stored.phone == "13912345678" and stored.status == "active"
    assert page.status_badge.text() == "Active"
    assert page.values["phone"].text() == "13912345678"
    assert services.audit.entries(kinds=["client.updated"])[0].detail == {"fields": ["phone", "status"]}
