"""An empty referrals tab keeps its lines together at the top (issue 13: they spread over the page)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from counselroom.gui.referrals.referrals_tab import ReferralsTab
from counselroom.records.clients import Client
from counselroom.records.services import Services


def test_the_empty_tab_keeps_its_lines_together(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    client = services.clients.create(Client(code="R-001"))
    tab = ReferralsTab(services, client.id or 0)
    qtbot.addWidget(tab)
    tab.resize(1200, 620)
    tab.show()
    QApplication.processEvents()
    assert tab.empty_label.isVisible() and not tab.table.isVisible() and not tab.details.isVisible()
    below_buttons = tab.new_button.mapTo(tab, tab.new_button.rect().bottomLeft()).y()
    empty_top = tab.empty_label.mapTo(tab, tab.empty_label.rect().topLeft()).y()
    line = tab.fontMetrics().lineSpacing()
    assert empty_top - below_buttons < 3 * line, "the empty line floats far below the buttons"
    intro_bottom = tab.intro.mapTo(tab, tab.intro.rect().bottomLeft()).y()
    assert tab.new_button.y() - intro_bottom < 3 * line
    # and no line is stretched tall with its words floating in its middle
    assert tab.intro.height() <= tab.intro.heightForWidth(tab.intro.width()) + line
    assert tab.empty_label.height() < 2 * line
