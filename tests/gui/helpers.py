"""Helpers the GUI tests share: answering a modal dialog from the event loop, and clicking a button by
its text.

A module that uses `when_modal` imports `_stop_polls` too (an autouse fixture), so polls still waiting
when a test ends never answer a dialog of the next test."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

_pending: list[QTimer] = []


def when_modal(callback: Callable[[QWidget], None], exclude: QWidget | None = None,
               timeout: float = 5.0) -> list[str]:
    """Run `callback` on the next modal dialog other than `exclude`, from the event loop; the dialog is
    closed afterwards if it is still open, so a test fails instead of hanging.

    Returns a list that holds an error message if the callback raised or no dialog appeared in time
    (assert it is empty afterwards). A callback's error is also raised again in the event loop, where
    pytest-qt fails the test with it."""
    deadline = time.monotonic() + timeout
    problems: list[str] = []
    timer = QTimer()
    timer.setInterval(20)
    _pending.append(timer)

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if widget is not None and widget is not exclude and widget.isVisible():
            timer.stop()
            try:
                callback(widget)
            except BaseException as e:
                problems.append(f"{type(e).__name__}: {e}")
                raise
            finally:
                if widget.isVisible():
                    widget.close()
        elif time.monotonic() > deadline:
            timer.stop()
            problems.append("no modal dialog appeared")

    timer.timeout.connect(poll)
    timer.start()
    return problems


@pytest.fixture(autouse=True)
def _stop_polls() -> Iterator[None]:
    yield
    for timer in _pending:
        timer.stop()
    _pending.clear()


def click_button(box: QWidget, text: str) -> None:
    """Click the push button labelled `text` (mnemonic ampersands ignored) inside `box`."""
    buttons = [b for b in box.findChildren(QPushButton) if b.text().replace("&", "") == text]
    assert buttons, f"no button {text!r} in {[b.text() for b in box.findChildren(QPushButton)]}"
    buttons[0].click()
