"""PySide6 6.12.0 drops a reference to None on every void call and to True/False on every bool signal;
on CPython 3.11 that aborts the program after a few thousand calls ("deallocating None"). The lock pins
6.11.3, which does not. This test guards any future upgrade of PySide6: it runs many such calls in a
child process (the failure aborts the whole interpreter) and checks None's reference count did not drain."""

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
before = sys.getrefcount(None)
for i in range(30000):
    button.update()
    emitter.flag.emit(i % 2 == 0)
print("survived", before - sys.getrefcount(None))
"""


def _run(guard: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-c", SCRIPT.format(guard=guard)], capture_output=True, text=True,
                          env=env, timeout=120)


def test_many_qt_calls_neither_drain_references_nor_abort() -> None:
    done = _run("import counselroom.gui")
    assert done.returncode == 0, done.stderr[-2000:]
    drained = int(done.stdout.split()[-1])
    assert drained < 100, f"PySide6 dropped {drained} references to None"
