"""An on-screen signature pad: strokes from a mouse, a pen (tablet) or a finger (touch) drawn into a white
image, handed over as PNG bytes (cropped to the ink, with a small margin) to be kept in the vault."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...i18n import tr

INK = QColor("#10204a")
MARGIN = 12


class SignaturePad(QWidget):
    """Public: `is_empty()`, `clear()`, `png_bytes()`, `image`; signal `changed` after every stroke or clear."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(tr("Signature pad"))
        self.setToolTip(tr("Sign here with the mouse, a pen or a finger"))
        self.setMinimumSize(420, 160)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.image = QImage(QSize(600, 220), QImage.Format.Format_RGB32)
        self.image.fill(Qt.GlobalColor.white)
        self._last: QPointF | None = None
        self._ink = QRect()
        self._strokes = 0

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(600, 220)

    # -- drawing ---------------------------------------------------------------------------------------------------

    def _begin(self, pos: QPointF) -> None:
        self._last = pos
        self._draw_to(pos, 2.6)

    def _draw_to(self, pos: QPointF, width: float) -> None:
        if self._last is None:
            return
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(INK, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        if pos == self._last:
            painter.drawPoint(pos)
        else:
            painter.drawLine(self._last, pos)
        painter.end()
        pad = int(width) + 2
        dirty = QRect(self._last.toPoint(), pos.toPoint()).normalized().adjusted(-pad, -pad, pad, pad)
        self._ink = self._ink.united(dirty) if not self._ink.isNull() else dirty
        self._last = pos
        self.update(dirty)

    def _end(self) -> None:
        if self._last is not None:
            self._last = None
            self._strokes += 1
            self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._draw_to(event.position(), 2.6)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            self._end()

    def tabletEvent(self, event: QTabletEvent) -> None:  # noqa: N802 - Qt's name
        width = 1.2 + 3.0 * max(0.1, event.pressure())
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position())
        elif kind == QEvent.Type.TabletMove and self._last is not None:
            self._draw_to(event.position(), width)
        elif kind == QEvent.Type.TabletRelease:
            self._end()
        event.accept()  # no synthesized mouse events on top

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd, QEvent.Type.TouchCancel):
            assert isinstance(event, QTouchEvent)
            points = event.points()
            if points:
                pos = points[0].position()
                if kind == QEvent.Type.TouchBegin:
                    self._begin(pos)
                elif kind == QEvent.Type.TouchUpdate:
                    self._draw_to(pos, 2.6)
                else:
                    self._end()
            event.accept()
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        painter.drawImage(event.rect(), self.image, event.rect())
        painter.setPen(QPen(QColor("#9aa5b1"), 1, Qt.PenStyle.DashLine))
        baseline = int(self.height() * 0.75)
        painter.drawLine(MARGIN, baseline, self.width() - MARGIN, baseline)
        painter.setPen(QColor("#b00020") if self.hasFocus() else QColor("#9aa5b1"))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        size = event.size()
        if size.width() > self.image.width() or size.height() > self.image.height():
            bigger = QImage(size.expandedTo(self.image.size()), QImage.Format.Format_RGB32)
            bigger.fill(Qt.GlobalColor.white)
            painter = QPainter(bigger)
            painter.drawImage(0, 0, self.image)
            painter.end()
            self.image = bigger
        super().resizeEvent(event)

    # -- the result ------------------------------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return self._strokes == 0 or self._ink.isNull()

    def clear(self) -> None:
        self.image.fill(Qt.GlobalColor.white)
        self._ink = QRect()
        self._strokes = 0
        self._last = None
        self.update()
        self.changed.emit()

    def png_bytes(self) -> bytes:
        """The signature as PNG, cropped to the ink with a margin; empty bytes when nothing was drawn."""
        if self.is_empty():
            return b""
        crop = self._ink.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN).intersected(self.image.rect())
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        self.image.copy(crop).save(buffer, "PNG")  # type: ignore[call-overload]
        buffer.close()
        return bytes(data.data())


class SignatureDialog(QDialog):
    """Ask for a signature on screen. `png` holds the PNG bytes after the dialog is accepted."""

    def __init__(self, prompt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Sign on screen"))
        self.png = b""
        self.pad = SignaturePad()
        label = QLabel(prompt)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        self.clear_button = QPushButton(tr("C&lear"))
        self.clear_button.clicked.connect(self.pad.clear)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton(tr("&Keep this signature"),
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.clear_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Cancel"))
        self.buttons.accepted.connect(self._keep)
        self.buttons.rejected.connect(self.reject)
        self.pad.changed.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.pad, 1)
        layout.addWidget(self.buttons)
        self._update()

    def _update(self) -> None:
        self.save_button.setEnabled(not self.pad.is_empty())

    def _keep(self) -> None:
        self.png = self.pad.png_bytes()
        if self.png:
            self.accept()
