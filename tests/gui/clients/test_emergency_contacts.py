"""Emergency contacts one click from the client page, in a real window: the guardian's and the safety plan's
numbers can be selected and copied, the room's crisis contacts are there, looking is recorded (ids only),
and the window leads to recording an emergency measure."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QApplication, QWidget

from counselroom.gui.clients.emergency_contacts_dialog import EmergencyContactsDialog
from counselroom.gui.risk.emergency_measure_dialog import EmergencyMeasureDialog
from counselroom.records.clients import Client
from counselroom.records.risk import Contact, SafetyPlanContent
from counselroom.records.services import Services

from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..helpers import when_modal
from ..shell.test_locking import PASS, unlock


def test_the_client_page_button_shows_the_guardians_phone_and_leads_to_a_measure(qtbot, make_window,  # type: ignore[no-untyped-def]
                                                                                 new_vault) -> None:
    vault, _key = new_vault
    with vault.unlock(PASS) as session:
        services = Services.open(session)
        client_id = services.clients.create(Client(code="EC-1", name="张小明", guardian_name="张伟",
                                                   guardian_phone="13800000001")).id or 0
        services.risk.save_safety_plan(client_id, SafetyPlanContent(
            warning_signs=("整夜睡不着",), help_people=(Contact("室友 小李", "13900000003"),), agreed_on=date.today()))
        services.risk.set_crisis_contacts([Contact("学校心理咨询中心值班电话", "010-1234 5678")])
    window = make_window(vault.path)
    unlock(qtbot, window)
    page = window.shell.open_client(client_id)
    assert page is not None

    seen: dict[str, object] = {}

    def in_measure(dialog: QWidget) -> None:
        seen["measure"] = type(dialog).__name__
        assert isinstance(dialog, EmergencyMeasureDialog)
        seen["guardian"] = dialog.parties["guardian"][1].text()

    def in_contacts(dialog: QWidget) -> None:
        assert isinstance(dialog, EmergencyContactsDialog)
        seen["title"] = dialog.windowTitle()
        seen["phones"] = {label: field.text() for label, field in dialog.phones.items()}
        guardian = dialog.phones["Guardian 张伟"]
        guardian.selectAll()
        guardian.copy()
        seen["copied"] = QApplication.clipboard().text()
        seen["read_only"] = guardian.isReadOnly()
        problems.extend(when_modal(in_measure, exclude=dialog))
        dialog.measure_button.click()

    problems = when_modal(in_contacts)
    page.emergency_button.click()
    assert problems == []
    assert seen["title"] == "Emergency contacts — EC-1 张小明"
    assert seen["phones"] == {"Guardian 张伟": "13800000001", "Person to ask for help 室友 小李": "13900000003",
                              "学校心理咨询中心值班电话": "010-1234 5678"}
    assert seen["copied"] == "13800000001" and seen["read_only"] is True
    assert seen["measure"] == "EmergencyMeasureDialog" and seen["guardian"] == "张伟"
    QApplication.clipboard().clear()
    entries = window.services.audit.entries(["risk.contacts_viewed"])
    assert [e.detail for e in entries] == [{"client": client_id}]
