"""The Linux packages, built and used as a counselor or an administrator would use them.

Builds the PyInstaller bundle, the .deb, the .tar.xz, SHA256SUMS and the SBOM with `dev.py package`'s own
code, twice, and checks that the second build is byte-identical; then runs the bundle: --version, init,
check, backup and verify-backup through its command line, a blank consent form with embedded fonts, a
cohort's .xlsx answers file read (openpyxl carried), and the window on a virtual X display (Xvfb), where it
must open on the first-run wizard.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from pdf_text import fonts as pdf_fonts

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))
from bundle_rules import keep_file  # noqa: E402

from counselroom import __version__  # noqa: E402

pytestmark = pytest.mark.slow
APP_ID = "org.counselroom.counselroom"
PASSPHRASE = "quiet harbour lantern 2026 maple\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package")
    r = subprocess.run([sys.executable, str(ROOT / "packaging" / "build_linux.py"), "--out", str(out),
                        "--check-reproducible"], capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    assert "reproducible: a second build gave the same 3 files, byte for byte" in r.stdout
    return out


@pytest.fixture(scope="module")
def bundle(built: Path) -> Path:
    return built / "work" / "dist" / "counselroom"


def _cli(bundle: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bundle / "counselroom"), *args], input=stdin, capture_output=True, text=True,
                          timeout=120, env=env or dict(os.environ, LANG="C.UTF-8"))


def test_the_package_command_makes_every_file_with_its_checksum(built: Path) -> None:
    deb = built / f"{APP_ID}_{__version__}_amd64.deb"
    tarball = built / f"counselroom-{__version__}-linux-x86_64.tar.xz"
    sbom = built / f"counselroom-{__version__}-linux-x86_64.cdx.json"
    lines = (built / "SHA256SUMS").read_text().splitlines()
    assert len(lines) == 3
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((built / name).read_bytes()).hexdigest() == digest
    assert {deb.name, tarball.name, sbom.name} == {line.split("  ")[1] for line in lines}
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
        assert "counselroom/counselroom" in names and f"counselroom/share/applications/{APP_ID}.desktop" in names
        assert {m.uid for m in tar.getmembers()} == {0}


def test_the_sbom_names_what_is_statically_bundled(built: Path) -> None:
    data = json.loads((built / f"counselroom-{__version__}-linux-x86_64.cdx.json").read_text())
    assert data["bomFormat"] == "CycloneDX" and data["metadata"]["component"]["name"] == "counselroom"
    names = {c["name"]: c for c in data["components"]}
    for dist in ("sqlcipher3", "PySide6_Essentials", "reportlab", "argon2-cffi", "cryptography", "CPython",
                 "WenQuanYi Micro Hei"):
        assert any(n.lower().replace("-", "_") == dist.lower().replace("-", "_") for n in names), dist
    inner = {s["name"] for c in data["components"] for s in c.get("components", [])}
    assert {"SQLCipher", "SQLite", "OpenSSL", "Qt"} <= inner
    assert "pytest" not in {n.lower() for n in names}  # only what the program runs on


def test_the_deb_has_the_uos_layout_and_links_for_other_desktops(built: Path, tmp_path: Path) -> None:
    deb = built / f"{APP_ID}_{__version__}_amd64.deb"
    control = subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True).stdout
    assert f"Package: {APP_ID}" in control and f"Version: {__version__}" in control
    subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp_path)], check=True)
    app = tmp_path / "opt" / "apps" / APP_ID
    info = json.loads((app / "info").read_text())
    assert info["appid"] == APP_ID and info["version"] == __version__ and info["arch"] == ["amd64"]
    desktop = (app / "entries" / "applications" / f"{APP_ID}.desktop").read_text()
    assert f"Exec=/opt/apps/{APP_ID}/files/counselroom/counselroom" in desktop and f"Icon={APP_ID}" in desktop
    assert (app / "entries" / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_ID}.png").is_file()
    assert os.readlink(tmp_path / "usr" / "bin" / "counselroom") == f"/opt/apps/{APP_ID}/files/counselroom/counselroom"
    r = subprocess.run([str(app / "files" / "counselroom" / "counselroom"), "--version"], capture_output=True,
                       text=True, timeout=60)
    assert r.stdout.strip() == f"counselroom {__version__}"


def test_the_bundle_holds_no_network_qml_webengine_or_multimedia_library(bundle: Path) -> None:
    files = [p.relative_to(bundle).as_posix() for p in bundle.rglob("*")]
    assert files
    assert [f for f in files if not keep_file(f)] == []
    assert not any("Network" in f or "Qml" in f or "WebEngine" in f or "Multimedia" in f for f in files)
    assert any(f.endswith("resources/fonts/wqy-microhei.ttc") for f in files)


def test_the_bundle_carries_qts_chinese_words_and_the_svg_icons(bundle: Path) -> None:
    """Qt's own dialogs read Chinese (its catalogue and the words it lacks), and the window's SVG icons load."""
    files = [p.relative_to(bundle).as_posix() for p in bundle.rglob("*")]
    for wanted in ("PySide6/Qt/translations/qtbase_zh_CN.qm", "resources/i18n/qt/zh_CN.json",
                   "plugins/imageformats/libqsvg.so", "plugins/iconengines/libqsvgicon.so",
                   "resources/icons/ui/save.svg", "resources/icons/ui/COPYING-adwaita-icon-theme"):
        assert any(f.endswith(wanted) for f in files), wanted


def test_the_bundle_command_line_as_an_administrator_uses_it(bundle: Path, tmp_path: Path) -> None:
    r = _cli(bundle, "--version")
    assert r.returncode == 0 and r.stdout.strip() == f"counselroom {__version__}"
    vault, media = tmp_path / "vault", tmp_path / "stick"
    media.mkdir()
    r = _cli(bundle, "init", "--vault", str(vault), "--kdf-seconds", "0", "--passphrase-stdin",
             stdin=PASSPHRASE * 2)
    assert r.returncode == 0, r.stderr
    r = _cli(bundle, "check", "--vault", str(vault), "--passphrase-stdin", stdin=PASSPHRASE)
    assert r.returncode == 0 and "The vault is sound." in r.stdout, r.stdout + r.stderr
    r = _cli(bundle, "backup", "--vault", str(vault), "--to", str(media), "--same-disk", "--passphrase-stdin",
             stdin=PASSPHRASE)
    assert r.returncode == 0, r.stderr
    (backup,) = media.rglob("*.crbackup")
    r = _cli(bundle, "verify-backup", str(backup), "--passphrase-stdin", stdin=PASSPHRASE)
    assert r.returncode == 0, r.stdout + r.stderr
    r = _cli(bundle, "verify-backup", str(backup), "--passphrase-stdin", stdin="not the passphrase at all 1\n")
    assert r.returncode == 3


def test_the_bundle_prints_a_blank_form_with_embedded_fonts(bundle: Path, tmp_path: Path) -> None:
    for lang in ("zh", "en"):
        out = tmp_path / f"blank-{lang}.pdf"
        r = _cli(bundle, "consent-form", "--blank", "--lang", lang, "--out", str(out))
        assert r.returncode == 0, r.stderr
        rows = pdf_fonts(out.read_bytes())
        assert rows and all(row[-5] == "yes" for row in rows), rows


def test_the_bundle_reads_a_cohorts_answers_file(bundle: Path, tmp_path: Path) -> None:
    """openpyxl and et-xmlfile are carried: the packaged program reads an .xlsx as the import wizard does."""
    from screening_files import make_cohort, write_csv, write_xlsx

    cohort = make_cohort(300, seed=12)
    for path in (write_xlsx(cohort, tmp_path / "answers.xlsx"), write_csv(cohort, tmp_path / "answers.csv")):
        r = _cli(bundle, "read-answers", str(path))
        assert r.returncode == 0, r.stdout + r.stderr
        assert f"{path.name}: 300 rows, {len(cohort.table[0])} columns" in r.stdout


def _window_titles(display: str) -> str:
    r = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True,
                       env=dict(os.environ, DISPLAY=display))
    return r.stdout


@pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("xwininfo")),
                    reason="needs Xvfb and xwininfo (dev.py installs xvfb and x11-utils)")
def test_the_bundle_window_opens_on_the_wizard_on_an_x_display(bundle: Path, tmp_path: Path) -> None:
    display = ":87"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app = None
    try:
        time.sleep(1.0)
        env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
        env.update(DISPLAY=display, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"),
                   XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_STATE_HOME=str(tmp_path / "state"))
        app = subprocess.Popen([str(bundle / "counselroom"), "--vault", str(tmp_path / "new"), "--lang", "en"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        titles = ""
        while time.monotonic() < deadline and app.poll() is None:
            titles = _window_titles(display)
            if "Welcome — counselroom" in titles:
                break
            time.sleep(0.3)
        assert app.poll() is None, app.communicate()[1][-3000:]
        assert "Welcome — counselroom" in titles, titles[-2000:]
        assert not (tmp_path / "new").exists()  # the wizard writes nothing until the counselor finishes it
    finally:
        if app is not None:
            app.terminate()
            try:
                app.wait(10)
            except subprocess.TimeoutExpired:
                app.kill()
        xvfb.terminate()
        xvfb.wait(10)
