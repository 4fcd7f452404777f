"""Named points in the narrow windows of the vault's work, where the tests inject faults or kill the process.

`point(name)` is called at each such place (between the two key-file writes, inside a partial backup, inside
a data-key rotation, a migration and a destruction). In normal use it does nothing: no hook is installed and
the environment variable below is not set, so a point costs one global lookup.

Tests use it two ways:
- in-process, `installed(hook)`: the hook is called with each point's name (to delete a file at that moment,
  raise an error, count the points reached);
- in a child process, `COUNSELROOM_TEST_KILL_AT=<name>:<n>`: the child sends itself SIGKILL the n-th time it
  reaches that point (n counts from 1), which is how tests/reliability/test_kill_points.py lands kills exactly
  in those windows, hundreds of times. `COUNSELROOM_TEST_KILL_AT=list` makes the child print each point it
  passes to standard error as `fault-point: <name>`, to count them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator

ENV = "COUNSELROOM_TEST_KILL_AT"

# Every point there is, with where it sits (the kill suite checks it reaches each one).
POINTS = {
    "keyslots.between_copies": "the primary key file is written, the mirror not yet",
    "backup.partial_written": "the partial backup file is written and fsynced, not yet renamed",
    "backup.partial_chunk": "a chunk of the partial backup is written",
    "backup.renamed": "the backup file has its final name, not yet read back",
    "rotate.staged": "the vault's copy under the new data key is written, not yet swapped in",
    "rotate.slots_both": "the key files hold both generations of key slots",
    "rotate.swapped": "the new database is in place, the key files still hold both generations",
    "rotate.progress": "a step of copying the vault under the new data key",
    "migrate.statement": "a migration statement ran inside the migration's transaction",
    "destroy.row": "a row of a destruction was deleted inside its transaction",
}

_hook: Callable[[str], None] | None = None


def point(name: str) -> None:
    if _hook is not None:
        _hook(name)


def install(hook: Callable[[str], None] | None) -> None:
    global _hook
    _hook = hook


@contextlib.contextmanager
def installed(hook: Callable[[str], None]) -> Iterator[None]:
    previous = _hook
    install(hook)
    try:
        yield
    finally:
        install(previous)


def _from_environment() -> None:
    spec = os.environ.get(ENV, "")
    if not spec:
        return
    if spec == "list":
        install(lambda name: print(f"fault-point: {name}", file=sys.stderr, flush=True))
        return
    name, _, count = spec.partition(":")
    remaining = [int(count) if count.isdigit() and int(count) > 0 else 1]

    def kill(reached: str) -> None:
        if reached != name:
            return
        remaining[0] -= 1
        if remaining[0] == 0:
            os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))

    install(kill)


_from_environment()
