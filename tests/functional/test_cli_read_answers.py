"""`counselroom read-answers FILE`: reads a cohort's answers file as the import wizard does and says its rows and
columns, with no vault and without printing a name or an answer; a file it cannot read is refused with the
wizard's own message. The bundle test runs the same command on the packaged program (openpyxl carried)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from screening_files import make_cohort, write_csv, write_xlsx  # noqa: E402


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "counselroom", *args], capture_output=True, text=True,
                          env=dict(os.environ, LANG="C.UTF-8"), timeout=120)


def test_it_says_the_rows_and_columns_of_an_xlsx_and_a_csv_and_nothing_of_the_students(tmp_path: Path) -> None:
    cohort = make_cohort(40, seed=5)
    files = [write_xlsx(cohort, tmp_path / "问卷星导出.xlsx"), write_csv(cohort, tmp_path / "answers.csv")]
    before = sorted(tmp_path.rglob("*"))
    for path in files:
        r = cli("read-answers", str(path))
        assert r.returncode == 0, r.stderr
        assert f"{path.name}: 40 rows, {len(cohort.table[0])} columns" in r.stdout
        names = [str(row[1]) for row in cohort.table[1:]]
        assert not any(name in r.stdout + r.stderr for name in names)
    assert sorted(tmp_path.rglob("*")) == before  # nothing written beside the file


def test_a_file_it_cannot_read_is_refused_with_the_wizards_message(tmp_path: Path) -> None:
    spoiled = tmp_path / "answers.xlsx"
    spoiled.write_bytes(b"PK\x03\x04 not really a workbook")
    r = cli("read-answers", str(spoiled))
    assert r.returncode == 1 and "could not be read as an Excel workbook" in r.stderr and not r.stdout
    old = tmp_path / "answers.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    r = cli("read-answers", str(old))
    assert r.returncode == 1 and ".xls file can be saved as .xlsx" in r.stderr
