"""Issue 12's changed screens, taken the way tools/screenshots.py takes them for docs/screenshots/, into the
test's temporary folder: each opens at 1366x768 (dialogs within it) in both languages, without an error."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from counselroom import i18n

NAMES = ("dashboard", "dashboard-critical", "tests-critical", "client-relationship", "client-form-relationship",
         "consent-guardian", "retention-rules", "attendance-late", "training-punctuality", "groups-sessions",
         "group-attendance", "group-note", "export-group-notes")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_issue_12_screens_fit_a_laptop_in_both_languages(lang: str, tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools"))
    import screenshots

    i18n.set_language(lang)
    saved = screenshots.issue12_shots(lang, tmp_path)
    assert [p.name for p in saved] == [f"{lang}-issue12-{name}.png" for name in NAMES]
    from PySide6.QtGui import QImage

    for path in saved:
        image = QImage(str(path))
        assert 0 < image.width() <= 1366 and 0 < image.height() <= 768, path.name
