"""The footer every printed form carries on each page: a line of its own and "page n of m"."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas


def numbered_canvas(footer: str, font: str, page_label: str, *, margin: float = 20 * mm,
                    baseline: float = 12 * mm, color: str = "#444444", rule_at: float | None = None) -> type[Canvas]:
    """A canvas class for `doc.build(canvasmaker=...)` that prints `footer` on the left of every page and
    `page_label` (with {page} and {pages}) on the right once the number of pages is known; with `rule_at`,
    a thin rule above the footer at that height."""

    class FooterCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(font, 7.5)
                self.setFillColor(colors.HexColor(color))
                self.drawString(margin, baseline, footer)
                self.drawRightString(A4[0] - margin, baseline, page_label.format(page=number, pages=total))
                if rule_at is not None:
                    self.setStrokeColor(colors.HexColor("#999999"))
                    self.setLineWidth(0.4)
                    self.line(margin, rule_at, A4[0] - margin, rule_at)
                super().showPage()
            super().save()

    return FooterCanvas
