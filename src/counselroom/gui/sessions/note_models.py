"""Qt item models for a client's session notes and for search results.

Like the other models, they hold plain lists the pages hand them and query nothing; every cell is plain text.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ...i18n import N_, tr
from ...records.notes import Note
from ...records.search_service import WHERE_LABELS, SearchHit
from ...records.templates import templates
from ..common.qt_models import ID_ROLE, SORT_ROLE, RowTableModel

HIT_ROLE = Qt.ItemDataRole.UserRole + 3
DRAFT_COLOR = QColor("#8a5a00")
PRIVATE_COLOR = QColor("#5b3a8c")

NOTE_STATUS_LABELS = {"draft": N_("Draft"), "signed": N_("Signed")}


def template_title(template_id: str) -> str:
    tpl = templates().get(template_id)
    return tpl.title() if tpl else template_id


class NotesTableModel(RowTableModel[Note]):
    COLUMNS = ("date", "form", "status", "fingerprint")
    HEADERS = {"date": N_("Session date"), "form": N_("Form"), "status": N_("Status"),
               "fingerprint": N_("Fingerprint")}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._addenda: dict[int, int] = {}

    def set_notes(self, notes: list[Note], addenda_counts: dict[int, int] | None = None) -> None:
        self._addenda = dict(addenda_counts or {})
        self._set_rows(notes)

    def clear(self) -> None:
        self.set_notes([])

    def _text(self, note: Note, column: str) -> str:
        if column == "date":
            return note.session_date.isoformat()
        if column == "form":
            return template_title(note.template)
        if column == "status":
            text = tr(NOTE_STATUS_LABELS.get(note.status, note.status))
            count = self._addenda.get(note.id or 0, 0)
            if count:
                text = tr("{status}, {count} addenda", status=text, count=count) if count > 1 \
                    else tr("{status}, 1 addendum", status=text)
            return text
        return note.short_fingerprint

    def cell(self, note: Note, column: str, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(note, column)
        if role == SORT_ROLE:
            if column == "date":
                return f"{note.session_date.isoformat()}-{note.id or 0:012d}"
            return self._text(note, column).casefold()
        if role == ID_ROLE:
            return note.id
        if role == Qt.ItemDataRole.ForegroundRole and not note.is_signed and column == "status":
            return QBrush(DRAFT_COLOR)
        if role == Qt.ItemDataRole.FontRole and column == "fingerprint":
            font = QFont("monospace")
            font.setStyleHint(QFont.StyleHint.Monospace)
            return font
        return None


def where_text(hit: SearchHit) -> str:
    """Where a hit is, in words: the client file, or a note's section / addendum / private notes and its date."""
    label = tr(WHERE_LABELS.get(hit.kind, hit.kind))
    if hit.kind == "client":
        return label
    parts = [label]
    if hit.kind == "note" and hit.section:
        parts = [f"{label} › {tr(', ').join(hit.sections or (hit.section,))}"]  # every section holding the words
    if hit.session_date is not None:
        parts.append(hit.session_date.isoformat())
    return " · ".join(parts)


class SearchResultsModel(RowTableModel[SearchHit]):
    COLUMNS = ("client", "where", "snippet")
    HEADERS = {"client": N_("Client"), "where": N_("Found in"), "snippet": N_("Text")}

    def set_hits(self, hits: list[SearchHit]) -> None:
        self._set_rows(hits)

    def clear(self) -> None:
        self.set_hits([])

    def _text(self, hit: SearchHit, column: str) -> str:
        if column == "client":
            return f"{hit.client_code} {hit.client_name}".strip()
        if column == "where":
            return where_text(hit)
        return hit.snippet

    def cell(self, hit: SearchHit, column: str, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(hit, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == "snippet":
            return None  # a tooltip would guess at rich text; the cell already shows the snippet
        if role == HIT_ROLE:
            return hit
        if role == Qt.ItemDataRole.ForegroundRole and hit.kind == "private" and column == "where":
            return QBrush(PRIVATE_COLOR)
        if role == Qt.ItemDataRole.FontRole and hit.kind == "private" and column == "where":
            font = QFont()
            font.setItalic(True)
            return font
        return None
