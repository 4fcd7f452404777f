"""Issue 12.11 in the window: the new-client form asks about any other relationship with the counselor; a "yes"
suggests referral, is kept on the file (the overview box and a header badge) and stays on the dashboard until a
decision is recorded."""

from __future__ import annotations

import pytest

from counselroom.gui.clients import relationship_widgets as widgets_module
from counselroom.gui.clients.client_form import ClientForm
from counselroom.gui.clients.client_page import ClientPage
from counselroom.records.services import Services


def test_the_new_client_form_records_the_check_and_the_file_asks_for_a_decision(  # type: ignore[no-untyped-def]
        qtbot, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    form = ClientForm(services)
    qtbot.addWidget(form)
    assert form.relationship is not None and not form.relationship.suggestion.isVisibleTo(form)
    form.edits["code"].setText("R-11")
    form.edits["name"].setText("刘洋")
    form.relationship.boxes["other"].setChecked(True)
    assert form.relationship.suggestion.isVisibleTo(form)  # a "yes" suggests referral
    form.save()
    assert form.saved is None and "Describe the other relationship" in form.summary.text()
    form.relationship.boxes["other"].setChecked(False)
    form.relationship.boxes["teaches"].setChecked(True)
    form.save()
    assert form.saved is not None and form.saved.id is not None
    client_id = form.saved.id
    check = services.relationships.latest(client_id)
    assert check is not None and check.relationships == ("teaches",) and check.undecided
    assert services.dashboard.line("relationships").count == 1

    page = ClientPage(services, client_id)
    qtbot.addWidget(page)
    page.show()
    assert page.relationship_badge.isVisibleTo(page) and page.relationship_box.decide_button.isVisibleTo(page)

    def decide(dialog) -> int:  # type: ignore[no-untyped-def]
        dialog.save()
        assert "Write the reason" in dialog.message.text()
        dialog.buttons["refer"].setChecked(True)
        dialog.reason.setPlainText("转介给同事王老师。")
        dialog.name.setText("林晓雯")
        dialog.save()
        return 1

    monkeypatch.setattr(widgets_module.RelationshipDecisionDialog, "exec", decide)
    page.relationship_box.decide_button.click()
    page.refresh()
    assert not page.relationship_badge.isVisibleTo(page) and "转介给同事王老师" in page.relationship_box.status.text()
    assert services.dashboard.line("relationships").count == 0


def test_an_edit_of_a_client_does_not_ask_again(qtbot, services: Services, consented_client) -> None:  # type: ignore[no-untyped-def]
    client_id = consented_client("R-12")
    form = ClientForm(services, services.clients.get(client_id))
    qtbot.addWidget(form)
    assert form.relationship is None
