"""The documents' fonts travel with the program, and Chinese lines break by the Chinese rules."""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import SimpleDocTemplate

from counselroom.documents.fonts import SHIPPED_CJK, document_fonts, system_cjk_candidates
from counselroom.documents.linebreak import CANNOT_END, CANNOT_START, Paragraph, break_points
from counselroom.records.consent import blank_form_pdf
from counselroom.shipped import resource
from pdf_text import flat
from pdf_text import fonts as pdf_fonts


def test_the_chinese_font_is_the_shipped_truetype_one_whatever_the_system_has() -> None:
    fonts = document_fonts()
    assert SHIPPED_CJK.is_file() and resource("fonts", "LICENSE-Apache-2.0.txt").is_file()
    assert fonts.cjk_embedded and fonts.cjk == "CR-CJK"
    assert Path(fonts.cjk_source).resolve() == SHIPPED_CJK.resolve()
    assert fonts.mono == "CR-Mono"  # the collection's monospaced face, for the recovery key


def test_a_blank_chinese_form_embeds_every_font_and_reads_as_chinese() -> None:
    pdf = blank_form_pdf("zh_CN")
    rows = pdf_fonts(pdf)
    assert rows and all(r[-5] == "yes" for r in rows), rows  # the "emb" column
    assert any("WenQuanYi" in r[0] for r in rows)
    assert "知情同意" in flat(pdf)


def test_english_text_with_dashes_and_quotes_stays_in_the_latin_font() -> None:
    fonts = document_fonts()
    assert fonts.for_text("Consent — “informed” ‘choice’…") == fonts.latin
    assert fonts.for_text("知情同意") == fonts.cjk


def test_system_candidates_name_the_platform_fonts() -> None:
    win = system_cjk_candidates("win32", {"WINDIR": r"D:\Win"})
    assert win[0][0].name == "msyh.ttc" and "Win" in str(win[0][0])
    mac = system_cjk_candidates("darwin", {})
    assert any("STHeiti" in str(p) for p, _ in mac)
    override = system_cjk_candidates("linux", {"COUNSELROOM_CJK_FONT": "/x/f.ttc#2"})
    assert override[0] == (Path("/x/f.ttc"), 2)


def _lines(text: str, width: float) -> list[str]:
    starts = break_points(text, [1.0] * len(text), [width])
    bounds = [0, *starts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def test_no_line_starts_with_a_closing_mark_or_ends_with_an_opening_one() -> None:
    text = "来访者说：“我最近睡不好。”（每晚约三小时）「睡眠日记」显示，情况在考试前加重；是否需要转介？！好。"
    for width in range(3, 20):
        lines = _lines(text, width)
        assert "".join(lines) == text
        for line in lines[1:]:
            assert line[0] not in CANNOT_START, (width, lines)
        for line in lines[:-1]:
            assert line[-1] not in CANNOT_END, (width, lines)
        assert all(len(line) <= width for line in lines), (width, lines)


def test_a_latin_word_or_number_is_not_split_and_a_newline_breaks() -> None:
    lines = _lines("参加PHQ-9测评，得分12分", 6)
    assert "PHQ-9" in "".join(lines) and any("PHQ-9" in line for line in lines), lines
    assert _lines("第一行\n第二行", 20) == ["第一行\n", "第二行"]


def test_a_rendered_paragraph_follows_the_rules() -> None:
    fonts = document_fonts()
    style = ParagraphStyle("b", fontName=fonts.cjk, fontSize=10, leading=14, wordWrap="CJK")
    text = "咨询师应在首次会谈前说明保密的限度，包括：自伤或伤人的危险、法律要求，以及（在来访者同意时）转介。" * 4
    para = Paragraph(text, style)
    for width in (61, 83, 97, 131, 157):
        para.wrap(width, 1000)
        lines = ["".join(f.text for f in line.words) for line in para.blPara.lines]
        assert "".join(lines) == text
        assert all(line[0] not in CANNOT_START for line in lines[1:]), lines
        assert all(line[-1] not in CANNOT_END for line in lines[:-1]), lines
    out = io.BytesIO()
    SimpleDocTemplate(out).build([Paragraph(text, style)])
    assert "转介" in flat(out.getvalue())
