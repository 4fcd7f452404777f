"""Cohort screenings: a class year's answers imported from a file, scored by the questionnaire's rules,
flagged at the room's levels of concern, and followed up by interviews.

A screening keeps its date, the cohort's name, the questionnaire version it was scored with and the consent
text the students were shown; the file it came from is neither kept nor copied. Each student is a row with
the answers and the result (read-only once stored). The questionnaire's screening rules decide who is
flagged and at which level (each rule names its level, 1 = the highest concern; a rule without one gives the
room's lowest level); a critical item answered is always the highest level. The room names and colours its
levels in the settings. A flagged row becomes a client file (or is linked to an existing one) with the
interview booked in one step; the interview's outcome is recorded on the row. Students not flagged stay
screening rows: no client file is made for them.

The audit trail records the screening, the links and outcomes with ids and counts only: never a name, an
answer or a score.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..i18n import N_, language, tr_in
from ..vault.audit import now_utc
from .appointments import Appointment, AppointmentService
from .clients import Client, ClientService, ValidationError
from .instruments import Instrument, Result
from .psychtests import PsychTestService
from .screening_import import CheckedFile, ColumnMapping, RowProblem, Table, check_rows
from .settings import SettingsService
from .store import Store

LEVELS_KEY = "screening.levels"
MAPPING_KEY = "screening.mapping.{instrument}"
DEFAULT_LEVELS: tuple[dict[str, str], ...] = (
    {"zh_CN": "红色（一级）", "en": "Red (level 1)", "colour": "#c62828"},
    {"zh_CN": "橙色（二级）", "en": "Orange (level 2)", "colour": "#ef6c00"},
    {"zh_CN": "黄色（三级）", "en": "Yellow (level 3)", "colour": "#f9a825"},
)
MAX_LEVELS = 9
OUTCOMES = ("counseling", "monitoring", "referred", "no_further_concern", "declined", "not_reached")
OUTCOME_LABELS = {"counseling": N_("Counseling offered and accepted"), "monitoring": N_("Kept on the list of concern"),
                  "referred": N_("Referred (hospital or other service)"),
                  "no_further_concern": N_("No further concern after the interview"),
                  "declined": N_("Student declined the interview"), "not_reached": N_("Student not reached")}
INTERVIEW_MINUTES = 50
CHUNK = 500  # rows written at a time (and a progress step)

AUDIT_KINDS: dict[str, str] = {
    "screening.imported": N_("Cohort screening imported"),
    "screening.deleted": N_("Cohort screening deleted (no student linked to a client)"),
    "screening.client_made": N_("Client file made from a flagged screening row"),
    "screening.client_linked": N_("Flagged screening row linked to a client"),
    "screening.interview_booked": N_("Screening interview booked"),
    "screening.outcome_recorded": N_("Outcome of a screening interview recorded"),
}
ENTITY_LABELS: dict[str, str] = {"screening": N_("Cohort screening"), "screening_row": N_("Screening row")}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Level:
    number: int  # 1 = the highest concern
    label: dict[str, str]
    colour: str

    def text(self, lang: str) -> str:
        return self.label.get(lang) or self.label.get("en") or self.label.get("zh_CN") or str(self.number)


@dataclass(frozen=True)
class Screening:
    id: int
    instrument_id: str
    version: int
    definition_id: int
    cohort: str
    held_on: date
    consent_text: str
    file_kind: str
    rows_imported: int
    rows_skipped: int
    imported_at: str
    flagged: int = 0


@dataclass(frozen=True)
class ScreeningRow:
    id: int
    screening_id: int
    row_number: int
    student_no: str
    name: str
    gender: str
    grade: str
    department: str
    class_name: str
    answers: dict[int, int | float]
    result: Result
    total: float
    level: int | None
    critical: bool
    client_id: int | None
    appointment_id: int | None
    outcome: str | None
    outcome_note: str
    outcome_at: str | None
    # from the screening and the interview appointment
    instrument_id: str = ""
    cohort: str = ""
    held_on: date | None = None
    interview_at: datetime | None = None
    interviewed: bool = False

    @property
    def display_name(self) -> str:
        return self.name or self.student_no


class ScreeningInvalid(Exception):
    """Nothing was imported: the rows named in `problems` (or the mapping) must be corrected or skipped."""

    def __init__(self, problems: builtins.list[RowProblem], mapping_problems: builtins.list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the file")
        self.problems = problems
        self.mapping_problems = mapping_problems


def level_of(instrument: Instrument, result: Result, levels: int) -> int | None:
    """The room's level for one result: a critical item is always level 1; otherwise the highest level of the
    positive screening rules (a rule without a level, or beyond the room's levels, gives the lowest one)."""
    if result.critical:
        return 1
    found: builtins.list[int] = []
    for rule in instrument.screening:
        if rule.id in result.positive:
            found.append(min(rule.level or levels, levels))
    return min(found) if found else None


_ROW_COLUMNS = ("r.id, r.screening_id, r.row_number, r.student_no, r.name, r.gender, r.grade, r.department, "
                "r.class_name, r.answers, r.result, r.total, r.level, r.critical, r.client_id, r.appointment_id, "
                "r.outcome, r.outcome_note, r.outcome_at, s.instrument_id, s.cohort, s.held_on, a.planned_start, "
                "a.actual_start, a.attendance")
_ROW_FROM = ("screening_rows r JOIN screenings s ON s.id = r.screening_id "
             "LEFT JOIN appointments a ON a.id = r.appointment_id")


def _to_row(v: tuple[object, ...]) -> ScreeningRow:
    planned = datetime.fromisoformat(str(v[22])) if v[22] else None
    actual = datetime.fromisoformat(str(v[23])) if v[23] else None
    held = v[24] in ("attended", "late")
    return ScreeningRow(
        int(v[0]), int(v[1]), int(v[2]), str(v[3]), str(v[4]), str(v[5]), str(v[6]), str(v[7]),  # type: ignore[call-overload]
        str(v[8]), {int(k): x for k, x in json.loads(str(v[9])).items()}, Result.from_json(str(v[10])),
        float(v[11]), None if v[12] is None else int(v[12]), bool(v[13]),  # type: ignore[arg-type, call-overload]
        None if v[14] is None else int(v[14]), None if v[15] is None else int(v[15]),  # type: ignore[call-overload]
        None if v[16] is None else str(v[16]), str(v[17]), None if v[18] is None else str(v[18]),
        str(v[19]), str(v[20]), date.fromisoformat(str(v[21])), actual or planned, held)


class ScreeningService:
    def __init__(self, store: Store, clients: ClientService, appointments: AppointmentService,
                 psychtests: PsychTestService, settings: SettingsService) -> None:
        self.store = store
        self.clients = clients
        self.appointments = appointments
        self.psychtests = psychtests
        self.settings = settings

    # -- the room's levels and saved mappings ---------------------------------------------------------------------

    def levels(self) -> builtins.list[Level]:
        raw = self.settings.get(LEVELS_KEY)
        entries = raw if isinstance(raw, list) and raw else list(DEFAULT_LEVELS)
        return [Level(n, {k: str(e.get(k, "")) for k in ("zh_CN", "en") if e.get(k)}, str(e.get("colour", "#888888")))
                for n, e in enumerate(entries, start=1) if isinstance(e, dict)]

    def set_levels(self, levels: builtins.list[dict[str, str]]) -> None:
        """The room's levels, highest concern first: each a name (in one language at least) and a colour."""
        if not 1 <= len(levels) <= MAX_LEVELS:
            raise ValidationError({"levels": N_("Give from 1 to 9 levels.")})
        cleaned = []
        for e in levels:
            name = {k: str(e.get(k, "")).strip() for k in ("zh_CN", "en") if str(e.get(k, "")).strip()}
            colour = str(e.get("colour", "")).strip()
            if not name:
                raise ValidationError({"levels": N_("Give every level a name.")})
            if len(colour) != 7 or colour[0] != "#" or any(c not in "0123456789abcdefABCDEF" for c in colour[1:]):
                raise ValidationError({"levels": N_("A colour is written #rrggbb, such as #c62828.")})
            cleaned.append({**name, "colour": colour.lower()})
        self.settings.set(LEVELS_KEY, cleaned)

    def saved_mapping(self, instrument_id: str) -> ColumnMapping | None:
        raw = self.settings.get(MAPPING_KEY.format(instrument=instrument_id))
        return ColumnMapping.from_json(raw) if raw else None

    def save_mapping(self, instrument_id: str, mapping: ColumnMapping) -> None:
        self.settings.set(MAPPING_KEY.format(instrument=instrument_id), mapping.to_json())

    # -- importing ------------------------------------------------------------------------------------------------

    def check(self, table: Table, instrument_id: str, mapping: ColumnMapping) -> CheckedFile:
        return check_rows(table, self.psychtests.instrument(instrument_id), mapping)

    def import_screening(self, table: Table, instrument_id: str, mapping: ColumnMapping, cohort: str, held_on: date,
                         consent_text: str, skip_rows: Iterable[int] = (), progress: Progress | None = None,
                         checked: CheckedFile | None = None) -> Screening:
        """Store a cohort's answers as one screening. Every row is checked first; nothing is stored while a row
        has a problem, unless the counselor chose to skip that row (its number in `skip_rows`). The mapping is
        saved for the next file of the same questionnaire."""
        errors: dict[str, str] = {}
        if not cohort.strip():
            errors["cohort"] = N_("Name the cohort, such as “2026级新生”.")
        if not consent_text.strip():
            errors["consent_text"] = N_("Paste the consent text the students were shown before they answered.")
        if held_on > date.today():
            errors["held_on"] = N_("The screening date is in the future.")
        if errors:
            raise ValidationError(errors)
        instrument = self.psychtests.instrument(instrument_id)
        checked = checked or check_rows(table, instrument, mapping)
        skip = set(skip_rows)
        left = [p for p in checked.problems if p.row not in skip]
        if checked.mapping_problems or left:
            raise ScreeningInvalid(left, list(checked.mapping_problems))
        students = [s for s in checked.students if s.row not in skip]
        if not students:
            raise ValidationError({"rows": N_("No row is left to import.")})
        n_levels = len(self.levels())
        total = len(students)
        with self.store.write() as conn:
            definition_id, instrument = self.psychtests._definition_for_new_test(instrument_id)
            cur = conn.execute(
                "INSERT INTO screenings (definition_id, instrument_id, version, cohort, held_on, consent_text, "
                "file_kind, rows_imported, rows_skipped, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (definition_id, instrument.id, instrument.version, " ".join(cohort.split()), held_on.isoformat(),
                 consent_text.strip(), table.kind, total, len(checked.bad_rows), now_utc()))
            screening_id = int(cur.lastrowid)
            flagged = 0
            for start in range(0, total, CHUNK):
                batch = []
                for s in students[start:start + CHUNK]:
                    result = instrument.score(s.answers)
                    level = level_of(instrument, result, n_levels)
                    flagged += level is not None
                    batch.append((screening_id, s.row, s.student_no, s.name, s.gender, s.grade, s.department,
                                  s.class_name, json.dumps({str(k): v for k, v in s.answers.items()}),
                                  result.to_json(), float(result.total), level, int(bool(result.critical))))
                conn.executemany(
                    "INSERT INTO screening_rows (screening_id, row_number, student_no, name, gender, grade, "
                    "department, class_name, answers, result, total, level, critical) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    batch)
                if progress is not None:
                    progress(min(start + CHUNK, total), total)
            self.save_mapping(instrument.id, mapping)
            self.store.changed("screening.imported", "screening", screening_id,
                               {"instrument": instrument.id, "version": instrument.version, "rows": total,
                                "skipped": len(checked.bad_rows), "flagged": flagged, "file_kind": table.kind})
        return self.screening(screening_id)

    # -- reading --------------------------------------------------------------------------------------------------

    def screenings(self) -> builtins.list[Screening]:
        rows = self.store.conn.execute(
            "SELECT s.id, s.instrument_id, s.version, s.definition_id, s.cohort, s.held_on, s.consent_text, "
            "s.file_kind, s.rows_imported, s.rows_skipped, s.imported_at, "
            "(SELECT count(*) FROM screening_rows r WHERE r.screening_id = s.id AND r.level IS NOT NULL) "
            "FROM screenings s ORDER BY s.held_on DESC, s.id DESC")
        return [Screening(int(r[0]), str(r[1]), int(r[2]), int(r[3]), str(r[4]), date.fromisoformat(str(r[5])),
                          str(r[6]), str(r[7]), int(r[8]), int(r[9]), str(r[10]), int(r[11])) for r in rows]

    def screening(self, screening_id: int) -> Screening:
        found = next((s for s in self.screenings() if s.id == screening_id), None)
        if found is None:
            raise KeyError(screening_id)
        return found

    def instrument_of(self, screening: Screening) -> Instrument:
        return self.psychtests.definition(screening.definition_id)

    def row(self, row_id: int) -> ScreeningRow:
        r = self.store.conn.execute(f"SELECT {_ROW_COLUMNS} FROM {_ROW_FROM} WHERE r.id = ?", (row_id,)).fetchone()
        if r is None:
            raise KeyError(row_id)
        return _to_row(r)

    def rows(self, screening_id: int) -> builtins.list[ScreeningRow]:
        return [_to_row(r) for r in self.store.conn.execute(
            f"SELECT {_ROW_COLUMNS} FROM {_ROW_FROM} WHERE r.screening_id = ? ORDER BY r.row_number", (screening_id,))]

    def flagged(self, screening_id: int | None = None, level: int | None = None, class_name: str | None = None,
                instrument_id: str | None = None) -> builtins.list[ScreeningRow]:
        """Flagged students, the highest level first, then by class and student number."""
        where, args = ["r.level IS NOT NULL"], []
        for column, value in (("r.screening_id", screening_id), ("r.level", level), ("r.class_name", class_name),
                              ("s.instrument_id", instrument_id)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        return [_to_row(r) for r in self.store.conn.execute(
            f"SELECT {_ROW_COLUMNS} FROM {_ROW_FROM} WHERE {' AND '.join(where)} "
            "ORDER BY r.level, r.critical DESC, r.class_name, r.student_no", args)]

    def classes(self, screening_id: int | None = None) -> builtins.list[str]:
        sql = "SELECT DISTINCT class_name FROM screening_rows WHERE level IS NOT NULL"
        args: tuple[object, ...] = ()
        if screening_id is not None:
            sql += " AND screening_id = ?"
            args = (screening_id,)
        return [str(r[0]) for r in self.store.conn.execute(sql + " ORDER BY class_name", args)]

    def for_client(self, client_id: int) -> builtins.list[ScreeningRow]:
        return [_to_row(r) for r in self.store.conn.execute(
            f"SELECT {_ROW_COLUMNS} FROM {_ROW_FROM} WHERE r.client_id = ? ORDER BY s.held_on DESC", (client_id,))]

    def level_counts(self, screening_id: int) -> dict[int | None, int]:
        return {None if lv is None else int(lv): int(n) for lv, n in self.store.conn.execute(
            "SELECT level, count(*) FROM screening_rows WHERE screening_id = ? GROUP BY level", (screening_id,))}

    # -- following up ---------------------------------------------------------------------------------------------

    def _flagged_row(self, row_id: int) -> ScreeningRow:
        row = self.row(row_id)
        if row.level is None:
            raise ValidationError({"row": N_("This student was not flagged: a screening row without a flag stays a "
                                             "screening row.")})
        return row

    def make_client(self, row_id: int, code: str, interview_at: datetime | None = None,
                    minutes: int = INTERVIEW_MINUTES, remarks: str | None = None) -> ScreeningRow:
        """A client file from a flagged row (name, gender, department, class and grade taken from it) and, with
        `interview_at`, the interview booked as a first session: in one transaction."""
        row = self._flagged_row(row_id)
        if row.client_id is not None:
            raise ValidationError({"row": N_("This student is already linked to a client file.")})
        with self.store.write():
            client = self.clients.create(Client(code=code, name=row.name, gender=row.gender,
                                                department=row.department, class_name=row.class_name))
            assert client.id is not None
            if row.grade:
                self.store.conn.execute(
                    "INSERT INTO client_school_details (client_id, grade, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (client_id) DO UPDATE SET grade = excluded.grade, updated_at = excluded.updated_at",
                    (client.id, row.grade, now_utc()))
            self._link(row, client.id, "screening.client_made")
            if interview_at is not None:
                self.book_interview(row_id, interview_at, minutes, remarks)
        return self.row(row_id)

    def link_client(self, row_id: int, client_id: int, interview_at: datetime | None = None,
                    minutes: int = INTERVIEW_MINUTES, remarks: str | None = None) -> ScreeningRow:
        """Link a flagged row to an existing client (and book the interview, with `interview_at`)."""
        row = self._flagged_row(row_id)
        self.clients.get(client_id)
        if row.client_id is not None:
            raise ValidationError({"row": N_("This student is already linked to a client file.")})
        with self.store.write():
            self._link(row, client_id, "screening.client_linked")
            if interview_at is not None:
                self.book_interview(row_id, interview_at, minutes, remarks)
        return self.row(row_id)

    def _link(self, row: ScreeningRow, client_id: int, kind: str) -> None:
        with self.store.write() as conn:
            conn.execute("UPDATE screening_rows SET client_id = ?, linked_at = ? WHERE id = ? AND client_id IS NULL",
                         (client_id, now_utc(), row.id))
            self.store.changed(kind, "screening_row", row.id, {"client": client_id, "screening": row.screening_id,
                                                                "level": row.level})

    def book_interview(self, row_id: int, start: datetime, minutes: int = INTERVIEW_MINUTES,
                       remarks: str | None = None) -> ScreeningRow:
        """Book the interview as a first session; its remark in the program's language unless given (the
        appointment book showed "screening interview" in English to a Chinese counselor)."""
        row = self.row(row_id)
        if row.client_id is None:
            raise ValidationError({"row": N_("Make a client file from this row, or link one, before booking.")})
        if row.appointment_id is not None and not row.interviewed:
            old = self.appointments.get(row.appointment_id)
            if old.attendance == "scheduled":
                raise ValidationError({"row": N_("An interview is already booked. Move it in the appointment book.")})
        with self.store.write() as conn:
            appointment = self.appointments.create(Appointment(
                client_id=row.client_id, planned_start=start, planned_end=start + timedelta(minutes=minutes),
                kind="first", remarks=tr_in(language(), N_("Screening interview")) if remarks is None else remarks))
            conn.execute("UPDATE screening_rows SET appointment_id = ? WHERE id = ?", (appointment.id, row_id))
            self.store.changed("screening.interview_booked", "screening_row", row_id,
                               {"client": row.client_id, "appointment": appointment.id})
        return self.row(row_id)

    def record_outcome(self, row_id: int, outcome: str, note: str = "") -> ScreeningRow:
        row = self._flagged_row(row_id)
        if outcome not in OUTCOMES:
            raise ValidationError({"outcome": N_("Choose the outcome of the interview.")})
        if row.client_id is None:
            raise ValidationError({"row": N_("Make a client file from this row, or link one, first.")})
        with self.store.write() as conn:
            conn.execute("UPDATE screening_rows SET outcome = ?, outcome_note = ?, outcome_at = ? WHERE id = ?",
                         (outcome, note.strip(), now_utc(), row_id))
            self.store.changed("screening.outcome_recorded", "screening_row", row_id,
                               {"client": row.client_id, "outcome": outcome})
        return self.row(row_id)

    def delete_screening(self, screening_id: int) -> None:
        """Remove a screening imported by mistake, as long as no student in it is linked to a client file."""
        self.screening(screening_id)
        linked = self.store.conn.execute("SELECT count(*) FROM screening_rows WHERE screening_id = ? AND client_id "
                                         "IS NOT NULL", (screening_id,)).fetchone()[0]
        if linked:
            raise ValidationError({"screening": N_("Students of this screening are linked to client files, so it is "
                                                   "kept.")})
        with self.store.write() as conn:
            conn.execute("DELETE FROM screening_rows WHERE screening_id = ?", (screening_id,))
            conn.execute("DELETE FROM screenings WHERE id = ?", (screening_id,))
            self.store.changed("screening.deleted", "screening", screening_id)


__all__ = ["AUDIT_KINDS", "DEFAULT_LEVELS", "ENTITY_LABELS", "OUTCOMES", "OUTCOME_LABELS", "Level", "ScreeningInvalid",
           "Screening", "ScreeningRow", "ScreeningService", "level_of"]
