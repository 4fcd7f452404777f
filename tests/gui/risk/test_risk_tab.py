"""The risk and safety tab, driven as a counselor would: a high assessment offers the flag (never raises it
silently), the flag's review and clearing with the overdue warning, the safety plan written with the client
and printed from memory (no file written), and an emergency measure that is refused without its
confidentiality exception."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtPrintSupport import QPrintPreviewWidget
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from counselroom.gui.common import pdf_printing
from counselroom.gui.risk import risk_tab, risk_widgets
from counselroom.gui.risk.emergency_measure_dialog import EmergencyMeasureDialog, MeasureView
from counselroom.gui.risk.risk_assessment_dialog import AssessmentView, RiskAssessmentDialog
from counselroom.gui.risk.risk_flag_dialog import RaiseFlagDialog, ReviewFlagDialog
from counselroom.gui.risk.risk_tab import RiskTab
from counselroom.gui.risk.safety_plan_editor import CrisisContactsDialog, SafetyPlanEditor
from counselroom.records.clients import Client
from counselroom.records.profile import Profile
from counselroom.records.services import Services

from ..conftest import commit_text
from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture

TODAY = date.today()
Handler = Callable[[Any], int]


@pytest.fixture
def client_id(services: Services) -> int:
    services.profile.save(Profile(name="林晓雯", room="心理咨询室 204"))
    return services.clients.create(Client(code="RT-1", name="张小明", guardian_name="张伟",
                                          guardian_phone="13800000001")).id or 0


@pytest.fixture
def make_tab(qtbot, services: Services):  # type: ignore[no-untyped-def]
    def make(client_id: int) -> RiskTab:
        tab = RiskTab(services, client_id)
        qtbot.addWidget(tab)
        tab.resize(1000, 900)
        with qtbot.waitExposed(tab):
            tab.show()
        return tab

    return make


def answer(monkeypatch: pytest.MonkeyPatch, *handlers: Handler) -> list[str]:
    """Answer the tab's dialogs in turn with `handlers`; returns the names of the dialogs shown."""
    queue = list(handlers)
    seen: list[str] = []

    def fake(dialog: QWidget) -> int:
        seen.append(type(dialog).__name__)
        assert queue, f"unexpected dialog {type(dialog).__name__}"
        return queue.pop(0)(dialog)

    monkeypatch.setattr(risk_tab, "launch", fake)
    monkeypatch.setattr(risk_widgets, "launch", fake)
    return seen


def click_box(text: str) -> Handler:
    def handle(box: QMessageBox) -> int:
        [button] = [b for b in box.buttons() if b.text() == text]
        button.click()
        return 0

    return handle


def high_assessment(dialog: RiskAssessmentDialog) -> int:
    assert dialog.level("overall") == ""  # nothing chosen for the counselor
    dialog.set_level("self_harm", "high")
    dialog.set_level("harm_others", "none")
    dialog.set_level("being_harmed", "low")
    assert dialog.level("overall") == "high"  # follows the highest area
    dialog.risk_checks["ideation"].click()
    dialog.protective_checks["family"].click()
    commit_text(dialog.plan, "制定安全计划，每周两次咨询")
    dialog.save_button.click()
    return dialog.result()


def save(dialog: Any) -> int:
    dialog.save_button.click()
    return int(dialog.result())


def test_a_high_assessment_offers_the_flag_and_raises_it_only_when_asked(monkeypatch, services, client_id,
                                                                         make_tab) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab(client_id)
    assert tab.no_assessments.isVisible() and tab.no_flag_label.isVisible()
    seen = answer(monkeypatch, high_assessment, click_box("Not now"))
    tab.new_assessment()
    assert seen == ["RiskAssessmentDialog", "QMessageBox"]
    assert services.risk.flagged(client_id) is None and not services.clients.get(client_id).risk_flag
    assert tab.assessment_model.rowCount() == 1 and tab.assessments.isVisible()

    prompts: list[str] = []

    def with_context(dialog: RiskAssessmentDialog) -> int:
        prompts.append(dialog.windowTitle())
        assert dialog.context == "PHQ-9 item 9 answered 2"
        return high_assessment(dialog)

    def raise_it(dialog: RaiseFlagDialog) -> int:
        assert dialog.reason.toPlainText().startswith("Risk assessment of")
        assert dialog.review_on.date().toPython() == TODAY + timedelta(days=14)
        return save(dialog)

    seen = answer(monkeypatch, with_context, click_box("Raise flag…"), raise_it)
    tab.new_assessment(context="PHQ-9 item 9 answered 2")
    assert seen == ["RiskAssessmentDialog", "QMessageBox", "RaiseFlagDialog"]
    assert "张小明" in prompts[0]
    flag = services.risk.flagged(client_id)
    assert flag is not None and flag.review_on == TODAY + timedelta(days=14)
    assert services.clients.get(client_id).risk_flag
    assert tab.flag_frame.isVisible() and "Flagged for close attention since" in tab.flag_title.text()
    assert "Next review by " + (TODAY + timedelta(days=14)).isoformat() in tab.flag_details.text()
    assert not tab.raise_button.isEnabled() and tab.review_button.isEnabled()
    assert tab.plan_warning.isVisible() and "no safety plan" in tab.plan_warning.text()
    [latest, _first] = services.risk.assessments(client_id)
    assert latest.context == "PHQ-9 item 9 answered 2" and latest.plan == "制定安全计划，每周两次咨询"

    def look(view: AssessmentView) -> int:
        assert view.values["overall"].text() == "High" and "PHQ-9" in view.values["context"].text()
        return 0

    seen = answer(monkeypatch, look)
    tab.open_assessment(0)
    assert seen == ["AssessmentView"]


def test_an_assessment_without_levels_is_refused_with_a_reason(monkeypatch, services, client_id,
                                                               make_tab) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab(client_id)
    messages: list[str] = []

    def empty(dialog: RiskAssessmentDialog) -> int:
        dialog.save_button.click()
        messages.append(dialog.errors.lines["levels"].text())
        return dialog.result()

    answer(monkeypatch, empty)
    tab.new_assessment()
    assert "Choose a level for each area" in messages[0]
    assert services.risk.assessments(client_id) == []


def test_review_keeps_the_flag_clears_the_overdue_warning_and_clearing_keeps_the_history(
        monkeypatch, services, client_id, make_tab) -> None:  # type: ignore[no-untyped-def]
    services.risk.raise_flag(client_id, "PHQ-9 item 9", TODAY - timedelta(days=2), today=TODAY - timedelta(days=16))
    tab = make_tab(client_id)
    assert tab.overdue_label.isVisible()
    due = (TODAY - timedelta(days=2)).isoformat()
    assert tab.overdue_label.text() == f"The review is overdue: it was due on {due}."

    def keep(dialog: ReviewFlagDialog) -> int:
        assert dialog.keep.isChecked()
        dialog.save_button.click()  # no finding written
        assert "Write what the review found." in dialog.errors.lines["note"].text()
        commit_text(dialog.note, "情绪较前平稳")
        return save(dialog)

    answer(monkeypatch, keep)
    tab.review_flag()
    assert not tab.overdue_label.isVisible() and "情绪较前平稳" in tab.flag_details.text()
    assert tab.flag_notice.text() == "Review recorded."

    def clear(dialog: ReviewFlagDialog) -> int:
        dialog.clear.click()
        assert not dialog.next_review.isEnabled()
        commit_text(dialog.note, "连续四周低风险")
        return save(dialog)

    answer(monkeypatch, clear)
    tab.review_flag()
    assert services.risk.flagged(client_id) is None and not services.clients.get(client_id).risk_flag
    assert tab.no_flag_label.isVisible() and not tab.flag_frame.isVisible() and tab.raise_button.isEnabled()
    assert tab.history_model.rowCount() == 3 and tab.history.isVisible()
    assert [tab.history_model.index(r, 1).data() for r in range(3)] == ["Cleared", "Reviewed", "Raised"]


@pytest.fixture
def watched_writes() -> Iterator[list[str]]:
    """Every file Python opens for writing while the fixture is active, plus new files in the temporary
    folders (as in the consent form's printing test)."""
    writes: list[str] = []
    active = [True]

    def hook(event: str, args: tuple[object, ...]) -> None:
        if active[0] and event == "open" and len(args) >= 2:
            mode, flags = args[1], args[2] if len(args) > 2 else 0
            if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                    isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)):
                writes.append(str(args[0]))

    folders = {Path(tempfile.gettempdir()), Path("/tmp"), Path("/var/tmp")}
    before = {f: set(f.iterdir()) for f in folders if f.is_dir()}
    sys.addaudithook(hook)
    yield writes
    active[0] = False
    for folder, entries in before.items():
        new = set(folder.iterdir()) - entries
        writes += [str(p) for p in new if "pytest" not in p.name]


def test_the_safety_plan_is_written_with_the_client_and_printed_from_memory(
        monkeypatch, services, client_id, make_tab, watched_writes) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab(client_id)
    assert not tab.print_button.isEnabled() and tab.plan_summary.text() == "No safety plan yet."

    def room(dialog: CrisisContactsDialog) -> int:
        name, phone, _remove = dialog.rows.rows[0]
        assert name.text() == "School counseling centre (duty phone)" and phone.text() == ""
        assert phone.placeholderText().startswith("Phone, e.g.")
        phone.setText("010-1234 5678")
        return save(dialog)

    answer(monkeypatch, room)
    tab.edit_crisis_contacts()

    def write(editor: SafetyPlanEditor) -> int:
        names = [(n.text(), p.text()) for n, p, _r in editor.professionals.rows]
        assert names[0] == ("School counseling centre (duty phone)", "010-1234 5678")  # the room's contacts
        editor.save_button.click()
        assert "The safety plan is empty" in editor.errors.general.text()
        commit_text(editor.warning_signs, "整夜睡不着")
        commit_text(editor.coping_steps, "去操场走两圈")
        name, phone, _r = editor.help_people.rows[0]
        commit_text(name, "妈妈")
        phone.setText("13800000002")
        return save(editor)

    answer(monkeypatch, write)
    tab.edit_safety_plan()
    plan = services.risk.safety_plan(client_id)
    assert plan is not None and plan.version == 1 and plan.content.warning_signs == ("整夜睡不着",)
    assert plan.content.agreed_on == TODAY and plan.counselor == "林晓雯"
    assert "Version 1, saved on" in tab.plan_summary.text() and tab.print_button.isEnabled()
    assert tab.edit_plan_button.text().replace("&", "") == "Edit safety plan…"

    tab.print_language.setCurrentIndex(tab.print_language.findData("zh_CN"))
    pdf = services.risk.safety_plan_pdf(client_id, "zh_CN")
    pages = len(pdf_printing.render_pages(pdf, dpi=20))
    shown: list[int] = []

    def preview(dialog: QDialog) -> int:
        widget = dialog.findChild(QPrintPreviewWidget)
        widget.updatePreview()
        shown.append(widget.pageCount())
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(pdf_printing, "launch", preview)
    assert tab.print_safety_plan() is True
    assert shown == [pages]
    assert watched_writes == []
    [entry] = services.audit.entries(["risk.safety_plan_printed"])
    assert entry.detail == {"client": client_id, "lang": "zh_CN"}


def test_an_emergency_measure_needs_its_exception_and_takes_follow_ups(monkeypatch, services, client_id,
                                                                       make_tab) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab(client_id)
    assert tab.no_measures.isVisible()

    def record(dialog: EmergencyMeasureDialog) -> int:
        check, name, at = dialog.parties["guardian"]
        assert name.text() == "张伟" and not name.isEnabled()  # the guardian from the client's file
        commit_text(dialog.situation, "课堂上表达自杀想法")
        commit_text(dialog.actions_edit, "陪同到校医院急诊")
        dialog.notify("guardian", "张伟（父亲）")
        dialog.save_button.click()
        assert dialog.errors.lines["exception"].text() == "Choose the confidentiality exception that applied."
        assert dialog.errors.lines["exception_reason"].text() == "Write why the exception applied."
        assert dialog.result() == 0
        dialog.exception.setCurrentIndex(dialog.exception.findData("danger_self"))
        commit_text(dialog.reason, "有明确计划和手段")
        return save(dialog)

    answer(monkeypatch, record)
    tab.record_measure()
    [saved] = services.risk.measures(client_id)
    assert saved.exception == "danger_self" and [n.who for n in saved.notified] == ["张伟（父亲）"]
    assert tab.measure_model.rowCount() == 1 and tab.measures.isVisible()
    assert tab.measure_model.index(0, 2).data() == "Guardian or family"
    assert tab.measure_model.index(0, 3).data() == "Danger to the client's own life or safety"

    def follow(view: MeasureView) -> int:
        assert view.values["exception"].text() == "Danger to the client's own life or safety"
        commit_text(view.new_followup, "次日复诊")
        view.add_button.click()
        assert "次日复诊" in view.followups.text()
        return 0

    answer(monkeypatch, follow)
    tab.open_measure(0)
    assert [f.text for f in services.risk.measures(client_id)[0].followups] == ["次日复诊"]


def test_the_tab_follows_changes_made_elsewhere_and_forgets_everything_at_shutdown(services, client_id,
                                                                                   make_tab, qtbot) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab(client_id)
    services.risk.raise_flag(client_id, "Raised from the tests tab", TODAY + timedelta(days=3))
    qtbot.waitUntil(lambda: tab.flag_frame.isVisible(), timeout=2000)
    assert "Raised from the tests tab" in tab.flag_details.text()
    tab.shutdown()
    assert tab.flag_details.text() == "" and tab.history_model.rowCount() == 0
    services.risk.clear_flag(client_id, "done")
    qtbot.wait(50)
    assert tab.history_model.rowCount() == 0  # no longer listening


def test_the_client_page_badge_follows_the_flag(monkeypatch, qtbot, services, client_id) -> None:  # type: ignore[no-untyped-def]
    from counselroom.gui.clients.client_page import ClientPage

    page = ClientPage(services, client_id)
    qtbot.addWidget(page)
    with qtbot.waitExposed(page):
        page.show()
    assert not page.risk_badge.isVisible()
    page.show_tab("risk")

    def raise_it(dialog: RaiseFlagDialog) -> int:
        commit_text(dialog.reason, "PHQ-9 第9题得2分")
        return save(dialog)

    answer(monkeypatch, raise_it)
    page.risk_tab.raise_flag()
    qtbot.waitUntil(page.risk_badge.isVisible, timeout=2000)
    assert page.values["risk_flag"].text() == "Yes — flagged for close attention"
    services.risk.clear_flag(client_id, "done")
    qtbot.waitUntil(lambda: not page.risk_badge.isVisible(), timeout=2000)
    page.shutdown()


def test_locking_while_a_risk_dialog_is_open_leaves_nothing_to_read_the_closed_vault(qtbot, make_window,  # type: ignore[no-untyped-def]
                                                                                     new_vault) -> None:
    from ..helpers import when_modal
    from ..shell.test_locking import PASS, unlock

    vault, _key = new_vault
    with vault.unlock(PASS) as session:
        cid = Services.open(session).clients.create(Client(code="LK-R1", name="Lock Test")).id or 0
    window = make_window(vault.path)
    unlock(qtbot, window)
    for name in ("new_assessment", "edit_safety_plan", "record_measure", "raise_flag"):
        page = window.shell.open_client(cid)
        page.show_tab("risk")
        problems = when_modal(lambda _dialog: window.lock())
        getattr(page.risk_tab, name)()  # returns once the lock closed the dialog, without reading the closed vault
        assert problems == [] and not window.is_unlocked, name
        unlock(qtbot, window)
