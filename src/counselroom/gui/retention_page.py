"""Retention: records past their retention period, destruction, and the disposal register."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..records.services import Services


class RetentionPage(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services

    def shutdown(self) -> None:
        """Stop listening and drop what is shown (called before the window locks)."""
