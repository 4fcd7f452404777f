"""The kill-point suite's counts, printed in the terminal summary of every run that includes it."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    import sys

    module = sys.modules.get("test_kill_points")
    lines = getattr(module, "REPORT", None)
    if not lines:
        return
    terminalreporter.section("kill points")
    for line in lines:
        terminalreporter.write_line(line)
