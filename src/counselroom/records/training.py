"""The counselor's training, seminar and supervision log, with yearly hours against a target.

Hours are decimal (1.5, 0.25), more than zero and at most 24 an entry (a course of several days is one
entry a day), kept as whole hundredths so that sums are exact. The yearly target is the counselor's
("training.target_hours", 40 hours until set; None once cleared). Supervision received can have its own
yearly target ("training.supervision_target_hours", none until set), since registration bodies count
supervision apart from other training.
"""

from __future__ import annotations

import builtins
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from ..i18n import N_
from ..vault.audit import now_utc
from .clients import ClientService, ValidationError
from .settings import SettingsService
from .store import Store

KINDS = ("course", "conference", "supervision_individual", "supervision_group", "peer_supervision",
         "personal_therapy", "other")
KIND_LABELS = {"course": N_("Training course"),
               "conference": N_("Seminar or conference"),
               "supervision_individual": N_("Individual supervision received"),
               "supervision_group": N_("Group supervision received"),
               "peer_supervision": N_("Peer supervision or case discussion"),
               "personal_therapy": N_("Personal therapy (personal growth)"),
               "other": N_("Other")}
SUPERVISION_KINDS = ("supervision_individual", "supervision_group")
TARGET_KEY = "training.target_hours"
SUPERVISION_TARGET_KEY = "training.supervision_target_hours"
DEFAULT_TARGET = 40.0
MAX_HOURS = Decimal(24)
MAX_TARGET = Decimal(2000)
MAX_LINE = 200
MAX_TEXT = 500

# Audit kinds this part writes, with their labels for the audit viewer.
AUDIT_KINDS: dict[str, str] = {"training.entry_added": N_("Training entry added"),
                               "training.entry_changed": N_("Training entry changed"),
                               "training.entry_deleted": N_("Training entry deleted")}
# Entities this part names in the audit trail, with their labels.
ENTITY_LABELS: dict[str, str] = {"training_entry": N_("Training entry")}
_ = N_


@dataclass(frozen=True)
class TrainingEntry:
    id: int
    held_on: date
    kind: str
    title: str
    provider: str  # the provider, teacher or supervisor
    hours: float
    certificate: str  # certificate, credit or note
    created_at: str
    updated_at: str

    @property
    def is_supervision(self) -> bool:
        return self.kind in SUPERVISION_KINDS


@dataclass(frozen=True)
class TrainingYear:
    year: int
    hours: float
    target: float | None
    by_kind: dict[str, float] = field(default_factory=dict)  # kinds with hours only
    supervision_hours: float = 0.0
    supervision_target: float | None = None
    entries: int = 0

    @property
    def remaining(self) -> float | None:
        return None if self.target is None else max(0.0, round(self.target - self.hours, 2))

    @property
    def target_met(self) -> bool:
        return self.target is not None and self.hours >= self.target


def format_hours(hours: float) -> str:
    """31.5, 40, 0.25: no trailing zeros."""
    return f"{round(hours, 2):g}"


def parse_hours(value: object, field_name: str = "hours", maximum: Decimal = MAX_HOURS) -> Decimal:
    """Hours as typed (a number or text such as "1.5", "1,5" or full-width "１.５") -> Decimal, or a
    ValidationError that says what is wrong."""
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        text = unicodedata.normalize("NFKC", str(value or "")).strip().replace(",", ".").replace("。", ".")
        if not text:
            raise ValidationError({field_name: N_("Write the number of hours, for example 1.5.")})
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError({field_name: N_("Write the hours as a number, for example 1.5 or 0.25.")}) from None
    if not number.is_finite():
        raise ValidationError({field_name: N_("Write the hours as a number, for example 1.5 or 0.25.")})
    if number <= 0:
        raise ValidationError({field_name: N_("The hours must be more than zero.")})
    if number > maximum:
        if maximum == MAX_HOURS:
            raise ValidationError({field_name: N_("One entry can hold at most 24 hours: enter a course of several "
                                                  "days as one entry a day.")})
        raise ValidationError({field_name: N_("A yearly target can be at most 2,000 hours.")})
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError({field_name: N_("Give the hours to at most two decimals, for example 1.25.")})
    return number


def _hours(centihours: int) -> float:
    return centihours / 100


class TrainingService:
    def __init__(self, store: Store, clients: ClientService, settings: SettingsService) -> None:
        self.store = store
        self.clients = clients
        self.settings = settings

    # reading
    def _select(self, where: str = "1 = 1", args: tuple[object, ...] = ()) -> builtins.list[TrainingEntry]:
        rows = self.store.conn.execute(
            "SELECT id, held_on, kind, title, provider, centihours, certificate, created_at, updated_at "
            f"FROM training_entries WHERE {where} ORDER BY held_on DESC, id DESC", args)
        return [TrainingEntry(int(r[0]), date.fromisoformat(str(r[1])), str(r[2]), str(r[3]), str(r[4]),
                              _hours(int(r[5])), str(r[6]), str(r[7]), str(r[8])) for r in rows]

    def entries(self, year: int | None = None) -> builtins.list[TrainingEntry]:
        """The entries of one year (or all), newest first."""
        if year is None:
            return self._select()
        return self._select("held_on >= ? AND held_on < ?", (f"{year:04d}-01-01", f"{year + 1:04d}-01-01"))

    def get(self, entry_id: int) -> TrainingEntry:
        found = self._select("id = ?", (entry_id,))
        if not found:
            raise KeyError(entry_id)
        return found[0]

    def years(self, today: date | None = None) -> builtins.list[int]:
        """Years with entries, and this year, newest first."""
        rows = self.store.conn.execute("SELECT DISTINCT substr(held_on, 1, 4) FROM training_entries")
        found = {int(r[0]) for r in rows} | {(today or date.today()).year}
        return sorted(found, reverse=True)

    def year_summary(self, year: int) -> TrainingYear:
        rows = self.store.conn.execute(
            "SELECT kind, sum(centihours), count(*) FROM training_entries WHERE held_on >= ? AND held_on < ? "
            "GROUP BY kind", (f"{year:04d}-01-01", f"{year + 1:04d}-01-01")).fetchall()
        by_kind = {str(k): _hours(int(c)) for k, c, _n in sorted(rows, key=lambda r: KINDS.index(r[0])
                                                                   if r[0] in KINDS else len(KINDS))}
        total = sum(int(c) for _k, c, _n in rows)
        supervision = sum(int(c) for k, c, _n in rows if k in SUPERVISION_KINDS)
        return TrainingYear(year, _hours(total), self.target(), by_kind, _hours(supervision),
                            self.supervision_target(), sum(int(n) for _k, _c, n in rows))

    # targets
    def _read_target(self, key: str, default: float | None) -> float | None:
        value = self.settings.get(key, default)
        if value is None:
            return None
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return default
        return number if number > 0 else None

    def target(self) -> float | None:
        """Yearly target in hours; None when the counselor has none."""
        return self._read_target(TARGET_KEY, DEFAULT_TARGET)

    def supervision_target(self) -> float | None:
        return self._read_target(SUPERVISION_TARGET_KEY, None)

    def _write_target(self, key: str, hours: object) -> None:
        if hours is None or (isinstance(hours, str) and not hours.strip()):
            value: float | None = None
        else:
            value = float(parse_hours(hours, "target", MAX_TARGET))
        self.settings.set(key, value)

    def set_target(self, hours: float | str | None) -> None:
        """Set the yearly target (None or empty: no target)."""
        self._write_target(TARGET_KEY, hours)

    def set_supervision_target(self, hours: float | str | None) -> None:
        self._write_target(SUPERVISION_TARGET_KEY, hours)

    def set_targets(self, total: float | str | None, supervision: float | str | None) -> None:
        """Set both targets at once, or neither: each is checked before either is saved."""
        errors: dict[str, str] = {}
        for key, value in (("target", total), ("supervision_target", supervision)):
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            try:
                parse_hours(value, key, MAX_TARGET)
            except ValidationError as e:
                errors.update(e.errors)
        if errors:
            raise ValidationError(errors)
        with self.store.write():
            self._write_target(TARGET_KEY, total)
            self._write_target(SUPERVISION_TARGET_KEY, supervision)

    # writing
    def _checked(self, held_on: date | None, kind: str | None, title: str, hours: object, provider: str,
                 certificate: str, today: date | None) -> tuple[str, str, str, int, str, str]:
        today = today or date.today()
        errors: dict[str, str] = {}
        if held_on is None:
            errors["held_on"] = N_("Give the date of the training.")
        elif held_on > today:
            errors["held_on"] = N_("This date is in the future: log training once it has taken place.")
        elif held_on.year < 1950:
            errors["held_on"] = N_("This date is too far in the past.")
        if kind not in KINDS:
            errors["kind"] = N_("Choose the kind of training.")
        if not title.strip():
            errors["title"] = N_("Write the title or topic.")
        elif len(title.strip()) > MAX_LINE:
            errors["title"] = N_("This is too long: keep it under 200 characters.")
        if len(provider.strip()) > MAX_LINE:
            errors["provider"] = N_("This is too long: keep it under 200 characters.")
        if len(certificate.strip()) > MAX_TEXT:
            errors["certificate"] = N_("This is too long: keep it under 500 characters.")
        centihours = 0
        try:
            centihours = int(parse_hours(hours) * 100)
        except ValidationError as e:
            errors.update(e.errors)
        if errors:
            raise ValidationError(errors)
        assert held_on is not None and kind is not None
        return held_on.isoformat(), kind, title.strip(), centihours, provider.strip(), certificate.strip()

    def add(self, held_on: date | None, kind: str | None, title: str, hours: float | str, provider: str = "",
            certificate: str = "", today: date | None = None) -> TrainingEntry:
        day, kind, title, centihours, provider, certificate = self._checked(held_on, kind, title, hours, provider,
                                                                            certificate, today)
        now = now_utc()
        with self.store.write() as conn:
            cur = conn.execute("INSERT INTO training_entries (held_on, kind, title, provider, centihours, certificate, "
                               "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               (day, kind, title, provider, centihours, certificate, now, now))
            entry_id = int(cur.lastrowid)
            self.store.changed("training.entry_added", "training_entry", entry_id,
                               {"kind": kind, "year": int(day[:4]), "hours": _hours(centihours)})
        return self.get(entry_id)

    def update(self, entry_id: int, held_on: date | None, kind: str | None, title: str, hours: float | str,
               provider: str = "", certificate: str = "", today: date | None = None) -> TrainingEntry:
        old = self.get(entry_id)
        day, kind, title, centihours, provider, certificate = self._checked(held_on, kind, title, hours, provider,
                                                                            certificate, today)
        new = {"held_on": day, "kind": kind, "title": title, "provider": provider, "centihours": centihours,
               "certificate": certificate}
        before = {"held_on": old.held_on.isoformat(), "kind": old.kind, "title": old.title, "provider": old.provider,
                  "centihours": round(old.hours * 100), "certificate": old.certificate}
        changed = [k for k in new if new[k] != before[k]]
        if not changed:
            return old
        with self.store.write() as conn:
            conn.execute(f"UPDATE training_entries SET {', '.join(f'{k} = ?' for k in changed)}, updated_at = ? "
                         "WHERE id = ?", [*(new[k] for k in changed), now_utc(), entry_id])
            self.store.changed("training.entry_changed", "training_entry", entry_id,
                               {"fields": ["hours" if k == "centihours" else k for k in changed],
                                "year": int(day[:4])})
        return self.get(entry_id)

    def delete(self, entry_id: int) -> None:
        old = self.get(entry_id)
        with self.store.write() as conn:
            conn.execute("DELETE FROM training_entries WHERE id = ?", (entry_id,))
            self.store.changed("training.entry_deleted", "training_entry", entry_id,
                               {"kind": old.kind, "year": old.held_on.year, "hours": old.hours})


__all__ = ["AUDIT_KINDS", "DEFAULT_TARGET", "ENTITY_LABELS", "KINDS", "KIND_LABELS", "SUPERVISION_KINDS",
           "TrainingEntry", "TrainingService", "TrainingYear", "format_hours", "parse_hours"]
