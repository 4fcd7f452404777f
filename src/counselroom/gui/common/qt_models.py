"""Qt item models for the client list and the audit trail, and the labels they show.

The models hold plain lists handed to them by the pages (which ask the services); they never query
anything themselves, so dropping a model drops the data. Every cell is plain text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ...i18n import N_, tr
from ...records import (
    critical,
    group_sessions,
    liaison,
    psychtests,
    referrals,
    relationships,
    retention,
    risk,
    screening,
    statistics,
    training,
)
from ...records.audit_trail import AuditEntry
from ...records.clients import GENDER_LABELS, STATUS_LABELS, Client
from ...records.exports import AUDIT_KINDS

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
RISK_COLOR = QColor("#b3261e")

_Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")

# The client file's fields as a counselor reads them (form labels, the overview, audit details).
CLIENT_FIELD_LABELS = {
    "code": N_("Client code"),
    "name": N_("Name"),
    "gender": N_("Gender"),
    "date_of_birth": N_("Date of birth"),
    "phone": N_("Phone"),
    "guardian_name": N_("Guardian"),
    "guardian_phone": N_("Guardian's phone"),
    "emergency_name": N_("Emergency contact"),
    "emergency_phone": N_("Emergency contact's phone"),
    "school": N_("School"),
    "department": N_("Department"),
    "class_name": N_("Class"),
    "status": N_("Status"),
    "risk_flag": N_("Risk flag"),
    "notes": N_("Notes"),
}

# Audit kinds shown in words. Later parts of the program add their kinds here.
AUDIT_KIND_LABELS = {
    "vault.created": N_("Vault created"),
    "vault.unlocked": N_("Vault unlocked"),
    "vault.unlock_failed": N_("Failed unlock attempts"),
    "vault.locked": N_("Vault locked"),
    "vault.migrated": N_("Vault upgraded"),
    "vault.passphrase_changed": N_("Passphrase changed"),
    "vault.recovery_key_replaced": N_("Recovery key replaced"),
    "client.created": N_("Client added"),
    "client.updated": N_("Client file changed"),
    "client.archived": N_("Client archived"),
    "client.unarchived": N_("Client restored from archive"),
    "profile.updated": N_("Counselor profile changed"),
    "settings.updated": N_("Settings changed"),
    "appointment.created": N_("Appointment booked"),
    "appointment.updated": N_("Appointment changed"),
    "appointment.moved": N_("Appointment moved"),
    "appointment.cancelled": N_("Appointment cancelled"),
    "appointment.attendance": N_("Attendance recorded"),
    "note.created": N_("Session note started"),
    "note.draft_saved": N_("Session note draft saved"),
    "note.draft_deleted": N_("Session note draft deleted"),
    "note.signed": N_("Session note signed"),
    "note.addendum_signed": N_("Addendum signed"),
    "case.closed": N_("Case closed"),
    "case.reopened": N_("Case reopened"),
    "dependency.reviewed": N_("Dependency review recorded"),
    "backup.made": N_("Backup written"),
    "backup.verified": N_("Backup verified"),
    "backup.failed": N_("Backup failed"),
    "backup.restored": N_("Vault restored from a backup"),
    "backup.restore_confirmed": N_("Restored vault kept"),
    "consent.started": N_("Consent checklist started"),
    "consent.item_explained": N_("Consent item explained"),
    "consent.item_unticked": N_("Consent item unticked"),
    "consent.questions_saved": N_("Client's questions noted"),
    "consent.recording_set": N_("Recording choice recorded"),
    "consent.restarted": N_("Re-consent started"),
    "consent.signed": N_("Consent signed"),
    "consent.withdrawn": N_("Consent withdrawn"),
    "consent.form_printed": N_("Consent form printed"),
    "consent_template.saved": N_("Consent form changed (new version)"),
    "consent_template.seeded": N_("Consent form set up"),
    "group.created": N_("Group created"),
    "group.member_added": N_("Group member added"),
    "group.member_removed": N_("Group member removed"),
    "group.agreement_recorded": N_("Group confidentiality agreement recorded"),
    **AUDIT_KINDS,
    **psychtests.AUDIT_KINDS,
    **risk.AUDIT_KINDS,
    **referrals.AUDIT_KINDS,
    **training.AUDIT_KINDS,
    **retention.AUDIT_KINDS,
    # issue 12: critical answers, group sessions, relationship checks, a minor's guardian, the form's update
    **critical.AUDIT_KINDS,
    **group_sessions.AUDIT_KINDS,
    **relationships.AUDIT_KINDS,
    "consent.guardian_signed": N_("Guardian's signature on a minor's consent recorded"),
    "consent_template.builtin_updated": N_("Consent form updated to the program's new built-in version"),
    **screening.AUDIT_KINDS, **liaison.AUDIT_KINDS, **statistics.AUDIT_KINDS,  # issue 15
}

_ENTITY_LABELS = {"client": N_("Client"), "profile": N_("Counselor profile"), "settings": N_("Settings"),
                  "vault": N_("Vault"), "appointment": N_("Appointment"), "note": N_("Session note"),
                  "addendum": N_("Addendum"), "dependency_review": N_("Dependency review"),
                  **psychtests.ENTITY_LABELS, **risk.ENTITY_LABELS, **referrals.ENTITY_LABELS,
                  **training.ENTITY_LABELS, **retention.ENTITY_LABELS, **critical.ENTITY_LABELS,
                  **group_sessions.ENTITY_LABELS, **relationships.ENTITY_LABELS,
                  **screening.ENTITY_LABELS, **liaison.ENTITY_LABELS, **statistics.ENTITY_LABELS}


def kind_label(kind: str) -> str:
    label = AUDIT_KIND_LABELS.get(kind)
    return tr(label) if label else tr("Other event ({kind})", kind=kind)


def local_time(at: str) -> str:
    """An audit time (UTC, ISO 8601) in the workstation's local time."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def detail_text(detail: dict[str, object], client_codes: dict[int, str] | None = None) -> str:
    """An entry's details in words (field names and counts; the trail holds no record content): every key and
    coded value named in the window's language (audit_details.py)."""
    from .audit_details import detail_text as in_words

    return in_words(detail, client_codes, CLIENT_FIELD_LABELS)


def age_text(client: Client) -> str:
    age = client.age()
    return "" if age is None else str(age)


class RowTableModel(QAbstractTableModel, Generic[T]):
    """A read-only table with one record a row. A subclass names its columns in COLUMNS, gives each a
    header (a msgid) in HEADERS and says in `cell()` what a cell holds for a role; `_set_rows()` replaces
    the rows (resetting the model)."""

    COLUMNS: tuple[str, ...] = ()
    HEADERS: dict[str, str] = {}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []

    def _set_rows(self, rows: Iterable[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> T | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, record_id: int) -> int:
        """The row of the record with this id, or -1."""
        return next((r for r, item in enumerate(self._rows) if getattr(item, "id", None) == record_id), -1)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(self.HEADERS[self.COLUMNS[section]])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.row_at(index.row()) if index.isValid() else None
        return None if item is None else self.cell(item, self.COLUMNS[index.column()], role)

    def cell(self, item: T, column: str, role: int) -> Any:
        raise NotImplementedError


LONG_CELL_CHARS = 30  # a client list cell longer than this has its text in a tooltip too


class ClientTableModel(RowTableModel[Client]):
    """The client list. It sorts itself (a sort proxy calling data() for every comparison took
    seconds on a ten-thousand-client vault) and keeps its sort across set_clients()."""

    COLUMNS = ("code", "name", "gender", "age", "status", "risk_flag", "school")
    HEADERS = {"code": N_("Code"), "name": N_("Name"), "gender": N_("Gender"), "age": N_("Age"),
               "status": N_("Status"), "risk_flag": N_("Risk flag"), "school": N_("School / department")}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._sort_column = 0
        self._sort_order = Qt.SortOrder.AscendingOrder

    def set_clients(self, clients: list[Client]) -> None:
        self._set_rows(self._sorted(list(clients)))

    def _sort_key(self, client: Client) -> Any:
        column = self.COLUMNS[self._sort_column]
        if column == "age":
            age = client.age()
            return -1 if age is None else age
        if column == "risk_flag":
            return int(client.risk_flag)
        return self._text(client, column).casefold()

    def _sorted(self, clients: list[Client]) -> list[Client]:
        # Python's sort is stable, so ties keep the service's order (by code).
        return sorted(clients, key=self._sort_key, reverse=self._sort_order == Qt.SortOrder.DescendingOrder)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_ids = [self._rows[i.row()].id if 0 <= i.row() < len(self._rows) else None for i in old]
        self._sort_column, self._sort_order = column, order
        self._rows = self._sorted(self._rows)
        rows = {c.id: r for r, c in enumerate(self._rows)}
        new = [self.index(rows[cid], i.column()) if cid in rows else QModelIndex()
               for i, cid in zip(old, old_ids, strict=True)]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def clear(self) -> None:
        self.set_clients([])

    def _text(self, client: Client, column: str) -> str:
        if column == "name":
            return client.name
        if column == "gender":
            return tr(GENDER_LABELS.get(client.gender, client.gender)) if client.gender else ""
        if column == "age":
            return age_text(client)
        if column == "status":
            text = tr(STATUS_LABELS.get(client.status, client.status))
            return tr("{status} (archived)", status=text) if client.archived_at else text
        if column == "risk_flag":
            return tr("Risk flag") if client.risk_flag else ""
        if column == "school":
            return " / ".join(p for p in (client.school, client.department) if p)
        return str(getattr(client, column))

    def cell(self, client: Client, column: str, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(client, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in ("name", "school"):
            text = self._text(client, column)  # whole, where a long one is cut short in its column
            return "<qt>" + html.escape(text) + "</qt>" if len(text) > LONG_CELL_CHARS else None
        if role == ID_ROLE:
            return client.id
        if client.risk_flag and role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(RISK_COLOR)
        if client.risk_flag and role == Qt.ItemDataRole.FontRole and column in ("risk_flag", "name", "code"):
            font = QFont()
            font.setBold(True)
            return font
        if client.archived_at and role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor("#6b6b6b"))
        return None


class AuditTableModel(RowTableModel[AuditEntry]):
    COLUMNS = ("seq", "at", "kind", "entity", "detail")
    HEADERS = {"seq": N_("No."), "at": N_("Time"), "kind": N_("Event"), "entity": N_("Concerning"),
               "detail": N_("Details")}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._client_codes: dict[int, str] = {}

    def set_entries(self, entries: list[AuditEntry], client_codes: dict[int, str] | None = None) -> None:
        self._client_codes = dict(client_codes or {})
        self._set_rows(entries)

    def clear(self) -> None:
        self.set_entries([])

    def entity_text(self, entry: AuditEntry) -> str:
        if not entry.entity:
            return ""
        from .audit_details import entity_label

        label = tr(_ENTITY_LABELS[entry.entity]) if entry.entity in _ENTITY_LABELS else (
            entity_label(entry.entity) or entry.entity)
        if entry.entity == "client" and entry.entity_id is not None:
            code = self._client_codes.get(entry.entity_id)
            return f"{label} {code}" if code else f"{label} #{entry.entity_id}"
        if entry.entity_id is not None and entry.entity not in ("profile", "settings", "vault"):
            return f"{label} #{entry.entity_id}"
        return label

    def _text(self, entry: AuditEntry, column: str) -> str:
        if column == "seq":
            return str(entry.seq)
        if column == "at":
            return local_time(entry.at)
        if column == "kind":
            return kind_label(entry.kind)
        if column == "entity":
            return self.entity_text(entry)
        return detail_text(entry.detail, self._client_codes)

    def cell(self, entry: AuditEntry, column: str, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            # Qt guesses whether a tooltip is rich text; escaping keeps it plain whatever it holds.
            return "<qt>" + html.escape(self._text(entry, column)) + "</qt>"
        if role == SORT_ROLE:
            return entry.seq if column in ("seq", "at") else self._text(entry, column).casefold()
        return None
