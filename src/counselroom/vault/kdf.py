"""Argon2id key derivation with a hard floor (RFC 9106's second recommendation) and calibration."""

from __future__ import annotations

import time
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw

from ..i18n import N_
from .errors import IntegrityFailure

KEY_BYTES = 32
SALT_BYTES = 16


@dataclass(frozen=True)
class KdfParams:
    time_cost: int
    memory_kib: int
    parallelism: int

    def as_dict(self) -> dict[str, int]:
        return {"t": self.time_cost, "m_kib": self.memory_kib, "p": self.parallelism}

    @classmethod
    def from_dict(cls, d: object) -> KdfParams:
        """Parameters as a key file gives them: exactly t, m_kib and p, each a JSON whole number (not a string,
        a fraction, true or infinity), within the floor and the ceiling. Anything else is damage."""
        if not isinstance(d, dict) or set(d) != {"t", "m_kib", "p"}:
            raise IntegrityFailure()
        values = [d["t"], d["m_kib"], d["p"]]
        if not all(type(v) is int for v in values):
            raise IntegrityFailure()
        params = cls(*values)
        params.check_floor()
        return params

    def check_floor(self) -> None:
        """Refuse parameters below the floor, so that a tampered key file cannot weaken the vault, and above
        the ceiling, so that it cannot make opening take minutes and gigabytes."""
        if (self.time_cost < FLOOR.time_cost or self.memory_kib < FLOOR.memory_kib
                or self.parallelism < FLOOR.parallelism):
            raise IntegrityFailure(WEAKER)
        self.check_ceiling()

    def check_ceiling(self) -> None:
        if (self.time_cost > CEILING.time_cost or self.memory_kib > CEILING.memory_kib
                or self.parallelism > CEILING.parallelism):
            raise IntegrityFailure(COSTLIER)


WEAKER = N_("The vault's key file asks for weaker protection than counselroom allows; it has been altered. "
            "Restore the vault from a backup.")
COSTLIER = N_("The vault's key file asks for more memory or time to open than counselroom allows; it has been "
              "damaged or altered. Restore the vault from a backup.")

FLOOR = KdfParams(time_cost=3, memory_kib=64 * 1024, parallelism=4)
MAX_CALIBRATED_MEMORY_KIB = 256 * 1024
MAX_CALIBRATED_PASSES = 40
# The ceiling is the largest thing calibration has ever written (since the first release: memory up to
# 256 MiB, then up to 40 passes, 4 lanes), so every vault this program made still opens, while a key file
# edited to t=100, 4 GiB, p=64 (190 s) or t=20, 1 GiB (8.6 s, 1.1 GiB) is refused before any derivation.
# Its cost, t=40 at 256 MiB, is 6.5 s on the 2-core test machine: no hostile file costs more than the
# slowest vault `--kdf-seconds` can make. Lanes split the same memory, so up to 16 cost no more work.
# Raise the ceiling together with the calibration, never alone.
CEILING = KdfParams(time_cost=MAX_CALIBRATED_PASSES, memory_kib=MAX_CALIBRATED_MEMORY_KIB, parallelism=16)


def derive(secret: bytes, salt: bytes, params: KdfParams) -> bytes:
    params.check_floor()
    return hash_secret_raw(secret, salt, params.time_cost, params.memory_kib, params.parallelism,
                           KEY_BYTES, Type.ID)


def calibrate(target_seconds: float = 0.75) -> KdfParams:
    """Pick parameters that take about `target_seconds` here (0.5 to 1 s), never below the floor.

    Memory goes up first (it is what makes guessing costly on GPUs), then passes."""
    salt = b"counselroom-cal!"
    start = time.perf_counter()
    derive(b"calibration", salt, FLOOR)
    base = max(time.perf_counter() - start, 1e-3)
    t, m = FLOOR.time_cost, FLOOR.memory_kib
    while m * 2 <= MAX_CALIBRATED_MEMORY_KIB and base * (m * 2 / FLOOR.memory_kib) * (t / FLOOR.time_cost) \
            <= target_seconds:
        m *= 2
    per_pass = base * (m / FLOOR.memory_kib) / FLOOR.time_cost
    while (t + 1) * per_pass <= target_seconds and t < MAX_CALIBRATED_PASSES:
        t += 1
    return KdfParams(time_cost=t, memory_kib=m, parallelism=FLOOR.parallelism)
