"""The print preview opens within the screen (issue 13: it opened 900x1000 on a 1366x768 laptop)."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QGuiApplication, QPainter, QPdfWriter
from PySide6.QtWidgets import QDialog

from counselroom.gui.common import pdf_printing


def one_page_pdf() -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    painter = QPainter(writer)
    painter.drawText(100, 100, "consent form")
    painter.end()
    return bytes(buffer.data().data())


def test_the_print_preview_fits_the_screen(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, object] = {}

    def answer(dialog: QDialog) -> int:
        seen["size"] = dialog.size()
        seen["pos"] = dialog.pos()
        seen["room"] = (dialog.screen() or QGuiApplication.primaryScreen()).availableGeometry()
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(pdf_printing, "launch", answer)
    assert pdf_printing.preview_pdf(None, one_page_pdf(), "Consent form") is False
    room = seen["room"]
    size = seen["size"]
    assert size.width() <= room.width() and size.height() <= room.height() - 40  # type: ignore[attr-defined]
    assert size.height() >= min(1000, room.height() - 40)  # type: ignore[attr-defined]  # as tall as fits
    assert room.contains(seen["pos"])  # type: ignore[attr-defined]
