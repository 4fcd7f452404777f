"""The groups page: a group with a roster, each member's confidentiality agreement (on paper with a date, or on
screen), the warning for a session held with a member who has none, removal asked first, and printing the
agreement form from memory."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtPrintSupport import QPrintPreviewWidget
from PySide6.QtWidgets import QDialog

from counselroom import i18n
from counselroom.gui.common import pdf_printing
from counselroom.gui.consent import groups_page as groups_module
from counselroom.gui.consent.groups_page import GroupsPage
from counselroom.records.clients import Client
from counselroom.records.services import Services

from ..conftest import commit_text
from .test_consent_tab import draw


@pytest.fixture
def clients(services: Services) -> list[int]:
    return [services.clients.create(Client(code=f"G-{n}", name=name)).id or 0
            for n, name in enumerate(("李雷", "韩梅梅", "Emily Chen"), start=1)]


@pytest.fixture
def page(qtbot, services: Services, clients: list[int]) -> GroupsPage:  # type: ignore[no-untyped-def]
    p = GroupsPage(services)
    qtbot.addWidget(p)
    p.resize(1100, 700)
    with qtbot.waitExposed(p):
        p.show()
    return p


def add(page: GroupsPage, code: str) -> None:
    page.client_combo.setCurrentIndex(page.client_combo.findText(code, flags=Qt.MatchFlag.MatchStartsWith))
    page.add_button.click()


def select(page: GroupsPage, row: int) -> None:
    page.roster.selectRow(row)


def test_roster_agreements_and_the_session_warning(services, clients, page) -> None:  # type: ignore[no-untyped-def]
    assert page.group_id is None and not page.add_button.isEnabled()
    commit_text(page.name_edit, "考试焦虑团体")
    page.create_button.click()
    assert page.group_id is not None and page.group_title.text() == "考试焦虑团体"
    for code in ("G-1", "G-2", "G-3"):
        add(page, code)
    assert page.roster.rowCount() == 3
    assert [page.roster.item(r, 3).text() for r in range(3)] == ["None yet"] * 3
    assert "李雷, 韩梅梅, Emily Chen" in page.warning_label.text()
    select(page, 0)
    page.agreed_date.setDate(QDate.currentDate().addDays(-3))
    page.paper_button.click()
    assert page.roster.item(0, 3).text() == f"Signed on {(date.today() - timedelta(days=3)).isoformat()}"
    assert "李雷" not in page.warning_label.text() and "韩梅梅, Emily Chen" in page.warning_label.text()
    page.session_date.setDate(QDate.currentDate().addDays(7))  # next week's session: still two without
    assert "韩梅梅, Emily Chen" in page.warning_label.text()
    page.session_date.setDate(QDate.currentDate())
    select(page, 1)
    assert page.paper_button.isEnabled()
    page.paper_button.click()
    select(page, 2)
    page.paper_button.click()
    assert page.warning_label.text().startswith("Every member in the group on")
    assert services.consent.group_warnings(page.group_id, date.today()) == []


def test_sign_on_screen_remove_and_print(monkeypatch, services, clients, page) -> None:  # type: ignore[no-untyped-def]
    group = services.consent.create_group("人际交往成长小组")
    services.consent.add_member(group.id, clients[0])
    services.consent.add_member(group.id, clients[1])
    page.refresh()
    page.select_group(group.id)
    select(page, 0)

    def sign(dialog: QDialog) -> int:
        draw(dialog.pad)  # type: ignore[attr-defined]
        dialog.save_button.click()  # type: ignore[attr-defined]
        return dialog.result()

    monkeypatch.setattr(groups_module, "launch", sign)
    page.screen_button.click()
    agreement = services.consent.agreement(group.id, clients[0])
    assert agreement is not None and agreement.signed_how == "screen" and agreement.has_signature
    pages: list[int] = []

    def preview(dialog: QDialog) -> int:
        widget = dialog.findChild(QPrintPreviewWidget)
        widget.updatePreview()
        pages.append(widget.pageCount())
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(pdf_printing, "launch", preview)
    assert page.print_agreement() and pages == [1]
    assert services.audit.entries(["consent.form_printed"])[0].detail["kind"] == "group_agreement"
    asked: list[str] = []
    monkeypatch.setattr(groups_module, "confirm_destructive", lambda _p, _t, text, _a: asked.append(text) or False)
    select(page, 1)
    page.remove_button.click()
    assert asked and "韩梅梅" in asked[0] and page.roster.rowCount() == 2  # cancelled: still there
    monkeypatch.setattr(groups_module, "confirm_destructive", lambda *_a: True)
    select(page, 1)
    page.remove_button.click()
    assert page.roster.rowCount() == 1


def test_screenshot_in_chinese(qtbot, services, clients, tmp_path) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("zh_CN")
    group = services.consent.create_group("考试焦虑团体")
    for client_id in clients:
        services.consent.add_member(group.id, client_id, date.today() - timedelta(days=10))
    services.consent.record_agreement(group.id, clients[0], date.today() - timedelta(days=9))
    p = GroupsPage(services)
    qtbot.addWidget(p)
    p.resize(1100, 600)
    with qtbot.waitExposed(p):
        p.show()
    assert "韩梅梅、Emily Chen" in p.warning_label.text()
    assert p.warning_label.text().startswith("警告")
    assert p.grab().save(str(tmp_path / "groups-zh_CN.png"))  # tests never write tracked files
