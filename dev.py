#!/usr/bin/env python3
"""Set up and run counselroom from a fresh clone.

    python3 dev.py run [--demo | --vault PATH]   open the program (sets everything up first)
    python3 dev.py test                          run every check: ruff, mypy, pytest
    python3 dev.py bench                         the performance suite (figures, not pass/fail)
    python3 dev.py screenshots                   regenerate docs/screenshots/
    python3 dev.py package [--check-reproducible] build the Linux bundle, .deb, .tar.xz, SHA256SUMS, SBOM in dist/

The virtual environment lives in .venv and is installed from requirements/lock.txt with
--require-hashes; it is rebuilt whenever the lock file or pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements" / "lock.txt"
STAMP = VENV / ".counselroom-installed"
# Debian packages the tests use: poppler for pdftoppm/pdffonts/pdftotext, qpdf for checking PDF
# encryption, and the libraries Qt's offscreen platform loads. No font: the program ships its own
# Chinese font (resources/fonts/), which the documents embed and the window falls back to.
DEBIAN_PACKAGES = ["poppler-utils", "qpdf", "libegl1", "libxkbcommon0", "libfontconfig1", "libgl1", "libglib2.0-0",
                   # the packaging test: xz builds the .deb and .tar.xz; the bundle's window is
                   # started on Xvfb through Qt's xcb platform (the libraries it loads from the system) and
                   # found by its title with xwininfo (dpkg-deb, for the .deb, is in every Debian)
                   "xz-utils", "xvfb", "x11-utils", "libxkbcommon-x11-0", "libxcb-cursor0",
                   "libxcb-icccm4", "libxcb-keysyms1", "libxcb-shape0", "libxcb-render-util0", "libxcb-image0",
                   "libx11-xcb1", "libdbus-1-3"]


def _bin(name: str) -> Path:
    sub = "Scripts" if os.name == "nt" else "bin"
    suffix = ".exe" if os.name == "nt" else ""
    return VENV / sub / f"{name}{suffix}"


def _wanted_stamp() -> str:
    h = hashlib.sha256()
    for f in (LOCK, ROOT / "pyproject.toml"):
        h.update(f.read_bytes())
    h.update(sys.version.encode())
    return h.hexdigest()


def ensure_venv() -> None:
    stamp = _wanted_stamp()
    if STAMP.exists() and STAMP.read_text() == stamp and _bin("python").exists():
        return
    if VENV.exists():
        shutil.rmtree(VENV)
    print("counselroom: creating .venv and installing the locked dependencies ...", flush=True)
    venv.EnvBuilder(with_pip=True).create(VENV)
    py = str(_bin("python"))
    pip = [py, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "install", "--require-hashes", "-r", str(LOCK)], check=True)
    # The build backend (hatchling) comes from the hashed lock too, not from an isolated download.
    subprocess.run([*pip, "install", "--no-deps", "--no-build-isolation", "-e", str(ROOT)], check=True)
    STAMP.write_text(stamp)


def ensure_system_packages() -> None:
    """On Debian/Ubuntu, install what the tests need when it is missing (needs root)."""
    if not sys.platform.startswith("linux") or not shutil.which("dpkg-query"):
        return
    missing = []
    for pkg in DEBIAN_PACKAGES:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True)
        if "install ok installed" not in r.stdout:
            missing.append(pkg)
    if not missing:
        return
    if os.geteuid() != 0:
        print(f"counselroom: please install these Debian packages: {' '.join(missing)}", file=sys.stderr)
        return
    print(f"counselroom: installing {' '.join(missing)} ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def run(cmd: list[str]) -> int:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "bench", "screenshots", "setup", "package"}:
        print(__doc__)
        return 2
    what, rest = argv[0], argv[1:]
    ensure_venv()
    py = str(_bin("python"))
    if what == "setup":
        ensure_system_packages()
        return 0
    if what == "run":
        return run([py, "-m", "counselroom", *rest])
    if what == "bench":
        return run([py, "-m", "benchmarks", *rest])
    if what == "package":
        return run([py, "packaging/build_linux.py", *rest])
    if what == "screenshots":
        ensure_system_packages()
        return run([py, "tools/screenshots.py", *rest])
    ensure_system_packages()
    failed = 0
    failed |= run([py, "-m", "ruff", "check", "src", "tests", "benchmarks", "tools", "packaging", "dev.py"]) != 0
    failed |= run([py, "-m", "mypy"]) != 0
    failed |= run([py, "-m", "pytest", *rest]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
