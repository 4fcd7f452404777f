"""Fonts for printed documents, found on the workstation at run time and embedded in every PDF.

Why not ship a font: a TrueType CJK font is 5 to 20 MB (WenQuanYi Micro Hei is 5 MB), which would
multiply the size of the repository and the installer, while every machine that a Chinese-speaking
counselor uses already has one (Windows: Microsoft YaHei, SimHei, SimSun; macOS: STHeiti; Linux:
WenQuanYi, Droid Sans Fallback, AR PL). reportlab embeds only the glyphs a document uses, so the PDFs
stay small whichever font is found.

reportlab refuses OpenType/CFF fonts (Noto CJK, Source Han), so each candidate is tried and skipped
when it does not load. A font can also be named with the COUNSELROOM_CJK_FONT environment variable
(a .ttf, or a .ttc with `#index`) or dropped into `resources/fonts/`.

Latin text uses Bitstream Vera, which ships with reportlab itself, so an English document always has
embedded fonts. When no CJK TrueType font exists at all, Chinese text falls back to reportlab's
STSong-Light CID font, which is not embedded (the document still prints where a reader supplies it)
and a warning is logged.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

from ..shipped import resource

log = logging.getLogger(__name__)

_RESOURCE_FONTS = resource("fonts")
_REPORTLAB_FONTS = Path(reportlab.__file__).resolve().parent / "fonts"


def _windows_fonts() -> Path:
    return Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"


def _cjk_candidates() -> list[tuple[Path, int]]:
    """(path, subfont index) in order of preference: sans-serif faces first, they print cleanly."""
    found: list[tuple[Path, int]] = []
    override = os.environ.get("COUNSELROOM_CJK_FONT", "")
    if override:
        path, _, index = override.partition("#")
        found.append((Path(path), int(index) if index.isdigit() else 0))
    if _RESOURCE_FONTS.is_dir():
        found += [(p, 0) for p in sorted(_RESOURCE_FONTS.iterdir()) if p.suffix.lower() in (".ttf", ".ttc")]
    if sys.platform == "win32":
        win = _windows_fonts()
        found += [(win / n, 0) for n in ("msyh.ttc", "msyh.ttf", "simhei.ttf", "Deng.ttf", "simsun.ttc",
                                          "simkai.ttf")]
    elif sys.platform == "darwin":
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


def _mono_candidates() -> list[tuple[Path, int]]:
    found: list[tuple[Path, int]] = []
    if sys.platform == "win32":
        found += [(_windows_fonts() / "consola.ttf", 0), (_windows_fonts() / "cour.ttf", 0)]
    elif sys.platform == "darwin":
        found += [(Path("/System/Library/Fonts/Menlo.ttc"), 0), (Path("/Library/Fonts/Courier New.ttf"), 0)]
    found += [(Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"), 0),
              (Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"), 0),
              (Path("/usr/share/fonts/dejavu/DejaVuSansMono.ttf"), 0),
              (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 1)]  # its "Mono" face
    return found


def _register(name: str, candidates: list[tuple[Path, int]]) -> str | None:
    for path, index in candidates:
        if not path.is_file():
            continue
        try:
            pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=index))
        except Exception as e:  # noqa: BLE001 - reportlab raises several kinds for unusable fonts
            log.debug("font %s#%d not usable: %s", path, index, type(e).__name__)
            continue
        return name
    return None


@dataclass(frozen=True)
class Fonts:
    latin: str  # embedded TrueType
    latin_bold: str
    cjk: str  # embedded TrueType, or the non-embedded CID fallback
    cjk_embedded: bool
    mono: str

    def for_text(self, text: str) -> str:
        """The Latin font unless the text needs CJK glyphs."""
        return self.cjk if any(ord(c) > 0x24F for c in text) else self.latin

    def body(self, lang: str) -> str:
        return self.cjk if lang == "zh_CN" else self.latin


@cache
def document_fonts() -> Fonts:
    pdfmetrics.registerFont(TTFont("CR-Latin", str(_REPORTLAB_FONTS / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont("CR-Latin-Bold", str(_REPORTLAB_FONTS / "VeraBd.ttf")))
    cjk = _register("CR-CJK", _cjk_candidates())
    embedded = cjk is not None
    if cjk is None:
        log.warning("no TrueType Chinese font found; Chinese text in documents will not be embedded")
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        cjk = "STSong-Light"
    mono = _register("CR-Mono", _mono_candidates()) or "CR-Latin-Bold"
    return Fonts(latin="CR-Latin", latin_bold="CR-Latin-Bold", cjk=cjk, cjk_embedded=embedded, mono=mono)
