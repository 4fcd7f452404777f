"""PySide6 6.12 drops a reference to None on every void call and to True/False on every bool signal;
on CPython 3.11 that aborts the program after a few thousand calls. counselroom.gui guards against it.
Run in a child process, because the failure is an abort of the whole interpreter."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
{guard}
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QPushButton

class Emitter(QObject):
    flag = Signal(bool)

app = QApplication([])
button = QPushButton("x")
emitter = Emitter()
emitter.flag.connect(button.setEnabled)
for i in range(30000):
    button.update()
    emitter.flag.emit(i % 2 == 0)
print("survived")
"""


def _run(guard: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-c", SCRIPT.format(guard=guard)], capture_output=True, text=True,
                          env=env, timeout=120)


def test_many_qt_calls_do_not_abort_the_program_once_the_gui_package_is_imported() -> None:
    done = _run("import counselroom.gui")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "survived" in done.stdout
