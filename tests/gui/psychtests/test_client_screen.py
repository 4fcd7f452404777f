"""The client-facing questionnaire screen: it shows the questionnaire only and cannot reach anything else
(the main window's shortcuts, closing, Escape); leaving needs the counselor's passphrase (checked by the real
vault); every answer is saved at once; locking (menu, Ctrl+L, panic key, idle time) closes it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QWidget

from counselroom import i18n
from counselroom.gui.psychtests.client_screen import ClientScreen, ScreenItem
from counselroom.gui.shell.main_window import MainWindow
from counselroom.records.clients import Client
from counselroom.records.services import Services

from ..shell.test_locking import PASS, leaks, unlock

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
OPTIONS = [(0, "Not at all"), (1, "Several days"), (2, "More than half the days"), (3, "Nearly every day")]
ITEMS = [ScreenItem(n, f"Item text number {n}", OPTIONS) for n in range(1, 10)]
NAMES = ["Quentin Marblewood", "Yselde Honeycutt", "Bartholomew Inkpot"]
CODES = ["CS-301", "CS-302", "CS-303"]


class Saved:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, number: int, value: int) -> None:
        self.calls.append((number, value))


_screens: list[ClientScreen] = []


@pytest.fixture(autouse=True)
def _close_screens() -> Iterator[None]:
    """A screen left open by a failing test would stay modal (it ignores close()): close it for the next test."""
    yield
    for screen in _screens:
        if shiboken6.isValid(screen):
            screen.force_close()
            screen.deleteLater()
    _screens.clear()


def make_screen(qtbot, check: Callable[[str], bool] = lambda _p: False, answers: dict[int, int] | None = None,  # type: ignore[no-untyped-def]
                save: Callable[[int, int], None] | None = None, parent: QWidget | None = None,
                items: list[ScreenItem] | None = None) -> ClientScreen:
    screen = ClientScreen("Mood questionnaire", "Over the last two weeks, how often...", items or ITEMS,
                          answers or {}, save or Saved(), check, parent)
    _screens.append(screen)  # not qtbot.addWidget: its close() is ignored, and a lock deletes the screen
    screen.start()
    qtbot.waitUntil(screen.isVisible)
    return screen


def screen_texts(screen: ClientScreen) -> str:
    """Every text any widget of the screen holds, on all its views (shown or not)."""
    out: list[str] = []
    for w in [screen, *screen.findChildren(QWidget)]:
        out += [w.windowTitle(), w.toolTip(), w.statusTip(), w.whatsThis(), w.accessibleName(),
                w.accessibleDescription()]
        if isinstance(w, (QLabel, QAbstractButton)):
            out.append(w.text())
        if isinstance(w, QLineEdit):
            out += [w.text(), w.placeholderText()]
    return "\n".join(out)


@pytest.fixture
def window_with_clients(qtbot, make_window, new_vault) -> MainWindow:  # type: ignore[no-untyped-def]
    """An unlocked main window showing a client list with several distinctively named clients."""
    vault, _key = new_vault
    with vault.unlock(PASS) as session:
        services = Services.open(session)
        for code, name in zip(CODES, NAMES, strict=True):
            services.clients.create(Client(code=code, name=name, phone="010-5555 0199"))
    window: MainWindow = make_window(vault.path)
    unlock(qtbot, window)
    assert window.shell is not None
    window.go("clients")
    qtbot.waitUntil(lambda: leaks(set(NAMES)) == set(NAMES), timeout=10000)  # the list shows them
    return window


def open_screen_over(qtbot, window: MainWindow, **kw: Any) -> ClientScreen:  # type: ignore[no-untyped-def]
    vault = window.ctx.vault
    return make_screen(qtbot, check=vault.check_passphrase, parent=window, **kw)


def enter_passphrase(qtbot, screen: ClientScreen, passphrase: str) -> None:  # type: ignore[no-untyped-def]
    if screen.views.currentWidget() is not screen.counselor_view:
        qtbot.mouseClick(screen.counselor_button, Qt.MouseButton.LeftButton)
    assert screen.views.currentWidget() is screen.counselor_view
    qtbot.keyClicks(screen.passphrase, passphrase)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not screen.checking, timeout=10000)


# --- the test: the client-facing screen cannot reach other records ------------------------

def test_screen_cannot_reach_other_records(qtbot, window_with_clients) -> None:  # type: ignore[no-untyped-def]
    window = window_with_clients
    shell = window.shell
    assert shell is not None
    # The control: without the screen, the main window's shortcuts change its section.
    QTest.keyClick(shell.nav, Qt.Key.Key_5, CTRL)
    assert shell.current == "search"
    window.go("clients")

    saved = Saved()
    screen = open_screen_over(qtbot, window, save=saved)
    assert screen.isWindow() and screen.window() is screen, "a window of its own, not a widget in the main window"
    assert screen.isFullScreen()
    assert screen.windowModality() == Qt.WindowModality.ApplicationModal
    assert QApplication.activeModalWidget() is screen
    qtbot.waitUntil(lambda: QApplication.activeWindow() is screen)

    focus = QApplication.focusWidget()
    assert focus is not None and screen.isAncestorOf(focus)
    for key, mods in ((Qt.Key.Key_2, CTRL), (Qt.Key.Key_5, CTRL), (Qt.Key.Key_A, CTRL_SHIFT),
                      (Qt.Key.Key_1, CTRL), (Qt.Key.Key_0, CTRL), (Qt.Key.Key_F1, Qt.KeyboardModifier.NoModifier),
                      (Qt.Key.Key_Q, CTRL)):
        QTest.keyClick(QApplication.focusWidget() or screen, key, mods)
        assert shell.current == "clients", f"{key} reached the main window"
        assert screen.isVisible() and QApplication.activeModalWidget() is screen
    assert saved.calls == [], "a shortcut with Ctrl is not a number key"
    assert window.is_unlocked and QApplication.activeModalWidget() is screen  # Ctrl+Q did not quit either

    # Closing the window (Alt+F4, its close button, close()) and Escape leave it open.
    assert screen.close() is False
    handle = screen.windowHandle()
    assert handle is not None
    handle.close()
    event = QCloseEvent()
    QApplication.sendEvent(screen, event)
    assert not event.isAccepted()
    QTest.keyClick(QApplication.focusWidget() or screen, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    QTest.keyClick(QApplication.focusWidget() or screen, Qt.Key.Key_Escape)
    QTest.keyClick(screen, Qt.Key.Key_Escape)
    assert screen.isVisible() and screen.isFullScreen()
    assert QApplication.activeModalWidget() is screen

    # Nothing in the screen's widgets names or identifies a client, on any of its views.
    screen.next()
    screen.show_counselor()
    everything = screen_texts(screen)
    assert "Item text number" in everything  # the scan sees the screen's own texts
    for marker in (*NAMES, *CODES, "010-5555 0199"):
        assert marker not in everything
    assert not any(isinstance(v, Services) for v in vars(screen).values()), "the screen holds no services"
    screen.force_close()


def test_wrong_passphrase_keeps_the_screen_right_one_returns(qtbot, window_with_clients) -> None:  # type: ignore[no-untyped-def]
    window = window_with_clients
    screen = open_screen_over(qtbot, window)
    returned: list[bool] = []
    screen.returned.connect(lambda: returned.append(True))

    enter_passphrase(qtbot, screen, "Loud river 2026 lantern")
    assert screen.isVisible() and QApplication.activeModalWidget() is screen
    assert "not the counselor's passphrase" in screen.passphrase_message.text()
    assert screen.passphrase_message.isVisible()
    assert screen.passphrase.text() == "" and screen.passphrase.echoMode() == QLineEdit.EchoMode.Password
    assert returned == []

    qtbot.mouseClick(screen.back_button, Qt.MouseButton.LeftButton)
    assert screen.current_number == 1  # back on the questions

    with qtbot.waitSignal(screen.returned, timeout=10000):
        enter_passphrase(qtbot, screen, PASS)
    assert returned == [True]
    assert not screen.isVisible()
    assert QApplication.activeModalWidget() is None
    assert window.is_unlocked and window.shell is not None and window.shell.current == "clients"


def test_checking_shows_it_is_busy(qtbot) -> None:  # type: ignore[no-untyped-def]
    import threading

    release = threading.Event()

    def slow_check(_passphrase: str) -> bool:
        release.wait(10)
        return False

    screen = make_screen(qtbot, check=slow_check)
    screen.show_counselor()
    qtbot.keyClicks(screen.passphrase, "anything")
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    assert screen.checking
    assert screen.passphrase_message.text() == "Checking the passphrase…"
    assert not screen.return_button.isEnabled() and not screen.back_button.isEnabled()
    assert screen.passphrase.isReadOnly()
    release.set()
    qtbot.waitUntil(lambda: not screen.checking, timeout=10000)
    assert screen.return_button.isEnabled() and screen.isVisible()
    screen.force_close()


def test_the_clients_guessing_slows_the_passphrase_down_and_says_so(qtbot, window_with_clients,  # type: ignore[no-untyped-def]
                                                                   attempt_clock) -> None:
    window = window_with_clients
    screen = open_screen_over(qtbot, window)
    returned: list[bool] = []
    screen.returned.connect(lambda: returned.append(True))
    messages = []
    for _ in range(3):
        enter_passphrase(qtbot, screen, "guess")
        messages.append(screen.passphrase_message.text())
    assert messages[:2] == ["That is not the counselor's passphrase. The questionnaire stays open."] * 2
    assert messages[2].startswith("Too many wrong attempts. Wait")
    enter_passphrase(qtbot, screen, PASS)  # even the right passphrase waits (the vault's clock has not moved)
    assert screen.passphrase_message.text().startswith("Too many wrong attempts. Wait")
    assert screen.isVisible() and QApplication.activeModalWidget() is screen and returned == []
    attempt_clock.advance(60)
    enter_passphrase(qtbot, screen, PASS)
    assert returned == [True] and not screen.isVisible()


# --- answering --------------------------------------------------------------------------------------

def test_answers_reach_save_answer_at_once(qtbot) -> None:  # type: ignore[no-untyped-def]
    saved = Saved()
    screen = make_screen(qtbot, save=saved, answers={1: 2, 2: 0})
    assert screen.current_number == 3, "it opens on the first unanswered item"
    assert screen.progress_label.text() == "Question 3 of 9"
    assert saved.calls == []
    qtbot.mouseClick(screen.option_buttons[3], Qt.MouseButton.LeftButton)
    assert saved.calls == [(3, 3)]
    assert [b.isChecked() for b in screen.option_buttons] == [False, False, False, True]
    qtbot.mouseClick(screen.option_buttons[1], Qt.MouseButton.LeftButton)  # a change of mind is saved too
    assert saved.calls == [(3, 3), (3, 1)]
    assert screen.answers == {1: 2, 2: 0, 3: 1}
    qtbot.mouseClick(screen.previous_button, Qt.MouseButton.LeftButton)
    assert screen.current_number == 2
    assert [b.isChecked() for b in screen.option_buttons] == [True, False, False, False]  # the earlier answer
    screen.force_close()


def test_number_keys_answer_and_arrows_move(qtbot) -> None:  # type: ignore[no-untyped-def]
    saved = Saved()
    screen = make_screen(qtbot, save=saved)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is screen)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_3)
    assert saved.calls == [(1, 2)], "key 3 is the third answer (value 2)"
    assert screen.option_buttons[2].isChecked() and screen.option_buttons[2].hasFocus()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Right)
    assert screen.current_number == 2
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_1, Qt.KeyboardModifier.KeypadModifier)
    assert saved.calls == [(1, 2), (2, 0)], "the number pad answers as well"
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_9)  # no ninth answer: nothing
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert screen.current_number == 3
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Left)
    assert screen.current_number == 2
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    assert screen.option_buttons[1].hasFocus()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    assert saved.calls[-1] == (2, 1)
    assert saved.calls == [(1, 2), (2, 0), (2, 1)]

    # On the passphrase view digits are typed into the field, not answers.
    qtbot.mouseClick(screen.counselor_button, Qt.MouseButton.LeftButton)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_4)
    assert screen.passphrase.text() == "4"
    assert saved.calls == [(1, 2), (2, 0), (2, 1)]
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)  # back to the questions, still open
    assert screen.current_number == 2 and screen.isVisible() and screen.passphrase.text() == ""
    screen.force_close()


def test_finishing_thanks_the_client_and_names_skipped_items(qtbot) -> None:  # type: ignore[no-untyped-def]
    saved = Saved()
    items = ITEMS[:3]
    screen = make_screen(qtbot, save=saved, items=items)
    screen.choose_key(2)
    screen.next()
    screen.next()  # item 2 skipped
    assert screen.next_button.text().replace("&", "") == "Finish"
    screen.choose_key(4)
    qtbot.mouseClick(screen.next_button, Qt.MouseButton.LeftButton)
    assert screen.thanking
    assert screen.thanks_heading.text() == "Thank you"
    assert screen.thanks_text.text() == "Please let the counselor know you have finished."
    assert "Question 2 has no answer" in screen.unanswered_label.text()
    shown = "\n".join(w.text() for w in screen.finish_view.findChildren(QLabel) if w.isVisible())
    assert "score" not in shown.lower() and str(1 + 3) not in shown  # no score (1 + 3) shown to the client
    qtbot.mouseClick(screen.go_unanswered, Qt.MouseButton.LeftButton)
    assert screen.current_number == 2
    screen.choose_key(1)
    screen.next()
    screen.next()
    assert screen.thanking and not screen.unanswered_label.isVisible()
    assert saved.calls == [(1, 1), (3, 3), (2, 0)]
    screen.force_close()


def test_an_answer_that_cannot_be_saved_says_so_and_is_not_shown_as_given(qtbot) -> None:  # type: ignore[no-untyped-def]
    def failing(_number: int, _value: int) -> None:
        raise RuntimeError("disk gone")

    screen = make_screen(qtbot, save=failing, answers={1: 1})
    screen.previous()
    screen.show()
    screen._show_item(0)
    screen.choose_key(3)
    assert screen.save_message.text() == "This answer could not be saved. Please let the counselor know."
    assert [b.isChecked() for b in screen.option_buttons] == [False, True, False, False]
    assert screen.answers == {1: 1}
    screen.force_close()


def test_force_close_closes_without_returned(qtbot, flush) -> None:  # type: ignore[no-untyped-def]
    screen = make_screen(qtbot)
    returned: list[bool] = []
    screen.returned.connect(lambda: returned.append(True))
    screen.force_close()
    assert not screen.isVisible() and returned == []
    assert QApplication.activeModalWidget() is None


def test_chinese(qtbot) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("zh_CN")
    screen = make_screen(qtbot)
    assert screen.progress_label.text() == "第 1 题，共 9 题"
    assert screen.counselor_button.text() == "咨询师：返回程序"
    screen.force_close()


# --- locking closes it --------------------------------------------------------------------------------

@pytest.mark.parametrize("owned", [True, False], ids=["owned-by-window", "no-parent"])
@pytest.mark.parametrize("how", ["lock", "ctrl_l", "panic_key", "idle"])
def test_locking_closes_the_screen(qtbot, window_with_clients, idle_clock, flush, how: str,  # type: ignore[no-untyped-def]
                                   owned: bool) -> None:
    window = window_with_clients
    saved = Saved()
    screen = make_screen(qtbot, check=window.ctx.vault.check_passphrase, save=saved,
                         parent=window if owned else None)
    destroyed: list[bool] = []
    screen.destroyed.connect(lambda *_: destroyed.append(True))
    screen.choose_key(2)
    assert saved.calls == [(1, 1)]  # saved before any lock
    if how == "lock":
        window.lock()
    elif how == "ctrl_l":
        QTest.keyClick(QApplication.focusWidget() or screen, Qt.Key.Key_L, CTRL)
    elif how == "panic_key":
        QTest.keyClick(QApplication.focusWidget() or screen, Qt.Key.Key_F12)
    else:
        idle_clock.advance(window.ctx.config.auto_lock_minutes * 60 - 30)
        qtbot.wait(100)
        QTest.keyClick(QApplication.focusWidget() or screen, Qt.Key.Key_Right)  # the client is still answering
        idle_clock.advance(60)
        qtbot.wait(100)
        assert window.is_unlocked and screen.isVisible(), "answering counts as activity"
        idle_clock.advance(window.ctx.config.auto_lock_minutes * 60)
    qtbot.waitUntil(lambda: not window.is_unlocked, timeout=5000)
    assert not shiboken6.isValid(screen) or not screen.isVisible()  # waiting may have deleted it already
    assert QApplication.activeModalWidget() is None
    flush()
    assert destroyed == [True]
    assert window.unlock_screen is not None and window.screens.currentWidget() is window.unlock_screen
    assert leaks({*NAMES, "Item text number"}) == set()
