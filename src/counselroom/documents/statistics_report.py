"""The room's statistics for the school: an A4 PDF built in memory, fonts embedded, de-identified.

It prints exactly what records/statistics.py put in the report (counts, category names, the period and the
room's name), with a bar beside each count that is shown. A hidden count ("<5", "*") gets no bar: a bar's
length would give the number away.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from ..i18n import N_, tr_in
from ..records.statistics import StatisticsReport
from .fonts import document_fonts
from .linebreak import Paragraph
from .page_footer import numbered_canvas
from .recovery_sheet import _markup

ACCENT = colors.HexColor("#2f6f68")
BAR = colors.HexColor("#7fb3aa")
MARGIN = 18 * mm
BAR_WIDTH = 60 * mm


def render_pdf(report: StatisticsReport, room: str, number: str, made_on: date) -> bytes:
    fonts = document_fonts()
    lang = report.lang
    zh = lang == "zh_CN"

    def t(msgid: str, **values: object) -> str:
        return tr_in(lang, msgid, **values)

    body_font = fonts.body(lang)
    bold = fonts.cjk if zh else fonts.latin_bold
    body = ParagraphStyle("body", fontName=body_font, fontSize=10, leading=13, wordWrap="CJK" if zh else None)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=colors.HexColor("#444444"))
    title = ParagraphStyle("title", parent=body, fontName=bold, fontSize=18, leading=23, textColor=ACCENT)
    heading = ParagraphStyle("heading", parent=body, fontName=bold, fontSize=11.5, leading=15, textColor=ACCENT,
                             spaceBefore=3 * mm, spaceAfter=1 * mm)
    count = ParagraphStyle("count", parent=body, fontName=fonts.latin_bold, alignment=2)

    def para(s: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(_markup(s, fonts, style.fontName), style)

    width = A4[0] - 2 * MARGIN - 12
    story: list[Flowable] = [para(report.title(), title)]
    if room.strip():
        story.append(para(room.strip(), body))
    story.append(para(report.period_line(), body))
    story.append(para(t(N_("Report {number}, made on {date}"), number=number, date=made_on.isoformat()), small))
    story.append(Spacer(1, 2 * mm))
    for b in report.tables:
        top = max([c.count for c, v in zip(b.cells, b.shown, strict=True) if v.isdigit()] or [1]) or 1
        rows: list[list[Any]] = []
        total_row = -1
        for label, shown, n in b.lines():
            bar: Any = ""
            if n < 0:
                total_row = len(rows)
                rows.append([para(t(N_("In all")), body), para(shown, count), ""])
                continue
            if shown.isdigit() and n:
                d = Drawing(BAR_WIDTH, 8)
                d.add(Rect(0, 1, max(1.0, BAR_WIDTH * n / top), 6, fillColor=BAR, strokeColor=None))
                bar = d
            rows.append([para(label, body), para(shown, count), bar])
        table = Table(rows, colWidths=[width - BAR_WIDTH - 24 * mm, 20 * mm, BAR_WIDTH + 4 * mm], hAlign="LEFT")
        style: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), fonts.latin), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#cccccc")),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LEFTPADDING", (2, 0), (2, -1), 4 * mm)]
        if total_row >= 0:
            style.append(("LINEABOVE", (0, total_row), (-1, total_row), 0.8, ACCENT))
        table.setStyle(TableStyle(style))
        story.append(KeepTogether([para(b.title, heading), table]))
    story += [Spacer(1, 4 * mm), para(report.note(), small)]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=22 * mm, title=report.title(), author="counselroom")
    footer = t(N_("De-identified statistics · {number}"), number=number)
    doc.build(story, canvasmaker=numbered_canvas(footer, body_font, t(N_("Page {page} of {pages}")), margin=MARGIN))
    return buf.getvalue()


__all__ = ["render_pdf"]
