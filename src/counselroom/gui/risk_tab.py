"""One client's risk assessments, risk flag, safety plan and emergency measures."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..records.services import Services


class RiskTab(QWidget):
    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id

    def shutdown(self) -> None:
        """Stop listening and drop what is shown (called before the window locks)."""
