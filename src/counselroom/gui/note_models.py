"""Qt item models for a client's session notes and for search results.

Like the other models, they hold plain lists the pages hand them and query nothing; every cell is plain text.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ..i18n import N_, tr
from ..records.notes import Note
from ..records.search_service import WHERE_LABELS, SearchHit
from ..records.templates import templates
from .qt_models import ID_ROLE, SORT_ROLE

_Index = QModelIndex | QPersistentModelIndex
HIT_ROLE = Qt.ItemDataRole.UserRole + 3
DRAFT_COLOR = QColor("#8a5a00")
PRIVATE_COLOR = QColor("#5b3a8c")

NOTE_STATUS_LABELS = {"draft": N_("Draft"), "signed": N_("Signed")}


def template_title(template_id: str) -> str:
    tpl = templates().get(template_id)
    return tpl.title() if tpl else template_id


class _Table(QAbstractTableModel):
    COLUMNS: tuple[str, ...] = ()
    HEADERS: dict[str, str] = {}

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else self._count()

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(self.HEADERS[self.COLUMNS[section]])
        return None

    def _count(self) -> int:
        raise NotImplementedError


class NotesTableModel(_Table):
    COLUMNS = ("date", "form", "status", "fingerprint")
    HEADERS = {"date": N_("Session date"), "form": N_("Form"), "status": N_("Status"),
               "fingerprint": N_("Fingerprint")}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._notes: list[Note] = []
        self._addenda: dict[int, int] = {}

    def set_notes(self, notes: list[Note], addenda_counts: dict[int, int] | None = None) -> None:
        self.beginResetModel()
        self._notes = list(notes)
        self._addenda = dict(addenda_counts or {})
        self.endResetModel()

    def clear(self) -> None:
        self.set_notes([])

    def _count(self) -> int:
        return len(self._notes)

    def note_at(self, row: int) -> Note | None:
        return self._notes[row] if 0 <= row < len(self._notes) else None

    def row_of(self, note_id: int) -> int:
        return next((row for row, n in enumerate(self._notes) if n.id == note_id), -1)

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

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        note = self.note_at(index.row()) if index.isValid() else None
        if note is None:
            return None
        column = self.COLUMNS[index.column()]
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
        parts = [f"{label} › {hit.section}"]
    if hit.session_date is not None:
        parts.append(hit.session_date.isoformat())
    return " · ".join(parts)


class SearchResultsModel(_Table):
    COLUMNS = ("client", "where", "snippet")
    HEADERS = {"client": N_("Client"), "where": N_("Found in"), "snippet": N_("Text")}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._hits: list[SearchHit] = []

    def set_hits(self, hits: list[SearchHit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def clear(self) -> None:
        self.set_hits([])

    def _count(self) -> int:
        return len(self._hits)

    def hit_at(self, row: int) -> SearchHit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def _text(self, hit: SearchHit, column: str) -> str:
        if column == "client":
            return f"{hit.client_code} {hit.client_name}".strip()
        if column == "where":
            return where_text(hit)
        return hit.snippet

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        hit = self.hit_at(index.row()) if index.isValid() else None
        if hit is None:
            return None
        column = self.COLUMNS[index.column()]
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
