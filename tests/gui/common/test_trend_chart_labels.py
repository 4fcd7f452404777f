"""The trend chart's labels never overlap and an empty chart shows no axis numbers (issue 13: 1/0/0)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import combinations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFontMetricsF

from counselroom.gui.common.trend_chart import ChartBand, ChartPoint, TrendChart

PHQ9_BANDS = [ChartBand(0, 4, "Minimal"), ChartBand(5, 9, "Mild"), ChartBand(10, 14, "Moderate"),
              ChartBand(15, 19, "Moderately severe"), ChartBand(20, 27, "Severe")]


def chart(qtbot, width: int = 420, height: int = 200) -> TrendChart:  # type: ignore[no-untyped-def]
    widget = TrendChart()
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    return widget


def labels(widget: TrendChart) -> list[tuple[object, str]]:
    plot = widget._plot_rect()
    positions = [QPointF(widget._x(plot, i, p.day), widget._y(plot, p.value)) for i, p in enumerate(widget.points)]
    small = QFontMetricsF(widget.font())
    values = widget.value_labels(plot, positions)
    points = [QRectF(p.x() - 6, p.y() - 6, 12, 12) for p in positions]
    bands = widget.band_labels(plot, small, [r for r, _ in values] + points)
    return [*widget.axis_labels(plot), *bands, *values]


def test_an_empty_chart_has_no_axis_numbers(qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = chart(qtbot)
    widget.clear()
    plot = widget._plot_rect()
    assert widget.axis_labels(plot) == []
    widget.set_data([], [], 0, 0)  # a questionnaire with no result yet: low 0, high 1
    assert widget.axis_labels(widget._plot_rect()) == []
    widget.grab()  # paints without an error


def test_axis_numbers_are_distinct_whole_numbers(qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = chart(qtbot)
    widget.set_data([ChartPoint(date(2026, 1, 5), 1, "1")], [], 0, 1)
    texts = [text for _rect, text in widget.axis_labels(widget._plot_rect())]
    assert texts == ["0", "1"]  # not 0, 0, 1 (0.5 rounded)


def test_close_points_and_band_names_do_not_overlap(qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = chart(qtbot, 360, 180)
    start = date(2026, 3, 2)
    values = [12, 13, 12, 14, 15, 14, 16, 15, 21, 22, 21, 23]
    widget.set_data([ChartPoint(start + timedelta(days=i), v, str(v)) for i, v in enumerate(values)], PHQ9_BANDS,
                    0, 27)
    placed = labels(widget)
    assert len([t for _r, t in placed if t in {str(v) for v in values}]) >= 3  # some values are shown
    assert any(t == "23" for _r, t in placed)  # the latest value is never the one left out
    for (a, ta), (b, tb) in combinations(placed, 2):
        assert not a.intersects(b), f"{ta!r} overlaps {tb!r}"  # type: ignore[attr-defined]
    plot = widget._plot_rect()
    positions = [QPointF(widget._x(plot, i, p.day), widget._y(plot, p.value)) for i, p in enumerate(widget.points)]
    dates = widget.date_labels(plot, positions, QFontMetricsF(widget.font()))
    for (a, _), (b, _) in combinations(dates, 2):
        assert not a.intersects(b)
    widget.grab()
