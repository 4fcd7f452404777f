"""Start-up (issue 14): from launching `python -m counselroom --vault …` (the program from source, as the
venv runs it, its modules compiled as an installed program's are) to its unlock screen being mapped on a
virtual X display, against a minimal PySide6 window started by the same Python, interleaved; and what
importing the window's modules costs on its own.

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


def compiled(ctx: Context) -> dict[str, str | None]:
    """The environment of a program whose modules are compiled, as an installed one's are (pip compiles the
    wheel's modules at install, the bundle ships them compiled): the byte code goes to a folder under .bench/,
    and PYTHONDONTWRITEBYTECODE (set in some shells, as on these machines) would make every start compile every
    module of the program anew while PySide6's were compiled at install — a cost no counselor's start pays."""
    folder = ctx.vault.path.parent.parent / "pycache"
    folder.mkdir(parents=True, exist_ok=True)
    return {"PYTHONDONTWRITEBYTECODE": None, "PYTHONPYCACHEPREFIX": str(folder)}


def _import_time(statement: str, env_changes: dict[str, str | None]) -> float:
    code = f"import time\nt = time.perf_counter()\n{statement}\nprint(time.perf_counter() - t)"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    return float(out.split()[-1])


@benchmark("start-up", needs_session=False)
def startup(ctx: Context) -> list[Row]:
    imports = {label: Timings() for label in ("entry", "window", "qt")}
    statements = {"entry": "import counselroom.__main__, counselroom.app",
                  "window": "import counselroom.__main__, counselroom.app, counselroom.gui.shell.main_window",
                  "qt": "import PySide6.QtWidgets"}
    env_changes = compiled(ctx)
    for statement in statements.values():  # compiles them once, not counted
        _import_time(statement, env_changes)
    for _ in range(ctx.repeat):
        for label, statement in statements.items():
            imports[label].runs.append(_import_time(statement, env_changes))
    rows = [Row("import the entry point (counselroom.__main__, .app)", ms(imports["entry"].median),
                note=imports["entry"].spread()),
            Row("import it with the window's module (gui.main_window)", ms(imports["window"].median),
                note=imports["window"].spread()),
            Row("  floor: import PySide6.QtWidgets alone", ms(imports["qt"].median), note=imports["qt"].spread())]
    if not xdisplay.available():
        return [*rows, Row("start to the unlock screen", "skipped", note="needs Xvfb and xwininfo")]
    app, floor = xdisplay.start_against_floor([sys.executable, "-m", "counselroom", "--vault", str(ctx.vault.path)],
                                              "counselroom", max(3, ctx.repeat), DISPLAY, env_changes)
    ctx.ratios.append(Ratio("cold start to the unlock screen (from source)", app.median,
                            "a minimal PySide6 window", floor.median, "≤ 2x",
                            f"spread {ms(app.low)}–{ms(app.high)} / {ms(floor.low)}–{ms(floor.high)}"))
    return [*rows,
            Row("start to the unlock screen (median)", ms(app.median), note=app.spread()),
            Row("floor: a minimal PySide6 window (median)", ms(floor.median), note=floor.spread()),
            Row("ratio to the floor", f"{app.median / floor.median:.1f}x")]
