"""The Tests tab and the administration dialog: the explanation comes first, a critical answer raises the
risk prompt at once (counselor entry) or as soon as the counselor has the screen back (client screen), "Assess
risk now" opens the Risk tab, results carry "not a diagnosis", missing explanation or feedback is flagged,
feedback recorded later from the tab, the trend chart, and locking while a test is open."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from conftest import PASSPHRASE
from counselroom import i18n
from counselroom.gui.clients.client_page import ClientPage
from counselroom.gui.psychtests import administration_dialog as dialog_module
from counselroom.gui.psychtests import tests_tab as tab_module
from counselroom.gui.psychtests.administration_dialog import TestAdministrationDialog
from counselroom.gui.psychtests.tests_tab import TestsTab
from counselroom.records.clients import Client
from counselroom.records.services import Services

from ..conftest import commit_text
from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..helpers import click_button, when_modal

EXPLANATION = "这份问卷了解最近两周的情绪，只是筛查结果，并非诊断。"


@pytest.fixture
def client_id(services: Services) -> int:
    client_id = services.clients.create(Client(code="A-001", name="张小明", status="active")).id or 0
    services.consent.record_signed(client_id, date(2015, 1, 1))  # tests only after a signed consent
    return client_id


@pytest.fixture
def make_dialog(qtbot, services: Services, client_id: int):  # type: ignore[no-untyped-def]
    def make(administration_id: int | None = None, parent: QWidget | None = None) -> TestAdministrationDialog:
        dialog = TestAdministrationDialog(services, client_id, administration_id, parent)
        if parent is None:
            qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return make


@pytest.fixture
def make_tab(qtbot, services: Services, client_id: int):  # type: ignore[no-untyped-def]
    def make() -> TestsTab:
        tab = TestsTab(services, client_id)
        qtbot.addWidget(tab)
        tab.resize(1100, 720)
        with qtbot.waitExposed(tab):
            tab.show()
        return tab

    return make


def choose(dialog: TestAdministrationDialog, item: int, label: str) -> None:
    button = next(b for b in dialog.rows[item].buttons.values() if b.text() == label)
    button.click()


def answer_phq9(dialog: TestAdministrationDialog, labels: list[str]) -> None:
    for number, label in enumerate(labels, start=1):
        choose(dialog, number, label)


def prompt_text(box: QWidget) -> str:
    assert isinstance(box, QMessageBox)
    return box.text() + "\n" + box.informativeText()


def test_the_explanation_comes_first_and_is_prefilled_from_the_purpose(services, client_id, make_dialog) -> None:  # type: ignore[no-untyped-def]
    dialog = make_dialog()
    assert dialog.page == "explain"
    assert dialog.instrument_combo.currentData() == "phq9"
    assert dialog.explanation_edit.toPlainText().startswith("This is a short questionnaire of 9 questions (PHQ-9)")
    dialog.instrument_combo.setCurrentIndex(dialog.instrument_combo.findData("gad7"))
    assert "(GAD-7)" in dialog.explanation_edit.toPlainText()  # an untouched prefill follows the choice
    dialog.explanation_edit.clear()
    dialog.start_button.click()
    assert dialog.page == "explain"
    assert dialog.explain_message.text() == "Write what you explained to the client before the test."
    assert services.psychtests.for_client(client_id) == []
    commit_text(dialog.explanation_edit, EXPLANATION)
    dialog.start_button.click()
    assert dialog.page == "answer"
    a = services.psychtests.for_client(client_id)[0]
    assert a.instrument_id == "gad7" and a.explanation == EXPLANATION and a.explained_at is not None


def test_a_critical_answer_raises_the_risk_prompt_at_once_in_counselor_entry(services, client_id, make_dialog) -> None:  # type: ignore[no-untyped-def]
    dialog = make_dialog()
    dialog.start_button.click()
    assert dialog.page == "answer"
    choose(dialog, 1, "Several days")  # not critical: no prompt
    assert QApplication.activeModalWidget() is None
    seen: list[str] = []

    def answer(box: QWidget) -> None:
        seen.append(prompt_text(box))
        assert box.windowTitle() == "Critical answer: assess the risk"
        click_button(box, "Continue the test")

    problems = when_modal(answer)
    choose(dialog, 9, "More than half the days")
    assert not problems and len(seen) == 1
    assert "Item 9: “Thoughts that you would be better off dead or of hurting yourself in some way”" in seen[0]
    assert "Answer: “More than half the days” (2)" in seen[0]
    assert "assess suicide risk now" in seen[0]
    a = services.psychtests.for_client(client_id)[0]
    assert a.answers == {1: 1, 9: 2}  # saved the moment it was chosen
    assert dialog.isVisible() and dialog.page == "answer" and dialog.risk_requested is None


def test_assess_risk_now_opens_the_risk_tab_with_a_new_assessment(qtbot, services, client_id, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    page = ClientPage(services, client_id)
    qtbot.addWidget(page)
    page.show()
    started: list[str] = []
    monkeypatch.setattr(page.risk_tab, "new_assessment", lambda context="": started.append(context))

    def run(dialog: TestAdministrationDialog) -> int:
        dialog.show()
        dialog.start_button.click()
        problems = when_modal(lambda box: click_button(box, "Assess risk now"))
        choose(dialog, 9, "Several days")
        assert not problems
        assert not dialog.isVisible()  # closed: the risk comes first; the test can be continued later
        return dialog.result()

    monkeypatch.setattr(tab_module, "launch", run)
    page.show_tab("tests")
    page.tests_tab.new_test()
    assert page.tabs.currentWidget() is page.risk_tab
    assert started == ["PHQ-9 item 9 answered “Several days” (1)"]
    a = services.psychtests.for_client(client_id)[0]
    assert a.answers == {9: 1} and not a.is_completed
    page.shutdown()


def test_scoring_shows_the_band_and_not_a_diagnosis_then_feedback(services, client_id, make_dialog) -> None:  # type: ignore[no-untyped-def]
    dialog = make_dialog()
    dialog.start_button.click()
    assert not dialog.finish_button.isEnabled()
    answer_phq9(dialog, ["Several days"] * 5 + ["Not at all"] * 4)
    assert dialog.progress_label.text() == "Answered: 9 of 9" and dialog.finish_button.isEnabled()
    dialog.finish_button.click()
    assert dialog.page == "result"
    # 5 x 1 + 4 x 0 = 5: mild
    assert "Total score: 5 — Mild depressive symptoms" in dialog.result_label.text()
    assert "No screening rule met." in dialog.result_label.text()
    labels = [w.text() for w in dialog.result_page.findChildren(type(dialog.result_label)) if w.isVisible()]
    assert "A screening result, not a diagnosis." in labels
    dialog.feedback_button.click()
    assert dialog.feedback_message.text() == "Write what you told the client about the result."
    commit_text(dialog.feedback_edit, "解释了结果：轻度，约定下次再谈。")
    dialog.feedback_button.click()
    a = services.psychtests.for_client(client_id)[0]
    assert a.feedback == "解释了结果：轻度，约定下次再谈。" and a.missing == ()
    assert not dialog.feedback_button.isVisible() and dialog.feedback_edit.isReadOnly()


def test_the_tab_flags_missing_explanation_and_feedback_and_takes_feedback_later(services, client_id, make_tab) -> None:  # type: ignore[no-untyped-def]
    tests = services.psychtests
    unexplained = tests.start(client_id, "gad7")
    at = datetime(2025, 10, 6, 9, 0, tzinfo=UTC)
    done = tests.record_completed(client_id, "phq9", dict.fromkeys(range(1, 10), 2), EXPLANATION, started_at=at)
    tab = make_tab()
    rows = {tab.model.row_at(r).id: tab.model.row_at(r) for r in range(tab.model.rowCount())}  # type: ignore[union-attr]
    assert rows[unexplained.id].todo == "No pre-test explanation"
    # 9 x 2 = 18: moderately severe; item 9 = 2 is critical
    assert (rows[done.id].total, rows[done.id].band) == ("18", "Moderately severe depressive symptoms")
    # issue 12.1: the critical answer waits for an assessment or a decision, on the row and in the banner
    assert rows[done.id].todo == "Critical item answered — no risk assessment yet; No feedback after the test"
    assert tab.critical_banner.isVisibleTo(tab) and "PHQ-9 item 9" in tab.critical_banner.text.text()
    tab.table.selectRow(tab.model.row_of(done.id))
    assert tab.selected is not None and tab.selected.id == done.id
    assert tab.feedback_box.isVisible() and tab.diagnosis_label.text() == "A screening result, not a diagnosis."
    assert "Total score: 18 — Moderately severe depressive symptoms" in tab.result_label.text()
    commit_text(tab.feedback_edit, "当面解释了结果，并做了风险评估。")
    tab.feedback_button.click()
    assert tab.tab_message.text() == "Feedback recorded."
    row = tab.model.row_at(tab.model.row_of(done.id))
    assert row is not None and row.todo == "Critical item answered — no risk assessment yet"  # feedback is not it
    services.critical.decide_no_assessment(done.id, "当面核实：无自伤想法和计划，来访者同意下次再评估。", "林晓雯")
    tab.refresh()
    row = tab.model.row_at(tab.model.row_of(done.id))
    assert row is not None and row.todo == "Critical item answered" and not tab.critical_banner.isVisibleTo(tab)
    assert not tab.feedback_box.isVisible() and "当面解释了结果" in tab.feedback_label.text()
    assert [a.id for a in tests.missing_explanation_or_feedback()] == [unexplained.id]


def test_a_completed_test_opens_read_only_on_its_result(services, client_id, make_dialog) -> None:  # type: ignore[no-untyped-def]
    at = datetime(2025, 10, 6, 9, 0, tzinfo=UTC)
    done = services.psychtests.record_completed(client_id, "gad7", dict.fromkeys(range(1, 8), 1), EXPLANATION,
                                                started_at=at, feedback="已反馈。")
    dialog = make_dialog(done.id)
    assert dialog.page == "result" and not dialog.instrument_combo.isEnabled()
    assert "Total score: 7 — Mild anxiety" in dialog.result_label.text()  # 7 x 1 = 7
    assert dialog.feedback_edit.isReadOnly() and dialog.feedback_edit.toPlainText() == "已反馈。"
    assert not dialog.feedback_button.isVisible()


def test_an_unfinished_test_continues_where_it_stopped(services, client_id, make_tab, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    a = services.psychtests.start(client_id, "phq9", EXPLANATION)
    services.psychtests.set_answer(a.id, 1, 3)
    tab = make_tab()
    shown: list[tuple[str, bool]] = []

    def run(dialog: TestAdministrationDialog) -> int:
        shown.append((dialog.page, dialog.rows[1].buttons[3].isChecked()))
        return 0

    monkeypatch.setattr(tab_module, "launch", run)
    assert tab.continue_button.isEnabled() and not tab.discard_button.isEnabled()
    tab.continue_button.click()
    assert shown == [("answer", True)]


def test_the_trend_chart_shows_each_completed_total(services, client_id, make_tab) -> None:  # type: ignore[no-untyped-def]
    start = datetime(2025, 9, 8, 9, 0, tzinfo=UTC)
    for k, total_each in enumerate((2, 1, 0)):
        at = start + timedelta(weeks=4 * k)
        services.psychtests.record_completed(client_id, "phq9", dict.fromkeys(range(1, 9), total_each) | {9: 0},
                                             EXPLANATION, started_at=at, feedback="ok")
    services.psychtests.record_completed(client_id, "gad7", dict.fromkeys(range(1, 8), 1), EXPLANATION,
                                         started_at=start, feedback="ok")
    tab = make_tab()
    tab.trend_combo.setCurrentIndex(tab.trend_combo.findData("phq9"))
    # 8 x 2 = 16, 8 x 1 = 8, 0
    assert [(p.day.isoformat(), p.value) for p in tab.chart.points] == [
        ("2025-09-08", 16), ("2025-10-06", 8), ("2025-11-03", 0)]
    assert [b.label for b in tab.chart.bands][0] == "Minimal depressive symptoms"
    assert tab.chart.high == 27
    tab.trend_combo.setCurrentIndex(tab.trend_combo.findData("gad7"))
    assert [p.value for p in tab.chart.points] == [7]


def test_locking_while_a_test_is_open_touches_nothing_afterwards(services, client_id, make_tab, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab()

    def run(dialog: TestAdministrationDialog) -> int:
        dialog.show()
        dialog.start_button.click()
        tab.shutdown()  # what the window does when it locks: the dialog is rejected
        assert not dialog.isVisible()
        services.session.close()
        return 0

    monkeypatch.setattr(tab_module, "launch", run)
    tab.new_test()  # must not read the closed vault afterwards
    assert tab.model.rowCount() == 0


def test_the_dialog_in_chinese(services, client_id, make_dialog) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("zh_CN")
    dialog = make_dialog()
    assert dialog.explanation_edit.toPlainText().startswith("这是一份包含 9 个问题的问卷（PHQ-9）")
    dialog.start_button.click()
    assert dialog.rows[9].label.text() == "9. 有不如死掉或用某种方式伤害自己的念头"
    assert [b.text() for b in dialog.rows[1].buttons.values()] == ["完全不会", "好几天", "一半以上的天数", "几乎每天"]
    problems = when_modal(lambda box: click_button(box, "继续测验"))
    choose(dialog, 9, "好几天")
    assert not problems


# -- the client screen ---------------------------------------------------------------------------------------------


def test_on_the_client_screen_a_critical_answer_waits_for_the_counselor(  # type: ignore[no-untyped-def]
        qtbot, services, client_id, make_dialog) -> None:
    pytest.importorskip("counselroom.gui.psychtests.client_screen")
    dialog = make_dialog()
    dialog.start_button.click()
    dialog.hand_button.click()
    screen = dialog.client_screen
    assert screen is not None and QApplication.activeModalWidget() is screen
    assert services.psychtests.for_client(client_id)[0].mode == "client"
    for key in (2, 2, 1, 1, 1, 1, 1, 1, 3):  # item 9: "More than half the days" (2)
        screen.choose_key(key)
        screen.next()
    a = services.psychtests.for_client(client_id)[0]
    assert a.answers[9] == 2  # saved at once
    # nothing about risk is shown to the client: the screen is still the only modal window
    assert QApplication.activeModalWidget() is screen
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]

    seen: list[str] = []

    def answer(box: QWidget) -> None:
        seen.append(prompt_text(box))
        click_button(box, "Continue the test")

    problems = when_modal(answer, exclude=screen, timeout=60)
    screen.show_counselor()
    commit_text(screen.passphrase, PASSPHRASE)
    with qtbot.waitSignal(screen.returned, timeout=10_000):
        screen.try_return()
    qtbot.waitUntil(lambda: bool(seen) or bool(problems), timeout=5_000)
    assert not problems
    assert "Item 9: “Thoughts that you would be better off dead or of hurting yourself in some way”" in seen[0]
    assert "Answer: “More than half the days” (2)" in seen[0]
    assert dialog.rows[9].buttons[2].isChecked() and dialog.finish_button.isEnabled()
    kinds = [e.kind for e in services.audit.entries(limit=3)]
    assert kinds[0] == "test.screen_returned"


class FakeScreen:
    """Stands in for the client screen: records what it was given; the test plays the client."""

    instances: list[FakeScreen] = []

    def __init__(self, title, instructions, items, answers, save_answer, check_passphrase, parent) -> None:  # type: ignore[no-untyped-def]
        from PySide6.QtCore import QObject, Signal

        class Signals(QObject):
            returned = Signal()
            finished = Signal(int)

        self.signals = Signals()
        self.returned = self.signals.returned
        self.finished = self.signals.finished
        self.title, self.items, self.answers, self.save_answer = title, items, answers, save_answer
        self.started = self.closed = False
        FakeScreen.instances.append(self)

    def start(self) -> None:
        self.started = True

    def force_close(self) -> None:
        self.closed = True
        self.finished.emit(0)


def test_the_client_screen_gets_the_questionnaire_only_and_the_prompt_follows_its_return(  # type: ignore[no-untyped-def]
        qtbot, services, client_id, make_dialog, monkeypatch) -> None:
    pytest.importorskip("counselroom.gui.psychtests.client_screen")
    FakeScreen.instances.clear()
    monkeypatch.setattr(dialog_module, "make_client_screen", FakeScreen)
    dialog = make_dialog()
    dialog.start_button.click()
    choose(dialog, 1, "Nearly every day")
    dialog.hand_button.click()
    [screen] = FakeScreen.instances
    assert screen.started and screen.title == "Patient Health Questionnaire (PHQ-9)"
    assert screen.answers == {1: 3}
    assert [i.number for i in screen.items] == list(range(1, 10))
    assert screen.items[8].options == [(0, "Not at all"), (1, "Several days"), (2, "More than half the days"),
                                       (3, "Nearly every day")]
    screen.save_answer(9, 3)
    screen.save_answer(9, 0)  # changed back: no longer critical
    screen.save_answer(9, 1)
    seen: list[str] = []
    problems = when_modal(lambda box: (seen.append(prompt_text(box)), click_button(box, "Continue the test")))
    screen.returned.emit()
    qtbot.waitUntil(lambda: bool(seen) or bool(problems), timeout=5_000)
    assert not problems and len(seen) == 1 and "Answer: “Several days” (1)" in seen[0]
    dialog.reject()
    assert not screen.closed  # the screen had already gone back


def test_closing_the_dialog_closes_a_client_screen_still_up(services, client_id, make_dialog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("counselroom.gui.psychtests.client_screen")
    FakeScreen.instances.clear()
    monkeypatch.setattr(dialog_module, "make_client_screen", FakeScreen)
    dialog = make_dialog()
    dialog.start_button.click()
    dialog.hand_button.click()
    dialog.reject()  # as locking does
    assert FakeScreen.instances[0].closed


def test_locking_with_the_client_screen_up_closes_it_and_leaves_no_answer_on_screen(  # type: ignore[no-untyped-def]
        qtbot, make_window, new_vault, flush) -> None:
    pytest.importorskip("counselroom.gui.psychtests.client_screen")
    from counselroom.vault.vault import Vault

    from ..shell.test_locking import leaks, unlock

    vault: Vault = new_vault[0]
    with vault.unlock(PASSPHRASE) as session:
        opened = Services.open(session)
        client_id = opened.clients.create(Client(code="LK-9", name="Quill Ashgrove")).id or 0
        opened.consent.record_signed(client_id, date(2015, 1, 1))
    window = make_window(vault.path)
    unlock(qtbot, window)
    page = window.shell.open_client(client_id)  # type: ignore[union-attr]
    assert page is not None
    page.show_tab("tests")
    item_9 = "Thoughts that you would be better off dead"
    seen: list[bool] = []

    def give_test(dialog: QWidget) -> None:
        assert isinstance(dialog, TestAdministrationDialog)
        dialog.start_button.click()
        dialog.hand_button.click()
        screen = dialog.client_screen
        for key in (1, 1, 1, 1, 1, 1, 1, 1, 2):
            screen.choose_key(key)
            screen.next()
        seen.append(bool(leaks({item_9})))
        window.lock()  # the idle lock or Ctrl+L while the client answers

    problems = when_modal(give_test)
    page.tests_tab.new_test()
    assert not problems and seen == [True]
    assert not window.is_unlocked
    flush()
    assert leaks({item_9, "Quill Ashgrove", "LK-9"}) == set()
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    with vault.unlock(PASSPHRASE) as session:
        [a] = Services.open(session).psychtests.for_client(client_id)
        assert a.answers[9] == 1 and not a.is_completed  # every answer was saved as it was given


def test_the_critical_banner_asks_for_an_assessment_or_a_reasoned_decision(  # type: ignore[no-untyped-def]
        services, client_id, make_tab, qtbot, monkeypatch) -> None:
    """Issue 12.1: after "Continue the test" the critical answer was forgotten. The Tests tab keeps a banner until
    a risk assessment is recorded for it or the counselor records why none is needed (name and time kept)."""
    from counselroom.gui.psychtests import critical_widgets

    at = datetime.now(UTC) - timedelta(minutes=30)
    done = services.psychtests.record_completed(client_id, "phq9", dict.fromkeys(range(1, 10), 1) | {9: 3},
                                                EXPLANATION, started_at=at)
    tab = make_tab()
    assert tab.critical_banner.isVisibleTo(tab)
    asked: list[str] = []
    tab.risk_assessment_requested.connect(asked.append)
    tab.critical_banner.assess_button.click()
    assert asked and asked[0].startswith("PHQ-9 item 9 answered")

    def decide(dialog) -> int:  # type: ignore[no-untyped-def]
        dialog.save()  # nothing written: refused
        assert "Write why no risk assessment is needed" in dialog.message.text()
        dialog.reason.setPlainText("来访者说明是指考试周的疲惫，当面核实无自伤想法。")
        dialog.name.setText("林晓雯")
        dialog.save()
        return 1

    monkeypatch.setattr(critical_widgets.NoAssessmentDialog, "exec", decide)
    tab.critical_banner.decide_button.click()
    assert not tab.critical_banner.isVisibleTo(tab)
    [follow_up] = services.critical.follow_ups(done.id)
    assert follow_up.decided_by == "林晓雯" and follow_up.reason.startswith("来访者") and follow_up.decided_at
