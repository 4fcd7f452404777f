"""The window starts without importing what only the command line or the unlocked window needs (the
command line with the demo generator, pypinyin, reportlab): checked in a fresh interpreter, timing nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("counselroom.cli", "counselroom.records.demo", "reportlab", "pypinyin")
# What the unlock screen does not need either: the records services, the documents (PDF) and pikepdf.
NOT_AT_UNLOCK = (*HEAVY, "pikepdf", "counselroom.records.services", "counselroom.documents")
# Loaded when the counselor unlocks, not before the unlock screen shows (vault/lazy.py: about 20 ms).
AT_UNLOCK_ONLY = ("sqlcipher3", "argon2", "cryptography", "counselroom.vault.keyslots", "counselroom.vault.kdf",
                  "counselroom.vault.connection", "counselroom.vault.audit", "counselroom.vault.rotation")


def _imported_after(statement: str, env: dict[str, str] | None = None) -> set[str]:
    code = f"{statement}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True,
                       env=env)
    return set(r.stdout.split())


def _heavy(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_the_windows_entry_point_imports_no_command_line_demo_pinyin_or_pdf_library() -> None:
    modules = _imported_after("import counselroom.__main__, counselroom.app")
    assert "counselroom.app" in modules and "counselroom.vault.vault" in modules
    assert not [m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY or m.startswith(HEAVY)]


def test_the_window_module_imports_only_what_the_unlock_screen_needs() -> None:
    """The entry point with the window's module, as `app.main()` imports it before showing the window."""
    modules = _imported_after("import counselroom.__main__, counselroom.app\n"
                              "from counselroom.gui.shell.main_window import AppContext, MainWindow")
    assert "counselroom.gui.shell.main_window" in modules and "counselroom.gui.shell.unlock_screen" in modules
    assert _heavy(modules, NOT_AT_UNLOCK) == []


def test_the_unlock_screen_shown_has_not_imported_them_either(tmp_path: Path) -> None:
    """A window built on an existing vault shows its unlock screen without the records services, the PDF
    libraries, pypinyin, the command line or the demo (imports inside the window's methods count too)."""
    from counselroom.vault.kdf import FLOOR
    from counselroom.vault.vault import Vault

    Vault.create(tmp_path / "vault", "correct horse battery staple 7", kdf_params=FLOOR, state_dir=tmp_path / "s")
    statement = (
        "from pathlib import Path\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from counselroom.config import AppConfig\n"
        "from counselroom.gui.shell.main_window import AppContext, MainWindow\n"
        "from counselroom.vault.vault import Vault\n"
        "app = QApplication([])\n"
        f"vault = Vault(Path({str(tmp_path / 'vault')!r}), state_dir=Path({str(tmp_path / 's')!r}))\n"
        f"ctx = AppContext(vault=vault, config=AppConfig(), config_path=Path({str(tmp_path / 'c.json')!r}))\n"
        "window = MainWindow(ctx)\nwindow.show()\napp.processEvents()\n"
        "assert window.unlock_screen is not None and window.screens.currentWidget() is window.unlock_screen")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    modules = _imported_after(statement, env)
    assert "counselroom.gui.shell.unlock_screen" in modules
    assert _heavy(modules, NOT_AT_UNLOCK) == []
    assert _heavy(modules, AT_UNLOCK_ONLY) == []
    # and the unlock itself loads them and works
    unlocked = _imported_after(f"{statement}\nwindow.unlock_screen.passphrase.setText('correct horse battery "
                               "staple 7')\nwindow.unlock_screen.try_unlock()\n"
                               "import time\nend = time.time() + 60\n"
                               "while not window.is_unlocked and time.time() < end: app.processEvents()\n"
                               "assert window.is_unlocked", env)
    assert {"sqlcipher3", "counselroom.vault.keyslots", "counselroom.vault.connection"} <= unlocked


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


def test_a_lazy_module_loads_once_whole_when_two_threads_touch_it_first() -> None:
    """The unlock runs on a worker thread while the window's thread may read the same vault module: both get
    the whole module (a fresh interpreter, so nothing has imported it yet)."""
    code = (
        "import sys, threading\n"
        "from counselroom.vault.lazy import lazy\n"
        "assert 'counselroom.vault.keyslots' not in sys.modules\n"
        "keyslots = lazy('counselroom.vault.keyslots')\n"
        "assert 'counselroom.vault.keyslots' not in sys.modules\n"
        "start, got = threading.Barrier(8), []\n"
        "def touch():\n"
        "    start.wait()\n"
        "    got.append((keyslots.SlotFile, keyslots.passphrase_bytes('a')))\n"
        "threads = [threading.Thread(target=touch) for _ in range(8)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "assert len(got) == 8 and len({id(g[0]) for g in got}) == 1, got\n"
        "assert sys.modules['counselroom.vault.keyslots'].SlotFile is got[0][0]\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
