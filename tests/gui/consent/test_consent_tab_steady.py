"""Nothing moves under the mouse on the consent tab (issue 13): the first tick used to add a line to the status
and drop the checklist 18 px, so the next click missed; the sign buttons keep their place as the status
changes from pending to complete."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QWidget

from counselroom.gui.consent.consent_tab import ConsentTab
from counselroom.records.clients import Client
from counselroom.records.consent import COMPLETE
from counselroom.records.services import Services


def where(widget: QWidget, tab: ConsentTab) -> QPoint:
    QApplication.processEvents()
    return widget.mapTo(tab, QPoint(0, 0))


def test_ticking_moves_neither_the_checklist_nor_the_sign_buttons(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    client = services.clients.create(Client(code="A-001", name="张小明", date_of_birth=date(2003, 4, 5)))
    tab = ConsentTab(services, client.id or 0)
    qtbot.addWidget(tab)
    tab.resize(1100, 2400)  # tall enough that nothing scrolls: positions are the layout's alone
    tab.show()
    qtbot.waitExposed(tab)
    boxes = list(tab.checks.values())
    assert tab.state is not None and tab.state.consent is None  # nothing recorded yet
    second, paper = where(boxes[1], tab), where(tab.paper_button, tab)
    assert "Form version" in tab.version_label.text()
    boxes[0].click()  # the first tick starts the consent (it gets its document number)
    assert tab.state.consent is not None
    assert where(boxes[1], tab) == second, "the checklist moved after the first tick"
    for box in boxes[1:]:
        box.click()
        assert where(tab.paper_button, tab) == paper
    assert tab.state.status == COMPLETE
    assert where(boxes[1], tab) == second and where(tab.paper_button, tab) == paper


def test_starting_the_re_consent_does_not_move_the_sign_buttons(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    client = services.clients.create(Client(code="A-002", name="王芳", date_of_birth=date(2001, 4, 5)))
    client_id = client.id or 0
    services.consent.record_signed(client_id, date(2015, 1, 1), guardian_name="监护人")
    template = services.consent.template()
    services.consent.save_template(replace(template, titles={**template.titles, "en": "Consent to counseling"}))
    tab = ConsentTab(services, client_id)
    qtbot.addWidget(tab)
    tab.resize(1100, 2400)
    tab.show()
    qtbot.waitExposed(tab)
    assert tab.reconsent_button.isVisible()  # out of date: the banner offers the re-consent
    paper = where(tab.paper_button, tab)
    tab.reconsent_button.click()
    assert not tab.reconsent_button.isVisible()  # gone, its room kept
    assert where(tab.paper_button, tab) == paper
