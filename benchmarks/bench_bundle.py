"""The Linux bundle (`python3 dev.py package`): its size, and its start to the unlock screen.

The start is timed from launching the process to its window being mapped on a virtual X display (Xvfb),
found by polling `xwininfo` (benchmarks/xdisplay.py); the floor is a minimal PySide6 window started by the same
Python, measured the same way in the same run. Skipped, with a row saying why, when the bundle has not
been built or Xvfb is missing.
"""

from __future__ import annotations

from pathlib import Path

from . import xdisplay
from .registry import Context, Row, benchmark, ms

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUNDLE = DIST / "work" / "dist" / "counselroom"
DISPLAY = ":93"


def _size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


@benchmark("bundle", needs_session=False)
def bundle(ctx: Context) -> list[Row]:
    if not (BUNDLE / "counselroom").is_file():
        return [Row("bundle", "not built", note="run python3 dev.py package first")]
    size, count = _size(BUNDLE)
    rows = [Row("bundle folder", f"{size / 1e6:.0f}", "MB", f"{count} files")]
    for package in sorted(DIST.glob("*.deb")) + sorted(DIST.glob("*.tar.xz")):
        label = "tar.xz" if package.name.endswith(".tar.xz") else "deb"
        rows.append(Row(f"{label} package", f"{package.stat().st_size / 1e6:.1f}", "MB", package.name))
    if not xdisplay.available():
        return [*rows, Row("start to unlock screen", "skipped", note="needs Xvfb and xwininfo")]
    app, floor = xdisplay.start_against_floor([str(BUNDLE / "counselroom"), "--vault", str(ctx.vault.path)],
                                              "counselroom", max(3, ctx.repeat), DISPLAY)
    return [*rows,
            Row("start to unlock screen (bundle)", ms(app.median), note=app.spread()),
            Row("floor: minimal PySide6 window", ms(floor.median), note=floor.spread()),
            Row("ratio to the floor", f"{app.median / floor.median:.1f}x")]
