"""Printing a PDF held in memory (a client's consent form): nothing is written to a file.

pypdfium2 opens the PDF bytes in memory and renders each page to an image at 300 dpi; the images are painted
on the QPrinter page by page. The same painting serves the print preview. "Print to file" is switched off in
the print dialog, and a printer that would write a file (an output file name was chosen, including from the
preview's own print button) is refused before anything is painted.
"""

from __future__ import annotations

import pypdfium2
from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPagedPaintDevice, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QWidget

from ...i18n import tr
from .printing import printers_available, writes_a_file
from .widgets import show_error

DPI = 300


def launch(dialog: QDialog) -> int:
    """Run a modal dialog. Tests replace this to answer the dialog without a screen."""
    return dialog.exec()


def render_pages(pdf_bytes: bytes, dpi: int = DPI) -> list[QImage]:
    """Every page as an image, rendered in memory."""
    doc = pypdfium2.PdfDocument(pdf_bytes)
    try:
        images = []
        for index in range(len(doc)):
            page = doc[index]
            bitmap = page.render(scale=dpi / 72, rev_byteorder=True)  # RGB(A) byte order, as QImage wants
            width, height, stride = bitmap.width, bitmap.height, bitmap.stride
            fmt = QImage.Format.Format_RGBX8888 if bitmap.n_channels == 4 else QImage.Format.Format_RGB888
            image = QImage(bytes(bitmap.buffer), width, height, stride, fmt).copy()  # own the pixels
            bitmap.close()
            page.close()
            images.append(image)
        return images
    finally:
        doc.close()


def page_sizes_pt(pdf_bytes: bytes) -> list[tuple[float, float]]:
    doc = pypdfium2.PdfDocument(pdf_bytes)
    try:
        return [(float(doc[i].get_size()[0]), float(doc[i].get_size()[1])) for i in range(len(doc))]
    finally:
        doc.close()


def paint_pdf(device: QPagedPaintDevice, pdf_bytes: bytes, images: list[QImage] | None = None) -> bool:
    """Paint the PDF's pages on a printer (or any paged device), each page scaled to the full paper."""
    if isinstance(device, QPrinter) and writes_a_file(device):
        return False
    images = images if images is not None else render_pages(pdf_bytes)
    if not images:
        return False
    device.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter))
    if isinstance(device, QPrinter):
        device.setFullPage(True)
    painter = QPainter()
    if not painter.begin(device):
        return False
    try:
        for n, image in enumerate(images):
            if n > 0 and not device.newPage():
                return False
            target = painter.viewport()
            size = QSizeF(image.size()).scaled(QSizeF(target.size()), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRectF(target.x(), target.y(), size.width(), size.height()), image)
    finally:
        painter.end()
    return True


def _printer(title: str) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setResolution(DPI)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setDocName(title)
    return printer


def _refuse_file(parent: QWidget | None) -> None:
    show_error(parent, tr("Print"), tr("counselroom prints this form on paper only; it is never saved to a file. "
                                       "The printer you chose writes a file (for example a PDF, XPS or OneNote "
                                       "printer): choose a printer that prints on paper."))


def print_pdf(parent: QWidget | None, pdf_bytes: bytes, title: str) -> bool:
    """Choose a printer and print the PDF from memory. Returns True if it was printed."""
    if not printers_available():
        show_error(parent, tr("Print"), tr("No printer is set up on this computer. Set one up and try again."))
        return False
    printer = _printer(title)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(tr("Print"))
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, False)
    if launch(dialog) != QDialog.DialogCode.Accepted:
        return False
    if writes_a_file(printer):
        _refuse_file(parent)
        return False
    if not paint_pdf(printer, pdf_bytes):
        show_error(parent, tr("Print"), tr("The printer could not be used. Check that it is switched on and try "
                                           "again."))
        return False
    return True


class PdfPreviewDialog(QPrintPreviewDialog):
    """Qt's print preview of the PDF's pages; its print button prints them, never to a file."""

    def __init__(self, pdf_bytes: bytes, title: str, parent: QWidget | None = None) -> None:
        self.target = _printer(title)
        super().__init__(self.target, parent)
        self.setWindowTitle(tr("Print preview: {title}", title=title))
        self.images = render_pages(pdf_bytes)
        self.pdf_bytes = pdf_bytes
        self.printed = False
        self.refused = False
        self.paintRequested.connect(self._paint)

    def _paint(self, printer: QPrinter) -> None:
        if writes_a_file(printer):
            self.refused = True
            _refuse_file(self)
            return
        self.printed = paint_pdf(printer, self.pdf_bytes, self.images) or self.printed


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Size a window to width x height at most, within the available part of its screen (a 1366x768 laptop
    keeps a task bar and a title bar: the print preview opened 1000 px tall there)."""
    screen = window.screen() if window.screen() is not None else QGuiApplication.primaryScreen()
    room = screen.availableGeometry()
    frame = 40  # the window manager's title bar and borders
    window.resize(min(width, room.width() - frame // 2), min(height, room.height() - frame))
    window.move(room.x() + max(0, (room.width() - window.width()) // 2),
                room.y() + max(0, (room.height() - window.height() - frame) // 2))


def preview_pdf(parent: QWidget | None, pdf_bytes: bytes, title: str) -> bool:
    """Show the print preview; the counselor prints from it. Returns True when the dialog was accepted."""
    dialog = PdfPreviewDialog(pdf_bytes, title, parent)
    fit_to_screen(dialog, 900, 1000)
    try:
        return launch(dialog) == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()
