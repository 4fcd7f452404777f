"""The export register page: every export with its date, client, recipient, basis, contents and number,
newest first, kept up to date while it is shown, read-only, in English and Chinese."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt

from counselroom import i18n
from counselroom.gui.practice.export_register_page import COLUMNS, ExportRegisterPage
from counselroom.records.clients import Client
from counselroom.records.exports import Basis, ExportContents
from counselroom.records.services import Services


@pytest.fixture
def client_id(services: Services) -> int:
    client_id = services.clients.create(Client(code="A-001", name="张小明", status="active")).id or 0
    consent = getattr(services, "consent", None)
    if consent is not None:
        consent.record_signed(client_id, date(2015, 1, 1), guardian_name="监护人")
    note = services.notes.create_draft(client_id, "standard", session_date=date.today() - timedelta(days=1))
    assert note.id is not None
    services.notes.save_draft(note.id, {next(iter(note.content)): "内容"})
    services.notes.sign(note.id, "林晓雯")
    return client_id


def export_with_authorization(services: Services, client_id: int) -> str:
    auth = services.exports.record_authorization(client_id, "Dr. Wang", "Referral", "Notes",
                                                 date.today() + timedelta(days=10), date.today())
    return services.exports.export(client_id, Basis.authorized(auth.id), ExportContents(), "Dr. Wang", "Referral",
                                   passphrase_ok=True).number


def export_under_exception(services: Services, client_id: int) -> str:
    basis = Basis.exceptional("danger_others", "威胁要伤害室友，需通知学校保卫处。")
    return services.exports.export(client_id, basis,
                                   ExportContents(kind="referral_letter", include_private=True,
                                                  sensitive_confirmed=True, letter_text="紧急"),
                                   "学校保卫处", "保护他人安全", passphrase_ok=True, lang="zh_CN").number


@pytest.fixture
def make_page(qtbot, services: Services):  # type: ignore[no-untyped-def]
    def make() -> ExportRegisterPage:
        page = ExportRegisterPage(services)
        qtbot.addWidget(page)
        page.resize(1200, 500)
        with qtbot.waitExposed(page):
            page.show()
        return page

    return make


def row_texts(page: ExportRegisterPage, row: int) -> list[str]:
    return [page.table.item(row, c).text() for c in range(page.table.columnCount())]


def test_empty_register_says_so(services: Services, make_page) -> None:  # type: ignore[no-untyped-def]
    page = make_page()
    assert page.count_label.text() == "No record has been exported."
    assert page.table.rowCount() == 0
    assert [page.table.horizontalHeaderItem(c).text() for c in range(len(COLUMNS))] == [
        "Date", "Number", "Client", "Document", "Recipient", "Purpose", "Basis", "Contents"]


def test_lists_every_export_newest_first(services: Services, client_id: int, make_page) -> None:  # type: ignore[no-untyped-def]
    first = export_with_authorization(services, client_id)
    second = export_under_exception(services, client_id)
    page = make_page()
    assert page.count_label.text() == "2 exports."
    today = date.today().isoformat()
    assert row_texts(page, 0) == [today, second, "A-001 张小明", "Referral letter", "学校保卫处", "保护他人安全",
                                  "Exception: Danger to other people or to public safety",
                                  "1 signed note, addenda, letter text, PRIVATE PROCESS NOTES"]
    assert row_texts(page, 1) == [today, first, "A-001 张小明", "Copy of counseling record", "Dr. Wang", "Referral",
                                  "Client's written authorization", "1 signed note, addenda"]


def test_a_new_export_appears_while_shown(qtbot, services: Services, client_id: int, make_page) -> None:  # type: ignore[no-untyped-def]
    page = make_page()
    assert page.table.rowCount() == 0
    number = export_with_authorization(services, client_id)
    qtbot.waitUntil(lambda: page.table.rowCount() == 1)
    assert page.table.item(0, 1).text() == number
    assert page.count_label.text() == "1 export."


def test_read_only(services: Services, client_id: int, make_page) -> None:  # type: ignore[no-untyped-def]
    export_with_authorization(services, client_id)
    page = make_page()
    assert page.table.editTriggers() == page.table.EditTrigger.NoEditTriggers
    for column in range(page.table.columnCount()):
        assert not page.table.item(0, column).flags() & Qt.ItemFlag.ItemIsEditable
    page.table.setCurrentCell(0, 4)
    page.table.editItem(page.table.item(0, 4))
    assert page.table.item(0, 4).text() == "Dr. Wang"
    assert services.exports.register()[0].recipient == "Dr. Wang"


def test_chinese(services: Services, client_id: int, make_page) -> None:  # type: ignore[no-untyped-def]
    export_under_exception(services, client_id)
    i18n.set_language("zh_CN")
    page = make_page()
    assert page.title.text() == "导出登记簿"
    assert page.count_label.text() == "共 1 次导出。"
    texts = row_texts(page, 0)
    assert texts[3] == "转介信"
    assert texts[6] == "保密例外：可能危及他人或公共安全"
    assert texts[7] == "1 份已签署记录、补充说明、信函正文、私人过程记录"


def test_shutdown_drops_the_rows(services: Services, client_id: int, make_page) -> None:  # type: ignore[no-untyped-def]
    export_with_authorization(services, client_id)
    page = make_page()
    page.shutdown()
    assert page.table.rowCount() == 0 and page.entries == []
    export_with_authorization(services, client_id)  # no longer listening
    assert page.table.rowCount() == 0
