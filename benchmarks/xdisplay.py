"""Timing a program's start to its first real window on a virtual X display (Xvfb), against the floor of a
minimal PySide6 window started by the same Python, interleaved so both see the same machine. Shared by the
start-up benchmark (from source) and the bundle benchmark."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

from .registry import Timings

MINIMAL = ("import sys\nfrom PySide6.QtWidgets import QApplication, QWidget\napp = QApplication(sys.argv)\n"
           "w = QWidget(); w.setWindowTitle('floor-window'); w.resize(400, 300); w.show()\nsys.exit(app.exec())\n")


def available() -> bool:
    return bool(shutil.which("Xvfb") and shutil.which("xwininfo"))


def mapped(tree: str, title: str) -> bool:
    """A window of that title larger than a few pixels: Qt also makes a 1x1 window named after the application
    as soon as QApplication exists, long before the first real window is shown."""
    for m in re.finditer(r'"([^"]*)":[^\n]*?\s(\d+)x(\d+)\+', tree):
        if m.group(1).startswith(title) and int(m.group(2)) > 50 and int(m.group(3)) > 50:
            return True
    return False


def time_to_window(cmd: list[str], title: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < 60:
            out = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True, env=env).stdout
            if mapped(out, title):
                return time.perf_counter() - start
            time.sleep(0.005)
        raise RuntimeError(f"no window {title!r} within 60 s")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def start_against_floor(cmd: list[str], title: str, runs: int, display: str,
                        env_changes: dict[str, str | None] | None = None) -> tuple[Timings, Timings]:
    """(the program, the minimal window): `runs` interleaved starts of each on a fresh Xvfb, after one start of
    each that is not counted (it compiles what is not compiled yet). `env_changes` sets (or, with None, removes)
    variables of both processes' environment."""
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
        env["DISPLAY"] = display
        for name, value in (env_changes or {}).items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        time_to_window(cmd, title, env)
        time_to_window([sys.executable, "-c", MINIMAL], "floor-window", env)
        app, floor = Timings(), Timings()
        for _ in range(runs):
            app.runs.append(time_to_window(cmd, title, env))
            floor.runs.append(time_to_window([sys.executable, "-c", MINIMAL], "floor-window", env))
    finally:
        xvfb.terminate()
        xvfb.wait(10)
    return app, floor
