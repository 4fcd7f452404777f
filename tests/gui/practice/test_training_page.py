"""The training page as a counselor uses it: adding an entry (a wrong number of hours refused in the dialog)
shows the new total against the target; the year selector; the targets dialog; deleting asks first, with
Cancel as the default; the page follows changes and forgets on shutdown."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget

from counselroom.gui.practice.training_entry_dialog import TargetDialog, TrainingEntryDialog
from counselroom.gui.practice.training_page import TrainingPage
from counselroom.records.services import Services

from ..conftest import commit_text
from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..helpers import when_modal

TODAY = date.today()
YEAR = TODAY.year


@pytest.fixture
def make_page(qtbot, services: Services):  # type: ignore[no-untyped-def]
    def make() -> TrainingPage:
        page = TrainingPage(services)
        qtbot.addWidget(page)
        page.resize(1100, 700)
        with qtbot.waitExposed(page):
            page.show()
        return page

    return make


def test_adding_an_entry_shows_the_new_total(qtbot, services: Services, make_page) -> None:  # type: ignore[no-untyped-def]
    services.training.add(date(YEAR, 1, 1), "course", "认知行为疗法连续培训", 24)
    services.training.add(date(YEAR, 1, 1), "supervision_individual", "个案督导", "6")
    page = make_page()
    assert page.bar.text() == "30 of 40 hours"
    assert page.remaining_label.text() == "10 hours to go this year."

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, TrainingEntryDialog)
        dialog.kind.setCurrentIndex(dialog.kind.findData("conference"))
        commit_text(dialog.title, "全国高校心理健康教育学术年会")
        qtbot.keyClicks(dialog.hours, "30")
        dialog.save_button.click()
        assert dialog.isVisible()
        assert dialog.errors["hours"].text() == ("One entry can hold at most 24 hours: enter a course of several days "
                                                 "as one entry a day.")
        dialog.hours.clear()
        qtbot.keyClicks(dialog.hours, "1.5")
        dialog.save_button.click()

    problems = when_modal(fill)
    page.add_button.click()
    assert problems == []
    assert page.bar.text() == "31.5 of 40 hours"
    assert page.total_label.text() == f"31.5 hours in {YEAR}"
    assert page.remaining_label.text() == "8.5 hours to go this year."
    assert page.notice.text() == f"Entry added. {YEAR}: 31.5 of 40 hours."
    assert page.model.rowCount() == 3
    assert page.selected() is not None and page.selected().title == "全国高校心理健康教育学术年会"  # type: ignore[union-attr]
    assert page.kind_labels["conference"][1].text() == "1.5"
    assert page.kind_labels["conference"][1].isVisible() and not page.kind_labels["other"][1].isVisible()
    assert page.supervision_label.text() == "Supervision received: 6 hours"


def test_the_year_selector_shows_that_year(qtbot, services: Services, make_page) -> None:  # type: ignore[no-untyped-def]
    services.training.add(date(YEAR - 1, 12, 31), "course", "危机干预", 7)
    services.training.add(date(YEAR - 1, 3, 1), "course", "危机干预", 24)
    services.training.add(date(YEAR - 1, 3, 2), "course", "危机干预", 24)
    services.training.add(date(YEAR, 1, 1), "course", "家庭治疗", 2)
    page = make_page()
    assert [page.year_combo.itemText(i) for i in range(page.year_combo.count())] == [str(YEAR), str(YEAR - 1)]
    assert page.model.rowCount() == 1 and page.bar.text() == "2 of 40 hours"
    page.year_combo.setCurrentIndex(1)
    assert page.model.rowCount() == 3
    assert page.bar.text() == "55 of 40 hours"
    assert page.remaining_label.text() == "The target of 40 hours is reached."


def test_targets_are_set_in_their_dialog(qtbot, services: Services, make_page) -> None:  # type: ignore[no-untyped-def]
    services.training.add(date(YEAR, 1, 1), "supervision_group", "团体督导", 3)
    page = make_page()
    assert not page.supervision_bar.isVisible()

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, TargetDialog)
        assert dialog.target.text() == "40" and dialog.supervision_target.text() == ""
        dialog.target.clear()
        qtbot.keyClicks(dialog.target, "0")
        dialog.save_button.click()
        assert dialog.errors["target"].text() == "The hours must be more than zero."
        dialog.target.clear()
        qtbot.keyClicks(dialog.target, "60")
        qtbot.keyClicks(dialog.supervision_target, "12")
        dialog.save_button.click()

    problems = when_modal(fill)
    page.targets_button.click()
    assert problems == []
    assert services.training.target() == 60 and services.training.supervision_target() == 12
    assert page.bar.text() == "3 of 60 hours"
    assert page.supervision_bar.isVisible() and page.supervision_bar.text() == "3 of 12 hours"

    def no_target(dialog: QWidget) -> None:
        assert isinstance(dialog, TargetDialog)
        dialog.target.clear()
        dialog.save_button.click()

    problems = when_modal(no_target)
    page.targets_button.click()
    assert problems == []
    assert not page.bar.isVisible()
    assert page.total_label.text() == f"3 hours in {YEAR}"
    assert page.remaining_label.text() == "No yearly target is set. Choose “Targets…” to set one."


def test_deleting_asks_first_and_cancel_is_the_default(qtbot, services: Services, make_page) -> None:  # type: ignore[no-untyped-def]
    services.training.add(date(YEAR, 1, 1), "course", "家庭治疗", 2)
    page = make_page()
    page.table.selectRow(0)

    def press_enter(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        assert box.defaultButton().text() == "Cancel"
        assert "家庭治疗" in box.text()
        box.defaultButton().click()

    problems = when_modal(press_enter)
    page.delete_button.click()
    assert problems == [] and page.model.rowCount() == 1

    def delete(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        next(b for b in box.buttons() if b.text() == "Delete").click()

    problems = when_modal(delete)
    page.delete_button.click()
    assert problems == [] and page.model.rowCount() == 0
    assert page.total_label.text() == f"0 hours in {YEAR}"
    assert page.no_entries_label.isVisible()
    assert [e.kind for e in services.audit.entries(kinds=["training.entry_deleted"])] == ["training.entry_deleted"]


def test_the_page_follows_changes_and_forgets_on_shutdown(qtbot, services: Services, make_page) -> None:  # type: ignore[no-untyped-def]
    page = make_page()
    services.training.add(date(YEAR, 1, 1), "course", "家庭治疗", 2)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=3000)
    page.shutdown()
    assert page.model.rowCount() == 0 and page.total_label.text() == "" and page.summary is None
    services.training.add(date(YEAR, 1, 2), "course", "家庭治疗", 2)
    qtbot.wait(50)
    assert page.model.rowCount() == 0


def test_the_page_in_chinese(qtbot, services: Services, make_page) -> None:  # type: ignore[no-untyped-def]
    from counselroom import i18n

    services.training.add(date(YEAR, 1, 1), "course", "家庭治疗", 31.5 - 24)
    services.training.add(date(YEAR, 1, 2), "course", "家庭治疗", 24)
    i18n.set_language("zh_CN")
    page = make_page()
    assert page.bar.text() == "31.5 / 40 学时"
    assert page.remaining_label.text() == "今年还差 8.5 学时。"
