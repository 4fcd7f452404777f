"""The referrals tab as a counselor uses it: a new referral (sharing without consent refused in the dialog,
then the offer to set the client's status, never done silently), a due follow-up standing out, the outcome
that closes it, and the referral letter, which opens the locked export dialog preset for this referral
and, once exported, leaves its export number on the referral."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from counselroom.gui.practice.export_dialog import ExportDialog, PasswordDialog
from counselroom.gui.referrals.referral_dialog import OutcomeDialog, ReferralDialog
from counselroom.gui.referrals.referrals_tab import DUE_BACKGROUND, ReferralsTab
from counselroom.records.clients import Client
from counselroom.records.profile import Profile
from counselroom.records.referrals import ReferralDraft
from counselroom.records.services import Services

from ..conftest import commit_text
from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..helpers import click_button, when_modal

PASSPHRASE = "Quiet river 2026 lantern"  # the shared fixtures' vault passphrase (tests/conftest.py)
TODAY = date.today()


@pytest.fixture
def client_id(services: Services) -> int:
    services.profile.save(Profile(name="林晓雯", room="心理咨询室 204", institution="示例大学",
                                  contact="010-0000 0000"))
    return services.clients.create(Client(code="A-001", name="张小明", status="active")).id or 0


@pytest.fixture
def make_tab(qtbot, services: Services):  # type: ignore[no-untyped-def]
    def make(client_id: int) -> ReferralsTab:
        tab = ReferralsTab(services, client_id)
        qtbot.addWidget(tab)
        tab.resize(1000, 600)
        with qtbot.waitExposed(tab):
            tab.show()
        return tab

    return make


def referral(services: Services, client_id: int, **changes: object) -> int:
    values: dict[str, object] = {"referred_on": TODAY - timedelta(days=10), "reason": "medical_assessment",
                                 "recipient": "王医生", "institution": "北京大学第六医院", "department": "精神科",
                                 "reason_text": "惊恐发作频繁", "follow_up_on": TODAY - timedelta(days=1)}
    values.update(changes)
    return services.referrals.create(client_id, ReferralDraft(**values)).id  # type: ignore[arg-type]


def cell(tab: ReferralsTab, row: int, column: str, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    return tab.model.data(tab.model.index(row, tab.model.COLUMNS.index(column)), role)


def test_a_new_referral_refuses_sharing_without_consent_then_asks_about_the_status(
        qtbot, services: Services, client_id: int, make_tab) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab(client_id)
    assert tab.empty_label.isVisible() and not tab.letter_button.isEnabled()
    asked: list[str] = []

    def on_status(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        asked.append(box.text())
        click_button(box, "Set to “Referred”")

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, ReferralDialog)
        commit_text(dialog.recipient, "王医生")
        commit_text(dialog.institution, "北京大学第六医院")
        dialog.reason.setCurrentIndex(dialog.reason.findData("medical_assessment"))
        dialog.share_info.setChecked(True)
        dialog.save_button.click()
        assert dialog.isVisible()  # refused, and said why, next to the consent box
        assert dialog.errors["consent"].text().startswith("The client has not consented to sharing information")
        assert services.referrals.for_client(client_id) == []
        dialog.consent.setChecked(True)
        commit_text(dialog.consent_scope, "转介原因与近两月咨询概况")
        problems.extend(when_modal(on_status, exclude=dialog))
        dialog.save_button.click()

    problems = when_modal(fill)
    tab.new_button.click()
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    assert problems == []
    assert asked == ["Set the status of A-001 张小明 to “Referred”? It is now “Active”."]
    assert services.clients.get(client_id).status == "referred"
    assert tab.notice.text() == "Referral recorded. The client's status is now “Referred”."
    assert tab.model.rowCount() == 1 and tab.table.isVisible()
    assert cell(tab, 0, "recipient") == "北京大学第六医院 · 王医生"
    assert cell(tab, 0, "consent") == f"Yes, {TODAY.isoformat()} (shared)"
    assert cell(tab, 0, "status") == "Open"
    assert cell(tab, 0, "follow_up_on") == (TODAY + timedelta(days=14)).isoformat()
    assert "Information shared with the client's consent" in tab.details.text()


def test_keeping_the_status_changes_nothing(qtbot, services: Services, client_id: int, make_tab) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab(client_id)
    problems = when_modal(lambda box: click_button(box, "Keep “Active”"))
    tab.offer_referred_status()
    assert problems == []
    assert services.clients.get(client_id).status == "active"


def test_a_due_follow_up_stands_out_until_the_outcome_closes_it(
        qtbot, services: Services, client_id: int, make_tab) -> None:  # type: ignore[no-untyped-def]
    due = referral(services, client_id)
    referral(services, client_id, referred_on=TODAY - timedelta(days=2), follow_up_on=TODAY + timedelta(days=5),
             recipient="李老师", institution="市心理援助中心", department="")
    tab = make_tab(client_id)
    rows = {cell(tab, r, "recipient"): r for r in range(tab.model.rowCount())}
    due_row, later_row = rows["北京大学第六医院 · 精神科 · 王医生"], rows["市心理援助中心 · 李老师"]
    assert cell(tab, due_row, "status") == "Follow-up due"
    assert cell(tab, due_row, "status", Qt.ItemDataRole.BackgroundRole).color() == DUE_BACKGROUND  # type: ignore[union-attr]
    assert cell(tab, later_row, "status") == "Open"
    assert cell(tab, later_row, "status", Qt.ItemDataRole.BackgroundRole) is None

    tab.table.selectRow(due_row)
    assert f"Follow-up due since {(TODAY - timedelta(days=1)).isoformat()}" in tab.details.text()

    def still_waiting(dialog: QWidget) -> None:
        assert isinstance(dialog, OutcomeDialog)
        assert not dialog.next_row.isVisible()
        dialog.outcome.setCurrentIndex(dialog.outcome.findData("waiting"))
        assert dialog.next_row.isVisible() and dialog.waiting_note.isVisible()
        commit_text(dialog.text, "医院排队中")
        dialog.next_follow_up.setDate(dialog.next_follow_up.date().addDays(-20))  # before today: refused
        dialog.save_button.click()
        assert dialog.errors["next_follow_up"].text() == "The next follow-up must come after the date of this one."
        dialog.next_follow_up.setDate(dialog.recorded_on.date().addDays(7))
        dialog.save_button.click()

    problems = when_modal(still_waiting)
    tab.outcome_button.click()
    assert problems == []
    row = tab.model.row_of(due)
    assert cell(tab, row, "status") == "Still waiting"
    assert cell(tab, row, "follow_up_on") == (TODAY + timedelta(days=7)).isoformat()
    assert tab.notice.text() == "Follow-up recorded."

    def attended(dialog: QWidget) -> None:
        assert isinstance(dialog, OutcomeDialog)
        dialog.outcome.setCurrentIndex(dialog.outcome.findData("attended"))
        assert dialog.closing_note.isVisible()
        commit_text(dialog.text, "已在六院就诊")
        dialog.save_button.click()

    tab.table.selectRow(row)
    problems = when_modal(attended)
    tab.outcome_button.click()
    assert problems == []
    row = tab.model.row_of(due)
    assert cell(tab, row, "status") == "Attended the referral"
    assert cell(tab, row, "status", Qt.ItemDataRole.BackgroundRole) is None
    assert tab.notice.text() == "Outcome recorded; the referral is closed."
    assert due not in [r.id for r in services.referrals.awaiting_follow_up(TODAY + timedelta(days=30))]
    assert "已在六院就诊" in tab.details.text() and "医院排队中" in tab.details.text()


def test_the_letter_opens_the_locked_export_preset_for_the_referral(
        qtbot, services: Services, client_id: int, make_tab) -> None:  # type: ignore[no-untyped-def]
    referral(services, client_id)
    tab = make_tab(client_id)
    seen: dict[str, object] = {}

    def look(dialog: QWidget) -> None:
        assert isinstance(dialog, ExportDialog)
        seen.update(kind=dialog.kind_combo.currentData(), recipient=dialog.recipient_edit.text(),
                    purpose=dialog.purpose_edit.text(), letter=dialog.letter_edit.toPlainText(),
                    notice=dialog.preset_notice.text(), notes=dialog.include_notes.isChecked(),
                    auth_recipient=dialog.auth_recipient.text())
        dialog.lang_combo.setCurrentIndex(dialog.lang_combo.findData("zh_CN"))  # the untouched draft follows
        seen["letter_zh"] = dialog.letter_edit.toPlainText()
        click_button(dialog, "Cancel")

    problems = when_modal(look)
    tab.letter_button.click()
    assert problems == []
    assert seen["kind"] == "referral_letter"
    assert seen["recipient"] == seen["auth_recipient"] == "北京大学第六医院 · 精神科 · 王医生"
    assert seen["purpose"] == "Referral"
    letter = str(seen["letter"])
    assert letter.startswith("Dear 王医生,\n")
    assert "Reason for referral: Needs psychiatric or medical assessment." in letter and "惊恐发作频繁" in letter
    assert "Brief summary: [to complete" in letter and "林晓雯" in letter
    assert str(seen["letter_zh"]).startswith("尊敬的王医生：")
    assert "written release authorization" in str(seen["notice"])
    assert seen["notes"] is False  # a letter is not a copy of the notes
    assert services.exports.register() == []  # cancelled: nothing left the room
    assert services.referrals.for_client(client_id)[0].letters == ()


def _when_shown(kind: type[QWidget], callback, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    """Run `callback` on the next visible top-level widget of `kind` (the password dialog opens over the
    export dialog)."""
    from PySide6.QtCore import QTimer

    deadline = time.monotonic() + timeout

    def poll() -> None:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
        if found:
            callback(found[0])
        elif time.monotonic() < deadline:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)


def test_an_exported_letter_is_noted_on_the_referral(
        qtbot, tmp_path: Path, services: Services, client_id: int, make_tab) -> None:  # type: ignore[no-untyped-def]
    referral_id = referral(services, client_id)
    tab = make_tab(client_id)
    target = tmp_path / "letter.pdf"

    def export(dialog: QWidget) -> None:
        assert isinstance(dialog, ExportDialog)
        dialog.choose_path = lambda _parent, _suggested: target  # type: ignore[method-assign, assignment, return-value]
        dialog.use_exception.setChecked(True)
        dialog.exception_combo.setCurrentIndex(dialog.exception_combo.findData("danger_self"))
        dialog.justification_edit.setPlainText("来访者有自伤计划，需立即转介医院评估")
        for step in ("contents", "recipient", "passphrase"):
            dialog.next_button.click()
            assert dialog.step == step
        qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
        _when_shown(PasswordDialog, lambda box: box.close_button.click())
        dialog.export_button.click()
        qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=20000)

    problems = when_modal(export, timeout=10)
    tab.letter_button.click()
    assert problems == []
    [entry] = services.exports.register()
    assert entry.kind == "referral_letter" and entry.recipient == "北京大学第六医院 · 精神科 · 王医生"
    assert entry.contents["notes"] == 0 and entry.contents["letter"] is True
    assert target.exists()
    assert services.referrals.get(referral_id).letters == (entry.number,)
    assert tab.notice.text() == f"Referral letter exported as {entry.number} and noted on the referral."
    assert f"Referral letter exported as {entry.number}" in tab.details.text()


def test_the_tab_follows_changes_and_forgets_on_shutdown(
        qtbot, services: Services, client_id: int, make_tab) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab(client_id)
    referral(services, client_id)  # made elsewhere (the dashboard, another window)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=3000)
    tab.shutdown()
    assert tab.model.rowCount() == 0 and tab.details.text() == ""
    referral(services, client_id)
    qtbot.wait(50)
    assert tab.model.rowCount() == 0


def test_the_tab_in_chinese(qtbot, services: Services, client_id: int, make_tab) -> None:  # type: ignore[no-untyped-def]
    from counselroom import i18n

    referral(services, client_id)
    i18n.set_language("zh_CN")
    tab = make_tab(client_id)
    assert tab.new_button.text() == "新建转介(&N)…"
    assert cell(tab, 0, "status") == "需要随访"
    assert cell(tab, 0, "reason") == "需要精神科或医学评估"
