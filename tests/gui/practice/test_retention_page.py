"""The retention page: the rules and their dialog (also from Settings), the past-retention list with its
check boxes, the destruction dialog (what goes, the warning, typed code and passphrase, Cancel by default),
leaving dates, the disposal register, and opening a listed client's file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from conftest import PASSPHRASE
from counselroom import i18n
from counselroom.config import AppConfig
from counselroom.gui.practice.destruction_dialog import DestructionDialog
from counselroom.gui.practice.retention_page import RetentionPage
from counselroom.gui.practice.retention_rules_dialog import RetentionRulesDialog
from counselroom.gui.shell.settings_page import SettingsPage
from counselroom.records.clients import Client
from counselroom.records.services import Services

from ..conftest import commit_text
from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..helpers import click_button, when_modal


def closed_client(services: Services, code: str, closed_on: date, name: str = "") -> int:
    cid = services.clients.create(Client(code=code, name=name or f"张{code}")).id
    assert cid is not None
    services.consent.record_signed(cid, date(2015, 1, 1), guardian_name="监护人")
    note = services.notes.create_draft(cid, "standard", session_date=closed_on)
    assert note.id is not None
    services.notes.save_draft(note.id, {k: "睡眠不好 zqxgui" for k in note.content}, private_text="过程 zqxgui")
    services.notes.sign(note.id, "林老师")
    services.closures.close(cid, "goals_met", "目标达成。", closed_on)
    return cid


YEAR = date.today().year
CLOSED_1, CLOSED_2 = date(YEAR - 8, 6, 30), date(YEAR - 4, 1, 15)


@pytest.fixture
def two_closed(services: Services) -> tuple[int, int]:
    return closed_client(services, "OLD-1", CLOSED_1), closed_client(services, "OLD-2", CLOSED_2)


@pytest.fixture
def make_page(qtbot, services: Services):  # type: ignore[no-untyped-def]
    def make() -> RetentionPage:
        page = RetentionPage(services)
        qtbot.addWidget(page)
        page.resize(1000, 700)
        with qtbot.waitExposed(page):
            page.show()
        return page

    return make


def table_texts(page: RetentionPage) -> list[list[str]]:
    model = page.past_model
    return [[str(model.data(model.index(r, c)) or "") for c in range(1, model.columnCount())]
            for r in range(model.rowCount())]


def tick(qtbot, page: RetentionPage, row: int) -> None:  # type: ignore[no-untyped-def]
    page.past_table.setFocus()
    page.past_table.setCurrentIndex(page.past_model.index(row, 0))
    qtbot.keyClick(page.past_table, Qt.Key.Key_Space)


def test_the_page_shows_the_rules_and_what_is_past_retention(services, two_closed, make_page) -> None:  # type: ignore[no-untyped-def]
    services.clients.create(Client(code="STILL-OPEN", status="active"))
    page = make_page()
    assert page.rules_label.text().splitlines() == ["Whole case file: 3 years after the case was closed",
                                                    "Psychological test results: 3 years after the case was closed"]
    assert table_texts(page) == [
        ["OLD-1", "Whole case file", f"Case closed {CLOSED_1}", f"{YEAR - 5}-06-30", "5 records (1 session note)"],
        ["OLD-2", "Whole case file", f"Case closed {CLOSED_2}", f"{YEAR - 1}-01-15", "5 records (1 session note)"]]
    assert page.tabs.tabText(0) == "Past retention (2)"
    assert not page.destroy_button.isEnabled()


def test_ticked_records_are_destroyed_after_the_code_and_the_passphrase(qtbot, services, two_closed,  # type: ignore[no-untyped-def]
                                                                        make_page) -> None:
    old1, old2 = two_closed
    page = make_page()
    tick(qtbot, page, 0)
    assert page.destroy_button.isEnabled() and page.destroy_button.text() == "&Destroy selected (1)…"
    seen: dict[str, object] = {}

    def answer(dialog: QWidget) -> None:
        assert isinstance(dialog, DestructionDialog)
        seen["plan"] = dialog.plan_view.toPlainText()
        seen["warning"] = " ".join(label.text() for label in dialog.findChildren(type(dialog.message)))
        assert dialog.cancel_button.isDefault() and not dialog.destroy_button.isEnabled()
        dialog.confirm_edit.setText("OLD-2")  # another client's code
        qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
        assert not dialog.destroy_button.isEnabled()
        dialog.confirm_edit.setText("old-1")
        assert dialog.destroy_button.isEnabled()
        dialog.destroy_button.click()
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20000)
        seen["result"] = dialog.result()

    problems = when_modal(answer, timeout=20)
    page.destroy_button.click()
    assert problems == []
    assert seen["result"] == QDialog.DialogCode.Accepted
    plan = str(seen["plan"]).splitlines()
    assert plan[0] == "OLD-1 — Whole case file"
    assert plan[1].strip() == f"Case closed {CLOSED_1}; retention ended {YEAR - 5}-06-30"
    assert "session notes: 1" in plan[2] and "private process notes: 1" in plan[2]
    assert "This cannot be undone." in str(seen["warning"])
    assert "Backups made before today still hold them" in str(seen["warning"])
    assert [row[0] for row in table_texts(page)] == ["OLD-2"]
    assert page.past_message.text() == "Destroyed and entered in the disposal register."
    assert [c.code for c in services.clients.list(include_archived=True)] == ["OLD-2"]
    assert {h.client_id for h in services.search.search("zqxgui", include_private=True)} == {old2}
    reg = page.register_model
    assert reg.rowCount() == 1
    row = [str(reg.data(reg.index(0, c)) or "") for c in range(reg.columnCount())]
    assert row[1:] == [f"DSP-{date.today().year}-0001", "OLD-1", "Whole case file", "3 years after the case was closed",
                       f"{YEAR - 5}-06-30", "5 records", "client code + passphrase"]
    assert not page.register_empty.isVisible()
    assert old1 not in {c.id for c in services.clients.list(include_archived=True)}


def test_a_wrong_passphrase_or_cancel_destroys_nothing(qtbot, services, two_closed, make_page) -> None:  # type: ignore[no-untyped-def]
    page = make_page()
    tick(qtbot, page, 0)
    tick(qtbot, page, 1)
    messages: list[str] = []

    def wrong(dialog: QWidget) -> None:
        assert isinstance(dialog, DestructionDialog)
        assert "These records of 2 clients will be destroyed:" in " ".join(
            label.text() for label in dialog.findChildren(type(dialog.message)))
        dialog.confirm_edit.setText("OLD-1")  # several clients: only the word will do
        qtbot.keyClicks(dialog.passphrase_edit, "not the passphrase")
        assert not dialog.destroy_button.isEnabled()
        dialog.confirm_edit.setText("DESTROY")
        dialog.destroy_button.click()
        qtbot.waitUntil(lambda: "Nothing was destroyed" in dialog.message.text(), timeout=20000)
        messages.append(dialog.message.text())
        qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
        qtbot.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)  # Enter goes to Cancel, the default button
        messages.append("visible" if dialog.isVisible() else "closed")

    problems = when_modal(wrong, timeout=20)
    page.destroy_button.click()
    assert problems == []
    assert messages == ["That is not the passphrase of this vault. Nothing was destroyed.", "closed"]
    assert services.clients.count() == 2
    assert services.retention.register() == []
    assert len(table_texts(page)) == 2


def test_the_rules_dialog_changes_the_rules_and_the_list(qtbot, services, two_closed, make_page) -> None:  # type: ignore[no-untyped-def]
    page = make_page()

    def change(dialog: QWidget) -> None:
        assert isinstance(dialog, RetentionRulesDialog)
        dialog.years["case_file"].setValue(7)
        dialog.anchors["case_file"].setCurrentIndex(dialog.anchors["case_file"].findData("left"))
        dialog.save_button.click()

    problems = when_modal(change)
    page.rules_button.click()
    assert problems == []
    assert page.rules_label.text().splitlines()[0] == (
        "Whole case file: 7 years after the client left (graduation, transfer)")
    assert services.retention.rule("case_file").years == 7
    assert [r[0] for r in table_texts(page)] == ["OLD-1"]  # 8 years ago + 7 has passed; 4 years ago + 7 not yet


def test_settings_open_the_same_rules_dialog(qtbot, services: Services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = SettingsPage(services, AppConfig(), tmp_path / "settings.json")
    qtbot.addWidget(page)
    assert page.retention_label.text().startswith("Whole case file: 3 years")

    def change(dialog: QWidget) -> None:
        assert isinstance(dialog, RetentionRulesDialog)
        dialog.years["tests"].setValue(1)
        dialog.anchors["tests"].setCurrentIndex(dialog.anchors["tests"].findData("administered"))
        click_button(dialog, "Save")

    problems = when_modal(change)
    page.retention_button.click()
    assert problems == []
    assert "Psychological test results: 1 year after each test was given" in page.retention_label.text()


def test_a_leaving_date_is_recorded_and_removed_on_the_page(qtbot, services, make_page) -> None:  # type: ignore[no-untyped-def]
    cid = services.clients.create(Client(code="GRAD-9", name="毕业生")).id
    page = make_page()
    page.tabs.setCurrentIndex(1)
    page.save_departure_button.click()
    assert page.departure_message.text() == "Choose a client by code."
    commit_text(page.client_combo.lineEdit(), "grad-9")
    page.left_on_edit.setDate(page.left_on_edit.date().addYears(1))
    page.save_departure_button.click()
    assert page.departure_message.text() == "The leaving date cannot be in the future."
    page.left_on_edit.setDate(page.left_on_edit.date().addYears(-2))
    page.save_departure_button.click()
    assert page.departure_message.text() == "Leaving date saved."
    qtbot.waitUntil(lambda: page.departure_model.rowCount() == 1)
    model = page.departure_model
    assert [model.data(model.index(0, c)) for c in range(3)][::2] == ["GRAD-9", "Graduated"]
    assert services.retention.departure(cid) is not None

    def cancel_first(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        assert box.defaultButton().text() == "Cancel"
        click_button(box, "Remove the date")

    problems = when_modal(cancel_first)
    page.remove_departure_button.click()
    assert problems == []
    assert page.departure_message.text() == "Leaving date removed."
    assert services.retention.departure(cid) is None


def test_double_clicking_a_listed_client_opens_the_file(qtbot, services, two_closed, make_page) -> None:  # type: ignore[no-untyped-def]
    page = make_page()
    with qtbot.waitSignal(page.open_client) as signal:
        page.past_table.setFocus()
        page.past_table.setCurrentIndex(page.past_model.index(1, 1))
        qtbot.keyClick(page.past_table, Qt.Key.Key_Return)
    assert signal.args == [two_closed[1]]


def test_the_page_in_chinese_and_empty(services, make_page) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("zh_CN")
    page = make_page()
    assert page.rules_label.text().splitlines()[0] == "整份个案档案：自结案之日起保存 3 年"
    assert page.past_empty.isVisible() and not page.past_table.isVisible()
    assert page.tabs.tabText(2) == "销毁登记簿"
    page.shutdown()
    assert page.past_model.rowCount() == 0


def test_a_case_reopened_while_the_dialog_is_open_is_not_destroyed(qtbot, services, two_closed,  # type: ignore[no-untyped-def]
                                                                   make_page) -> None:
    old1, _old2 = two_closed
    page = make_page()
    tick(qtbot, page, 0)
    said: list[str] = []

    def reopen_then_destroy(dialog: QWidget) -> None:
        assert isinstance(dialog, DestructionDialog)
        services.closures.reopen(old1)  # for example from the client's file, in another window
        dialog.confirm_edit.setText("OLD-1")
        qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
        dialog.destroy_button.click()
        qtbot.waitUntil(lambda: "no longer past" in dialog.message.text(), timeout=20000)
        said.append(dialog.message.text())

    problems = when_modal(reopen_then_destroy, timeout=20)
    page.destroy_button.click()
    assert problems == []
    assert said[0].startswith("Some of the chosen records are no longer past their retention period")
    assert services.clients.get(old1).code == "OLD-1"
    assert services.retention.register() == []
    assert [row[0] for row in table_texts(page)] == ["OLD-2"]


def test_in_the_window_a_listed_client_opens_its_file(qtbot, make_window,  # type: ignore[no-untyped-def]
                                                                          new_vault) -> None:
    vault = new_vault[0]
    with vault.unlock(PASSPHRASE) as session:
        cid = closed_client(Services.open(session), "WIN-1", CLOSED_1, name="窗口测试")
    window = make_window(vault.path)
    screen = window.unlock_screen
    qtbot.keyClicks(screen.passphrase, PASSPHRASE)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=10000)
    window.go("retention")
    page = window.shell.pages["retention"]
    assert isinstance(page, RetentionPage)
    assert [r[0] for r in table_texts(page)] == ["WIN-1"]
    page.past_table.setFocus()
    page.past_table.setCurrentIndex(page.past_model.index(0, 1))
    qtbot.keyClick(page.past_table, Qt.Key.Key_Return)
    assert window.shell.current == "clients"
    client_page = window.shell.pages["clients"].client_page
    assert client_page is not None and client_page.client_id == cid
