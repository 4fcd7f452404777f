"""The client's emergency contacts, one click from the client page."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..records.services import Services


def show_emergency_contacts(services: Services, client_id: int, parent: QWidget) -> None:
    """Show the client's emergency contacts (modal; returns when closed)."""
