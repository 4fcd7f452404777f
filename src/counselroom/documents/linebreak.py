"""Chinese line breaking for printed documents.

reportlab's CJK wrap (`wordWrap="CJK"`) breaks anywhere and only hangs one closing mark into the margin;
its list of marks that may not start a line lacks the full-width comma, colon, semicolon, question and
exclamation marks, and it has no rule for opening brackets at a line's end. Here a break is moved back
until the line neither ends with an opening mark nor leaves a closing mark to start the next line (the
usual 避头尾 rules of Chinese typesetting), and a run of Latin letters or digits is kept whole. The moved
characters go to the next line; nothing hangs into the margin.

`Paragraph` is a drop-in for reportlab's: documents import it from here.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from reportlab.platypus import paragraph as rl_paragraph

# May not start a line: closing marks and the marks that follow what they belong to.
CANNOT_START = frozenset(
    "，。、；：？！）」』】》〉〕］｝〗〞’”…‥—·・．％‰℃"  # full-width and Chinese marks
    ",.;:?!)]}%"  # their ASCII forms
)
# May not end a line: opening marks.
CANNOT_END = frozenset("（「『【《〈〔［｛〖〝‘“([{")


def _is_word_char(ch: str) -> bool:
    """Part of a Latin word or a number, which is never split."""
    return ch.isascii() and (ch.isalnum() or ch in "-_@./'")


def break_points(text: str, widths: list[float], max_widths: list[float]) -> list[int]:
    """Where each line after the first starts, for text of these character widths.

    Pure and small so it is tested directly: each line fits its width when it can, no line starts with
    a mark of CANNOT_START, none ends with one of CANNOT_END, and a Latin word or number stays whole —
    unless a single line could not then hold anything, when the text is broken where it overflows.
    """
    starts: list[int] = []
    start, used, n = 0, 0.0, len(text)
    i = 0
    while i < n:
        limit = max_widths[min(len(starts), len(max_widths) - 1)]
        if text[i] == "\n":
            starts.append(i + 1)
            start, used, i = i + 1, 0.0, i + 1
            continue
        if used + widths[i] <= limit + 1e-6 or i == start:
            used += widths[i]
            i += 1
            continue
        b = i
        if _is_word_char(text[b]) and _is_word_char(text[b - 1]):
            k = b
            while k > start and _is_word_char(text[k - 1]):
                k -= 1
            if k > start:
                b = k
        while b > start + 1 and (text[b] in CANNOT_START or text[b - 1] in CANNOT_END):
            b -= 1
        while b < n and text[b] == " ":  # a space at the break goes with it
            b += 1
        starts.append(b)
        start, used, i = b, 0.0, b
    return starts


def _split(frags: list[Any], max_widths: list[float], calc_bounds: bool) -> Any:
    glyphs: list[Any] = []
    for f in frags:
        text = f.text.decode("utf8") if isinstance(f.text, bytes) else f.text
        if hasattr(f, "lineBreak"):
            glyphs.append(rl_paragraph.cjkU("\n", f, "utf8"))
        elif text:
            glyphs.extend(rl_paragraph.cjkU(t, f, "utf8") for t in text)
        else:
            glyphs.append(rl_paragraph.cjkU(text, f, "utf8"))
    text = "".join(str(g) if len(str(g)) == 1 else "\u200b" for g in glyphs)  # images/empty frags: one slot
    widths = [_width(g, max_widths[0]) for g in glyphs]
    bounds = [0, *break_points(text, widths, max_widths), len(glyphs)]
    lines = []
    for n_line, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
        if a >= b and n_line:
            continue
        max_width = max_widths[min(n_line, len(max_widths) - 1)]
        part = glyphs[a:b]
        hard = bool(part) and str(part[-1]) == "\n"
        if hard:
            part = [*part[:-1], rl_paragraph.cjkU("", part[-1].frag, "utf8")]
        while not hard and part and b < len(glyphs) and unicodedata.category(str(part[-1]) or "x") == "Zs":
            part = part[:-1]
        used = sum(_width(g, max_width) for g in part)
        lines.append(rl_paragraph.makeCJKParaLine(part, max_width, used, max_width - used, hard, calc_bounds))
    return rl_paragraph.ParaLines(kind=1, lines=lines)


def _width(g: Any, max_width: float) -> float:
    w = g.width
    if hasattr(w, "normalizedValue"):
        w._normalizer = max_width
        w = w.normalizedValue(max_width)
    return float(w)


class Paragraph(rl_paragraph.Paragraph):
    """reportlab's Paragraph whose CJK wrapping follows the Chinese rules above."""

    def breakLinesCJK(self, maxWidths: Any) -> Any:  # noqa: N802 - reportlab's name
        if not isinstance(maxWidths, list | tuple):
            maxWidths = [maxWidths]  # noqa: N806
        if hasattr(self, "blPara") and getattr(self, "_splitpara", False):
            return self.blPara
        style = self.style
        self.height = 0
        rl_paragraph._handleBulletWidth(self.bulletText, style, maxWidths)
        frags = self.frags
        if not frags:
            return rl_paragraph.ParaLines(kind=0, fontSize=style.fontSize, fontName=style.fontName,
                                          textColor=style.textColor, lines=[], ascent=style.fontSize,
                                          descent=-0.2 * style.fontSize)
        auto_leading = getattr(self, "autoLeading", getattr(style, "autoLeading", ""))
        return _split(frags, list(maxWidths), auto_leading not in ("", "off"))
