"""The shared confirmation dialog defaults to Cancel; printing goes to a printer only; the recovery sheet
paints the same words as the PDF; the demo vault opens with its banner and is deleted at exit."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QIODevice, Qt, QTimer
from PySide6.QtGui import QPdfWriter
from PySide6.QtPrintSupport import QAbstractPrintDialog
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from counselroom import app as app_module
from counselroom.documents.recovery_sheet import RecoverySheet, key_lines, sheet_text
from counselroom.gui.common import printing
from counselroom.gui.common.widgets import confirm_destructive
from counselroom.i18n import set_language
from counselroom.vault.recovery import generate


def _answer_with(qtbot, action) -> None:  # type: ignore[no-untyped-def]
    """Act on the modal dialog once it is up."""

    def act() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(10, act)
            return
        action(box)

    QTimer.singleShot(0, act)


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space, Qt.Key.Key_Escape])
def test_confirm_destructive_defaults_to_cancel(qtbot, key) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: dict[str, object] = {}

    def press(box: QMessageBox) -> None:
        seen["default"] = box.defaultButton().text()
        focused = box.focusWidget()  # the button that has (or gets) the keyboard focus in the box
        seen["focus"] = focused.text() if focused is not None else None
        qtbot.keyClick(focused or box, key)

    _answer_with(qtbot, press)
    assert confirm_destructive(parent, "Archive client", "Archive this client?", "Archive") is False
    assert seen["default"] == "Cancel"
    assert seen["focus"] == "Cancel"


def test_confirm_destructive_returns_true_only_for_the_action(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)

    def click_action(box: QMessageBox) -> None:
        [action] = [b for b in box.buttons() if b.text() == "Archive"]
        action.click()

    _answer_with(qtbot, click_action)
    assert confirm_destructive(parent, "Archive client", "Archive this client?", "Archive") is True


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
@pytest.mark.parametrize(("lang", "title"), [("en", "counselroom recovery sheet"), ("zh_CN", "恢复密钥单")])
def test_painted_sheet_says_what_the_pdf_says(qtbot, lang: str, title: str) -> None:  # type: ignore[no-untyped-def]
    set_language(lang)
    key = generate()
    text = sheet_text(RecoverySheet(key, "/srv/vault", lang, counselor="林晓雯", room="Room 204"))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)  # in memory, as the printer would receive it
    writer.setResolution(300)
    writer.setPageLayout(printing.a4_layout())
    assert printing.paint_on(writer, printing.recovery_sheet_painter(text))
    del writer
    pdf = bytes(buffer.data().data())
    extracted = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    words = " ".join(extracted.decode("utf-8").split())
    assert title in words
    for group in key.split("-"):  # Qt places each group apart; pdftotext may list them in columns
        assert group in words.split()
    assert len(key_lines(key)) == 2
    assert "林晓雯" in words


def test_print_dialog_cannot_print_to_a_file(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, object] = {}

    def fake_launch(dialog: QDialog) -> int:
        seen["to_file"] = dialog.testOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile)
        return QDialog.DialogCode.Rejected

    painted: list[int] = []
    monkeypatch.setattr(printing, "printers_available", lambda: True)
    monkeypatch.setattr(printing, "launch", fake_launch)
    assert printing.print_pages(None, "t", lambda p, r: painted.append(1)) is False
    assert seen["to_file"] is False
    assert painted == []


def test_no_printer_says_so(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shown: list[str] = []
    monkeypatch.setattr(printing, "printers_available", lambda: False)
    monkeypatch.setattr(printing, "show_error", lambda parent, title, text: shown.append(text))
    assert printing.print_pages(None, "t", lambda p, r: None) is False
    assert shown and "No printer" in shown[0]


def test_demo_vault_opens_prefilled_with_a_banner(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault, passphrase = app_module.make_demo_vault(tmp_path / "demo")
    window = make_window(vault.path, demo_passphrase=passphrase)
    assert "DEMO DATA" in window.windowTitle()
    screen = window.unlock_screen
    assert screen.passphrase.text() == passphrase
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=10000)
    banner = window.shell.findChild(QWidget, "demoBanner")
    assert banner is not None and banner.isVisibleTo(window) and "DEMO DATA" in banner.text()
    assert window.services.clients.count() >= 40


def test_main_with_demo_deletes_the_demo_folder_at_exit(qtbot, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    made: list[Path] = []
    real_make = app_module.make_demo_vault

    def spy(folder: Path):  # type: ignore[no-untyped-def]
        made.append(folder)
        return real_make(folder)

    def fake_exec(self) -> int:  # type: ignore[no-untyped-def]
        windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        assert any("DEMO DATA" in w.windowTitle() for w in windows)
        for w in windows:
            w.close()
        return 0

    monkeypatch.setattr(app_module, "make_demo_vault", spy)
    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert app_module.main(["--demo", "--lang", "en"]) == 0
    assert made and not made[0].exists()


def test_command_line_options() -> None:
    args = app_module.parse_args(["--vault", "/x/y", "--lang", "zh_CN"])
    assert args.vault == Path("/x/y") and args.lang == "zh_CN" and not args.demo
    with pytest.raises(SystemExit):
        app_module.parse_args(["--demo", "--vault", "/x"])
