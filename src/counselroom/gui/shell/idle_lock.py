"""Locking without being asked: after some minutes without keyboard or mouse input, and at once on the
panic key.

The watcher filters every event of the application (so input in any window or dialog counts as
activity, and the panic key works whichever window has focus, even a modal dialog). Time comes from an
injected clock and is checked on a timer, so a test can move the clock forward instead of waiting.

Panic keys: F12, or Ctrl+Shift+L (for keyboards where F12 needs an Fn key). Lock key: Ctrl+L.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent

ACTIVITY_EVENTS = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.InputMethod,
    QEvent.Type.ShortcutOverride,  # a key that fires a shortcut never arrives as a key press
}
CHECK_INTERVAL_MS = 5000
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def is_panic_key(event: QKeyEvent) -> bool:
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    if event.key() == Qt.Key.Key_F12 and mods == Qt.KeyboardModifier.NoModifier:
        return True
    return event.key() == Qt.Key.Key_L and mods == CTRL_SHIFT


def is_lock_key(event: QKeyEvent) -> bool:
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return event.key() == Qt.Key.Key_L and mods == Qt.KeyboardModifier.ControlModifier


class IdleWatcher(QObject):
    """Emits `idle` once after `minutes` without input while armed, `panic` on the panic key, and
    `lock_requested` on Ctrl+L while armed (here rather than as a window shortcut, so that it also
    works while a dialog has the focus)."""

    idle = Signal()
    panic = Signal()
    lock_requested = Signal()

    def __init__(self, minutes: int, clock: Callable[[], float] = time.monotonic,
                 check_interval_ms: int = CHECK_INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.minutes = minutes
        self.clock = clock
        self.last_activity = clock()
        self.armed = False
        self._timer = QTimer(self)
        self._timer.setInterval(check_interval_ms)
        self._timer.timeout.connect(self.check)

    def arm(self) -> None:
        """Start counting (after unlocking)."""
        self.armed = True
        self.touch()
        self._timer.start()

    def disarm(self) -> None:
        self.armed = False
        self._timer.stop()

    def set_minutes(self, minutes: int) -> None:
        self.minutes = minutes
        self.touch()

    def touch(self) -> None:
        self.last_activity = self.clock()

    def seconds_idle(self) -> float:
        return self.clock() - self.last_activity

    def check(self) -> None:
        if self.armed and self.minutes > 0 and self.seconds_idle() >= self.minutes * 60:
            self.disarm()
            self.idle.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride) and isinstance(event, QKeyEvent):
            signal = self.panic if is_panic_key(event) else self.lock_requested if (
                self.armed and is_lock_key(event)) else None
            if signal is not None:
                if kind == QEvent.Type.ShortcutOverride:
                    event.accept()  # claim the key before any shortcut does; the key press follows
                else:
                    signal.emit()
                return True
        if kind in ACTIVITY_EVENTS:
            self.touch()
        return False
