"""Where a file or folder dialog opens (issue 13: with no folder given, Qt opened the program's own working
folder — the source folder when run from source — and the vault's default folder sat in a hidden one).

A dialog opens in the folder the counselor chose last time if it still exists, otherwise in Documents, and
otherwise in the home folder: one step to the places a counselor keeps files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths


def documents_folder() -> Path:
    """Documents (文档) when the system has one, else the home folder."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    documents = Path(found) if found else None
    return documents if documents is not None and documents.is_dir() else Path.home()


def start_folder(chosen: Path | str | None = None) -> Path:
    """`chosen` (a folder picked earlier) when it exists and is not hidden, else Documents or home."""
    if chosen:
        path = Path(chosen)
        hidden = any(part.startswith(".") and part not in (".", "..") for part in path.parts)
        if path.is_dir() and not hidden:
            return path
    return documents_folder()


def start_path(file_name: str, chosen: Path | str | None = None) -> str:
    """A suggested file name in the start folder, for a save dialog."""
    if Path(file_name).is_absolute():
        return file_name
    return str(start_folder(chosen) / file_name)
