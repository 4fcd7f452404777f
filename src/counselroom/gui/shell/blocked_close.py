"""Closing the main window while one of its dialogs is open (issue 13: it was ignored without a word).

Qt drops a window system's close request for a window that a modal dialog blocks, before any widget or event
filter sees it. On Windows and macOS the system itself answers (the dialog flashes, or the close button is
disabled); on X11 (UOS, Kylin, other Linux desktops) nothing happens. `XcbCloseWatcher` sees the window
manager's WM_DELETE_WINDOW message first and asks the window to explain: which dialog is open, and that it is
to be finished or closed first; the dialog is then brought forward.
"""

from __future__ import annotations

import ctypes
import logging
import struct
from collections.abc import Callable

from PySide6.QtCore import QAbstractNativeEventFilter, QByteArray, QTimer
from PySide6.QtGui import QGuiApplication

log = logging.getLogger(__name__)

XCB_CLIENT_MESSAGE = 33
_EVENT_SIZE = 32  # every xcb event is 32 bytes


def _load_xcb() -> ctypes.CDLL | None:
    """libxcb by its soname (what Qt's xcb plugin itself loaded); `ctypes.util.find_library` only when that
    fails: it costs about 15 ms at start (importing it, then running ldconfig), on every start."""
    try:
        return ctypes.CDLL("libxcb.so.1")
    except OSError:
        from ctypes import util

        name = util.find_library("xcb")
        return ctypes.CDLL(name) if name else None


def delete_window_atom() -> int | None:
    """The X server's WM_DELETE_WINDOW atom (atoms are server-wide: a connection of our own finds it), or None
    without libxcb or a display."""
    try:
        xcb = _load_xcb()
        if xcb is None:
            return None
        xcb.xcb_connect.restype = ctypes.c_void_p
        xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
        xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
        xcb.xcb_intern_atom.restype = ctypes.c_uint
        xcb.xcb_intern_atom.argtypes = [ctypes.c_void_p, ctypes.c_uint8, ctypes.c_uint16, ctypes.c_char_p]
        xcb.xcb_intern_atom_reply.restype = ctypes.c_void_p
        xcb.xcb_intern_atom_reply.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_void_p]
        xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
        conn = xcb.xcb_connect(None, None)
        if not conn:
            return None
        try:
            if xcb.xcb_connection_has_error(conn):
                return None
            atom_name = b"WM_DELETE_WINDOW"
            cookie = xcb.xcb_intern_atom(conn, 0, len(atom_name), atom_name)
            reply = xcb.xcb_intern_atom_reply(conn, cookie, None)
            if not reply:
                return None
            atom = int(struct.unpack_from("<I", ctypes.string_at(reply, 12), 8)[0])
            libc = ctypes.CDLL(None)  # the process's own symbols: libc's free
            libc.free.argtypes = [ctypes.c_void_p]
            libc.free(reply)
            return atom
        finally:
            xcb.xcb_disconnect(conn)
    except (OSError, AttributeError, struct.error) as e:
        log.info("no X11 close watcher: %s", type(e).__name__)
        return None


def deleted_window(event: bytes, atom: int) -> int | None:
    """The window an xcb event asks to close (a ClientMessage carrying WM_DELETE_WINDOW), else None."""
    if len(event) < 16 or event[0] & 0x7F != XCB_CLIENT_MESSAGE:
        return None
    window, _type, protocol = struct.unpack_from("<III", event, 4)
    return int(window) if protocol == atom else None


class XcbCloseWatcher(QAbstractNativeEventFilter):
    """Calls `blocked(window_id)` (from the event loop) when the window manager asks a window to close while a
    modal dialog is open; Qt still drops the request itself."""

    def __init__(self, atom: int, modal_open: Callable[[], bool], blocked: Callable[[int], None]) -> None:
        super().__init__()
        self.atom = atom
        self.modal_open = modal_open
        self.blocked = blocked

    def nativeEventFilter(self, event_type: QByteArray | bytes | bytearray | memoryview,  # noqa: N802 - Qt's name
                          message: int) -> object:
        kind = event_type.data() if isinstance(event_type, QByteArray) else bytes(event_type)
        if kind != b"xcb_generic_event_t" or not message:
            return False, 0
        try:
            window = deleted_window(ctypes.string_at(int(message), _EVENT_SIZE), self.atom)
        except (TypeError, ValueError):
            return False, 0
        if window is not None and self.modal_open():
            QTimer.singleShot(0, lambda: self.blocked(window))
        return False, 0


def install(modal_open: Callable[[], bool], blocked: Callable[[int], None]) -> XcbCloseWatcher | None:
    """Watch close requests on X11; None elsewhere (the system answers there) or without libxcb."""
    app = QGuiApplication.instance()
    if app is None or QGuiApplication.platformName() != "xcb":
        return None
    atom = delete_window_atom()
    if atom is None:
        return None
    watcher = XcbCloseWatcher(atom, modal_open, blocked)
    app.installNativeEventFilter(watcher)
    return watcher
