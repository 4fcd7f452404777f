"""Critical test answers are not forgotten (issue 12.1).

A critical answer (PHQ-9 item 9 above zero, or any critical item of a questionnaire) stays open until either a
risk assessment is recorded for it, or the counselor records a reasoned decision that none is needed, with
their name and the time (both audited). Until then it is "pending": the dashboard has a line for it and the
client's file and Tests tab carry a badge. Because answers are saved the moment they are given, this holds
also when the window locked while the client was answering on the client screen: after the unlock the
pending answer is still there to be asked about.

A risk assessment "for it" is one linked to the test here (recorded from the prompt), or any assessment of
the same client made at or after the time the test was started (one made on the Risk tab directly counts).
"""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..i18n import N_
from ..vault.audit import now_utc
from .clients import ValidationError
from .instruments import CriticalItem
from .psychtests import Administration, PsychTestService
from .psychtests import _row as administration_row
from .risk import RiskAssessment, RiskService
from .store import Store

AUDIT_KINDS: dict[str, str] = {
    "test.critical_assessed": N_("Risk assessment recorded for a critical test answer"),
    "test.critical_no_assessment": N_("Decision recorded that a critical test answer needs no risk assessment"),
}
ENTITY_LABELS: dict[str, str] = {"critical_follow_up": N_("Follow-up of a critical test answer")}
_MAX_REASON = 4000

_ADMIN_COLUMNS = ("t.id, t.client_id, t.instrument_id, t.version, t.definition_id, t.mode, t.started_at, "
                  "t.explanation, t.explained_at, t.answers, t.completed_at, t.result, t.feedback, t.feedback_at")


@dataclass(frozen=True)
class FollowUp:
    id: int
    client_id: int
    administration_id: int
    items: tuple[int, ...]
    assessment_id: int | None
    reason: str
    decided_by: str
    decided_at: str

    @property
    def assessed(self) -> bool:
        return self.assessment_id is not None


@dataclass(frozen=True)
class PendingCritical:
    """A test whose critical answers have no risk assessment and no decision yet."""
    administration: Administration
    hits: tuple[CriticalItem, ...]

    @property
    def client_id(self) -> int:
        return self.administration.client_id

    @property
    def items(self) -> tuple[int, ...]:
        return tuple(h.item for h in self.hits)

    @property
    def on_client_screen(self) -> bool:
        """Answered by the client on the client screen (the counselor may not have seen the answer yet)."""
        return self.administration.mode == "client"


def _aware(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp)
    return moment.astimezone() if moment.tzinfo is None else moment  # naive: the room's wall-clock time


class CriticalAnswerService:
    def __init__(self, store: Store, tests: PsychTestService, risk: RiskService) -> None:
        self.store = store
        self.tests = tests
        self.risk = risk

    # -- reading ----------------------------------------------------------------------------------------------

    def follow_ups(self, administration_id: int) -> builtins.list[FollowUp]:
        rows = self.store.conn.execute(
            "SELECT id, client_id, administration_id, items, assessment_id, reason, decided_by, decided_at "
            "FROM critical_follow_ups WHERE administration_id = ? ORDER BY id", (administration_id,))
        return [FollowUp(int(r[0]), int(r[1]), int(r[2]), tuple(int(i) for i in json.loads(r[3])),
                         None if r[4] is None else int(r[4]), str(r[5]), str(r[6]), str(r[7])) for r in rows]

    def pending(self, client_id: int | None = None, open_cases_only: bool = False) -> builtins.list[PendingCritical]:
        """Tests with critical answers still waiting for a risk assessment or a decision, oldest first. With
        `open_cases_only` (the dashboard), clients whose case is closed or whose file is archived are left out."""
        where = ["((t.completed_at IS NOT NULL AND json_array_length(t.result, '$.critical') > 0) "
                 "OR (t.completed_at IS NULL AND t.answers <> '{}'))"]
        args: list[object] = []
        if client_id is not None:
            where.append("t.client_id = ?")
            args.append(client_id)
        if open_cases_only:
            where.append("c.archived_at IS NULL AND c.status != 'closed'")
        rows = self.store.conn.execute(
            f"SELECT {_ADMIN_COLUMNS} FROM test_administrations t JOIN clients c ON c.id = t.client_id "
            f"WHERE {' AND '.join(where)} ORDER BY t.started_at, t.id", args).fetchall()
        if not rows:
            return []
        candidates = [administration_row(r) for r in rows]
        ids = sorted({a.client_id for a in candidates})
        latest = dict(self.store.conn.execute(
            "SELECT client_id, max(assessed_at) FROM risk_assessments WHERE client_id IN (SELECT value FROM "
            "json_each(?)) GROUP BY client_id", (json.dumps(ids),)).fetchall())
        covered: dict[int, set[int]] = {}
        for administration_id, items in self.store.conn.execute(
                "SELECT administration_id, items FROM critical_follow_ups WHERE administration_id IN "
                "(SELECT value FROM json_each(?))", (json.dumps([a.id for a in candidates]),)):
            covered.setdefault(int(administration_id), set()).update(int(i) for i in json.loads(items))
        out = []
        for a in candidates:
            assessed = latest.get(a.client_id)
            # An assessment made at or after the start of the test (assessment times are kept to the minute).
            if assessed and _aware(str(assessed)) >= _aware(a.started_at).replace(second=0, microsecond=0):
                continue
            hits = tuple(h for h in self.tests.critical_hits(a) if h.item not in covered.get(a.id, set()))
            if hits:
                out.append(PendingCritical(a, hits))
        return out

    def pending_for(self, administration_id: int) -> PendingCritical | None:
        a = self.tests.get(administration_id)
        return next((p for p in self.pending(a.client_id) if p.administration.id == administration_id), None)

    def assessments_since(self, administration_id: int) -> builtins.list[RiskAssessment]:
        """The client's assessments made at or after the test started (any of them may be linked to it)."""
        a = self.tests.get(administration_id)
        start = _aware(a.started_at).replace(second=0, microsecond=0)
        return [r for r in self.risk.assessments(a.client_id) if r.assessed_at.astimezone() >= start]

    # -- writing ----------------------------------------------------------------------------------------------

    def _open_hits(self, administration_id: int) -> tuple[Administration, tuple[int, ...]]:
        a = self.tests.get(administration_id)
        hits = tuple(h.item for h in self.tests.critical_hits(a))
        if not hits:
            raise ValidationError({"test": N_("This test has no critical answer.")})
        return a, hits

    def _insert(self, a: Administration, items: tuple[int, ...], assessment_id: int | None, reason: str,
                decided_by: str, kind: str) -> FollowUp:
        with self.store.write() as conn:
            cur = conn.execute(
                "INSERT INTO critical_follow_ups (client_id, administration_id, items, assessment_id, reason, "
                "decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (a.client_id, a.id, json.dumps(list(items)), assessment_id, reason, decided_by, now_utc()))
            follow_up_id = int(cur.lastrowid)
            detail: dict[str, object] = {"client": a.client_id, "test": a.id, "items": list(items)}
            if assessment_id is not None:
                detail["assessment"] = assessment_id
            self.store.changed(kind, "critical_follow_up", follow_up_id, detail)
        return next(f for f in self.follow_ups(a.id) if f.id == follow_up_id)

    def record_assessment(self, administration_id: int, assessment: RiskAssessment,
                          now: datetime | None = None) -> FollowUp:
        """Save a risk assessment made because of the test's critical answers and link it, in one step."""
        a, items = self._open_hits(administration_id)
        if assessment.client_id != a.client_id:
            raise ValidationError({"client": N_("The assessment is for another client.")})
        with self.store.write():
            saved = self.risk.save_assessment(assessment, now)
            assert saved.id is not None
            return self._insert(a, items, saved.id, "", saved.counselor, "test.critical_assessed")

    def link_assessment(self, administration_id: int, assessment_id: int) -> FollowUp:
        """Name an assessment already recorded (at or after the start of the test) as the one for this test."""
        a, items = self._open_hits(administration_id)
        assessment = next((r for r in self.assessments_since(administration_id) if r.id == assessment_id), None)
        if assessment is None:
            raise ValidationError({"assessment": N_("Choose an assessment of this client made after the test "
                                                    "started.")})
        return self._insert(a, items, assessment_id, "", assessment.counselor, "test.critical_assessed")

    def decide_no_assessment(self, administration_id: int, reason: str, decided_by: str) -> FollowUp:
        """The counselor's reasoned decision that the critical answers need no risk assessment (with their name;
        the time is recorded)."""
        a, items = self._open_hits(administration_id)
        errors: dict[str, str] = {}
        if len(reason.strip()) < 10:
            errors["reason"] = N_("Write why no risk assessment is needed (what the client said about the answer, "
                                  "what you checked).")
        elif len(reason) > _MAX_REASON:
            errors["reason"] = N_("The text is too long.")
        if not decided_by.strip():
            errors["decided_by"] = N_("Enter the name of the counselor who decides.")
        if errors:
            raise ValidationError(errors)
        return self._insert(a, items, None, reason.strip(), decided_by.strip(), "test.critical_no_assessment")


def minutes_ago(stamp: str, now: datetime | None = None) -> int:
    """How long ago a UTC stamp was, in whole minutes (for 'answered 12 minutes ago')."""
    now = now or datetime.now(UTC)
    return max(0, int((now - _aware(stamp)) / timedelta(minutes=1)))


__all__ = ["AUDIT_KINDS", "ENTITY_LABELS", "CriticalAnswerService", "FollowUp", "PendingCritical"]
