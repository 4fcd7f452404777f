"""One client's referrals and their follow-up."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..records.services import Services


class ReferralsTab(QWidget):
    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id

    def shutdown(self) -> None:
        """Stop listening and drop what is shown (called before the window locks)."""
