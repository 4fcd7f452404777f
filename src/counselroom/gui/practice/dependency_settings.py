"""The dependency-alert thresholds, as three numbers and Save (the settings page embeds this)."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QPushButton, QSpinBox, QVBoxLayout, QWidget

from ...i18n import tr
from ...records.casework import Thresholds
from ...records.clients import ValidationError
from ...records.services import Services
from ...vault.errors import VaultError
from ..clients.client_form import plain_label
from ..common.widgets import message_label, set_message


class DependencySettings(QWidget):
    """Public: `load()`, `save()`, `thresholds()`; the spin boxes `window_weeks`, `max_in_window`, `max_total`."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        intro = plain_label(tr("A client's page shows a dependency alert when held sessions go beyond these "
                               "limits, until you record a review."))
        intro.setWordWrap(True)
        self.window_weeks = self._spin(tr("Weeks in the window"), 1, 52, tr(" weeks"))
        self.max_in_window = self._spin(tr("Most sessions within the window"), 1, 100, tr(" sessions"))
        self.max_total = self._spin(tr("Most sessions in all"), 1, 1000, tr(" sessions"))
        form = QFormLayout()
        for text, spin in ((tr("Time &window:"), self.window_weeks),
                           (tr("Most sessions within the win&dow:"), self.max_in_window),
                           (tr("Most sessions in &all:"), self.max_total)):
            label = plain_label(text)
            label.setBuddy(spin)
            form.addRow(label, spin)
        self.save_button = QPushButton(tr("&Save limits"))
        self.save_button.setAccessibleName(tr("Save the dependency alert limits"))
        self.save_button.clicked.connect(self.save)
        self.message = message_label()
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addStretch(1)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(row)
        self.load()

    @staticmethod
    def _spin(accessible_name: str, low: int, high: int, suffix: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setSuffix(suffix)
        spin.setAccessibleName(accessible_name)
        return spin

    def load(self) -> None:
        t = self.services.dependency.thresholds()
        self.window_weeks.setValue(t.window_weeks)
        self.max_in_window.setValue(t.max_in_window)
        self.max_total.setValue(t.max_total)

    def thresholds(self) -> Thresholds:
        return Thresholds(self.window_weeks.value(), self.max_in_window.value(), self.max_total.value())

    def save(self) -> bool:
        try:
            self.services.dependency.set_thresholds(self.thresholds())
        except ValidationError as e:
            set_message(self.message, "\n".join(tr(m) for m in e.errors.values()))
            return False
        except VaultError as e:
            set_message(self.message, e.message())
            return False
        set_message(self.message, tr("Saved."), "ok")
        return True
