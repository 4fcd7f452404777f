"""The Linux bundle (`python3 dev.py package`): its size, and its start to the unlock screen.

The start is timed from launching the process to its window being mapped on a virtual X display (Xvfb),
found by polling `xwininfo` every 10 ms; the floor is a minimal PySide6 window started by the same
Python, measured the same way in the same run. Skipped, with a row saying why, when the bundle has not
been built or Xvfb is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .registry import Context, Row, Timings, benchmark, ms

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUNDLE = DIST / "work" / "dist" / "counselroom"
DISPLAY = ":93"
MINIMAL = ("import sys\nfrom PySide6.QtWidgets import QApplication, QWidget\napp = QApplication(sys.argv)\n"
           "w = QWidget(); w.setWindowTitle('floor-window'); w.resize(400, 300); w.show()\nsys.exit(app.exec())\n")


def _size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def _is_real_window(line: str, title: str) -> bool:
    """A window with this title and a real size (Qt first maps a 1x1 helper window under the app's name)."""
    if f'"{title}"' not in line:
        return False
    match = re.search(r"\s(\d+)x(\d+)[+-]", line)
    return bool(match) and int(match.group(1)) > 100 and int(match.group(2)) > 100


def _time_to_window(cmd: list[str], title: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < 60:
            out = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True, env=env).stdout
            if any(_is_real_window(line, title) for line in out.splitlines()):
                return time.perf_counter() - start
            time.sleep(0.01)
        raise RuntimeError(f"no window {title!r} within 60 s")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@benchmark("bundle", needs_session=False)
def bundle(ctx: Context) -> list[Row]:
    if not (BUNDLE / "counselroom").is_file():
        return [Row("bundle", "not built", note="run python3 dev.py package first")]
    size, count = _size(BUNDLE)
    rows = [Row("bundle folder", f"{size / 1e6:.0f}", "MB", f"{count} files")]
    for package in sorted(DIST.glob("*.deb")) + sorted(DIST.glob("*.tar.xz")):
        label = "tar.xz" if package.name.endswith(".tar.xz") else "deb"
        rows.append(Row(f"{label} package", f"{package.stat().st_size / 1e6:.1f}", "MB", package.name))
    if not (shutil.which("Xvfb") and shutil.which("xwininfo")):
        return [*rows, Row("start to unlock screen", "skipped", note="needs Xvfb and xwininfo")]
    xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
        env["DISPLAY"] = DISPLAY
        app, floor = Timings(), Timings()
        for _ in range(max(3, ctx.repeat)):  # interleaved, so both see the same machine
            app.runs.append(_time_to_window([str(BUNDLE / "counselroom"), "--vault", str(ctx.vault.path)],
                                            "counselroom", env))
            floor.runs.append(_time_to_window([sys.executable, "-c", MINIMAL], "floor-window", env))
    finally:
        xvfb.terminate()
        xvfb.wait(10)
    return [*rows,
            Row("start to unlock screen (bundle)", ms(app.median), note=app.spread()),
            Row("floor: minimal PySide6 window", ms(floor.median), note=floor.spread()),
            Row("ratio to the floor", f"{app.median / floor.median:.1f}x")]
