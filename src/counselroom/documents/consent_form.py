"""The consent form and the group confidentiality agreement: A4 PDFs built with reportlab, fonts embedded.

`ConsentFormData` is plain data (the records layer fills it from a template, the profile and a client's
consent); `render_pdf()` returns the PDF bytes and writes nothing to disk. Every page carries the form
version, the document number and a short fingerprint: SHA-256 over the form's printed content (not the
signature image or the date of signing), so a paper copy can be matched with the record it was printed
from.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from ..i18n import N_, tr_in
from .fonts import Fonts, document_fonts
from .linebreak import Paragraph
from .page_footer import numbered_canvas
from .recovery_sheet import _markup

CONSENT = "consent"
GROUP_AGREEMENT = "group_agreement"


@dataclass(frozen=True)
class FormItem:
    id: str
    title: str
    text: str
    opt_in: bool = False


@dataclass(frozen=True)
class ConsentFormData:
    lang: str
    kind: str
    title: str
    intro: str
    declaration: str
    items: tuple[FormItem, ...]
    template_version: int
    room: str = ""
    institution: str = ""
    counselor: str = ""
    qualifications: str = ""
    certificate_no: str = ""
    contact: str = ""
    client_name: str = ""
    client_code: str = ""
    guardian_name: str = ""
    minor: bool | None = None  # None: a blank form, whose guardian line applies "if under 18"
    recording: bool | None = None  # None: both boxes left empty, to be ticked on paper
    group_name: str = ""
    document_no: str = ""
    signed_on: date | None = None
    signature_png: bytes | None = field(default=None, repr=False)
    guardian_signed_on: date | None = None  # a minor's guardian signs on their own (issue 12.7)
    guardian_signature_png: bytes | None = field(default=None, repr=False)

    @property
    def blank(self) -> bool:
        return not self.client_code


def fingerprint(data: ConsentFormData) -> str:
    """SHA-256 over the form's printed content; the signature and the date of signing are left out."""
    doc: dict[str, Any] = {
        "lang": data.lang, "kind": data.kind, "title": data.title, "intro": data.intro,
        "declaration": data.declaration, "version": data.template_version,
        "items": [[i.id, i.title, i.text, i.opt_in] for i in data.items],
        "counselor": [data.room, data.institution, data.counselor, data.qualifications, data.certificate_no,
                      data.contact],
        "client": [data.client_name, data.client_code, data.guardian_name, data.minor],
        "recording": data.recording, "group": data.group_name, "document_no": data.document_no}
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def short_fingerprint(hex_digest: str) -> str:
    head = hex_digest[:16].upper()
    return "-".join(head[i:i + 4] for i in range(0, len(head), 4))


class CheckBox(Flowable):
    """A square to tick on paper, ticked already when the choice is recorded."""

    def __init__(self, checked: bool, size: float = 3.6 * mm) -> None:
        super().__init__()
        self.checked = checked
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        c = self.canv
        s = self.size
        c.setLineWidth(0.8)
        c.rect(0, 0, s, s)
        if self.checked:
            c.setLineWidth(1.3)
            c.line(s * 0.18, s * 0.52, s * 0.42, s * 0.2)
            c.line(s * 0.42, s * 0.2, s * 0.85, s * 0.85)


def render_pdf(data: ConsentFormData) -> bytes:
    fonts = document_fonts()
    lang = data.lang

    def t(msgid: str, **values: object) -> str:
        return tr_in(lang, msgid, **values)

    zh = lang == "zh_CN"
    body_font = fonts.body(lang)
    bold_font = fonts.cjk if zh else fonts.latin_bold
    wrap = "CJK" if zh else None
    body = ParagraphStyle("body", fontName=body_font, fontSize=9.5, leading=14, wordWrap=wrap)
    label = ParagraphStyle("label", parent=body, textColor=colors.HexColor("#444444"))
    title = ParagraphStyle("title", parent=body, fontName=bold_font, fontSize=18, leading=24, alignment=1)
    subtitle = ParagraphStyle("subtitle", parent=body, fontSize=10, leading=14, alignment=1,
                              textColor=colors.HexColor("#333333"), spaceAfter=3 * mm)
    heading = ParagraphStyle("heading", parent=body, fontName=bold_font, fontSize=10.5, leading=15,
                             spaceBefore=2.2 * mm, spaceAfter=0.6 * mm, keepWithNext=1)

    def para(s: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(_markup(s, fonts, style.fontName), style)

    blank_value = "" if not data.blank else " "
    story: list[Flowable] = [para(data.title, title)]
    place = " · ".join(v for v in (data.room, data.institution) if v)
    if place:
        story.append(para(place, subtitle))
    else:
        story.append(Spacer(1, 3 * mm))

    details: list[tuple[str, str]] = [
        (t(N_("Counselor")), data.counselor), (t(N_("Qualifications")), data.qualifications),
        (t(N_("Certificate no.")), data.certificate_no), (t(N_("Contact")), data.contact)]
    if data.kind == GROUP_AGREEMENT:
        details += [(t(N_("Group")), data.group_name or blank_value), (t(N_("Member")), data.client_name)]
    else:
        details += [(t(N_("Client")), data.client_name), (t(N_("Client code")), data.client_code)]
    if data.minor:
        details.append((t(N_("Guardian")), data.guardian_name))
    details.append((t(N_("Document no.")), data.document_no or t(N_("Blank form"))))
    story.append(_details_table(details, fonts, label, body))
    story += [Spacer(1, 3 * mm), para(data.intro, body)]

    for n, item in enumerate(data.items, start=1):
        title_para = para(f"{n}. {item.title}", heading)
        lines = [para(line, body) for line in item.text.split("\n") if line.strip()]
        if item.opt_in:  # the choice stays on the page of the text that explains it
            story.append(KeepTogether([title_para, *lines, Spacer(1, 1.5 * mm),
                                       _choice_table(data.recording, fonts, body, t)]))
        else:
            story += [title_para, *lines]

    story.append(Spacer(1, 4 * mm))  # the declaration stays with the lines it is signed on
    story.append(KeepTogether([para(data.declaration, body), Spacer(1, 3 * mm),
                               *_signature_block(data, fonts, label, body, t)]))

    footer = "   ".join([t(N_("Form version {version}"), version=data.template_version),
                         t(N_("Document no. {number}"), number=data.document_no or t(N_("Blank form"))),
                         t(N_("Fingerprint {fingerprint}"), fingerprint=short_fingerprint(fingerprint(data)))])
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=16 * mm,
                            bottomMargin=22 * mm, title=data.title, author="", subject="", creator="counselroom",
                            invariant=True, initialFontName=fonts.latin)
    doc.build(story, canvasmaker=numbered_canvas(footer, fonts.body(lang) if zh else fonts.latin,
                                                 t(N_("Page {page} of {pages}")), rule_at=15.5 * mm))
    return out.getvalue()


def _details_table(details: list[tuple[str, str]], fonts: Fonts, label: ParagraphStyle,
                   body: ParagraphStyle) -> Table:
    """Two label/value pairs a row; an empty value leaves a line to fill in by hand."""
    cells = [[Paragraph(_markup(k, fonts, label.fontName), label),
              Paragraph(_markup(v, fonts, body.fontName), body)] for k, v in details]
    rows = []
    for i in range(0, len(cells), 2):
        pair = cells[i] + (cells[i + 1] if i + 1 < len(cells) else ["", ""])
        rows.append(pair)
    table = Table(rows, colWidths=[31 * mm, 54 * mm, 31 * mm, 54 * mm], hAlign="LEFT")
    style: list[tuple[object, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), fonts.latin), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 0), (-1, -1), 3)]
    for r, row in enumerate(rows):
        for col in (1, 3):
            if row[col - 1] != "":
                style.append(("LINEBELOW", (col, r), (col, r), 0.4, colors.HexColor("#888888")))
    table.setStyle(TableStyle(style))
    return table


def _choice_table(recording: bool | None, fonts: Fonts, body: ParagraphStyle, t: Any) -> Table:
    yes = Paragraph(_markup(t(N_("I agree to audio or video recording of my sessions.")), fonts, body.fontName),
                    body)
    no = Paragraph(_markup(t(N_("I do not agree to audio or video recording.")), fonts, body.fontName), body)
    table = Table([[CheckBox(recording is True), yes], [CheckBox(recording is False), no]],
                  colWidths=[7 * mm, None], hAlign="LEFT")
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.latin), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                               ("TOPPADDING", (0, 0), (-1, -1), 1.5)]))
    return table


def _signature_block(data: ConsentFormData, fonts: Fonts, label: ParagraphStyle, body: ParagraphStyle,
                     t: Any) -> list[Flowable]:
    def p(s: str, style: ParagraphStyle = label) -> Paragraph:
        return Paragraph(_markup(s, fonts, style.fontName), style)

    signer = t(N_("Member's signature")) if data.kind == GROUP_AGREEMENT else t(N_("Client's signature"))
    signed_date = data.signed_on.isoformat() if data.signed_on else ""
    def image_of(png: bytes | None) -> object:
        if not png:
            return ""
        image = ImageReader(io.BytesIO(png))
        w, h = image.getSize()
        height = 14 * mm
        width = min(60 * mm, height * w / max(h, 1))
        return Image(io.BytesIO(png), width=width, height=width * h / max(w, 1))

    first = image_of(data.signature_png)
    rows: list[list[object]] = [[p(signer), first, p(t(N_("Date"))), p(signed_date, body)]]
    if data.kind != GROUP_AGREEMENT and (data.minor or data.minor is None):
        guardian = (t(N_("Guardian's signature")) if data.minor
                    else t(N_("Guardian's signature (if the client is under 18)")))
        guardian_date = data.guardian_signed_on.isoformat() if data.guardian_signed_on else ""
        rows.append([p(guardian), image_of(data.guardian_signature_png), p(t(N_("Date"))), p(guardian_date, body)])
    rows.append([p(t(N_("Counselor's signature"))), "", p(t(N_("Date"))), ""])
    table = Table(rows, colWidths=[44 * mm, 66 * mm, 14 * mm, 46 * mm], rowHeights=[17 * mm] * len(rows),
                  hAlign="LEFT")
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.latin), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                               ("LINEBELOW", (1, 0), (1, -1), 0.6, colors.black),
                               ("LINEBELOW", (3, 0), (3, -1), 0.6, colors.black),
                               ("LEFTPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    out: list[Flowable] = [table]
    if data.signature_png and data.signed_on:
        out.append(Spacer(1, 1.5 * mm))
        caption = (N_("The member's signature above was captured on screen on {date}.")
                   if data.kind == GROUP_AGREEMENT else N_("The client's signature above was captured on screen "
                                                           "on {date}."))
        out.append(p(t(caption, date=data.signed_on.isoformat())))
    if data.guardian_signature_png and data.guardian_signed_on:
        out.append(p(t(N_("The guardian's signature above was captured on screen on {date}."),
                       date=data.guardian_signed_on.isoformat())))
    return out
