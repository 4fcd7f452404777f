"""What every QApplication of the program gets before its first window: names, the icon, a Chinese font,
one calm look, and the behaviour every box shares.

- Font: the platform's Chinese UI font (Microsoft YaHei UI on Windows, PingFang SC on macOS, the
  system's own on Linux). Only on a machine with no font that covers Simplified Chinese (a bare Linux, a
  fresh container) is the shipped WenQuanYi Micro Hei added, so Chinese never shows as boxes; the
  documents embed that same font.
- Look: Qt's Fusion style on every platform with one calm palette (docs/STYLE.md), the icon family of
  resources/icons/ui on every dialog's standard buttons, and read-only fields that look read-only.
- Dialogs: none opens larger than its screen (WindowFitter).
- Behaviour: the mouse wheel over a spin box or a list box that does not have the focus scrolls the page
  instead of changing the value (Settings' period went from 4 weeks to 1 while the counselor scrolled);
  date and time boxes take typed dates and times (gui/common/date_time.py).
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QWidget,
)

from ...shipped import resource
from ..common.date_time import DateTimeTyping
from ..common.icons import icon

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


# The palette (docs/STYLE.md): light, low-contrast surfaces, dark slate text, one muted blue accent.
PALETTE = {
    "window": "#f4f5f7", "base": "#ffffff", "alternate": "#f2f5f8", "text": "#1f2933", "muted": "#5f6b76",
    "button": "#eceff2", "accent": "#2f6690", "accent_text": "#ffffff", "link": "#2f6690",
    "tooltip": "#fffdf3", "read_only": "#eef0f3", "border": "#c5ccd3", "icon": "#3b4a57",
    "error": "#b00020", "notice": "#8a5a00", "ok": "#1b6e20",
}
PLATFORM_FONTS = {"win32": ("Microsoft YaHei UI", "Microsoft YaHei"), "darwin": ("PingFang SC", "Heiti SC")}
STYLE_SHEET = f"""
QLineEdit[readOnly="true"], QPlainTextEdit[readOnly="true"] {{
    background: {PALETTE["read_only"]}; color: {PALETTE["text"]};
    border: 1px solid {PALETTE["border"]}; border-radius: 3px; padding: 2px 4px;
}}
"""


def calm_palette() -> QPalette:
    c = {k: QColor(v) for k, v in PALETTE.items()}
    roles = QPalette.ColorRole
    palette = QPalette()
    for role, colour in ((roles.Window, c["window"]), (roles.Base, c["base"]), (roles.AlternateBase, c["alternate"]),
                         (roles.WindowText, c["text"]), (roles.Text, c["text"]), (roles.ButtonText, c["text"]),
                         (roles.Button, c["button"]), (roles.Highlight, c["accent"]),
                         (roles.HighlightedText, c["accent_text"]), (roles.Link, c["link"]),
                         (roles.ToolTipBase, c["tooltip"]), (roles.ToolTipText, c["text"]),
                         (roles.PlaceholderText, c["muted"]), (roles.BrightText, c["error"])):
        palette.setColor(role, colour)
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        palette.setColor(disabled, role, QColor("#9aa3ab"))
    palette.setColor(disabled, roles.Base, c["read_only"])
    return palette


class CalmStyle(QProxyStyle):
    """Fusion, with the program's icon family on standard dialog buttons on every platform."""

    ICONS = {QStyle.StandardPixmap.SP_DialogSaveButton: "save", QStyle.StandardPixmap.SP_DialogOkButton: "ok",
             QStyle.StandardPixmap.SP_DialogCancelButton: "cancel", QStyle.StandardPixmap.SP_DialogCloseButton: "close",
             QStyle.StandardPixmap.SP_DialogYesButton: "ok", QStyle.StandardPixmap.SP_DialogNoButton: "cancel",
             QStyle.StandardPixmap.SP_DialogDiscardButton: "delete", QStyle.StandardPixmap.SP_DialogOpenButton: "open",
             QStyle.StandardPixmap.SP_DialogHelpButton: "help", QStyle.StandardPixmap.SP_DialogApplyButton: "ok",
             QStyle.StandardPixmap.SP_DialogResetButton: "refresh"}

    def __init__(self) -> None:
        super().__init__(QStyleFactory.create("Fusion"))

    def standardIcon(self, standard: QStyle.StandardPixmap, option: QStyleOption | None = None,  # noqa: N802
                     widget: QWidget | None = None) -> QIcon:
        name = self.ICONS.get(standard)
        return icon(name) if name else super().standardIcon(standard, option, widget)

    def styleHint(self, hint: QStyle.StyleHint, option: QStyleOption | None = None,  # noqa: N802 - Qt's name
                  widget: QWidget | None = None, data: object = None) -> int:
        if hint == QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 1
        return super().styleHint(hint, option, widget, data)  # type: ignore[arg-type]


class WheelGuard(QObject):
    """The mouse wheel changes a spin box, date box or list box only when it has the focus; otherwise the
    wheel goes to what is around it (the page scrolls). One filter on the application."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Polish and isinstance(watched, QAbstractSpinBox | QComboBox) \
                and watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Qt would give it the focus on a wheel turn
            return False
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget):
            return False
        box = watched if isinstance(watched, QAbstractSpinBox | QComboBox) else watched.parentWidget()
        if not isinstance(box, QAbstractSpinBox | QComboBox) or box.hasFocus():
            return False
        if isinstance(box, QComboBox) and box.view().isVisible():
            return False  # its open list scrolls as usual
        parent = box.parentWidget()
        while parent is not None:  # up to the scroll area, as Qt passes on an event a widget ignores
            event.setAccepted(True)
            if QCoreApplication.sendEvent(parent, event) and event.isAccepted():
                break
            parent = None if parent.isWindow() else parent.parentWidget()
        return True


# Room left for a window's title bar and frame below the screen's available height.
FRAME_ALLOWANCE = 40
# Tests set this to the screen they emulate (width, height available to a window, frame excluded); None:
# the window's own screen.
EMULATED_SCREEN: tuple[int, int] | None = None


def room_for_windows(widget: QWidget) -> QSize:
    """The largest size a window may have on the screen it opens on, its frame excluded."""
    if EMULATED_SCREEN is not None:
        return QSize(*EMULATED_SCREEN)
    # QWidget.screen called on the class: a dialog may have an attribute of that name (the test-giving dialog
    # had `self.screen`, its client screen), and calling it crashed Qt inside the Show event.
    screen = QWidget.screen(widget) or QGuiApplication.primaryScreen()
    if screen is None:
        return QSize(16777215, 16777215)
    available = screen.availableGeometry()
    return QSize(available.width(), available.height() - FRAME_ALLOWANCE)


class WindowFitter(QObject):
    """No dialog opens larger than its screen: a dialog a page sized for a large screen (a risk assessment
    at 860x820 on a 1366x768 laptop put its Save button below the task bar) is made to fit, down to what its
    layout needs. And an open dialog grows when what it shows grows (a message appearing under a form):
    Qt's minimum size of a window ignores how high wrapped text becomes at the window's width, so without
    this the other lines were squeezed and cut (the restore dialog's first paragraph, at 150%). One filter
    on the application."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind not in (QEvent.Type.Show, QEvent.Type.LayoutRequest) or not isinstance(watched, QDialog) \
                or not watched.isWindow() or watched.isFullScreen() or watched.isMaximized():
            return False
        if kind == QEvent.Type.Show:
            room = room_for_windows(watched)
            if watched.width() > room.width() or watched.height() > room.height():
                fitted = watched.size().boundedTo(room).expandedTo(watched.minimumSize())
                watched.resize(fitted)
        elif watched.isVisible() and not watched.property("counselroom_grow_pending"):
            watched.setProperty("counselroom_grow_pending", True)  # once per turn of the event loop
            QTimer.singleShot(0, watched, lambda: self._grow(watched))
        return False

    @staticmethod
    def _grow(dialog: QDialog) -> None:
        dialog.setProperty("counselroom_grow_pending", False)
        layout = dialog.layout()
        if layout is None or not dialog.isVisible():
            return
        needed = layout.minimumHeightForWidth(dialog.width()) if layout.hasHeightForWidth() else -1
        if needed > dialog.height():
            dialog.resize(dialog.width(), min(needed, max(room_for_windows(dialog).height(), dialog.height())))


def ui_font(base: QFont) -> QFont:
    """The platform's Chinese UI font at the platform's size; on Linux the system's own font."""
    families = PLATFORM_FONTS.get(sys.platform)
    if not families:
        return base
    font = QFont(base)
    available = set(QFontDatabase.families())
    chosen = [f for f in families if f in available]
    if chosen:
        font.setFamilies([*chosen, *base.families()])
    return font


def prepare_application(app: QApplication) -> None:
    app.setApplicationName("counselroom")
    app.setApplicationDisplayName("counselroom")
    app.setDesktopFileName(APP_ID)  # Wayland and the desktop entry find the icon by this name
    app.setWindowIcon(app_icon())
    ensure_chinese_font()
    if app.property("counselroom_prepared"):
        return
    app.setProperty("counselroom_prepared", True)
    app.setStyle(CalmStyle())
    app.setPalette(calm_palette())
    app.setFont(ui_font(app.font()))
    app.setStyleSheet(STYLE_SHEET)
    app.setAttribute(Qt.ApplicationAttribute.AA_DontShowIconsInMenus, False)
    for event_filter in (WheelGuard(app), DateTimeTyping(app), WindowFitter(app)):
        app.installEventFilter(event_filter)
