"""Modules loaded at their first use, not at import: the window's unlock screen shows before SQLCipher,
Argon2 and the cryptography library are loaded (about 20 ms of the start), and they load when the counselor
unlocks. `importlib.util.LazyLoader` does the work; the module object is the real one once touched."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy(name: str) -> ModuleType:
    """The module `name` (absolute), imported when one of its attributes is first read."""
    found = sys.modules.get(name)
    if found is not None:
        return found
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent and parent in sys.modules:  # as an import would: `from counselroom.vault import kdf` finds it
        setattr(sys.modules[parent], child, module)
    return module
