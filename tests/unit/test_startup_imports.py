"""The window starts without importing what only the command line or the unlocked window needs (the
command line with the demo generator, pypinyin, reportlab): checked in a fresh interpreter, timing nothing."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("counselroom.cli", "counselroom.records.demo", "reportlab", "pypinyin")


def _imported_after(statement: str) -> set[str]:
    code = f"{statement}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return set(r.stdout.split())


def test_the_windows_entry_point_imports_no_command_line_demo_pinyin_or_pdf_library() -> None:
    modules = _imported_after("import counselroom.__main__, counselroom.app")
    assert "counselroom.app" in modules and "counselroom.vault.vault" in modules
    assert not [m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY or m.startswith(HEAVY)]


def test_a_command_still_reaches_the_command_line() -> None:
    r = subprocess.run([sys.executable, "-m", "counselroom", "no-such-command"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and "no-such-command" in r.stderr
    r = subprocess.run([sys.executable, "-m", "counselroom", "--version"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("counselroom ")


def test_the_process_is_hardened_before_anything_else(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from counselroom import __main__

    calls: list[str] = []
    monkeypatch.setattr(__main__, "harden_process", lambda: calls.append("hardened"))
    assert __main__.main(["--version"]) == 0
    assert calls == ["hardened"]
