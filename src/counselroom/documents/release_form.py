"""The client's written release authorization as a form to print and sign.

It carries only what the counselor fills in before printing (the client's name, the recipient, the purpose,
what is released, the expiry date); every empty field prints as a line to write on. It is printed, never
exported: the window paints these bytes onto the printer from memory (gui/practice/export_dialog.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from .. import __version__
from ..i18n import N_, tr_in
from .fonts import document_fonts
from .linebreak import Paragraph
from .recovery_sheet import _markup

BLANK = "_" * 40


@dataclass(frozen=True)
class ReleaseForm:
    lang: str = "en"
    counselor: str = ""
    room: str = ""
    institution: str = ""
    client_name: str = ""
    recipient: str = ""
    purpose: str = ""
    scope: str = ""
    expires_on: date | None = None


@dataclass(frozen=True)
class FormText:
    title: str
    header: str
    intro: str
    fields: list[tuple[str, str]]
    statements: list[str]
    signatures: list[str]
    date: str
    footer: str


def form_text(form: ReleaseForm) -> FormText:
    """The form's words in its language (kept apart from the layout so tests can read them)."""

    def t(msgid: str, **values: object) -> str:
        return tr_in(form.lang, msgid, **values)

    def value(v: str) -> str:
        return v.strip() or BLANK

    return FormText(
        title=t(N_("Authorization to release counseling records")),
        header=" · ".join(v for v in (form.institution, form.room) if v),
        intro=t(N_("Counseling records are confidential. They are released only with the client's written "
                      "authorization, to the recipient and for the purpose written below, and only what is "
                      "listed.")),
        fields=[
            (t(N_("Client")), value(form.client_name)),
            (t(N_("Released by")), value(", ".join(v for v in (form.counselor, form.room) if v))),
            (t(N_("Released to")), value(form.recipient)),
            (t(N_("Purpose")), value(form.purpose)),
            (t(N_("What is released")), value(form.scope)),
            (t(N_("Valid until")), form.expires_on.isoformat() if form.expires_on else BLANK),
        ],
        statements=[
            t(N_("I understand what will be released, to whom and why.")),
            t(N_("Private process notes and raw test answers are not released unless they are listed above.")),
            t(N_("The released copy is an encrypted PDF; its password is given to the recipient separately.")),
            t(N_("I may withdraw this authorization in writing at any time, except for what has already been "
                 "released.")),
            t(N_("This authorization ends on the date above.")),
        ],
        signatures=[t(N_("Client's signature")), t(N_("Guardian's signature (for a minor)")),
                       t(N_("Counselor's signature"))],
        date=t(N_("Date")),
        footer=t(N_("Made by counselroom {version}. Keep the signed form in the client's file."),
                    version=__version__),
    )


def render_pdf(form: ReleaseForm) -> bytes:
    fonts = document_fonts()
    text = form_text(form)
    body_font = fonts.body(form.lang)
    bold = fonts.cjk if form.lang == "zh_CN" else fonts.latin_bold
    wrap = "CJK" if form.lang == "zh_CN" else None
    body = ParagraphStyle("body", fontName=body_font, fontSize=10.5, leading=16, wordWrap=wrap)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=12, textColor=colors.HexColor("#555555"))
    title = ParagraphStyle("title", parent=body, fontName=bold, fontSize=18, leading=24, spaceAfter=4 * mm)

    def p(s: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(_markup(s, fonts, style.fontName), style)

    story: list[object] = []
    if text.header:
        story.append(p(text.header, small))
    story += [p(text.title, title), p(text.intro, body), Spacer(1, 5 * mm)]
    rows = [[p(k, body), p(v, body)] for k, v in text.fields]
    table = Table(rows, colWidths=[38 * mm, None], hAlign="LEFT")
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.latin), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                               ("TOPPADDING", (0, 0), (-1, -1), 5)]))
    story += [table, Spacer(1, 5 * mm)]
    for line in text.statements:
        story.append(p(f"– {line}", body))
    story.append(Spacer(1, 10 * mm))
    sign_rows = [[p(label, body), p("_" * 26, body), p(text.date, body), p("_" * 14, body)]
                 for label in text.signatures]
    signs = Table(sign_rows, colWidths=[52 * mm, 58 * mm, 14 * mm, None], hAlign="LEFT")
    signs.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.latin), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 9 * mm)]))
    story += [KeepTogether([signs]), Spacer(1, 12 * mm), p(text.footer, small)]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=text.title, author="", subject="",
                            creator="counselroom", invariant=True, initialFontName=fonts.latin)
    doc.build(story)
    return out.getvalue()
