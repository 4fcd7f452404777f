"""A small registry so that every part of the program can add its own measurements.

A benchmark is a function that takes the Context and returns rows (name, value, unit, note). Put it in
a module named `bench_<part>.py` in this package and decorate it with `@benchmark`; the runner imports
every such module, runs the benchmarks that need a closed vault first, then opens the vault once and
runs those that need the records services, in the order they were registered.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from counselroom.records.services import Services
from counselroom.vault.vault import Vault


@dataclass
class Row:
    name: str
    value: float | int | str
    unit: str = ""
    note: str = ""


@dataclass
class Ratio:
    """One line of the closing summary: a measured figure against its floor measured in the same run."""

    work: str
    value: float  # seconds
    floor_name: str
    floor: float  # seconds
    goal: str = ""
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.floor if self.floor else float("inf")


@dataclass
class Context:
    vault: Vault
    passphrase: str
    repeat: int
    services: Services | None = None  # set for benchmarks registered with needs_session=True
    size: str = "decade"
    ratios: list[Ratio] = field(default_factory=list)  # printed together at the end of the run

    @property
    def db_path(self) -> Path:
        return self.vault.db_path

    def open_services(self) -> Services:
        assert self.services is not None, "this benchmark must be registered with needs_session=True"
        return self.services


BenchFn = Callable[[Context], list[Row]]


@dataclass
class Benchmark:
    name: str
    fn: BenchFn
    needs_session: bool


REGISTRY: list[Benchmark] = []


def benchmark(name: str, *, needs_session: bool = True) -> Callable[[BenchFn], BenchFn]:
    def register(fn: BenchFn) -> BenchFn:
        if any(b.name == name for b in REGISTRY):
            raise ValueError(f"two benchmarks are called {name}")
        REGISTRY.append(Benchmark(name, fn, needs_session))
        return fn
    return register


@dataclass
class Timings:
    """Seconds of several runs of the same thing."""

    runs: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def low(self) -> float:
        return min(self.runs)

    @property
    def high(self) -> float:
        return max(self.runs)

    def spread(self) -> str:
        return f"n={len(self.runs)}, min {ms(self.low)}, max {ms(self.high)}"

    def p95(self) -> float:
        runs = sorted(self.runs)
        return runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))]


def timed(fn: Callable[[], object], repeat: int) -> Timings:
    t = Timings()
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        t.runs.append(time.perf_counter() - start)
    return t


def ms(seconds: float) -> str:
    millis = seconds * 1000
    if millis >= 10000:
        return f"{seconds:.1f} s"
    return f"{millis:.2f} ms" if millis < 10 else f"{millis:.1f} ms" if millis < 1000 else f"{millis:.0f} ms"
