"""The relationship check at intake (issue 12.11; practice code 5: no economic interest with the client).

A counselor in a school often teaches, grades, advises or knows the student. At intake the counselor records
whether any other relationship exists with the client: teaches or grades the client, a relative, a colleague,
an economic interest, or another one (described). "None" is recorded too, so the file shows that the check
was made. A "yes" suggests referral to another counselor: it is kept on the client's file and in the audit
trail, and shows on the dashboard until the counselor decides (refer, or continue with the reason why that is
right, e.g. after talking it over with a supervisor). Every check and decision is kept as written; a later
check (a relationship that began later) is a new record.
"""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass
from datetime import date

from ..i18n import N_
from ..vault.audit import now_utc
from .clients import ClientService, ValidationError
from .store import Store

KINDS = ("teaches", "relative", "colleague", "economic", "other")
KIND_LABELS = {"teaches": N_("I teach, grade or assess the client (or may do so)"),
               "relative": N_("The client is a relative or a friend of mine"),
               "colleague": N_("The client is a colleague, or works with me"),
               "economic": N_("There is an economic interest between us (money, business, paid services)"),
               "other": N_("Another relationship (describe it)")}
DECISIONS = ("refer", "continue")
DECISION_LABELS = {"refer": N_("Refer the client to another counselor"),
                   "continue": N_("Continue counseling myself (say why this is right)")}
AUDIT_KINDS: dict[str, str] = {
    "relationship.checked": N_("Relationship check recorded"),
    "relationship.decided": N_("Decision about another relationship with the client recorded"),
}
ENTITY_LABELS: dict[str, str] = {"relationship_check": N_("Relationship check")}
REFERRAL_SUGGESTION = N_("You have another relationship with this client. The code of practice asks for no economic "
                         "interest with clients and to refer when you cannot help impartially: consider referring "
                         "the client to another counselor, and record your decision.")
_MAX_TEXT = 4000


@dataclass(frozen=True)
class Decision:
    id: int
    check_id: int
    decision: str
    reason: str
    decided_by: str
    decided_at: str


@dataclass(frozen=True)
class RelationshipCheck:
    id: int
    client_id: int
    checked_on: date
    relationships: tuple[str, ...]  # empty: no other relationship
    details: str
    checked_by: str
    recorded_at: str
    decision: Decision | None = None

    @property
    def any(self) -> bool:
        return bool(self.relationships)

    @property
    def undecided(self) -> bool:
        """A relationship exists and the counselor has not decided about it yet."""
        return self.any and self.decision is None


class RelationshipService:
    def __init__(self, store: Store, clients: ClientService) -> None:
        self.store = store
        self.clients = clients

    def _checks(self, where: str, args: tuple[object, ...]) -> builtins.list[RelationshipCheck]:
        rows = self.store.conn.execute(
            "SELECT k.id, k.client_id, k.checked_on, k.relationships, k.details, k.checked_by, k.recorded_at, "
            "d.id, d.decision, d.reason, d.decided_by, d.decided_at FROM relationship_checks k "
            "LEFT JOIN relationship_decisions d ON d.id = (SELECT max(id) FROM relationship_decisions "
            f"WHERE check_id = k.id) WHERE {where} ORDER BY k.id", args)
        out = []
        for r in rows:
            decision = None if r[7] is None else Decision(int(r[7]), int(r[0]), str(r[8]), str(r[9]), str(r[10]),
                                                          str(r[11]))
            out.append(RelationshipCheck(int(r[0]), int(r[1]), date.fromisoformat(str(r[2])),
                                         tuple(json.loads(str(r[3]))), str(r[4]), str(r[5]), str(r[6]), decision))
        return out

    def checks(self, client_id: int) -> builtins.list[RelationshipCheck]:
        """Every check of the client, oldest first."""
        return self._checks("k.client_id = ?", (client_id,))

    def latest(self, client_id: int) -> RelationshipCheck | None:
        found = self.checks(client_id)
        return found[-1] if found else None

    def undecided(self, open_cases_only: bool = True) -> builtins.list[RelationshipCheck]:
        """Checks that found another relationship with no decision yet (the dashboard's line), oldest first."""
        where = ("k.relationships <> '[]' AND d.id IS NULL AND k.id = (SELECT max(id) FROM relationship_checks "
                 "WHERE client_id = k.client_id)")
        if open_cases_only:
            where += (" AND k.client_id IN (SELECT id FROM clients WHERE archived_at IS NULL "
                      "AND status != 'closed')")
        return self._checks(where, ())

    def record_check(self, client_id: int, relationships: builtins.list[str] | tuple[str, ...], details: str = "",
                     checked_by: str = "", checked_on: date | None = None) -> RelationshipCheck:
        """Record the check: the relationships found (none: an empty list) and, for "other", what it is."""
        self.clients.get(client_id)
        checked_on = checked_on or date.today()
        found = [k for k in KINDS if k in relationships]
        errors: dict[str, str] = {}
        if len(found) != len(set(relationships)):
            errors["relationships"] = N_("An unknown kind of relationship was chosen.")
        if "other" in found and not details.strip():
            errors["details"] = N_("Describe the other relationship.")
        if len(details) > _MAX_TEXT:
            errors["details"] = N_("The text is too long.")
        if checked_on > date.today():
            errors["checked_on"] = N_("The date cannot be in the future.")
        if errors:
            raise ValidationError(errors)
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO relationship_checks (client_id, checked_on, relationships, details, "
                               "checked_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                               (client_id, checked_on.isoformat(), json.dumps(found), details.strip(),
                                checked_by.strip(), now_utc()))
            check_id = int(cur.lastrowid)
            self.store.changed("relationship.checked", "relationship_check", check_id,
                               {"client": client_id, "relationships": found})
        return next(c for c in self.checks(client_id) if c.id == check_id)

    def decide(self, check_id: int, decision: str, reason: str, decided_by: str) -> RelationshipCheck:
        rows = self._checks("k.id = ?", (check_id,))
        if not rows:
            raise KeyError(check_id)
        check = rows[0]
        errors: dict[str, str] = {}
        if not check.any:
            errors["decision"] = N_("This check found no other relationship: there is nothing to decide.")
        elif check.decision is not None:
            errors["decision"] = N_("A decision about this relationship is already recorded.")
        if decision not in DECISIONS:
            errors["decision"] = N_("Choose whether to refer the client or to continue.")
        if not reason.strip():
            errors["reason"] = N_("Write the reason for the decision.")
        elif len(reason) > _MAX_TEXT:
            errors["reason"] = N_("The text is too long.")
        if not decided_by.strip():
            errors["decided_by"] = N_("Enter the name of the counselor who decides.")
        if errors:
            raise ValidationError(errors)
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO relationship_decisions (check_id, client_id, decision, reason, decided_by, "
                               "decided_at) VALUES (?, ?, ?, ?, ?, ?)",
                               (check_id, check.client_id, decision, reason.strip(), decided_by.strip(), now_utc()))
            self.store.changed("relationship.decided", "relationship_check", check_id,
                               {"client": check.client_id, "decision": decision, "row": int(cur.lastrowid)})
        return self._checks("k.id = ?", (check_id,))[0]


__all__ = ["AUDIT_KINDS", "DECISIONS", "DECISION_LABELS", "ENTITY_LABELS", "KINDS", "KIND_LABELS",
           "REFERRAL_SUGGESTION", "RelationshipCheck", "RelationshipService"]
