"""Risk assessments, the risk flag (重点关注), safety plans and emergency measures.

Room code 7: when a client may harm themselves or others, or is being harmed, the counselor takes emergency
measures. What the program keeps of that, all of it read-only once saved:

- a risk assessment: three areas (self-harm or suicide, harm to others, being harmed), each with a level
  from none to imminent, risk and protective factors (common items as data, plus free text), the overall
  level and what will be done. A correction is a new assessment.
- the risk flag on the client (重点关注): raised with a reason and a review date, reviewed (next review date)
  or cleared with a reason. The flag is the history of these events; `clients.risk_flag`, shown as the badge
  on the client page, is written in the same transaction. A flag set in the client file without a recorded
  reason ("unrecorded") counts as flagged and as due for review until a reason and a date are recorded.
- the safety plan: every save is a new version; the latest is the current plan. It prints for the client
  from memory (documents/safety_plan.py).
- emergency measures: when, what happened, what was done, who was notified (and when), which confidentiality
  exception applied and why; follow-up entries can be added later, the record itself never changes.

The audit trail names the records by id with level and exception codes, never their words.
"""

from __future__ import annotations

import builtins
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..documents import safety_plan as safety_plan_pdf
from ..i18n import N_, tr_in
from ..vault.audit import now_utc
from .clients import ClientService, ValidationError
from .exports import EXCEPTION_LABELS, EXCEPTIONS
from .profile import ProfileService
from .settings import SettingsService
from .store import Store

LEVELS = ("none", "low", "moderate", "high", "imminent")
LEVEL_LABELS = {"none": N_("None"), "low": N_("Low"), "moderate": N_("Moderate"), "high": N_("High"),
                "imminent": N_("Imminent")}
DOMAINS = ("self_harm", "harm_others", "being_harmed")
DOMAIN_LABELS = {"self_harm": N_("Self-harm or suicide"), "harm_others": N_("Harm to others"),
                 "being_harmed": N_("Being harmed (abuse, violence, bullying)")}
# Levels at which the window offers to raise the risk flag after an assessment.
FLAG_LEVELS = ("high", "imminent")

# Common items of the checklists; the free text beside them holds anything else.
RISK_FACTORS = {
    "ideation": N_("Thoughts of suicide or self-harm now"),
    "plan_means": N_("A plan, or access to means"),
    "previous_attempt": N_("Earlier suicide attempt or self-harm"),
    "hopelessness": N_("Hopelessness"),
    "depression": N_("Depressed mood or other mental illness"),
    "substance": N_("Alcohol or drug use"),
    "loss_conflict": N_("Recent loss, break-up or conflict"),
    "academic": N_("Academic failure or heavy study pressure"),
    "isolation": N_("Isolation, little support"),
    "impulsivity": N_("Impulsivity, anger or aggression"),
    "threats": N_("Threats or a history of violence towards others"),
    "victimized": N_("Abuse, violence or bullying experienced"),
    "suicide_nearby": N_("Suicide of a family member or friend"),
    "illness_pain": N_("Serious physical illness or pain"),
}
PROTECTIVE_FACTORS = {
    "family": N_("Supportive family"),
    "friends": N_("Friends or classmates to turn to"),
    "help_seeking": N_("Willing to seek help; engaged in counseling"),
    "coping": N_("Coping skills that have worked before"),
    "reasons": N_("Reasons for living, hopes for the future"),
    "responsibility": N_("Responsibility for others or a pet"),
    "beliefs": N_("Beliefs that discourage suicide"),
    "school": N_("Connection with school, teachers or activities"),
    "no_means": N_("No access to means"),
}

PARTIES = ("guardian", "school", "hospital", "police", "other")
PARTY_LABELS = {"guardian": N_("Guardian or family"), "school": N_("School (class adviser, department)"),
                "hospital": N_("Hospital"), "police": N_("Police"), "other": N_("Other")}

REVIEW_DAYS_KEY = "risk.review_days"
DEFAULT_REVIEW_DAYS = 14
CRISIS_CONTACTS_KEY = "risk.crisis_contacts"
# Suggested rows of the room's crisis contacts: names only. The numbers are the room's to fill in; the
# program never supplies one.
SUGGESTED_CRISIS_CONTACTS = (
    N_("School counseling centre (duty phone)"),
    N_("Psychological assistance hotline"),
    N_("Hospital emergency department"),
)

# Audit kinds this part writes, with their labels for the audit viewer.
AUDIT_KINDS: dict[str, str] = {
    "risk.assessment_saved": N_("Risk assessment saved"),
    "risk.flag_raised": N_("Risk flag raised"),
    "risk.flag_reviewed": N_("Risk flag reviewed"),
    "risk.flag_cleared": N_("Risk flag cleared"),
    "risk.safety_plan_saved": N_("Safety plan saved (new version)"),
    "risk.safety_plan_printed": N_("Safety plan printed"),
    "risk.measure_recorded": N_("Emergency measure recorded"),
    "risk.followup_added": N_("Emergency measure follow-up added"),
    "risk.contacts_viewed": N_("Emergency contacts viewed"),
}
# Entities this part names in the audit trail, with their labels.
ENTITY_LABELS: dict[str, str] = {
    "risk_assessment": N_("Risk assessment"),
    "risk_flag": N_("Risk flag"),
    "safety_plan": N_("Safety plan"),
    "emergency_measure": N_("Emergency measure"),
    "emergency_followup": N_("Emergency measure follow-up"),
    "emergency_contacts": N_("Emergency contacts"),
}
ENTITIES = tuple(ENTITY_LABELS)
_ = N_

_PHONE = re.compile(r"^[0-9+()\-/,.#*转 ]{3,40}$")
_MAX_TEXT = 20_000
_MINUTE = timedelta(minutes=1)


def level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else -1


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _stamp(moment: datetime) -> str:
    return _minute(moment).isoformat(timespec="minutes")


def _lines(items: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(s for s in (" ".join(str(i).split()) for i in items) if s)


def phone_ok(phone: str) -> bool:
    phone = phone.strip()
    return not phone or (bool(_PHONE.match(phone)) and sum(c.isdigit() for c in phone) >= 3)


# -- records ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskAssessment:
    """An assessment as entered (id None) or as saved."""
    client_id: int
    assessed_at: datetime
    self_harm: str = "none"
    harm_others: str = "none"
    being_harmed: str = "none"
    risk_factors: tuple[str, ...] = ()
    risk_notes: str = ""
    protective_factors: tuple[str, ...] = ()
    protective_notes: str = ""
    overall: str = "none"
    plan: str = ""
    counselor: str = ""
    context: str = ""  # what prompted it, e.g. "PHQ-9 item 9 answered 2"
    id: int | None = None
    recorded_at: str = ""

    def level(self, domain: str) -> str:
        return str(getattr(self, domain))

    @property
    def highest(self) -> str:
        return max((self.level(d) for d in DOMAINS), key=level_rank)

    @property
    def offers_flag(self) -> bool:
        return self.overall in FLAG_LEVELS


@dataclass(frozen=True)
class FlagEvent:
    id: int
    client_id: int
    kind: str  # raised, reviewed, cleared
    on_date: date
    text: str  # the reason raised, what the review found, or why the flag was cleared
    review_on: date | None  # the next review date (None when cleared)
    recorded_at: str


@dataclass(frozen=True)
class RiskFlag:
    """The client's current flag. `raised_on` is None for a flag set in the client file without a recorded
    reason or review date: it is due for review until they are recorded."""
    client_id: int
    raised_on: date | None
    reason: str
    review_on: date | None
    events: tuple[FlagEvent, ...] = ()

    @property
    def recorded(self) -> bool:
        return self.raised_on is not None

    @property
    def last_review(self) -> FlagEvent | None:
        reviews = [e for e in self.events if e.kind == "reviewed"]
        return reviews[-1] if reviews else None

    def review_due(self, today: date | None = None) -> bool:
        return self.review_on is None or self.review_on <= (today or date.today())


@dataclass(frozen=True)
class FlagAttention:
    """A flagged client the dashboard lists: without a safety plan, or past (or at) the review date."""
    client_id: int
    review_on: date
    no_safety_plan: bool
    review_due: bool


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str = ""


@dataclass(frozen=True)
class SafetyPlanContent:
    """What the counselor and the client write together; lists hold one item a line."""
    warning_signs: tuple[str, ...] = ()
    coping_steps: tuple[str, ...] = ()
    distractions: tuple[str, ...] = ()  # people and social settings that take the mind off things
    help_people: tuple[Contact, ...] = ()  # people to ask for help
    professionals: tuple[Contact, ...] = ()  # professional and crisis contacts
    environment: tuple[str, ...] = ()  # making the environment safe
    reasons_for_living: str = ""  # optional
    agreed_on: date | None = None  # the day the client agreed to the plan

    @property
    def empty(self) -> bool:
        """Nothing of the client's own: the room's crisis contacts alone do not make a plan."""
        return not (self.warning_signs or self.coping_steps or self.distractions or self.help_people
                    or self.environment or self.reasons_for_living.strip())

    def to_json(self) -> str:
        return json.dumps({
            "warning_signs": list(self.warning_signs), "coping_steps": list(self.coping_steps),
            "distractions": list(self.distractions),
            "help_people": [[c.name, c.phone] for c in self.help_people],
            "professionals": [[c.name, c.phone] for c in self.professionals],
            "environment": list(self.environment), "reasons_for_living": self.reasons_for_living},
            ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, agreed_on: date | None) -> SafetyPlanContent:
        data = json.loads(text or "{}")

        def contacts(key: str) -> tuple[Contact, ...]:
            return tuple(Contact(str(n), str(p)) for n, p in data.get(key, []))

        return cls(tuple(data.get("warning_signs", [])), tuple(data.get("coping_steps", [])),
                   tuple(data.get("distractions", [])), contacts("help_people"), contacts("professionals"),
                   tuple(data.get("environment", [])), str(data.get("reasons_for_living", "")), agreed_on)


@dataclass(frozen=True)
class SafetyPlan:
    """One saved version of a client's safety plan."""
    id: int
    client_id: int
    version: int
    content: SafetyPlanContent
    counselor: str
    created_at: str

    @property
    def agreed_on(self) -> date | None:
        return self.content.agreed_on

    @property
    def document_no(self) -> str:
        return f"SP-{self.created_at[:4]}-{self.id:06d}"


@dataclass(frozen=True)
class Notification:
    party: str  # one of PARTIES
    who: str  # name and role, e.g. "王老师（辅导员）"
    notified_at: datetime


@dataclass(frozen=True)
class FollowUp:
    id: int
    measure_id: int
    written_at: str  # UTC
    text: str
    counselor: str


@dataclass(frozen=True)
class EmergencyMeasure:
    client_id: int
    occurred_at: datetime
    situation: str
    actions: str
    notified: tuple[Notification, ...] = ()
    exception: str = ""
    exception_reason: str = ""
    follow_up: str = ""
    counselor: str = ""
    id: int | None = None
    recorded_at: str = ""
    followups: tuple[FollowUp, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class EmergencyContacts:
    """What the emergency contacts window shows."""
    client_id: int
    guardian: Contact | None
    emergency: Contact | None
    client_phone: str
    plan_people: tuple[Contact, ...]
    plan_professionals: tuple[Contact, ...]
    room: tuple[Contact, ...]
    has_plan: bool


# -- the service --------------------------------------------------------------------------------------------------

_ASSESSMENT_COLUMNS = ("id, client_id, assessed_at, self_harm, harm_others, being_harmed, risk_factors, risk_notes, "
                       "protective_factors, protective_notes, overall, plan, counselor, context, recorded_at")


def _assessment(row: tuple[object, ...]) -> RiskAssessment:
    (i, c, at, sh, ho, bh, rf, rn, pf, pn, ov, plan, who, ctx, rec) = row
    return RiskAssessment(int(c), datetime.fromisoformat(str(at)), str(sh), str(ho), str(bh),  # type: ignore[call-overload]
                          tuple(json.loads(str(rf))), str(rn), tuple(json.loads(str(pf))), str(pn), str(ov),
                          str(plan), str(who), str(ctx), int(i), str(rec))  # type: ignore[call-overload]


def _event(row: tuple[object, ...]) -> FlagEvent:
    i, c, kind, on, text, review, rec = row
    return FlagEvent(int(i), int(c), str(kind), date.fromisoformat(str(on)), str(text),  # type: ignore[call-overload]
                     date.fromisoformat(str(review)) if review else None, str(rec))


def _current_flag(client_id: int, events: list[FlagEvent]) -> RiskFlag:
    """The flag from the latest run of events (the client file says the client is flagged)."""
    if not events or events[-1].kind == "cleared":
        return RiskFlag(client_id, None, "", None)
    start = max((n for n, e in enumerate(events) if e.kind == "raised"), default=0)
    run = tuple(events[start:])
    first = run[0]
    return RiskFlag(client_id, first.on_date, first.text, run[-1].review_on, run)


class RiskService:
    def __init__(self, store: Store, clients: ClientService, settings: SettingsService) -> None:
        self.store = store
        self.clients = clients
        self.settings = settings
        self.profile = ProfileService(store)

    # -- assessments ----------------------------------------------------------------------------------------

    def validate_assessment(self, a: RiskAssessment, now: datetime | None = None) -> dict[str, str]:
        errors: dict[str, str] = {}
        for domain in DOMAINS:
            if a.level(domain) not in LEVELS:
                errors[domain] = N_("Choose a level for each area, “none” if there is no sign of this risk.")
        if a.overall not in LEVELS:
            errors["overall"] = N_("Choose the overall level of risk.")
        elif "self_harm" not in errors and "harm_others" not in errors and "being_harmed" not in errors \
                and level_rank(a.overall) < level_rank(a.highest):
            errors["overall"] = N_("The overall level cannot be lower than the highest level of the three areas.")
        if _minute(a.assessed_at) > _minute(now or datetime.now()) + _MINUTE:
            errors["assessed_at"] = N_("The time of the assessment is in the future.")
        unknown = [f for f in a.risk_factors if f not in RISK_FACTORS] + \
                  [f for f in a.protective_factors if f not in PROTECTIVE_FACTORS]
        if unknown:
            errors["factors"] = N_("An unknown item was ticked in the factors.")
        if level_rank(a.overall) >= level_rank("moderate") and not a.plan.strip():
            errors["plan"] = N_("Write what will be done about this risk (the plan and the actions taken).")
        if not a.counselor.strip():
            errors["counselor"] = N_("Enter the name of the counselor who made the assessment.")
        if any(len(t) > _MAX_TEXT for t in (a.risk_notes, a.protective_notes, a.plan, a.context)):
            errors["plan"] = N_("The text is too long.")
        return errors

    def save_assessment(self, a: RiskAssessment, now: datetime | None = None) -> RiskAssessment:
        self.clients.get(a.client_id)
        errors = self.validate_assessment(a, now)
        if errors:
            raise ValidationError(errors)
        factors = [f for f in RISK_FACTORS if f in a.risk_factors]
        protective = [f for f in PROTECTIVE_FACTORS if f in a.protective_factors]
        with self.store.write() as conn:
            cur = conn.execute(
                "INSERT INTO risk_assessments (client_id, assessed_at, self_harm, harm_others, being_harmed, "
                "risk_factors, risk_notes, protective_factors, protective_notes, overall, plan, counselor, context, "
                "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (a.client_id, _stamp(a.assessed_at), a.self_harm, a.harm_others, a.being_harmed, json.dumps(factors),
                 a.risk_notes.strip(), json.dumps(protective), a.protective_notes.strip(), a.overall, a.plan.strip(),
                 a.counselor.strip(), a.context.strip(), now_utc()))
            new_id = int(cur.lastrowid)
            self.store.changed("risk.assessment_saved", "risk_assessment", new_id,
                               {"client": a.client_id, "level": a.overall})
        return self.assessment(new_id)

    def assessment(self, assessment_id: int) -> RiskAssessment:
        row = self.store.conn.execute(f"SELECT {_ASSESSMENT_COLUMNS} FROM risk_assessments WHERE id = ?",
                                      (assessment_id,)).fetchone()
        if row is None:
            raise KeyError(assessment_id)
        return _assessment(row)

    def assessments(self, client_id: int) -> builtins.list[RiskAssessment]:
        """The client's assessments, the latest first."""
        rows = self.store.conn.execute(f"SELECT {_ASSESSMENT_COLUMNS} FROM risk_assessments WHERE client_id = ? "
                                       "ORDER BY assessed_at DESC, id DESC", (client_id,))
        return [_assessment(r) for r in rows]

    # -- the risk flag --------------------------------------------------------------------------------------------

    def review_days(self) -> int:
        value = self.settings.get(REVIEW_DAYS_KEY, DEFAULT_REVIEW_DAYS)
        return int(value) if isinstance(value, int) and 1 <= value <= 365 else DEFAULT_REVIEW_DAYS

    def default_review_on(self, today: date | None = None) -> date:
        return (today or date.today()) + timedelta(days=self.review_days())

    def flag_history(self, client_id: int) -> builtins.list[FlagEvent]:
        """Every flag event of the client, oldest first."""
        rows = self.store.conn.execute("SELECT id, client_id, kind, on_date, text, review_on, recorded_at FROM "
                                       "risk_flag_events WHERE client_id = ? ORDER BY id", (client_id,))
        return [_event(r) for r in rows]

    def flagged(self, client_id: int) -> RiskFlag | None:
        """The client's current flag, or None when the client is not flagged."""
        row = self.store.conn.execute("SELECT risk_flag FROM clients WHERE id = ?", (client_id,)).fetchone()
        if row is None or not row[0]:
            return None
        return _current_flag(client_id, self.flag_history(client_id))

    def _check_review_date(self, review_on: date | None, today: date, errors: dict[str, str]) -> None:
        if review_on is None:
            errors["review_on"] = N_("Choose the date by which the flag will be reviewed.")
        elif review_on <= today:
            errors["review_on"] = N_("The review date must be after today.")
        elif review_on > today + timedelta(days=366):
            errors["review_on"] = N_("The review date is more than a year away. Choose a nearer date.")

    def _set_flag(self, client_id: int, flagged: bool) -> None:
        self.store.conn.execute("UPDATE clients SET risk_flag = ?, updated_at = ? WHERE id = ?",
                                (int(flagged), now_utc(), client_id))
        self.store.notify("client", client_id)  # the client page's badge and the client list

    def _add_event(self, client_id: int, kind: str, on: date, text: str, review_on: date | None) -> int:
        cur = self.store.conn.execute(
            "INSERT INTO risk_flag_events (client_id, kind, on_date, text, review_on, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (client_id, kind, on.isoformat(), text.strip(), review_on.isoformat() if review_on else None, now_utc()))
        return int(cur.lastrowid)

    def raise_flag(self, client_id: int, reason: str, review_on: date | None,
                   today: date | None = None) -> RiskFlag:
        """Flag the client for close attention (重点关注) with a reason and a review date after today."""
        self.clients.get(client_id)
        today = today or date.today()
        errors: dict[str, str] = {}
        current = self.flagged(client_id)
        if current is not None and current.recorded:
            errors["flag"] = N_("This client is already flagged. Review the flag instead.")
        if not reason.strip():
            errors["reason"] = N_("Write why the client needs close attention.")
        self._check_review_date(review_on, today, errors)
        if errors:
            raise ValidationError(errors)
        with self.store.write():
            event_id = self._add_event(client_id, "raised", today, reason, review_on)
            self._set_flag(client_id, True)
            self.store.changed("risk.flag_raised", "risk_flag", event_id,
                               {"client": client_id, "review_in_days": (review_on - today).days if review_on else 0})
        flag = self.flagged(client_id)
        assert flag is not None
        return flag

    def review_flag(self, client_id: int, note: str, next_review_on: date | None,
                    today: date | None = None) -> RiskFlag:
        """Record a review that keeps the flag, with the next review date."""
        today = today or date.today()
        errors: dict[str, str] = {}
        current = self.flagged(client_id)
        if current is None or not current.recorded:
            errors["flag"] = N_("There is no recorded flag to review. Raise the flag with its reason first.")
        if not note.strip():
            errors["note"] = N_("Write what the review found.")
        self._check_review_date(next_review_on, today, errors)
        if errors:
            raise ValidationError(errors)
        with self.store.write():
            event_id = self._add_event(client_id, "reviewed", today, note, next_review_on)
            self.store.changed("risk.flag_reviewed", "risk_flag", event_id, {"client": client_id})
            self.store.notify("client", client_id)
        flag = self.flagged(client_id)
        assert flag is not None
        return flag

    def clear_flag(self, client_id: int, reason: str, today: date | None = None) -> None:
        """Clear the flag with the reason (the history is kept)."""
        today = today or date.today()
        errors: dict[str, str] = {}
        if self.flagged(client_id) is None:
            errors["flag"] = N_("This client is not flagged.")
        if not reason.strip():
            errors["clear_reason"] = N_("Write why the client no longer needs close attention.")
        if errors:
            raise ValidationError(errors)
        with self.store.write():
            event_id = self._add_event(client_id, "cleared", today, reason, None)
            self._set_flag(client_id, False)
            self.store.changed("risk.flag_cleared", "risk_flag", event_id, {"client": client_id})

    def flags_needing_attention(self, today: date) -> builtins.list[FlagAttention]:
        """Flagged clients (not archived) without a safety plan or whose review date has come."""
        flagged = [int(r[0]) for r in self.store.conn.execute(
            "SELECT id FROM clients WHERE risk_flag = 1 AND archived_at IS NULL ORDER BY id")]
        if not flagged:
            return []
        marks = ", ".join("?" * len(flagged))
        last: dict[int, tuple[str, str | None]] = {}
        for client_id, kind, review_on in self.store.conn.execute(
                f"SELECT client_id, kind, review_on FROM risk_flag_events WHERE client_id IN ({marks}) ORDER BY id",
                flagged):
            last[int(client_id)] = (str(kind), review_on)
        with_plan = {int(r[0]) for r in self.store.conn.execute(
            f"SELECT DISTINCT client_id FROM safety_plans WHERE client_id IN ({marks})", flagged)}
        out = []
        for client_id in flagged:
            kind, review = last.get(client_id, ("cleared", None))
            review_on = date.fromisoformat(review) if kind != "cleared" and review else today  # unrecorded: due
            no_plan = client_id not in with_plan
            due = review_on <= today
            if no_plan or due:
                out.append(FlagAttention(client_id, review_on, no_plan, due))
        return sorted(out, key=lambda f: (f.review_on, f.client_id))

    # -- safety plans ---------------------------------------------------------------------------------------------

    def validate_safety_plan(self, content: SafetyPlanContent, today: date | None = None) -> dict[str, str]:
        errors: dict[str, str] = {}
        if content.empty:
            errors["plan"] = N_("The safety plan is empty. With the client, write at least a warning sign, a coping "
                                "step or a person to ask for help: the crisis contacts alone are not a plan.")
        for key, contacts in (("help_people", content.help_people), ("professionals", content.professionals)):
            for c in contacts:
                if not phone_ok(c.phone):
                    errors[key] = N_("A phone number uses digits, spaces, '+', '-' and brackets.")
                elif c.phone.strip() and not c.name.strip():
                    errors[key] = N_("Write whose number this is.")
        if content.agreed_on is not None and content.agreed_on > (today or date.today()):
            errors["agreed_on"] = N_("The date the client agreed is in the future.")
        return errors

    @staticmethod
    def _clean(content: SafetyPlanContent) -> SafetyPlanContent:
        def contacts(items: tuple[Contact, ...]) -> tuple[Contact, ...]:
            return tuple(Contact(" ".join(c.name.split()), c.phone.strip()) for c in items
                         if c.name.strip() or c.phone.strip())

        return SafetyPlanContent(_lines(content.warning_signs), _lines(content.coping_steps),
                                 _lines(content.distractions), contacts(content.help_people),
                                 contacts(content.professionals), _lines(content.environment),
                                 content.reasons_for_living.strip(), content.agreed_on)

    def save_safety_plan(self, client_id: int, content: SafetyPlanContent, counselor: str = "",
                         today: date | None = None) -> SafetyPlan:
        """Save the plan as a new version (nothing is saved when it is the same as the current one)."""
        self.clients.get(client_id)
        content = self._clean(content)
        errors = self.validate_safety_plan(content, today)
        if errors:
            raise ValidationError(errors)
        current = self.safety_plan(client_id)
        if current is not None and current.content == content:
            return current
        version = (current.version if current else 0) + 1
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO safety_plans (client_id, version, content, agreed_on, counselor, "
                               "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                               (client_id, version, content.to_json(),
                                content.agreed_on.isoformat() if content.agreed_on else None,
                                counselor.strip(), now_utc()))
            plan_id = int(cur.lastrowid)
            self.store.changed("risk.safety_plan_saved", "safety_plan", plan_id,
                               {"client": client_id, "version": version})
        plan = self.safety_plan(client_id)
        assert plan is not None
        return plan

    def _plans(self, client_id: int, limit: str = "") -> builtins.list[SafetyPlan]:
        rows = self.store.conn.execute("SELECT id, client_id, version, content, agreed_on, counselor, created_at "
                                       f"FROM safety_plans WHERE client_id = ? ORDER BY version DESC {limit}",
                                       (client_id,))
        return [SafetyPlan(int(i), int(c), int(v), SafetyPlanContent.from_json(str(content), date.fromisoformat(a)
                                                                               if a else None), str(who), str(at))
                for i, c, v, content, a, who, at in rows]

    def safety_plan(self, client_id: int) -> SafetyPlan | None:
        """The current (latest) version of the client's safety plan, or None."""
        found = self._plans(client_id, "LIMIT 1")
        return found[0] if found else None

    def safety_plan_versions(self, client_id: int) -> builtins.list[SafetyPlan]:
        """Every saved version, the latest first."""
        return self._plans(client_id)

    def suggested_professionals(self, lang: str) -> tuple[Contact, ...]:
        """The professional and crisis contacts a new safety plan starts with: the room's crisis contacts."""
        return tuple(self.crisis_contacts(lang))

    def safety_plan_document(self, client_id: int, lang: str,
                             plan: SafetyPlan | None = None) -> safety_plan_pdf.SafetyPlanDocument:
        plan = plan or self.safety_plan(client_id)
        if plan is None:
            raise ValidationError({"plan": N_("There is no safety plan to print yet.")})
        client = self.clients.get(client_id)
        profile = self.profile.get()
        c = plan.content
        return safety_plan_pdf.SafetyPlanDocument(
            lang=lang, client_name=client.name, counselor=plan.counselor or profile.name, room=profile.room,
            institution=profile.institution, room_contact=profile.contact, warning_signs=c.warning_signs,
            coping_steps=c.coping_steps, distractions=c.distractions,
            help_people=tuple((p.name, p.phone) for p in c.help_people),
            professionals=tuple((p.name, p.phone) for p in c.professionals), environment=c.environment,
            reasons_for_living=c.reasons_for_living, agreed_on=c.agreed_on, document_no=plan.document_no)

    def safety_plan_pdf(self, client_id: int, lang: str, plan: SafetyPlan | None = None) -> bytes:
        """The plan as the client takes it home: a PDF in memory, in the given language."""
        return safety_plan_pdf.render_pdf(self.safety_plan_document(client_id, lang, plan))

    def record_safety_plan_printed(self, client_id: int, plan_id: int, lang: str) -> None:
        """Printing is not export, but it is recorded: which plan, in which language."""
        with self.store.write():
            self.store.changed("risk.safety_plan_printed", "safety_plan", plan_id, {"client": client_id, "lang": lang})

    # -- the room's crisis contacts -------------------------------------------------------------------------------

    def crisis_contacts(self, lang: str = "en") -> builtins.list[Contact]:
        """The room's crisis contacts (a setting). Until the counselor sets them, suggested names without
        numbers, in the given language."""
        value = self.settings.get(CRISIS_CONTACTS_KEY)
        if not isinstance(value, list):
            return [Contact(tr_in(lang, name), "") for name in SUGGESTED_CRISIS_CONTACTS]
        out = []
        for item in value:
            if isinstance(item, dict):
                out.append(Contact(str(item.get("name", "")), str(item.get("phone", ""))))
        return out

    def crisis_contacts_set(self) -> bool:
        return isinstance(self.settings.get(CRISIS_CONTACTS_KEY), list)

    def set_crisis_contacts(self, contacts: builtins.list[Contact]) -> None:
        cleaned = [Contact(" ".join(c.name.split()), c.phone.strip()) for c in contacts
                   if c.name.strip() or c.phone.strip()]
        for c in cleaned:
            if not phone_ok(c.phone):
                raise ValidationError({"phone": N_("A phone number uses digits, spaces, '+', '-' and brackets.")})
            if not c.name:
                raise ValidationError({"name": N_("Write whose number this is.")})
        self.settings.set(CRISIS_CONTACTS_KEY, [{"name": c.name, "phone": c.phone} for c in cleaned])

    # -- emergency measures ---------------------------------------------------------------------------------------

    def validate_measure(self, m: EmergencyMeasure, now: datetime | None = None) -> dict[str, str]:
        errors: dict[str, str] = {}
        latest = _minute(now or datetime.now()) + _MINUTE
        if _minute(m.occurred_at) > latest:
            errors["occurred_at"] = N_("The time of the measure is in the future.")
        if not m.situation.strip():
            errors["situation"] = N_("Describe the situation in a few words.")
        if not m.actions.strip():
            errors["actions"] = N_("Write what was done.")
        if m.exception not in EXCEPTIONS:
            errors["exception"] = N_("Choose the confidentiality exception that applied.")
        if not m.exception_reason.strip():
            errors["exception_reason"] = N_("Write why the exception applied.")
        for n in m.notified:
            if n.party not in PARTIES:
                errors["notified"] = N_("Choose who was notified.")
            elif not n.who.strip():
                errors["notified"] = N_("Write the name and role of each person notified.")
            elif _minute(n.notified_at) > latest:
                errors["notified"] = N_("A notification time is in the future.")
        if any(len(t) > _MAX_TEXT for t in (m.situation, m.actions, m.exception_reason, m.follow_up)):
            errors["actions"] = N_("The text is too long.")
        return errors

    def record_measure(self, m: EmergencyMeasure, now: datetime | None = None) -> EmergencyMeasure:
        self.clients.get(m.client_id)
        errors = self.validate_measure(m, now)
        if errors:
            raise ValidationError(errors)
        notified = [{"party": n.party, "who": n.who.strip(), "at": _stamp(n.notified_at)}
                    for n in sorted(m.notified, key=lambda n: (n.notified_at, PARTIES.index(n.party)))]
        with self.store.write() as conn:
            cur = conn.execute(
                "INSERT INTO emergency_measures (client_id, occurred_at, situation, actions, notified, exception, "
                "exception_reason, follow_up, counselor, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (m.client_id, _stamp(m.occurred_at), m.situation.strip(), m.actions.strip(),
                 json.dumps(notified, ensure_ascii=False), m.exception, m.exception_reason.strip(),
                 m.follow_up.strip(), m.counselor.strip(), now_utc()))
            new_id = int(cur.lastrowid)
            self.store.changed("risk.measure_recorded", "emergency_measure", new_id,
                               {"client": m.client_id, "exception": m.exception,
                                "notified": sorted({n["party"] for n in notified}, key=PARTIES.index)})
        return self.measure(new_id)

    def add_followup(self, measure_id: int, text: str, counselor: str = "") -> FollowUp:
        measure = self.measure(measure_id)
        if not text.strip():
            raise ValidationError({"followup": N_("Write the follow-up.")})
        with self.store.write() as conn:
            at = now_utc()
            cur = conn.execute("INSERT INTO emergency_followups (measure_id, client_id, written_at, text, counselor, "
                               "recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                               (measure_id, measure.client_id, at, text.strip(), counselor.strip(), at))
            new_id = int(cur.lastrowid)
            self.store.changed("risk.followup_added", "emergency_followup", new_id,
                               {"client": measure.client_id, "measure": measure_id})
        return next(f for f in self.measure(measure_id).followups if f.id == new_id)

    def _measures(self, where: str, args: tuple[object, ...]) -> builtins.list[EmergencyMeasure]:
        rows = list(self.store.conn.execute(
            "SELECT id, client_id, occurred_at, situation, actions, notified, exception, exception_reason, follow_up, "
            f"counselor, recorded_at FROM emergency_measures WHERE {where} ORDER BY occurred_at DESC, id DESC", args))
        if not rows:
            return []
        ids = [int(r[0]) for r in rows]
        followups: dict[int, list[FollowUp]] = {}
        for i, mid, at, text, who in self.store.conn.execute(
                f"SELECT id, measure_id, written_at, text, counselor FROM emergency_followups WHERE measure_id IN "
                f"({', '.join('?' * len(ids))}) ORDER BY id", ids):
            followups.setdefault(int(mid), []).append(FollowUp(int(i), int(mid), str(at), str(text), str(who)))
        out = []
        for i, c, at, situation, actions, notified, exc, why, follow, who, rec in rows:
            people = tuple(Notification(str(n["party"]), str(n["who"]), datetime.fromisoformat(str(n["at"])))
                           for n in json.loads(str(notified)))
            out.append(EmergencyMeasure(int(c), datetime.fromisoformat(str(at)), str(situation), str(actions), people,
                                        str(exc), str(why), str(follow), str(who), int(i), str(rec),
                                        tuple(followups.get(int(i), []))))
        return out

    def measure(self, measure_id: int) -> EmergencyMeasure:
        found = self._measures("id = ?", (measure_id,))
        if not found:
            raise KeyError(measure_id)
        return found[0]

    def measures(self, client_id: int) -> builtins.list[EmergencyMeasure]:
        """The client's emergency measures, the latest first."""
        return self._measures("client_id = ?", (client_id,))

    # -- emergency contacts ---------------------------------------------------------------------------------------

    def emergency_contacts(self, client_id: int, lang: str = "en") -> EmergencyContacts:
        client = self.clients.get(client_id)
        plan = self.safety_plan(client_id)
        guardian = Contact(client.guardian_name, client.guardian_phone) \
            if client.guardian_name or client.guardian_phone else None
        emergency = Contact(client.emergency_name, client.emergency_phone) \
            if client.emergency_name or client.emergency_phone else None
        return EmergencyContacts(client_id, guardian, emergency, client.phone,
                                 plan.content.help_people if plan else (), plan.content.professionals if plan else (),
                                 tuple(c for c in self.crisis_contacts(lang) if c.phone or c.name), plan is not None)

    def record_contacts_viewed(self, client_id: int) -> None:
        """Looking up a client's contacts in an emergency is worth a line in the trail (ids only)."""
        with self.store.write():
            self.store.changed("risk.contacts_viewed", "emergency_contacts", None, {"client": client_id})


def exception_label(code: str) -> str:
    return EXCEPTION_LABELS.get(code, code)
