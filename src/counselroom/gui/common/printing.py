"""Printing from memory through Qt's print dialog: nothing is written to a file.

Why the sheet is painted with QPainter instead of rasterising the reportlab PDF: rendering PDF bytes in
Qt needs QtPdf, which lives in PySide6-Addons (a very large extra dependency), and the recovery sheet is
a document we lay out ourselves. So the same words (`documents.recovery_sheet.sheet_text`) go to
reportlab for the PDF and to QPainter for the printer. "Print to file" is switched off in the dialog,
and a printer that would write a file is refused, so the key never lands on disk.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFont, QPagedPaintDevice, QPageLayout, QPageSize, QPainter, QPen
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import QDialog, QWidget

from ... import printers
from ...documents.recovery_sheet import SheetText
from ...i18n import tr
from .widgets import monospace_font, show_error

Painter = Callable[[QPainter, QRectF], None]


def launch(dialog: QDialog) -> int:
    """Run a modal dialog. Tests replace this to answer the dialog without a screen."""
    return dialog.exec()


def writes_a_file(printer: QPrinter) -> bool:
    """A file, not paper: Qt's own print-to-file, or a virtual printer chosen in the system's dialog
    (recognised by its name or its driver, see counselroom.printers)."""
    name = printer.printerName()
    driver = QPrinterInfo.printerInfo(name).makeAndModel() if name else ""
    return printers.writes_a_file(name, driver, printer.outputFileName())


def printers_available() -> bool:
    return bool(QPrinterInfo.availablePrinters())


def a4_layout() -> QPageLayout:
    return QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                       QMarginsF(20, 20, 20, 20), QPageLayout.Unit.Millimeter)


def paint_on(device: QPagedPaintDevice, paint: Painter) -> bool:
    painter = QPainter()
    if not painter.begin(device):
        return False
    try:
        dpi = device.logicalDpiX()
        rect = device.pageLayout().paintRect(QPageLayout.Unit.Point)
        scale = dpi / 72.0
        paint(painter, QRectF(0, 0, rect.width() * scale, rect.height() * scale))
    finally:
        painter.end()
    return True


def print_pages(parent: QWidget | None, title: str, paint: Painter) -> bool:
    """Let the counselor choose a printer, then paint the document onto it. Returns True if printed."""
    if not printers_available():
        show_error(parent, tr("Print"), tr("No printer is set up on this computer. Set one up and try again, "
                                           "or write the key down by hand."))
        return False
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(a4_layout())
    printer.setDocName(title)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(tr("Print"))
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, False)
    if launch(dialog) != QDialog.DialogCode.Accepted:
        return False
    if writes_a_file(printer):
        show_error(parent, tr("Print"), tr("counselroom prints this sheet on paper only; it is never saved "
                                           "to a file. The printer you chose writes a file (for example a PDF, "
                                           "XPS or OneNote printer): choose a printer that prints on paper."))
        return False
    if not paint_on(printer, paint):
        show_error(parent, tr("Print"), tr("The printer could not be used. Check that it is switched on and "
                                           "try again."))
        return False
    return True


def recovery_sheet_painter(text: SheetText) -> Painter:
    """Paint the recovery sheet: the same words as the PDF, laid out for one A4 page."""

    def paint(p: QPainter, page: QRectF) -> None:
        pt = p.device().logicalDpiY() / 72.0  # device pixels per typographic point
        base = QFont()
        base.setStyleHint(QFont.StyleHint.SansSerif)
        y = 0.0
        width = page.width()

        def block(s: str, size: float, bold: bool = False, gap: float = 4.0,
                  font: QFont | None = None, flags: int = 0) -> None:
            nonlocal y
            f = QFont(font) if font is not None else QFont(base)
            f.setPointSizeF(size)
            f.setBold(bold)
            p.setFont(f)
            box = QRectF(0, y, width, page.height() - y)
            all_flags = int(Qt.TextFlag.TextWordWrap) | flags
            used = p.boundingRect(box, all_flags, s)
            p.drawText(box, all_flags, s)
            y += used.height() + gap * pt

        p.setFont(base)
        block(text.title, 20, bold=True, gap=8)
        block(text.intro, 10.5, gap=8)
        label_w = 40 * 72 / 25.4 * pt  # 40 mm
        f = QFont(base)
        f.setPointSizeF(10.5)
        p.setFont(f)
        for label, value in text.fields:
            row = QRectF(label_w, y, width - label_w, page.height() - y)
            used = p.boundingRect(row, int(Qt.TextFlag.TextWordWrap), value)
            p.drawText(QRectF(0, y, label_w, used.height()), int(Qt.TextFlag.TextWordWrap), label)
            p.drawText(row, int(Qt.TextFlag.TextWordWrap), value)
            y += used.height() + 2 * pt
        y += 8 * pt
        block(text.key_label, 12.5, bold=True, gap=4)
        mono = monospace_font()
        mono.setPointSizeF(22)
        mono.setBold(True)
        p.setFont(mono)
        key = "\n".join(text.key_lines)
        key_box = p.boundingRect(QRectF(0, 0, width, page.height()), int(Qt.AlignmentFlag.AlignHCenter), key)
        frame = QRectF(0, y, width, key_box.height() + 28 * pt)
        p.setPen(QPen(Qt.GlobalColor.black, 1.5 * pt))
        p.drawRect(frame)
        p.drawText(frame, int(Qt.AlignmentFlag.AlignCenter), key)
        y += frame.height() + 14 * pt
        block(text.instructions_title, 12.5, bold=True, gap=4)
        for n, line in enumerate(text.instructions, start=1):
            block(f"{n}. {line}", 10.5, gap=4)
        y += 24 * pt
        block(text.sign_line, 10.5, gap=30)
        p.setPen(Qt.GlobalColor.darkGray)
        block(text.footer, 8.5)

    return paint
