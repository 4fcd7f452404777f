"""The instruments: built-in and imported questionnaires, and importing the room's own."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..records.services import Services


class InstrumentsPage(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services

    def shutdown(self) -> None:
        """Stop listening and drop what is shown (called before the window locks)."""
