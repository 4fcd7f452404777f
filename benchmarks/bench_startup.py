"""Start-up (issue 14): from launching `python -m counselroom --vault …` (the program from source, as the
venv runs it) to its unlock screen being mapped on a virtual X display, against a minimal PySide6 window
started by the same Python, interleaved; and what importing the window's modules costs on its own.

Skipped, with a row saying why, when Xvfb or xwininfo is missing. The bundle's start is measured by the
"bundle" benchmark.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

from .registry import Context, Ratio, Row, Timings, benchmark, ms

DISPLAY = ":94"
MINIMAL = ("import sys\nfrom PySide6.QtWidgets import QApplication, QWidget\napp = QApplication(sys.argv)\n"
           "w = QWidget(); w.setWindowTitle('floor-window'); w.resize(400, 300); w.show()\nsys.exit(app.exec())\n")


def _mapped(tree: str, title: str) -> bool:
    """A window of that title larger than a few pixels: Qt also makes a 1x1 window named after the application
    as soon as QApplication exists, long before the first real window is shown."""
    for m in re.finditer(r'"([^"]*)":[^\n]*?\s(\d+)x(\d+)\+', tree):
        if m.group(1).startswith(title) and int(m.group(2)) > 50 and int(m.group(3)) > 50:
            return True
    return False


def _time_to_window(cmd: list[str], title: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < 60:
            out = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True, env=env).stdout
            if _mapped(out, title):
                return time.perf_counter() - start
            time.sleep(0.005)
        raise RuntimeError(f"no window {title!r} within 60 s")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _import_time(statement: str) -> float:
    code = f"import time\nt = time.perf_counter()\n{statement}\nprint(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}).stdout
    return float(out.split()[-1])


@benchmark("start-up", needs_session=False)
def startup(ctx: Context) -> list[Row]:
    imports = {label: Timings() for label in ("entry", "window", "qt")}
    statements = {"entry": "import counselroom.__main__, counselroom.app",
                  "window": "import counselroom.__main__, counselroom.app, counselroom.gui.main_window",
                  "qt": "import PySide6.QtWidgets"}
    for _ in range(ctx.repeat):
        for label, statement in statements.items():
            imports[label].runs.append(_import_time(statement))
    rows = [Row("import the entry point (counselroom.__main__, .app)", ms(imports["entry"].median),
                note=imports["entry"].spread()),
            Row("import it with the window's module (gui.main_window)", ms(imports["window"].median),
                note=imports["window"].spread()),
            Row("  floor: import PySide6.QtWidgets alone", ms(imports["qt"].median), note=imports["qt"].spread())]
    if not (shutil.which("Xvfb") and shutil.which("xwininfo")):
        return [*rows, Row("start to the unlock screen", "skipped", note="needs Xvfb and xwininfo")]
    xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
        env["DISPLAY"] = DISPLAY
        app, floor = Timings(), Timings()
        for _ in range(max(3, ctx.repeat)):  # interleaved, so both see the same machine
            app.runs.append(_time_to_window([sys.executable, "-m", "counselroom", "--vault", str(ctx.vault.path)],
                                            "counselroom", env))
            floor.runs.append(_time_to_window([sys.executable, "-c", MINIMAL], "floor-window", env))
    finally:
        xvfb.terminate()
        xvfb.wait(10)
    ctx.ratios.append(Ratio("cold start to the unlock screen (from source)", app.median,
                            "a minimal PySide6 window", floor.median, "≤ 2x",
                            f"spread {ms(app.low)}–{ms(app.high)} / {ms(floor.low)}–{ms(floor.high)}"))
    return [*rows,
            Row("start to the unlock screen (median)", ms(app.median), note=app.spread()),
            Row("floor: a minimal PySide6 window (median)", ms(floor.median), note=floor.spread()),
            Row("ratio to the floor", f"{app.median / floor.median:.1f}x")]
