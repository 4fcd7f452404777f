"""The first page after unlocking: what the code of practice says is due, each line opening what it counts."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from ..records.services import Services


class DashboardPage(QWidget):
    open_client_tab = Signal(int, str)
    go_section = Signal(str)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services

    def shutdown(self) -> None:
        """Stop listening and drop what is shown (called before the window locks)."""
