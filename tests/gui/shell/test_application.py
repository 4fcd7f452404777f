"""Every window and dialog shows the program's icon; Chinese has a font even on a machine with none."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from counselroom.gui.shell.application import APP_ID, ICON_SIZES, app_icon
from counselroom.shipped import resource


def test_the_icon_is_shipped_in_every_size_and_platform_format() -> None:
    for size in ICON_SIZES:
        assert resource("icons", f"counselroom-{size}.png").is_file()
    for name in ("counselroom.svg", "counselroom.ico", "counselroom.icns"):
        assert resource("icons", name).stat().st_size > 0
    sizes = {s.width() for s in app_icon().availableSizes()}
    assert {16, 32, 48, 256} <= sizes


def test_windows_and_dialogs_show_the_icon(qapp: QApplication, make_window) -> None:  # type: ignore[no-untyped-def]
    assert qapp.desktopFileName() == APP_ID
    window = make_window()
    expected = qapp.windowIcon().pixmap(32).toImage()
    assert not expected.isNull()
    assert window.windowIcon().pixmap(32).toImage() == expected
    dialog = QDialog(window)
    box = QMessageBox(window)
    assert dialog.windowIcon().pixmap(32).toImage() == expected
    assert box.windowIcon().pixmap(32).toImage() == expected


def test_a_machine_without_a_chinese_font_gets_the_shipped_one(tmp_path: Path) -> None:
    conf = tmp_path / "fonts.conf"  # fontconfig that knows only an empty folder: no font at all
    (tmp_path / "none").mkdir()
    conf.write_text(f'<?xml version="1.0"?><fontconfig><dir>{tmp_path / "none"}</dir>'
                    f'<cachedir>{tmp_path / "cache"}</cachedir></fontconfig>')
    code = (
        "from PySide6.QtWidgets import QApplication\n"
        "from counselroom.gui.shell.application import has_chinese_font, prepare_application\n"
        "app = QApplication([])\n"
        "before = has_chinese_font()\n"
        "prepare_application(app)\n"
        "print(before, has_chinese_font())\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FONTCONFIG_FILE=str(conf))
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert r.stdout.split() == ["False", "True"], r.stderr
