"""Fonts for printed documents: shipped with the program and embedded in every PDF.

Chinese text uses WenQuanYi Micro Hei (`resources/fonts/wqy-microhei.ttc`, Apache-2.0, licence beside it),
a TrueType collection of about 5 MB that covers every GBK Hanzi. It ships because reportlab embeds only
TrueType outlines: the CJK fonts most Linux desktops carry (Noto CJK, Source Han — the defaults on
Deepin/UOS) are OpenType/CFF and refused, and reportlab's own Chinese CID fonts are not embedded at all.
Shipping one font also means a document looks the same on every machine. reportlab embeds only the glyphs
a document uses, so the PDFs stay small.

Latin text uses Bitstream Vera, which ships with reportlab itself. A piece of text is set in Vera unless
it holds a character Vera lacks ("—" and curly quotes are in Vera; Chinese is not). The recovery key uses
the collection's monospaced face, WenQuanYi Micro Hei Mono.

Should the shipped file be missing or damaged (a broken installation), the font is looked for on the
workstation (`COUNSELROOM_CJK_FONT`, a .ttf or `.ttc#index`, then the system's usual TrueType CJK fonts)
and a warning is logged; only when none loads does Chinese fall back to the non-embedded STSong-Light.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

from ..shipped import resource

log = logging.getLogger(__name__)

SHIPPED_CJK = resource("fonts", "wqy-microhei.ttc")
_REPORTLAB_FONTS = Path(reportlab.__file__).resolve().parent / "fonts"


def _windows_fonts(environ: dict[str, str]) -> Path:
    return Path(environ.get("WINDIR", r"C:\Windows")) / "Fonts"


def system_cjk_candidates(platform: str | None = None, environ: dict[str, str] | None = None
                          ) -> list[tuple[Path, int]]:
    """The workstation's TrueType CJK fonts, in order of preference (sans-serif faces first)."""
    platform = sys.platform if platform is None else platform
    environ = dict(os.environ) if environ is None else environ
    found: list[tuple[Path, int]] = []
    override = environ.get("COUNSELROOM_CJK_FONT", "")
    if override:
        path, _, index = override.partition("#")
        found.append((Path(path), int(index) if index.isdigit() else 0))
    if platform == "win32":
        win = _windows_fonts(environ)
        found += [(win / n, 0) for n in ("msyh.ttc", "msyh.ttf", "simhei.ttf", "Deng.ttf", "simsun.ttc",
                                          "simkai.ttf")]
    elif platform == "darwin":
        found += [(Path(p), 0) for p in (
            "/System/Library/Fonts/STHeiti Light.ttc", "/System/Library/Fonts/STHeiti Medium.ttc",
            "/Library/Fonts/Arial Unicode.ttf", "/System/Library/Fonts/Supplemental/Arial Unicode.ttf")]
    found += [(Path(p), 0) for p in (
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        "/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf",
        "/usr/share/fonts/truetype/arphic/uming.ttc", "/usr/share/fonts/truetype/arphic/ukai.ttc")]
    return found


def _register(name: str, candidates: list[tuple[Path, int]]) -> TTFont | None:
    for path, index in candidates:
        if not path.is_file():
            continue
        try:
            font = TTFont(name, str(path), subfontIndex=index)
            pdfmetrics.registerFont(font)
        except Exception as e:  # noqa: BLE001 - reportlab raises several kinds for unusable fonts
            log.debug("font %s#%d not usable: %s", path, index, type(e).__name__)
            continue
        return font
    return None


@dataclass(frozen=True)
class Fonts:
    latin: str  # embedded TrueType
    latin_bold: str
    cjk: str  # embedded TrueType, or the non-embedded CID fallback
    cjk_embedded: bool
    mono: str
    cjk_source: str = ""  # the file the CJK font came from (for a message, never for a document)
    latin_has: Callable[[str], bool] = field(default=lambda c: ord(c) < 0x250, repr=False, compare=False)

    def for_text(self, text: str) -> str:
        """The Latin font unless the text holds a character it lacks (Chinese, most often)."""
        return self.latin if all(self.latin_has(c) for c in text) else self.cjk

    def body(self, lang: str) -> str:
        return self.cjk if lang == "zh_CN" else self.latin


@cache
def document_fonts() -> Fonts:
    latin = TTFont("CR-Latin", str(_REPORTLAB_FONTS / "Vera.ttf"))
    pdfmetrics.registerFont(latin)
    pdfmetrics.registerFont(TTFont("CR-Latin-Bold", str(_REPORTLAB_FONTS / "VeraBd.ttf")))
    latin_chars = frozenset(latin.face.charToGlyph)
    cjk_font = _register("CR-CJK", [(SHIPPED_CJK, 0)])
    mono_font = _register("CR-Mono", [(SHIPPED_CJK, 1)]) if cjk_font else None
    if cjk_font is None:
        log.warning("the shipped Chinese font is missing or damaged; looking for one on this computer")
        cjk_font = _register("CR-CJK", system_cjk_candidates())
    source = str(cjk_font.face.filename) if cjk_font else ""
    cjk = "CR-CJK" if cjk_font else None
    embedded = cjk is not None
    if cjk is None:
        log.warning("no TrueType Chinese font found; Chinese text in documents will not be embedded")
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        cjk = "STSong-Light"
    mono = "CR-Mono" if mono_font else "CR-Latin-Bold"
    return Fonts(latin="CR-Latin", latin_bold="CR-Latin-Bold", cjk=cjk, cjk_embedded=embedded, mono=mono,
                 cjk_source=source, latin_has=lambda c: ord(c) in latin_chars or c in "\n\t")
