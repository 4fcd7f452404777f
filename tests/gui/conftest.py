"""GUI tests run offscreen (set before any QApplication exists) with real vaults at the floor key
derivation cost, a fake clock for the idle lock, and English unless a test chooses otherwise."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, QEvent  # noqa: E402
from PySide6.QtGui import QInputMethodEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from counselroom import i18n  # noqa: E402
from counselroom.config import AppConfig  # noqa: E402
from counselroom.gui.shell.application import prepare_application  # noqa: E402
from counselroom.vault.kdf import FLOOR  # noqa: E402
from counselroom.vault.media import FakeVolumes  # noqa: E402
from counselroom.vault.vault import Vault  # noqa: E402


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def commit_text(widget: QWidget, text: str) -> None:
    """Type text the way an input method commits it (keyClicks with Chinese aborts the process)."""
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QCoreApplication.sendEvent(widget, event)


def flush_deletions() -> None:
    """Let Qt run pending deleteLater() calls, as returning to the event loop would."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()


@pytest.fixture(autouse=True, scope="session")
def _prepared_application(qapp: QApplication) -> None:
    """What the program's own start does to its QApplication: the icon, the names, a Chinese font."""
    prepare_application(qapp)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("en")
    from counselroom.app import install_qt_translations

    install_qt_translations("en")


@pytest.fixture
def idle_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def attempt_clock() -> FakeClock:
    return FakeClock(start=2_000_000.0)


@pytest.fixture
def make_window(qtbot, tmp_path: Path, state_dir: Path, idle_clock: FakeClock,  # type: ignore[no-untyped-def]
                attempt_clock: FakeClock) -> Iterator[Callable[..., object]]:
    """make_window(vault_path=None, **context) -> a shown MainWindow on that vault (a new folder by default)."""
    from counselroom.gui.shell.main_window import AppContext, MainWindow

    windows: list[MainWindow] = []

    def make(vault_path: Path | None = None, **extra: object) -> MainWindow:
        vault = Vault(vault_path or tmp_path / "vault", state_dir=state_dir, clock=attempt_clock)
        config = extra.pop("config", None) or AppConfig()
        extra.setdefault("remind_backup", False)  # the reminder at close has its own test
        extra.setdefault("volumes", FakeVolumes())  # never the test machine's real disks
        ctx = AppContext(vault=vault, config=config, config_path=tmp_path / "settings.json",  # type: ignore[arg-type]
                         kdf_params=FLOOR, idle_clock=idle_clock, idle_check_ms=20, **extra)  # type: ignore[arg-type]
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        if window.wizard is not None:
            window.wizard.discard()
            window.wizard = None
        window.lock()
        if window.unlock_screen is not None:
            window.unlock_screen.reset()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(window.idle)
    flush_deletions()


@pytest.fixture
def type_committed() -> Callable[[QWidget, str], None]:
    """commit_text as a fixture, for test modules (tests/gui is not a package)."""
    return commit_text


@pytest.fixture
def flush() -> Callable[[], None]:
    return flush_deletions
