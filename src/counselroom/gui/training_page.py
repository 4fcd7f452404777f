"""The training, seminar and supervision log with this year's hours against the target."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..records.services import Services


class TrainingPage(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services

    def shutdown(self) -> None:
        """Stop listening and drop what is shown (called before the window locks)."""
