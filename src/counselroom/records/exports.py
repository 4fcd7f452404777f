"""The locked export: records leave the room only for a recorded reason, encrypted, and logged.

A basis comes first: the client's written release authorization (recipient, purpose, what is released,
expiry, the date it was signed on paper) or a named confidentiality exception with its justification.
`plan_export()` checks the basis and the chosen contents and says what would go out; `export()` needs the
passphrase to have been re-entered, builds the PDF in memory, locks it with a generated password and
writes the register row and the audit entry in one transaction. The password is returned once and
never stored. This module never writes a file: the caller writes the encrypted bytes it returns.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from ..documents.record_export import KIND_TITLES, KINDS, DocAddendum, DocNote, DocSection, ExportDocument, locked_pdf
from ..i18n import LANGUAGES, N_, tr_in
from ..vault.audit import now_utc
from .clients import GENDER_LABELS, Client, ClientService, ValidationError
from .notes import Note, NoteService
from .profile import ProfileService
from .store import Store
from .templates import template, templates

EXCEPTIONS = ("danger_self", "danger_others", "minor_abuse", "required_by_law", "other")
EXCEPTION_LABELS = {"danger_self": N_("Danger to the client's own life or safety"),
                    "danger_others": N_("Danger to other people or to public safety"),
                    "minor_abuse": N_("Abuse or neglect of a minor"),
                    "required_by_law": N_("Disclosure required by law"),
                    "other": N_("Other confidentiality exception")}
KIND_LABELS = KIND_TITLES
# Audit kinds this part writes, with their labels for the audit viewer.
AUDIT_KINDS = {"export.made": N_("Record exported (locked PDF)"),
               "export.authorization_recorded": N_("Release authorization recorded"),
               "export.release_form_printed": N_("Release authorization form printed")}

# Readable password: no 0/O, 1/I/L; 6 groups of 4 from 32 symbols = 120 bits.
PASSWORD_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PASSWORD_GROUPS = 6


def generate_password() -> str:
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(PASSWORD_GROUPS))


@dataclass(frozen=True)
class Authorization:
    id: int
    client_id: int
    recipient: str
    purpose: str
    scope: str
    expires_on: date
    signed_on: date
    recorded_at: str

    def expired(self, today: date | None = None) -> bool:
        return self.expires_on < (today or date.today())


@dataclass(frozen=True)
class Basis:
    """Either a recorded authorization (by id) or a named exception with its justification."""
    authorization_id: int | None = None
    exception: str | None = None
    justification: str = ""

    @classmethod
    def authorized(cls, authorization_id: int) -> Basis:
        return cls(authorization_id=authorization_id)

    @classmethod
    def exceptional(cls, exception: str, justification: str) -> Basis:
        return cls(exception=exception, justification=justification)


@dataclass(frozen=True)
class ExportContents:
    kind: str = "record_copy"
    date_from: date | None = None  # signed notes with a session date in [date_from, date_to]
    date_to: date | None = None
    include_notes: bool = True
    include_addenda: bool = True
    include_contacts: bool = False  # phone numbers, guardian and emergency contact
    include_private: bool = False  # private process notes: never unless ticked and confirmed
    include_tests: bool = False  # psychological test results in the period: only when chosen
    include_raw_tests: bool = False  # raw test answers (with the results): never unless ticked and confirmed
    include_group_notes: bool = False  # signed group notes of sessions attended: only when chosen, names replaced
    sensitive_confirmed: bool = False  # the second confirmation the window asks for the two above
    letter_text: str = ""  # the letter's body, the summary, or a covering note

    @property
    def sensitive(self) -> bool:
        return self.include_private or self.include_raw_tests


@dataclass(frozen=True)
class ExportPlan:
    client: Client
    contents: ExportContents
    basis: Basis
    authorization: Authorization | None
    notes: list[Note]
    drafts_left_out: int
    tests: list[int] = field(default_factory=list)  # ids of the completed tests that go out
    group_notes: list[int] = field(default_factory=list)  # ids of the signed group notes that go out


@dataclass(frozen=True)
class ExportResult:
    pdf_bytes: bytes = field(repr=False)
    password: str = field(repr=False)
    number: str
    sha256: str
    export_id: int


@dataclass(frozen=True)
class RegisterEntry:
    id: int
    number: str
    made_at: str
    made_on: date
    client_id: int | None  # None once the client's file was destroyed at the end of its retention period
    client_code: str
    recipient: str
    purpose: str
    kind: str
    lang: str
    basis_kind: str
    authorization_id: int | None
    exception: str | None
    justification: str
    contents: dict[str, object]
    sha256: str


# Part of the record kept by a later part (psychological tests): (client_id, contents, lang) -> sections.
SectionProvider = Callable[[int, ExportContents, str], builtins.list[DocSection]]
# The ids of the completed tests an export with these contents carries (none unless include_tests).
TestSelector = Callable[[int, ExportContents], builtins.list[int]]

_AUTH_COLUMNS = "id, client_id, recipient, purpose, scope, expires_on, signed_on, recorded_at"
_REGISTER_COLUMNS = ("r.id, r.number, r.made_at, r.made_on, r.client_id, c.code, r.recipient, r.purpose, r.kind, "
                     "r.lang, r.basis_kind, r.authorization_id, r.exception, r.justification, r.contents, r.sha256")


def _auth(row: tuple[object, ...]) -> Authorization:
    return Authorization(int(row[0]), int(row[1]), str(row[2]), str(row[3]), str(row[4]),  # type: ignore[call-overload]
                         date.fromisoformat(str(row[5])), date.fromisoformat(str(row[6])), str(row[7]))


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


class ExportService:
    def __init__(self, store: Store, clients: ClientService, notes: NoteService, profile: ProfileService, *,
                 section_providers: builtins.list[SectionProvider] | None = None,
                 test_selector: TestSelector | None = None, group_note_selector: TestSelector | None = None) -> None:
        self.store = store
        self.clients = clients
        self.notes = notes
        self.profile = profile
        # Other parts' sections of a record copy (e.g. the chosen test results) and their selection.
        self.section_providers: builtins.list[SectionProvider] = list(section_providers or [])
        self.test_selector: TestSelector = test_selector or (lambda _client_id, _contents: [])
        # The group notes a member's export carries (records.group_sessions): none unless chosen.
        self.group_note_selector: TestSelector = group_note_selector or (lambda _client_id, _contents: [])

    # authorizations
    def authorizations(self, client_id: int) -> builtins.list[Authorization]:
        rows = self.store.conn.execute(f"SELECT {_AUTH_COLUMNS} FROM release_authorizations WHERE client_id = ? "
                                       "ORDER BY signed_on DESC, id DESC", (client_id,))
        return [_auth(r) for r in rows]

    def authorization(self, authorization_id: int) -> Authorization:
        row = self.store.conn.execute(f"SELECT {_AUTH_COLUMNS} FROM release_authorizations WHERE id = ?",
                                      (authorization_id,)).fetchone()
        if row is None:
            raise KeyError(authorization_id)
        return _auth(row)

    def record_authorization(self, client_id: int, recipient: str, purpose: str, scope: str, expires_on: date | None,
                             signed_on: date | None) -> Authorization:
        """Record the client's signed paper authorization (the paper stays in the client's file)."""
        self.clients.get(client_id)
        errors: dict[str, str] = {}
        if not recipient.strip():
            errors["recipient"] = N_("Write who receives the records, as on the signed authorization.")
        if not purpose.strip():
            errors["purpose"] = N_("Write the purpose of the release, as on the signed authorization.")
        if not scope.strip():
            errors["scope"] = N_("Write what the client allows to be released.")
        if signed_on is None:
            errors["signed_on"] = N_("Give the date the client signed the authorization.")
        elif signed_on > date.today():
            errors["signed_on"] = N_("The authorization cannot be signed on a future date.")
        if expires_on is None:
            errors["expires_on"] = N_("Give the date the authorization expires.")
        elif expires_on < date.today():
            errors["expires_on"] = N_("This authorization has already expired: ask the client for a new one.")
        elif signed_on is not None and expires_on < signed_on:
            errors["expires_on"] = N_("The authorization cannot expire before it was signed.")
        if errors:
            raise ValidationError(errors)
        assert expires_on is not None and signed_on is not None
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO release_authorizations (client_id, recipient, purpose, scope, expires_on, "
                               "signed_on, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               (client_id, recipient.strip(), purpose.strip(), scope.strip(), expires_on.isoformat(),
                                signed_on.isoformat(), now_utc()))
            auth_id = int(cur.lastrowid)
            self.store.changed("export.authorization_recorded", "release_authorization", auth_id,
                               {"client": client_id, "expires_on": expires_on.isoformat()})
        return self.authorization(auth_id)

    def record_form_printed(self, client_id: int | None) -> None:
        """Printing the blank or filled-in form is printing, not export; it is still in the audit trail."""
        with self.store.write():
            self.store.changed("export.release_form_printed", "client", client_id,
                               {"client": client_id} if client_id is not None else {})

    # planning
    def check_basis(self, client_id: int, basis: Basis | None, today: date | None = None) -> Authorization | None:
        """Raise ValidationError unless the basis allows an export of this client's record now."""
        if basis is None or (basis.authorization_id is None and not basis.exception):
            raise ValidationError({"basis": N_("Nothing leaves the room without a basis: record the client's "
                                               "written release authorization, or name the confidentiality "
                                               "exception and justify it.")})
        if basis.authorization_id is not None and basis.exception:
            raise ValidationError({"basis": N_("Choose one basis: the authorization or an exception.")})
        if basis.authorization_id is not None:
            try:
                auth = self.authorization(basis.authorization_id)
            except KeyError:
                auth = None
            if auth is None or auth.client_id != client_id:
                raise ValidationError({"basis": N_("This authorization does not belong to this client.")})
            if auth.expired(today):
                raise ValidationError({"basis": N_("This authorization has expired. Nothing can be released under "
                                                   "it: ask the client for a new one.")})
            return auth
        if basis.exception not in EXCEPTIONS:
            raise ValidationError({"basis": N_("Choose which confidentiality exception applies.")})
        if len(basis.justification.strip()) < 6:
            raise ValidationError({"justification": N_("Write why the exception applies: what happened, what the "
                                                       "risk is and why this release is needed.")})
        return None

    def plan_export(self, client_id: int, basis: Basis | None, contents: ExportContents) -> ExportPlan:
        client = self.clients.get(client_id)
        auth = self.check_basis(client_id, basis, None)
        assert basis is not None
        if contents.kind not in KINDS:
            raise ValidationError({"kind": N_("Choose what kind of document to export.")})
        if contents.sensitive and not contents.sensitive_confirmed:
            raise ValidationError({"contents": N_("Private process notes and raw test answers go out only after "
                                                  "you confirm it a second time.")})
        if contents.date_from and contents.date_to and contents.date_from > contents.date_to:
            raise ValidationError({"date_to": N_("The end of the period is before its start.")})
        chosen: list[Note] = []
        drafts = 0
        if contents.include_notes:
            for note in self.notes.for_client(client_id):
                if contents.date_from and note.session_date < contents.date_from:
                    continue
                if contents.date_to and note.session_date > contents.date_to:
                    continue
                if note.is_signed:
                    chosen.append(note)
                else:
                    drafts += 1
        chosen.sort(key=lambda n: (n.session_date, n.id or 0))
        if contents.include_raw_tests and not contents.include_tests:
            raise ValidationError({"contents": N_("Raw test answers go out only with the test results: choose the "
                                                  "test results too.")})
        tests = self.test_selector(client_id, contents) if contents.include_tests else []
        group_notes = self.group_note_selector(client_id, contents) if contents.include_group_notes else []
        if not chosen and not tests and not group_notes and not contents.letter_text.strip():
            raise ValidationError({"contents": N_("There is nothing to export: no signed notes or test results in "
                                                  "this period and no letter or summary text.")})
        return ExportPlan(client, contents, basis, auth, chosen, drafts, tests, group_notes)

    # the export itself
    def export(self, client_id: int, basis: Basis | None, contents: ExportContents, recipient: str, purpose: str,
               passphrase_ok: bool, lang: str = "en",
               deliver: Callable[[bytes], None] | None = None) -> ExportResult:
        """Build, lock, register and audit one export. `deliver` (optional) receives the encrypted bytes
        inside the transaction: if writing them fails, no register row or audit entry remains."""
        if not passphrase_ok:
            raise ValidationError({"passphrase": N_("Re-enter your passphrase to export a record.")})
        errors: dict[str, str] = {}
        if not recipient.strip():
            errors["recipient"] = N_("Write who receives the export.")
        if not purpose.strip():
            errors["purpose"] = N_("Write the purpose of the export.")
        if lang not in LANGUAGES:
            errors["lang"] = N_("Choose the language of the document.")
        if errors:
            raise ValidationError(errors)
        plan = self.plan_export(client_id, basis, contents)
        auth = plan.authorization
        if auth is not None and not (_same(auth.recipient, recipient) and _same(auth.purpose, purpose)):
            raise ValidationError({"recipient": N_("The authorization releases records only to the recipient and "
                                                   "for the purpose written on it.")})
        password = generate_password()
        made_on = date.today()
        summary = self._contents_summary(plan)
        with self.store.write() as conn:
            number = self._next_number(made_on.year)
            doc = self._document(plan, number, made_on, recipient.strip(), purpose.strip(), lang)
            data = locked_pdf(doc, password)
            digest = hashlib.sha256(data).hexdigest()
            cur = conn.execute(
                "INSERT INTO export_register (number, made_at, made_on, client_id, recipient, purpose, kind, lang, "
                "basis_kind, authorization_id, exception, justification, contents, sha256) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (number, now_utc(), made_on.isoformat(), client_id, recipient.strip(), purpose.strip(),
                 contents.kind, lang, "authorization" if auth else "exception", auth.id if auth else None,
                 None if auth else plan.basis.exception, "" if auth else plan.basis.justification.strip(),
                 json.dumps(summary, ensure_ascii=False, sort_keys=True), digest))
            export_id = int(cur.lastrowid)
            self.store.changed("export.made", "export", export_id, {
                "number": number, "client": client_id, "kind": contents.kind,
                "basis": "authorization" if auth else str(plan.basis.exception), "notes": len(plan.notes),
                "tests": len(plan.tests), "group_notes": len(plan.group_notes), "private": contents.include_private,
                "raw_tests": contents.include_raw_tests, "sha256": digest[:16]})
            if deliver is not None:
                deliver(data)
        return ExportResult(data, password, number, digest, export_id)

    def _next_number(self, year: int) -> str:
        row = self.store.conn.execute("SELECT number FROM export_register WHERE number LIKE ? "
                                      "ORDER BY number DESC LIMIT 1", (f"EXP-{year}-%",)).fetchone()
        last = int(str(row[0]).rsplit("-", 1)[1]) if row else 0
        return f"EXP-{year}-{last + 1:04d}"

    @staticmethod
    def _contents_summary(plan: ExportPlan) -> dict[str, object]:
        c = plan.contents
        return {"notes": len(plan.notes), "note_ids": [n.id for n in plan.notes],
                "from": c.date_from.isoformat() if c.date_from else None,
                "to": c.date_to.isoformat() if c.date_to else None,
                "addenda": c.include_addenda and c.include_notes, "contacts": c.include_contacts,
                "tests": len(plan.tests), "test_ids": plan.tests,
                "group_notes": len(plan.group_notes), "group_note_ids": plan.group_notes,
                "private": c.include_private, "raw_tests": c.include_raw_tests,
                "letter": bool(c.letter_text.strip())}

    def _basis_sentence(self, plan: ExportPlan, lang: str) -> str:
        auth = plan.authorization
        if auth is not None:
            return tr_in(lang, N_("The client's written release authorization signed on {signed}, valid until "
                                  "{expires}. It releases: {scope}"), signed=auth.signed_on.isoformat(),
                         expires=auth.expires_on.isoformat(), scope=auth.scope)
        return tr_in(lang, N_("Confidentiality exception: {exception}. {justification}"),
                     exception=tr_in(lang, EXCEPTION_LABELS[str(plan.basis.exception)]),
                     justification=plan.basis.justification.strip())

    def _client_rows(self, client: Client, contents: ExportContents, lang: str) -> list[tuple[str, str]]:
        def t(msgid: str) -> str:
            return tr_in(lang, msgid)

        age = client.age()
        dob = client.date_of_birth.isoformat() if client.date_of_birth else ""
        rows = [(t(N_("Client code")), client.code), (t(N_("Name")), client.name),
                (t(N_("Gender")), t(GENDER_LABELS.get(client.gender, "")) if client.gender else ""),
                (t(N_("Date of birth")), tr_in(lang, N_("{date} (age {age})"), date=dob, age=age) if dob else ""),
                (t(N_("School")), client.school), (t(N_("Department")), client.department),
                (t(N_("Class")), client.class_name)]
        if contents.include_contacts:
            rows += [(t(N_("Phone")), client.phone), (t(N_("Guardian")), client.guardian_name),
                     (t(N_("Guardian's phone")), client.guardian_phone),
                     (t(N_("Emergency contact")), client.emergency_name),
                     (t(N_("Emergency contact's phone")), client.emergency_phone)]
        return [(k, v) for k, v in rows if v]

    def _document(self, plan: ExportPlan, number: str, made_on: date, recipient: str, purpose: str,
                  lang: str) -> ExportDocument:
        contents = plan.contents
        profile = self.profile.get()

        def t(msgid: str) -> str:
            return tr_in(lang, msgid)

        counselor = [(t(N_("Counselor")), profile.name), (t(N_("Qualifications")), profile.qualifications),
                     (t(N_("Certificate number")), profile.certificate_no),
                     (t(N_("Counseling room")), profile.room), (t(N_("Institution")), profile.institution),
                     (t(N_("Contact")), profile.contact)]
        doc_notes = []
        for note in plan.notes:
            assert note.id is not None
            tpl = template(note.template) if note.template in templates() else None
            titles = {s.key: s.title(lang) for s in tpl.sections} if tpl else {}
            keys = [*titles, *(k for k in note.content if k not in titles)]
            addenda = [DocAddendum(a.text, a.signed_at, a.signed_by, a.short_fingerprint)
                       for a in self.notes.addenda(note.id)] if contents.include_addenda else []
            doc_notes.append(DocNote(
                session_date=note.session_date, form_title=tpl.title(lang) if tpl else note.template,
                sections=[(titles.get(k, k), note.content.get(k, "")) for k in keys],
                signed_at=note.signed_at or "", signed_by=note.signed_by or "", fingerprint=note.short_fingerprint,
                addenda=addenda,
                private_text=self.notes.private_text(note.id) if contents.include_private else None))
        sections = [s for provider in self.section_providers for s in provider(plan.client.id or 0, contents, lang)]
        return ExportDocument(
            lang=lang, kind=contents.kind, number=number, made_on=made_on, recipient=recipient, purpose=purpose,
            basis=self._basis_sentence(plan, lang), counselor=[(k, v) for k, v in counselor if v],
            room=profile.room, institution=profile.institution,
            client=self._client_rows(plan.client, contents, lang), letter_text=contents.letter_text,
            notes=doc_notes, sections=sections, counselor_name=profile.name)

    # the register
    def register(self, client_id: int | None = None) -> builtins.list[RegisterEntry]:
        where, args = ("WHERE r.client_id = ?", (client_id,)) if client_id is not None else ("", ())
        rows = self.store.conn.execute(f"SELECT {_REGISTER_COLUMNS} FROM export_register r "
                                       f"LEFT JOIN clients c ON c.id = r.client_id {where} "
                                       "ORDER BY r.made_at DESC, r.id DESC", args)
        return [RegisterEntry(int(r[0]), str(r[1]), str(r[2]), date.fromisoformat(str(r[3])),
                              None if r[4] is None else int(r[4]), str(r[5] or ""),
                              str(r[6]), str(r[7]), str(r[8]), str(r[9]), str(r[10]),
                              None if r[11] is None else int(r[11]), r[12], str(r[13]), json.loads(str(r[14])),
                              str(r[15])) for r in rows]


__all__ = ["AUDIT_KINDS", "EXCEPTIONS", "EXCEPTION_LABELS", "KINDS", "KIND_LABELS", "Authorization", "Basis",
           "ExportContents", "ExportPlan", "ExportResult", "ExportService", "RegisterEntry",
           "generate_password"]
