"""The recovery sheet: the vault's recovery key on one A4 page, to keep in the room's locked cabinet.

`sheet_text()` gives the sheet's words in the sheet's language; `render_pdf()` lays them out with
reportlab and returns the PDF bytes (fonts embedded, nothing written to disk). The window prints the
same words with QPainter (see gui/common/printing.py), so the printed page and the PDF say the same thing.
The sheet holds no client information.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from .. import __version__
from ..i18n import N_, tr_in
from .fonts import Fonts, document_fonts
from .linebreak import Paragraph

GROUPS_PER_LINE = 4


@dataclass(frozen=True)
class RecoverySheet:
    recovery_key: str
    vault_folder: str
    lang: str = "en"
    counselor: str = ""
    room: str = ""
    institution: str = ""
    made_on: date = field(default_factory=date.today)


@dataclass(frozen=True)
class SheetText:
    title: str
    intro: str
    fields: list[tuple[str, str]]
    key_label: str
    key_lines: list[str]
    instructions_title: str
    instructions: list[str]
    sign_line: str
    footer: str


def key_lines(recovery_key: str) -> list[str]:
    groups = recovery_key.split("-")
    return ["  ".join(groups[i:i + GROUPS_PER_LINE]) for i in range(0, len(groups), GROUPS_PER_LINE)]


def sheet_text(sheet: RecoverySheet) -> SheetText:
    lang = sheet.lang

    def t(msgid: str, **values: object) -> str:
        return tr_in(lang, msgid, **values)

    fields = [(t(N_("Counseling room")), sheet.room), (t(N_("Institution")), sheet.institution),
              (t(N_("Counselor")), sheet.counselor), (t(N_("Date made")), sheet.made_on.isoformat()),
              (t(N_("Vault folder")), sheet.vault_folder)]
    return SheetText(
        title=t(N_("counselroom recovery sheet")),
        intro=t(N_("This key opens the counseling room's encrypted records when the passphrase is forgotten. "
                   "Anyone who holds it can read every record: keep it in the room's locked cabinet.")),
        fields=[(label, value) for label, value in fields if value],
        key_label=t(N_("Recovery key")),
        key_lines=key_lines(sheet.recovery_key),
        instructions_title=t(N_("How to keep and use it")),
        instructions=[
            t(N_("Keep this sheet in the counseling room's locked cabinet, away from the workstation. Do not "
                 "photograph it, copy it into a file or send it in a message.")),
            t(N_("To use it: on the unlock screen choose \"Use the recovery key\" and type the 32 letters "
                 "and digits. Dashes, spaces and upper or lower case do not matter.")),
            t(N_("Changing the passphrase does not change this key. Making a new recovery key in Settings "
                 "makes this sheet useless: shred it then.")),
            t(N_("If this sheet is lost or someone else has seen it, unlock counselroom and make a new "
                 "recovery key at once.")),
        ],
        sign_line=t(N_("Stored in the cabinet by: ____________________   Date: ______________")),
        footer=t(N_("Made by counselroom {version}. This sheet contains no client information."),
                 version=__version__),
    )


def _markup(text: str, fonts: Fonts, base: str) -> str:
    """Escape the text and switch to the CJK font for runs of characters the base font lacks."""
    if base == fonts.cjk:
        return escape(text)
    out: list[str] = []
    run, run_cjk = "", False
    for ch in text:
        is_cjk = ord(ch) > 0x24F
        if run and is_cjk != run_cjk:
            out.append(f'<font face="{fonts.cjk}">{escape(run)}</font>' if run_cjk else escape(run))
            run = ""
        run += ch
        run_cjk = is_cjk
    if run:
        out.append(f'<font face="{fonts.cjk}">{escape(run)}</font>' if run_cjk else escape(run))
    return "".join(out)


def render_pdf(sheet: RecoverySheet) -> bytes:
    fonts = document_fonts()
    text = sheet_text(sheet)
    body_font = fonts.body(sheet.lang)
    bold_font = fonts.cjk if sheet.lang == "zh_CN" else fonts.latin_bold
    wrap = "CJK" if sheet.lang == "zh_CN" else None
    body = ParagraphStyle("body", fontName=body_font, fontSize=10.5, leading=15, wordWrap=wrap)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=12,
                           textColor=colors.HexColor("#555555"))
    title = ParagraphStyle("title", parent=body, fontName=bold_font, fontSize=20, leading=26,
                           spaceAfter=4 * mm)
    heading = ParagraphStyle("heading", parent=body, fontName=bold_font, fontSize=12.5, leading=18,
                             spaceBefore=5 * mm, spaceAfter=2 * mm)
    key_style = ParagraphStyle("key", fontName=fonts.mono, fontSize=22, leading=34, alignment=TA_CENTER)

    def para(s: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(_markup(s, fonts, style.fontName), style)

    story: list[object] = [para(text.title, title), para(text.intro, body), Spacer(1, 4 * mm)]
    if text.fields:
        rows = [[para(label, body), para(value, body)] for label, value in text.fields]
        table = Table(rows, colWidths=[38 * mm, None], hAlign="LEFT")
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.latin),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
        story.append(table)
    story.append(para(text.key_label, heading))
    key_table = Table([[Paragraph("<br/>".join(escape(line) for line in text.key_lines), key_style)]],
                      colWidths=[170 * mm])
    key_table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.latin),
                                   ("BOX", (0, 0), (-1, -1), 1.5, colors.black),
                                   ("TOPPADDING", (0, 0), (-1, -1), 5 * mm),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 5 * mm)]))
    story.append(key_table)
    story.append(para(text.instructions_title, heading))
    for n, line in enumerate(text.instructions, start=1):
        story.append(para(f"{n}. {line}", body))
        story.append(Spacer(1, 1.5 * mm))
    story += [Spacer(1, 10 * mm), para(text.sign_line, body), Spacer(1, 12 * mm), para(text.footer, small)]

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=text.title, author="", subject="",
                            creator="counselroom", invariant=True,
                            initialFontName=fonts.latin)  # not Helvetica, which is never embedded
    doc.build(story)
    return out.getvalue()
