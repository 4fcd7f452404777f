"""A one-line label that never asks for more width than it is given: a text too long for its place is drawn
ending in "…" and the whole text is in the tooltip (and the accessible description). A 100-character name
in the client's header no longer forces the window wider than the screen. `text()` stays the whole text."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QWidget

MIN_CHARS = 8  # the narrowest it gets, in average characters


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._own_tooltip = ""
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(" ".join(text.split()) if "\n" in text else text)
        self._update_tooltip()

    def setToolTip(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._own_tooltip = text
        self._update_tooltip()

    def shown_text(self) -> str:
        """The text as drawn at the label's present width."""
        room = max(self.contentsRect().width(), 1)
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, room)

    def is_elided(self) -> bool:
        return self.shown_text() != self.text()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        full = super().minimumSizeHint()
        extra = full.width() - self.fontMetrics().horizontalAdvance(self.text())  # margins, padding
        narrow = self.fontMetrics().averageCharWidth() * MIN_CHARS + max(extra, 0)
        return QSize(min(full.width(), narrow), full.height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._update_tooltip()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        QFrame.paintEvent(self, event)  # the frame and a style sheet's background
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), int(self.alignment()), self.palette(),
                                  self.isEnabled(), self.shown_text(), self.foregroundRole())
        painter.end()

    def _update_tooltip(self) -> None:
        elided = self.is_elided()
        tip = self.text() if elided else ""
        if self._own_tooltip:
            tip = f"{self._own_tooltip}\n{self.text()}" if elided else self._own_tooltip
        super().setToolTip(tip)
        self.setAccessibleDescription(self.text() if elided else "")
