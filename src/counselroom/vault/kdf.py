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
    def from_dict(cls, d: dict[str, object]) -> KdfParams:
        try:
            params = cls(int(d["t"]), int(d["m_kib"]), int(d["p"]))  # type: ignore[call-overload]
        except (KeyError, TypeError, ValueError) as e:
            raise IntegrityFailure() from e
        params.check_floor()
        return params

    def check_floor(self) -> None:
        """Refuse parameters below the floor, so that a tampered key file cannot weaken the vault."""
        if (self.time_cost < FLOOR.time_cost or self.memory_kib < FLOOR.memory_kib
                or self.parallelism < FLOOR.parallelism):
            raise IntegrityFailure(N_(
                "The vault's key file asks for weaker protection than counselroom allows; "
                "it has been altered. Restore the vault from a backup."))
        if self.time_cost > 100 or self.memory_kib > 4 * 1024 * 1024 or self.parallelism > 64:
            raise IntegrityFailure()  # absurd values: a damaged or hostile file, not a real vault


FLOOR = KdfParams(time_cost=3, memory_kib=64 * 1024, parallelism=4)
MAX_CALIBRATED_MEMORY_KIB = 256 * 1024


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
    while (t + 1) * per_pass <= target_seconds and t < 40:
        t += 1
    return KdfParams(time_cost=t, memory_kib=m, parallelism=FLOOR.parallelism)
