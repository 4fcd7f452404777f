"""What every QApplication of the program gets before its first window: names, the icon, a Chinese font.

The window uses the system's own UI font. Only on a machine with no font that covers Simplified Chinese
(a bare Linux, a fresh container) is the shipped WenQuanYi Micro Hei added, so Chinese never shows as
boxes; the documents embed that same font.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

from ...shipped import resource

log = logging.getLogger(__name__)

APP_ID = "org.counselroom.counselroom"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def app_icon() -> QIcon:
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(resource("icons", f"counselroom-{size}.png")))
    return icon


def has_chinese_font() -> bool:
    return bool(QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese))


def ensure_chinese_font() -> bool:
    """Add the shipped font when no installed one covers Simplified Chinese; True when one is there after."""
    if has_chinese_font():
        return True
    font_id = QFontDatabase.addApplicationFont(str(resource("fonts", "wqy-microhei.ttc")))
    if font_id < 0:
        log.warning("no Chinese font on this computer and the shipped one did not load")
        return False
    return True


def prepare_application(app: QApplication) -> None:
    app.setApplicationName("counselroom")
    app.setApplicationDisplayName("counselroom")
    app.setDesktopFileName(APP_ID)  # Wayland and the desktop entry find the icon by this name
    app.setWindowIcon(app_icon())
    ensure_chinese_font()
