"""The dashboard: what the code of practice says is due, one line a rule, each naming what it counts.

Every line carries what it counts: either a page of the program (`section`, e.g. the appointment book for
today's appointments) or the clients concerned (`load_items()`, each opening one tab of one client's file). A
line's count and wording come from a count in SQL; the rules whose lists grow with the practice (consent,
dependency) build their items only when the counselor opens the line, so the dashboard costs the same few
questions however many clients there are (issue 14). A line whose rule fails to read (a damaged table, say)
becomes a line saying so; the other lines still show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ..i18n import N_, language
from ..vault.backup import backup_age_days, remind_days
from ..vault.errors import VaultError
from .consent import STATUS_LABELS as CONSENT_STATUS_LABELS
from .store import Store

if TYPE_CHECKING:
    from .appointments import AppointmentService
    from .casework import DependencyService
    from .consent import ConsentService
    from .critical import CriticalAnswerService
    from .group_sessions import GroupSessionService
    from .notes import NoteService
    from .psychtests import PsychTestService
    from .referrals import ReferralService
    from .relationships import RelationshipService
    from .retention import RetentionService
    from .risk import RiskService
    from .training import TrainingService

log = logging.getLogger(__name__)

# The lines in the order the page shows them.
KEYS = ("appointments", "critical", "notes", "group_notes", "consent", "relationships", "tests", "risk", "referrals",
        "dependency", "backup", "training", "punctuality", "retention")
# The counselor's own punctuality is shown over this many days (practice code 6, room code 11).
PUNCTUALITY_DAYS = 90


@dataclass(frozen=True)
class DashboardItem:
    """One thing a line counts, in one client's file: `tab` is the client page's tab that shows it."""

    client_id: int
    tab: str
    msgid: str  # what is due, translated by the page
    params: dict[str, object] = field(default_factory=dict)
    when: str = ""  # a date for sorting and showing (ISO), or ""


@dataclass(frozen=True)
class DashboardLine:
    key: str
    msgid: str
    params: dict[str, object]
    count: int  # how many things are due (0: nothing to do)
    attention: bool  # shown as needing action
    section: str | None = None  # the page that shows what the line counts
    has_items: bool = False  # the line lists the clients it counts: load_items() reads them
    failed: bool = False  # the rule could not be read; msgid says so
    loader: Callable[[], tuple[DashboardItem, ...]] | None = field(default=None, compare=False, repr=False)

    def load_items(self) -> tuple[DashboardItem, ...]:
        """The things the line counts, read now (the counselor opened the line); () for a line without items."""
        return self.loader() if self.loader is not None else ()


def _with_items(key: str, msgid: str, params: dict[str, object], count: int, attention: bool,
                items: tuple[DashboardItem, ...] | Callable[[], tuple[DashboardItem, ...]]) -> DashboardLine:
    """A line listing clients: `items` already built (small lists), or a function building them when opened."""
    loader = items if callable(items) else (lambda: items)
    return DashboardLine(key, msgid, params, count, attention, has_items=count > 0, loader=loader)


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


@dataclass(frozen=True)
class DashboardSources:
    """The services whose records the dashboard's rules read (given at construction, in build order)."""

    appointments: AppointmentService
    notes: NoteService
    consent: ConsentService
    psychtests: PsychTestService
    risk: RiskService
    referrals: ReferralService
    dependency: DependencyService
    training: TrainingService
    retention: RetentionService
    critical: CriticalAnswerService | None = None  # issue 12: critical answers, relationship checks, group notes
    relationships: RelationshipService | None = None
    groups: GroupSessionService | None = None


class DashboardService:
    """Reads the other services; writes nothing."""

    def __init__(self, store: Store, sources: DashboardSources) -> None:
        self.store = store
        self.services = sources

    def lines(self, now: datetime | None = None) -> list[DashboardLine]:
        now = now or datetime.now()
        return [self.line(key, now) for key in KEYS]

    def items(self, key: str, now: datetime | None = None) -> tuple[DashboardItem, ...]:
        """The things one line counts, read when the counselor opens it."""
        return self.line(key, now).load_items()

    def line(self, key: str, now: datetime | None = None) -> DashboardLine:
        now = now or datetime.now()
        rule: Callable[[datetime], DashboardLine] = getattr(self, f"_{key}")
        try:
            return rule(now)
        except VaultError as e:
            log.error("dashboard rule %s could not be read: %s", key, type(e).__name__)
            return DashboardLine(key, N_("This line could not be read: {problem}"), {"problem": e.message()}, 0,
                                 True, failed=True)

    # -- the rules ---------------------------------------------------------------------------------------------

    def _appointments(self, now: datetime) -> DashboardLine:
        booked = [a for a in self.services.appointments.day(now.date()) if not a.cancelled]
        count = len(booked)
        msgid = N_("No appointments today") if count == 0 else _plural(
            count, N_("{count} appointment today"), N_("{count} appointments today"))
        return DashboardLine("appointments", msgid, {"count": count}, count, False, section="appointments")

    def _notes(self, now: datetime) -> DashboardLine:
        overdue = self.services.notes.overdue(now)
        count = len(overdue)
        msgid = N_("No session notes overdue") if count == 0 else _plural(
            count, N_("{count} session note overdue"), N_("{count} session notes overdue"))
        return DashboardLine("notes", msgid, {"count": count}, count, count > 0, section="overdue")

    def _consent(self, now: datetime) -> DashboardLine:
        consent = self.services.consent

        def items() -> tuple[DashboardItem, ...]:
            return tuple(DashboardItem(client_id, "consent", CONSENT_STATUS_LABELS.get(status, status))
                         for client_id, status in consent.needing_attention())

        count = consent.count_needing_attention()
        msgid = N_("Every open case has a signed, current consent") if count == 0 else _plural(
            count, N_("{count} client without a signed or current consent"),
            N_("{count} clients without a signed or current consent"))
        return _with_items("consent", msgid, {"count": count}, count, count > 0, items)

    def _critical(self, now: datetime) -> DashboardLine:
        """Critical test answers with no risk assessment and no reasoned decision yet (issue 12.1)."""
        critical = self.services.critical
        found = critical.pending(open_cases_only=True) if critical is not None else []
        tests = self.services.psychtests
        items = tuple(DashboardItem(
            p.client_id, "tests", N_("{instrument}: critical answer (item {items}) with no risk assessment yet"),
            {"instrument": tests.instrument_of(p.administration).short_in(language()),
             "items": ", ".join(str(i) for i in p.items)}, p.administration.day.isoformat()) for p in found)
        count = len(items)
        msgid = N_("No critical test answer waits for a risk assessment") if count == 0 else _plural(
            count, N_("{count} critical test answer without a risk assessment"),
            N_("{count} critical test answers without a risk assessment"))
        return _with_items("critical", msgid, {"count": count}, count, count > 0, items)

    def _group_notes(self, now: datetime) -> DashboardLine:
        groups = self.services.groups
        overdue = groups.overdue_notes(now, self.services.notes.overdue_hours()) if groups is not None else []
        count = len(overdue)
        msgid = N_("No group notes overdue") if count == 0 else _plural(
            count, N_("{count} group note overdue"), N_("{count} group notes overdue"))
        return DashboardLine("group_notes", msgid, {"count": count}, count, count > 0, section="groups")

    def _relationships(self, now: datetime) -> DashboardLine:
        """Another relationship with a client found at intake and not decided yet (issue 12.11)."""
        relationships = self.services.relationships
        found = relationships.undecided() if relationships is not None else []
        items = tuple(DashboardItem(c.client_id, "overview",
                                    N_("Another relationship recorded on {date}: refer or continue?"),
                                    {"date": c.checked_on.isoformat()}, c.checked_on.isoformat()) for c in found)
        count = len(items)
        msgid = N_("No other relationship with a client waits for a decision") if count == 0 else _plural(
            count, N_("{count} client with another relationship to decide about"),
            N_("{count} clients with another relationship to decide about"))
        return _with_items("relationships", msgid, {"count": count}, count, count > 0, items)

    def _punctuality(self, now: datetime) -> DashboardLine:
        """The counselor's own punctuality over the last PUNCTUALITY_DAYS days (issue 12.9)."""
        since = now.date() - timedelta(days=PUNCTUALITY_DAYS - 1)
        p = self.services.appointments.counselor_punctuality_counts(since, now.date())  # counted in SQL
        if p.held == 0:
            return DashboardLine("punctuality", N_("Your punctuality: no sessions held in the last {days} days"),
                                 {"days": PUNCTUALITY_DAYS}, 0, False, section="training")
        if p.counselor_late == 0:
            return DashboardLine("punctuality", N_("Your punctuality: on time for all {held} sessions in the last "
                                                   "{days} days"), {"held": p.held, "days": PUNCTUALITY_DAYS}, 0,
                                 False, section="training")
        msgid = N_("Your punctuality: late for {late} of {held} sessions in the last {days} days (on average "
                   "{minutes} min)")
        return DashboardLine("punctuality", msgid,
                             {"late": p.counselor_late, "held": p.held, "days": PUNCTUALITY_DAYS,
                              "minutes": round(p.average_minutes_late)}, p.counselor_late, False, section="training")

    def _tests(self, now: datetime) -> DashboardLine:
        tests = self.services.psychtests
        titles: dict[tuple[str, int], str] = {}
        items = []
        for a in tests.missing_explanation_or_feedback():
            if (a.instrument_id, a.version) not in titles:
                titles[a.instrument_id, a.version] = tests.instrument(a.instrument_id, a.version).short_in(language())
            what = (N_("{instrument}: no explanation before the test and no feedback after it")
                    if a.missing_explanation and a.missing_feedback
                    else N_("{instrument}: no explanation recorded before the test") if a.missing_explanation
                    else N_("{instrument}: no feedback recorded after the test"))
            items.append(DashboardItem(a.client_id, "tests", what, {"instrument": titles[a.instrument_id, a.version]},
                                       a.day.isoformat()))
        count = len(items)
        msgid = N_("No test lacks its explanation or feedback") if count == 0 else _plural(
            count, N_("{count} test without its explanation before or feedback after"),
            N_("{count} tests without their explanation before or feedback after"))
        return _with_items("tests", msgid, {"count": count}, count, count > 0, tuple(items))

    def _risk(self, now: datetime) -> DashboardLine:
        found = self.services.risk.flags_needing_attention(now.date())
        items = []
        for f in found:
            if f.no_safety_plan and f.review_due:
                what = N_("No safety plan; review was due {date}")
            elif f.no_safety_plan:
                what = N_("Flagged without a safety plan")
            else:
                what = N_("Flag review was due {date}")
            items.append(DashboardItem(f.client_id, "risk", what, {"date": f.review_on.isoformat()},
                                       f.review_on.isoformat()))
        count = len(items)
        msgid = N_("Every risk flag has a safety plan and a review date ahead") if count == 0 else _plural(
            count, N_("{count} risk flag without a safety plan or past its review date"),
            N_("{count} risk flags without a safety plan or past their review date"))
        return _with_items("risk", msgid, {"count": count}, count, count > 0, tuple(items))

    def _referrals(self, now: datetime) -> DashboardLine:
        found = self.services.referrals.awaiting_follow_up(now.date())
        items = tuple(DashboardItem(r.client_id, "referrals", N_("Referral to {recipient}: follow-up due {date}"),
                                    {"recipient": r.recipient_label, "date": str(r.due_on)},
                                    str(r.due_on)) for r in found)
        count = len(items)
        msgid = N_("No referral awaits its follow-up") if count == 0 else _plural(
            count, N_("{count} referral awaiting follow-up"), N_("{count} referrals awaiting follow-up"))
        return _with_items("referrals", msgid, {"count": count}, count, count > 0, items)

    def _dependency(self, now: datetime) -> DashboardLine:
        dependency = self.services.dependency

        def items() -> tuple[DashboardItem, ...]:
            return tuple(DashboardItem(a.client_id, "casework",
                                       N_("{in_window} sessions in the last {weeks} weeks, {total} in all"),
                                       {"in_window": a.in_window, "weeks": a.thresholds.window_weeks,
                                        "total": a.total})
                         for a in dependency.alerts(now))

        count = dependency.count_alerts(now)
        msgid = N_("No dependency alerts") if count == 0 else _plural(
            count, N_("{count} dependency alert"), N_("{count} dependency alerts"))
        return _with_items("dependency", msgid, {"count": count}, count, count > 0, items)

    def _backup(self, now: datetime) -> DashboardLine:
        session = self.store.session
        age = backup_age_days(session, now.astimezone(UTC))
        limit = remind_days(session)
        if age is None:
            return DashboardLine("backup", N_("This vault has never been backed up"), {}, 1, True, section="backup")
        msgid = N_("Last verified backup: today") if age == 0 else _plural(
            age, N_("Last verified backup: {days} day ago"), N_("Last verified backup: {days} days ago"))
        return DashboardLine("backup", msgid, {"days": age}, age, age >= limit, section="backup")

    def _training(self, now: datetime) -> DashboardLine:
        year = self.services.training.year_summary(now.year)
        hours = f"{year.hours:g}"
        if year.target:
            return DashboardLine("training", N_("Training this year: {hours} of {target} hours"),
                                 {"hours": hours, "target": f"{year.target:g}"}, 0, False, section="training")
        return DashboardLine("training", N_("Training this year: {hours} hours"), {"hours": hours}, 0, False,
                             section="training")

    def _retention(self, now: datetime) -> DashboardLine:
        count = self.services.retention.count_past_retention(now.date())  # the page lists them
        msgid = N_("No records past their retention period") if count == 0 else _plural(
            count, N_("{count} record set past its retention period"),
            N_("{count} record sets past their retention period"))
        return DashboardLine("retention", msgid, {"count": count}, count, count > 0, section="retention")
