"""Writing a locked export's encrypted bytes to the folder the counselor chose: atomically (a temporary file
beside it, fsynced, then renamed), readable by the user alone. Only encrypted bytes ever come here."""

from __future__ import annotations

from pathlib import Path

from ..vault.safefile import atomic_write


def write_locked_export(path: Path, data: bytes) -> None:
    atomic_write(path, data, mode=0o600)
