"""Reading a PDF the way a reader would, with poppler: its text page by page, and its fonts."""

from __future__ import annotations

import re
import subprocess


def pages(pdf: bytes) -> list[str]:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return [p for p in out.split("\f") if p.strip()]


def flat(pdf: bytes) -> str:
    """The text with line breaks and spaces removed (Chinese paragraphs wrap anywhere)."""
    return re.sub(r"\s+", "", "".join(pages(pdf)))


def fonts(pdf: bytes) -> list[list[str]]:
    """pdffonts' table: one list of columns a font (name, type, encoding, emb, sub, uni, object, ID)."""
    out = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return [line.split() for line in out.splitlines()[2:] if line.strip()]
