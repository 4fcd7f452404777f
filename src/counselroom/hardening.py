"""What every run does first, window or command line: private files by default and no core dumps (a dump
would hold keys and record text). Kept apart from cli.py so that the window can start without importing
the command line."""

from __future__ import annotations

import contextlib
import os


def harden_process() -> None:
    os.umask(0o077)
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
