"""A wheel carries everything: every file under resources/ is in it, and the installed package (not the
checkout) prints a blank form with embedded fonts and opens the demo vault's window."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pdf_text import fonts as pdf_fonts

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-w", str(out), str(ROOT)], check=True, capture_output=True)
    (found,) = out.glob("counselroom-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check",
                    "--target", str(target), str(wheel)], check=True, capture_output=True)
    return target


def _run(installed: Path, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(installed), QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=180,
                          cwd=installed, **kw)  # type: ignore[call-overload]


def test_every_resource_file_is_in_the_wheel(wheel: Path) -> None:
    shipped = {p.relative_to(ROOT / "resources").as_posix() for p in (ROOT / "resources").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    inside = {n.removeprefix("counselroom/resources/") for n in names if n.startswith("counselroom/resources/")}
    assert shipped and shipped <= inside, sorted(shipped - inside)[:10]
    for needed in ("fonts/wqy-microhei.ttc", "fonts/LICENSE-Apache-2.0.txt", "icons/counselroom-256.png",
                   "i18n/zh_CN/LC_MESSAGES/counselroom.mo", "consent/standard.json", "instruments/phq9.json",
                   "note_templates/soap.json"):
        assert any(n.startswith(needed) for n in inside), needed
    assert "counselroom/py.typed" in names
    assert not any(n.startswith(("tests/", "counselroom/tests")) for n in names)


def test_the_installed_package_is_used_and_prints_a_blank_form(installed: Path, tmp_path: Path) -> None:
    where = _run(installed, "-c", "import counselroom.shipped as s; print(s.__file__); print(s.resources_dir())")
    module, resources = where.stdout.split()
    assert module.startswith(str(installed)) and resources.startswith(str(installed)), where.stdout
    out = tmp_path / "blank.pdf"
    r = _run(installed, "-m", "counselroom", "consent-form", "--blank", "--lang", "zh", "--out", str(out))
    assert r.returncode == 0, r.stderr
    rows = pdf_fonts(out.read_bytes())
    assert rows and all(row[-5] == "yes" for row in rows)
    assert any("WenQuanYi" in row[0] for row in rows)


def test_the_installed_package_opens_the_demo(installed: Path) -> None:
    driver = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from counselroom import app as app_module\n"
        "qt = QApplication([])\n"
        "def look():\n"
        "    window = next(w for w in qt.topLevelWidgets() if w.isVisible())\n"
        "    screen = window.screens.currentWidget()\n"
        "    print(type(screen).__name__, window.windowTitle(), qt.windowIcon().isNull())\n"
        "    window.close()\n"
        "QTimer.singleShot(1500, look)\n"
        "sys.exit(app_module.main(['--demo', '--lang', 'en']))\n"
    )
    r = _run(installed, "-c", driver)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["UnlockScreen", "DEMO", "DATA", "—", "counselroom", "False"], r.stdout + r.stderr
