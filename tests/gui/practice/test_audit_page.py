"""The audit trail viewer: entries in words and local time, filters, and the chain-check banner."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QLabel

from counselroom import i18n
from counselroom.gui.common.qt_models import AUDIT_KIND_LABELS, local_time
from counselroom.gui.practice.audit_page import AuditPage
from counselroom.records.clients import Client
from counselroom.records.services import Services


@pytest.fixture
def trail(services: Services) -> Services:
    first = services.clients.create(Client(code="A-001", name="张小明"))
    services.clients.create(Client(code="A-002"))
    services.clients.update(Client(**{**first.__dict__, "phone": "13800000000"}))
    services.clients.archive(first.id or 0)
    return services


@pytest.fixture
def page(qtbot, trail: Services) -> AuditPage:  # type: ignore[no-untyped-def]
    widget = AuditPage(trail)
    qtbot.addWidget(widget)
    widget.resize(1000, 500)
    with qtbot.waitExposed(widget):
        widget.show()
    qtbot.waitUntil(lambda: widget.last_verification is not None, timeout=5000)
    return widget


def column(page: AuditPage, name: str) -> list[str]:
    col = page.model.COLUMNS.index(name)
    return [page.proxy.index(r, col).data() for r in range(page.proxy.rowCount())]


def test_entries_are_shown_in_words_newest_first(page: AuditPage, trail: Services) -> None:
    kinds = column(page, "kind")
    assert kinds[:4] == ["Client archived", "Client file changed", "Client added", "Client added"]
    assert "Vault created" in kinds and "Vault unlocked" in kinds
    assert column(page, "seq") == sorted(column(page, "seq"), key=int, reverse=True)
    entity = column(page, "entity")
    assert entity[0] == "Client A-001" and entity[2] == "Client A-002"
    assert column(page, "detail")[1] == "fields: Phone"
    assert page.count_label.text() == f"{len(trail.audit.entries())} entries shown"


def test_times_are_local(page: AuditPage, trail: Services) -> None:
    newest = trail.audit.entries(limit=1)[0]
    shown = column(page, "at")[0]
    assert shown == local_time(newest.at)
    expected = datetime.fromisoformat(newest.at).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert shown == expected


def test_filter_by_kind(page: AuditPage) -> None:
    labels = [page.kind_filter.itemText(i) for i in range(page.kind_filter.count())]
    assert labels[0] == "All events" and "Client added" in labels
    page.kind_filter.setCurrentIndex(page.kind_filter.findData("client.created"))
    assert column(page, "kind") == ["Client added", "Client added"]
    assert page.count_label.text() == "2 entries shown"
    page.kind_filter.setCurrentIndex(0)
    assert len(column(page, "kind")) > 2


def test_filter_by_date_range(qtbot, page: AuditPage) -> None:  # type: ignore[no-untyped-def]
    total = page.proxy.rowCount()
    today = QDate.currentDate()
    qtbot.mouseClick(page.from_enabled, Qt.MouseButton.LeftButton)
    page.from_date.setDate(today)
    assert page.proxy.rowCount() == total  # everything happened today
    page.from_date.setDate(today.addDays(1))
    assert page.proxy.rowCount() == 0
    page.from_date.setDate(today.addDays(-7))
    qtbot.mouseClick(page.until_enabled, Qt.MouseButton.LeftButton)
    page.until_date.setDate(today.addDays(-1))
    assert page.proxy.rowCount() == 0
    page.until_date.setDate(today)
    assert page.proxy.rowCount() == total  # "until" includes the whole of its day
    qtbot.mouseClick(page.from_enabled, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.until_enabled, Qt.MouseButton.LeftButton)
    assert page.proxy.rowCount() == total


def test_banner_says_the_trail_verifies(page: AuditPage, trail: Services) -> None:
    count = trail.audit.verify().entries
    assert page.banner.text().startswith(f"Audit trail verified: {count} entries, unbroken. Checked at ")
    assert page.banner.textFormat() == Qt.TextFormat.PlainText


def test_banner_shows_where_a_tampered_trail_breaks(qtbot, page: AuditPage,  # type: ignore[no-untyped-def]
                                                    trail: Services) -> None:
    trail.store.conn.execute("UPDATE audit_log SET kind='x' WHERE seq=2")
    assert page.banner.text().startswith("Audit trail verified")  # not until it checks again
    with qtbot.waitSignal(page.verified) as signal:
        qtbot.mouseClick(page.recheck_button, Qt.MouseButton.LeftButton)
    assert signal.args == [False]
    assert page.banner.text().startswith(
        "Audit trail BROKEN at entry 2: an entry was changed after it was written. Checked at ")
    assert "Other event (x)" in column(page, "kind")


def test_banner_for_deleted_entries(qtbot, page: AuditPage, trail: Services) -> None:  # type: ignore[no-untyped-def]
    trail.store.conn.execute("DELETE FROM audit_log WHERE seq=3")
    qtbot.mouseClick(page.recheck_button, Qt.MouseButton.LeftButton)
    assert page.banner.text().startswith("Audit trail BROKEN at entry 3: an entry is missing.")


def test_new_changes_appear_while_shown(qtbot, page: AuditPage, trail: Services) -> None:  # type: ignore[no-untyped-def]
    before = page.proxy.rowCount()
    trail.clients.create(Client(code="B-9"))
    qtbot.waitUntil(lambda: page.proxy.rowCount() == before + 1, timeout=2000)
    assert column(page, "entity")[0] == "Client B-9"
    assert page.banner.text().startswith(f"Audit trail verified: {before + 1} entries, unbroken.")


def test_every_kind_the_program_writes_has_a_label() -> None:
    for kind in ("vault.created", "vault.unlocked", "vault.unlock_failed", "vault.locked", "client.created",
                 "client.updated", "client.archived", "client.unarchived", "settings.updated"):
        assert kind in AUDIT_KIND_LABELS


def test_in_chinese(qtbot, trail: Services) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("zh_CN")
    try:
        page = AuditPage(trail)
        qtbot.addWidget(page)
        page.show()
        qtbot.waitUntil(lambda: page.last_verification is not None, timeout=5000)
        assert page.banner.text().startswith("审计日志校验通过")
        assert "已添加来访者" in column(page, "kind")
        trail.store.conn.execute("UPDATE audit_log SET detail='{\"fields\":[\"name\"]}' WHERE seq=1")
        page.verify()
        assert page.banner.text().startswith("审计日志已损坏，问题出现在第 1 条")
    finally:
        i18n.set_language("en")


def test_labels_are_plain_text(page: AuditPage) -> None:
    for label in page.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText


def test_nothing_is_read_until_the_page_is_shown(qtbot, trail: Services,  # type: ignore[no-untyped-def]
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_verify = trail.audit.verify
    monkeypatch.setattr(trail.audit, "verify", lambda: (calls.append("verify"), real_verify())[1])
    page = AuditPage(trail)  # the window builds every page at unlock: that must stay quick
    qtbot.addWidget(page)
    assert calls == [] and page.model.rowCount() == 0
    assert page.banner.text() == "Checking the audit trail…"
    page.show()
    qtbot.waitUntil(lambda: calls == ["verify"], timeout=5000)
    assert page.model.rowCount() > 0


def test_a_long_trail_shows_the_newest_entries_and_says_so(qtbot, trail: Services,  # type: ignore[no-untyped-def]
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from counselroom.gui.practice import audit_page

    monkeypatch.setattr(audit_page, "ENTRY_LIMIT", 3)
    page = AuditPage(trail)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.last_verification is not None, timeout=5000)
    assert column(page, "kind") == ["Client archived", "Client file changed", "Client added"]
    assert page.count_label.text().startswith("Showing the newest 3 entries.")
    page.kind_filter.setCurrentIndex(page.kind_filter.findData("client.created"))
    assert page.count_label.text() == "2 entries shown"


def test_a_slow_check_waits_for_recheck(qtbot, page: AuditPage, trail: Services,  # type: ignore[no-untyped-def]
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from counselroom.gui.practice import audit_page

    monkeypatch.setattr(audit_page, "QUICK_VERIFY_SECONDS", 0.0)
    checked = page.last_verification
    before = page.model.rowCount()
    trail.clients.create(Client(code="S-1"))
    qtbot.waitUntil(lambda: page.model.rowCount() == before + 1, timeout=2000)
    assert page.last_verification is checked  # not checked again by itself
    qtbot.mouseClick(page.recheck_button, Qt.MouseButton.LeftButton)
    assert page.last_verification is not checked
    assert page.last_verification is not None and page.last_verification.entries == before + 1
