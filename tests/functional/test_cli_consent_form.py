"""`counselroom consent-form --blank`: a blank form for paper use, in either language, with no vault needed;
anything but a blank form is refused (a client's form is never written to a file)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdffonts"),
                                reason="needs poppler-utils")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "counselroom", *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=120)


def text_of(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    return re.sub(r"\s+", "", out)


@pytest.mark.parametrize(("lang", "words"), [
    ("zh", ["心理咨询知情同意书", "咨询师的资质与服务范围", "保密例外", "录音录像", "来访者签名", "空白表单"]),
    ("en", ["Informedconsenttocounseling", "Exceptionstoconfidentiality", "Client'ssignature", "Blankform"]),
])
def test_blank_form_in_each_language(tmp_path: Path, lang: str, words: list[str]) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    out = folder / f"blank-{lang}.pdf"
    r = cli("consent-form", "--blank", "--lang", lang, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert str(out) in r.stdout
    assert out.read_bytes().startswith(b"%PDF")
    text = text_of(out)
    for word in words:
        assert word in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, check=True, text=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(row[-5] == "yes" for row in rows)
    assert [p.name for p in folder.iterdir()] == [out.name]  # no temporary file left beside it


def test_only_blank_forms_and_usage_errors(tmp_path: Path) -> None:
    r = cli("consent-form", "--lang", "en", "--out", str(tmp_path / "x.pdf"))
    assert r.returncode == 2 and "--blank" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.pdf").exists()
    r = cli("consent-form", "--blank", "--lang", "fr", "--out", str(tmp_path / "x.pdf"))
    assert r.returncode == 2
    r = cli("consent-form", "--blank", "--out", str(tmp_path))
    assert r.returncode == 2 and "folder" in r.stderr
    r = cli("consent-form", "--blank", "--out", str(tmp_path / "missing" / "x.pdf"))
    assert r.returncode == 1 and "Traceback" not in r.stderr
