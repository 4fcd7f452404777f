"""Issue 12.6: a virtual printer chosen in the system's print dialog (Microsoft Print to PDF, XPS, OneNote,
Save as PDF ...) writes the form to disk with outputFileName() empty; it is recognised by its name or its
driver, from a list kept as data, and refused with a message."""

from __future__ import annotations

import pytest
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog

from counselroom import printers
from counselroom.gui.common import pdf_printing, printing
from counselroom.records.consent import blank_form_pdf


@pytest.mark.parametrize("name, driver", [
    ("Microsoft Print to PDF", ""), ("Microsoft XPS Document Writer", ""), ("OneNote (Desktop)", ""),
    ("Send To OneNote 2016", ""), ("Save as PDF", ""), ("Adobe PDF", ""), ("Fax", ""), ("福昕阅读器PDF打印机", ""),
    ("Office printer", "CUPS-PDF"), ("Room printer", "Microsoft Software Printer Driver XPS"),
])
def test_file_printers_are_known_by_name_or_driver(name: str, driver: str) -> None:
    assert printers.writes_a_file(name, driver)


@pytest.mark.parametrize("name, driver", [("HP LaserJet Pro M404", "HP LaserJet Pro M404-M405 PCL-6"),
                                          ("Brother HL-L2350DW", "Brother HL-L2350DW series"),
                                          ("咨询室打印机", "Canon LBP2900")])
def test_paper_printers_pass(name: str, driver: str) -> None:
    assert not printers.writes_a_file(name, driver)
    assert printers.writes_a_file(name, driver, output_file="/tmp/x.pdf")  # Qt's own print-to-file


class _Info:
    def __init__(self, driver: str) -> None:
        self.driver = driver

    def makeAndModel(self) -> str:  # noqa: N802 - Qt's name
        return self.driver


@pytest.mark.parametrize("name, driver", [("Microsoft Print to PDF", "Microsoft Print To PDF"),
                                          ("Back office", "CUPS-PDF")])
def test_the_consent_form_is_refused_on_a_virtual_printer_chosen_in_the_native_dialog(
        monkeypatch, qtbot, name: str, driver: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QPrinter, "printerName", lambda _self: name)
    monkeypatch.setattr(printing.QPrinterInfo, "printerInfo", staticmethod(lambda _n: _Info(driver)))
    refused: list[str] = []
    monkeypatch.setattr(pdf_printing, "printers_available", lambda: True)
    monkeypatch.setattr(pdf_printing, "launch", lambda _dialog: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(pdf_printing, "show_error", lambda _p, _t, text: refused.append(text))
    painted: list[object] = []
    monkeypatch.setattr(pdf_printing, "paint_pdf", lambda *a: painted.append(a) or True)
    assert pdf_printing.print_pdf(None, blank_form_pdf("en"), "Consent form") is False
    assert painted == [] and "writes a file" in refused[0]


def test_the_recovery_sheet_is_refused_on_a_virtual_printer(monkeypatch, qtbot) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QPrinter, "printerName", lambda _self: "Microsoft XPS Document Writer")
    monkeypatch.setattr(printing.QPrinterInfo, "printerInfo", staticmethod(lambda _n: _Info("")))
    refused: list[str] = []
    monkeypatch.setattr(printing, "printers_available", lambda: True)
    monkeypatch.setattr(printing, "launch", lambda _dialog: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(printing, "show_error", lambda _p, _t, text: refused.append(text))
    monkeypatch.setattr(printing, "paint_on", lambda *a: pytest.fail("painted on a file printer"))
    assert printing.print_pages(None, "Recovery sheet", lambda _p, _r: None) is False
    assert "writes a file" in refused[0]
