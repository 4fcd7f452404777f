"""Start-up (issue 14): from launching `python -m counselroom --vault …` (the program from source, as the
venv runs it) to its unlock screen being mapped on a virtual X display, against a minimal PySide6 window
started by the same Python, interleaved; and what importing the window's modules costs on its own.

Skipped, with a row saying why, when Xvfb or xwininfo is missing. The bundle's start is measured by the
"bundle" benchmark.
"""

from __future__ import annotations

import os
import subprocess
import sys

from . import xdisplay
from .registry import Context, Ratio, Row, Timings, benchmark, ms

DISPLAY = ":94"


def _import_time(statement: str) -> float:
    code = f"import time\nt = time.perf_counter()\n{statement}\nprint(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}).stdout
    return float(out.split()[-1])


@benchmark("start-up", needs_session=False)
def startup(ctx: Context) -> list[Row]:
    imports = {label: Timings() for label in ("entry", "window", "qt")}
    statements = {"entry": "import counselroom.__main__, counselroom.app",
                  "window": "import counselroom.__main__, counselroom.app, counselroom.gui.shell.main_window",
                  "qt": "import PySide6.QtWidgets"}
    for _ in range(ctx.repeat):
        for label, statement in statements.items():
            imports[label].runs.append(_import_time(statement))
    rows = [Row("import the entry point (counselroom.__main__, .app)", ms(imports["entry"].median),
                note=imports["entry"].spread()),
            Row("import it with the window's module (gui.main_window)", ms(imports["window"].median),
                note=imports["window"].spread()),
            Row("  floor: import PySide6.QtWidgets alone", ms(imports["qt"].median), note=imports["qt"].spread())]
    if not xdisplay.available():
        return [*rows, Row("start to the unlock screen", "skipped", note="needs Xvfb and xwininfo")]
    app, floor = xdisplay.start_against_floor([sys.executable, "-m", "counselroom", "--vault", str(ctx.vault.path)],
                                              "counselroom", max(3, ctx.repeat), DISPLAY)
    ctx.ratios.append(Ratio("cold start to the unlock screen (from source)", app.median,
                            "a minimal PySide6 window", floor.median, "≤ 2x",
                            f"spread {ms(app.low)}–{ms(app.high)} / {ms(floor.low)}–{ms(floor.high)}"))
    return [*rows,
            Row("start to the unlock screen (median)", ms(app.median), note=app.spread()),
            Row("floor: a minimal PySide6 window (median)", ms(floor.median), note=floor.spread()),
            Row("ratio to the floor", f"{app.median / floor.median:.1f}x")]
