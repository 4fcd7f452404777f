"""Failed unlock attempts: counted outside the vault folder (so a wrong passphrase changes no byte of
the vault) and turned into an increasing wait that survives a restart.

The file holds a count and a time, nothing else. It lives in the per-user state folder, named by a
hash of the vault's path.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

from .errors import Throttled
from .safefile import atomic_write, make_private_dir

FREE_ATTEMPTS = 3
MAX_DELAY_S = 60.0


def delay_after(failures: int) -> float:
    """Seconds to wait after `failures` consecutive wrong attempts: 0, 0, 2, 4, 8 ... up to a minute."""
    if failures < FREE_ATTEMPTS - 1:
        return 0.0
    return min(MAX_DELAY_S, float(2 ** (failures - FREE_ATTEMPTS + 2)))


class AttemptCounter:
    def __init__(self, state_dir: Path, vault_path: Path, clock: Callable[[], float] = time.time) -> None:
        digest = hashlib.sha256(str(vault_path.resolve()).encode("utf-8")).hexdigest()[:32]
        self.dir = state_dir / "unlock-attempts"
        self.path = self.dir / f"{digest}.json"
        self.clock = clock

    def _read(self) -> tuple[int, float]:
        try:
            doc = json.loads(self.path.read_text("ascii"))
            return int(doc["failed"]), float(doc["last"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0, 0.0

    @property
    def failures(self) -> int:
        return self._read()[0]

    def seconds_to_wait(self) -> float:
        failed, last = self._read()
        return max(0.0, last + delay_after(failed) - self.clock())

    def check(self) -> None:
        wait = self.seconds_to_wait()
        if wait > 0:
            raise Throttled(wait)

    def record_failure(self) -> tuple[int, float]:
        failed, _ = self._read()
        failed += 1
        make_private_dir(self.dir)
        atomic_write(self.path, json.dumps({"failed": failed, "last": self.clock()}).encode("ascii"))
        return failed, delay_after(failed)

    def reset(self) -> int:
        """Forget the count after a good unlock; return how many failures there were."""
        failed, _ = self._read()
        if failed:
            self.path.unlink(missing_ok=True)
        return failed
