"""The client's emergency contacts, one click from the client page.

A compact window with every number that may be needed in a crisis: the guardian and the emergency contact
from the client's file, the people and the professional and crisis contacts of the safety plan, and the
room's crisis contacts. Each number can be selected and copied; nothing dials or goes online. Opening it is
recorded in the audit trail (the client's id only), and it leads to recording an emergency measure."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...i18n import language, tr
from ...records.risk import Contact
from ...records.services import Services
from ..risk.risk_widgets import bold, launch, selectable, value_field
from .client_form import plain_label


class EmergencyContactsDialog(QDialog):
    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.measure_recorded = False
        client = services.clients.get(client_id)
        who = client.code + (f" {client.name}" if client.name else "")
        self.setWindowTitle(tr("Emergency contacts — {client}", client=who))
        contacts = services.risk.emergency_contacts(client_id, language())
        # Every number shown, by what it is (for tests and screen readers alike).
        self.phones: dict[str, QLineEdit] = {}

        layout = QVBoxLayout(self)
        title = bold(plain_label(who))
        layout.addWidget(title)

        file_rows: list[tuple[str, Contact | None, str]] = [
            (tr("Guardian"), contacts.guardian, tr("No guardian recorded.")),
            (tr("Emergency contact"), contacts.emergency, tr("No emergency contact recorded.")),
        ]
        box = self._group(tr("From the client's file"))
        grid = box.layout()
        assert isinstance(grid, QGridLayout)
        for role, contact, empty in file_rows:
            self._row(grid, role, contact, empty)
        if contacts.client_phone:
            self._row(grid, tr("The client"), Contact(client.name or client.code, contacts.client_phone), "")
        layout.addWidget(box)

        box = self._group(tr("From the safety plan"))
        grid = box.layout()
        assert isinstance(grid, QGridLayout)
        if not contacts.has_plan:
            grid.addWidget(selectable(tr("This client has no safety plan yet.")), 0, 0, 1, 3)
        else:
            for c in contacts.plan_people:
                self._row(grid, tr("Person to ask for help"), c, "")
            for c in contacts.plan_professionals:
                self._row(grid, tr("Professional or crisis contact"), c, "")
            if not contacts.plan_people and not contacts.plan_professionals:
                grid.addWidget(selectable(tr("The safety plan names no contacts.")), 0, 0, 1, 3)
        layout.addWidget(box)

        box = self._group(tr("The room's crisis contacts"))
        grid = box.layout()
        assert isinstance(grid, QGridLayout)
        for c in contacts.room:
            self._row(grid, "", c, "")
        if not contacts.room:
            grid.addWidget(selectable(tr("No crisis contacts are set for the room.")), 0, 0, 1, 3)
        if not services.risk.crisis_contacts_set():
            hint = selectable(tr("The room's numbers are not set yet: set them with “Room crisis contacts…” on a "
                                 "client's Risk and safety tab."))
            hint.setStyleSheet("color: palette(placeholder-text);")
            grid.addWidget(hint, grid.rowCount(), 0, 1, 3)
        layout.addWidget(box)
        note = selectable(tr("Select a number to copy it (Ctrl+C)."))
        note.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(note)

        buttons = QDialogButtonBox()
        self.measure_button = QPushButton(tr("Record an emergency &measure…"))
        self.measure_button.setAccessibleName(tr("Record an emergency measure for this client"))
        self.measure_button.clicked.connect(self.record_measure)
        buttons.addButton(self.measure_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setText(tr("Close"))
        buttons.rejected.connect(self.reject)
        close.setDefault(True)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    @staticmethod
    def _group(title: str) -> QGroupBox:
        box = QGroupBox(title)
        grid = QGridLayout(box)
        grid.setColumnStretch(1, 1)
        grid.setColumnMinimumWidth(2, 190)
        return box

    def _row(self, grid: QGridLayout, role: str, contact: Contact | None, empty: str) -> None:
        row = grid.rowCount()
        if contact is None:
            grid.addWidget(plain_label(role), row, 0)
            muted = selectable(empty)
            muted.setStyleSheet("color: palette(placeholder-text);")
            grid.addWidget(muted, row, 1, 1, 2)
            return
        if role:
            grid.addWidget(plain_label(role), row, 0)
            grid.addWidget(selectable(contact.name), row, 1)
        else:
            grid.addWidget(selectable(contact.name), row, 0, 1, 2)
        label = contact.name if not role else f"{role} {contact.name}".strip()
        if contact.phone:
            phone = value_field(contact.phone, tr("Phone of {who}", who=label))
            font = phone.font()
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 1.15)
            phone.setFont(font)
            self.phones[label] = phone
            grid.addWidget(phone, row, 2)
        else:
            muted = selectable(tr("no number"))
            muted.setStyleSheet("color: palette(placeholder-text);")
            grid.addWidget(muted, row, 2)

    def record_measure(self) -> None:
        from ..risk.emergency_measure_dialog import EmergencyMeasureDialog

        dialog = EmergencyMeasureDialog(self.services, self.client_id, self)
        try:
            if launch(dialog) == QDialog.DialogCode.Accepted:
                self.measure_recorded = True
        finally:
            dialog.deleteLater()


def show_emergency_contacts(services: Services, client_id: int, parent: QWidget) -> None:
    """Show the client's emergency contacts (modal; returns when closed)."""
    services.risk.record_contacts_viewed(client_id)
    dialog = EmergencyContactsDialog(services, client_id, parent)
    try:
        launch(dialog)
    finally:
        dialog.deleteLater()
