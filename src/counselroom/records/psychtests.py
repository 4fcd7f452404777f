"""Psychological tests: instruments (built in and imported) and administrations.

The code of practice asks that a test is explained before it is given and its result explained after, and
that results stay confidential. So an administration goes: started (a questionnaire chosen) -> explained
(the pre-test explanation recorded; no answer is accepted before it) -> answered (each answer saved as it
is given, by the counselor or by the client on the client screen) -> completed (scored at once; from then
on read-only) -> feedback recorded (what the client was told about the result). A completed test without
feedback, or a started one without an explanation, is flagged.

Every result is a screening result, not a diagnosis, and says so wherever it is shown. The audit trail
records each step with ids only: never an answer, a score or any text.
"""

from __future__ import annotations

import builtins
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from ..documents.record_export import DocSection
from ..i18n import N_, tr_in
from ..vault.audit import now_utc
from .clients import ClientService, ValidationError
from .exports import ExportContents
from .instruments import (
    NOT_A_DIAGNOSIS,
    P_FIELD,
    CriticalItem,
    DefinitionInvalid,
    Instrument,
    Number,
    Problem,
    Result,
    builtin,
    builtin_ids,
    builtin_instruments,
    canonical,
    parse_definition,
    show_number,
)
from .settings import SettingsService
from .store import Store

# Audit kinds this part writes, with their labels for the audit viewer.
AUDIT_KINDS: dict[str, str] = {
    "instrument.stored": N_("Built-in questionnaire stored in the vault"),
    "instrument.imported": N_("Questionnaire definition imported"),
    "instrument.replaced": N_("Questionnaire definition replaced (version not used yet)"),
    "test.started": N_("Psychological test started"),
    "test.explained": N_("Pre-test explanation recorded"),
    "test.answers_saved": N_("Test answers saved"),
    "test.screen_handed": N_("Screen handed to the client for a test"),
    "test.screen_returned": N_("Screen taken back from the client"),
    "test.completed": N_("Psychological test completed and scored"),
    "test.feedback_recorded": N_("Feedback on a test result recorded"),
    "test.discarded": N_("Unanswered test discarded"),
}
# Entities this part names in the audit trail, with their labels.
ENTITY_LABELS: dict[str, str] = {"instrument": N_("Questionnaire definition"), "test": N_("Psychological test")}

MODES = ("counselor", "client")
MODE_LABELS = {"counselor": N_("Entered by the counselor"), "client": N_("Answered by the client on screen")}
MISSING_LABELS = {"explanation": N_("No pre-test explanation"), "feedback": N_("No feedback after the test")}
NOT_STARTED, ANSWERING, COMPLETED = "not_explained", "answering", "completed"
_ = N_


class ExplanationRequired(ValidationError):
    """An answer before the pre-test explanation was recorded."""

    def __init__(self) -> None:
        super().__init__({"explanation": N_("Record the pre-test explanation first: answers can be entered only "
                                            "after the test has been explained to the client.")})


class TestCompleted(ValidationError):
    """A change to a completed (read-only) test."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        super().__init__({"test": N_("This test is completed and scored, so its answers cannot be changed. Only "
                                     "the feedback can still be added.")})


@dataclass(frozen=True)
class Administration:
    id: int
    client_id: int
    instrument_id: str
    version: int
    definition_id: int
    mode: str
    started_at: str
    explanation: str | None
    explained_at: str | None
    answers: dict[int, Number]
    completed_at: str | None
    result: Result | None
    feedback: str | None
    feedback_at: str | None

    @property
    def status(self) -> str:
        if self.completed_at is not None:
            return COMPLETED
        return ANSWERING if self.explained_at is not None else NOT_STARTED

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @property
    def missing(self) -> tuple[str, ...]:
        """What the code of practice still asks for: "explanation" (none before the test) and/or "feedback"
        (none after a completed test)."""
        out: list[str] = []
        if self.explained_at is None:
            out.append("explanation")
        if self.completed_at is not None and self.feedback_at is None:
            out.append("feedback")
        return tuple(out)

    @property
    def missing_explanation(self) -> bool:
        return "explanation" in self.missing

    @property
    def missing_feedback(self) -> bool:
        return "feedback" in self.missing

    @property
    def day(self) -> date:
        """The local day the test was completed (or started, while unfinished)."""
        return local_day(self.completed_at or self.started_at)


@dataclass(frozen=True)
class TrendPoint:
    administration_id: int
    completed_at: str
    day: date
    total: Number
    band_index: int | None
    band_label: Mapping[str, str]
    version: int


@dataclass(frozen=True)
class InstrumentInfo:
    instrument: Instrument  # the current version
    builtin: bool
    versions: tuple[int, ...]  # versions kept in the vault (a built-in one not used yet: none)
    administrations: int


@dataclass(frozen=True)
class ImportOutcome:
    instrument: Instrument
    outcome: str  # "imported", "replaced" (a version nobody had answered yet) or "unchanged"


def local_day(at: str) -> date:
    moment = datetime.fromisoformat(at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().date()


def _stamp(now: datetime | None) -> str:
    if now is None:
        return now_utc()
    return now.astimezone(UTC).isoformat(timespec="microseconds")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_COLUMNS = ("id, client_id, instrument_id, version, definition_id, mode, started_at, explanation, explained_at, "
            "answers, completed_at, result, feedback, feedback_at")


def _row(r: tuple[object, ...]) -> Administration:
    answers = {int(k): v for k, v in json.loads(str(r[9])).items()}
    return Administration(
        id=int(r[0]), client_id=int(r[1]), instrument_id=str(r[2]), version=int(r[3]),  # type: ignore[call-overload]
        definition_id=int(r[4]), mode=str(r[5]), started_at=str(r[6]),  # type: ignore[call-overload]
        explanation=None if r[7] is None else str(r[7]), explained_at=None if r[8] is None else str(r[8]),
        answers=answers, completed_at=None if r[10] is None else str(r[10]),
        result=None if r[11] is None else Result.from_json(str(r[11])),
        feedback=None if r[12] is None else str(r[12]), feedback_at=None if r[13] is None else str(r[13]))


class PsychTestService:
    def __init__(self, store: Store, clients: ClientService, settings: SettingsService, *,
                 before_test: Callable[[int], None] | None = None) -> None:
        self.store = store
        self.clients = clients
        self.settings = settings
        self._parsed: dict[int, Instrument] = {}  # definition row id -> instrument; stored versions never change
        # From the consent records: raises unless the client's consent is signed (tests only after consent).
        self.before_test = before_test

    # -- instruments ------------------------------------------------------------------------------------------

    def definition(self, definition_id: int) -> Instrument:
        """A stored version of a questionnaire, as it was when stored."""
        cached = self._parsed.get(definition_id)
        if cached is not None:
            return cached
        row = self.store.conn.execute("SELECT content FROM instrument_definitions WHERE id = ?",
                                      (definition_id,)).fetchone()
        if row is None:
            raise KeyError(definition_id)
        instrument = parse_definition(str(row[0]), builtin=True)
        self._parsed[definition_id] = instrument
        return instrument

    def instrument_of(self, administration: Administration) -> Instrument:
        return self.definition(administration.definition_id)

    def _stored(self, instrument_id: str) -> builtins.list[tuple[int, int, bool]]:
        """(version, row id, built in) of the stored versions of one questionnaire, oldest first."""
        rows = self.store.conn.execute("SELECT version, id, builtin FROM instrument_definitions "
                                       "WHERE instrument_id = ? ORDER BY version", (instrument_id,))
        return [(int(v), int(i), bool(b)) for v, i, b in rows]

    def instrument(self, instrument_id: str, version: int | None = None) -> Instrument:
        """The current version of a questionnaire (or a given stored one). KeyError when there is none."""
        stored = self._stored(instrument_id)
        if version is not None:
            row_id = next((i for v, i, _b in stored if v == version), None)
            if row_id is not None:
                return self.definition(row_id)
            shipped = builtin(instrument_id)
            if shipped is not None and shipped.version == version:
                return shipped
            raise KeyError((instrument_id, version))
        shipped = builtin(instrument_id)
        if stored and (shipped is None or stored[-1][0] >= shipped.version):
            return self.definition(stored[-1][1])
        if shipped is None:
            raise KeyError(instrument_id)
        return shipped

    def instruments(self) -> builtins.list[InstrumentInfo]:
        """Every questionnaire the counselor can give: the built-in ones first, then the room's own."""
        rows = self.store.conn.execute("SELECT instrument_id, version, builtin FROM instrument_definitions "
                                       "ORDER BY instrument_id, version").fetchall()
        counts = dict(self.store.conn.execute("SELECT instrument_id, count(*) FROM test_administrations "
                                              "GROUP BY instrument_id").fetchall())
        versions: dict[str, list[int]] = {}
        kinds: dict[str, bool] = {}
        for instrument_id, version, is_builtin in rows:
            versions.setdefault(str(instrument_id), []).append(int(version))
            kinds[str(instrument_id)] = bool(is_builtin)
        out = [InstrumentInfo(self.instrument(i.id), True, tuple(versions.get(i.id, ())), int(counts.get(i.id, 0)))
               for i in builtin_instruments()]
        shipped = builtin_ids()
        for instrument_id in sorted(versions):
            if instrument_id in shipped or kinds.get(instrument_id):
                continue
            out.append(InstrumentInfo(self.instrument(instrument_id), False, tuple(versions[instrument_id]),
                                      int(counts.get(instrument_id, 0))))
        return out

    def _usage(self, definition_id: int) -> int:
        row = self.store.conn.execute("SELECT count(*) FROM test_administrations WHERE definition_id = ?",
                                      (definition_id,)).fetchone()
        return int(row[0])

    def import_definition(self, data: bytes | str) -> ImportOutcome:
        """Check a definition file and store it in the vault as a new questionnaire or a new version.

        Raises DefinitionInvalid naming every problem and its place. A version already answered is never
        replaced (a changed definition needs a higher version number); a version nobody answered yet is."""
        instrument = parse_definition(data, builtin_ids())
        content = canonical(instrument)
        sha = _sha(content)
        stored = self._stored(instrument.id)
        same = next(((v, i) for v, i, _b in stored if v == instrument.version), None)
        outcome = "imported"
        if same is not None:
            row = self.store.conn.execute("SELECT sha256 FROM instrument_definitions WHERE id = ?",
                                          (same[1],)).fetchone()
            if row is not None and str(row[0]) == sha:
                return ImportOutcome(self.definition(same[1]), "unchanged")
            used = self._usage(same[1])
            if used:
                raise DefinitionInvalid([Problem(
                    P_FIELD, N_("Version {version} of “{id}” is already in the vault and was used in {count} test(s), "
                                "so it is kept as it is. Give the changed definition a higher version number, such "
                                "as {next}."),
                    {"field": "version", "version": instrument.version, "id": instrument.id, "count": used,
                     "next": stored[-1][0] + 1})])
            outcome = "replaced"
        elif stored and instrument.version < stored[-1][0]:
            raise DefinitionInvalid([Problem(
                P_FIELD, N_("Version {latest} of “{id}” is already in the vault. A new definition needs a higher "
                            "version number, such as {next}."),
                {"field": "version", "latest": stored[-1][0], "id": instrument.id, "next": stored[-1][0] + 1})])
        with self.store.write() as conn:
            if same is not None:
                conn.execute("DELETE FROM instrument_definitions WHERE id = ?", (same[1],))
                self._parsed.pop(same[1], None)
            cur = conn.execute("INSERT INTO instrument_definitions (instrument_id, version, builtin, content, sha256, "
                               "stored_at) VALUES (?, ?, 0, ?, ?, ?)",
                               (instrument.id, instrument.version, content, sha, now_utc()))
            row_id = cur.lastrowid
            self.store.changed(f"instrument.{outcome}", "instrument", row_id,
                               {"instrument": instrument.id, "version": instrument.version,
                                "items": len(instrument.items)})
        return ImportOutcome(self.definition(row_id), outcome)

    def _definition_for_new_test(self, instrument_id: str) -> tuple[int, Instrument]:
        """The row of the current version, storing a built-in questionnaire in the vault on its first use."""
        try:
            instrument = self.instrument(instrument_id)
        except KeyError:
            raise ValidationError({"instrument": N_("Choose a questionnaire.")}) from None
        stored = self._stored(instrument_id)
        row_id = next((i for v, i, _b in stored if v == instrument.version), None)
        if row_id is not None:
            return row_id, instrument
        content = canonical(instrument)
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO instrument_definitions (instrument_id, version, builtin, content, sha256, "
                               "stored_at) VALUES (?, ?, 1, ?, ?, ?)",
                               (instrument.id, instrument.version, content, _sha(content), now_utc()))
            row_id = cur.lastrowid
            self.store.changed("instrument.stored", "instrument", row_id,
                               {"instrument": instrument.id, "version": instrument.version})
        return row_id, self.definition(row_id)

    # -- reading administrations ------------------------------------------------------------------------------

    def get(self, administration_id: int) -> Administration:
        row = self.store.conn.execute(f"SELECT {_COLUMNS} FROM test_administrations WHERE id = ?",
                                      (administration_id,)).fetchone()
        if row is None:
            raise KeyError(administration_id)
        return _row(row)

    def for_client(self, client_id: int) -> builtins.list[Administration]:
        """The client's tests, newest first."""
        rows = self.store.conn.execute(f"SELECT {_COLUMNS} FROM test_administrations WHERE client_id = ? "
                                       "ORDER BY coalesce(completed_at, started_at) DESC, id DESC", (client_id,))
        return [_row(r) for r in rows]

    def missing_explanation_or_feedback(self) -> builtins.list[Administration]:
        """Completed tests without feedback, and started ones without a pre-test explanation (oldest first)."""
        rows = self.store.conn.execute(
            f"SELECT {_COLUMNS} FROM test_administrations WHERE feedback_at IS NULL "
            "AND (completed_at IS NOT NULL OR explained_at IS NULL) ORDER BY started_at, id")
        return [_row(r) for r in rows]

    def trend(self, client_id: int, instrument_id: str) -> builtins.list[TrendPoint]:
        """The totals of the client's completed tests with one questionnaire, oldest first."""
        rows = self.store.conn.execute(f"SELECT {_COLUMNS} FROM test_administrations WHERE client_id = ? AND "
                                       "instrument_id = ? AND completed_at IS NOT NULL ORDER BY completed_at, id",
                                       (client_id, instrument_id))
        out = []
        for a in (_row(r) for r in rows):
            assert a.result is not None and a.completed_at is not None
            index = a.result.bands.get("total")
            total = self.instrument_of(a).total
            label = total.bands[index].label if index is not None and index < len(total.bands) else {}
            out.append(TrendPoint(a.id, a.completed_at, local_day(a.completed_at), a.result.total, index, label,
                                  a.version))
        return out

    def critical_hits(self, administration: Administration) -> builtins.list[CriticalItem]:
        """The critical items the answers so far meet (the risk prompt names them)."""
        return self.instrument_of(administration).critical_hits(administration.answers)

    # -- giving a test ----------------------------------------------------------------------------------------

    def start(self, client_id: int, instrument_id: str, explanation: str | None = None,
              now: datetime | None = None) -> Administration:
        """Begin a test with a questionnaire's current version; with `explanation`, record it at once."""
        self.clients.get(client_id)
        if self.before_test is not None:
            self.before_test(client_id)
        if explanation is not None and not explanation.strip():
            raise ValidationError({"explanation": N_("Write what you explained to the client before the test.")})
        definition_id, instrument = self._definition_for_new_test(instrument_id)
        at = _stamp(now)
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO test_administrations (client_id, definition_id, instrument_id, version, "
                               "started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                               (client_id, definition_id, instrument.id, instrument.version, at, at))
            administration_id = cur.lastrowid
            self.store.changed("test.started", "test", administration_id,
                               {"client": client_id, "instrument": instrument.id, "version": instrument.version})
            if explanation is not None:
                self.record_explanation(administration_id, explanation, now)
        return self.get(administration_id)

    def record_explanation(self, administration_id: int, text: str, now: datetime | None = None) -> Administration:
        """The pre-test explanation of the test's content and purpose, as given to the client."""
        a = self.get(administration_id)
        if a.explained_at is not None:
            raise ValidationError({"explanation": N_("The pre-test explanation is already recorded.")})
        if not text.strip():
            raise ValidationError({"explanation": N_("Write what you explained to the client before the test.")})
        at = _stamp(now)
        with self.store.write() as conn:
            conn.execute("UPDATE test_administrations SET explanation = ?, explained_at = ?, updated_at = ? "
                         "WHERE id = ? AND explained_at IS NULL", (text.strip(), at, at, administration_id))
            self.store.changed("test.explained", "test", administration_id, {"client": a.client_id})
        return self.get(administration_id)

    def _open(self, administration_id: int) -> Administration:
        a = self.get(administration_id)
        if a.is_completed:
            raise TestCompleted()
        if a.explained_at is None:
            raise ExplanationRequired()
        return a

    def set_answer(self, administration_id: int, item_number: int, value: Number | None) -> CriticalItem | None:
        """Save one answer as it is given (None clears it). Returns the critical-item rule the answer meets, if
        any: the caller raises the risk prompt at once (or, on the client screen, when the counselor is back)."""
        a = self._open(administration_id)
        instrument = self.instrument_of(a)
        item = instrument.item(item_number)
        if item is None:
            raise ValidationError({"item": N_("This questionnaire has no such item.")})
        answers = dict(a.answers)
        if value is None:
            answers.pop(item_number, None)
        else:
            option = item.option(value)
            if option is None or isinstance(value, bool):
                raise ValidationError({"value": N_("This answer is not one of the item's answer options.")})
            answers[item_number] = option.value
        if answers != a.answers:
            with self.store.write() as conn:
                conn.execute("UPDATE test_administrations SET answers = ?, updated_at = ? WHERE id = ?",
                             (json.dumps({str(k): v for k, v in sorted(answers.items())}), now_utc(),
                              administration_id))
                last = self.store.audit.entries(limit=1)
                if last and last[0].kind == "test.answers_saved" and last[0].entity_id == administration_id:
                    self.store.notify("test", administration_id)  # one entry for a run of answers
                else:
                    self.store.changed("test.answers_saved", "test", administration_id, {"client": a.client_id})
        return None if value is None else instrument.critical_for(item_number, value)

    def hand_to_client(self, administration_id: int) -> Administration:
        """The client answers on the client screen from now on."""
        a = self._open(administration_id)
        with self.store.write() as conn:
            conn.execute("UPDATE test_administrations SET mode = 'client', updated_at = ? WHERE id = ?",
                         (now_utc(), administration_id))
            self.store.changed("test.screen_handed", "test", administration_id, {"client": a.client_id})
        return self.get(administration_id)

    def screen_returned(self, administration_id: int) -> Administration:
        """The counselor took the screen back (with the passphrase)."""
        a = self.get(administration_id)
        with self.store.write():
            self.store.changed("test.screen_returned", "test", administration_id, {"client": a.client_id})
        return self.get(administration_id)

    def complete(self, administration_id: int, now: datetime | None = None) -> Administration:
        """Score the test and make it read-only. Every item must be answered."""
        a = self._open(administration_id)
        instrument = self.instrument_of(a)
        if instrument.unanswered(a.answers):
            raise ValidationError({"answers": N_("Answer every item before the test is scored.")})
        result = instrument.score(a.answers)
        at = _stamp(now)
        with self.store.write() as conn:
            conn.execute("UPDATE test_administrations SET completed_at = ?, result = ?, updated_at = ? "
                         "WHERE id = ? AND completed_at IS NULL", (at, result.to_json(), at, administration_id))
            self.store.changed("test.completed", "test", administration_id,
                               {"client": a.client_id, "instrument": a.instrument_id, "version": a.version})
        return self.get(administration_id)

    def record_feedback(self, administration_id: int, text: str, now: datetime | None = None) -> Administration:
        """What the client was told about the result after the test (recorded once)."""
        a = self.get(administration_id)
        if not a.is_completed:
            raise ValidationError({"feedback": N_("Feedback is recorded after the test is completed and scored.")})
        if a.feedback_at is not None:
            raise ValidationError({"feedback": N_("The feedback for this test is already recorded.")})
        if not text.strip():
            raise ValidationError({"feedback": N_("Write what you told the client about the result.")})
        at = _stamp(now)
        with self.store.write() as conn:
            conn.execute("UPDATE test_administrations SET feedback = ?, feedback_at = ?, updated_at = ? "
                         "WHERE id = ? AND feedback_at IS NULL", (text.strip(), at, at, administration_id))
            self.store.changed("test.feedback_recorded", "test", administration_id, {"client": a.client_id})
        return self.get(administration_id)

    def discard(self, administration_id: int) -> None:
        """Remove a test that has no answer yet (for example, the client chose not to take it)."""
        a = self.get(administration_id)
        if a.is_completed or a.answers:
            raise ValidationError({"test": N_("A test with answers is kept. Leave it unfinished instead.")})
        with self.store.write() as conn:
            conn.execute("DELETE FROM test_administrations WHERE id = ?", (administration_id,))
            self.store.changed("test.discarded", "test", administration_id, {"client": a.client_id})

    def record_completed(self, client_id: int, instrument_id: str, answers: Mapping[int, Number], explanation: str,
                         started_at: datetime, completed_at: datetime | None = None, mode: str = "counselor",
                         feedback: str | None = None, feedback_at: datetime | None = None) -> Administration:
        """A whole test in one step (a test given on paper and entered afterwards, or the demo): the same checks
        and audit entries as step by step, in one transaction."""
        if mode not in MODES:
            raise ValueError(mode)
        with self.store.write():
            a = self.start(client_id, instrument_id, explanation, started_at)
            instrument = self.instrument_of(a)
            for number, value in answers.items():
                item = instrument.item(number)
                if item is None or item.option(value) is None:
                    raise ValidationError({"answers": N_("This answer is not one of the item's answer options.")})
            ordered = {str(k): answers[k] for k in sorted(answers)}
            self.store.conn.execute("UPDATE test_administrations SET answers = ?, mode = ? WHERE id = ?",
                                    (json.dumps(ordered), mode, a.id))
            self.store.changed("test.answers_saved", "test", a.id, {"client": client_id})
            a = self.complete(a.id, completed_at or started_at)
            if feedback is not None:
                a = self.record_feedback(a.id, feedback, feedback_at or completed_at or started_at)
        return a

    # -- the locked export ------------------------------------------------------------------------------------

    def export_selection(self, client_id: int, contents: ExportContents) -> builtins.list[int]:
        """The completed tests a locked export carries: none unless the counselor chose test results, and then
        only those given within the export's period (oldest first)."""
        if not contents.include_tests:
            return []
        chosen = []
        for a in reversed(self.for_client(client_id)):
            if a.result is None:
                continue
            if (contents.date_from and a.day < contents.date_from) or (contents.date_to and a.day > contents.date_to):
                continue
            chosen.append(a.id)
        return chosen

    def export_sections(self, client_id: int, contents: ExportContents, lang: str) -> builtins.list[DocSection]:
        """The chosen tests for the locked export (see export_selection), one section a test, oldest first:
        scores, bands, screening rules and the not-a-diagnosis wording; the answers item by item only when the
        counselor chose raw test data."""
        chosen = set(self.export_selection(client_id, contents))
        sections = []
        for a in reversed(self.for_client(client_id)):
            if a.result is None or a.id not in chosen:
                continue
            title = tr_in(lang, N_("Psychological test — {title}, {date} (version {version})"),
                          title=self.instrument_of(a).title_in(lang), date=a.day.isoformat(), version=a.version)
            lines = self.result_lines(a, lang)[1:]
            if contents.include_raw_tests:
                lines += self.answer_lines(a, lang)
            sections.append(DocSection(title, lines))
        return sections

    def result_lines(self, a: Administration, lang: str, dates: bool = True) -> builtins.list[str]:
        """A completed test's result in words, one line a part (shared by the export and the window); `dates`
        adds when it was explained and when feedback was given."""
        assert a.result is not None

        def t(msgid: str, **values: object) -> str:
            return tr_in(lang, msgid, **values)

        instrument = self.instrument_of(a)
        result = a.result
        lines = [t(N_("{date} — {title} (version {version})"), date=a.day.isoformat(),
                   title=instrument.title_in(lang), version=a.version)]
        for score in instrument.scores:
            value = show_number(result.scores[score.id])
            index = result.bands.get(score.id)
            band = score.bands[index].text(lang) if index is not None and index < len(score.bands) else ""
            lines.append(t(N_("{score}: {value} — {band}"), score=score.text(lang), value=value, band=band) if band
                         else t(N_("{score}: {value}"), score=score.text(lang), value=value))
        for rule in instrument.screening:
            if rule.id in result.positive:
                lines.append(t(N_("Screening rule met: {rule}"), rule=rule.text(lang)))
        if instrument.screening and not result.positive:
            lines.append(t(N_("No screening rule met.")))
        if result.critical:
            lines.append(t(N_("Critical items answered: {items}"), items=", ".join(str(n) for n in result.critical)))
        if dates:
            lines.append(t(N_("Explained before the test on {date}."),
                           date=local_day(a.explained_at or a.started_at)))
            lines.append(t(N_("Feedback given on {date}."), date=local_day(a.feedback_at)) if a.feedback_at
                         else t(N_("No feedback recorded yet.")))
        lines.append(t(NOT_A_DIAGNOSIS))
        return lines

    def answer_lines(self, a: Administration, lang: str) -> builtins.list[str]:
        instrument = self.instrument_of(a)
        out = [tr_in(lang, N_("Answers, item by item:"))]
        for item in instrument.items:
            value = a.answers.get(item.number)
            option = item.option(value) if value is not None else None
            answer = f"{option.text(lang)} ({show_number(option.value)})" if option else "—"
            out.append(tr_in(lang, N_("{number}. {text}: {answer}"), number=item.number, text=item.text_in(lang),
                             answer=answer))
        return out


__all__ = ["AUDIT_KINDS", "ENTITY_LABELS", "MISSING_LABELS", "MODE_LABELS", "Administration", "ExplanationRequired",
           "ImportOutcome", "InstrumentInfo", "PsychTestService", "TestCompleted", "TrendPoint"]
