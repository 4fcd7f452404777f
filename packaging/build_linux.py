#!/usr/bin/env python3
"""Build the Linux packages: the PyInstaller bundle, a .deb, a .tar.xz, SHA256SUMS and a CycloneDX SBOM.

    python3 dev.py package [--out DIR] [--check-reproducible]

Run with the project's venv (dev.py does). Everything is made reproducibly: SOURCE_DATE_EPOCH is the last
commit's time (or the one given), PYTHONHASHSEED is fixed, every file's time is set to SOURCE_DATE_EPOCH,
archives list their members sorted with owner root. `--check-reproducible` builds a second time in another
folder and fails unless every output is byte-identical.

The .deb follows the UOS/Deepin application layout, so the same file installs there and on Debian/Ubuntu:

    /opt/apps/org.counselroom.counselroom/info                  the UOS application description (JSON)
    /opt/apps/org.counselroom.counselroom/files/counselroom/    the bundle
    /opt/apps/org.counselroom.counselroom/entries/applications/ the desktop entry
    /opt/apps/org.counselroom.counselroom/entries/icons/        the icon in hicolor sizes
    /usr/bin/counselroom, /usr/share/{applications,icons,metainfo}/   links into the above, for other desktops
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "packaging"))

from bundle_rules import keep_file  # noqa: E402

from counselroom import __version__  # noqa: E402

APP_ID = "org.counselroom.counselroom"
ARCH = "amd64"
# What the bundle takes from the system rather than carrying: the C library, the display stack (X11/xcb,
# Wayland, EGL/GL), fontconfig and the printing system. Every UOS/Deepin/Debian/Ubuntu desktop has them.
DEB_DEPENDS = ("libc6 (>= 2.34), libfontconfig1, libfreetype6, libegl1, libgl1, libglib2.0-0, libxkbcommon0, "
               "libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, "
               "libxcb-render-util0, libxcb-image0, libx11-xcb1, libdbus-1-3")
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def source_date_epoch() -> int:
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return int(os.environ["SOURCE_DATE_EPOCH"])
    r = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%ct"], capture_output=True, text=True)
    return int(r.stdout.strip()) if r.returncode == 0 and r.stdout.strip().isdigit() else 1_700_000_000


def build_bundle(work: Path, epoch: int) -> Path:
    """PyInstaller one-folder build; returns the bundle folder (work/dist/counselroom)."""
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch), PYTHONHASHSEED="0")
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "ERROR",
                    "--distpath", str(work / "dist"), "--workpath", str(work / "pyinstaller"),
                    str(ROOT / "packaging" / "counselroom.spec")], check=True, env=env, cwd=ROOT)
    bundle = work / "dist" / "counselroom"
    leftovers = [p for p in bundle.rglob("*") if not keep_file(str(p.relative_to(bundle)))]
    if leftovers:
        raise SystemExit(f"the bundle holds left-out libraries: {leftovers[:5]}")
    return bundle


def _normalise(tree: Path, epoch: int) -> None:
    for path in sorted(tree.rglob("*"), reverse=True):
        if not path.is_symlink():
            mode = path.stat().st_mode
            path.chmod(0o755 if path.is_dir() or mode & 0o111 else 0o644)
        os.utime(path, (epoch, epoch), follow_symlinks=False)
    os.utime(tree, (epoch, epoch))


def _tar_filter(epoch: int):  # type: ignore[no-untyped-def]
    def reset(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        info.mtime = epoch
        if not info.issym():
            info.mode = 0o755 if info.isdir() or info.mode & 0o111 else 0o644
        return info
    return reset


def _add_sorted(tar: tarfile.TarFile, folder: Path, arcname: str, epoch: int) -> None:
    tar.add(folder, arcname=arcname, recursive=False, filter=_tar_filter(epoch))
    if folder.is_dir() and not folder.is_symlink():
        for child in sorted(folder.iterdir(), key=lambda p: p.name):
            _add_sorted(tar, child, f"{arcname}/{child.name}", epoch)


def make_tarball(bundle: Path, out: Path, epoch: int) -> Path:
    """counselroom-<version>-linux-x86_64.tar.xz: the bundle folder, with the desktop entry and icon inside."""
    staging = out.parent / "tar-staging" / "counselroom"
    if staging.parent.exists():
        shutil.rmtree(staging.parent)
    shutil.copytree(bundle, staging, symlinks=True)
    share = staging / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy2(ROOT / "resources" / "desktop" / f"{APP_ID}.desktop", share / "applications")
    shutil.copy2(ROOT / "resources" / "icons" / "counselroom-256.png", share / f"{APP_ID}.png")
    _normalise(staging, epoch)
    raw = out.with_suffix("")  # .tar
    with tarfile.open(raw, "w", format=tarfile.GNU_FORMAT) as tar:
        _add_sorted(tar, staging, "counselroom", epoch)
    if shutil.which("xz"):
        # Two threads, always: the blocks and so the bytes do not depend on the machine's core count.
        with out.open("wb") as dst:
            subprocess.run(["xz", "-6", "-T2", "-c", str(raw)], check=True, stdout=dst)
    else:
        with raw.open("rb") as src, lzma.open(out, "wb", preset=6) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    raw.unlink()
    shutil.rmtree(staging.parent)
    return out


def _info_json() -> str:
    info = {
        "appid": APP_ID,
        "name": "counselroom",
        "version": __version__,
        "arch": [ARCH],
        "permissions": {"autostart": False, "notification": False, "trayicon": False, "clipboard": True,
                        "account": False, "bluetooth": False, "camera": False, "audio_record": False,
                        "installed_apps": False},
    }
    return json.dumps(info, indent=2, ensure_ascii=False) + "\n"


def make_deb(bundle: Path, out: Path, epoch: int) -> Path:
    stage = out.parent / "deb-staging"
    if stage.exists():
        shutil.rmtree(stage)
    app = stage / "opt" / "apps" / APP_ID
    files = app / "files"
    files.mkdir(parents=True)
    shutil.copytree(bundle, files / "counselroom", symlinks=True)
    (app / "info").write_text(_info_json(), encoding="utf-8")
    entries = app / "entries"
    (entries / "applications").mkdir(parents=True)
    desktop = (ROOT / "resources" / "desktop" / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    desktop = desktop.replace("Exec=counselroom", f"Exec=/opt/apps/{APP_ID}/files/counselroom/counselroom")
    (entries / "applications" / f"{APP_ID}.desktop").write_text(desktop, encoding="utf-8")
    for size in ICON_SIZES:
        folder = entries / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True)
        shutil.copy2(ROOT / "resources" / "icons" / f"counselroom-{size}.png", folder / f"{APP_ID}.png")
    scalable = entries / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copy2(ROOT / "resources" / "icons" / "counselroom.svg", scalable / f"{APP_ID}.svg")
    (entries / "metainfo").mkdir()
    shutil.copy2(ROOT / "resources" / "desktop" / f"{APP_ID}.metainfo.xml", entries / "metainfo")
    doc = stage / "usr" / "share" / "doc" / APP_ID
    doc.mkdir(parents=True)
    shutil.copy2(ROOT / "resources" / "fonts" / "wqy-microhei.COPYRIGHT", doc / "copyright.wqy-microhei")

    def link(target: str, at: Path) -> None:
        at.parent.mkdir(parents=True, exist_ok=True)
        at.symlink_to(target)

    link(f"/opt/apps/{APP_ID}/files/counselroom/counselroom", stage / "usr" / "bin" / "counselroom")
    link(f"/opt/apps/{APP_ID}/entries/applications/{APP_ID}.desktop",
         stage / "usr" / "share" / "applications" / f"{APP_ID}.desktop")
    link(f"/opt/apps/{APP_ID}/entries/metainfo/{APP_ID}.metainfo.xml",
         stage / "usr" / "share" / "metainfo" / f"{APP_ID}.metainfo.xml")
    for size in ICON_SIZES:
        link(f"/opt/apps/{APP_ID}/entries/icons/hicolor/{size}x{size}/apps/{APP_ID}.png",
             stage / "usr" / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png")
    size_kib = sum(p.stat().st_size for p in stage.rglob("*") if p.is_file() and not p.is_symlink()) // 1024
    control = stage / "DEBIAN"
    control.mkdir()
    (control / "control").write_text(
        f"Package: {APP_ID}\n"
        f"Version: {__version__}\n"
        f"Architecture: {ARCH}\n"
        "Maintainer: counselroom <counselroom@localhost>\n"
        f"Installed-Size: {size_kib}\n"
        f"Depends: {DEB_DEPENDS}\n"
        "Provides: counselroom\n"
        "Section: misc\n"
        "Priority: optional\n"
        "Description: encrypted, offline records of a psychological counseling room\n"
        " counselroom keeps every client's file of one counseling room on the room's own\n"
        " computer, encrypted with SQLCipher. It has no network code.\n",
        encoding="utf-8")
    _normalise(stage, epoch)
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch))
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "-z6", "--threads-max=2", "--build", str(stage),
                    str(out)], check=True, env=env, stdout=subprocess.DEVNULL)
    shutil.rmtree(stage)
    return out


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def build(out: Path, epoch: int | None = None) -> list[Path]:
    epoch = source_date_epoch() if epoch is None else epoch
    out.mkdir(parents=True, exist_ok=True)
    work = out / "work"
    bundle = build_bundle(work, epoch)
    _normalise(bundle, epoch)
    stem = f"counselroom-{__version__}-linux-x86_64"
    made = [make_deb(bundle, out / f"{APP_ID}_{__version__}_{ARCH}.deb", epoch),
            make_tarball(bundle, out / f"{stem}.tar.xz", epoch)]
    from sbom import write_sbom

    made.append(write_sbom(bundle, out / f"{stem}.cdx.json", epoch))
    sums = out / "SHA256SUMS"
    sums.write_text("".join(f"{sha256(p)}  {p.name}\n" for p in sorted(made)), encoding="utf-8")
    # The unpacked bundle stays in work/dist/counselroom for the tests and for running it by hand.
    return [*made, sums]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dev.py package", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="output folder (default dist/)")
    parser.add_argument("--check-reproducible", action="store_true",
                        help="build twice and fail unless the outputs are byte-identical")
    args = parser.parse_args(argv)
    epoch = source_date_epoch()
    made = build(args.out, epoch)
    for path in made:
        print(f"{path}  ({path.stat().st_size / 1e6:.1f} MB)")
    if args.check_reproducible:
        again = build(args.out / "rebuild", epoch)
        first = (args.out / "SHA256SUMS").read_text()
        second = (args.out / "rebuild" / "SHA256SUMS").read_text()
        if first != second:
            print("NOT reproducible:\n" + first + "---\n" + second, file=sys.stderr)
            return 1
        print(f"reproducible: a second build gave the same {len(again) - 1} files, byte for byte")
        shutil.rmtree(args.out / "rebuild")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
