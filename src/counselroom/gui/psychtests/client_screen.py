"""The client-facing questionnaire screen: the counselor turns the workstation to the client, who answers a
questionnaire and can reach nothing else. Leaving needs the counselor's passphrase.

The screen is given only what it shows (the instrument's title and instructions, the items, the answers so
far) and two callables: `save_answer(number, value)`, called at once for every answer (so nothing is lost
when the session locks), and `check_passphrase(text) -> bool`, which is slow (key derivation) and runs on a
worker thread, so it must not touch the store. It holds no services object and no client name.

It is an application-modal, full-screen QDialog, so the rest of the program gets no input while it is up.
The client's ways out are all closed: the window's close (Alt+F4), Escape, and the main window's shortcuts
(blocked by the modality). The ways out that remain:
  * `returned`, after the counselor's passphrase was right;
  * locking (menu, Ctrl+L, idle time, panic key): the main window's `close_other_windows` calls `reject()`
    on every visible dialog and deletes it. `reject()` is reached from nowhere else (Escape and the close
    event are swallowed below), so a programmatic reject is always the lock;
  * `force_close()`, for a caller that must close it without the passphrase.
It is used once: afterwards it stays hidden until its owner drops it (or a lock deletes it with every dialog).
The idle lock keeps working while the client answers: the client's key presses and clicks are activity, and
an idle lock closes the screen like any other lock (the answers given so far are saved).

Layout: one item per view, in type sized from the screen's height (a 1366x768 laptop at 200% leaves about
683x384 logical pixels), inside a scroll area for items that still do not fit. Number keys choose an answer,
Left/Right (or Page Up/Down, Enter) move between items, Up/Down move between the answers. No score or
interpretation is ever shown: the last view thanks the client and asks them to tell the counselor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QFontInfo, QKeyEvent, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...i18n import language, tr
from ...vault.errors import VaultError
from ..clients.client_form import plain_label
from ..common.widgets import CapsLockWarning, PassphraseEdit, Task, message_label, paragraph, set_message

log = logging.getLogger(__name__)

MAX_KEYED_OPTIONS = 9  # number keys 1..9
CONTENT_WIDTH = 920  # longer lines are hard to read
LONG_QUESTION = 90  # Latin letters' widths; on a small screen a longer question is set in the body size, so
COMPACT_HEIGHT = 600  # its answers stay in view


@dataclass(frozen=True)
class ScreenItem:
    number: int
    text: str
    options: list[tuple[int, str]]  # (value, label)


def _width(text: str) -> int:
    """Rough display width: a Chinese character is about two Latin letters wide."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def type_sizes(height: int, floor_px: int) -> dict[str, int]:
    """Pixel sizes (logical) for the screen's text, from the window's height: large on a laptop at 100%,
    still readable but compact at 200%, never below the system font."""
    body = max(floor_px, min(26, round(height / 34)), 14)
    return {"body": body, "question": round(body * 1.3), "small": max(floor_px, round(body * 0.8), 12),
            "heading": round(body * 1.6)}


def _style(px: dict[str, int]) -> str:
    return f"""
        ClientScreen {{ background: #f7f7f4; }}
        QWidget {{ font-size: {px['body']}px; color: #1d2330; }}
        QLabel#question {{ font-size: {px['question']}px; font-weight: bold; }}
        QLabel#question[long="true"] {{ font-size: {px['body']}px; }}
        QLabel#heading {{ font-size: {px['heading']}px; font-weight: bold; }}
        QLabel#muted, QLabel#progress {{ font-size: {px['small']}px; color: #4a5263; }}
        QPushButton#option {{ text-align: left; border: 2px solid #9aa3b5; border-radius: 8px;
            background: #ffffff; }}
        QPushButton#option:hover {{ background: #eef3fb; }}
        QPushButton#option:focus {{ border: 3px solid #1a56a8; }}
        QPushButton#option:checked {{ background: #1a56a8; border-color: #0f3a75; }}
        QLabel#optionKey {{ border: 1px solid #9aa3b5; border-radius: 5px; background: #f1f3f7;
            padding: 0 6px; font-weight: bold; }}
        QLabel#optionKey[checked="true"] {{ background: #ffffff; color: #1a56a8; border-color: #ffffff; }}
        QLabel#optionText[checked="true"], QLabel#optionMark[checked="true"] {{ color: #ffffff; }}
        QPushButton#nav {{ padding: 6px 18px; }}
        QPushButton#counselor {{ font-size: {px['small']}px; color: #5b6272; border: none;
            background: transparent; text-decoration: underline; padding: 2px 4px; }}
        QProgressBar {{ border: none; background: #dde1e8; border-radius: 3px; }}
        QProgressBar::chunk {{ background: #5b8dd6; border-radius: 3px; }}
    """


class OptionButton(QPushButton):
    """One answer: its number key, its label (wrapped, however long) and a tick when chosen.

    A QPushButton does not wrap its text, so the text sits in labels in the button's own layout, and the
    button's size comes from that layout."""

    def __init__(self, key: int, value: int, label: str, padding: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = value
        self.setObjectName("option")
        self.setCheckable(True)
        self.setAutoDefault(False)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(label)
        if key <= MAX_KEYED_OPTIONS:
            self.setAccessibleDescription(tr("Number key {key}", key=key))
        self.key_label = plain_label(str(key) if key <= MAX_KEYED_OPTIONS else "")
        self.key_label.setObjectName("optionKey")
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_label = paragraph(label)
        self.text_label.setObjectName("optionText")
        self.mark = plain_label("✓")
        self.mark.setObjectName("optionMark")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, padding, 12, padding)
        row.setSpacing(12)
        row.addWidget(self.key_label, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.text_label, 1)
        row.addWidget(self.mark, 0, Qt.AlignmentFlag.AlignVCenter)
        for w in (self.key_label, self.text_label, self.mark):
            w.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.toggled.connect(self._restyle)
        self._restyle(False)

    def _restyle(self, on: bool) -> None:
        self.mark.setText("✓" if on else "")
        for w in (self.key_label, self.text_label, self.mark):
            w.setProperty("checked", on)
            w.style().unpolish(w)
            w.style().polish(w)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        layout = self.layout()
        return layout.sizeHint() if layout is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        layout = self.layout()
        return layout.minimumSize() if layout is not None else super().minimumSizeHint()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        layout = self.layout()
        return layout.totalHeightForWidth(width) if layout is not None else super().heightForWidth(width)


class ClientScreen(QDialog):
    """The questionnaire for the client; see the module's docstring. Emits `returned` after the counselor's
    passphrase was right (the screen has closed by then)."""

    returned = Signal()

    def __init__(self, title: str, instructions: str, items: list[ScreenItem], answers: dict[int, int],
                 save_answer: Callable[[int, int], None], check_passphrase: Callable[[str], bool],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items = list(items)
        self._answers = {n: v for n, v in answers.items() if any(n == i.number for i in self._items)}
        self._save_answer = save_answer
        self._check_passphrase = check_passphrase
        self._index = 0
        self._task: Task | None = None
        self._sizes: dict[str, int] = {}
        self.option_buttons: list[OptionButton] = []
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.CustomizeWindowHint | Qt.WindowType.WindowTitleHint
                            | Qt.WindowType.WindowStaysOnTopHint)
        self.setSizeGripEnabled(False)
        self.setAccessibleName(title)

        self.views = QStackedWidget()
        self.questions_view = self._build_questions_view(title, instructions)
        self.finish_view = self._build_finish_view()
        self.counselor_view = self._build_counselor_view()
        for view in (self.questions_view, self.finish_view, self.counselor_view):
            self.views.addWidget(view)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.views)
        for button in self.findChildren(QPushButton):
            button.installEventFilter(self)
        self._apply_sizes()
        if self._items:
            self._show_item(0)

    # --- building -------------------------------------------------------------------------------
    @staticmethod
    def _column(inner: QVBoxLayout) -> QScrollArea:
        """A scroll area holding a centred column of readable width."""
        column = QWidget()
        column.setObjectName("column")
        column.setMaximumWidth(CONTENT_WIDTH)
        column.setLayout(inner)
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        row.addWidget(column, 12)
        row.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(holder)
        scroll.viewport().setAutoFillBackground(False)
        holder.setAutoFillBackground(False)
        return scroll

    def _build_questions_view(self, title: str, instructions: str) -> QWidget:
        view = QWidget()
        layout = QVBoxLayout(view)
        layout.setContentsMargins(16, 8, 16, 10)
        layout.setSpacing(6)
        top = QHBoxLayout()
        self.title_label = paragraph(title)
        self.title_label.setObjectName("muted")
        top.addWidget(self.title_label, 1)
        self.counselor_button = self._counselor_button()
        top.addWidget(self.counselor_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, max(1, len(self._items)))
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedHeight(6)
        self.progress_bar.setAccessibleName(tr("Questions answered"))
        layout.addWidget(self.progress_bar)

        inner = QVBoxLayout()
        inner.setContentsMargins(0, 6, 0, 6)
        inner.setSpacing(8)
        self.instructions_label = paragraph(instructions)
        self.instructions_label.setObjectName("muted")
        self.instructions_label.setVisible(bool(instructions.strip()))
        self.question_label = paragraph("")
        self.question_label.setObjectName("question")
        self.options_box = QVBoxLayout()
        self.options_box.setSpacing(8)
        self.save_message = message_label()
        self.hint_label = paragraph(tr("Press a number key or click an answer."))
        self.hint_label.setObjectName("muted")
        inner.addWidget(self.instructions_label)
        inner.addSpacing(4)
        inner.addWidget(self.question_label)
        inner.addSpacing(4)
        inner.addLayout(self.options_box)
        inner.addWidget(self.save_message)
        inner.addWidget(self.hint_label)
        inner.addStretch(1)
        self.questions_scroll = self._column(inner)
        layout.addWidget(self.questions_scroll, 1)

        nav = QHBoxLayout()
        self.previous_button = QPushButton(tr("← &Previous"))
        self.next_button = QPushButton(tr("&Next →"))
        self.progress_label = plain_label()
        self.progress_label.setObjectName("progress")
        self.progress_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for b in (self.previous_button, self.next_button):
            b.setObjectName("nav")
            b.setAutoDefault(False)
        nav.addWidget(self.previous_button)
        nav.addWidget(self.progress_label, 1)
        nav.addWidget(self.next_button)
        layout.addLayout(nav)
        self.previous_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)
        return view

    def _counselor_button(self) -> QPushButton:
        button = QPushButton(tr("Counselor: return to the program"))
        button.setObjectName("counselor")
        button.setAutoDefault(False)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.clicked.connect(self.show_counselor)
        return button

    def _build_finish_view(self) -> QWidget:
        view = QWidget()
        layout = QVBoxLayout(view)
        layout.setContentsMargins(16, 8, 16, 10)
        top = QHBoxLayout()
        top.addStretch(1)
        top.addWidget(self._counselor_button())
        layout.addLayout(top)
        inner = QVBoxLayout()
        inner.setSpacing(14)
        inner.addStretch(1)
        self.thanks_heading = paragraph(tr("Thank you"))
        self.thanks_heading.setObjectName("heading")
        self.thanks_text = paragraph(tr("Please let the counselor know you have finished."))
        self.unanswered_label = paragraph("")
        self.unanswered_label.setObjectName("muted")
        self.go_unanswered = QPushButton()
        self.go_unanswered.setObjectName("nav")
        self.go_unanswered.setAutoDefault(False)
        self.go_unanswered.clicked.connect(self._go_first_unanswered)
        self.review_button = QPushButton(tr("&Look at my answers again"))
        self.review_button.setObjectName("nav")
        self.review_button.setAutoDefault(False)
        self.review_button.clicked.connect(lambda: self._show_item(0))
        buttons = QHBoxLayout()
        buttons.addWidget(self.go_unanswered)
        buttons.addWidget(self.review_button)
        buttons.addStretch(1)
        for w in (self.thanks_heading, self.thanks_text, self.unanswered_label):
            inner.addWidget(w)
        inner.addLayout(buttons)
        inner.addStretch(2)
        layout.addWidget(self._column(inner), 1)
        return view

    def _build_counselor_view(self) -> QWidget:
        inner = QVBoxLayout()
        inner.setSpacing(10)
        inner.addStretch(1)
        heading = paragraph(tr("For the counselor"))
        heading.setObjectName("heading")
        inner.addWidget(heading)
        inner.addWidget(paragraph(tr("Enter your passphrase to leave the questionnaire and return to the "
                                     "program. The answers are already saved.")))
        label = plain_label(tr("&Passphrase"))
        self.passphrase = PassphraseEdit(tr("Passphrase"))
        label.setBuddy(self.passphrase)
        self.caps = CapsLockWarning(self.passphrase)
        self.passphrase_message = message_label()
        self.passphrase_message.setAccessibleName(tr("Passphrase message"))
        self.return_button = QPushButton(tr("&Return to the program"))
        self.return_button.setObjectName("nav")
        self.return_button.setAutoDefault(False)
        self.back_button = QPushButton(tr("&Back to the questionnaire"))
        self.back_button.setObjectName("nav")
        self.back_button.setAutoDefault(False)
        row = QHBoxLayout()
        row.addWidget(self.back_button)
        row.addStretch(1)
        row.addWidget(self.return_button)
        for w in (label, self.passphrase, self.caps, self.passphrase_message):
            inner.addWidget(w)
        inner.addLayout(row)
        inner.addStretch(2)
        self.passphrase.returnPressed.connect(self.try_return)
        self.return_button.clicked.connect(self.try_return)
        self.back_button.clicked.connect(self.back_to_questions)
        view = QWidget()
        layout = QVBoxLayout(view)
        layout.setContentsMargins(16, 8, 16, 10)
        layout.addWidget(self._column(inner), 1)
        return view

    def _key(self, event: QKeyEvent) -> bool:
        """The questionnaire's keys; True when the key was one of them (and has been acted on).

        Handled as key presses (an event filter on the buttons, and the dialog's keyPressEvent), not as
        QShortcuts: a key taken by a shortcut never arrives as a key press, and the idle lock counts key
        presses as activity."""
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        key = event.key()
        view = self.views.currentWidget()
        if view is self.finish_view:
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._click_focused(self.finish_view)
                return True
            return False
        if view is not self.questions_view:
            return False
        if Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            self.choose_key(key - Qt.Key.Key_0)
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_PageDown):
            self.next()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_PageUp):
            self.previous()
        elif key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            self._move_focus(1 if key == Qt.Key.Key_Down else -1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if not self._click_focused(self.questions_view, skip=OptionButton):
                self.next()
        else:
            return False
        return True

    def _click_focused(self, view: QWidget, skip: type | None = None) -> bool:
        """Press the focused button of `view` (not one of type `skip`); False when there is none."""
        focused = QApplication.focusWidget()
        if isinstance(focused, QPushButton) and view.isAncestorOf(focused) and focused.isEnabled() \
                and not (skip is not None and isinstance(focused, skip)):
            focused.click()
            return True
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and isinstance(watched, QWidget) \
                and self.isAncestorOf(watched):
            return self._key(event)
        return False

    # --- sizes ----------------------------------------------------------------------------------
    def _apply_sizes(self) -> None:
        floor = QFontInfo(QApplication.font()).pixelSize()
        sizes = type_sizes(self._height(), floor)
        if sizes != self._sizes:
            self._sizes = sizes
            self.setStyleSheet(_style(sizes))
        self._size_question()

    def _size_question(self) -> None:
        if not self._items:
            return
        long = _width(self._items[self._index].text) > LONG_QUESTION and self._height() < COMPACT_HEIGHT
        if self.question_label.property("long") != long:
            self.question_label.setProperty("long", long)
            self.question_label.style().unpolish(self.question_label)
            self.question_label.style().polish(self.question_label)

    def _height(self) -> int:
        """The window's height once shown; before, the height of the screen it will fill."""
        if self.isVisible():
            return self.height()
        screen = self.screen() or QApplication.primaryScreen()
        return screen.geometry().height() if screen is not None else 768

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._apply_sizes()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._apply_sizes()

    # --- state ----------------------------------------------------------------------------------
    @property
    def answers(self) -> dict[int, int]:
        """The answers as the screen knows them (item number -> value), a copy."""
        return dict(self._answers)

    @property
    def current_number(self) -> int | None:
        """The item shown, or None on the thank-you or counselor view."""
        if self.views.currentWidget() is not self.questions_view or not self._items:
            return None
        return self._items[self._index].number

    @property
    def thanking(self) -> bool:
        """The thank-you view is shown."""
        return self.views.currentWidget() is self.finish_view

    @property
    def checking(self) -> bool:
        """A passphrase check is under way (until its answer has been shown)."""
        return self._task is not None

    def _unanswered(self) -> list[ScreenItem]:
        return [i for i in self._items if i.number not in self._answers]

    # --- showing --------------------------------------------------------------------------------
    def start(self) -> None:
        """Show full screen, application-modal, on the first unanswered item (the first item when all are)."""
        missing = self._unanswered()
        if not self._items:
            self._show_finish()
        else:
            self._show_item(self._items.index(missing[0]) if missing else 0)
        self.showFullScreen()
        self.raise_()
        self.activateWindow()
        self._focus_options()

    def _show_item(self, index: int) -> None:
        self._index = max(0, min(index, len(self._items) - 1))
        item = self._items[self._index]
        old, self.option_buttons = self.option_buttons, []
        chosen = self._answers.get(item.number)
        for key, (value, label) in enumerate(item.options, start=1):
            button = OptionButton(key, value, label, padding=max(6, self._sizes["body"] // 2))
            button.setChecked(value == chosen)
            button.clicked.connect(lambda _checked=False, v=value: self.choose(v))
            button.installEventFilter(self)
            self.options_box.addWidget(button)
            button.show()  # now, not when the layout gets round to it: it takes the focus below
            self.option_buttons.append(button)
        self.question_label.setText(f"{item.number}. {item.text}")
        self._size_question()
        set_message(self.save_message, "")
        self.hint_label.setVisible(not self._answers)
        self.views.setCurrentWidget(self.questions_view)
        self.questions_scroll.verticalScrollBar().setValue(0)
        self._update_progress()
        self._focus_options()  # before the old answers go, so the focus does not wander off to another button
        for button in old:
            self.options_box.removeWidget(button)
            button.hide()
            button.deleteLater()

    def _update_progress(self) -> None:
        total = len(self._items)
        self.progress_label.setText(tr("Question {number} of {count}", number=self._index + 1, count=total))
        self.progress_bar.setValue(len(self._answers))
        self.progress_bar.setAccessibleDescription(tr("{answered} of {count} answered", answered=len(self._answers),
                                                      count=total))
        self.previous_button.setEnabled(self._index > 0)
        last = self._index == total - 1
        self.next_button.setText(tr("&Finish") if last else tr("&Next →"))

    def _focus_options(self) -> None:
        if self.views.currentWidget() is not self.questions_view:
            return
        buttons: list[QPushButton] = list(self.option_buttons)
        target = ([b for b in buttons if b.isChecked()] or buttons or [self.next_button])[0]
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _move_focus(self, step: int) -> None:
        buttons = self.option_buttons
        if not buttons:
            return
        focused = QApplication.focusWidget()
        index = next((i for i, b in enumerate(buttons) if b is focused), -1 if step > 0 else len(buttons))
        target = buttons[max(0, min(len(buttons) - 1, index + step))]
        target.setFocus(Qt.FocusReason.TabFocusReason)
        self.questions_scroll.ensureWidgetVisible(target)

    def _show_finish(self) -> None:
        missing = self._unanswered()
        if missing:
            sep = "、" if language() == "zh_CN" else ", "
            numbers = sep.join(str(i.number) for i in missing)
            self.unanswered_label.setText(
                tr("Question {numbers} has no answer. You can go back and answer it, or leave it.", numbers=numbers)
                if len(missing) == 1 else
                tr("Questions {numbers} have no answer. You can go back and answer them, or leave them.",
                   numbers=numbers))
            self.go_unanswered.setText(tr("Go to question {number}", number=missing[0].number))
        self.unanswered_label.setVisible(bool(missing))
        self.go_unanswered.setVisible(bool(missing))
        self.review_button.setVisible(bool(self._items))
        self.views.setCurrentWidget(self.finish_view)
        (self.go_unanswered if missing else self.review_button).setFocus()

    def _go_first_unanswered(self) -> None:
        missing = self._unanswered()
        if missing:
            self._show_item(self._items.index(missing[0]))

    # --- answering ------------------------------------------------------------------------------
    def next(self) -> None:
        if self.views.currentWidget() is not self.questions_view or not self._items:
            return
        if self._index >= len(self._items) - 1:
            self._show_finish()
        else:
            self._show_item(self._index + 1)

    def previous(self) -> None:
        if self.views.currentWidget() is self.questions_view and self._index > 0:
            self._show_item(self._index - 1)

    def choose_key(self, key: int) -> None:
        """A number key: the key-th answer of the item shown."""
        if 1 <= key <= len(self.option_buttons):
            button = self.option_buttons[key - 1]
            button.setFocus(Qt.FocusReason.OtherFocusReason)
            self.choose(button.value)

    def choose(self, value: int) -> None:
        """Record the answer to the item shown, at once."""
        if self.views.currentWidget() is not self.questions_view or not self._items:
            return
        item = self._items[self._index]
        before = self._answers.get(item.number)
        try:
            self._save_answer(item.number, value)
        except Exception as e:  # noqa: BLE001 - the client sees a calm message; the log gets the type only
            log.error("saving an answer failed: %s", type(e).__name__)
            set_message(self.save_message, tr("This answer could not be saved. Please let the counselor know."))
            for b in self.option_buttons:
                b.setChecked(b.value == before)
            return
        self._answers[item.number] = value
        for b in self.option_buttons:
            b.setChecked(b.value == value)
        set_message(self.save_message, "")
        self.hint_label.hide()
        self._update_progress()

    # --- the counselor's way out ----------------------------------------------------------------
    def show_counselor(self) -> None:
        self.passphrase.clear()
        set_message(self.passphrase_message, "")
        self.views.setCurrentWidget(self.counselor_view)
        self.passphrase.setFocus()

    def back_to_questions(self) -> None:
        if self.checking:
            return
        self.passphrase.clear()
        set_message(self.passphrase_message, "")
        if self._items:
            self._show_item(self._index)
        else:
            self._show_finish()

    def _set_checking(self, busy: bool) -> None:
        self.passphrase.setReadOnly(busy)
        self.return_button.setEnabled(not busy)
        self.back_button.setEnabled(not busy)
        self.return_button.setText(tr("Checking…") if busy else tr("&Return to the program"))

    def try_return(self) -> None:
        if self.checking:
            return
        passphrase = self.passphrase.text()
        if not passphrase:
            set_message(self.passphrase_message, tr("Enter the passphrase."))
            return
        set_message(self.passphrase_message, tr("Checking the passphrase…"), "notice")
        check = self._check_passphrase
        task = Task(lambda: check(passphrase), self)
        self._task = task
        self._set_checking(True)

        def finish() -> None:
            # From self, not from this closure (see export_dialog: a slot must not own the task).
            finished, self._task = self._task, None
            if finished is not None:
                finished.deleteLater()
            self._set_checking(False)
            self.passphrase.clear()
            self.passphrase.setFocus()

        def done(ok: object) -> None:
            finish()
            if ok is True:
                set_message(self.passphrase_message, "")
                self._leave(returned=True)
            else:
                set_message(self.passphrase_message, tr("That is not the counselor's passphrase. The questionnaire "
                                                        "stays open."))

        def failed(error: BaseException) -> None:
            finish()  # Throttled (wrong tries before): its message says how long to wait; the vault refuses till then
            set_message(self.passphrase_message, error.message() if isinstance(error, VaultError)
                        else tr("The passphrase could not be checked. The questionnaire stays open."))

        task.done.connect(done)
        task.failed.connect(failed)
        task.start()

    def _leave(self, returned: bool) -> None:
        self.passphrase.clear()
        if returned:
            self.accept()
        else:
            self.reject()
        if returned:
            self.returned.emit()

    def force_close(self) -> None:
        """Close without the passphrase (the answers are saved already); `returned` is not emitted."""
        self._leave(returned=False)

    def done(self, result: int) -> None:
        """Every real closing passes here: accept after the passphrase, reject from locking or force_close."""
        self.passphrase.clear()
        super().done(result)

    # --- the client's ways out, closed ----------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Alt+F4, the window's close button, close(): ignored. (accept/reject close without coming here.)"""
        event.ignore()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """QDialog rejects on Escape and clicks a default button on Enter: neither may happen here."""
        if event.key() == Qt.Key.Key_Escape or event.matches(QKeySequence.StandardKey.Cancel):
            if self.views.currentWidget() is self.counselor_view:
                self.back_to_questions()
            event.accept()
            return
        if self._key(event) or event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)
