"""Liaison records and the client's school details.

A liaison record is one contact about a client with someone outside the room: a class teacher (班主任), a
辅导员, a parent or guardian, a hospital. It says who, when, how, what was shared, and on which basis: the
client's consent (how it was given) or a named confidentiality exception (the same list as the emergency
measures and the locked export use) with the reason it applied. A record is never changed afterwards; the
audit trail names it with the party, the method and the basis code, never the words.

The school details are the client's grade (年级) and presenting concerns, from the room's configurable list
(学业、人际、情绪、恋爱、家庭、适应、生涯…); the room's statistics count clients by them.
"""

from __future__ import annotations

import builtins
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..i18n import N_
from ..vault.audit import now_utc
from .clients import ClientService, ValidationError
from .exports import EXCEPTION_LABELS, EXCEPTIONS
from .settings import SettingsService
from .store import Store

PARTIES = ("class_teacher", "fudaoyuan", "guardian", "hospital", "other")
PARTY_LABELS = {"class_teacher": N_("Class teacher (班主任)"), "fudaoyuan": N_("Counselor-adviser (辅导员)"),
                "guardian": N_("Parent or guardian"), "hospital": N_("Hospital or clinic"), "other": N_("Other")}
METHODS = ("in_person", "phone", "message", "letter", "meeting", "other")
METHOD_LABELS = {"in_person": N_("In person"), "phone": N_("Telephone"), "message": N_("Message (SMS, WeChat)"),
                 "letter": N_("Letter or written note"), "meeting": N_("Case meeting"), "other": N_("Other")}
BASES = ("consent", "exception")
BASIS_LABELS = {"consent": N_("The client's consent"), "exception": N_("A confidentiality exception")}
MAX_TEXT = 4000
_SLACK = timedelta(minutes=1)

CONCERNS_KEY = "statistics.concerns"
DEFAULT_CONCERNS: tuple[dict[str, str], ...] = (
    {"id": "study", "zh_CN": "学业", "en": "Studies"},
    {"id": "relationships", "zh_CN": "人际", "en": "Relationships"},
    {"id": "emotions", "zh_CN": "情绪", "en": "Emotions"},
    {"id": "romance", "zh_CN": "恋爱", "en": "Romantic relationships"},
    {"id": "family", "zh_CN": "家庭", "en": "Family"},
    {"id": "adjustment", "zh_CN": "适应", "en": "Adjustment"},
    {"id": "career", "zh_CN": "生涯", "en": "Career"},
    {"id": "other", "zh_CN": "其他", "en": "Other"},
)
_CONCERN_ID = re.compile(r"^[a-z0-9_-]{1,40}$")

AUDIT_KINDS: dict[str, str] = {
    "liaison.recorded": N_("Liaison contact recorded"),
    "client.school_details_set": N_("Client's grade and presenting concerns recorded"),
}
ENTITY_LABELS: dict[str, str] = {"liaison": N_("Liaison record")}


@dataclass(frozen=True)
class Liaison:
    client_id: int
    contacted_at: datetime
    party: str
    who: str
    method: str
    shared: str
    basis_kind: str
    basis_note: str  # how the client consented, or why the exception applied
    exception: str | None = None
    counselor: str = ""
    id: int | None = None
    recorded_at: str = ""


@dataclass(frozen=True)
class Concern:
    id: str
    label: dict[str, str]

    def text(self, lang: str) -> str:
        return self.label.get(lang) or self.label.get("zh_CN") or self.label.get("en") or self.id


@dataclass(frozen=True)
class SchoolDetails:
    client_id: int
    grade: str = ""
    concerns: tuple[str, ...] = ()


def basis_label(liaison: Liaison) -> str:
    """The message id naming the basis (the exception's own label for an exception)."""
    if liaison.basis_kind == "exception" and liaison.exception:
        return EXCEPTION_LABELS.get(liaison.exception, liaison.exception)
    return BASIS_LABELS["consent"]


class LiaisonService:
    def __init__(self, store: Store, clients: ClientService, settings: SettingsService) -> None:
        self.store = store
        self.clients = clients
        self.settings = settings

    # -- liaison records ------------------------------------------------------------------------------------------

    def validate(self, c: Liaison, now: datetime | None = None) -> dict[str, str]:
        errors: dict[str, str] = {}
        if c.contacted_at > (now or datetime.now()) + _SLACK:
            errors["contacted_at"] = N_("The time of the contact is in the future.")
        if c.party not in PARTIES:
            errors["party"] = N_("Choose whom the contact was with.")
        if not c.who.strip():
            errors["who"] = N_("Write the person's name and role, such as “王老师（辅导员）”.")
        if c.method not in METHODS:
            errors["method"] = N_("Choose how the contact was made.")
        if not c.shared.strip():
            errors["shared"] = N_("Write what was shared with them.")
        if c.basis_kind not in BASES:
            errors["basis_kind"] = N_("Choose the basis: the client's consent or a confidentiality exception.")
        elif c.basis_kind == "exception" and c.exception not in EXCEPTIONS:
            errors["exception"] = N_("Choose the confidentiality exception that applied.")
        if not c.basis_note.strip():
            errors["basis_note"] = (N_("Write why the exception applied.") if c.basis_kind == "exception"
                                    else N_("Write how the client gave consent (in writing, in the session of …)."))
        if any(len(t) > MAX_TEXT for t in (c.who, c.shared, c.basis_note)):
            errors["shared"] = N_("The text is too long.")
        return errors

    def record(self, c: Liaison, now: datetime | None = None) -> Liaison:
        self.clients.get(c.client_id)
        errors = self.validate(c, now)
        if errors:
            raise ValidationError(errors)
        exception = c.exception if c.basis_kind == "exception" else None
        with self.store.write() as conn:
            cur = conn.execute(
                "INSERT INTO liaison_records (client_id, contacted_at, party, who, method, shared, basis_kind, "
                "exception, basis_note, counselor, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (c.client_id, c.contacted_at.isoformat(timespec="minutes"), c.party, " ".join(c.who.split()), c.method,
                 c.shared.strip(), c.basis_kind, exception, c.basis_note.strip(), c.counselor.strip(), now_utc()))
            new_id = int(cur.lastrowid)
            self.store.changed("liaison.recorded", "liaison", new_id,
                               {"client": c.client_id, "party": c.party, "method": c.method, "basis": c.basis_kind,
                                "exception": exception})
        return self.get(new_id)

    def _select(self, where: str, args: tuple[object, ...]) -> builtins.list[Liaison]:
        rows = self.store.conn.execute(
            "SELECT id, client_id, contacted_at, party, who, method, shared, basis_kind, exception, basis_note, "
            f"counselor, recorded_at FROM liaison_records WHERE {where} ORDER BY contacted_at DESC, id DESC", args)
        return [Liaison(int(r[1]), datetime.fromisoformat(str(r[2])), str(r[3]), str(r[4]), str(r[5]), str(r[6]),
                        str(r[7]), str(r[9]), None if r[8] is None else str(r[8]), str(r[10]), int(r[0]), str(r[11]))
                for r in rows]

    def get(self, liaison_id: int) -> Liaison:
        found = self._select("id = ?", (liaison_id,))
        if not found:
            raise KeyError(liaison_id)
        return found[0]

    def for_client(self, client_id: int) -> builtins.list[Liaison]:
        """The client's liaison contacts, the latest first."""
        return self._select("client_id = ?", (client_id,))

    # -- presenting concerns and grade ----------------------------------------------------------------------------

    def concerns(self) -> builtins.list[Concern]:
        raw = self.settings.get(CONCERNS_KEY)
        entries = raw if isinstance(raw, list) and raw else list(DEFAULT_CONCERNS)
        return [Concern(str(e["id"]), {k: str(e[k]) for k in ("zh_CN", "en") if e.get(k)})
                for e in entries if isinstance(e, dict) and "id" in e]

    def set_concerns(self, concerns: builtins.list[dict[str, str]]) -> None:
        """The room's list of presenting concerns (an id each, a name in one language at least). A concern
        already given to a client keeps its id, so its count goes on under its new name."""
        seen: set[str] = set()
        cleaned = []
        for e in concerns:
            cid = str(e.get("id", "")).strip()
            name = {k: str(e.get(k, "")).strip() for k in ("zh_CN", "en") if str(e.get(k, "")).strip()}
            if not _CONCERN_ID.match(cid) or cid in seen:
                raise ValidationError({"concerns": N_("Each concern needs its own short id (letters, digits, '-').")})
            if not name:
                raise ValidationError({"concerns": N_("Give every concern a name.")})
            seen.add(cid)
            cleaned.append({"id": cid, **name})
        if not cleaned:
            raise ValidationError({"concerns": N_("Keep at least one concern in the list.")})
        self.settings.set(CONCERNS_KEY, cleaned)

    def school_details(self, client_id: int) -> SchoolDetails:
        row = self.store.conn.execute("SELECT grade, concerns FROM client_school_details WHERE client_id = ?",
                                      (client_id,)).fetchone()
        if row is None:
            return SchoolDetails(client_id)
        return SchoolDetails(client_id, str(row[0]), tuple(str(c) for c in json.loads(str(row[1]))))

    def set_school_details(self, client_id: int, grade: str, concerns: builtins.list[str]) -> SchoolDetails:
        self.clients.get(client_id)
        known = {c.id for c in self.concerns()}
        old = self.school_details(client_id)
        unknown = [c for c in concerns if c not in known and c not in old.concerns]
        if unknown:
            raise ValidationError({"concerns": N_("Choose the concerns from the room's list.")})
        if len(grade) > 40:
            raise ValidationError({"grade": N_("The grade is too long.")})
        ordered = list(dict.fromkeys(concerns))
        with self.store.write() as conn:
            conn.execute("INSERT INTO client_school_details (client_id, grade, concerns, updated_at) "
                         "VALUES (?, ?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET grade = excluded.grade, "
                         "concerns = excluded.concerns, updated_at = excluded.updated_at",
                         (client_id, grade.strip(), json.dumps(ordered), now_utc()))
            self.store.changed("client.school_details_set", "client", client_id, {"concerns": len(ordered)})
        return self.school_details(client_id)


__all__ = ["AUDIT_KINDS", "BASES", "BASIS_LABELS", "CONCERNS_KEY", "DEFAULT_CONCERNS", "ENTITY_LABELS", "METHODS",
           "METHOD_LABELS", "PARTIES", "PARTY_LABELS", "Concern", "Liaison", "LiaisonService", "SchoolDetails",
           "basis_label"]
