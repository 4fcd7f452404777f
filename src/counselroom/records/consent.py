"""Informed consent: the room's versioned templates, each client's checklist, signing on paper or on
screen, withdrawal, the gate that keeps session notes behind a complete consent, and groups with their
confidentiality agreements.

Templates are data (resources/consent/*.json) copied into the vault on first use; adapting one in the
window saves a new version and never changes an older one, so every consent keeps the words it was
explained and signed under. A client's status comes from their latest consent:

- pending: not every applicable item is ticked as explained yet (or no consent is started);
- complete: every item explained, not signed yet (no session note or test yet: ticked is not signed);
- guardian_unsigned: a client under 18 signed, the guardian has not (the guardian signs on their own, on paper
  or on screen); no session note or test yet;
- signed: signed on paper (date recorded) or on screen (image kept in the vault), and for a client under 18
  by the guardian too: only this opens session notes and tests;
- out_of_date: made under an older template version: the program asks for re-consent;
- withdrawn: the client withdrew everything. Withdrawing recording only keeps the consent.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from typing import Any

from ..documents import consent_form
from ..documents.consent_form import CONSENT, GROUP_AGREEMENT, ConsentFormData, FormItem
from ..i18n import N_, language
from ..shipped import resource
from ..vault.audit import now_utc
from ..vault.errors import VaultError
from .clients import ADULT_AGE, Client, ClientService, ValidationError
from .profile import Profile, ProfileService
from .retention import RetentionService, Rule
from .retention_promise import PLACEHOLDER as RETENTION_PLACEHOLDER
from .retention_promise import promise
from .settings import SettingsService
from .store import Store

TEMPLATE_DIR = resource("consent")
TEMPLATE_FILES = {CONSENT: "standard.json", GROUP_AGREEMENT: "group_agreement.json"}
KINDS = (CONSENT, GROUP_AGREEMENT)
LANGS = ("zh_CN", "en")

PENDING, COMPLETE, SIGNED, WITHDRAWN, OUT_OF_DATE = "pending", "complete", "signed", "withdrawn", "out_of_date"
GUARDIAN_UNSIGNED = "guardian_unsigned"
STATUSES = (PENDING, COMPLETE, GUARDIAN_UNSIGNED, SIGNED, WITHDRAWN, OUT_OF_DATE)
STATUS_LABELS = {PENDING: N_("Pending"), COMPLETE: N_("Complete (not signed yet)"),
                 GUARDIAN_UNSIGNED: N_("Signed by the client; the guardian has not signed yet"),
                 SIGNED: N_("Signed"), WITHDRAWN: N_("Withdrawn"), OUT_OF_DATE: N_("Out of date: re-consent needed")}
# Only a signed consent (and for a client under 18 the guardian's signature too) opens notes and tests.
PASSES_GATE = (SIGNED,)
SCOPES = ("all", "recording")
SCOPE_LABELS = {"all": N_("Everything (ends the consent)"), "recording": N_("Audio and video recording only")}
PROFILE_PLACEHOLDERS = ("counselor", "qualifications", "certificate_no", "institution", "room", "contact")
BLANK = "________"
# Built-in consent forms replaced by a later built-in version (sha256 of their stored content). A vault whose
# current form is one of these, unadapted, gets the new built-in version: version 1 promised "until three
# years after graduation" whatever the retention rule said; version 2 renders the promise from the rules.
SUPERSEDED_BUILTINS = {"3feb33da390ff944ba00838e1ad1b2dd4c3cac8417ee0f38ef183c77c3143ced"}
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PROFILE_PLACEHOLDERS) + r")\}")


class ConsentRequired(VaultError):
    """Raised by the notes gate. `status` says why; the window takes the counselor to the checklist."""

    msgid = N_("Consent is not complete for this client. Tick every item of the consent checklist as explained "
               "(Consent tab) before writing a session note.")

    def __init__(self, client_id: int, status: str, for_test: bool = False) -> None:
        msgid = {
            OUT_OF_DATE: N_("Consent is not complete for this client: the consent form has changed since it was "
                            "given. Go through the new form with the client (re-consent on the Consent tab) "
                            "before writing a session note."),
            WITHDRAWN: N_("Consent is not complete for this client: the client has withdrawn consent. Record a "
                          "new consent on the Consent tab if the client agrees again."),
            COMPLETE: N_("The consent is ticked but not signed. Record the signed paper form, or let the client sign "
                         "on screen (Consent tab), before writing a session note."),
            GUARDIAN_UNSIGNED: N_("The client is under 18 and the guardian has not signed the consent. Record the "
                                  "guardian's signature (on paper or on screen, Consent tab) before writing a session "
                                  "note."),
        }.get(status)
        if for_test:
            msgid = {
                COMPLETE: N_("The consent is ticked but not signed. A psychological test is given only after the "
                             "consent is signed (Consent tab)."),
                GUARDIAN_UNSIGNED: N_("The client is under 18 and the guardian has not signed the consent. A "
                                      "psychological test is given only after both have signed (Consent tab)."),
            }.get(status, N_("A psychological test is given only after the client's consent is complete and signed "
                             "(Consent tab)."))
        super().__init__(msgid)
        self.client_id = client_id
        self.status = status


class ConsentLocked(VaultError):
    msgid = N_("This consent is signed, so its checklist cannot be changed. Record a withdrawal, or start a new "
               "consent, instead.")


# -- templates ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateItem:
    id: str
    titles: dict[str, str]
    texts: dict[str, str]
    opt_in: bool = False
    minors_only: bool = False

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles.get("en", "")

    def text(self, lang: str) -> str:
        return self.texts.get(lang) or self.texts.get("en", "")


@dataclass(frozen=True)
class ConsentTemplate:
    kind: str
    version: int
    titles: dict[str, str]
    intros: dict[str, str]
    declarations: dict[str, str]
    items: tuple[TemplateItem, ...]
    created_at: str = ""

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles.get("en", "")

    def item(self, item_id: str) -> TemplateItem:
        return next(i for i in self.items if i.id == item_id)

    def applicable(self, minor: bool | None) -> list[TemplateItem]:
        """The items that apply to this client (the guardian item only to minors; None: every item)."""
        return [i for i in self.items if minor is None or minor or not i.minors_only]

    def content(self) -> dict[str, Any]:
        """The template as stored: everything but the version and the time it was saved."""
        return {"kind": self.kind, "title": self.titles, "intro": self.intros, "declaration": self.declarations,
                "items": [{"id": i.id, "title": i.titles, "text": i.texts,
                           **({"opt_in": True} if i.opt_in else {}),
                           **({"minors_only": True} if i.minors_only else {})} for i in self.items]}

    @classmethod
    def from_content(cls, doc: dict[str, Any], version: int, created_at: str = "") -> ConsentTemplate:
        items = tuple(TemplateItem(str(i["id"]), dict(i["title"]), dict(i["text"]), bool(i.get("opt_in")),
                                   bool(i.get("minors_only"))) for i in doc["items"])
        return cls(str(doc["kind"]), version, dict(doc["title"]), dict(doc.get("intro", {})),
                   dict(doc.get("declaration", {})), items, created_at)


@cache
def builtin_template(kind: str = CONSENT) -> ConsentTemplate:
    doc = json.loads((TEMPLATE_DIR / TEMPLATE_FILES[kind]).read_text("utf-8"))
    return ConsentTemplate.from_content(doc, int(doc["version"]))


def fill(text: str, profile: Profile | None, retention: str | None = None) -> str:
    """Put the counselor's details into a text; an unknown detail leaves a line to fill in by hand. `{retention}`
    becomes the promise about keeping records made from the room's rules (`retention`; the default rules'
    promise in the language shown when none is given)."""
    values = {"counselor": profile.name if profile else ""}
    for key in PROFILE_PLACEHOLDERS[1:]:
        values[key] = str(getattr(profile, key, "") or "") if profile else ""
    if RETENTION_PLACEHOLDER in text:
        text = text.replace(RETENTION_PLACEHOLDER, retention if retention is not None else promise(None, language()))
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)].strip() or BLANK, text)


def validate_template(template: ConsentTemplate) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not template.items:
        errors["items"] = N_("A form needs at least one item.")
    for lang in LANGS:
        if not template.title(lang).strip() or template.titles.get(lang, "").strip() == "":
            errors["title"] = N_("Give the form a title in both languages.")
    for item in template.items:
        for lang in LANGS:
            if not item.titles.get(lang, "").strip() or not item.texts.get(lang, "").strip():
                errors[f"item:{item.id}"] = N_("Every item needs a title and a text in both Chinese and English.")
    if len({i.id for i in template.items}) != len(template.items):
        errors["items"] = N_("Two items have the same identifier.")
    if template.kind == CONSENT and not all(any(RETENTION_PLACEHOLDER in i.texts.get(lang, "") for i in template.items)
                                            for lang in LANGS):
        errors["retention"] = N_("The form must say how long records are kept as the room's retention rules say: "
                                 "keep {retention} in the text about records, in both languages (it is replaced by "
                                 "the rule when the form is shown).")
    return errors


# -- per-client consent -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Withdrawal:
    id: int
    consent_id: int
    scope: str
    withdrawn_on: date
    note: str
    recorded_at: str


@dataclass(frozen=True)
class GuardianSignature:
    """A guardian's own signature on a minor's consent: on paper (the date recorded) or on screen."""
    id: int
    consent_id: int
    client_id: int
    guardian_name: str
    signed_on: date
    signed_how: str
    has_signature: bool
    recorded_at: str


@dataclass
class Consent:
    id: int
    client_id: int
    template_version: int
    explained: list[str]
    questions: dict[str, str]
    recording: bool
    signed_on: date | None
    signed_how: str | None
    fingerprint: str | None
    has_signature: bool
    created_at: str
    updated_at: str
    withdrawals: list[Withdrawal] = field(default_factory=list)
    guardian: GuardianSignature | None = None
    retention_promise: dict[str, str] = field(default_factory=dict)  # as signed (rendered from the rules then)

    @property
    def is_signed(self) -> bool:
        return self.signed_on is not None

    @property
    def withdrawn_all(self) -> Withdrawal | None:
        return next((w for w in self.withdrawals if w.scope == "all"), None)

    @property
    def recording_withdrawn(self) -> Withdrawal | None:
        return next((w for w in self.withdrawals if w.scope in ("recording", "all")), None)

    @property
    def recording_allowed(self) -> bool:
        """May sessions be recorded now? Only with the opt-in ticked and not withdrawn since."""
        return self.recording and self.recording_withdrawn is None

    @property
    def document_no(self) -> str:
        return f"CF-{self.created_at[:4]}-{self.id:06d}"


@dataclass(frozen=True)
class ConsentState:
    client_id: int
    status: str
    consent: Consent | None
    template: ConsentTemplate  # the version the consent is under (the current one when none is started)
    current_version: int
    minor: bool
    missing: tuple[str, ...]  # applicable items not yet ticked as explained

    @property
    def items(self) -> list[TemplateItem]:
        return self.template.applicable(self.minor)


_CONSENT_COLUMNS = ("id", "client_id", "template_version", "explained", "questions", "recording", "signed_on",
                    "signed_how", "fingerprint", "signature IS NOT NULL", "created_at", "updated_at",
                    "retention_promise")


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _guardian_row(row: tuple[Any, ...]) -> GuardianSignature:
    return GuardianSignature(int(row[0]), int(row[1]), int(row[2]), str(row[3]), date.fromisoformat(str(row[4])),
                             str(row[5]), bool(row[6]), str(row[7]))


def _consent_row(row: tuple[Any, ...]) -> Consent:
    return Consent(id=int(row[0]), client_id=int(row[1]), template_version=int(row[2]),
                   explained=list(json.loads(row[3])), questions=dict(json.loads(row[4])), recording=bool(row[5]),
                   signed_on=date.fromisoformat(row[6]) if row[6] else None, signed_how=row[7],
                   fingerprint=row[8], has_signature=bool(row[9]), created_at=str(row[10]), updated_at=str(row[11]),
                   retention_promise=dict(json.loads(row[12])) if row[12] else {})


# Open clients whose latest consent does not pass the gate: all but those signed under the current form (or a
# later one), not withdrawn, by an adult or with a guardian's signature. Parameters: current version, the
# latest birth date of an adult.
_NOT_SIGNED_SQL = (
    "FROM clients c LEFT JOIN consents k ON k.id = (SELECT max(id) FROM consents WHERE client_id = c.id) "
    "WHERE c.archived_at IS NULL AND c.status != 'closed' AND NOT (k.signed_on IS NOT NULL "
    "AND k.template_version >= ? AND NOT EXISTS (SELECT 1 FROM consent_withdrawals w "
    "WHERE w.consent_id = k.id AND w.scope = 'all') AND (c.date_of_birth IS NULL OR c.date_of_birth <= ? "
    "OR EXISTS (SELECT 1 FROM guardian_signatures g WHERE g.consent_id = k.id)))")


def status_of(consent: Consent | None, template: ConsentTemplate, current_version: int, minor: bool) -> str:
    if consent is None:
        return PENDING
    if consent.withdrawn_all is not None:
        return WITHDRAWN
    if consent.template_version < current_version:
        return OUT_OF_DATE
    if consent.is_signed:
        return GUARDIAN_UNSIGNED if minor and consent.guardian is None else SIGNED
    missing = [i.id for i in template.applicable(minor) if i.id not in consent.explained]
    return PENDING if missing else COMPLETE


# -- groups -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    description: str
    created_at: str


@dataclass(frozen=True)
class GroupAgreement:
    id: int
    group_id: int
    client_id: int
    template_version: int
    agreed_on: date
    signed_how: str
    has_signature: bool
    recorded_at: str


@dataclass(frozen=True)
class Member:
    client_id: int
    code: str
    name: str
    added_on: date
    removed_on: date | None
    agreement: GroupAgreement | None

    @property
    def display_name(self) -> str:
        return self.name or self.code


def _not_future(value: date, key: str) -> None:
    if value > date.today():
        raise ValidationError({key: N_("The date cannot be in the future.")})


class ConsentService:
    def __init__(self, store: Store, clients: ClientService, profile: ProfileService) -> None:
        self.store = store
        self.clients = clients
        self.profile = profile
        self._parsed: dict[tuple[str, int], ConsentTemplate] = {}  # saved versions never change
        self._builtin_checked = False

    # -- templates ------------------------------------------------------------------------------------------------

    def retention_rules(self) -> dict[str, Rule]:
        return RetentionService(self.store, self.clients, SettingsService(self.store)).rules()

    def retention_promise(self, lang: str) -> str:
        """What the consent form says about keeping records now: rendered from the room's retention rules."""
        return promise(self.retention_rules(), lang)

    def _seed(self, kind: str) -> None:
        builtin = builtin_template(kind)
        with self.store.write() as conn:
            if conn.execute("SELECT 1 FROM consent_templates WHERE kind = ?", (kind,)).fetchone():
                return
            conn.execute("INSERT INTO consent_templates (kind, version, content, created_at) VALUES (?, ?, ?, ?)",
                         (kind, builtin.version, json.dumps(builtin.content(), ensure_ascii=False), now_utc()))
            self.store.changed("consent_template.seeded", "consent_template", builtin.version, {"kind": kind})

    def _replace_superseded_builtin(self) -> None:
        """Once per session: an unadapted superseded built-in form is followed by the current built-in one."""
        self._builtin_checked = True
        row = self.store.conn.execute("SELECT version, content FROM consent_templates WHERE kind = ? "
                                      "ORDER BY version DESC LIMIT 1", (CONSENT,)).fetchone()
        if row is None:
            return
        stored = json.loads(row[1])
        digest = hashlib.sha256(json.dumps(stored, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()
        builtin = builtin_template(CONSENT)
        if digest not in SUPERSEDED_BUILTINS or builtin.content() == stored:
            return
        with self.store.write() as conn:
            version = int(row[0]) + 1
            conn.execute("INSERT INTO consent_templates (kind, version, content, created_at) VALUES (?, ?, ?, ?)",
                         (CONSENT, version, json.dumps(builtin.content(), ensure_ascii=False), now_utc()))
            self.store.changed("consent_template.builtin_updated", "consent_template", version,
                               {"kind": CONSENT, "builtin": builtin.version})

    def template(self, kind: str = CONSENT, version: int | None = None) -> ConsentTemplate:
        """The room's template: the current version, or a given older one."""
        if version is None and kind == CONSENT and not self._builtin_checked:
            self._replace_superseded_builtin()
        if version is None:
            row = self.store.conn.execute("SELECT max(version) FROM consent_templates WHERE kind = ?",
                                          (kind,)).fetchone()
            if row is None or row[0] is None:
                self._seed(kind)
                return self.template(kind)
            version = int(row[0])
        cached = self._parsed.get((kind, version))
        if cached is not None:
            return cached
        row = self.store.conn.execute("SELECT content, created_at FROM consent_templates WHERE kind = ? AND "
                                      "version = ?", (kind, version)).fetchone()
        if row is None:
            raise KeyError(version)
        template = ConsentTemplate.from_content(json.loads(row[0]), version, str(row[1]))
        self._parsed[(kind, version)] = template
        return template

    def versions(self, kind: str = CONSENT) -> builtins.list[int]:
        rows = self.store.conn.execute("SELECT version FROM consent_templates WHERE kind = ? ORDER BY version",
                                       (kind,))
        return [int(r[0]) for r in rows]

    def current_version(self, kind: str = CONSENT) -> int:
        return self.template(kind).version

    def save_template(self, template: ConsentTemplate) -> ConsentTemplate:
        """Save an adapted template as a new version (unchanged content saves nothing)."""
        if template.kind not in KINDS:
            raise ValueError(template.kind)
        errors = validate_template(template)
        if errors:
            raise ValidationError(errors)
        current = self.template(template.kind)
        if template.content() == current.content():
            return current
        version = current.version + 1
        changed_items = [i.id for i in template.items
                         if i.id not in {c.id for c in current.items} or i != current.item(i.id)]
        with self.store.write() as conn:
            conn.execute("INSERT INTO consent_templates (kind, version, content, created_at) VALUES (?, ?, ?, ?)",
                         (template.kind, version, json.dumps(template.content(), ensure_ascii=False), now_utc()))
            self.store.changed("consent_template.saved", "consent_template", version,
                               {"kind": template.kind, "items_changed": changed_items})
        return self.template(template.kind)

    def signed_under_current(self) -> int:
        """How many clients hold a signed consent under the current version (a change asks them all again)."""
        version = self.current_version()
        row = self.store.conn.execute(
            "SELECT count(*) FROM consents c WHERE c.id = (SELECT max(id) FROM consents WHERE client_id = c.client_id) "
            "AND c.signed_on IS NOT NULL AND c.template_version = ? AND NOT EXISTS (SELECT 1 FROM "
            "consent_withdrawals w WHERE w.consent_id = c.id AND w.scope = 'all')", (version,)).fetchone()
        return int(row[0])

    # -- reading a client's consent ------------------------------------------------------------------------------

    def _select(self, where: str, args: tuple[object, ...]) -> builtins.list[Consent]:
        rows = self.store.conn.execute(f"SELECT {', '.join(_CONSENT_COLUMNS)} FROM consents WHERE {where} "
                                       "ORDER BY id", args).fetchall()
        consents = [_consent_row(r) for r in rows]
        for c in consents:
            c.withdrawals = self._withdrawals(c.id)
            c.guardian = self.guardian_signature(c.id)
        return consents

    def guardian_signature(self, consent_id: int) -> GuardianSignature | None:
        row = self.store.conn.execute(
            "SELECT id, consent_id, client_id, guardian_name, signed_on, signed_how, signature IS NOT NULL, "
            "recorded_at FROM guardian_signatures WHERE consent_id = ? ORDER BY id LIMIT 1", (consent_id,)).fetchone()
        return None if row is None else _guardian_row(row)

    def _withdrawals(self, consent_id: int) -> builtins.list[Withdrawal]:
        rows = self.store.conn.execute("SELECT id, consent_id, scope, withdrawn_on, note, recorded_at FROM "
                                       "consent_withdrawals WHERE consent_id = ? ORDER BY id", (consent_id,))
        return [Withdrawal(int(r[0]), int(r[1]), str(r[2]), date.fromisoformat(r[3]), str(r[4]), str(r[5]))
                for r in rows]

    def get(self, consent_id: int) -> Consent:
        found = self._select("id = ?", (consent_id,))
        if not found:
            raise KeyError(consent_id)
        return found[0]

    def history(self, client_id: int) -> builtins.list[Consent]:
        return self._select("client_id = ?", (client_id,))

    def current(self, client_id: int) -> Consent | None:
        found = self._select("id = (SELECT max(id) FROM consents WHERE client_id = ?)", (client_id,))
        return found[0] if found else None

    def state(self, client_id: int, today: date | None = None) -> ConsentState:
        client = self.clients.get(client_id)
        minor = client.is_minor(today)
        current = self.template()
        consent = self.current(client_id)
        template = current if consent is None else self.template(version=consent.template_version)
        status = status_of(consent, template, current.version, minor)
        explained = consent.explained if consent else []
        missing = tuple(i.id for i in template.applicable(minor) if i.id not in explained)
        return ConsentState(client_id, status, consent, template, current.version, minor, missing)

    def status(self, client_id: int) -> str:
        return self.state(client_id).status

    def require_consent(self, client_id: int) -> None:
        """The gate before a new session note: only a signed consent passes (for a client under 18, signed by the
        guardian too). Ticked but not signed does not."""
        status = self.status(client_id)
        if status not in PASSES_GATE:
            raise ConsentRequired(client_id, status)

    def require_consent_for_test(self, client_id: int) -> None:
        """The same gate before a psychological test is started."""
        status = self.status(client_id)
        if status not in PASSES_GATE:
            raise ConsentRequired(client_id, status, for_test=True)

    def first_consent_day(self, client_id: int) -> date | None:
        """The day the client first gave consent: the earliest day any of their consents was signed (on paper
        or on screen). Sessions cannot come before it. None while nothing was signed: the note gate decides."""
        return min((c.signed_on for c in self.history(client_id) if c.signed_on is not None), default=None)

    def count_needing_attention(self) -> int:
        """How many clients `needing_attention()` lists, counted in SQL (the dashboard's line). Every open client
        the query leaves is one it lists: with no consent (pending), its latest consent withdrawn, under an
        older form, not yet signed (pending or complete) or a minor's signed without a guardian's signature."""
        row = self.store.conn.execute(f"SELECT count(*) {_NOT_SIGNED_SQL}",
                                      (self.template().version,
                                       _years_before(date.today(), ADULT_AGE).isoformat())).fetchone()
        return int(row[0])

    def needing_attention(self) -> builtins.list[tuple[int, str]]:
        """(client id, status) for open clients whose consent is missing, pending, out of date or withdrawn.
        Three queries whatever the number of clients (the dashboard asks at every unlock): the open clients
        with their latest consent — leaving out in SQL those signed under the current form and not withdrawn,
        which pass — then the withdrawals of the consents left; `status_of` decides as for one client."""
        conn = self.store.conn
        current = self.template()
        columns = ", ".join(f"k.{c}" for c in _CONSENT_COLUMNS)
        rows = conn.execute(
            f"SELECT c.id, c.code, c.date_of_birth, k.id IS NOT NULL, {columns} {_NOT_SIGNED_SQL} "
            "ORDER BY c.code COLLATE NOCASE",
            (current.version, _years_before(date.today(), ADULT_AGE).isoformat())).fetchall()  # clients.list() order
        consents = {int(r[0]): _consent_row(r[4:]) for r in rows if r[3]}
        signed_by_id = {c.id: c for c in consents.values() if c.is_signed}
        signed = sorted(signed_by_id)
        if signed:  # a minor's guardian signature, for every signed consent left, in one question
            for g in conn.execute(
                    "SELECT id, consent_id, client_id, guardian_name, signed_on, signed_how, signature IS NOT NULL, "
                    "recorded_at FROM guardian_signatures WHERE consent_id IN (SELECT value FROM json_each(?)) "
                    "ORDER BY id DESC", (json.dumps(signed),)):
                signed_by_id[int(g[1])].guardian = _guardian_row(g)  # the earliest wins (rows newest first)
        by_id = {c.id: c for c in consents.values()}
        if by_id:
            withdrawals = conn.execute("SELECT id, consent_id, scope, withdrawn_on, note, recorded_at FROM "
                                       "consent_withdrawals WHERE consent_id IN (SELECT value FROM json_each(?)) "
                                       "ORDER BY id", (json.dumps(sorted(by_id)),))
            for w in withdrawals:
                by_id[int(w[1])].withdrawals.append(
                    Withdrawal(int(w[0]), int(w[1]), str(w[2]), date.fromisoformat(w[3]), str(w[4]), str(w[5])))
        today = date.today()
        out = []
        for r in rows:
            client_id, code, born = int(r[0]), str(r[1]), r[2]
            born_on = date.fromisoformat(str(born)) if born else None
            minor = Client(code=code, date_of_birth=born_on).is_minor(today)
            consent = consents.get(client_id)
            template = current if consent is None else self.template(version=consent.template_version)
            status = status_of(consent, template, current.version, minor)
            if status not in PASSES_GATE:
                out.append((client_id, status))
        return out

    # -- writing a client's consent ------------------------------------------------------------------------------

    def start(self, client_id: int) -> Consent:
        """The consent to work on: the current one if it is still open under the current template, otherwise a new
        one (first consent, re-consent after a template change, or a new consent after a withdrawal)."""
        state = self.state(client_id)
        if state.consent is not None and state.status in (PENDING, COMPLETE, SIGNED):
            return state.consent
        now = now_utc()
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO consents (client_id, template_version, created_at, updated_at) "
                               "VALUES (?, ?, ?, ?)", (client_id, state.current_version, now, now))
            consent_id = cur.lastrowid
            kind = "consent.started" if state.consent is None else "consent.restarted"
            self.store.changed(kind, "consent", consent_id, {"client": client_id, "version": state.current_version,
                                                             "previous_status": state.status})
        return self.get(consent_id)

    def _open(self, consent_id: int) -> Consent:
        consent = self.get(consent_id)
        if consent.is_signed:
            raise ConsentLocked()
        if consent.withdrawn_all is not None:
            raise ValidationError({"consent": N_("This consent was withdrawn. Start a new consent instead.")})
        return consent

    def set_explained(self, consent_id: int, item_id: str, explained: bool = True) -> Consent:
        consent = self._open(consent_id)
        template = self.template(version=consent.template_version)
        if item_id not in {i.id for i in template.items}:
            raise ValidationError({"item": N_("This item is not on the consent form.")})
        items = [i for i in consent.explained if i != item_id] + ([item_id] if explained else [])
        order = [i.id for i in template.items]
        items.sort(key=order.index)
        with self.store.write() as conn:
            conn.execute("UPDATE consents SET explained = ?, updated_at = ? WHERE id = ?",
                         (json.dumps(items), now_utc(), consent_id))
            self.store.changed("consent.item_explained" if explained else "consent.item_unticked", "consent",
                               consent_id, {"client": consent.client_id, "item": item_id})
        return self.get(consent_id)

    def set_question(self, consent_id: int, item_id: str, text: str) -> Consent:
        """The client's questions about an item, as typed. Consecutive saves of one consent make one entry."""
        consent = self._open(consent_id)
        questions = dict(consent.questions)
        if text.strip():
            questions[item_id] = text
        else:
            questions.pop(item_id, None)
        if questions == consent.questions:
            return consent
        with self.store.write() as conn:
            conn.execute("UPDATE consents SET questions = ?, updated_at = ? WHERE id = ?",
                         (json.dumps(questions, ensure_ascii=False), now_utc(), consent_id))
            last = self.store.audit.entries(limit=1)
            if last and last[0].kind == "consent.questions_saved" and last[0].entity_id == consent_id:
                self.store.notify("consent", consent_id)
            else:
                self.store.changed("consent.questions_saved", "consent", consent_id, {"client": consent.client_id})
        return self.get(consent_id)

    def set_recording(self, consent_id: int, agreed: bool) -> Consent:
        consent = self._open(consent_id)
        if consent.recording == agreed:
            return consent
        with self.store.write() as conn:
            conn.execute("UPDATE consents SET recording = ?, updated_at = ? WHERE id = ?",
                         (int(agreed), now_utc(), consent_id))
            self.store.changed("consent.recording_set", "consent", consent_id,
                               {"client": consent.client_id, "recording": agreed})
        return self.get(consent_id)

    def record_checklist(self, client_id: int, items: builtins.list[str] | None = None, recording: bool = False,
                         questions: dict[str, str] | None = None) -> Consent:
        """Record in one step that the items (by default every applicable one) were explained, for example
        after going through the paper checklist with the client."""
        with self.store.write():
            consent = self.start(client_id)
            state = self.state(client_id)
            for item_id in items if items is not None else [i.id for i in state.items]:
                if item_id not in consent.explained:
                    consent = self.set_explained(consent.id, item_id)
            for item_id, text in (questions or {}).items():
                consent = self.set_question(consent.id, item_id, text)
            consent = self.set_recording(consent.id, recording)
        return consent

    def _sign(self, consent_id: int, signed_on: date, how: str, png: bytes | None) -> Consent:
        consent = self._open(consent_id)
        state = self.state(consent.client_id)
        if state.consent is None or state.consent.id != consent_id:
            raise ValidationError({"consent": N_("Only the client's current consent can be signed.")})
        if state.status == OUT_OF_DATE:
            raise ValidationError({"consent": N_("The consent form has changed since this checklist was started: "
                                                 "start the re-consent and go through the new form.")})
        if state.status != COMPLETE:
            raise ValidationError({"consent": N_("Tick every item as explained before the form is signed.")})
        _not_future(signed_on, "signed_on")
        prints = {lang: consent_form.fingerprint(self.form_data(consent_id, lang)) for lang in LANGS}
        promised = {lang: self.retention_promise(lang) for lang in LANGS}  # kept as signed
        with self.store.write() as conn:
            conn.execute("UPDATE consents SET signed_on = ?, signed_how = ?, signature = ?, fingerprint = ?, "
                         "retention_promise = ?, updated_at = ? WHERE id = ? AND signed_on IS NULL",
                         (signed_on.isoformat(), how, png, json.dumps(prints), json.dumps(promised, ensure_ascii=False),
                          now_utc(), consent_id))
            self.store.changed("consent.signed", "consent", consent_id,
                               {"client": consent.client_id, "how": how, "version": consent.template_version,
                                "fingerprint": consent_form.short_fingerprint(prints["zh_CN"])})
        return self.get(consent_id)

    def _sign_guardian(self, consent_id: int, guardian_name: str, signed_on: date, how: str,
                       png: bytes | None) -> Consent:
        consent = self.get(consent_id)
        if consent.withdrawn_all is not None:
            raise ValidationError({"consent": N_("This consent was withdrawn. Start a new consent instead.")})
        state = self.state(consent.client_id)
        if state.consent is None or state.consent.id != consent_id:
            raise ValidationError({"consent": N_("Only the client's current consent can be signed.")})
        if not state.minor:
            raise ValidationError({"guardian": N_("The client is not under 18: the consent needs no guardian's "
                                                  "signature.")})
        if state.status not in (COMPLETE, GUARDIAN_UNSIGNED):
            raise ValidationError({"consent": N_("Tick every item as explained before the form is signed.")
                                   if state.status == PENDING else N_("The guardian has already signed.")})
        if not guardian_name.strip():
            raise ValidationError({"guardian_name": N_("Write the name of the guardian who signs.")})
        _not_future(signed_on, "signed_on")
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO guardian_signatures (consent_id, client_id, guardian_name, signed_on, "
                               "signed_how, signature, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               (consent_id, consent.client_id, guardian_name.strip(), signed_on.isoformat(), how, png,
                                now_utc()))
            self.store.changed("consent.guardian_signed", "consent", consent_id,
                               {"client": consent.client_id, "how": how, "signature": cur.lastrowid})
        return self.get(consent_id)

    def guardian_sign_on_paper(self, consent_id: int, guardian_name: str, signed_on: date) -> Consent:
        """The guardian signed the printed form on paper on that date (a minor's consent needs it)."""
        return self._sign_guardian(consent_id, guardian_name, signed_on, "paper", None)

    def guardian_sign_on_screen(self, consent_id: int, guardian_name: str, png: bytes,
                                signed_on: date | None = None) -> Consent:
        if not png.startswith(b"\x89PNG"):
            raise ValidationError({"signature": N_("The signature is empty. Ask the guardian to sign in the box.")})
        return self._sign_guardian(consent_id, guardian_name, signed_on or date.today(), "screen", png)

    def guardian_signature_png(self, consent_id: int) -> bytes | None:
        row = self.store.conn.execute("SELECT signature FROM guardian_signatures WHERE consent_id = ? ORDER BY id "
                                      "LIMIT 1", (consent_id,)).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def record_signed(self, client_id: int, signed_on: date, guardian_name: str = "",
                      recording: bool = False) -> Consent:
        """Record in one step a consent gone through on paper and signed there (by the guardian too, for a
        client under 18): the checklist, the client's signature and, for a minor, the guardian's."""
        with self.store.write():
            consent = self.record_checklist(client_id, recording=recording)
            if not consent.is_signed:
                consent = self.sign_on_paper(consent.id, signed_on)
            if self.state(client_id).status == GUARDIAN_UNSIGNED:
                name = guardian_name or self.clients.get(client_id).guardian_name
                consent = self.guardian_sign_on_paper(consent.id, name, signed_on)
        return consent

    def sign_on_paper(self, consent_id: int, signed_on: date) -> Consent:
        """The printed form was signed on paper on that date (the paper goes into the locked cabinet)."""
        return self._sign(consent_id, signed_on, "paper", None)

    def sign_on_screen(self, consent_id: int, png: bytes, signed_on: date | None = None) -> Consent:
        if not png.startswith(b"\x89PNG"):
            raise ValidationError({"signature": N_("The signature is empty. Ask the client to sign in the box.")})
        return self._sign(consent_id, signed_on or date.today(), "screen", png)

    def signature(self, consent_id: int) -> bytes | None:
        row = self.store.conn.execute("SELECT signature FROM consents WHERE id = ?", (consent_id,)).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def withdraw(self, consent_id: int, scope: str, withdrawn_on: date, note: str = "") -> Withdrawal:
        consent = self.get(consent_id)
        if scope not in SCOPES:
            raise ValidationError({"scope": N_("Choose what the withdrawal covers.")})
        if consent.withdrawn_all is not None:
            raise ValidationError({"scope": N_("This consent was already withdrawn.")})
        if scope == "recording" and not consent.recording_allowed:
            raise ValidationError({"scope": N_("The client has not agreed to recording, so there is nothing to "
                                               "withdraw.")})
        _not_future(withdrawn_on, "withdrawn_on")
        if consent.signed_on is not None and withdrawn_on < consent.signed_on:
            raise ValidationError({"withdrawn_on": N_("A withdrawal cannot come before the consent it withdraws.")})
        now = now_utc()
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO consent_withdrawals (consent_id, scope, withdrawn_on, note, recorded_at) "
                               "VALUES (?, ?, ?, ?, ?)",
                               (consent_id, scope, withdrawn_on.isoformat(), note.strip(), now))
            withdrawal_id = cur.lastrowid
            self.store.changed("consent.withdrawn", "consent", consent_id,
                               {"client": consent.client_id, "scope": scope, "withdrawal": withdrawal_id})
        return next(w for w in self._withdrawals(consent_id) if w.id == withdrawal_id)

    # -- the printed form ----------------------------------------------------------------------------------------

    def form_data(self, consent_id: int, lang: str) -> ConsentFormData:
        consent = self.get(consent_id)
        client = self.clients.get(consent.client_id)
        template = self.template(version=consent.template_version)
        retention = consent.retention_promise.get(lang) if consent.is_signed else None
        data = client_form_data(template, self.profile.get(), client, lang, consent=consent,
                                signature=self.signature(consent_id) if consent.has_signature else None,
                                retention=retention or self.retention_promise(lang))
        if consent.guardian is not None and consent.guardian.has_signature:
            data = replace(data, guardian_signed_on=consent.guardian.signed_on,
                           guardian_signature_png=self.guardian_signature_png(consent_id))
        return data

    def form_pdf(self, consent_id: int, lang: str) -> bytes:
        return consent_form.render_pdf(self.form_data(consent_id, lang))

    def record_printed(self, consent_id: int | None, lang: str, kind: str = CONSENT,
                       group_id: int | None = None, client_id: int | None = None) -> None:
        """Printing is not export, but it is recorded: which form, in which language (no content)."""
        with self.store.write():
            detail: dict[str, object] = {"lang": lang, "kind": kind}
            if group_id is not None:
                detail["group"] = group_id
            if client_id is not None:
                detail["client"] = client_id
            self.store.changed("consent.form_printed", "consent", consent_id, detail)

    # -- groups --------------------------------------------------------------------------------------------------

    def create_group(self, name: str, description: str = "") -> Group:
        if not name.strip():
            raise ValidationError({"name": N_("Give the group a name.")})
        now = now_utc()
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO counseling_groups (name, description, created_at, updated_at) "
                               "VALUES (?, ?, ?, ?)", (name.strip(), description.strip(), now, now))
            group_id = cur.lastrowid
            self.store.changed("group.created", "group", group_id)
        return self.group(group_id)

    def groups(self) -> builtins.list[Group]:
        rows = self.store.conn.execute("SELECT id, name, description, created_at FROM counseling_groups "
                                       "ORDER BY created_at DESC, id DESC")
        return [Group(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def group(self, group_id: int) -> Group:
        row = self.store.conn.execute("SELECT id, name, description, created_at FROM counseling_groups WHERE id = ?",
                                      (group_id,)).fetchone()
        if row is None:
            raise KeyError(group_id)
        return Group(int(row[0]), str(row[1]), str(row[2]), str(row[3]))

    def add_member(self, group_id: int, client_id: int, added_on: date | None = None) -> None:
        self.group(group_id)
        self.clients.get(client_id)
        added_on = added_on or date.today()
        if self.store.conn.execute("SELECT 1 FROM group_members WHERE group_id = ? AND client_id = ? "
                                   "AND removed_on IS NULL", (group_id, client_id)).fetchone():
            raise ValidationError({"client": N_("This client is already in the group.")})
        with self.store.write() as conn:
            conn.execute("INSERT INTO group_members (group_id, client_id, added_on) VALUES (?, ?, ?)",
                         (group_id, client_id, added_on.isoformat()))
            self.store.changed("group.member_added", "group", group_id, {"client": client_id})

    def remove_member(self, group_id: int, client_id: int, removed_on: date | None = None) -> None:
        removed_on = removed_on or date.today()
        with self.store.write() as conn:
            cur = conn.execute("UPDATE group_members SET removed_on = ? WHERE group_id = ? AND client_id = ? "
                               "AND removed_on IS NULL", (removed_on.isoformat(), group_id, client_id))
            if cur.rowcount == 0:
                raise ValidationError({"client": N_("This client is not in the group.")})
            self.store.changed("group.member_removed", "group", group_id, {"client": client_id})

    def agreement(self, group_id: int, client_id: int) -> GroupAgreement | None:
        row = self.store.conn.execute(
            "SELECT id, group_id, client_id, template_version, agreed_on, signed_how, signature IS NOT NULL, "
            "recorded_at FROM group_agreements WHERE group_id = ? AND client_id = ? ORDER BY agreed_on, id LIMIT 1",
            (group_id, client_id)).fetchone()
        if row is None:
            return None
        return GroupAgreement(int(row[0]), int(row[1]), int(row[2]), int(row[3]), date.fromisoformat(row[4]),
                              str(row[5]), bool(row[6]), str(row[7]))

    def roster(self, group_id: int, on: date | None = None, include_removed: bool = False) -> builtins.list[Member]:
        """The members (on a given day: those added by then and not removed before it)."""
        rows = self.store.conn.execute(
            "SELECT m.client_id, c.code, c.name, m.added_on, m.removed_on FROM group_members m "
            "JOIN clients c ON c.id = m.client_id WHERE m.group_id = ? ORDER BY c.code COLLATE NOCASE, m.id",
            (group_id,)).fetchall()
        out: list[Member] = []
        for client_id, code, name, added, removed in rows:
            added_on = date.fromisoformat(added)
            removed_on = date.fromisoformat(removed) if removed else None
            if on is not None and (added_on > on or (removed_on is not None and removed_on <= on)):
                continue
            if on is None and removed_on is not None and not include_removed:
                continue
            out.append(Member(int(client_id), str(code), str(name), added_on, removed_on,
                              self.agreement(group_id, int(client_id))))
        return out

    def record_agreement(self, group_id: int, client_id: int, agreed_on: date,
                         png: bytes | None = None) -> GroupAgreement:
        """The member's group confidentiality agreement, signed on paper (no image) or on screen."""
        self.group(group_id)
        if not any(m.client_id == client_id for m in self.roster(group_id)):
            raise ValidationError({"client": N_("Add the client to the group first.")})
        _not_future(agreed_on, "agreed_on")
        if png is not None and not png.startswith(b"\x89PNG"):
            raise ValidationError({"signature": N_("The signature is empty. Ask the client to sign in the box.")})
        version = self.current_version(GROUP_AGREEMENT)
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO group_agreements (group_id, client_id, template_version, agreed_on, "
                               "signed_how, signature, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               (group_id, client_id, version, agreed_on.isoformat(),
                                "paper" if png is None else "screen", png, now_utc()))
            agreement_id = cur.lastrowid
            self.store.changed("group.agreement_recorded", "group", group_id,
                               {"client": client_id, "agreement": agreement_id, "version": version})
        found = self.agreement(group_id, client_id)
        assert found is not None
        return found

    def group_warnings(self, group_id: int, session_date: date) -> builtins.list[Member]:
        """Members in the group on that day who had no confidentiality agreement recorded by then."""
        return [m for m in self.roster(group_id, on=session_date)
                if m.agreement is None or m.agreement.agreed_on > session_date]

    def agreement_form_data(self, group_id: int, client_id: int | None, lang: str) -> ConsentFormData:
        group = self.group(group_id)
        template = self.template(GROUP_AGREEMENT)
        profile = self.profile.get()
        client = self.clients.get(client_id) if client_id is not None else None
        agreement = self.agreement(group_id, client_id) if client_id is not None else None
        signature = None
        if agreement is not None:
            template = self.template(GROUP_AGREEMENT, agreement.template_version)
            if agreement.has_signature:
                row = self.store.conn.execute("SELECT signature FROM group_agreements WHERE id = ?",
                                              (agreement.id,)).fetchone()
                signature = bytes(row[0]) if row and row[0] is not None else None
        data = blank_form_data(lang, template, profile)
        return replace(data, group_name=group.name,
                       client_name=(client.display_name if client else ""), client_code=(client.code if client else ""),
                       document_no=f"GA-{group_id:04d}-{client_id:06d}" if client_id is not None else "",
                       signed_on=agreement.agreed_on if agreement and signature else None, signature_png=signature)

    def agreement_form_pdf(self, group_id: int, client_id: int | None, lang: str) -> bytes:
        return consent_form.render_pdf(self.agreement_form_data(group_id, client_id, lang))


# -- building the printed forms (no vault needed for a blank one) ----------------------------------------------


def blank_form_data(lang: str, template: ConsentTemplate | None = None, profile: Profile | None = None,
                    minor: bool | None = None, retention: str | None = None) -> ConsentFormData:
    template = template or builtin_template(CONSENT)
    retention = retention if retention is not None else promise(None, lang)
    return ConsentFormData(
        lang=lang, kind=template.kind, title=template.title(lang),
        intro=fill(template.intros.get(lang, ""), profile, retention),
        declaration=fill(template.declarations.get(lang, ""), profile, retention),
        items=tuple(FormItem(i.id, i.title(lang), fill(i.text(lang), profile, retention), i.opt_in)
                    for i in template.applicable(minor)),
        template_version=template.version, room=profile.room if profile else "",
        institution=profile.institution if profile else "", counselor=profile.name if profile else "",
        qualifications=profile.qualifications if profile else "",
        certificate_no=profile.certificate_no if profile else "", contact=profile.contact if profile else "",
        minor=minor)


def client_form_data(template: ConsentTemplate, profile: Profile, client: Client, lang: str,
                     consent: Consent | None = None, signature: bytes | None = None,
                     retention: str | None = None) -> ConsentFormData:
    minor = client.is_minor()
    data = blank_form_data(lang, template, profile, minor=minor, retention=retention)
    return replace(data, client_name=client.display_name, client_code=client.code,
                   guardian_name=client.guardian_name if minor else "",
                   recording=consent.recording if consent is not None else None,
                   document_no=consent.document_no if consent is not None else "",
                   signed_on=consent.signed_on if consent is not None and signature else None,
                   signature_png=signature)


def blank_form_pdf(lang: str) -> bytes:
    """The built-in form with no client and no counselor details, for filling in by hand."""
    return consent_form.render_pdf(blank_form_data(lang))
