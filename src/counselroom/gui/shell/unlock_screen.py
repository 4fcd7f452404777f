"""The unlock screen: the passphrase (or the recovery key, then a new passphrase), the vault layer's
messages and waiting time after wrong attempts, and a busy state while the key is derived."""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...i18n import sentences, tr
from ...vault.errors import Throttled, VaultError, WrongSecret, wait_text
from ...vault.vault import Vault, VaultSession
from ..common.widgets import (
    CapsLockWarning,
    NewPassphraseBox,
    PassphraseEdit,
    Task,
    heading,
    message_label,
    monospace_font,
    paragraph,
    set_message,
)

log = logging.getLogger(__name__)
TICK_MS = 250
CARD_WIDTH = 560


def error_text(error: BaseException) -> str:
    if isinstance(error, VaultError):
        return error.message()
    log.error("unlock failed: %s", type(error).__name__)
    return tr("The vault could not be opened. Check that its folder is reachable, then try again.")


class _Card(QFrame):
    """The centred column the unlock forms sit in."""

    def __init__(self) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMaximumWidth(CARD_WIDTH)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(28, 24, 28, 24)
        self.column.setSpacing(10)


class UnlockScreen(QWidget):
    """Emits `unlocked(session, new_recovery_key_or_None)` when the vault is open."""

    unlocked = Signal(object, object)

    def __init__(self, vault: Vault, demo_passphrase: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.demo_passphrase = demo_passphrase  # filled in again after every lock, as the screen says
        self._task: Task | None = None
        self._recovered: VaultSession | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_passphrase_page(demo_passphrase))
        self.pages.addWidget(self._build_recovery_page())
        self.pages.addWidget(self._build_new_passphrase_page())
        # The pages are no wider than their cards, so the card sits in the middle (not at the left of a wider
        # stack).
        self.pages.setMaximumWidth(CARD_WIDTH)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.pages, 3)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self._tick()

    # --- building -------------------------------------------------------------------------------
    def _build_passphrase_page(self, demo_passphrase: str | None) -> QWidget:
        card = _Card()
        c = card.column
        c.addWidget(heading(tr("counselroom is locked"), 1.6))
        c.addWidget(paragraph(tr("Enter the passphrase to open the records.")))
        if demo_passphrase:
            demo = paragraph(tr("DEMO DATA: this is a throwaway demo vault with made-up records. Its "
                                "passphrase is \"{passphrase}\" (already filled in).", passphrase=demo_passphrase))
            demo.setStyleSheet("background: #fff3cd; color: #5c4400; padding: 8px; border-radius: 4px;")
            c.addWidget(demo)
        label = QLabel(tr("&Passphrase"))
        self.passphrase = PassphraseEdit(tr("Passphrase"))
        label.setBuddy(self.passphrase)
        if demo_passphrase:
            self.passphrase.setText(demo_passphrase)
        self.caps = CapsLockWarning(self.passphrase)
        self.unlock_button = QPushButton(tr("&Unlock"))
        self.unlock_button.setDefault(True)
        self.unlock_button.setAutoDefault(True)
        self.unlock_button.setAccessibleName(tr("Unlock"))
        self.message = message_label()
        self.message.setAccessibleName(tr("Unlock message"))
        self.use_recovery = QPushButton(tr("Forgot the passphrase? Use the &recovery key"))
        self.use_recovery.setFlat(True)
        self.use_recovery.setAccessibleName(tr("Use the recovery key"))
        self.use_recovery.setCursor(Qt.CursorShape.PointingHandCursor)
        self.use_recovery.setStyleSheet("text-align: left; color: #1a56a8; text-decoration: underline;")
        for w in (label, self.passphrase, self.caps, self.unlock_button, self.message, self.use_recovery):
            c.addWidget(w)
        self.passphrase.returnPressed.connect(self.try_unlock)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.use_recovery.clicked.connect(lambda: self.show_page(1))
        return card

    def _build_recovery_page(self) -> QWidget:
        card = _Card()
        c = card.column
        c.addWidget(heading(tr("Use the recovery key"), 1.4))
        c.addWidget(paragraph(tr("Type the 32 letters and digits from the recovery sheet kept in the locked "
                                 "cabinet. Dashes, spaces and upper or lower case do not matter. You will then "
                                 "choose a new passphrase.")))
        label = QLabel(tr("Recovery &key"))
        self.recovery_key = QLineEdit()
        self.recovery_key.setFont(monospace_font(1.1))
        self.recovery_key.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.recovery_key.setAccessibleName(tr("Recovery key"))
        label.setBuddy(self.recovery_key)
        self.recovery_message = message_label()
        self.recovery_button = QPushButton(tr("&Continue"))
        self.recovery_button.setAutoDefault(True)
        back = QPushButton(tr("&Back to the passphrase"))
        back.setAutoDefault(True)
        row = QHBoxLayout()
        row.addWidget(back)
        row.addStretch(1)
        row.addWidget(self.recovery_button)
        for w in (label, self.recovery_key, self.recovery_message):
            c.addWidget(w)
        c.addLayout(row)
        self.recovery_key.returnPressed.connect(self.try_recovery)
        self.recovery_button.clicked.connect(self.try_recovery)
        back.clicked.connect(lambda: self.show_page(0))
        return card

    def _build_new_passphrase_page(self) -> QWidget:
        card = _Card()
        c = card.column
        c.addWidget(heading(tr("Choose a new passphrase"), 1.4))
        c.addWidget(paragraph(tr("The recovery key was right. Choose the passphrase you will use from now on. "
                                 "The recovery key keeps working unless you replace it below.")))
        self.new_passphrase = NewPassphraseBox()
        self.new_recovery = QCheckBox(tr("Also make a new recovery key (do this if the recovery sheet may have "
                                         "been seen by someone else)"))
        self.new_recovery.setAccessibleName(tr("Also make a new recovery key"))
        self.set_message_label = message_label()
        self.set_button = QPushButton(tr("&Save the passphrase and open"))
        self.set_button.setAutoDefault(True)
        self.set_button.setEnabled(False)
        for w in (self.new_passphrase, self.new_recovery, self.set_message_label, self.set_button):
            c.addWidget(w)
        self.new_passphrase.changed.connect(
            lambda: self.set_button.setEnabled(self.new_passphrase.acceptable and not self.busy))
        self.new_passphrase.second.returnPressed.connect(self.try_set_passphrase)
        self.set_button.clicked.connect(self.try_set_passphrase)
        return card

    # --- state ----------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._task is not None and self._task.running

    def show_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        focus = {0: self.passphrase, 1: self.recovery_key, 2: self.new_passphrase.first}[index]
        focus.setFocus()
        self._tick()

    def reset(self) -> None:
        """Back to a blank passphrase page (used on lock and panic); closes a half-finished recovery."""
        if self._recovered is not None:
            with contextlib.suppress(Exception):
                self._recovered.close()
            self._recovered = None
        for field in (self.passphrase, self.recovery_key):
            field.clear()
        if self.demo_passphrase:
            self.passphrase.setText(self.demo_passphrase)
        self.new_passphrase.clear()
        self.new_recovery.setChecked(False)
        for label in (self.message, self.recovery_message, self.set_message_label):
            set_message(label, "")
        self.pages.setCurrentIndex(0)
        self._tick()

    def focus_passphrase(self) -> None:
        self.passphrase.setFocus()

    def _wait_seconds(self) -> float:
        try:
            return self.vault.attempts.seconds_to_wait()
        except OSError:
            return 0.0

    def _tick(self) -> None:
        wait = self._wait_seconds()
        busy = self.busy
        if wait > 0:
            text = tr("Wait {seconds} s", seconds=math.ceil(wait))
            self.unlock_button.setText(text)
            self.recovery_button.setText(text)
            if not self._timer.isActive():
                self._timer.start()
        else:
            self._timer.stop()
            waited = getattr(self, "_after_wait", None)
            if waited is not None:  # the wait is over: "wait 2 seconds" no longer holds
                self._after_wait: tuple[str, str] | None = None
                if self.message.text() == waited[0]:
                    set_message(self.message, waited[1])
            self.unlock_button.setText(tr("Unlocking...") if busy else tr("&Unlock"))
            self.recovery_button.setText(tr("Checking...") if busy else tr("&Continue"))
        self.unlock_button.setEnabled(wait <= 0 and not busy)
        self.recovery_button.setEnabled(wait <= 0 and not busy)
        self.passphrase.setReadOnly(busy)
        self.recovery_key.setReadOnly(busy)

    def _run(self, fn: Callable[[], Any], done: Callable[[Any], None],
             failed: Callable[[BaseException], None]) -> None:
        task = Task(fn, self)
        task.done.connect(done)
        task.failed.connect(failed)
        task.done.connect(lambda _r: self._finished(task))
        task.failed.connect(lambda _e: self._finished(task))
        self._task = task
        task.start()
        self._tick()

    def _finished(self, task: Task) -> None:
        if self._task is task:
            self._task = None
        task.deleteLater()
        self._tick()

    # --- unlocking with the passphrase ----------------------------------------------------------
    def try_unlock(self) -> None:
        if self.busy or self._wait_seconds() > 0:
            return
        passphrase = self.passphrase.text()
        if not passphrase:
            set_message(self.message, tr("Enter the passphrase."))
            return
        set_message(self.message, tr("Opening the vault..."), "notice")
        self._run(lambda: self.vault.unlock(passphrase), self._unlocked, self._unlock_failed)

    def _unlocked(self, session: VaultSession) -> None:
        self.passphrase.clear()
        set_message(self.message, "")
        self.unlocked.emit(session, None)

    def _unlock_failed(self, error: BaseException) -> None:
        self.passphrase.selectAll()
        self.passphrase.setFocus()
        set_message(self.message, self._failure_text(error))

    def _failure_text(self, error: BaseException) -> str:
        text = error_text(error)
        if isinstance(error, WrongSecret) and not isinstance(error, Throttled) and error.retry_after > 0:
            self._after_wait = (sentences(text, wait_text(error.retry_after)), text)
            text = self._after_wait[0]
        return text

    # --- the recovery path ----------------------------------------------------------------------
    def try_recovery(self) -> None:
        if self.busy or self._wait_seconds() > 0:
            return
        key = self.recovery_key.text()
        if not key.strip():
            set_message(self.recovery_message, tr("Type the recovery key."))
            return
        set_message(self.recovery_message, tr("Checking the recovery key..."), "notice")
        self._run(lambda: self.vault.unlock_with_recovery(key), self._recovered_ok, self._recovery_failed)

    def _recovered_ok(self, session: VaultSession) -> None:
        self.recovery_key.clear()
        set_message(self.recovery_message, "")
        self._recovered = session
        self.show_page(2)

    def _recovery_failed(self, error: BaseException) -> None:
        self.recovery_key.setFocus()
        set_message(self.recovery_message, self._failure_text(error))

    def try_set_passphrase(self) -> None:
        session = self._recovered
        if session is None or self.busy or not self.new_passphrase.acceptable:
            return
        new = self.new_passphrase.passphrase()
        replace_key = self.new_recovery.isChecked()

        def work() -> str | None:
            session.set_passphrase(new)
            return session.new_recovery_key() if replace_key else None

        set_message(self.set_message_label, tr("Saving the new passphrase..."), "notice")
        self.set_button.setEnabled(False)
        self._run(work, self._passphrase_set, self._set_failed)

    def _passphrase_set(self, new_key: str | None) -> None:
        session, self._recovered = self._recovered, None
        self.new_passphrase.clear()
        self.new_recovery.setChecked(False)
        set_message(self.set_message_label, "")
        self.pages.setCurrentIndex(0)
        if session is not None:
            self.unlocked.emit(session, new_key)

    def _set_failed(self, error: BaseException) -> None:
        set_message(self.set_message_label, error_text(error))
        self.set_button.setEnabled(self.new_passphrase.acceptable)
