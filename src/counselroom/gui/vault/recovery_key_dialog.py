"""Showing a new recovery key once: large, grouped, printable as the recovery sheet, and a check that the
counselor wrote it down (typing back its last two groups) before moving on.

The key is shown in a label that cannot be selected or copied: it goes on paper, not on the clipboard."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...documents.recovery_sheet import RecoverySheet, key_lines, sheet_text
from ...i18n import tr
from ..common import printing
from ..common.widgets import heading, message_label, monospace_font, paragraph, set_message

CHECK_GROUPS = 2


def _normalise(text: str) -> str:
    table = str.maketrans({"O": "0", "I": "1", "L": "1"})
    return "".join(ch for ch in text.upper() if ch.isalnum()).translate(table)


def key_tail(recovery_key: str, groups: int = CHECK_GROUPS) -> str:
    return "-".join(recovery_key.split("-")[-groups:])


class RecoveryKeyView(QWidget):
    """The key itself, with the Print button."""

    printed = Signal()

    def __init__(self, sheet: RecoverySheet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sheet = sheet
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.key_label = QLabel("\n".join(key_lines(sheet.recovery_key)))
        self.key_label.setFont(monospace_font(1.8))
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.key_label.setFrameShape(QFrame.Shape.Box)
        self.key_label.setMargin(16)
        self.key_label.setAccessibleName(tr("Recovery key"))
        self.key_label.setAccessibleDescription(" ".join(sheet.recovery_key.split("-")))
        self.print_button = QPushButton(tr("&Print the recovery sheet..."))
        self.print_button.setAccessibleName(tr("Print the recovery sheet"))
        self.print_button.clicked.connect(self.print_sheet)
        self.print_status = message_label()
        row = QHBoxLayout()
        row.addWidget(self.print_button)
        row.addStretch(1)
        layout.addWidget(self.key_label)
        layout.addLayout(row)
        layout.addWidget(self.print_status)

    def print_sheet(self) -> bool:
        text = sheet_text(self.sheet)
        if printing.print_pages(self, text.title, printing.recovery_sheet_painter(text)):
            set_message(self.print_status, tr("The recovery sheet was sent to the printer."), "ok")
            self.printed.emit()
            return True
        return False


class KeyCheck(QWidget):
    """Type back the last groups of the key; `matches` says whether they are right."""

    changed = Signal(bool)

    def __init__(self, recovery_key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._expected = _normalise(key_tail(recovery_key))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel(tr("To check that you have it, type the &last two groups of the recovery key:"))
        label.setWordWrap(True)
        self.field = QLineEdit()
        self.field.setAccessibleName(tr("Last two groups of the recovery key"))
        self.field.setPlaceholderText("XXXX-XXXX")
        self.field.setFont(monospace_font(1.2))
        label.setBuddy(self.field)
        self.status = message_label()
        layout.addWidget(label)
        layout.addWidget(self.field)
        layout.addWidget(self.status)
        self.field.textChanged.connect(self._update)

    @property
    def matches(self) -> bool:
        return _normalise(self.field.text()) == self._expected

    def _update(self) -> None:
        typed = _normalise(self.field.text())
        if not typed or len(typed) < len(self._expected):
            set_message(self.status, "")
        elif self.matches:
            set_message(self.status, tr("That matches."), "ok")
        else:
            set_message(self.status, tr("That does not match the last two groups of the key shown above."))
        self.changed.emit(self.matches)


class RecoveryKeyDialog(QDialog):
    """A new recovery key (after recovering access, or made in Settings). It closes only once the
    counselor has typed back its end; the lock closes it too."""

    def __init__(self, sheet: RecoverySheet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("New recovery key"))
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(tr("Your new recovery key")))
        layout.addWidget(paragraph(tr(
            "This key is shown only now. Print the recovery sheet or write the key down, and keep it in the "
            "room's locked cabinet. The old recovery key and any old recovery sheet no longer work.")))
        self.view = RecoveryKeyView(sheet)
        layout.addWidget(self.view)
        self.check = KeyCheck(sheet.recovery_key)
        layout.addWidget(self.check)
        self.buttons = QDialogButtonBox()
        self.done_button = self.buttons.addButton(tr("Done"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.done_button.setEnabled(False)
        self.done_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        layout.addWidget(self.buttons)
        self.check.changed.connect(self.done_button.setEnabled)
        self.check.field.setFocus()
        self._force = False

    def force_close(self) -> None:
        """Used by the lock: close even though the key was not confirmed."""
        self._force = True
        super().reject()

    def reject(self) -> None:
        if self._force or self.check.matches:
            super().reject()
