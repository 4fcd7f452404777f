"""The recovery sheet PDF: the key and the instructions are there as text, in both languages, and every
font is embedded (so it prints the same on a machine without Chinese fonts)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from counselroom.documents.recovery_sheet import RecoverySheet, key_lines, render_pdf
from counselroom.vault.recovery import generate

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdffonts"),
                                reason="needs poppler-utils")


def _text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def _fonts(pdf: bytes) -> list[list[str]]:
    out = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def _sheet(lang: str, key: str) -> RecoverySheet:
    return RecoverySheet(recovery_key=key, vault_folder="/home/counselor/.local/share/counselroom/vault",
                         lang=lang, counselor="林晓雯", room="心理咨询室 Room 204",
                         institution="Example University",
                         made_on=date(2026, 3, 9))


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ["counselroom recovery sheet", "Recovery key", "locked cabinet", "Counselor", "林晓雯",
            "2026-03-09"]),
    ("zh_CN", ["恢复密钥单", "恢复密钥", "档案柜", "咨询师", "林晓雯", "2026-03-09"]),
])
def test_sheet_text_and_embedded_fonts(lang: str, expected: list[str]) -> None:
    key = generate()
    pdf = render_pdf(_sheet(lang, key))
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    for line in key_lines(key):
        assert line.replace("  ", " ") in " ".join(text.split())
    for phrase in expected:
        assert phrase in text
    assert "/home/counselor/.local/share/counselroom/vault" in text
    fonts = _fonts(pdf)
    assert fonts, "no fonts listed"
    for row in fonts:
        # columns: name type encoding emb sub uni object ID; "emb" is the 4th from the end
        assert row[-4] == "yes", f"font not embedded: {row[0]}"


def test_chinese_sheet_embeds_a_cjk_font() -> None:
    pdf = render_pdf(_sheet("zh_CN", generate()))
    names = [row[0] for row in _fonts(pdf)]
    assert any("Vera" not in n and "Mono" not in n for n in names), names


def test_empty_fields_are_left_out() -> None:
    sheet = RecoverySheet(recovery_key=generate(), vault_folder="/v", lang="en")
    text = _text(render_pdf(sheet))
    assert "Counselor" not in text
    assert "Vault folder" in text


def test_key_lines_group_four_by_line() -> None:
    key = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH"
    assert key_lines(key) == ["AAAA  BBBB  CCCC  DDDD", "EEEE  FFFF  GGGG  HHHH"]
