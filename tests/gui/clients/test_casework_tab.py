"""The casework tab: the dependency alert and its review, closing a case (asked first, Cancel by default),
reopening, the closure history; and the dependency thresholds widget."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from counselroom.gui.clients.casework_tab import CaseworkTab
from counselroom.gui.practice.dependency_settings import DependencySettings
from counselroom.records.appointments import Appointment
from counselroom.records.casework import Thresholds
from counselroom.records.clients import Client
from counselroom.records.services import Services

from ..conftest import commit_text
from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..helpers import click_button, when_modal


@pytest.fixture
def client_id(services: Services) -> int:
    return services.clients.create(Client(code="A-001", name="张小明", status="active")).id or 0


def held_sessions(services: Services, client_id: int, count: int) -> None:
    for i in range(count):
        start = (datetime.now() - timedelta(days=1 + i * 2)).replace(second=0, microsecond=0)
        services.appointments.create(Appointment(client_id, start, start + timedelta(minutes=50), actual_start=start,
                                                 actual_end=start + timedelta(minutes=50), attendance="attended"))


@pytest.fixture
def make_tab(qtbot, services: Services):  # type: ignore[no-untyped-def]
    def make(client_id: int) -> CaseworkTab:
        tab = CaseworkTab(services, client_id)
        qtbot.addWidget(tab)
        tab.resize(900, 700)
        with qtbot.waitExposed(tab):
            tab.show()
        return tab

    return make


def test_dependency_alert_shows_until_a_review_is_recorded(qtbot, services, client_id, make_tab) -> None:  # type: ignore[no-untyped-def]
    services.dependency.set_thresholds(Thresholds(window_weeks=4, max_in_window=3, max_total=20))
    held_sessions(services, client_id, 5)
    tab = make_tab(client_id)
    assert tab.alert_frame.isVisible() and not tab.no_alert_label.isVisible()
    assert tab.alert_details.text().splitlines() == [
        "Sessions in the last 4 weeks: 5 (limit 3) — over the limit", "Sessions in all: 5 (limit 20)",
        "Not reviewed yet."]
    tab.review_button.click()  # nothing written: refused, next to the box
    assert tab.review_error.text() == "Write what the review found and what was decided."
    assert tab.alert_frame.isVisible()
    commit_text(tab.review_edit, "讨论了结束咨询的计划，改为两周一次。")
    tab.review_button.click()
    assert not tab.alert_frame.isVisible() and tab.no_alert_label.isVisible()
    assert "Last review: " in tab.no_alert_label.text()
    assert tab.review_notice.text() == "Review recorded."
    assert services.dependency.alerts(client_id=client_id) == []


def test_no_alert_says_what_the_limits_are(services, client_id, make_tab) -> None:  # type: ignore[no-untyped-def]
    held_sessions(services, client_id, 2)
    tab = make_tab(client_id)
    assert not tab.alert_frame.isVisible()
    assert tab.no_alert_label.text().startswith("No dependency alert. An alert shows when there are more than 6")


def test_closing_asks_first_with_cancel_default_then_closes_and_reopens(qtbot, services, client_id,  # type: ignore[no-untyped-def]
                                                                        make_tab) -> None:
    tab = make_tab(client_id)
    assert tab.close_form.isVisible() and not tab.closed_frame.isVisible()
    assert tab.reason_combo.accessibleName() and tab.summary_edit.accessibleName() and tab.date_edit.accessibleName()
    tab.close_button.click()  # nothing chosen: told next to the fields, nothing asked
    assert tab.close_errors["reason"].text() == "Choose why the case is closing."
    assert tab.close_errors["summary"].text() == "Write a short closing summary."
    labels = [tab.reason_combo.itemText(i) for i in range(tab.reason_combo.count())]
    assert labels == ["Choose a reason…", "Goals met", "Client chose to end", "Referred", "Graduated or left", "Other"]
    tab.reason_combo.setCurrentIndex(tab.reason_combo.findData("client_ended"))
    commit_text(tab.summary_edit, "来访者表示目前状态稳定，希望结束咨询。")

    asked: list[str] = []

    def press_enter(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        asked.append(box.text())
        qtbot.keyClick(box, Qt.Key.Key_Return)  # the default is Cancel

    when_modal(press_enter)
    tab.close_button.click()
    assert asked and "A-001 张小明" in asked[0]
    assert services.closures.current(client_id) is None and tab.close_form.isVisible()

    when_modal(lambda box: click_button(box, "Close case"))
    tab.close_button.click()
    closure = services.closures.current(client_id)
    assert closure is not None and closure.reason == "client_ended"
    assert services.clients.get(client_id).status == "closed"
    assert tab.closed_frame.isVisible() and not tab.close_form.isVisible()
    assert tab.closed_label.text() == f"Case closed on {closure.closed_on.isoformat()}. Reason: Client chose to end."
    assert tab.closed_summary.text() == "来访者表示目前状态稳定，希望结束咨询。"
    assert not tab.history_box.isVisible()

    tab.reopen_button.click()
    assert services.closures.current(client_id) is None
    assert services.clients.get(client_id).status == "active"
    assert tab.close_form.isVisible() and not tab.closed_frame.isVisible()
    assert tab.history_box.isVisible() and tab.history.rowCount() == 1
    assert tab.history.item(0, 1).text() == "Client chose to end"


def test_dependency_settings_save_the_thresholds(qtbot, services) -> None:  # type: ignore[no-untyped-def]
    widget = DependencySettings(services)
    qtbot.addWidget(widget)
    assert (widget.window_weeks.value(), widget.max_in_window.value(), widget.max_total.value()) == (4, 6, 20)
    for spin in (widget.window_weeks, widget.max_in_window, widget.max_total):
        assert spin.accessibleName()
    widget.window_weeks.setValue(8)
    widget.max_in_window.setValue(10)
    widget.max_total.setValue(40)
    widget.save_button.click()
    assert services.dependency.thresholds() == Thresholds(8, 10, 40)
    assert widget.message.text() == "Saved."


def test_the_closure_shows_the_clients_presenting_concerns_to_confirm_or_change(qtbot, services, client_id,  # type: ignore[no-untyped-def]
                                                                                 make_tab) -> None:
    services.liaison.set_school_details(client_id, "2025级", ["study", "family"])
    tab = make_tab(client_id)
    ticked = [cid for cid, box in tab.concern_boxes.items() if box.isChecked()]
    assert ticked == ["study", "family"]  # as they stand on the client's file (Liaison tab)
    assert all(box.isVisible() and box.accessibleName() for box in tab.concern_boxes.values())
    tab.concern_boxes["family"].click()  # by hand (clicked), as a counselor would
    tab.concern_boxes["career"].click()
    held_sessions(services, client_id, 1)  # a change elsewhere refreshes the tab: the counselor's ticks stay
    tab.refresh()
    assert tab.chosen_concerns() == ["study", "career"]
    tab.reason_combo.setCurrentIndex(tab.reason_combo.findData("goals_met"))
    commit_text(tab.summary_edit, "学业压力缓解，生涯方向明确。")
    asked: list[str] = []

    def close(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        asked.append(box.text())
        click_button(box, "Close case")

    when_modal(close)
    tab.close_button.click()
    assert asked and "Presenting concerns kept with the closure: Studies, Career" in asked[0]
    closure = services.closures.current(client_id)
    assert closure is not None and closure.concerns == ("study", "career")
    assert services.liaison.school_details(client_id).concerns == ("study", "career")
    assert services.liaison.school_details(client_id).grade == "2025级"
    assert tab.closed_concerns.isVisible()
    assert tab.closed_concerns.text() == "Presenting concerns at closure: Studies, Career"

    tab.reopen_button.click()
    assert tab.history.rowCount() == 1 and tab.history.item(0, 3).text() == "Studies, Career"
    assert [cid for cid, box in tab.concern_boxes.items() if box.isChecked()] == ["study", "career"]
    for box in tab.concern_boxes.values():  # closed again with no concern ticked: kept as none
        box.setChecked(False)
    tab.reason_combo.setCurrentIndex(tab.reason_combo.findData("other"))
    commit_text(tab.summary_edit, "再次结案。")
    when_modal(lambda box: click_button(box, "Close case"))
    tab.close_button.click()
    assert services.closures.current(client_id).concerns == ()  # type: ignore[union-attr]
    assert tab.closed_concerns.text() == "Presenting concerns at closure: none recorded"
