"""The fuzz suite's harness: one case run under a time budget, and the tally of outcomes a test reports.

COUNSELROOM_FUZZ_CASES=N runs the slow suite with N cases a target (the issue's bar: 10,000 across the
files, e.g. N=4000 for instruments, key files and backup headers); without it only the samples run.
COUNSELROOM_FUZZ_SEED=S changes the seed (a failure names the seed and the case to replay it)."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

SEED = int(os.environ.get("COUNSELROOM_FUZZ_SEED", "20260417"))
SAMPLE = 500
FULL = int(os.environ.get("COUNSELROOM_FUZZ_CASES", "0"))


class Hang(BaseException):
    """A case ran past its time budget (BaseException: no `except Exception` in the code under test hides it)."""


@dataclass
class Tally:
    target: str
    seed: int = SEED
    cases: int = 0
    refused: int = 0
    accepted: int = 0
    crashes: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    slowest: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        return (f"{self.target}: {self.cases} cases, {self.refused} refused, {self.accepted} accepted, "
                f"{len(self.crashes)} uncaught, {len(self.hangs)} hangs, {len(self.writes)} writes on refusal, "
                f"slowest {self.slowest:.2f} s (seed {self.seed}) [{kinds}]")

    def problems(self) -> list[str]:
        return self.crashes[:5] + self.hangs[:5] + self.writes[:5]

    def run(self, case: str, budget: float, body: Callable[[], str], expected: tuple[type[BaseException], ...],
            on_refusal: Callable[[], str | None] | None = None) -> None:
        """Run one case: `body` returns the name of an acceptance; an `expected` exception is a refusal (then
        `on_refusal` may name a write it finds); anything else is a crash, running past `budget` a hang."""
        self.cases += 1
        start = time.monotonic()
        try:
            with _time_limit(budget):
                outcome = body()
            self.accepted += 1
        except Hang:
            self.hangs.append(f"{case}: over {budget} s")
            outcome = "hang"
        except expected as e:
            self.refused += 1
            outcome = type(e).__name__
            if on_refusal is not None:
                wrote = on_refusal()
                if wrote:
                    self.writes.append(f"{case}: {wrote}")
        except Exception as e:  # noqa: BLE001 - the finding itself
            self.crashes.append(f"{case}: {type(e).__name__}: {str(e)[:200]}")
            outcome = "crash"
        self.slowest = max(self.slowest, time.monotonic() - start)
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    if not hasattr(signal, "setitimer"):  # Windows: a case over its budget is counted when it ends
        start = time.monotonic()
        yield
        if time.monotonic() - start > seconds:
            raise Hang()
        return

    def on_alarm(*_: Any) -> None:
        raise Hang()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
