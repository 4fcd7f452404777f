"""Modules imported at their first use, not at import: the window's unlock screen shows before SQLCipher,
Argon2 and the cryptography library are loaded (about 20 ms of the start), and they load when the counselor
unlocks.

`lazy(name)` gives a stand-in whose first attribute read imports the module with an ordinary import and
hands the attribute on. The stand-in is never put in `sys.modules`, so the import is Python's own, with its
per-module locks: two threads touching it first at once (the unlock runs on a worker thread) both get the
whole module. (importlib's LazyLoader puts a half-made module there instead, which another thread can read
before it is filled in on Python 3.11.)
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _Deferred(ModuleType):
    def __getattr__(self, attr: str) -> Any:  # only asked for what the stand-in itself does not have
        module = importlib.import_module(self.__name__)
        return getattr(module, attr)


def lazy(name: str) -> ModuleType:
    """A stand-in for the module `name` (absolute): imported when one of its attributes is first read."""
    return _Deferred(name)
