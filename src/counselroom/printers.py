"""Printers that write a file rather than paper, recognised by name and driver from a list kept as data.

On Windows and macOS the print dialog is the system's own: choosing "Microsoft Print to PDF", the XPS
writer, OneNote or "Save as PDF" writes the form to disk while Qt's outputFileName() stays empty. The list
(`resources/printers/file_printers.json`) names such printers by parts of their name or driver; a printer
matching either is refused with a message. No Qt here: the window asks with the printer's name and driver.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from .shipped import resource


@dataclass(frozen=True)
class FilePrinters:
    names: tuple[str, ...]
    drivers: tuple[str, ...]


@cache
def file_printers() -> FilePrinters:
    data = json.loads(resource("printers", "file_printers.json").read_text(encoding="utf-8"))
    return FilePrinters(tuple(n.casefold() for n in data["names"]), tuple(d.casefold() for d in data["drivers"]))


def writes_a_file(name: str, driver: str = "", output_file: str = "") -> bool:
    """True when printing to this printer would write a file (or send the page out of the room)."""
    if output_file.strip():
        return True
    known = file_printers()
    name, driver = name.casefold(), driver.casefold()
    return any(n in name for n in known.names) or any(d in driver for d in known.drivers if driver)
