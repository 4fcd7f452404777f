"""The fuzz suite's counts, printed in the terminal summary of every run that includes it (with or without -s)
and recorded as properties of each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fuzz.harness import Tally

_TALLIES: list[Tally] = []


@pytest.fixture
def tally(request: pytest.FixtureRequest, record_property: Callable[[str, object], None]) -> Iterator[Tally]:
    t = Tally(request.node.name)
    yield t
    _TALLIES.append(t)
    for key in ("cases", "refused", "accepted"):
        record_property(key, getattr(t, key))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _TALLIES:
        return
    terminalreporter.section("fuzz: hostile files")
    for t in _TALLIES:
        terminalreporter.write_line(t.line())
    total = sum(t.cases for t in _TALLIES)
    terminalreporter.write_line(
        f"total: {total} cases, {sum(t.refused for t in _TALLIES)} refused, "
        f"{sum(t.accepted for t in _TALLIES)} accepted, {sum(len(t.crashes) for t in _TALLIES)} uncaught, "
        f"{sum(len(t.hangs) for t in _TALLIES)} hangs, {sum(len(t.writes) for t in _TALLIES)} writes on refusal")
