"""The room's statistics for a period, de-identified by construction, for the school's termly report.

Only counts leave this module: it never reads a name, a code, a phone number or any record text. Every count
from 1 to 4 is shown as "<5" (a small group of students can be recognised); where a breakdown has exactly one
such cell beside a shown total, the next smallest cell is hidden too ("<5" or "*"), so that no hidden cell
can be worked out by subtraction. Zero is shown as 0.

The report: sessions held (individual and group), first visits, clients seen by grade, gender and presenting
concern, crises (risk assessments rated high or imminent) and emergency measures, referrals, cases closed and
their presenting concerns as confirmed at closure, cohort screenings by level, groups and their members. The
PDF (documents/statistics_report.py) is entered in the register of statistics reports and in the audit trail.
"""

from __future__ import annotations

import builtins
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from ..i18n import N_, tr_in
from ..vault.audit import now_utc
from ..vault.safefile import atomic_write
from .clients import GENDER_LABELS, ValidationError
from .liaison import LiaisonService
from .screening import ScreeningService
from .store import Store

SMALL = 5  # counts below this (and above zero) are shown as "<5"
SUPPRESSED = "<5"
COMPLEMENT = "*"  # a larger cell hidden so that a "<5" beside it cannot be worked out from the total

AUDIT_KINDS: dict[str, str] = {"statistics.exported": N_("Statistics report made (de-identified PDF)")}
ENTITY_LABELS: dict[str, str] = {"statistics_report": N_("Statistics report")}


@dataclass(frozen=True)
class Cell:
    label: str  # already in the report's language
    count: int

    @property
    def small(self) -> bool:
        return 0 < self.count < SMALL


@dataclass(frozen=True)
class Breakdown:
    """A titled list of counts (one of the report's tables) with its total, and what each cell shows."""

    title: str
    cells: tuple[Cell, ...]
    total: int | None = None  # shown under the cells when given
    shown: tuple[str, ...] = field(default=())
    extra: int = 0  # the last `extra` cells are not part of the total: shown after it

    def lines(self) -> list[tuple[str, str, int]]:
        """(label, what is shown, count; -1 for the total) in the order they are shown."""
        rows = [(c.label, v, c.count) for c, v in zip(self.cells, self.shown, strict=True)]
        split = len(rows) - self.extra
        total = [] if self.total is None else [("", show_count(self.total), -1)]
        return rows[:split] + total + rows[split:]


def show_count(n: int) -> str:
    return SUPPRESSED if 0 < n < SMALL else str(n)


def suppress(cells: builtins.list[Cell], with_total: bool) -> tuple[str, ...]:
    """What each cell shows: small counts as "<5"; with a total shown, a lone hidden cell takes the next
    smallest shown non-zero cell with it (complementary suppression)."""
    out = [show_count(c.count) for c in cells]
    hidden = [i for i, c in enumerate(cells) if c.small]
    if with_total and len(hidden) == 1:
        others = sorted((c.count, i) for i, c in enumerate(cells) if c.count >= SMALL)
        if others:
            out[others[0][1]] = COMPLEMENT
    return tuple(out)


def breakdown(title: str, cells: builtins.list[Cell], with_total: bool = True) -> Breakdown:
    total = sum(c.count for c in cells)
    return Breakdown(title, tuple(cells), total if with_total else None, suppress(cells, with_total))


@dataclass(frozen=True)
class StatisticsReport:
    period_from: date
    period_to: date
    lang: str
    headline: Breakdown  # sessions, first visits, clients seen, crises, measures, referrals, groups, members
    by_grade: Breakdown
    by_gender: Breakdown
    by_concern: Breakdown
    screenings: tuple[Breakdown, ...]  # one per screening held in the period: students by level
    closed_by_concern: Breakdown | None = None  # cases closed in the period, by the concerns confirmed at closure

    @property
    def tables(self) -> tuple[Breakdown, ...]:
        closed = () if self.closed_by_concern is None else (self.closed_by_concern,)
        return (self.headline, self.by_grade, self.by_gender, self.by_concern, *closed, *self.screenings)

    def text(self) -> str:
        """Every word and number the report shows (the PDF prints exactly these; tests read them)."""
        lines = [self.title(), self.period_line()]
        for b in self.tables:
            lines.append(b.title)
            lines += [f"{label or tr_in(self.lang, N_('In all'))}\t{v}" for label, v, _n in b.lines()]
        lines.append(self.note())
        return "\n".join(lines)

    def title(self) -> str:
        return tr_in(self.lang, N_("Counseling room statistics"))

    def period_line(self) -> str:
        return tr_in(self.lang, N_("Period: {start} to {end}"), start=self.period_from.isoformat(),
                     end=self.period_to.isoformat())

    def note(self) -> str:
        return tr_in(self.lang, N_("De-identified: no names or client codes. Counts from 1 to 4 are shown as “<5”; "
                                   "“*” hides a further count so that a “<5” cannot be worked out from the total. A "
                                   "client seen for several concerns is counted under each."))


def _range(start: date, end: date) -> tuple[str, str]:
    return datetime.combine(start, time()).isoformat(), datetime.combine(end + timedelta(days=1), time()).isoformat()


class StatisticsService:
    def __init__(self, store: Store, liaison: LiaisonService, screening: ScreeningService) -> None:
        self.store = store
        self.liaison = liaison
        self.screening = screening

    def _count(self, sql: str, args: tuple[object, ...]) -> int:
        return int(self.store.conn.execute(sql, args).fetchone()[0])

    def report(self, start: date, end: date, lang: str) -> StatisticsReport:
        if end < start:
            raise ValidationError({"period": N_("The period ends before it starts.")})

        def t(msgid: str, **values: object) -> str:
            return tr_in(lang, msgid, **values)

        lo, hi = _range(start, end)
        held = "attendance IN ('attended', 'late') AND planned_start >= ? AND planned_start < ?"
        individual = self._count(f"SELECT count(*) FROM appointments WHERE {held} AND kind <> 'group'", (lo, hi))
        group_sessions = self._count(
            f"SELECT count(DISTINCT coalesce(group_id, -id) || '@' || planned_start) FROM appointments "
            f"WHERE {held} AND kind = 'group'", (lo, hi))
        first = self._count(f"SELECT count(*) FROM appointments WHERE {held} AND kind = 'first'", (lo, hi))
        seen_ids = [int(r[0]) for r in self.store.conn.execute(
            f"SELECT DISTINCT client_id FROM appointments WHERE {held} AND kind <> 'group'", (lo, hi))]
        crises = self._count("SELECT count(*) FROM risk_assessments WHERE overall IN ('high', 'imminent') "
                             "AND assessed_at >= ? AND assessed_at < ?", (lo, hi))
        measures = self._count("SELECT count(*) FROM emergency_measures WHERE occurred_at >= ? AND occurred_at < ?",
                               (lo, hi))
        referrals = self._count("SELECT count(*) FROM referrals WHERE referred_on >= ? AND referred_on <= ?",
                                (start.isoformat(), end.isoformat()))
        liaisons = self._count("SELECT count(*) FROM liaison_records WHERE contacted_at >= ? AND contacted_at < ?",
                               (lo, hi))
        groups = self._count(f"SELECT count(DISTINCT group_id) FROM appointments WHERE {held} AND kind = 'group' "
                             "AND group_id IS NOT NULL", (lo, hi))
        # each client's last closure in the period (a case closed, reopened and closed again counts once), with
        # the concerns confirmed at closure (NULL: closed before concerns were asked at closure)
        closed_concerns = [None if k is None else [str(x) for x in json.loads(str(k))] for (k,) in
                           self.store.conn.execute(
                               "SELECT cc.concerns FROM case_closures cc JOIN (SELECT client_id, max(id) AS last "
                               "FROM case_closures WHERE closed_on >= ? AND closed_on <= ? GROUP BY client_id) m "
                               "ON m.last = cc.id", (start.isoformat(), end.isoformat()))]
        members = self._count(f"SELECT count(DISTINCT client_id) FROM appointments WHERE {held} AND kind = 'group'",
                              (lo, hi))
        headline = breakdown(t(N_("Work of the period")), [
            Cell(t(N_("Individual sessions held")), individual), Cell(t(N_("First visits")), first),
            Cell(t(N_("Clients seen (individual sessions)")), len(seen_ids)),
            Cell(t(N_("Group sessions held")), group_sessions), Cell(t(N_("Groups that met")), groups),
            Cell(t(N_("Group members who attended")), members),
            Cell(t(N_("Crises (risk rated high or imminent)")), crises), Cell(t(N_("Emergency measures")), measures),
            Cell(t(N_("Referrals")), referrals), Cell(t(N_("Liaison contacts")), liaisons),
            Cell(t(N_("Cases closed")), len(closed_concerns))], with_total=False)

        grades: dict[str, int] = {}
        genders: dict[str, int] = {g: 0 for g in ("female", "male", "other", "")}
        concerns: dict[str, int] = {c.id: 0 for c in self.liaison.concerns()}
        no_concern = 0
        for chunk in (seen_ids[i:i + 500] for i in range(0, len(seen_ids), 500)):
            marks = ", ".join("?" * len(chunk))
            for gender, grade, concern_json in self.store.conn.execute(
                    f"SELECT c.gender, coalesce(d.grade, ''), coalesce(d.concerns, '[]') FROM clients c "
                    f"LEFT JOIN client_school_details d ON d.client_id = c.id WHERE c.id IN ({marks})", chunk):
                genders[str(gender) if str(gender) in genders else "other"] += 1
                grades[str(grade)] = grades.get(str(grade), 0) + 1
                found = [str(x) for x in json.loads(str(concern_json))]
                if not found:
                    no_concern += 1
                for cid in found:
                    concerns[cid] = concerns.get(cid, 0) + 1
        grade_cells = [Cell(g, n) for g, n in sorted(grades.items()) if g]
        if grades.get(""):
            grade_cells.append(Cell(t(N_("Grade not recorded")), grades[""]))
        gender_cells = [Cell(t(GENDER_LABELS[g]), n) for g, n in genders.items()]
        labels = {c.id: c.text(lang) for c in self.liaison.concerns()}
        concern_cells = [Cell(labels.get(cid, cid), n) for cid, n in concerns.items()]
        concern_cells.append(Cell(t(N_("No concern recorded")), no_concern))
        closed: dict[str, int] = {c.id: 0 for c in self.liaison.concerns()}
        closed_none = 0
        for found_at_closure in closed_concerns:
            if not found_at_closure:
                closed_none += 1
            for cid in found_at_closure or ():
                closed[cid] = closed.get(cid, 0) + 1
        closed_cells = [Cell(labels.get(cid, cid), n) for cid, n in closed.items()]
        closed_cells.append(Cell(t(N_("No concern recorded")), closed_none))

        screening_tables = []
        levels = self.screening.levels()
        for s in self.screening.screenings():
            if not start <= s.held_on <= end:
                continue
            counts = self.screening.level_counts(s.id)
            cells = [Cell(lv.text(lang), counts.get(lv.number, 0)) for lv in levels]
            beyond = sum(n for lv, n in counts.items() if lv is not None and lv > len(levels))
            if beyond:
                cells[-1] = Cell(cells[-1].label, cells[-1].count + beyond)
            cells.append(Cell(t(N_("Not flagged")), counts.get(None, 0)))
            interviewed = self._count(
                "SELECT count(*) FROM screening_rows r JOIN appointments a ON a.id = r.appointment_id "
                "WHERE r.screening_id = ? AND a.attendance IN ('attended', 'late')", (s.id,))
            instrument = self.screening.instrument_of(s)
            table = breakdown(t(N_("Screening “{cohort}”, {date}, {instrument}: students by level"),
                                cohort=s.cohort, date=s.held_on.isoformat(), instrument=instrument.short_in(lang)),
                              cells)
            extra = breakdown("", [Cell(t(N_("Flagged students interviewed")), interviewed)], with_total=False)
            screening_tables.append(Breakdown(table.title, table.cells + extra.cells, table.total,
                                              table.shown + extra.shown, extra=len(extra.cells)))
        return StatisticsReport(
            start, end, lang, headline,
            breakdown(t(N_("Clients seen by grade")), grade_cells),
            breakdown(t(N_("Clients seen by gender")), gender_cells),
            breakdown(t(N_("Clients seen by presenting concern")), concern_cells, with_total=False),
            tuple(screening_tables),
            breakdown(t(N_("Cases closed by presenting concern (as confirmed at closure)")), closed_cells,
                      with_total=False))

    # -- the register ---------------------------------------------------------------------------------------------

    def record_export(self, report: StatisticsReport, recipient: str, render: Callable[[str], bytes],
                      path: Path | None = None) -> tuple[str, bytes]:
        """Number the report, make its PDF with `render(number)`, write it to `path` (when given) and enter it in the
        register of statistics reports (and the audit trail), in one transaction: a failed write leaves no register
        row. The number and the PDF's bytes."""
        if not recipient.strip():
            raise ValidationError({"recipient": N_("Write whom the report is for, such as “学生工作部”.")})
        made_on = date.today()
        with self.store.write() as conn:
            prefix = f"TJ-{made_on.year}-"
            row = conn.execute("SELECT count(*) FROM statistics_reports WHERE number LIKE ?",
                               (prefix + "%",)).fetchone()
            number = f"{prefix}{int(row[0]) + 1:03d}"
            pdf = render(number)
            if path is not None:
                atomic_write(path, pdf)
            cur = conn.execute(
                "INSERT INTO statistics_reports (number, made_at, made_on, period_from, period_to, recipient, lang, "
                "sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (number, now_utc(), made_on.isoformat(), report.period_from.isoformat(), report.period_to.isoformat(),
                 " ".join(recipient.split()), report.lang, hashlib.sha256(pdf).hexdigest()))
            self.store.changed("statistics.exported", "statistics_report", int(cur.lastrowid),
                               {"from": report.period_from.isoformat(), "to": report.period_to.isoformat(),
                                "lang": report.lang})
        return number, pdf

    def register(self) -> builtins.list[tuple[str, str, str, str, str]]:
        """(number, made on, period from, period to, recipient) of every report made, the latest first."""
        return [(str(a), str(b), str(c), str(d), str(e)) for a, b, c, d, e in self.store.conn.execute(
            "SELECT number, made_on, period_from, period_to, recipient FROM statistics_reports ORDER BY id DESC")]


__all__ = ["AUDIT_KINDS", "COMPLEMENT", "ENTITY_LABELS", "SUPPRESSED", "Breakdown", "Cell", "StatisticsReport",
           "StatisticsService", "breakdown", "show_count", "suppress"]
