"""The safety plan as the client takes it home: one or two A4 pages, fonts embedded, built in memory.

Written to the client, in plain and warm words, in large type, in the language the counselor chose for the
client. It carries no internal codes other than a small document number in the footer (so that a paper copy
can be matched with the version it was printed from). A section left empty prints lines to write on by hand.
`render_pdf()` returns the bytes and writes nothing to disk.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from ..i18n import N_, tr_in
from .fonts import Fonts, document_fonts
from .linebreak import Paragraph
from .page_footer import numbered_canvas
from .recovery_sheet import _markup

ACCENT = colors.HexColor("#2f6f68")
SOFT = colors.HexColor("#eef5f3")
LINE = colors.HexColor("#9bb5b0")
MARGIN = 18 * mm


@dataclass(frozen=True)
class SafetyPlanDocument:
    lang: str
    client_name: str = ""
    counselor: str = ""
    room: str = ""
    institution: str = ""
    room_contact: str = ""
    warning_signs: tuple[str, ...] = ()
    coping_steps: tuple[str, ...] = ()
    distractions: tuple[str, ...] = ()
    help_people: tuple[tuple[str, str], ...] = ()  # (name, phone)
    professionals: tuple[tuple[str, str], ...] = ()
    environment: tuple[str, ...] = ()
    reasons_for_living: str = ""
    agreed_on: date | None = None
    document_no: str = ""


# (msgid of the heading, msgid of the line under it)
SECTIONS = {
    "warning_signs": (N_("Signs that a hard time may be starting"),
                      N_("Thoughts, feelings, situations or things I do that tell me to use this plan.")),
    "coping_steps": (N_("Things I can do on my own to feel calmer"),
                     N_("Small things that have helped me before, without needing anyone else.")),
    "distractions": (N_("People and places that take my mind off things"),
                     N_("Where I can go and who I can be with, to feel less alone.")),
    "help_people": (N_("People I can ask for help"),
                    N_("People I trust and can tell that I am not doing well.")),
    "professionals": (N_("Professionals and crisis lines I can contact"),
                      N_("If the steps above have not helped enough, I contact one of them.")),
    "environment": (N_("Making my surroundings safer"),
                    N_("What I will do to keep things I could hurt myself with out of reach.")),
    "reasons_for_living": (N_("What matters to me and keeps me going"), ""),
}


class _WriteLines(Flowable):
    """Lines to write on by hand."""

    def __init__(self, count: int, gap: float = 9 * mm) -> None:
        super().__init__()
        self.count, self.gap = count, gap

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, self.count * self.gap

    def draw(self) -> None:
        self.canv.setStrokeColor(LINE)
        self.canv.setLineWidth(0.5)
        for n in range(self.count):
            y = n * self.gap + 0.8 * mm
            self.canv.line(0, y, self.width, y)


def _style(fonts: Fonts, commands: list[tuple[Any, ...]]) -> TableStyle:
    """A table style whose cells default to an embedded font (reportlab's default, Helvetica, is not)."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.latin), *commands])


def render_pdf(doc_data: SafetyPlanDocument) -> bytes:
    fonts = document_fonts()
    lang = doc_data.lang
    zh = lang == "zh_CN"

    def t(msgid: str, **values: object) -> str:
        return tr_in(lang, msgid, **values)

    body_font = fonts.body(lang)
    bold_font = fonts.cjk if zh else fonts.latin_bold
    wrap = "CJK" if zh else None
    body = ParagraphStyle("body", fontName=body_font, fontSize=12, leading=15.5, wordWrap=wrap)
    item = ParagraphStyle("item", parent=body, leftIndent=6 * mm, bulletIndent=1 * mm, bulletFontName=body_font)
    hint = ParagraphStyle("hint", parent=body, fontSize=9.5, leading=11.5, textColor=colors.HexColor("#555555"),
                          spaceAfter=0.8 * mm)
    small = ParagraphStyle("small", parent=body, fontSize=10, leading=13, textColor=colors.HexColor("#444444"))
    title = ParagraphStyle("title", parent=body, fontName=bold_font, fontSize=22, leading=27, textColor=ACCENT)
    heading = ParagraphStyle("heading", parent=body, fontName=bold_font, fontSize=14, leading=16.5,
                             textColor=ACCENT, spaceAfter=0.5 * mm)
    phone = ParagraphStyle("phone", parent=body, fontName=fonts.latin_bold, fontSize=13, leading=15.5)
    urgent = ParagraphStyle("urgent", parent=body, fontSize=12, leading=16,
                            textColor=colors.HexColor("#7a1c14"))

    def para(s: str, style: ParagraphStyle, bullet: str | None = None) -> Paragraph:
        return Paragraph(_markup(s, fonts, style.fontName), style, bulletText=bullet)

    width = A4[0] - 2 * MARGIN - 12  # the frame keeps 6 pt of padding on each side
    story: list[Flowable] = [para(t(N_("My safety plan")), title)]
    who = doc_data.client_name.strip()
    story.append(para(t(N_("This plan is for {name}."), name=who) if who
                      else t(N_("This plan is for:")) + " ______________________", body))
    counselor_line = " · ".join(v for v in (doc_data.counselor, doc_data.room, doc_data.institution) if v)
    about = [t(N_("Your counselor: {who}"), who=counselor_line) if counselor_line else "",
             t(N_("Counseling room contact: {contact}"), contact=doc_data.room_contact)
             if doc_data.room_contact else ""]
    story += [para(line, small) for line in about if line]
    story.append(Spacer(1, 1.5 * mm))
    story.append(para(t(N_("When things get hard, go through the steps in order until you feel safer. You can "
                           "start at any step. Keep this plan where you can find it quickly.")), body))
    story.append(Spacer(1, 2 * mm))

    danger = Table([[para(t(N_("If you are in danger now, or might act on thoughts of harming yourself or someone "
                                  "else: call the emergency services or go to the nearest hospital emergency "
                                  "department straight away. You do not have to wait.")), urgent)]],
                   colWidths=[width])
    danger.setStyle(_style(fonts, [("BOX", (0, 0), (-1, -1), 1.2, colors.HexColor("#b3261e")),
                                ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm), ("RIGHTPADDING", (0, 0), (-1, -1), 4 * mm),
                                ("TOPPADDING", (0, 0), (-1, -1), 2.5 * mm),
                                ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm)]))

    story += [danger, Spacer(1, 3 * mm)]

    boxes: list[Flowable] = []

    def section(number: int, key: str, content: list[Flowable]) -> None:
        head, line = SECTIONS[key]
        parts: list[Flowable] = [para(f"{number}. {t(head)}", heading)]
        if line:
            parts.append(para(t(line), hint))
        box = Table([[parts + content]], colWidths=[width])
        box.setStyle(_style(fonts, [("BACKGROUND", (0, 0), (-1, -1), SOFT), ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
                                 ("RIGHTPADDING", (0, 0), (-1, -1), 4 * mm), ("TOPPADDING", (0, 0), (-1, -1), 1.6 * mm),
                                 ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2 * mm),
                                 ("LINEBEFORE", (0, 0), (0, -1), 2.2, ACCENT)]))
        boxes.append(box)

    def items(lines: tuple[str, ...], blank: int = 2) -> list[Flowable]:
        if not lines:
            return [_WriteLines(blank, 8 * mm)]
        return [para(s, item, bullet="•") for s in lines]

    def contacts(rows: tuple[tuple[str, str], ...], blank: int = 2) -> list[Flowable]:
        name_w = width - 8 * mm - 62 * mm
        if not rows:
            return [_WriteLines(blank)]
        cells = [[para(n or " ", body), para(p, phone) if p.strip() else ""] for n, p in rows]
        table = Table(cells, colWidths=[name_w, 62 * mm], hAlign="LEFT")
        style: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2 * mm), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
        # a number not known yet leaves a line to write it on
        style += [("LINEBELOW", (1, r), (1, r), 0.5, LINE) for r, (_n, p) in enumerate(rows) if not p.strip()]
        table.setStyle(_style(fonts, style))
        return [table]

    number = 0
    for key, content in (("warning_signs", items(doc_data.warning_signs)),
                         ("coping_steps", items(doc_data.coping_steps)),
                         ("distractions", items(doc_data.distractions)),
                         ("help_people", contacts(doc_data.help_people)),
                         ("professionals", contacts(doc_data.professionals)),
                         ("environment", items(doc_data.environment))):
        number += 1
        section(number, key, content)
    if doc_data.reasons_for_living.strip():
        number += 1
        section(number, "reasons_for_living",
                [para(line, body) for line in doc_data.reasons_for_living.split("\n") if line.strip()])

    agreed = doc_data.agreed_on.isoformat() if doc_data.agreed_on else ""
    made = (t(N_("We made this plan together on {date}."), date=agreed) if agreed
            else t(N_("We made this plan together on:")) + " ____________")
    sign_style = ParagraphStyle("sign", parent=small, fontSize=10.5)
    signatures = Table([[para(t(N_("My signature")), sign_style), "", "", para(t(N_("Counselor")), sign_style),
                         para(doc_data.counselor, body) if doc_data.counselor else ""]],
                       colWidths=[32 * mm, 56 * mm, 8 * mm, 24 * mm, width - 120 * mm], rowHeights=[12 * mm],
                       hAlign="LEFT")
    signatures.setStyle(_style(fonts, [("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                                    ("LINEBELOW", (1, 0), (1, 0), 0.6, colors.black),
                                    ("LINEBELOW", (4, 0), (4, 0), 0.6, colors.black)]))
    closing: list[Flowable] = [Spacer(1, 1 * mm), para(made, body), signatures]
    for box in boxes[:-1]:
        story += [box, Spacer(1, 1.6 * mm)]
    # the last section goes with the closing lines, so that a second page never holds the signatures alone
    story.append(KeepTogether([boxes[-1], Spacer(1, 1.6 * mm), *closing]))

    footer = t(N_("Document no. {number}"), number=doc_data.document_no) if doc_data.document_no else ""
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=13 * mm,
                            bottomMargin=16 * mm, title=t(N_("My safety plan")), author="", subject="",
                            creator="counselroom", invariant=True, initialFontName=fonts.latin)
    doc.build(story, canvasmaker=numbered_canvas(footer, body_font if zh else fonts.latin,
                                                  t(N_("Page {page} of {pages}")), margin=MARGIN,
                                                  baseline=10 * mm, color="#666666"))
    return out.getvalue()

