"""Avoiding excessive dependency (session-count alerts with reviews) and case closure with reopening."""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..i18n import N_
from ..vault.audit import now_utc
from .appointments import HELD
from .clients import ValidationError
from .liaison import LiaisonService
from .settings import SettingsService
from .store import Store

DEFAULTS = {"dependency.window_weeks": 4, "dependency.max_in_window": 6, "dependency.max_total": 20}
CLOSURE_REASONS = ("goals_met", "client_ended", "referred", "graduated_left", "other")
CLOSURE_LABELS = {"goals_met": N_("Goals met"), "client_ended": N_("Client chose to end"),
                  "referred": N_("Referred"), "graduated_left": N_("Graduated or left"), "other": N_("Other")}


@dataclass(frozen=True)
class Thresholds:
    window_weeks: int
    max_in_window: int
    max_total: int


@dataclass(frozen=True)
class DependencyAlert:
    client_id: int
    in_window: int
    total: int
    thresholds: Thresholds
    last_review: str | None

    @property
    def reasons(self) -> list[str]:
        out = []
        if self.in_window > self.thresholds.max_in_window:
            out.append("window")
        if self.total > self.thresholds.max_total:
            out.append("total")
        return out


@dataclass(frozen=True)
class Closure:
    id: int
    client_id: int
    closed_on: date
    reason: str
    summary: str
    reopened_at: str | None
    concerns: tuple[str, ...] | None = None  # confirmed at closure (the room's concern ids); None before schema 5


class DependencyService:
    """More than N held sessions in M weeks, or more than K in all, raises an alert on the client page.
    A recorded review quiets the alert for one window of M weeks; if the pattern goes on, it comes back."""

    def __init__(self, store: Store, settings: SettingsService) -> None:
        self.store = store
        self.settings = settings

    def thresholds(self) -> Thresholds:
        return Thresholds(*(int(self.settings.get(k, v)) for k, v in DEFAULTS.items()))  # type: ignore[call-overload]

    def set_thresholds(self, t: Thresholds) -> None:
        if min(t.window_weeks, t.max_in_window, t.max_total) < 1:
            raise ValidationError({"thresholds": N_("Each threshold must be at least 1.")})
        with self.store.write():
            self.settings.set("dependency.window_weeks", t.window_weeks)
            self.settings.set("dependency.max_in_window", t.max_in_window)
            self.settings.set("dependency.max_total", t.max_total)

    def counts(self, client_id: int, now: datetime | None = None) -> tuple[int, int]:
        """Held sessions of one client: (in the last window, in all)."""
        found = self._counts(now or datetime.now(), client_id)
        return (found[0][1], found[0][2]) if found else (0, 0)

    def _counts(self, now: datetime, client_id: int | None = None, open_only: bool = False
                ) -> list[tuple[int, int, int, str | None]]:
        """(client, held sessions in the window, held in all, last dependency review), one query for all."""
        t = self.thresholds()
        since = (now - timedelta(weeks=t.window_weeks)).isoformat(timespec="minutes")
        held = ", ".join("?" * len(HELD))
        where = "AND a.client_id = ?" if client_id is not None else ""
        if open_only:  # a closed case needs no alert about the sessions it had
            where += " AND a.client_id IN (SELECT id FROM clients WHERE status != 'closed')"
        args: list[object] = [since, *HELD, now.isoformat(timespec="minutes")]
        if client_id is not None:
            args.append(client_id)
        rows = self.store.conn.execute(
            f"SELECT a.client_id, SUM(a.planned_start >= ?), COUNT(*), "
            f"(SELECT max(r.reviewed_at) FROM dependency_reviews r WHERE r.client_id = a.client_id) "
            f"FROM appointments a WHERE a.attendance IN ({held}) AND a.planned_start <= ? {where} "
            f"GROUP BY a.client_id", args)
        return [(int(c), int(w or 0), int(n), None if r is None else str(r)) for c, w, n, r in rows]

    def alerts(self, now: datetime | None = None, client_id: int | None = None) -> builtins.list[DependencyAlert]:
        """Open cases over the limits and not reviewed within the window (closed cases never alert)."""
        now = now or datetime.now()
        t = self.thresholds()
        quiet_since = (now - timedelta(weeks=t.window_weeks)).isoformat(timespec="minutes")
        out = []
        for cid, in_window, total, last in self._counts(now, client_id, open_only=True):
            if in_window <= t.max_in_window and total <= t.max_total:
                continue
            if last is not None and last >= quiet_since:
                continue
            out.append(DependencyAlert(cid, in_window, total, t, last))
        return out

    def count_alerts(self, now: datetime | None = None) -> int:
        """How many clients `alerts()` lists, counted in SQL (the dashboard's line): the same grouping, the
        limits and the last review compared in the query, one number back."""
        now = now or datetime.now()
        t = self.thresholds()
        since = (now - timedelta(weeks=t.window_weeks)).isoformat(timespec="minutes")
        held = ", ".join("?" * len(HELD))
        row = self.store.conn.execute(
            f"SELECT count(*) FROM (SELECT a.client_id, SUM(a.planned_start >= ?) AS w, COUNT(*) AS n, "
            f"(SELECT max(r.reviewed_at) FROM dependency_reviews r WHERE r.client_id = a.client_id) AS last "
            f"FROM appointments a WHERE a.attendance IN ({held}) AND a.planned_start <= ? "
            f"AND a.client_id IN (SELECT id FROM clients WHERE status != 'closed') GROUP BY a.client_id) "
            f"WHERE (coalesce(w, 0) > ? OR n > ?) AND (last IS NULL OR last < ?)",
            (since, *HELD, now.isoformat(timespec="minutes"), t.max_in_window, t.max_total, since)).fetchone()
        return int(row[0])

    def last_review(self, client_id: int) -> str | None:
        row = self.store.conn.execute("SELECT max(reviewed_at) FROM dependency_reviews WHERE client_id = ?",
                                      (client_id,)).fetchone()
        return str(row[0]) if row and row[0] else None

    def record_review(self, client_id: int, comment: str, now: datetime | None = None) -> None:
        if not comment.strip():
            raise ValidationError({"comment": N_("Write what the review found and what was decided.")})
        now = now or datetime.now()
        total = sum(n for _, _, n, _ in self._counts(now, client_id))
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO dependency_reviews (client_id, reviewed_at, sessions_total, comment) "
                               "VALUES (?, ?, ?, ?)", (client_id, now.isoformat(timespec="minutes"), total, comment))
            self.store.changed("dependency.reviewed", "dependency_review", int(cur.lastrowid), {"client": client_id})


class ClosureService:
    """Closing a case: reason, closing summary, date, and the client's presenting concerns as the counselor
    confirms or changes them at closure. The concerns are kept with the closure (the room's statistics count
    the concerns of the cases closed in a period); a change also becomes the client's own concerns (Liaison
    tab), the grade left as it is."""

    def __init__(self, store: Store, liaison: LiaisonService) -> None:
        self.store = store
        self.liaison = liaison

    def history(self, client_id: int) -> builtins.list[Closure]:
        rows = self.store.conn.execute("SELECT id, client_id, closed_on, reason, summary, reopened_at, concerns FROM "
                                       "case_closures WHERE client_id = ? ORDER BY id", (client_id,))
        return [Closure(int(i), int(c), date.fromisoformat(d), r, s, o,
                        None if k is None else tuple(str(x) for x in json.loads(str(k))))
                for i, c, d, r, s, o, k in rows]

    def current(self, client_id: int) -> Closure | None:
        open_ = [c for c in self.history(client_id) if c.reopened_at is None]
        return open_[-1] if open_ else None

    def close(self, client_id: int, reason: str, summary: str, closed_on: date | None = None,
              concerns: builtins.list[str] | tuple[str, ...] | None = None) -> Closure:
        """Close the case. `concerns` are the presenting concerns confirmed at closure (the room's ids); None keeps
        the client's current ones."""
        errors = {}
        if reason not in CLOSURE_REASONS:
            errors["reason"] = N_("Choose why the case is closing.")
        if not summary.strip():
            errors["summary"] = N_("Write a short closing summary.")
        if self.current(client_id) is not None:
            errors["client"] = N_("This case is already closed.")
        if closed_on is not None and closed_on > date.today():
            errors["closed_on"] = N_("The closing date cannot be in the future.")
        details = self.liaison.school_details(client_id)
        chosen = list(dict.fromkeys(details.concerns if concerns is None else concerns))
        known = {c.id for c in self.liaison.concerns()} | set(details.concerns)
        if any(c not in known for c in chosen):
            errors["concerns"] = N_("Choose the concerns from the room's list.")
        if errors:
            raise ValidationError(errors)
        row = self.store.conn.execute("SELECT status FROM clients WHERE id = ?", (client_id,)).fetchone()
        previous = str(row[0]) if row and row[0] != "closed" else "active"
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO case_closures (client_id, closed_on, reason, summary, previous_status, "
                               "created_at, concerns) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               (client_id, (closed_on or date.today()).isoformat(), reason, summary.strip(), previous,
                                now_utc(), json.dumps(chosen)))
            conn.execute("UPDATE clients SET status = 'closed', updated_at = ? WHERE id = ?", (now_utc(), client_id))
            if tuple(chosen) != details.concerns:  # changed at closure: the client's concerns follow
                conn.execute("INSERT INTO client_school_details (client_id, grade, concerns, updated_at) "
                             "VALUES (?, ?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET concerns = excluded.concerns, "
                             "updated_at = excluded.updated_at", (client_id, details.grade, json.dumps(chosen),
                                                                  now_utc()))
                self.store.changed("client.school_details_set", "client", client_id, {"concerns": len(chosen)})
            self.store.changed("case.closed", "client", client_id, {"reason": reason, "closure": int(cur.lastrowid),
                                                                     "concerns": len(chosen)})
        closure = self.current(client_id)
        assert closure is not None
        return closure

    def reopen(self, client_id: int) -> None:
        """Reopen the case: a referred client stays referred (the referral goes on), anyone else is active."""
        closure = self.current(client_id)
        if closure is None:
            raise ValidationError({"client": N_("This case is not closed.")})
        row = self.store.conn.execute("SELECT previous_status FROM case_closures WHERE id = ?",
                                      (closure.id,)).fetchone()
        status = "referred" if row and row[0] == "referred" else "active"
        with self.store.write() as conn:
            conn.execute("UPDATE case_closures SET reopened_at = ? WHERE id = ?", (now_utc(), closure.id))
            conn.execute("UPDATE clients SET status = ?, updated_at = ? WHERE id = ?", (status, now_utc(), client_id))
            self.store.changed("case.reopened", "client", client_id, {"closure": closure.id})
