"""Session notes: drafts saved as the counselor types, sign-and-lock with a content fingerprint,
addenda that never change the signed original, and private process notes kept apart.

A signed note is read-only in the records layer *and* in the database (triggers abort any update or
delete of a signed note, of its private notes and of any addendum), so no path can change it.
"""

from __future__ import annotations

import builtins
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..i18n import N_
from ..vault.audit import now_utc
from ..vault.errors import RecordReadOnly
from . import search
from .appointments import _COLUMNS as APPOINTMENT_COLUMNS
from .appointments import HELD, Appointment, AppointmentService
from .appointments import _row as appointment_row
from .clients import ValidationError
from .settings import DEFAULT_OVERDUE_HOURS, SettingsService
from .store import Store
from .templates import template, templates

_COLUMNS = ("id", "client_id", "appointment_id", "template", "template_version", "session_date", "content",
            "status", "signed_at", "signed_by", "fingerprint", "created_at", "updated_at")


def short_fingerprint(hex_digest: str) -> str:
    head = hex_digest[:20].upper()
    return "-".join(head[i:i + 4] for i in range(0, len(head), 4))


@dataclass
class Note:
    client_id: int
    template: str
    template_version: int
    session_date: date
    content: dict[str, str] = field(default_factory=dict)
    appointment_id: int | None = None
    status: str = "draft"
    signed_at: str | None = None
    signed_by: str | None = None
    fingerprint: str | None = None
    id: int | None = None
    created_at: str = ""
    updated_at: str = ""

    @property
    def is_signed(self) -> bool:
        return self.status == "signed"

    @property
    def short_fingerprint(self) -> str:
        return short_fingerprint(self.fingerprint) if self.fingerprint else ""

    @property
    def text(self) -> str:
        return "\n".join(v for v in self.content.values() if v)


@dataclass(frozen=True)
class Addendum:
    id: int
    note_id: int
    text: str
    signed_at: str
    signed_by: str
    fingerprint: str

    @property
    def short_fingerprint(self) -> str:
        return short_fingerprint(self.fingerprint)


@dataclass(frozen=True)
class Overdue:
    appointment: Appointment
    hours_overdue: float
    draft_id: int | None


def _row(row: tuple[object, ...]) -> Note:
    v = dict(zip(_COLUMNS, row, strict=True))
    return Note(id=int(v["id"]), client_id=int(v["client_id"]),  # type: ignore[call-overload]
                appointment_id=v["appointment_id"], template=str(v["template"]),  # type: ignore[arg-type]
                template_version=int(v["template_version"]),  # type: ignore[call-overload]
                session_date=date.fromisoformat(str(v["session_date"])), content=json.loads(str(v["content"])),
                status=str(v["status"]), signed_at=v["signed_at"], signed_by=v["signed_by"],  # type: ignore[arg-type]
                fingerprint=v["fingerprint"], created_at=str(v["created_at"]),  # type: ignore[arg-type]
                updated_at=str(v["updated_at"]))


def note_fingerprint(note: Note, private_text: str) -> str:
    """SHA-256 over the note's canonical content; private notes enter only as their own hash."""
    doc = {"note": note.id, "client": note.client_id, "template": [note.template, note.template_version],
           "session_date": note.session_date.isoformat(), "appointment": note.appointment_id,
           "content": {k: note.content.get(k, "") for k in sorted(note.content)},
           "private_sha256": hashlib.sha256(private_text.encode("utf-8")).hexdigest(),
           "signed_at": note.signed_at, "signed_by": note.signed_by}
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def addendum_fingerprint(note_fingerprint_hex: str, text: str, signed_at: str, signed_by: str) -> str:
    doc = [note_fingerprint_hex, text, signed_at, signed_by]
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False).encode("utf-8")).hexdigest()


def _require_signer(signed_by: str) -> None:
    if not signed_by.strip():
        raise ValidationError({"signed_by": N_("A signature needs the counselor's name: fill in your profile first.")})


class NoteService:
    def __init__(self, store: Store, appointments: AppointmentService, settings: SettingsService | None = None, *,
                 before_new_note: Callable[[int], None] | None = None,
                 consent_since: Callable[[int], date | None] | None = None) -> None:
        self.store = store
        self.appointments = appointments
        self.settings = settings
        # From the consent records: raises when a client's consent does not allow a note yet.
        self.before_new_note = before_new_note
        # The first day the client's consent covers (from the consent records): no session note before it.
        self.consent_since = consent_since

    # reading
    def _select(self, where: str, args: tuple[object, ...] = ()) -> list[Note]:
        sql = f"SELECT {', '.join(_COLUMNS)} FROM notes WHERE {where} ORDER BY session_date DESC, id DESC"
        return [_row(r) for r in self.store.conn.execute(sql, args)]

    def get(self, note_id: int) -> Note:
        found = self._select("id = ?", (note_id,))
        if not found:
            raise KeyError(note_id)
        return found[0]

    def for_client(self, client_id: int) -> builtins.list[Note]:
        return self._select("client_id = ?", (client_id,))

    def for_appointment(self, appointment_id: int) -> Note | None:
        found = self._select("appointment_id = ?", (appointment_id,))
        return found[0] if found else None

    def private_text(self, note_id: int) -> str:
        row = self.store.conn.execute("SELECT text FROM note_private WHERE note_id = ?", (note_id,)).fetchone()
        return str(row[0]) if row else ""

    def addenda(self, note_id: int) -> builtins.list[Addendum]:
        rows = self.store.conn.execute("SELECT id, note_id, text, signed_at, signed_by, fingerprint FROM addenda "
                                       "WHERE note_id = ? ORDER BY id", (note_id,))
        return [Addendum(*r) for r in rows]

    def verify(self, note_id: int) -> bool:
        """Does the signed note still match its fingerprint?"""
        note = self.get(note_id)
        return bool(note.is_signed and note.fingerprint == note_fingerprint(note, self.private_text(note_id)))

    # writing
    def create_draft(self, client_id: int, template_id: str = "standard", session_date: date | None = None,
                     appointment_id: int | None = None) -> Note:
        if template_id not in templates():
            raise ValidationError({"template": N_("Choose a note form.")})
        if self.before_new_note is not None:
            self.before_new_note(client_id)
        if appointment_id is not None:
            appointment = self.appointments.get(appointment_id)
            if appointment.client_id != client_id:
                raise ValidationError({"appointment_id": N_("This appointment belongs to another client.")})
            if appointment.group_session_id is not None:  # issue 12.5: the group note describes other members
                raise ValidationError({"appointment_id": N_("This is a group session: its note is kept with the group, "
                                                            "not in a member's file (Groups page).")})
            if self.for_appointment(appointment_id) is not None:
                raise ValidationError({"appointment_id": N_("This appointment already has a note.")})
            session_date = session_date or appointment.planned_start.date()
        if session_date is not None and session_date > date.today():
            raise ValidationError({"session_date": N_("A note is written for a session that has taken place: "
                                                      "the date cannot be in the future.")})
        since = self.consent_since(client_id) if self.consent_since is not None else None
        if session_date is not None and since is not None and session_date < since:
            raise ValidationError({"session_date": N_("No session can come before the client's consent: the date "
                                                      "is before the consent was given.")})
        tpl = template(template_id)
        now = now_utc()
        with self.store.write() as conn:
            cur = conn.execute(
                "INSERT INTO notes (client_id, appointment_id, template, template_version, session_date, content, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (client_id, appointment_id, tpl.id, tpl.version, (session_date or date.today()).isoformat(),
                 json.dumps({k: "" for k in tpl.keys}, ensure_ascii=False), now, now))
            note_id = int(cur.lastrowid)
            self.store.changed("note.created", "note", note_id, {"client": client_id, "template": tpl.id})
        return self.get(note_id)

    def save_draft(self, note_id: int, content: dict[str, str], private_text: str | None = None) -> None:
        """Save what has been typed so far. Consecutive saves of one draft make one audit entry."""
        note = self.get(note_id)
        if note.is_signed:
            raise RecordReadOnly()
        tpl_keys = set(note.content) | set(template(note.template).keys)
        clean = {k: str(v) for k, v in content.items() if k in tpl_keys}
        merged = {**note.content, **clean}
        now = now_utc()
        with self.store.write() as conn:
            conn.execute("UPDATE notes SET content = ?, updated_at = ? WHERE id = ?",
                         (json.dumps(merged, ensure_ascii=False), now, note_id))
            search.index(conn, "note", note_id, note.client_id, "\n".join(merged.values()))
            if private_text is not None:
                conn.execute("INSERT INTO note_private (note_id, text, updated_at) VALUES (?, ?, ?) "
                             "ON CONFLICT (note_id) DO UPDATE SET text = excluded.text, "
                             "updated_at = excluded.updated_at",
                             (note_id, private_text, now))
                search.index(conn, "private", note_id, note.client_id, private_text, private=True)
            last = self.store.audit.entries(limit=1)
            if not (last and last[0].kind == "note.draft_saved" and last[0].entity_id == note_id):
                self.store.changed("note.draft_saved", "note", note_id)
            else:
                self.store.notify("note", note_id)

    def sign(self, note_id: int, signed_by: str) -> Note:
        note = self.get(note_id)
        if note.is_signed:
            raise RecordReadOnly()
        if not any(v.strip() for v in note.content.values()):
            raise ValidationError({"content": N_("The note is empty. Write the record before signing it.")})
        _require_signer(signed_by)
        note.signed_at = now_utc()
        note.signed_by = signed_by.strip()
        note.fingerprint = note_fingerprint(note, self.private_text(note_id))
        with self.store.write() as conn:
            conn.execute("UPDATE notes SET status = 'signed', signed_at = ?, signed_by = ?, fingerprint = ?, "
                         "updated_at = ? WHERE id = ? AND status = 'draft'",
                         (note.signed_at, note.signed_by, note.fingerprint, note.signed_at, note_id))
            self.store.changed("note.signed", "note", note_id, {"fingerprint": note.short_fingerprint})
        return self.get(note_id)

    def add_addendum(self, note_id: int, text: str, signed_by: str) -> Addendum:
        note = self.get(note_id)
        if not note.is_signed or not note.fingerprint:
            raise ValidationError({"note": N_("Only a signed note takes addenda; edit the draft instead.")})
        if not text.strip():
            raise ValidationError({"text": N_("Write the addendum before signing it.")})
        _require_signer(signed_by)
        signed_at = now_utc()
        fingerprint = addendum_fingerprint(note.fingerprint, text, signed_at, signed_by.strip())
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO addenda (note_id, text, signed_at, signed_by, fingerprint) "
                               "VALUES (?, ?, ?, ?, ?)", (note_id, text, signed_at, signed_by.strip(), fingerprint))
            addendum_id = int(cur.lastrowid)
            search.index(conn, "addendum", addendum_id, note.client_id, text)
            self.store.changed("note.addendum_signed", "addendum", addendum_id,
                               {"note": note_id, "fingerprint": short_fingerprint(fingerprint)})
        return next(a for a in self.addenda(note_id) if a.id == addendum_id)

    def delete_draft(self, note_id: int) -> None:
        note = self.get(note_id)
        if note.is_signed:
            raise RecordReadOnly()
        with self.store.write() as conn:
            conn.execute("DELETE FROM note_private WHERE note_id = ?", (note_id,))
            conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
            search.unindex(conn, "note", note_id)
            search.unindex(conn, "private", note_id)
            self.store.changed("note.draft_deleted", "note", note_id, {"client": note.client_id})

    # the rule: filled in after each session
    def overdue_hours(self) -> float:
        """The setting: hours after an attended session before its missing note counts as overdue."""
        value = self.settings.get("notes.overdue_hours", DEFAULT_OVERDUE_HOURS) if self.settings else None
        return float(value) if isinstance(value, int | float) and value > 0 else float(DEFAULT_OVERDUE_HOURS)

    def overdue(self, now: datetime | None = None, hours: float | None = None) -> builtins.list[Overdue]:
        """Held sessions ended `hours` ago or more whose note is missing or still a draft, oldest first. One
        query, reading only the held sessions not yet signed (`notes_unsigned`, kept by the vault's triggers:
        see vault/schema_perf5.py), however many sessions the vault holds."""
        now = now or datetime.now()
        hours = self.overdue_hours() if hours is None else hours
        cutoff = now - timedelta(hours=hours)
        columns = ", ".join(f"a.{c}" for c in APPOINTMENT_COLUMNS)
        rows = self.store.conn.execute(
            f"SELECT {columns}, n.id FROM notes_unsigned u CROSS JOIN appointments a ON a.id = u.appointment_id "
            "LEFT JOIN notes n INDEXED BY notes_appointment_status ON n.appointment_id = a.id "
            f"WHERE a.attendance IN ({', '.join('?' * len(HELD))}) AND COALESCE(a.actual_end, a.planned_end) <= ? "
            "AND (n.id IS NULL OR n.status = 'draft') AND a.group_session_id IS NULL "  # group notes: the group's
            "ORDER BY a.planned_start, a.id",
            (*HELD, cutoff.isoformat(timespec="minutes")))
        out = []
        for row in rows.fetchall():
            a = appointment_row(row[:-1])
            draft_id = row[-1]
            out.append(Overdue(a, round((now - a.end).total_seconds() / 3600 - hours, 1),
                               None if draft_id is None else int(draft_id)))
        return out
