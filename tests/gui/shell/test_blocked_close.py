"""Closing the window while a dialog is open is explained (issue 13: X11 dropped the request without a word):
the window manager's WM_DELETE_WINDOW message is recognised, and the window says which dialog is open and
brings it forward."""

from __future__ import annotations

import ctypes
import struct

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from counselroom.gui.shell import blocked_close
from counselroom.gui.shell.blocked_close import XCB_CLIENT_MESSAGE, XcbCloseWatcher, deleted_window

ATOM = 321


def client_message(window: int, protocol: int, response_type: int = XCB_CLIENT_MESSAGE) -> bytes:
    return struct.pack("<BBHIII", response_type, 32, 7, window, 99, protocol) + bytes(16)


def test_a_delete_window_message_is_recognised() -> None:
    assert deleted_window(client_message(0x4400007, ATOM), ATOM) == 0x4400007
    assert deleted_window(client_message(0x4400007, ATOM, XCB_CLIENT_MESSAGE | 0x80), ATOM) == 0x4400007  # sent
    assert deleted_window(client_message(0x4400007, ATOM + 1), ATOM) is None  # WM_TAKE_FOCUS, a ping
    assert deleted_window(client_message(0x4400007, ATOM, 12), ATOM) is None  # not a client message
    assert deleted_window(b"", ATOM) is None


def test_the_watcher_reports_only_while_a_dialog_is_open(qtbot) -> None:  # type: ignore[no-untyped-def]
    reported: list[int] = []
    modal = [False]
    watcher = XcbCloseWatcher(ATOM, lambda: modal[0], reported.append)
    event = ctypes.create_string_buffer(client_message(77, ATOM), 32)
    address = ctypes.addressof(event)
    assert watcher.nativeEventFilter(QByteArray(b"xcb_generic_event_t"), address) == (False, 0)  # Qt goes on
    QApplication.processEvents()
    assert reported == []
    modal[0] = True
    watcher.nativeEventFilter(QByteArray(b"xcb_generic_event_t"), address)
    watcher.nativeEventFilter(QByteArray(b"windows_generic_MSG"), address)
    qtbot.waitUntil(lambda: reported == [77], timeout=1000)
    assert blocked_close.install(lambda: True, reported.append) is None  # offscreen: nothing to watch


def test_the_window_says_which_dialog_is_open(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    assert window.explain_blocked_close() is None  # nothing open: nothing to say
    dialog = QDialog(window)
    dialog.setWindowTitle("New appointment")
    dialog.setModal(True)
    dialog.open()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is dialog, timeout=2000)
    window._close_blocked(int(window.winId()) + 1)  # another window's request: not ours
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    box = window.explain_blocked_close()
    assert box is not None and box.isVisible() and "“New appointment” is still open" in box.text()
    assert box.parent() is dialog
    box.close()
    dialog.reject()
