"""Group sessions (issue 12.5; room code 5: confidentiality standards are set *before* the group).

A group session is the group's booking: its time and place, and its roster as one appointment per member
(kind "group", pointing at the session), so each member's attendance and lateness is recorded as for any
appointment and the session shows in the appointment book and in each member's appointments. The group note
is one record kept with the session, not in any member's file: it describes other members.

The rules:
- booking a group session, or adding a member's appointment to one, is refused while a member on the roster
  has no group confidentiality agreement recorded (dated on or before the session's day);
- starting the group note is refused on the same ground (and before the session has taken place);
- a member's locked export carries group notes only when the counselor chose them, only signed notes of
  sessions the member attended within the export's period, and with the other members' names and codes
  replaced by "another member A", "B", ...
"""

from __future__ import annotations

import builtins
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..documents.record_export import DocSection
from ..i18n import N_, tr_in
from ..vault.audit import now_utc
from ..vault.errors import RecordReadOnly
from .appointments import HELD, Appointment, AppointmentService, _iso
from .clients import ValidationError
from .consent import ConsentService, Member
from .exports import ExportContents
from .notes import short_fingerprint
from .settings import SettingsService
from .store import Store
from .templates import template

GROUP_TEMPLATE = "group"
AUDIT_KINDS: dict[str, str] = {
    "group.session_booked": N_("Group session booked"),
    "group.session_cancelled": N_("Group session cancelled"),
    "group.note_created": N_("Group note started"),
    "group.note_draft_saved": N_("Group note draft saved"),
    "group.note_signed": N_("Group note signed"),
    "group.note_draft_deleted": N_("Group note draft deleted"),
}
ENTITY_LABELS: dict[str, str] = {"group_session": N_("Group session"), "group_note": N_("Group note")}
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class GroupSession:
    id: int
    group_id: int
    planned_start: datetime
    planned_end: datetime
    location: str
    remarks: str
    created_at: str


@dataclass
class GroupNote:
    id: int
    group_session_id: int
    template: str
    template_version: int
    content: dict[str, str]
    status: str
    signed_at: str | None
    signed_by: str | None
    fingerprint: str | None
    created_at: str
    updated_at: str

    @property
    def is_signed(self) -> bool:
        return self.status == "signed"

    @property
    def short_fingerprint(self) -> str:
        return short_fingerprint(self.fingerprint) if self.fingerprint else ""


class AgreementMissing(ValidationError):
    """Members on the roster without a group confidentiality agreement recorded by the session's day."""

    def __init__(self, members: builtins.list[Member], msgid: str) -> None:
        super().__init__({"agreement": msgid})
        self.members = tuple(members)

    def names(self) -> str:
        return ", ".join(m.display_name for m in self.members)


def group_note_fingerprint(note: GroupNote) -> str:
    doc = {"group_note": note.id, "session": note.group_session_id, "template": [note.template, note.template_version],
           "content": {k: note.content.get(k, "") for k in sorted(note.content)},
           "signed_at": note.signed_at, "signed_by": note.signed_by}
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def replace_names(text: str, others: builtins.list[tuple[str, str]], labels: builtins.list[str]) -> str:
    """Replace each other member's name and code (longest first, so 王小明 goes before 王小) by their label."""
    pairs: list[tuple[str, str]] = []
    for (name, code), label in zip(others, labels, strict=True):
        for word in (name, code):
            if word and len(word.strip()) >= 2:
                pairs.append((word.strip(), label))
    pairs.sort(key=lambda p: -len(p[0]))
    if not pairs:
        return text
    table = dict(pairs)
    pattern = re.compile("|".join(re.escape(w) for w, _ in pairs), re.IGNORECASE)
    return pattern.sub(lambda m: next(v for k, v in table.items() if k.casefold() == m.group(0).casefold()), text)


class GroupSessionService:
    def __init__(self, store: Store, consent: ConsentService, appointments: AppointmentService,
                 settings: SettingsService | None = None) -> None:
        self.store = store
        self.consent = consent
        self.appointments = appointments
        self.settings = settings

    # -- sessions -----------------------------------------------------------------------------------------------

    @staticmethod
    def _session(r: tuple[object, ...]) -> GroupSession:
        return GroupSession(int(r[0]), int(r[1]), datetime.fromisoformat(str(r[2])),  # type: ignore[call-overload]
                            datetime.fromisoformat(str(r[3])), str(r[4]), str(r[5]), str(r[6]))

    def session(self, session_id: int) -> GroupSession:
        row = self.store.conn.execute("SELECT id, group_id, planned_start, planned_end, location, remarks, created_at "
                                      "FROM group_sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise KeyError(session_id)
        return self._session(row)

    def sessions(self, group_id: int) -> builtins.list[GroupSession]:
        rows = self.store.conn.execute("SELECT id, group_id, planned_start, planned_end, location, remarks, "
                                       "created_at FROM group_sessions WHERE group_id = ? ORDER BY planned_start, id",
                                       (group_id,))
        return [self._session(r) for r in rows]

    def appointments_of(self, session_id: int) -> builtins.list[Appointment]:
        """The members' appointments of the session (attendance per member)."""
        ids = [int(r[0]) for r in self.store.conn.execute(
            "SELECT a.id FROM appointments a JOIN clients c ON c.id = a.client_id WHERE a.group_session_id = ? "
            "ORDER BY c.code COLLATE NOCASE", (session_id,))]
        return [self.appointments.get(i) for i in ids]

    def missing_agreements(self, group_id: int, day: date) -> builtins.list[Member]:
        """Members on the roster that day without a confidentiality agreement recorded by then."""
        return self.consent.group_warnings(group_id, day)

    def book(self, group_id: int, start: datetime, end: datetime, location: str = "",
             remarks: str = "") -> GroupSession:
        """Book a group session for the group's roster on that day. Refused while any member has no group
        confidentiality agreement recorded (room code 5: set before the group)."""
        self.consent.group(group_id)
        roster = self.consent.roster(group_id, on=start.date())
        if not roster:
            raise ValidationError({"roster": N_("The group has no members on that day: add members first.")})
        missing = self.missing_agreements(group_id, start.date())
        if missing:
            raise AgreementMissing(missing, N_("Confidentiality standards are set before the group: record the "
                                               "group confidentiality agreement of every member first (Groups page)."))
        probes = [Appointment(m.client_id, start, end, kind="group", group_id=group_id, location=location,
                              remarks=remarks) for m in roster]
        for probe in probes:
            errors = self.appointments.validate(probe)
            if errors:
                raise ValidationError(errors)
        now = now_utc()
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO group_sessions (group_id, planned_start, planned_end, location, remarks, "
                               "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               (group_id, _iso(start), _iso(end), location.strip(), remarks.strip(), now, now))
            session_id = int(cur.lastrowid)
            for probe in probes:
                probe.group_session_id = session_id
                self.appointments.create(probe)
            self.store.changed("group.session_booked", "group_session", session_id,
                               {"group": group_id, "members": len(probes)})
        return self.session(session_id)

    def cancel(self, session_id: int) -> None:
        """Cancel the whole session (by the counselor): every member's appointment not yet held."""
        session = self.session(session_id)
        with self.store.write():
            for a in self.appointments_of(session_id):
                if not a.held and not a.cancelled and a.id is not None:
                    self.appointments.cancel(a.id, "counselor")
            self.store.changed("group.session_cancelled", "group_session", session_id, {"group": session.group_id})

    def record_attendance(self, session_id: int, client_id: int, attendance: str, actual_start: datetime | None = None,
                          actual_end: datetime | None = None, late_by: str | None = None) -> Appointment:
        found = next((a for a in self.appointments_of(session_id) if a.client_id == client_id), None)
        if found is None or found.id is None:
            raise ValidationError({"client": N_("This client is not on the session's roster.")})
        return self.appointments.record_attendance(found.id, attendance, actual_start, actual_end, late_by)

    # -- the group note -----------------------------------------------------------------------------------------

    _NOTE_COLUMNS = ("id, group_session_id, template, template_version, content, status, signed_at, signed_by, "
                     "fingerprint, created_at, updated_at")

    def _note(self, where: str, args: tuple[object, ...]) -> GroupNote | None:
        r = self.store.conn.execute(f"SELECT {self._NOTE_COLUMNS} FROM group_notes WHERE {where}", args).fetchone()
        if r is None:
            return None
        return GroupNote(int(r[0]), int(r[1]), str(r[2]), int(r[3]), dict(json.loads(r[4])), str(r[5]), r[6], r[7],
                         r[8], str(r[9]), str(r[10]))

    def note(self, note_id: int) -> GroupNote:
        found = self._note("id = ?", (note_id,))
        if found is None:
            raise KeyError(note_id)
        return found

    def note_for_session(self, session_id: int) -> GroupNote | None:
        return self._note("group_session_id = ?", (session_id,))

    def start_note(self, session_id: int) -> GroupNote:
        """Start the session's group note (kept with the group). Refused while a member on the session's roster
        has no confidentiality agreement recorded by the session's day, and before the session took place."""
        session = self.session(session_id)
        if self.note_for_session(session_id) is not None:
            raise ValidationError({"note": N_("This group session already has a note.")})
        if session.planned_start.date() > date.today():
            raise ValidationError({"session_date": N_("A note is written for a session that has taken place: "
                                                      "the date cannot be in the future.")})
        booked = {a.client_id for a in self.appointments_of(session_id) if not a.cancelled}
        missing = [m for m in self.missing_agreements(session.group_id, session.planned_start.date())
                   if m.client_id in booked]
        if missing:
            raise AgreementMissing(missing, N_("A member of this session has no group confidentiality agreement "
                                               "recorded: record it (Groups page) before writing the group note."))
        tpl = template(GROUP_TEMPLATE)
        now = now_utc()
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO group_notes (group_session_id, template, template_version, content, "
                               "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                               (session_id, tpl.id, tpl.version,
                                json.dumps({k: "" for k in tpl.keys}, ensure_ascii=False), now, now))
            note_id = int(cur.lastrowid)
            self.store.changed("group.note_created", "group_note", note_id,
                               {"group": session.group_id, "session": session_id})
        return self.note(note_id)

    def save_note_draft(self, note_id: int, content: dict[str, str]) -> GroupNote:
        note = self.note(note_id)
        if note.is_signed:
            raise RecordReadOnly()
        keys = set(note.content) | set(template(note.template).keys)
        merged = {**note.content, **{k: str(v) for k, v in content.items() if k in keys}}
        with self.store.write() as conn:
            conn.execute("UPDATE group_notes SET content = ?, updated_at = ? WHERE id = ?",
                         (json.dumps(merged, ensure_ascii=False), now_utc(), note_id))
            last = self.store.audit.entries(limit=1)
            if last and last[0].kind == "group.note_draft_saved" and last[0].entity_id == note_id:
                self.store.notify("group_note", note_id)
            else:
                self.store.changed("group.note_draft_saved", "group_note", note_id)
        return self.note(note_id)

    def sign_note(self, note_id: int, signed_by: str) -> GroupNote:
        note = self.note(note_id)
        if note.is_signed:
            raise RecordReadOnly()
        if not any(v.strip() for v in note.content.values()):
            raise ValidationError({"content": N_("The note is empty. Write the record before signing it.")})
        if not signed_by.strip():
            raise ValidationError({"signed_by": N_("A signature needs the counselor's name: fill in your profile "
                                                   "first.")})
        note.signed_at, note.signed_by = now_utc(), signed_by.strip()
        note.fingerprint = group_note_fingerprint(note)
        with self.store.write() as conn:
            conn.execute("UPDATE group_notes SET status = 'signed', signed_at = ?, signed_by = ?, fingerprint = ?, "
                         "updated_at = ? WHERE id = ? AND status = 'draft'",
                         (note.signed_at, note.signed_by, note.fingerprint, note.signed_at, note_id))
            self.store.changed("group.note_signed", "group_note", note_id, {"fingerprint": note.short_fingerprint})
        return self.note(note_id)

    def delete_note_draft(self, note_id: int) -> None:
        note = self.note(note_id)
        if note.is_signed:
            raise RecordReadOnly()
        with self.store.write() as conn:
            conn.execute("DELETE FROM group_notes WHERE id = ?", (note_id,))
            self.store.changed("group.note_draft_deleted", "group_note", note_id,
                               {"session": note.group_session_id})

    def verify_note(self, note_id: int) -> bool:
        note = self.note(note_id)
        return bool(note.is_signed and note.fingerprint == group_note_fingerprint(note))

    def overdue_notes(self, now: datetime | None = None, hours: float = 48.0) -> builtins.list[GroupSession]:
        """Held group sessions ended `hours` ago or more without a signed group note."""
        now = now or datetime.now()
        cutoff = (now - timedelta(hours=hours)).isoformat(timespec="minutes")
        rows = self.store.conn.execute(
            "SELECT s.id, s.group_id, s.planned_start, s.planned_end, s.location, s.remarks, s.created_at "
            "FROM group_sessions s WHERE s.planned_end <= ? AND EXISTS (SELECT 1 FROM appointments a "
            f"WHERE a.group_session_id = s.id AND a.attendance IN ({', '.join('?' * len(HELD))})) "
            "AND NOT EXISTS (SELECT 1 FROM group_notes n WHERE n.group_session_id = s.id AND n.status = 'signed') "
            "ORDER BY s.planned_start", (cutoff, *HELD))
        return [self._session(r) for r in rows]

    # -- a member's locked export ----------------------------------------------------------------------------------

    def export_selection(self, client_id: int, contents: ExportContents) -> builtins.list[int]:
        """The signed group notes a member's export carries: none unless chosen; only sessions the member attended
        within the export's period (oldest first)."""
        if not getattr(contents, "include_group_notes", False):
            return []
        rows = self.store.conn.execute(
            "SELECT n.id, s.planned_start FROM group_notes n JOIN group_sessions s ON s.id = n.group_session_id "
            "JOIN appointments a ON a.group_session_id = s.id AND a.client_id = ? "
            f"WHERE n.status = 'signed' AND a.attendance IN ({', '.join('?' * len(HELD))}) "
            "ORDER BY s.planned_start, n.id", (client_id, *HELD))
        out = []
        for note_id, start in rows:
            day = datetime.fromisoformat(str(start)).date()
            if (contents.date_from and day < contents.date_from) or (contents.date_to and day > contents.date_to):
                continue
            out.append(int(note_id))
        return out

    def export_sections(self, client_id: int, contents: ExportContents, lang: str) -> builtins.list[DocSection]:
        """The chosen group notes for a member's export, other members' names and codes replaced."""
        sections = []
        for note_id in self.export_selection(client_id, contents):
            note = self.note(note_id)
            session = self.session(note.group_session_id)
            group = self.consent.group(session.group_id)
            roster = self.consent.roster(session.group_id, include_removed=True)
            others = [m for m in roster if m.client_id != client_id]
            labels = [tr_in(lang, N_("[another member {letter}]"),
                            letter=_LETTERS[i % 26] + ("" if i < 26 else str(i // 26))) for i in range(len(others))]
            pairs = [(m.name, m.code) for m in others]
            tpl = template(note.template)
            titles = {s.key: s.title(lang) for s in tpl.sections}
            title = tr_in(lang, N_("Group session — {group}, {date}"), group=group.name,
                          date=session.planned_start.date().isoformat())
            lines = [tr_in(lang, N_("Other members' names are replaced: this is a group record and describes other "
                                    "people."))]
            for key in [*titles, *(k for k in note.content if k not in titles)]:
                text = note.content.get(key, "").strip()
                if text:
                    lines.append(f"{titles.get(key, key)}: {replace_names(text, pairs, labels)}")
            lines.append(tr_in(lang, N_("Signed by {name} on {date}; fingerprint {fingerprint}"),
                               name=note.signed_by or "", date=(note.signed_at or "")[:10],
                               fingerprint=note.short_fingerprint))
            sections.append(DocSection(title, lines))
        return sections


__all__ = ["AUDIT_KINDS", "ENTITY_LABELS", "AgreementMissing", "GroupNote", "GroupSession", "GroupSessionService",
           "replace_names"]
