"""A small line chart of one questionnaire's totals over time, drawn with QPainter: the cut-off bands shaded
behind (mild green to red, in their order), one point a completed test, placed by its date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ...i18n import tr

BAND_COLORS = ("#e3f1e0", "#f3f3d6", "#fbe8cf", "#f8d9c9", "#f3c9c9", "#e9bcc9")
LINE_COLOR = "#1a56a8"


@dataclass(frozen=True)
class ChartBand:
    low: float
    high: float
    label: str


@dataclass(frozen=True)
class ChartPoint:
    day: date
    value: float
    text: str  # the value as shown (12, 1.67)


def band_colors(count: int) -> list[str]:
    """Colours for `count` bands from the mildest to the most severe."""
    if count <= 1:
        return list(BAND_COLORS[:1])
    last = len(BAND_COLORS) - 1
    return [BAND_COLORS[round(i * last / (count - 1))] for i in range(count)]


class TrendChart(QWidget):
    """`set_data()` shows a series; `clear()` shows the empty message. Nothing is kept but what is drawn."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: list[ChartPoint] = []
        self.bands: list[ChartBand] = []
        self.low = 0.0
        self.high = 1.0
        self.whole = True
        self.empty_text = tr("No completed test of this questionnaire yet.")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(self.fontMetrics().height() * 9)
        self.setAccessibleName(tr("Trend of the total score"))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self.fontMetrics().averageCharWidth() * 60, self.fontMetrics().height() * 13)

    def set_data(self, points: list[ChartPoint], bands: list[ChartBand], low: float, high: float,
                 whole: bool = True) -> None:
        self.points = sorted(points, key=lambda p: p.day)
        self.bands = list(bands)
        self.low, self.high = low, max(high, low + 1)
        self.whole = whole
        self.setAccessibleDescription("; ".join(f"{p.day.isoformat()}: {p.text}" for p in self.points)
                                      or self.empty_text)
        self.update()

    def clear(self) -> None:
        self.points = []
        self.bands = []
        self.setAccessibleDescription(self.empty_text)
        self.update()

    # -- drawing ----------------------------------------------------------------------------------------------

    def _plot_rect(self) -> QRectF:
        fm = self.fontMetrics()
        left = fm.horizontalAdvance(f"{self.high:.0f}") + 14
        right = 12
        top = fm.height() // 2 + 8
        bottom = fm.height() + 14
        return QRectF(left, top, max(10, self.width() - left - right), max(10, self.height() - top - bottom))

    def _y(self, plot: QRectF, value: float) -> float:
        return plot.bottom() - (value - self.low) / (self.high - self.low) * plot.height()

    def _x(self, plot: QRectF, index: int, day: date) -> float:
        inset = min(28.0, plot.width() / 8)
        first, last = self.points[0].day, self.points[-1].day
        span = (last - first).days
        if len(self.points) == 1:
            return plot.center().x()
        if span == 0:
            fraction = index / (len(self.points) - 1)
        else:
            fraction = (day - first).days / span
        return plot.left() + inset + fraction * (plot.width() - 2 * inset)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        plot = self._plot_rect()
        fm = self.fontMetrics()
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        palette_text = self.palette().color(self.foregroundRole())
        muted = QColor("#5b6272")

        # bands, with their labels at the right
        half = 0.5 if self.whole else 0.0
        for band, colour in zip(self.bands, band_colors(len(self.bands)), strict=False):
            top = self._y(plot, min(self.high, band.high + half))
            bottom = self._y(plot, max(self.low, band.low - half))
            rect = QRectF(plot.left(), top, plot.width(), bottom - top)
            painter.fillRect(rect, QColor(colour))
            painter.setFont(small)
            painter.setPen(muted)
            if rect.height() >= QFontMetricsF(small).height():
                painter.drawText(rect.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignRight
                                 | Qt.AlignmentFlag.AlignVCenter, band.label)
        painter.setFont(self.font())
        painter.setPen(QPen(QColor("#9aa3b5"), 1))
        painter.drawRect(plot)

        # the value axis: the band edges (or low, middle, high without bands)
        ticks = sorted({self.low, self.high, *(b.low for b in self.bands)})
        if not self.bands:
            ticks = sorted({self.low, (self.low + self.high) / 2, self.high})
        painter.setPen(palette_text)
        last_y: float | None = None
        for value in ticks:
            y = self._y(plot, value)
            if last_y is not None and abs(last_y - y) < fm.height() * 0.9:
                continue
            text = f"{value:g}" if not self.whole else str(round(value))
            painter.drawText(QRectF(0, y - fm.height() / 2, plot.left() - 6, fm.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
            last_y = y

        if not self.points:
            painter.setPen(muted)
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_text)
            painter.end()
            return

        positions = [QPointF(self._x(plot, i, p.day), self._y(plot, p.value)) for i, p in enumerate(self.points)]
        painter.setPen(QPen(QColor(LINE_COLOR), 2))
        for a, b in zip(positions, positions[1:], strict=False):
            painter.drawLine(a, b)
        painter.setBrush(QColor(LINE_COLOR))
        for pos in positions:
            painter.drawEllipse(pos, 4, 4)

        # values above the points, dates under the axis (skipping those that would overlap)
        painter.setPen(palette_text)
        for pos, point in zip(positions, self.points, strict=True):
            width = fm.horizontalAdvance(point.text) + 4
            above = pos.y() - fm.height() - 4 >= plot.top() - fm.height() / 2
            y = pos.y() - fm.height() - 4 if above else pos.y() + 6
            painter.drawText(QRectF(pos.x() - width / 2, y, width, fm.height()), Qt.AlignmentFlag.AlignCenter,
                             point.text)
        painter.setFont(small)
        sfm = painter.fontMetrics()
        right_edge = -1e9
        for pos, point in zip(positions, self.points, strict=True):
            text = point.day.isoformat()
            width = sfm.horizontalAdvance(text)
            left = min(max(pos.x() - width / 2, 0), self.width() - width)
            if left < right_edge + 6:
                continue
            painter.drawText(QRectF(left, plot.bottom() + 4, width, sfm.height()), Qt.AlignmentFlag.AlignCenter, text)
            right_edge = left + width
        painter.end()

