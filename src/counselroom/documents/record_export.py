"""The locked export's document: a record copy, a referral letter or a transfer summary of one client.

`render_pdf()` lays out plain data (an `ExportDocument`) with reportlab on A4, fonts embedded, every page
watermarked with the recipient, purpose, date and export number (diagonally across the page and as a
line in the bottom margin). `encrypt_pdf()` locks those bytes with AES-256 (PDF 2.0 security handler,
revision 6) through pikepdf/qpdf: reportlab's own AES-256 renders blank in poppler. `locked_pdf()` does
both. Everything happens in memory; the caller writes the one encrypted file.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pikepdf
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from ..i18n import N_, tr_in
from .fonts import Fonts, document_fonts
from .linebreak import Paragraph
from .recovery_sheet import _markup

KINDS = ("record_copy", "referral_letter", "transfer_summary")
KIND_TITLES = {"record_copy": N_("Copy of counseling record"), "referral_letter": N_("Referral letter"),
               "transfer_summary": N_("Case transfer summary")}
PAGE_W, PAGE_H = A4
MARGIN = 20 * mm


@dataclass(frozen=True)
class DocAddendum:
    text: str
    signed_at: str
    signed_by: str
    fingerprint: str


@dataclass(frozen=True)
class DocNote:
    session_date: date
    form_title: str
    sections: list[tuple[str, str]]  # (section title in the document's language, text)
    signed_at: str = ""
    signed_by: str = ""
    fingerprint: str = ""
    addenda: list[DocAddendum] = field(default_factory=list)
    private_text: str | None = None  # None: not chosen for this export


@dataclass(frozen=True)
class DocSection:
    """A further part of the record (such as test results, supplied by the part that keeps them)."""
    title: str
    lines: list[str]


@dataclass(frozen=True)
class ExportDocument:
    lang: str
    kind: str
    number: str
    made_on: date
    recipient: str
    purpose: str
    basis: str  # one sentence: the authorization or the named exception with its justification
    counselor: list[tuple[str, str]]  # (label, value) of the counselor's profile, filled ones only
    room: str
    institution: str
    client: list[tuple[str, str]]  # (label, value), already translated
    letter_text: str = ""
    notes: list[DocNote] = field(default_factory=list)
    sections: list[DocSection] = field(default_factory=list)
    counselor_name: str = ""


def watermark_line(doc: ExportDocument) -> str:
    return tr_in(doc.lang, N_("Released to {recipient} · Purpose: {purpose} · {date} · {number}"),
                 recipient=doc.recipient, purpose=doc.purpose, date=doc.made_on.isoformat(), number=doc.number)


class _Styles:
    def __init__(self, fonts: Fonts, lang: str) -> None:
        body_font = fonts.body(lang)
        bold = fonts.cjk if lang == "zh_CN" else fonts.latin_bold
        wrap = "CJK" if lang == "zh_CN" else None
        self.body = ParagraphStyle("body", fontName=body_font, fontSize=10, leading=14.5, wordWrap=wrap)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8, leading=11,
                                    textColor=colors.HexColor("#555555"))
        self.meta = ParagraphStyle("meta", parent=self.small, keepWithNext=1)
        self.label = ParagraphStyle("label", parent=self.body, textColor=colors.HexColor("#444444"))
        self.title = ParagraphStyle("title", parent=self.body, fontName=bold, fontSize=17, leading=23,
                                    spaceAfter=3 * mm)
        self.h2 = ParagraphStyle("h2", parent=self.body, fontName=bold, fontSize=12, leading=17,
                                 spaceBefore=5 * mm, spaceAfter=1.5 * mm, keepWithNext=1)
        self.h3 = ParagraphStyle("h3", parent=self.body, fontName=bold, fontSize=10.5, leading=15,
                                 spaceBefore=2.5 * mm, spaceAfter=0.5 * mm, keepWithNext=1)
        self.private = ParagraphStyle("private", parent=self.body, backColor=colors.HexColor("#fff4ce"),
                                      borderColor=colors.HexColor("#b38600"), borderWidth=0.6, borderPadding=4,
                                      spaceBefore=3 * mm, spaceAfter=2 * mm)
        self.bold_font = bold


def _paragraphs(text: str, style: ParagraphStyle, fonts: Fonts) -> list[Any]:
    """Each line of typed text as its own paragraph (line breaks are kept; markup is not interpreted)."""
    out: list[Any] = []
    for line in text.splitlines() or [""]:
        out.append(Paragraph(_markup(line, fonts, style.fontName) or "&nbsp;", style))
    return out


def _fact_table(rows: list[tuple[str, str]], s: _Styles, fonts: Fonts, label_width: float = 34 * mm) -> Any:
    if not rows:  # an empty profile: reportlab refuses a table without rows
        return Spacer(1, 0)
    data = [[Paragraph(_markup(k, fonts, s.label.fontName), s.label),
             Paragraph(_markup(v, fonts, s.body.fontName), s.body)] for k, v in rows]
    table = Table(data, colWidths=[label_width, None], hAlign="LEFT")
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.latin), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                               ("TOPPADDING", (0, 0), (-1, -1), 1.5)]))
    return table


def _note_story(note: DocNote, doc: ExportDocument, s: _Styles, fonts: Fonts) -> list[Any]:
    def t(msgid: str, **values: object) -> str:
        return tr_in(doc.lang, msgid, **values)

    def p(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(_markup(text, fonts, style.fontName), style)

    head = [p(t(N_("Session of {date} — {form}"), date=note.session_date.isoformat(), form=note.form_title), s.h2)]
    if note.fingerprint:
        head.append(p(t(N_("Signed by {name} on {at}. Fingerprint {fingerprint}"), name=note.signed_by,
                        at=note.signed_at[:16].replace("T", " "), fingerprint=note.fingerprint), s.meta))
    story: list[Any] = [*head]  # headings keep with what follows them (keepWithNext), text flows freely
    for title, text in note.sections:
        if text.strip():
            story += [p(title, s.h3), *_paragraphs(text, s.body, fonts)]
    if len(story) == len(head):
        story.append(p(t(N_("(No text in this note.)")), s.body))
    for addendum in note.addenda:
        story.append(p(t(N_("Addendum signed by {name} on {at}. Fingerprint {fingerprint}"), name=addendum.signed_by,
                         at=addendum.signed_at[:16].replace("T", " "), fingerprint=addendum.fingerprint), s.h3))
        story += _paragraphs(addendum.text, s.body, fonts)
    if note.private_text is not None and note.private_text.strip():
        story.append(p(t(N_("Private process notes (included by the counselor's explicit choice)")), s.h3))
        story.append(Paragraph("<br/>".join(_markup(line, fonts, s.private.fontName)
                                            for line in note.private_text.splitlines()), s.private))
    return story


def _story(doc: ExportDocument, fonts: Fonts, s: _Styles) -> list[Any]:
    def t(msgid: str, **values: object) -> str:
        return tr_in(doc.lang, msgid, **values)

    def p(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(_markup(text, fonts, style.fontName), style)

    story: list[Any] = [p(t(KIND_TITLES[doc.kind]), s.title)]
    story.append(_fact_table([(t(N_("Export number")), doc.number), (t(N_("Date")), doc.made_on.isoformat()),
                              (t(N_("Released to")), doc.recipient), (t(N_("Purpose")), doc.purpose),
                              (t(N_("Basis")), doc.basis)], s, fonts))
    story.append(Spacer(1, 2 * mm))
    story.append(p(t(N_("Confidential. Released only to the recipient named above, for the purpose stated. "
                        "Do not copy or pass on without the client's authorization.")), s.small))

    letter_heading = {"referral_letter": N_("Reason for referral"), "transfer_summary": N_("Summary"),
                      "record_copy": N_("Covering note")}[doc.kind]
    letter = [p(t(letter_heading), s.h2), *_paragraphs(doc.letter_text, s.body, fonts)] \
        if doc.letter_text.strip() else []
    client = [p(t(N_("Client")), s.h2), _fact_table(doc.client, s, fonts)]
    if doc.kind == "referral_letter":
        story.append(Spacer(1, 3 * mm))
        story.append(p(t(N_("To: {recipient}"), recipient=doc.recipient), s.body))
        story += client + letter
    else:
        story += client + letter
    story += [item for section in doc.sections
              for item in [p(section.title, s.h2), *[p(line, s.body) for line in section.lines]]]
    if doc.notes:
        heading = N_("Session records") if doc.kind == "record_copy" else N_("Session records enclosed")
        story.append(p(t(heading), s.h2))
        story.append(p(t(N_("Signed session notes included: {count}, oldest first. Each fingerprint identifies "
                            "the signed original kept in the counseling room."), count=len(doc.notes)), s.meta))
        for note in doc.notes:
            story += _note_story(note, doc, s, fonts)
    story.append(Spacer(1, 8 * mm))
    story.append(KeepTogether([p(t(N_("Counselor")), s.h2), _fact_table(doc.counselor, s, fonts),
                               Spacer(1, 10 * mm),
                               p(t(N_("Signature: ______________________   Date: ______________")), s.body)]))
    return story


def _page_decorator(doc: ExportDocument, fonts: Fonts) -> Any:
    line = watermark_line(doc)
    header = " · ".join(v for v in (doc.institution, doc.room) if v)
    font_for_line = fonts.cjk if any(ord(c) > 0x24F for c in line) else fonts.latin
    diag_font = fonts.cjk if any(ord(c) > 0x24F for c in doc.recipient + doc.purpose) else fonts.latin_bold

    def draw(canvas: Canvas, template: Any) -> None:
        canvas.saveState()
        # Diagonal watermark: light, behind nothing (drawn first), recipient and number large enough to
        # survive a photocopy, repeated so a cropped page still carries it.
        canvas.setFillColor(colors.Color(0.55, 0.55, 0.55, alpha=0.16))
        canvas.translate(PAGE_W / 2, PAGE_H / 2)
        canvas.rotate(52)
        for offset, text, size in ((70 * mm, doc.number, 30), (0, doc.recipient, 24),
                                   (-70 * mm, f"{doc.made_on.isoformat()} · {doc.number}", 22)):
            canvas.setFont(diag_font if text == doc.recipient else fonts.latin_bold, size)
            canvas.drawCentredString(0, offset, text[:60])
        canvas.restoreState()
        canvas.saveState()
        canvas.setFillColor(colors.HexColor("#333333"))
        if header:
            canvas.setFont(fonts.for_text(header), 8.5)
            canvas.drawString(MARGIN, PAGE_H - 12 * mm, header)
        canvas.setFont(fonts.latin, 8.5)
        canvas.drawRightString(PAGE_W - MARGIN, PAGE_H - 12 * mm, doc.number)
        canvas.setStrokeColor(colors.HexColor("#999999"))
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, PAGE_H - 13.5 * mm, PAGE_W - MARGIN, PAGE_H - 13.5 * mm)
        canvas.line(MARGIN, 14 * mm, PAGE_W - MARGIN, 14 * mm)
        canvas.setFont(font_for_line, 7.5)
        canvas.drawString(MARGIN, 10 * mm, line[:140])
        page = tr_in(doc.lang, N_("Page {page}"), page=canvas.getPageNumber())
        canvas.setFont(fonts.for_text(page), 7.5)
        canvas.drawRightString(PAGE_W - MARGIN, 6 * mm, page)
        canvas.restoreState()

    return draw


def render_pdf(doc: ExportDocument) -> bytes:
    """The unencrypted document, in memory. Only `locked_pdf()` output may leave the program."""
    if doc.kind not in KINDS:
        raise ValueError(doc.kind)
    fonts = document_fonts()
    s = _Styles(fonts, doc.lang)
    out = io.BytesIO()
    template = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=20 * mm,
                                 bottomMargin=20 * mm, title=f"{tr_in(doc.lang, KIND_TITLES[doc.kind])} {doc.number}",
                                 author="", subject="", creator="counselroom", invariant=True,
                                 initialFontName=fonts.latin)
    decorate = _page_decorator(doc, fonts)
    template.build(_story(doc, fonts, s), onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()


def encrypt_pdf(pdf: bytes, user_password: str, owner_password: str | None = None) -> bytes:
    """Lock a PDF with AES-256 (R6): opening needs the user password; printing and copying text are
    allowed, changing it is not (the owner password is random and never kept)."""
    owner = owner_password or secrets.token_urlsafe(32)
    allow = pikepdf.Permissions(accessibility=True, extract=True, modify_annotation=False, modify_assembly=False,
                                modify_form=False, modify_other=False, print_lowres=True, print_highres=True)
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as src:
        src.save(out, encryption=pikepdf.Encryption(user=user_password, owner=owner, R=6, allow=allow,
                                                    aes=True, metadata=True),
                 fix_metadata_version=False, deterministic_id=False)
    return out.getvalue()


def locked_pdf(doc: ExportDocument, user_password: str) -> bytes:
    return encrypt_pdf(render_pdf(doc), user_password)
