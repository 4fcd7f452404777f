"""Referrals: to whom, why, with what consent, and how they were followed up.

A referral stays open until an outcome is recorded; "still waiting" is a follow-up, not an outcome: it
keeps the referral open and sets the next follow-up date. The client's consent to share information,
recorded here, is what the counselor agreed with the client; it is not a release authorization: a
referral letter leaves the room only through the locked export (records/exports.py), on its own basis,
and the export's number is then noted on the referral (`record_letter`).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, fields
from datetime import date, timedelta

from ..i18n import N_, tr_in
from ..vault.audit import now_utc
from .clients import ClientService, ValidationError
from .profile import Profile
from .settings import SettingsService
from .store import Store

REASONS = ("beyond_competence", "medical_assessment", "client_request", "dual_relationship", "client_leaving",
           "other")
REASON_LABELS = {"beyond_competence": N_("Beyond my competence"),
                 "medical_assessment": N_("Needs psychiatric or medical assessment"),
                 "client_request": N_("At the client's request"),
                 "dual_relationship": N_("Dual relationship or conflict of interest"),
                 "client_leaving": N_("The client moves or leaves"),
                 "other": N_("Other reason")}
OUTCOMES = ("attended", "not_attended", "waiting", "unknown")
OUTCOME_LABELS = {"attended": N_("Attended the referral"), "not_attended": N_("Did not attend"),
                  "waiting": N_("Still waiting"), "unknown": N_("Outcome unknown")}
CLOSING_OUTCOMES = ("attended", "not_attended", "unknown")
# An open referral without a follow-up date comes due this many days after the referral date: otherwise
# it would never reach the dashboard, and an open referral nobody follows up is what the line is for.
DEFAULT_FOLLOW_UP_DAYS = 14
MAX_TEXT = 2000
MAX_LINE = 200

# Audit kinds this part writes, with their labels for the audit viewer.
AUDIT_KINDS: dict[str, str] = {"referral.created": N_("Referral recorded"),
                               "referral.updated": N_("Referral changed"),
                               "referral.outcome_recorded": N_("Referral follow-up recorded"),
                               "referral.letter_recorded": N_("Referral letter exported")}
# Entities this part names in the audit trail, with their labels.
ENTITY_LABELS: dict[str, str] = {"referral": N_("Referral")}
_ = N_


@dataclass(frozen=True)
class ReferralDraft:
    """What the counselor fills in for a new referral, or changes in one."""
    referred_on: date | None
    reason: str | None
    recipient: str = ""  # the person
    institution: str = ""
    department: str = ""
    contact: str = ""
    reason_text: str = ""
    share_info: bool = False  # information about the client goes to the recipient
    consent: bool = False  # the client consented to share it
    consent_scope: str = ""  # what may be shared
    consent_on: date | None = None
    follow_up_on: date | None = None


DRAFT_FIELDS = [f.name for f in fields(ReferralDraft)]


@dataclass(frozen=True)
class FollowUp:
    id: int
    referral_id: int
    recorded_on: date
    outcome: str
    text: str
    next_follow_up_on: date | None


@dataclass(frozen=True)
class Referral:
    id: int
    client_id: int
    referred_on: date
    recipient: str
    institution: str
    department: str
    contact: str
    reason: str
    reason_text: str
    share_info: bool
    consent: bool
    consent_scope: str
    consent_on: date | None
    follow_up_on: date | None
    outcome: str | None  # the latest follow-up's outcome; None before any
    outcome_text: str
    outcome_on: date | None  # the date that outcome was recorded
    created_at: str
    updated_at: str
    letters: tuple[str, ...] = ()  # numbers of the locked exports of its letter

    @property
    def recipient_label(self) -> str:
        """Institution, department and person, as the letter's recipient and in lists."""
        return " · ".join(p for p in (self.institution, self.department, self.recipient) if p)

    @property
    def is_open(self) -> bool:
        return self.outcome is None or self.outcome == "waiting"

    @property
    def due_on(self) -> date | None:
        """When the follow-up is due (None once the referral is closed)."""
        if not self.is_open:
            return None
        return self.follow_up_on or self.referred_on + timedelta(days=DEFAULT_FOLLOW_UP_DAYS)

    def follow_up_due(self, today: date) -> bool:
        due = self.due_on
        return due is not None and due <= today

    def draft(self) -> ReferralDraft:
        return ReferralDraft(**{name: getattr(self, name) for name in DRAFT_FIELDS})


_COLUMNS = ("id, client_id, referred_on, recipient, institution, department, contact, reason, reason_text, "
            "share_info, consent, consent_scope, consent_on, follow_up_on, outcome, outcome_text, outcome_on, "
            "created_at, updated_at")


def _day(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _clean(draft: ReferralDraft) -> dict[str, object]:
    values: dict[str, object] = {}
    for name in DRAFT_FIELDS:
        value = getattr(draft, name)
        values[name] = value.strip() if isinstance(value, str) else value
    return values


class ReferralService:
    def __init__(self, store: Store, clients: ClientService, settings: SettingsService) -> None:
        self.store = store
        self.clients = clients
        self.settings = settings

    # reading
    def _select(self, where: str, args: tuple[object, ...], order: str = "referred_on DESC, id DESC") \
            -> builtins.list[Referral]:
        rows = self.store.conn.execute(f"SELECT {_COLUMNS} FROM referrals WHERE {where} ORDER BY {order}",
                                       args).fetchall()
        if not rows:
            return []
        ids = [int(r[0]) for r in rows]
        letters: dict[int, list[str]] = {}
        marks = ", ".join("?" * len(ids))
        for referral_id, number in self.store.conn.execute(
                f"SELECT l.referral_id, e.number FROM referral_letters l JOIN export_register e ON e.id = l.export_id "
                f"WHERE l.referral_id IN ({marks}) ORDER BY e.number", ids):
            letters.setdefault(int(referral_id), []).append(str(number))
        return [Referral(int(r[0]), int(r[1]), date.fromisoformat(str(r[2])), str(r[3]), str(r[4]), str(r[5]),
                         str(r[6]), str(r[7]), str(r[8]), bool(r[9]), bool(r[10]), str(r[11]), _day(r[12]),
                         _day(r[13]), None if r[14] is None else str(r[14]), str(r[15]), _day(r[16]), str(r[17]),
                         str(r[18]), tuple(letters.get(int(r[0]), ()))) for r in rows]

    def get(self, referral_id: int) -> Referral:
        found = self._select("id = ?", (referral_id,))
        if not found:
            raise KeyError(referral_id)
        return found[0]

    def for_client(self, client_id: int) -> builtins.list[Referral]:
        """The client's referrals, newest first."""
        return self._select("client_id = ?", (client_id,))

    def awaiting_follow_up(self, today: date) -> builtins.list[Referral]:
        """Open referrals whose follow-up is due today or earlier, the longest overdue first.

        Open means no outcome yet, or "still waiting" (which set the next follow-up date). A referral
        without a follow-up date comes due DEFAULT_FOLLOW_UP_DAYS after its date. Clients whose file is
        archived are left out: archiving says the file is put away; a closed case is not (a case is often
        closed because the client was referred, and the follow-up still matters)."""
        fallback = (today - timedelta(days=DEFAULT_FOLLOW_UP_DAYS)).isoformat()
        found = self._select(
            "(outcome IS NULL OR outcome = 'waiting') "
            "AND client_id IN (SELECT id FROM clients WHERE archived_at IS NULL) "
            "AND ((follow_up_on IS NOT NULL AND follow_up_on <= ?) OR (follow_up_on IS NULL AND referred_on <= ?))",
            (today.isoformat(), fallback), order="referred_on, id")
        return sorted(found, key=lambda r: (r.due_on or today, r.id))

    def follow_ups(self, referral_id: int) -> builtins.list[FollowUp]:
        rows = self.store.conn.execute(
            "SELECT id, referral_id, recorded_on, outcome, text, next_follow_up_on FROM referral_follow_ups "
            "WHERE referral_id = ? ORDER BY recorded_on, id", (referral_id,))
        return [FollowUp(int(r[0]), int(r[1]), date.fromisoformat(str(r[2])), str(r[3]), str(r[4]), _day(r[5]))
                for r in rows]

    # writing
    def validate(self, draft: ReferralDraft, today: date | None = None) -> dict[str, str]:
        today = today or date.today()
        v = _clean(draft)
        errors: dict[str, str] = {}
        referred_on = draft.referred_on
        if referred_on is None:
            errors["referred_on"] = N_("Give the date of the referral.")
        elif referred_on > today:
            errors["referred_on"] = N_("The referral date cannot be in the future.")
        if not v["recipient"] and not v["institution"]:
            errors["recipient"] = N_("Write to whom the client is referred: a person, an institution or both.")
        for name in ("recipient", "institution", "department", "contact"):
            if len(str(v[name])) > MAX_LINE and name not in errors:
                errors[name] = N_("This is too long: keep it under 200 characters.")
        if draft.reason not in REASONS:
            errors["reason"] = N_("Choose the reason for the referral.")
        elif draft.reason == "other" and not v["reason_text"]:
            errors["reason_text"] = N_("Write the reason for the referral.")
        if len(str(v["reason_text"])) > MAX_TEXT:
            errors["reason_text"] = N_("The reason is too long: keep it short and put the details in the letter.")
        if draft.share_info and not draft.consent:
            errors["consent"] = N_("The client has not consented to sharing information with the recipient. Record "
                                   "the client's consent, or refer without sharing information (the client then "
                                   "contacts the service directly).")
        if draft.consent:
            if not v["consent_scope"]:
                errors["consent_scope"] = N_("Write what the client agreed may be shared.")
            elif len(str(v["consent_scope"])) > MAX_TEXT:
                errors["consent_scope"] = N_("This is too long: keep it under 2,000 characters.")
            if draft.consent_on is None:
                errors["consent_on"] = N_("Give the date the client consented.")
            elif draft.consent_on > today:
                errors["consent_on"] = N_("The client's consent cannot be dated in the future.")
            elif draft.share_info and referred_on is not None and draft.consent_on > referred_on:
                errors["consent_on"] = N_("Information was shared on the referral date, so the consent must be "
                                          "dated on or before it.")
        if draft.follow_up_on is not None and referred_on is not None and draft.follow_up_on < referred_on:
            errors["follow_up_on"] = N_("The follow-up date is before the referral date.")
        return errors

    def _values(self, draft: ReferralDraft) -> dict[str, object]:
        v = _clean(draft)
        if not draft.consent:
            v["consent_scope"], v["consent_on"] = "", None
        for name in ("referred_on", "consent_on", "follow_up_on"):
            v[name] = _iso(v[name])  # type: ignore[arg-type]
        v["share_info"], v["consent"] = int(bool(draft.share_info)), int(bool(draft.consent))
        return v

    def create(self, client_id: int, draft: ReferralDraft, today: date | None = None) -> Referral:
        self.clients.get(client_id)
        errors = self.validate(draft, today)
        if errors:
            raise ValidationError(errors)
        values = self._values(draft)
        now = now_utc()
        cols = [*values, "client_id", "created_at", "updated_at"]
        args = [*values.values(), client_id, now, now]
        with self.store.write() as conn:
            cur = conn.execute(f"INSERT INTO referrals ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                               args)
            referral_id = int(cur.lastrowid)
            self.store.changed("referral.created", "referral", referral_id,
                               {"client": client_id, "reason": draft.reason, "share_info": bool(draft.share_info),
                                "consent": bool(draft.consent)})
        return self.get(referral_id)

    def update(self, referral_id: int, draft: ReferralDraft, today: date | None = None) -> Referral:
        old = self.get(referral_id)
        errors = self.validate(draft, today)
        if errors:
            raise ValidationError(errors)
        before = self._values(old.draft())
        values = self._values(draft)
        changed = [k for k in values if values[k] != before[k]]
        if not changed:
            return old
        sets = ", ".join(f"{k} = ?" for k in changed)
        with self.store.write() as conn:
            conn.execute(f"UPDATE referrals SET {sets}, updated_at = ? WHERE id = ?",
                         [*(values[k] for k in changed), now_utc(), referral_id])
            self.store.changed("referral.updated", "referral", referral_id,
                               {"client": old.client_id, "fields": changed})
        return self.get(referral_id)

    def record_outcome(self, referral_id: int, outcome: str | None, text: str = "",
                       recorded_on: date | None = None, next_follow_up: date | None = None,
                       today: date | None = None) -> Referral:
        """Record a follow-up. Any outcome but "still waiting" closes the referral; "still waiting" keeps it
        open until the next follow-up date. A later follow-up may correct an earlier outcome."""
        referral = self.get(referral_id)
        today = today or date.today()
        recorded_on = recorded_on or today
        errors: dict[str, str] = {}
        if outcome not in OUTCOMES:
            errors["outcome"] = N_("Choose the outcome of the referral.")
        if recorded_on > today:
            errors["recorded_on"] = N_("An outcome cannot be recorded for a future date.")
        elif recorded_on < referral.referred_on:
            errors["recorded_on"] = N_("This date is before the referral date.")
        if len(text.strip()) > MAX_TEXT:
            errors["text"] = N_("This is too long: keep it under 2,000 characters.")
        if outcome == "waiting":
            if next_follow_up is None:
                errors["next_follow_up"] = N_("The referral stays open: give the date of the next follow-up.")
            elif next_follow_up <= recorded_on:
                errors["next_follow_up"] = N_("The next follow-up must come after the date of this one.")
        if errors:
            raise ValidationError(errors)
        assert outcome is not None
        follow_up_on = next_follow_up if outcome == "waiting" else referral.follow_up_on
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO referral_follow_ups (referral_id, client_id, recorded_on, outcome, text, "
                               "next_follow_up_on, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               (referral_id, referral.client_id, recorded_on.isoformat(), outcome, text.strip(),
                                _iso(next_follow_up) if outcome == "waiting" else None, now_utc()))
            conn.execute("UPDATE referrals SET outcome = ?, outcome_text = ?, outcome_on = ?, follow_up_on = ?, "
                         "updated_at = ? WHERE id = ?",
                         (outcome, text.strip(), recorded_on.isoformat(), _iso(follow_up_on), now_utc(), referral_id))
            self.store.changed("referral.outcome_recorded", "referral", referral_id,
                               {"client": referral.client_id, "outcome": outcome,
                                "follow_up": int(cur.lastrowid)})
        return self.get(referral_id)

    def record_letter(self, referral_id: int, export_number: str) -> Referral:
        """Note on the referral that its letter left the room as the locked export with this number."""
        referral = self.get(referral_id)
        row = self.store.conn.execute("SELECT id, client_id, kind FROM export_register WHERE number = ?",
                                      (export_number,)).fetchone()
        if row is None or row[1] is None or int(row[1]) != referral.client_id:
            raise ValidationError({"export": N_("This export is not in the register for this client.")})
        if str(row[2]) != "referral_letter":
            raise ValidationError({"export": N_("This export is not a referral letter.")})
        export_id = int(row[0])
        taken = self.store.conn.execute("SELECT referral_id FROM referral_letters WHERE export_id = ?",
                                        (export_id,)).fetchone()
        if taken is not None:
            if int(taken[0]) == referral_id:
                return referral
            raise ValidationError({"export": N_("This export is already noted on another referral.")})
        with self.store.write() as conn:
            conn.execute("INSERT INTO referral_letters (referral_id, client_id, export_id, recorded_at) "
                         "VALUES (?, ?, ?, ?)", (referral_id, referral.client_id, export_id, now_utc()))
            self.store.changed("referral.letter_recorded", "referral", referral_id,
                               {"client": referral.client_id, "number": export_number})
        return self.get(referral_id)

    # the letter's first draft
    @staticmethod
    def draft_letter(referral: Referral, profile: Profile, lang: str) -> str:
        """A first draft of the referral letter, in the document's language, for the counselor to complete
        and edit in the export dialog. Its brief summary is a placeholder: only the counselor can write it."""
        def t(msgid: str, **values: object) -> str:
            return tr_in(lang, msgid, **values)

        lines = [t(N_("Dear {recipient},"), recipient=referral.recipient or referral.recipient_label), ""]
        if lang == "zh_CN":  # 示例大学心理咨询室: the institution first, no separator
            where = "".join(p for p in (profile.institution, profile.room) if p)
        else:
            where = ", ".join(p for p in (profile.room, profile.institution) if p)
        if profile.name and where:
            lines.append(t(N_("I am {name}, counselor at {place}."), name=profile.name, place=where))
        elif profile.name:
            lines.append(t(N_("I am {name}, the client's counselor."), name=profile.name))
        lines.append(t(N_("I am referring the client named above to you and ask you to see them.")))
        lines.append("")
        reason = t(REASON_LABELS[referral.reason]) if referral.reason in REASON_LABELS else referral.reason
        lines.append(t(N_("Reason for referral: {reason}."), reason=reason))
        if referral.reason_text:
            lines.append(referral.reason_text)
        lines.append("")
        lines.append(t(N_("Brief summary: [to complete — the main concerns, the counseling so far (how many "
                          "sessions, what approach), the current risk assessment, and what you ask of the "
                          "recipient]")))
        lines.append("")
        if referral.consent and referral.consent_scope:
            lines.append(t(N_("Information the client agreed to share: {scope}"), scope=referral.consent_scope))
            lines.append("")
        if profile.contact:
            lines.append(t(N_("If you need more information, please contact me: {contact}."), contact=profile.contact))
        else:
            lines.append(t(N_("If you need more information, please contact me.")))
        lines += ["", t(N_("Yours sincerely,")), ""]
        signature = [profile.name, profile.qualifications,
                     t(N_("Certificate number {number}"), number=profile.certificate_no) if profile.certificate_no
                     else "", where]
        lines += [s for s in signature if s]
        return "\n".join(lines).strip() + "\n"


__all__ = ["AUDIT_KINDS", "CLOSING_OUTCOMES", "DEFAULT_FOLLOW_UP_DAYS", "ENTITY_LABELS", "OUTCOMES", "OUTCOME_LABELS",
           "REASONS", "REASON_LABELS", "FollowUp", "Referral", "ReferralDraft", "ReferralService"]
