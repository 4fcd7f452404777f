"""The window (PySide6). Reads and writes only through the records layer: no SQL here.

Layout: `main_window` holds one of three screens (first-run wizard, unlock screen, unlocked shell);
`idle_lock` watches for inactivity and the panic key; pages (clients, audit trail, settings) are built
after unlocking and destroyed on lock, so no record data outlives the session in any widget or model.
"""

from __future__ import annotations

import ctypes
import sys


def _immortalise_singletons() -> None:
    """Work around a reference-count bug of PySide6 6.12 on CPython 3.11.

    PySide6 6.12 returns None from every void method (QWidget.update(), setText(), ...) and passes
    True/False to slots without taking a reference. On CPython 3.12+ that is harmless (PEP 683 made
    these objects immortal); on 3.11 each call drains one reference, and after a few thousand calls
    the interpreter aborts with "deallocating None" (measured: 1000 update() calls = -1000 references).
    We give the three singletons a count no program can drain, as 3.12 does. Drop this with Python 3.11
    or with a PySide6 that is fixed (tests/gui/test_pyside_refcounts.py tells)."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    boost = 1 << (40 if sys.maxsize > 2**32 else 28)
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += boost  # ob_refcnt is the first field


_immortalise_singletons()
