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

    # -- the labels, placed so that none overlaps another ------------------------------------------------------

    def axis_labels(self, plot: QRectF) -> list[tuple[QRectF, str]]:
        """The value axis's numbers: the band edges, or low, middle and high; whole numbers only for whole
        scores (0.5 is not shown as a second 0); nothing on an empty chart (it read 1/0/0)."""
        if not self.points:
            return []
        fm = QFontMetricsF(self.font())
        values = sorted({self.low, self.high, *(b.low for b in self.bands)})
        if not self.bands:
            values = sorted({self.low, (self.low + self.high) / 2, self.high})
        out: list[tuple[QRectF, str]] = []
        shown: set[str] = set()
        last_y: float | None = None
        for value in values:
            if self.whole and value != round(value):
                continue
            text = str(round(value)) if self.whole else f"{value:g}"
            y = self._y(plot, value)
            if text in shown or (last_y is not None and abs(last_y - y) < fm.height() * 0.9):
                continue
            out.append((QRectF(0, y - fm.height() / 2, plot.left() - 6, fm.height()), text))
            shown.add(text)
            last_y = y
        return out

    def band_rects(self, plot: QRectF) -> list[tuple[QRectF, str]]:
        half = 0.5 if self.whole else 0.0
        out = []
        for band, colour in zip(self.bands, band_colors(len(self.bands)), strict=False):
            top = self._y(plot, min(self.high, band.high + half))
            bottom = self._y(plot, max(self.low, band.low - half))
            out.append((QRectF(plot.left(), top, plot.width(), bottom - top), colour))
        return out

    def band_labels(self, plot: QRectF, fm: QFontMetricsF,
                    avoid: list[QRectF] | None = None) -> list[tuple[QRectF, str]]:
        """Each band's name at its right end, where the band is tall enough for it and no point or value
        (in `avoid`) is there."""
        out = []
        for (rect, _colour), band in zip(self.band_rects(plot), self.bands, strict=True):
            if rect.height() < fm.height():
                continue
            width = min(fm.horizontalAdvance(band.label) + 2, rect.width() - 8)
            label = QRectF(rect.right() - 4 - width, rect.center().y() - fm.height() / 2, width, fm.height())
            if not any(label.intersects(other) for other in avoid or []):
                out.append((label, band.label))
        return out

    def value_labels(self, plot: QRectF, positions: list[QPointF],
                     avoid: list[QRectF] | None = None) -> list[tuple[QRectF, str]]:
        """Each point's value above it, or below it where there is no room above; one that would still overlap a
        value already placed (or a rectangle in `avoid`) is left out, never the latest (the accessible
        description and the table beside the chart give every value)."""
        fm = QFontMetricsF(self.font())
        out: list[tuple[QRectF, str]] = []
        taken = list(avoid or [])
        pairs = list(zip(positions, self.points, strict=True))
        for pos, point in pairs[-1:] + pairs[:-1]:  # the latest result first: it is never the one left out
            width = fm.horizontalAdvance(point.text) + 4
            above = QRectF(pos.x() - width / 2, pos.y() - fm.height() - 4, width, fm.height())
            below = QRectF(pos.x() - width / 2, pos.y() + 6, width, fm.height())
            room_above = above.top() >= plot.top() - fm.height() / 2
            for rect in ((above, below) if room_above else (below,)):
                if not any(rect.intersects(other) for other in taken):
                    out.append((rect, point.text))
                    taken.append(rect)
                    break
        return out

    def date_labels(self, plot: QRectF, positions: list[QPointF], fm: QFontMetricsF) -> list[tuple[QRectF, str]]:
        """Dates under the axis, left to right, each at least a gap after the one before."""
        out: list[tuple[QRectF, str]] = []
        right_edge = -1e9
        for pos, point in zip(positions, self.points, strict=True):
            text = point.day.isoformat()
            width = fm.horizontalAdvance(text) + 2
            left = min(max(pos.x() - width / 2, 0), self.width() - width)
            if left < right_edge + 6:
                continue
            out.append((QRectF(left, plot.bottom() + 4, width, fm.height()), text))
            right_edge = left + width
        return out

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        plot = self._plot_rect()
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        palette_text = self.palette().color(self.foregroundRole())
        muted = QColor("#5b6272")

        # bands; their names at the right come after the values (below)
        for rect, colour in self.band_rects(plot):
            painter.fillRect(rect, QColor(colour))
        painter.setFont(self.font())
        painter.setPen(QPen(QColor("#9aa3b5"), 1))
        painter.drawRect(plot)

        # the value axis: the band edges (or low, middle, high without bands); none on an empty chart
        painter.setPen(palette_text)
        for rect, text in self.axis_labels(plot):
            painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)

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

        # values above the points, dates under the axis (skipping those that would overlap); the bands' names
        # where no point nor value is (the table beside the chart names each result's band)
        painter.setPen(palette_text)
        values = self.value_labels(plot, positions)
        for rect, text in values:
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.setFont(small)
        painter.setPen(muted)
        taken = [r for r, _ in values] + [QRectF(p.x() - 6, p.y() - 6, 12, 12) for p in positions]
        for rect, text in self.band_labels(plot, QFontMetricsF(small), taken):
            painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        painter.setPen(palette_text)
        for rect, text in self.date_labels(plot, positions, QFontMetricsF(small)):
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()

