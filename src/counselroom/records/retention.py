"""Retention rules per record kind, records past retention, destruction and the disposal register.

Two kinds of record have a rule each (kept in settings):

- `case_file`: everything the vault holds on one client, the client file itself included. Kept for N
  years after the case was closed, or after the client left the room's care (graduation, transfer:
  a leaving date recorded here), whichever the counselor chooses. A case that is not closed (never
  closed, or reopened) is never past retention, whatever the rule says.
- `tests`: psychological test administrations with their answers and scores. Kept for N years after
  each test was given, or (like the case file) after the case closed or the client left. A narrower
  rule lets a room that screens every student (UPI on arrival, say) erase old screening results of
  students who never became cases, while the rest of the file is kept.

Defaults: 3 years after the case closed for both, the minimum of the Chinese Psychological Society's
code of ethics for clinical and counseling psychology (records are kept at least 3 years after the
professional service ends); a room that must keep them longer (a school's own rules, a hospital's)
sets more.

Destruction happens only on the counselor's word: the past-retention list is reviewed, items are
chosen, the counselor types the client's code (or the word DESTROY) and re-enters the passphrase. Then,
in one transaction, the guard row that lets the read-only triggers through is written, every row of the
client's records is deleted in every table that holds them (found from the schema, not from a list, so
tables added later are covered: every table with a `client_id` column, and every row that references a
destroyed row through a foreign key), the search index entries go, the guard row is deleted again, and
the disposal register row and the audit entry are written. The export register keeps its rows: what left
the room stays on record, but the row loses its link to the client, to the client's authorization and its
free-text justification (see vault/schema_retention.py).

Leaving no trace: `secure_delete` is on (freed space is zeroed), the search index uses FTS5's
secure-delete, and the rollback journal, which holds the pages as they were before the transaction (the
destroyed records, encrypted), is overwritten with zeros before it is deleted.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ..i18n import N_
from ..vault import compaction, faults
from ..vault.audit import now_utc
from . import search
from .clients import ClientService, ValidationError
from .settings import SettingsService
from .store import SafeConnection, Store

log = logging.getLogger(__name__)

KINDS = ("case_file", "tests")
KIND_LABELS = {"case_file": N_("Whole case file"), "tests": N_("Psychological test results")}
ANCHORS = {"case_file": ("closed", "left"), "tests": ("closed", "left", "administered")}
ANCHOR_LABELS = {"closed": N_("after the case was closed"),
                 "left": N_("after the client left (graduation, transfer)"),
                 "administered": N_("after each test was given")}
EVENT_LABELS = {"closed": N_("Case closed"), "left": N_("Client left"), "administered": N_("Test given")}
DEFAULT_YEARS = 3
MIN_YEARS, MAX_YEARS = 1, 100
SETTING_PREFIX = "retention.rule."
LEAVING_REASONS = ("graduated", "transferred", "other")
LEAVING_LABELS = {"graduated": N_("Graduated"), "transferred": N_("Transferred or moved away"), "other": N_("Other")}
# The fixed word that confirms a destruction (either language's word is accepted).
CONFIRM_WORD = N_("DESTROY")
CONFIRM_WORDS = ("DESTROY", "销毁")

# Test administrations: the root rows of the `tests` kind (their answers and scores hang off them by
# foreign key). Absent until the psychological tests part has its tables.
TESTS_TABLE = "test_administrations"
# The day a test was given: when it was completed, or started if it never was (UTC timestamps).
TESTS_DATE_COLUMNS = ("completed_at", "started_at")

# Tables whose rows outlive a destroyed case file, unlinked (columns set to these values).
KEPT_UNLINKED = {"export_register": {"client_id": None, "authorization_id": None, "justification": ""}}
# Tables that are never a client's records, whatever their columns say.
NOT_RECORDS = frozenset({"disposal_guard", "disposal_register", "audit_log", "audit_head", "meta", "settings"})

# Audit kinds this part writes, with their labels for the audit viewer.
AUDIT_KINDS: dict[str, str] = {
    "retention.rule_set": N_("Retention rule changed"),
    "retention.leaving_date_set": N_("Client's leaving date recorded"),
    "retention.leaving_date_removed": N_("Client's leaving date removed"),
    "retention.destroyed": N_("Records destroyed after their retention period"),
    # Written by vault/compaction.py, after a destruction as after a backup; listed here, with this part's
    # kinds, because the audit viewer gathers its labels from the records parts.
    "vault.compacted": N_("Vault compacted (its file rebuilt, every record kept)"),
}
# Entities this part names in the audit trail, with their labels.
ENTITY_LABELS: dict[str, str] = {"disposal": N_("Disposal register entry"), "retention_rule": N_("Retention rule")}

# How the tables a destruction touches are named to a counselor (any other table: "other records").
TABLE_LABELS = {
    "clients": N_("client file"), "appointments": N_("appointments"), "notes": N_("session notes"),
    "note_private": N_("private process notes"), "addenda": N_("addenda"), "consents": N_("consents"),
    "consent_withdrawals": N_("consent withdrawals"), "group_members": N_("group memberships"),
    "group_agreements": N_("group confidentiality agreements"),
    "release_authorizations": N_("release authorizations"), "dependency_reviews": N_("dependency reviews"),
    "case_closures": N_("case closures"), "client_departures": N_("leaving date"),
    "test_administrations": N_("test administrations"), "risk_assessments": N_("risk assessments"),
    "risk_flag_events": N_("risk flag entries"), "safety_plans": N_("safety plan versions"),
    "emergency_measures": N_("emergency measures"), "emergency_followups": N_("emergency follow-ups"),
    "referrals": N_("referrals"), "referral_follow_ups": N_("referral follow-ups"),
    "referral_letters": N_("referral letter links"),
    # issue 12
    "critical_follow_ups": N_("follow-ups of critical test answers"),
    "guardian_signatures": N_("guardian signatures"), "relationship_checks": N_("relationship checks"),
    "relationship_decisions": N_("decisions about other relationships"),
    # issue 15
    "screening_rows": N_("screening answers linked to the client"), "liaison_records": N_("liaison contacts"),
    "client_school_details": N_("grade and presenting concerns"),
}


@dataclass(frozen=True)
class Rule:
    kind: str
    years: int
    anchor: str


DEFAULT_RULES = {"case_file": Rule("case_file", DEFAULT_YEARS, "closed"),
                 "tests": Rule("tests", DEFAULT_YEARS, "closed")}


@dataclass(frozen=True)
class RetentionItem:
    """One client's records of one kind whose retention period has ended."""
    client_id: int
    client_code: str
    kind: str
    anchor: str  # the rule's anchor: closed, left, administered
    anchor_date: date  # the date the period ran from
    anchor_event: str  # what happened on that date: closed (the case), left (the client), administered (a test)
    due_date: date  # the first day the records may be destroyed (anchor date + the rule's years)
    years: int
    counts: tuple[tuple[str, int], ...]  # (table, rows) of the records (see _file_counts)

    @property
    def key(self) -> tuple[int, str]:
        return self.client_id, self.kind

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)

    def count(self, table: str) -> int:
        return dict(self.counts).get(table, 0)


@dataclass(frozen=True)
class Departure:
    client_id: int
    left_on: date
    reason: str


@dataclass(frozen=True)
class DisposalEntry:
    id: int
    number: str
    destroyed_at: str
    destroyed_on: date
    kind: str
    client_code: str
    rule_years: int
    rule_anchor: str
    anchor_date: date
    due_date: date
    counts: dict[str, int]
    exports_unlinked: list[str]
    confirmation: str

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 1 March (never earlier than a full N years)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def latest_due(today: date, years: int) -> date:
    """The latest anchor date whose period of `years` has ended on or before `today`: `add_years(d, years) <=
    today` exactly when `d <= latest_due(today, years)` (add_years never goes back), so SQL can compare dates."""
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # today is 29 February
        day = date(today.year - years, 2, 28)
    while add_years(day, years) > today:
        day -= timedelta(days=1)
    while add_years(day + timedelta(days=1), years) <= today:
        day += timedelta(days=1)
    return day


def table_label(table: str) -> str:
    return TABLE_LABELS.get(table, N_("other records"))


# ---------------------------------------------------------------- the schema, read from the vault

@dataclass(frozen=True)
class _ForeignKey:
    table: str  # the referencing table
    column: str
    parent: str
    parent_column: str | None  # None: the parent's primary key
    not_null: bool


@dataclass(frozen=True)
class _Schema:
    tables: tuple[str, ...]  # ordinary tables that may hold records
    columns: dict[str, tuple[str, ...]]
    foreign_keys: tuple[_ForeignKey, ...]

    def client_tables(self) -> list[str]:
        """Tables whose rows name a client directly (the `clients` table itself first)."""
        return ["clients"] + [t for t in self.tables if "client_id" in self.columns[t] and t != "clients"
                              and t not in KEPT_UNLINKED]

    def referencing(self, parent: str) -> list[_ForeignKey]:
        return [fk for fk in self.foreign_keys if fk.parent == parent]


def _read_schema(conn: SafeConnection) -> _Schema:
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")
    entries = [(str(n), str(s or "")) for n, s in rows]
    virtual = [n for n, s in entries if s.upper().startswith("CREATE VIRTUAL")]
    tables = tuple(n for n, _ in entries if n not in virtual and n not in NOT_RECORDS
                   and not any(n.startswith(v + "_") for v in virtual))
    columns: dict[str, tuple[str, ...]] = {}
    fks: list[_ForeignKey] = []
    for table in tables:
        info = conn.execute("SELECT name, \"notnull\", pk FROM pragma_table_info(?)", (table,)).fetchall()
        columns[table] = tuple(str(r[0]) for r in info)
        not_null = {str(r[0]) for r in info if r[1] or r[2]}
        for fk in conn.execute("SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?)",
                               (table,)).fetchall():
            fks.append(_ForeignKey(table, str(fk[2]), str(fk[1]), None if fk[3] is None else str(fk[3]),
                                   str(fk[2]) in not_null))
    return _Schema(tables, columns, tuple(fks))


def _chunks(values: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class _Plan:
    """The rows one destruction removes (rowids by table) and the rows it unlinks."""
    delete: dict[str, set[int]]
    unlink: dict[str, set[int]]  # table -> rowids whose references to destroyed rows are set NULL

    def counts(self) -> dict[str, int]:
        return {t: len(ids) for t, ids in self.delete.items() if ids}


def _plan(conn: SafeConnection, schema: _Schema, roots: dict[str, set[int]]) -> _Plan:
    """From the root rows, follow every foreign key down: a row that references a destroyed row through a
    NOT NULL column cannot exist without it and is destroyed too; one that references it through a column
    that may be blank is kept with the reference blanked (listed in `unlink`)."""
    delete: dict[str, set[int]] = {t: set(ids) for t, ids in roots.items()}
    unlink: dict[str, set[int]] = {}
    pending = [t for t, ids in delete.items() if ids]
    while pending:
        parent = pending.pop()
        parent_ids = sorted(delete.get(parent, set()))
        for fk in schema.referencing(parent):
            if fk.table in KEPT_UNLINKED:
                continue
            found: set[int] = set()
            for chunk in _chunks(parent_ids):
                marks = ", ".join("?" * len(chunk))
                key = "rowid" if fk.parent_column is None else _q(fk.parent_column)
                rows = conn.execute(f"SELECT rowid FROM {_q(fk.table)} WHERE {_q(fk.column)} IN "
                                    f"(SELECT {key} FROM {_q(parent)} WHERE rowid IN ({marks}))", tuple(chunk))
                found |= {int(r[0]) for r in rows}
            if not found:
                continue
            if fk.not_null:
                new = found - delete.setdefault(fk.table, set())
                if new:
                    delete[fk.table] |= new
                    pending.append(fk.table)
            else:
                unlink.setdefault(fk.table, set()).update(found)
    for table, ids in unlink.items():
        ids -= delete.get(table, set())
    return _Plan(delete, {t: ids for t, ids in unlink.items() if ids})


def _deletion_order(schema: _Schema, tables: Iterable[str]) -> list[str]:
    """Children before parents (a table referencing another is emptied first)."""
    todo = set(tables)
    order: list[str] = []
    while todo:
        leaves = sorted(t for t in todo if not any(fk.parent == t and fk.table in todo and fk.table != t
                                                   for fk in schema.foreign_keys))
        if not leaves:  # a cycle: the deferred foreign keys settle it at commit
            leaves = sorted(todo)
        order += leaves
        todo -= set(leaves)
    return order


class RetentionService:
    def __init__(self, store: Store, clients: ClientService, settings: SettingsService) -> None:
        self.store = store
        self.clients = clients
        self.settings = settings

    # ------------------------------------------------------------ rules
    def rule(self, kind: str) -> Rule:
        default = DEFAULT_RULES[kind]
        value = self.settings.get(SETTING_PREFIX + kind)
        if not isinstance(value, dict):
            return default
        years, anchor = value.get("years"), value.get("anchor")
        if not isinstance(years, int) or not MIN_YEARS <= years <= MAX_YEARS or anchor not in ANCHORS[kind]:
            return default
        return Rule(kind, years, str(anchor))

    def rules(self) -> dict[str, Rule]:
        return {kind: self.rule(kind) for kind in KINDS}

    def set_rule(self, kind: str, years: int, anchor: str) -> Rule:
        errors: dict[str, str] = {}
        if kind not in KINDS:
            errors["kind"] = N_("Choose which records the rule is for.")
        elif anchor not in ANCHORS[kind]:
            errors["anchor"] = N_("Choose what the retention period counts from.")
        if isinstance(years, bool) or not isinstance(years, int) or not MIN_YEARS <= years <= MAX_YEARS:
            errors["years"] = N_("Keep records for a whole number of years, from 1 to 100.")
        if errors:
            raise ValidationError(errors)
        rule = Rule(kind, years, anchor)
        if rule == self.rule(kind) and self.settings.get(SETTING_PREFIX + kind) is not None:
            return rule
        with self.store.write():
            self.settings.set(SETTING_PREFIX + kind, {"years": years, "anchor": anchor})
            self.store.changed("retention.rule_set", "retention_rule", None,
                               {"kind": kind, "years": years, "anchor": anchor})
        return rule

    # ------------------------------------------------------------ leaving dates
    def departure(self, client_id: int) -> Departure | None:
        row = self.store.conn.execute("SELECT client_id, left_on, reason FROM client_departures WHERE client_id = ?",
                                      (client_id,)).fetchone()
        return Departure(int(row[0]), date.fromisoformat(str(row[1])), str(row[2])) if row else None

    def departures(self) -> builtins.list[Departure]:
        rows = self.store.conn.execute("SELECT d.client_id, d.left_on, d.reason FROM client_departures d "
                                       "JOIN clients c ON c.id = d.client_id ORDER BY d.left_on DESC, c.code")
        return [Departure(int(c), date.fromisoformat(str(d)), str(r)) for c, d, r in rows]

    def set_departure(self, client_id: int, left_on: date | None, reason: str = "graduated",
                      today: date | None = None) -> Departure:
        """Record (or change) the date the client left the room's care, such as graduation."""
        self.clients.get(client_id)
        errors: dict[str, str] = {}
        if left_on is None:
            errors["left_on"] = N_("Give the date the client left.")
        elif left_on > (today or date.today()):
            errors["left_on"] = N_("The leaving date cannot be in the future.")
        elif left_on.year < 1900:
            errors["left_on"] = N_("The leaving date is too far in the past.")
        if reason not in LEAVING_REASONS:
            errors["reason"] = N_("Choose why the client left.")
        if errors:
            raise ValidationError(errors)
        assert left_on is not None
        with self.store.write() as conn:
            conn.execute("INSERT INTO client_departures (client_id, left_on, reason, recorded_at) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT (client_id) DO UPDATE SET left_on = excluded.left_on, reason = excluded.reason, "
                         "recorded_at = excluded.recorded_at", (client_id, left_on.isoformat(), reason, now_utc()))
            self.store.changed("retention.leaving_date_set", "client", client_id, {"client": client_id,
                                                                                  "reason": reason})
        found = self.departure(client_id)
        assert found is not None
        return found

    def remove_departure(self, client_id: int) -> None:
        if self.departure(client_id) is None:
            return
        with self.store.write() as conn:
            conn.execute("DELETE FROM client_departures WHERE client_id = ?", (client_id,))
            self.store.changed("retention.leaving_date_removed", "client", client_id, {"client": client_id})

    # ------------------------------------------------------------ what is past retention
    def _closed_cases(self) -> list[tuple[int, str, date, date | None]]:
        """(client id, code, closing date, leaving date) of every client whose case is closed now: each
        client's latest closure found once for all (index case_closures_client), not one subquery per client."""
        rows = self.store.conn.execute(
            "SELECT c.id, c.code, cc.closed_on, d.left_on FROM clients c "
            "JOIN (SELECT client_id, max(id) AS last FROM case_closures GROUP BY client_id) m ON m.client_id = c.id "
            "JOIN case_closures cc ON cc.id = m.last "
            "LEFT JOIN client_departures d ON d.client_id = c.id "
            "WHERE c.status = 'closed' AND cc.reopened_at IS NULL")
        return [(int(i), str(code), date.fromisoformat(str(closed)), date.fromisoformat(str(left)) if left else None)
                for i, code, closed, left in rows]

    @staticmethod
    def _case_anchor(rule: Rule, closed_on: date, left_on: date | None) -> date:
        """After the case closed; or after the client left, counted from the closing date when no leaving
        date is recorded, and from the later of the two when both are (never before the service ended)."""
        if rule.anchor == "left" and left_on is not None:
            return max(closed_on, left_on)
        return closed_on

    @staticmethod
    def _tests_date_sql(columns: Sequence[str] | None) -> str | None:
        if not columns or "client_id" not in columns:
            return None
        present = [_q(c) for c in TESTS_DATE_COLUMNS if c in columns]
        if not present:
            return None
        return f"substr(coalesce({', '.join(present)}), 1, 10)" if len(present) > 1 else f"substr({present[0]}, 1, 10)"

    def _file_counts(self, schema: _Schema, client_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """Rows per table of each client's file, counted the cheap way for a long list: the rows naming the
        client, and the rows one foreign key below them (private notes, addenda, withdrawals). `plan()`
        follows every foreign key to the end, for the destruction dialog."""
        counts: dict[int, dict[str, int]] = {c: {} for c in client_ids}
        client_tables = schema.client_tables()
        queries = [(table, "id" if table == "clients" else "client_id", _q(table)) for table in client_tables]
        for fk in schema.foreign_keys:
            if (fk.parent in client_tables and fk.parent != "clients" and fk.not_null
                    and "client_id" not in schema.columns[fk.table] and fk.table not in KEPT_UNLINKED):
                key = "rowid" if fk.parent_column is None else _q(fk.parent_column)
                queries.append((fk.table, "p.client_id",
                                f"{_q(fk.table)} c JOIN {_q(fk.parent)} p ON c.{_q(fk.column)} = p.{key}"))
        ids = json.dumps(list(client_ids))  # one statement per table, however many clients
        for table, column, source in queries:
            for cid, n in self.store.conn.execute(
                    f"SELECT {column}, count(*) FROM {source} WHERE {column} IN (SELECT value FROM json_each(?)) "
                    f"GROUP BY {column}", (ids,)):
                found = counts[int(cid)]
                found[table] = found.get(table, 0) + int(n)
        return counts

    def _tests_due(self, columns: Sequence[str] | None, rule: Rule, today: date,
                   closed: dict[int, tuple[str, date]]) -> dict[int, tuple[date, list[int]]]:
        """client id -> (anchor date, ids of the administrations past retention)."""
        day_sql = self._tests_date_sql(columns)
        if day_sql is None:
            return {}
        out: dict[int, tuple[date, list[int]]] = {}
        rows = self.store.conn.execute(f"SELECT id, client_id, {day_sql} FROM {_q(TESTS_TABLE)}")
        for tid, cid, day in rows:
            cid = int(cid)
            if rule.anchor == "administered":
                anchor = date.fromisoformat(str(day))
            elif cid in closed:
                anchor = closed[cid][1]
            else:
                continue
            if add_years(anchor, rule.years) <= today:
                prev = out.get(cid)
                latest = max(anchor, prev[0]) if prev else anchor
                out[cid] = (latest, [*(prev[1] if prev else []), int(tid)])
        return out

    def past_retention(self, today: date, counts: bool = True) -> builtins.list[RetentionItem]:
        """Every client's records of each kind whose retention period has ended on or before `today`. Without
        `counts` (the dashboard only counts the items) the rows of each file are not counted. The same few
        statements however many clients there are."""
        rules = self.rules()
        schema = _read_schema(self.store.conn) if counts else None
        tests_columns = schema.columns.get(TESTS_TABLE) if schema is not None else tuple(
            str(r[0]) for r in self.store.conn.execute("SELECT name FROM pragma_table_info(?)", (TESTS_TABLE,)))
        cases = self._closed_cases()
        anchors = {cid: (code, self._case_anchor(rules["case_file"], closed, left))
                   for cid, code, closed, left in cases}
        tests_anchors = {cid: (code, self._case_anchor(rules["tests"], closed, left))
                         for cid, code, closed, left in cases}
        due_files = {cid: (code, anchor) for cid, (code, anchor) in anchors.items()
                     if add_years(anchor, rules["case_file"].years) <= today}
        due_tests = {cid: found for cid, found in self._tests_due(tests_columns, rules["tests"], today,
                                                                  tests_anchors).items()
                     if cid not in due_files}  # a case file due includes its tests
        file_counts = self._file_counts(schema, sorted(due_files)) if schema is not None else {}
        codes = {cid: code for cid, code, _c, _l in cases}
        if due_tests.keys() - codes.keys():
            codes.update(self._codes(sorted(due_tests.keys() - codes.keys())))
        items = []
        rule = rules["case_file"]
        closings = {cid: closed for cid, _code, closed, _left in cases}
        for cid, (code, anchor) in due_files.items():
            event = "left" if anchor != closings[cid] else "closed"
            items.append(RetentionItem(cid, code, "case_file", rule.anchor, anchor, event,
                                       add_years(anchor, rule.years), rule.years,
                                       tuple(sorted(file_counts.get(cid, {}).items()))))
        rule = rules["tests"]
        for cid, (anchor, ids) in due_tests.items():
            event = ("administered" if rule.anchor == "administered"
                     else "left" if anchor != closings.get(cid) else "closed")
            items.append(RetentionItem(cid, codes[cid], "tests", rule.anchor, anchor, event,
                                       add_years(anchor, rule.years), rule.years, ((TESTS_TABLE, len(ids)),)))
        items.sort(key=lambda i: (i.due_date, i.client_code.casefold(), KINDS.index(i.kind)))
        return items

    def count_past_retention(self, today: date) -> int:
        """How many items `past_retention(today)` lists, counted in one SQL statement (the dashboard's line):
        closed cases whose case file is due, and the other clients with a test administration due."""
        rules = self.rules()
        columns = tuple(str(r[0]) for r in self.store.conn.execute("SELECT name FROM pragma_table_info(?)",
                                                                    (TESTS_TABLE,)))

        def anchor(rule: Rule) -> str:  # as _case_anchor
            return ("CASE WHEN k.left_on IS NULL THEN k.closed_on ELSE max(k.closed_on, k.left_on) END"
                    if rule.anchor == "left" else "k.closed_on")

        case, tests = rules["case_file"], rules["tests"]
        sql = ("WITH k AS (SELECT c.id, cc.closed_on, d.left_on FROM clients c "
               "JOIN (SELECT client_id, max(id) AS last FROM case_closures GROUP BY client_id) m ON m.client_id = c.id "
               "JOIN case_closures cc ON cc.id = m.last LEFT JOIN client_departures d ON d.client_id = c.id "
               "WHERE c.status = 'closed' AND cc.reopened_at IS NULL), "
               f"files AS (SELECT k.id FROM k WHERE {anchor(case)} <= ?) "
               "SELECT (SELECT count(*) FROM files)")
        args: list[object] = [latest_due(today, case.years).isoformat()]
        day_sql = self._tests_date_sql(columns)
        if day_sql is not None:
            due = latest_due(today, tests.years).isoformat()
            if tests.anchor == "administered":
                found = (f"SELECT DISTINCT client_id FROM {_q(TESTS_TABLE)} WHERE {day_sql} <= ? "
                         "AND client_id NOT IN (SELECT id FROM files)")
            else:
                found = (f"SELECT k.id FROM k WHERE {anchor(tests)} <= ? AND k.id NOT IN (SELECT id FROM files) "
                         f"AND EXISTS (SELECT 1 FROM {_q(TESTS_TABLE)} t WHERE t.client_id = k.id)")
            sql += f" + (SELECT count(*) FROM ({found}))"
            args.append(due)
        return int(self.store.conn.execute(sql, args).fetchone()[0])

    def _codes(self, client_ids: Sequence[int]) -> dict[int, str]:
        rows = self.store.conn.execute("SELECT id, code FROM clients WHERE id IN (SELECT value FROM json_each(?))",
                                       (json.dumps(list(client_ids)),))
        return {int(i): str(c) for i, c in rows}

    # ------------------------------------------------------------ what a destruction would remove
    def _roots(self, schema: _Schema, item: RetentionItem, today: date) -> dict[str, set[int]]:
        conn = self.store.conn
        if item.kind == "case_file":
            roots: dict[str, set[int]] = {"clients": {item.client_id}}
            for table in schema.client_tables()[1:]:
                roots[table] = {int(r[0]) for r in conn.execute(
                    f"SELECT rowid FROM {_q(table)} WHERE client_id = ?", (item.client_id,))}
            return roots
        rule = self.rule("tests")
        closed = {cid: (code, self._case_anchor(rule, c, left)) for cid, code, c, left in self._closed_cases()}
        found = self._tests_due(schema.columns.get(TESTS_TABLE), rule, today, closed).get(item.client_id)
        return {TESTS_TABLE: set(found[1]) if found else set()}

    def plan(self, items: Sequence[RetentionItem], today: date | None = None) -> dict[tuple[int, str], dict[str, int]]:
        """What destroying these items would remove: (client id, kind) -> {table: rows}."""
        today = today or date.today()
        schema = _read_schema(self.store.conn)
        return {item.key: _plan(self.store.conn, schema, self._roots(schema, item, today)).counts()
                for item in items}

    # ------------------------------------------------------------ destruction
    @staticmethod
    def confirmation_method(items: Sequence[RetentionItem], confirmation: str) -> str | None:
        """'code' when the one client's code was typed, 'word' for the fixed word, None when neither."""
        typed = " ".join(confirmation.split()).casefold()
        if typed and typed in {w.casefold() for w in CONFIRM_WORDS}:
            return "word"
        codes = {i.client_code.casefold() for i in items}
        if len(codes) == 1 and typed == next(iter(codes)):
            return "code"
        return None

    def destroy(self, items: Sequence[RetentionItem], confirmation: str, passphrase_ok: bool,
                today: date | None = None) -> builtins.list[DisposalEntry]:
        """Destroy the chosen records past retention, all in one transaction, and register each item."""
        today = today or date.today()
        if not items:
            raise ValidationError({"items": N_("Choose the records to destroy.")})
        method = self.confirmation_method(items, confirmation)
        errors: dict[str, str] = {}
        if method is None:
            errors["confirmation"] = (N_("Type the client's code, or the word DESTROY, to confirm.")
                                      if len({i.client_id for i in items}) == 1
                                      else N_("Type the word DESTROY to confirm."))
        if not passphrase_ok:
            errors["passphrase"] = N_("Re-enter your passphrase to destroy records.")
        if errors:
            raise ValidationError(errors)
        assert method is not None
        current = {i.key: i for i in self.past_retention(today)}
        chosen: dict[tuple[int, str], RetentionItem] = {}
        for item in items:
            now = current.get(item.key)
            if now is None:
                raise ValidationError({"items": N_("Some of the chosen records are no longer past their retention "
                                                   "period (a case reopened, or a rule changed). Nothing was "
                                                   "destroyed; look at the list again.")})
            chosen[item.key] = now
        # A case file includes its tests: a tests item of the same client adds nothing.
        for cid, kind in list(chosen):
            if kind == "tests" and (cid, "case_file") in chosen:
                del chosen[(cid, kind)]
        journal = self._journal_path()
        persisted = self._persist_journal(journal)
        entries: list[int] = []
        try:
            with self.store.write() as conn:
                conn.execute("INSERT INTO disposal_guard (id) VALUES (1)")
                conn.execute("PRAGMA defer_foreign_keys = ON")
                for item in chosen.values():
                    entries.append(self._destroy_one(conn, item, method, today))
                # Anything else indexed under a destroyed client (a kind of entry added later) goes too: one
                # pass over the index for all of them (the client column is not indexed, so each pass reads
                # the whole index).
                gone = sorted({i.client_id for i in chosen.values() if i.kind == "case_file"})
                for chunk in _chunks(gone):
                    conn.execute(f"DELETE FROM search_index WHERE client_id IN ({', '.join('?' * len(chunk))})",
                                 tuple(chunk))
                conn.execute("DELETE FROM disposal_guard")
        finally:
            if persisted:
                self._scrub_journal(journal)
        self._checkpoint()
        register = {e.id: e for e in self.register()}
        # The destroyed records' pages are free now (zeroed): give them back when they are a tenth of the file.
        if compaction.free_share(self.store.session) >= compaction.FREE_SHARE:
            compaction.compact(self.store.session, "retention")
        return [register[i] for i in entries]

    def _destroy_one(self, conn: SafeConnection, item: RetentionItem, method: str, today: date) -> int:
        schema = _read_schema(conn)
        plan = _plan(conn, schema, self._roots(schema, item, today))
        exports: list[str] = []
        if item.kind == "case_file":
            exports = self._unlink_exports(conn, item.client_id, plan.delete.get("release_authorizations", set()))
        for fk in schema.foreign_keys:
            if fk.table not in plan.unlink or fk.not_null or not plan.delete.get(fk.parent):
                continue
            key = "rowid" if fk.parent_column is None else _q(fk.parent_column)
            for chunk in _chunks(sorted(plan.delete[fk.parent])):
                marks = ", ".join("?" * len(chunk))
                conn.execute(f"UPDATE {_q(fk.table)} SET {_q(fk.column)} = NULL WHERE {_q(fk.column)} IN "
                             f"(SELECT {key} FROM {_q(fk.parent)} WHERE rowid IN ({marks}))", tuple(chunk))
        self._unindex(conn, item, plan)
        for table in _deletion_order(schema, [t for t, ids in plan.delete.items() if ids]):
            for chunk in _chunks(sorted(plan.delete[table])):
                marks = ", ".join("?" * len(chunk))
                conn.execute(f"DELETE FROM {_q(table)} WHERE rowid IN ({marks})", tuple(chunk))
                faults.point("destroy.row")
        counts = plan.counts()
        rule = self.rule(item.kind)
        number = self._next_number(today.year)
        cur = conn.execute(
            "INSERT INTO disposal_register (number, destroyed_at, destroyed_on, kind, client_code, rule_years, "
            "rule_anchor, anchor_date, due_date, counts, exports_unlinked, confirmation) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (number, now_utc(), today.isoformat(), item.kind, item.client_code, rule.years, rule.anchor,
             item.anchor_date.isoformat(), item.due_date.isoformat(), json.dumps(counts, sort_keys=True),
             json.dumps(exports), method))
        disposal_id = int(cur.lastrowid)
        self.store.changed("retention.destroyed", "disposal", disposal_id, {
            "client": item.client_id, "kind": item.kind, "rows": sum(counts.values()), "tables": counts,
            "exports_unlinked": len(exports), "confirmation": method})
        self.store.notify("client", item.client_id)
        return disposal_id

    @staticmethod
    def _unlink_exports(conn: SafeConnection, client_id: int, authorization_ids: set[int]) -> list[str]:
        ids = sorted(authorization_ids)
        where, args = "client_id = ?", [client_id]
        if ids:
            where += f" OR authorization_id IN ({', '.join('?' * len(ids))})"
            args += ids
        numbers = [str(r[0]) for r in conn.execute(f"SELECT number FROM export_register WHERE {where} ORDER BY number",
                                                   tuple(args))]
        values = KEPT_UNLINKED["export_register"]
        sets = ", ".join(f"{c} = ?" for c in values)
        conn.execute(f"UPDATE export_register SET {sets} WHERE {where}", (*values.values(), *args))
        return numbers

    @staticmethod
    def _unindex(conn: SafeConnection, item: RetentionItem, plan: _Plan) -> None:
        if item.kind != "case_file":
            return
        search.unindex(conn, "client", item.client_id)
        for note_id in plan.delete.get("notes", set()):
            search.unindex(conn, "note", note_id)
            search.unindex(conn, "private", note_id)
        for addendum_id in plan.delete.get("addenda", set()):
            search.unindex(conn, "addendum", addendum_id)

    def _next_number(self, year: int) -> str:
        row = self.store.conn.execute("SELECT number FROM disposal_register WHERE number LIKE ? "
                                      "ORDER BY number DESC LIMIT 1", (f"DSP-{year}-%",)).fetchone()
        last = int(str(row[0]).rsplit("-", 1)[1]) if row else 0
        return f"DSP-{year}-{last + 1:04d}"

    # ------------------------------------------------------------ leaving no trace on disk
    def _journal_path(self) -> Path:
        return Path(str(self.store.session.vault.db_path) + "-journal")

    def _persist_journal(self, journal: Path) -> bool:
        """Keep the rollback journal after the commit (instead of unlinking it with its old page images in
        the freed disk blocks), so that it can be overwritten. Only outside a transaction, in DELETE mode."""
        conn = self.store.conn
        if conn.in_transaction:
            return False
        mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
        if mode != "delete":
            return False
        conn.execute("PRAGMA journal_mode = PERSIST")
        return True

    def _scrub_journal(self, journal: Path) -> None:
        try:
            with open(journal, "r+b") as f:
                size = os.fstat(f.fileno()).st_size
                block = b"\0" * (1 << 16)
                for _ in range(0, size, len(block)):
                    f.write(block)
                f.truncate(size)
                f.flush()
                os.fsync(f.fileno())
        except FileNotFoundError:
            pass
        except OSError as e:
            log.error("the rollback journal could not be overwritten: %s", type(e).__name__)
        with contextlib.suppress(Exception):
            self.store.conn.execute("PRAGMA journal_mode = DELETE")  # and SQLite deletes the zeroed file

    def _checkpoint(self) -> None:
        conn = self.store.conn
        if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # ------------------------------------------------------------ the disposal register
    def register(self) -> builtins.list[DisposalEntry]:
        rows = self.store.conn.execute(
            "SELECT id, number, destroyed_at, destroyed_on, kind, client_code, rule_years, rule_anchor, anchor_date, "
            "due_date, counts, exports_unlinked, confirmation FROM disposal_register ORDER BY id DESC")
        return [DisposalEntry(int(r[0]), str(r[1]), str(r[2]), date.fromisoformat(str(r[3])), str(r[4]), str(r[5]),
                              int(r[6]), str(r[7]), date.fromisoformat(str(r[8])), date.fromisoformat(str(r[9])),
                              json.loads(str(r[10])), json.loads(str(r[11])), str(r[12])) for r in rows]
