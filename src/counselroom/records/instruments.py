"""Questionnaire definitions as data: reading and checking a definition file, and scoring answers.

A definition (JSON, texts in Simplified Chinese and English; the format is described in
docs/instruments/README.md) names its answer options, items, scores (the total and any factors, summed or
averaged), reversed items, cut-off bands per score, critical items that must raise a risk prompt, and
screening rules. Nothing here touches the vault: the service stores definitions and administrations.

Scores use the scored value of an answer (a reversed item counts max + min - value); critical items and
item conditions in screening rules look at the answer as chosen. Bands of a summed score with whole-number
answers are whole-number ranges ("from 5 to 9"); bands of an averaged score meet at their cut-offs
("from 1 to 2", "from 2 to 3"): a score on a cut-off belongs to the upper band.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from .. import safejson
from ..i18n import N_, tr_in
from ..shipped import resource

FORMAT = "counselroom-instrument/1"
LANGS = ("zh_CN", "en")
BUILTIN_DIR = resource("instruments")
EXAMPLE_FILE = BUILTIN_DIR / "examples" / "example-room-instrument.json"
MAX_FILE_BYTES = 1_000_000
# Bounds checked before any value is used, so that no file can overflow a float, a formatter or SQLite's
# 64-bit integers: a definition nests about 7 levels; answer values, cut-offs and condition numbers are far
# inside these; versions and item numbers are stored as integers in the vault.
MAX_DEPTH = 16
MAX_VALUE = 1_000_000
MAX_LIMIT = 1_000_000_000
MAX_VERSION = 2 ** 31 - 1
MAX_ITEM_NUMBER = 9999
MAX_LEVEL = 9  # levels of concern a screening rule may give (the room names and colours them)
MAX_PROBLEMS = 200  # a file with thousands of mistakes lists the first ones
_BUILTIN_ORDER = ("phq9", "gad7")
TOTAL = "total"
METHODS = ("sum", "mean")
NOT_A_DIAGNOSIS = N_("A screening result, not a diagnosis.")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
_CONDITION = re.compile(r"^\s*(>=|<=|==|!=|>|<|=)\s*(-?\d{1,10}(?:\.\d{1,6})?)\s*$")
_SYMBOLS = {">=": "≥", "<=": "≤", "==": "=", "=": "=", "!=": "≠", ">": ">", "<": "<"}

Number = int | float
Text = Mapping[str, str]


def text_in(text: Text, lang: str) -> str:
    """A bilingual text in one language (falling back to the other one)."""
    return text.get(lang) or text.get("en") or text.get("zh_CN") or ""


def show_number(value: Number) -> str:
    """A score or answer value as a counselor reads it: 12, 1.5, 2.33."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


# -- the parts of a definition --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """A comparison such as ">= 1", as written in a definition."""

    op: str
    value: Number

    def test(self, x: Number) -> bool:
        op, v = self.op, self.value
        return {">=": x >= v, "<=": x <= v, ">": x > v, "<": x < v, "==": x == v, "=": x == v,
                "!=": x != v}[op]

    def show(self) -> str:
        return f"{_SYMBOLS[self.op]} {show_number(self.value)}"

    @classmethod
    def parse(cls, text: object) -> Condition | None:
        if not isinstance(text, str):
            return None
        m = _CONDITION.match(text)
        if m is None:
            return None
        raw = m.group(2)
        value = float(raw) if "." in raw else int(raw)
        return cls(m.group(1), value) if abs(value) <= MAX_LIMIT else None


@dataclass(frozen=True)
class Option:
    value: Number
    label: Text

    def text(self, lang: str) -> str:
        return text_in(self.label, lang)


@dataclass(frozen=True)
class Item:
    number: int
    text: Text
    options: tuple[Option, ...]
    reversed: bool = False

    def text_in(self, lang: str) -> str:
        return text_in(self.text, lang)

    @property
    def values(self) -> tuple[Number, ...]:
        return tuple(o.value for o in self.options)

    @property
    def lowest(self) -> Number:
        return min(self.values)

    @property
    def highest(self) -> Number:
        return max(self.values)

    def option(self, value: Number) -> Option | None:
        return next((o for o in self.options if o.value == value), None)

    def scored(self, value: Number) -> Number:
        """The value an answer adds to the scores (reversed items count the other way round)."""
        return self.highest + self.lowest - value if self.reversed else value


@dataclass(frozen=True)
class Band:
    low: Number
    high: Number
    label: Text

    def text(self, lang: str) -> str:
        return text_in(self.label, lang)


@dataclass(frozen=True)
class Score:
    """The total or a factor: the sum or the mean of the scored values of its items."""

    id: str
    label: Text
    items: tuple[int, ...]
    method: str
    bands: tuple[Band, ...] = ()
    whole: bool = True  # every possible score is a whole number (sums of whole-number answers)

    def text(self, lang: str) -> str:
        return text_in(self.label, lang)

    def band_index(self, value: Number) -> int | None:
        for i, band in enumerate(self.bands):
            last = i == len(self.bands) - 1
            if self.whole:
                if band.low <= value <= band.high:
                    return i
            elif band.low <= value < band.high or (last and value == band.high):
                return i
        return None


@dataclass(frozen=True)
class CriticalItem:
    item: int
    when: Condition
    message: Text

    def text(self, lang: str) -> str:
        return text_in(self.message, lang)


@dataclass(frozen=True)
class RuleCondition:
    """One condition of a screening rule. kind: score, any_factor, item, items (a count of items whose
    answers meet `each`), critical (any critical item hit)."""

    kind: str
    test: Condition | None = None
    score: str = ""
    item: int = 0
    items: tuple[int, ...] = ()
    each: Condition | None = None


@dataclass(frozen=True)
class ScreeningRule:
    id: str
    label: Text
    mode: str  # "any" or "all"
    conditions: tuple[RuleCondition, ...]
    message: Text = field(default_factory=dict)
    level: int | None = None  # the room's level of concern a cohort screening gives (1 = the highest)

    def text(self, lang: str) -> str:
        return text_in(self.label, lang)


@dataclass(frozen=True)
class Result:
    """What scoring found: score values, the band each falls in (its index), the critical items hit and the
    screening rules that came out positive."""

    scores: dict[str, Number]
    bands: dict[str, int]
    critical: tuple[int, ...]
    positive: tuple[str, ...]

    def to_json(self) -> str:
        return json.dumps({"scores": self.scores, "bands": self.bands, "critical": list(self.critical),
                           "positive": list(self.positive)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Result:
        doc = json.loads(text)
        return cls(dict(doc["scores"]), {k: int(v) for k, v in doc["bands"].items()},
                   tuple(int(i) for i in doc["critical"]), tuple(str(r) for r in doc["positive"]))

    @property
    def total(self) -> Number:
        return self.scores[TOTAL]


@dataclass(frozen=True)
class Instrument:
    id: str
    version: int
    title: Text
    short_title: Text
    purpose: Text
    instructions: Text
    source: Text
    items: tuple[Item, ...]
    scores: tuple[Score, ...]  # the total first, then the factors in the file's order
    critical_items: tuple[CriticalItem, ...]
    screening: tuple[ScreeningRule, ...]
    content: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def title_in(self, lang: str) -> str:
        return text_in(self.title, lang)

    def short_in(self, lang: str) -> str:
        return text_in(self.short_title, lang) or self.title_in(lang)

    @property
    def total(self) -> Score:
        return self.scores[0]

    @property
    def factors(self) -> tuple[Score, ...]:
        return self.scores[1:]

    def score_by_id(self, score_id: str) -> Score | None:
        return next((s for s in self.scores if s.id == score_id), None)

    def item(self, number: int) -> Item | None:
        return next((i for i in self.items if i.number == number), None)

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(i.number for i in self.items)

    def unanswered(self, answers: Mapping[int, Number]) -> list[int]:
        return [i.number for i in self.items if i.number not in answers]

    def critical_for(self, item_number: int, value: Number) -> CriticalItem | None:
        """The critical-item rule this answer meets, if any: the program raises the risk prompt at once."""
        return next((c for c in self.critical_items if c.item == item_number and c.when.test(value)), None)

    def critical_hits(self, answers: Mapping[int, Number]) -> list[CriticalItem]:
        return [c for c in self.critical_items if c.item in answers and c.when.test(answers[c.item])]

    def score_value(self, score: Score, answers: Mapping[int, Number]) -> Number:
        raw = [self._item(n).scored(answers[n]) for n in score.items]
        ints = [v for v in raw if isinstance(v, int)]
        if len(ints) == len(raw):  # whole-number answers (every shipped scale): exact without str()
            whole = sum(ints)
            exact = Fraction(whole) if score.method == "sum" else Fraction(whole, len(raw))
        else:
            values = [Fraction(str(v)) for v in raw]
            exact = sum(values, Fraction(0)) if score.method == "sum" else sum(values, Fraction(0)) / len(values)
        if exact.denominator == 1:
            return int(exact)
        rounded = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        return float(rounded)

    def _item(self, number: int) -> Item:
        item = self.item(number)
        if item is None:
            raise KeyError(number)
        return item

    def score(self, answers: Mapping[int, Number]) -> Result:
        """Score a complete set of answers (item number -> the value chosen)."""
        missing = self.unanswered(answers)
        if missing:
            raise ValueError(f"unanswered items: {missing}")
        values = {s.id: self.score_value(s, answers) for s in self.scores}
        bands = {}
        for s in self.scores:
            index = s.band_index(values[s.id])
            if index is not None:
                bands[s.id] = index
        critical = tuple(c.item for c in self.critical_hits(answers))
        positive = tuple(r.id for r in self.screening if self._rule_holds(r, values, answers, critical))
        return Result(values, bands, critical, positive)

    def _rule_holds(self, rule: ScreeningRule, values: Mapping[str, Number], answers: Mapping[int, Number],
                    critical: Sequence[int]) -> bool:
        found = [self._condition_holds(c, values, answers, critical) for c in rule.conditions]
        return any(found) if rule.mode == "any" else all(found)

    def _condition_holds(self, c: RuleCondition, values: Mapping[str, Number], answers: Mapping[int, Number],
                         critical: Sequence[int]) -> bool:
        if c.kind == "critical":
            return bool(critical)
        assert c.test is not None
        if c.kind == "score":
            return c.test.test(values[c.score])
        if c.kind == "any_factor":
            return any(c.test.test(values[s.id]) for s in self.factors)
        if c.kind == "item":
            return c.test.test(answers[c.item])
        assert c.each is not None
        return c.test.test(sum(1 for n in c.items if c.each.test(answers[n])))

    # -- words -------------------------------------------------------------------------------------------------

    def describe_condition(self, c: RuleCondition, lang: str) -> str:
        def t(msgid: str, **values: Any) -> str:
            return tr_in(lang, msgid, **values)

        if c.kind == "critical":
            return t(N_("any critical item answered"))
        assert c.test is not None
        if c.kind == "score":
            score = self.score_by_id(c.score)
            return t(N_("{score} {condition}"), score=score.text(lang) if score else c.score,
                     condition=c.test.show())
        if c.kind == "any_factor":
            return t(N_("any factor {condition}"), condition=c.test.show())
        if c.kind == "item":
            return t(N_("the answer to item {number} {condition}"), number=c.item, condition=c.test.show())
        assert c.each is not None
        which = (t(N_("all items")) if c.items == self.numbers
                 else t(N_("items {numbers}"), numbers=", ".join(str(n) for n in c.items)))
        return t(N_("{condition} of the answers to {which} are {each}"), each=c.each.show(), which=which,
                 condition=c.test.show())

    def describe_rule(self, rule: ScreeningRule, lang: str) -> str:
        joiner = tr_in(lang, N_(" or ")) if rule.mode == "any" else tr_in(lang, N_(" and "))
        return joiner.join(self.describe_condition(c, lang) for c in rule.conditions)


# -- checking a definition ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One mistake in a definition file: where it is and what is wrong, both as message ids with values."""

    place: str
    message: str
    values: Mapping[str, object] = field(default_factory=dict)

    def where(self, lang: str) -> str:
        return tr_in(lang, self.place, **self.values)

    def what(self, lang: str) -> str:
        return tr_in(lang, self.message, **self.values)

    def text(self, lang: str) -> str:
        return f"{self.where(lang)}: {self.what(lang)}"


class DefinitionInvalid(Exception):
    """The definition file was refused; `problems` says every place that is wrong."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the definition")
        self.problems = problems


P_FILE = N_("The file")
P_FIELD = N_("Field “{field}”")
P_OPTION = N_("Answer option {n}")
P_ITEM = N_("Item {number}")
P_ITEM_AT = N_("Item {n} in the list")
P_ITEM_OPTION = N_("Item {number}, answer option {n}")
P_TOTAL = N_("The total score")
P_FACTOR = N_("Factor “{score}”")
P_FACTOR_AT = N_("Factor {n} in the list")
P_BANDS = N_("Cut-offs of “{score}”")
P_BAND = N_("Cut-offs of “{score}”, range {n}")
P_CRITICAL = N_("Critical item rule {n}")
P_RULE = N_("Screening rule “{rule}”")
P_RULE_AT = N_("Screening rule {n} in the list")
P_CONDITION = N_("Screening rule “{rule}”, condition {n}")

_TOP_FIELDS = ("format", "id", "version", "languages", "title", "short_title", "purpose", "instructions", "source",
               "options", "items", "scoring")
_REQUIRED_TOP = ("format", "id", "version", "title", "purpose", "instructions", "options", "items", "scoring")
_SCORING_FIELDS = ("total", "factors", "bands", "critical_items", "screening")


class _Checker:
    """Reads a parsed definition and collects every problem; builds the Instrument when there are none."""

    def __init__(self, doc: Any, builtin_ids: frozenset[str]) -> None:
        self.doc = doc
        self.builtin_ids = builtin_ids
        self.problems: list[Problem] = []
        self.broken_scores: set[str] = set()  # declared, but refused: no follow-on problems about them
        self.langs: tuple[str, ...] = LANGS  # the languages every text must give ("languages", default both)

    def add(self, place: str, message: str, **values: Any) -> None:
        self.problems.append(Problem(place, message, values))

    def unknown(self, obj: Mapping[str, Any], known: Sequence[str], place: str, **values: Any) -> None:
        # The unknown key is {name}, not {field}: the place may itself be "Field “{field}”" (scoring).
        for key in obj:
            if key not in known:
                self.add(place, N_("Unknown field “{name}”. The fields allowed here are: {known}."),
                         **values, name=_short(key), known=", ".join(known))

    def is_object(self, value: Any, place: str, **values: Any) -> bool:
        if isinstance(value, dict):
            return True
        self.add(place, N_("This should be an object: fields and values inside curly brackets."), **values)
        return False

    def text(self, value: Any, place: str, required: bool = True, **values: Any) -> dict[str, str]:
        """A bilingual text: {"zh_CN": "…", "en": "…"}."""
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            self.add(place, N_("This text should give both languages, as \"zh_CN\": \"中文…\" and "
                               "\"en\": \"English…\"."), **values)
            return {}
        out: dict[str, str] = {}
        for key, text in value.items():
            if key not in LANGS:
                self.add(place, N_("Unknown language “{lang}”: write “zh_CN” for Simplified Chinese and “en” for "
                                   "English."), **values, lang=key)
            elif not isinstance(text, str):
                self.add(place, N_("The {lang} text should be text in quotation marks."), **values, lang=key)
            else:
                out[key] = text.strip()
        if "zh_CN" in self.langs and ("zh_CN" not in value or (isinstance(value.get("zh_CN"), str)
                                                              and not value["zh_CN"].strip())):
            self.add(place, N_("The Chinese text (zh_CN) is missing."), **values)
        if "en" in self.langs and ("en" not in value or (isinstance(value.get("en"), str) and not value["en"].strip())):
            self.add(place, N_("The English text (en) is missing."), **values)
        return out

    def number(self, value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    def whole(self, value: Any, low: int, high: int) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high

    def condition(self, value: Any, place: str, **values: Any) -> Condition | None:
        found = Condition.parse(value)
        if found is None:
            self.add(place, N_("The condition “{condition}” is not understood. Write a comparison and a number, "
                               "such as \">= 1\", \"> 2\", \"<= 10\" or \"== 3\"."), **values, condition=_short(value))
        return found

    # -- the parts ------------------------------------------------------------------------------------------------

    def options(self, value: Any, place: str, **values: Any) -> tuple[Option, ...]:
        if not isinstance(value, list) or len(value) < 2:
            self.add(place, N_("Give at least two answer options as a list, each with a value and a label."),
                     **values)
            return ()
        out: list[Option] = []
        seen: set[Number] = set()
        inner = P_ITEM_OPTION if place == P_ITEM else P_OPTION
        for n, raw in enumerate(value, start=1):
            if not self.is_object(raw, inner, **values, n=n):
                continue
            self.unknown(raw, ("value", "label"), inner, **values, n=n)
            option_value = raw.get("value")
            if not self.number(option_value):
                self.add(inner, N_("The value “{value}” is not a number. Each answer option needs a number as its "
                                   "value, such as 0, 1, 2."), **values, n=n, value=_short(option_value))
                continue
            if abs(option_value) > MAX_VALUE:
                self.add(inner, N_("The value is out of range: answer values go from -1000000 to 1000000."),
                         **values, n=n)
                continue
            if option_value in seen:
                self.add(inner, N_("Two answer options have the same value {value}."), **values, n=n,
                         value=show_number(option_value))
            seen.add(option_value)
            out.append(Option(option_value, self.text(raw.get("label"), inner, **values, n=n)))
        return tuple(out)

    def items(self, value: Any, default_options: tuple[Option, ...]) -> tuple[Item, ...]:
        if not isinstance(value, list) or not value:
            self.add(P_FIELD, N_("Give the items (questions) as a list with at least one item."), field="items")
            return ()
        out: list[Item] = []
        seen: set[int] = set()
        for n, raw in enumerate(value, start=1):
            if not self.is_object(raw, P_ITEM_AT, n=n):
                continue
            number = raw.get("number")
            if not self.whole(number, 1, MAX_ITEM_NUMBER):
                self.add(P_ITEM_AT, N_("The item number “{value}” should be a whole number from 1 to 9999."), n=n,
                         value=_short(number))
                continue
            self.unknown(raw, ("number", "text", "options", "reversed"), P_ITEM, number=number)
            if number in seen:
                self.add(P_ITEM, N_("Two items have the number {number}. Each item needs its own number."),
                         number=number)
                continue
            seen.add(number)
            text = self.text(raw.get("text"), P_ITEM, number=number)
            options = default_options
            if "options" in raw:
                options = self.options(raw["options"], P_ITEM, number=number)
            reversed_ = raw.get("reversed", False)
            if not isinstance(reversed_, bool):
                self.add(P_ITEM, N_("“reversed” should be true or false."), number=number)
                reversed_ = False
            out.append(Item(number, text, options, reversed_))
        return tuple(out)

    def item_list(self, value: Any, items: Mapping[int, Item], place: str, **values: Any) -> tuple[int, ...]:
        if value == "all":
            return tuple(items)
        if not isinstance(value, list) or not value:
            self.add(place, N_("Give the items as a list of item numbers, such as [1, 4, 7], or \"all\"."),
                     **values)
            return ()
        out: list[int] = []
        for number in value:
            if not isinstance(number, int) or isinstance(number, bool):
                self.add(place, N_("“{value}” is not an item number."), **values, value=_short(number))
            elif number not in items:
                self.add(place, N_("Item {number} does not exist in this questionnaire."), **values, number=number)
            elif number in out:
                self.add(place, N_("Item {number} is listed twice."), **values, number=number)
            else:
                out.append(number)
        return tuple(out)

    def score(self, raw: Any, items: Mapping[int, Item], place: str, total: bool, **values: Any) -> Score | None:
        if raw is None and total:
            raw = {}
        if not self.is_object(raw, place, **values):
            return None
        known = ("method", "label", "items") if total else ("id", "label", "items", "method")
        self.unknown(raw, known, place, **values)
        score_id = TOTAL if total else raw.get("id")
        if not total:
            if not isinstance(score_id, str) or not _ID.match(score_id) or score_id == TOTAL:
                self.add(place, N_("A factor needs an “id” of small letters, digits, '-', '_' or '.' (up to 40), "
                                   "other than “total”."), **values)
                return None
            place, values = P_FACTOR, dict[str, Any](score=score_id)
        method = raw.get("method", "sum")
        label = raw.get("label")
        if label is None and total:
            label = {"zh_CN": "总分", "en": "Total score"}
        text = self.text(label, place, **values)
        numbers: tuple[int, ...] = ()
        if "items" not in raw and not total:
            self.add(place, N_("A factor needs the list of its items."), **values)
        else:
            numbers = self.item_list(raw.get("items", "all"), items, place, **values)
        if method not in METHODS:
            self.add(place, N_("The method “{method}” is not known: use “sum” or “mean”."), **values,
                     method=_short(method))
        if not numbers or method not in METHODS:
            self.broken_scores.add(str(score_id))
            return None
        whole = method == "sum" and all(isinstance(v, int) for n in numbers for v in items[n].values)
        return Score(str(score_id), text, numbers, method, (), whole)

    def bands(self, raw: Any, score: Score, items: Mapping[int, Item]) -> tuple[Band, ...]:
        place_values: dict[str, Any] = {"score": score.id}
        if not isinstance(raw, list) or not raw:
            self.add(P_BANDS, N_("Give the cut-offs as a list of ranges, each with “from”, “to” and a label."),
                     **place_values)
            return ()
        bands: list[Band] = []
        for n, entry in enumerate(raw, start=1):
            if not self.is_object(entry, P_BAND, n=n, **place_values):
                continue
            self.unknown(entry, ("from", "to", "label"), P_BAND, n=n, **place_values)
            low, high = entry.get("from"), entry.get("to")
            if not self.number(low) or not self.number(high):
                self.add(P_BAND, N_("“from” and “to” should both be numbers."), n=n, **place_values)
                continue
            if abs(low) > MAX_LIMIT or abs(high) > MAX_LIMIT:
                self.add(P_BAND, N_("“from” and “to” should be numbers from -1000000000 to 1000000000."), n=n,
                         **place_values)
                continue
            if low > high:
                self.add(P_BAND, N_("The range starts at {low} but ends lower, at {high}."), n=n,
                         low=show_number(low), high=show_number(high), **place_values)
                continue
            if score.whole and (not float(low).is_integer() or not float(high).is_integer()):
                self.add(P_BAND, N_("This score is a whole number, so the range should start and end at whole "
                                    "numbers."), n=n, **place_values)
                continue
            bands.append(Band(low, high, self.text(entry.get("label"), P_BAND, n=n, **place_values)))
        if len(bands) != len(raw):
            return ()
        lowest, highest = self.score_range(score, items)
        ordered = sorted(bands, key=lambda b: (b.low, b.high))
        step = 1 if score.whole else 0
        ok = True
        for before, after in zip(ordered, ordered[1:], strict=False):
            if after.low < before.high + step:
                self.add(P_BANDS, N_("The ranges {a} and {b} overlap: a score can only fall in one range."),
                         a=_range(before), b=_range(after), **place_values)
                ok = False
            elif after.low > before.high + step:
                first, last = (before.high + 1, after.low - 1) if score.whole else (before.high, after.low)
                gap = show_number(first) if first == last else f"{show_number(first)}–{show_number(last)}"
                self.add(P_BANDS, N_("The ranges {a} and {b} leave a gap: no range holds {gap}."),
                         a=_range(before), b=_range(after), gap=gap, **place_values)
                ok = False
        if ordered[0].low > lowest:
            self.add(P_BANDS, N_("The lowest possible score is {lowest}, but the first range starts at {low}."),
                     lowest=show_number(lowest), low=show_number(ordered[0].low), **place_values)
            ok = False
        if ordered[-1].high < highest:
            self.add(P_BANDS, N_("The highest possible score is {highest}, but the last range ends at {high}."),
                     highest=show_number(highest), high=show_number(ordered[-1].high), **place_values)
            ok = False
        return tuple(ordered) if ok else ()

    @staticmethod
    def score_range(score: Score, items: Mapping[int, Item]) -> tuple[Number, Number]:
        lows = [items[n].lowest for n in score.items]
        highs = [items[n].highest for n in score.items]
        if score.method == "sum":
            return sum(lows), sum(highs)
        return sum(lows) / len(lows), sum(highs) / len(highs)

    def critical_items(self, raw: Any, items: Mapping[int, Item]) -> tuple[CriticalItem, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.add(P_FIELD, N_("Give the critical items as a list."), field="critical_items")
            return ()
        out: list[CriticalItem] = []
        for n, entry in enumerate(raw, start=1):
            if not self.is_object(entry, P_CRITICAL, n=n):
                continue
            self.unknown(entry, ("item", "when", "message"), P_CRITICAL, n=n)
            number = entry.get("item")
            message = self.text(entry.get("message"), P_CRITICAL, n=n)
            when = self.condition(entry.get("when"), P_CRITICAL, n=n)
            if not isinstance(number, int) or isinstance(number, bool) or number not in items:
                self.add(P_CRITICAL, N_("Item {number} does not exist in this questionnaire."), n=n,
                         number=_short(number))
                continue
            if when is None:
                continue
            values = items[number].values
            shown = ", ".join(show_number(v) for v in values)
            if not any(when.test(v) for v in values):
                self.add(P_CRITICAL, N_("The condition “{condition}” is never true for item {number}, whose answers "
                                        "are {values}."), n=n, condition=when.show(), number=number, values=shown)
            elif all(when.test(v) for v in values):
                self.add(P_CRITICAL, N_("The condition “{condition}” is true for every answer to item {number} "
                                        "({values}), so every test would raise a risk prompt."), n=n,
                         condition=when.show(), number=number, values=shown)
            out.append(CriticalItem(number, when, message))
        return tuple(out)

    def screening(self, raw: Any, items: Mapping[int, Item], scores: Mapping[str, Score],
                  has_critical: bool) -> tuple[ScreeningRule, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.add(P_FIELD, N_("Give the screening rules as a list."), field="screening")
            return ()
        out: list[ScreeningRule] = []
        seen: set[str] = set()
        for n, entry in enumerate(raw, start=1):
            if not self.is_object(entry, P_RULE_AT, n=n):
                continue
            rule_id = entry.get("id")
            if not isinstance(rule_id, str) or not _ID.match(rule_id):
                self.add(P_RULE_AT, N_("A screening rule needs an “id” of small letters, digits, '-', '_' or '.' "
                                       "(up to 40)."), n=n)
                continue
            place, values = P_RULE, dict[str, Any](rule=rule_id)
            if rule_id in seen:
                self.add(place, N_("Two screening rules have this id."), **values)
            seen.add(rule_id)
            self.unknown(entry, ("id", "label", "message", "any", "all", "level"), place, **values)
            level = entry.get("level")
            if level is not None and not self.whole(level, 1, MAX_LEVEL):
                self.add(place, N_("The level should be a whole number from 1 (the highest concern) to {max}."),
                         **values, max=MAX_LEVEL)
                level = None
            label = self.text(entry.get("label"), place, **values)
            message = self.text(entry.get("message"), place, required=False, **values)
            modes = [m for m in ("any", "all") if m in entry]
            if len(modes) != 1:
                self.add(place, N_("Give the conditions either under “any” (positive when one of them is true) or "
                                   "under “all” (positive when all are true), not both and not neither."), **values)
                continue
            mode = modes[0]
            conditions_raw = entry[mode]
            if not isinstance(conditions_raw, list) or not conditions_raw:
                self.add(place, N_("Give at least one condition as a list."), **values)
                continue
            conditions = [self.rule_condition(c, items, scores, has_critical, rule_id, k)
                          for k, c in enumerate(conditions_raw, start=1)]
            if all(c is not None for c in conditions):
                out.append(ScreeningRule(rule_id, label, mode, tuple(c for c in conditions if c is not None),
                                         message, level))
        return tuple(out)

    def rule_condition(self, raw: Any, items: Mapping[int, Item], scores: Mapping[str, Score], has_critical: bool,
                       rule_id: str, n: int) -> RuleCondition | None:
        place, values = P_CONDITION, dict[str, Any](rule=rule_id, n=n)
        if not self.is_object(raw, place, **values):
            return None
        kinds = [k for k in ("score", "any_factor", "item", "items", "critical") if k in raw]
        if len(kinds) != 1:
            self.add(place, N_("A condition names exactly one of “score”, “any_factor”, “item”, “items” or "
                               "“critical”."), **values)
            return None
        kind = kinds[0]
        known = {"score": ("score", "is"), "any_factor": ("any_factor", "is"), "item": ("item", "is"),
                 "items": ("items", "each", "count"), "critical": ("critical",)}[kind]
        self.unknown(raw, known, place, **values)
        if kind == "critical":
            if raw["critical"] is not True:
                self.add(place, N_("Write “critical”: true for “any critical item answered”."), **values)
                return None
            if not has_critical:
                self.add(place, N_("This rule asks for a critical item, but the questionnaire has no critical "
                                   "items."), **values)
                return None
            return RuleCondition("critical")
        if kind == "items":
            numbers = self.item_list(raw.get("items"), items, place, **values)
            each = self.condition(raw.get("each"), place, **values)
            count = self.condition(raw.get("count"), place, **values)
            if not numbers or each is None or count is None:
                return None
            return RuleCondition("items", count, items=numbers, each=each)
        test = self.condition(raw.get("is"), place, **values)
        if kind == "score":
            score_id = raw["score"]
            if not isinstance(score_id, str):
                self.add(place, N_("The score should be named by its id in quotation marks, such as \"total\". The "
                                   "scores are: {known}."), **values, known=", ".join(scores))
                return None
            if score_id not in scores:
                if score_id in self.broken_scores:
                    return None
                self.add(place, N_("There is no score “{score}”. The scores are: {known}."), **values,
                         score=_short(score_id), known=", ".join(scores))
                return None
            return RuleCondition("score", test, score=score_id) if test else None
        if kind == "any_factor":
            if raw["any_factor"] is not True:
                self.add(place, N_("Write “any_factor”: true for “any factor score”."), **values)
                return None
            if len(scores) < 2:
                self.add(place, N_("This rule asks about the factors, but the questionnaire has no factors."),
                         **values)
                return None
            return RuleCondition("any_factor", test) if test else None
        number = raw["item"]
        if not isinstance(number, int) or isinstance(number, bool) or number not in items:
            self.add(place, N_("Item {number} does not exist in this questionnaire."), **values, number=_short(number))
            return None
        return RuleCondition("item", test, item=number) if test else None

    # -- the whole ------------------------------------------------------------------------------------------------

    def check(self) -> Instrument | None:  # noqa: C901 - one pass over the file, in its order
        doc = self.doc
        if not isinstance(doc, dict):
            self.add(P_FILE, N_("A definition file holds one object in curly brackets with the fields “format”, "
                                "“id”, “version”, “title” and so on (see the example file)."))
            return None
        if doc.get("format") != FORMAT:
            self.add(P_FIELD, N_("This does not say it is a questionnaire definition: the field “format” should "
                                 "be \"{format}\"."), field="format", format=FORMAT)
        self.unknown(doc, _TOP_FIELDS, P_FILE)
        if "languages" in doc:
            langs = doc["languages"]
            if not isinstance(langs, list) or not langs or any(x not in LANGS for x in langs) \
                    or len(set(langs)) != len(langs):
                self.add(P_FIELD, N_("Give the languages the texts are written in as a list: [\"zh_CN\"], [\"en\"] or "
                                     "[\"zh_CN\", \"en\"]."), field="languages")
            else:
                self.langs = tuple(langs)
        for name in _REQUIRED_TOP:
            if name not in doc:
                self.add(P_FILE, N_("The field “{field}” is missing."), field=name)
        instrument_id = doc.get("id")
        if "id" in doc:
            if not isinstance(instrument_id, str) or not _ID.match(instrument_id):
                self.add(P_FIELD, N_("The id should be 1 to 40 small letters, digits, '-', '_' or '.', such as "
                                     "\"upi-2024\"."), field="id")
            elif instrument_id in self.builtin_ids:
                self.add(P_FIELD, N_("The id “{id}” is the id of a built-in questionnaire. Give the room's own "
                                     "questionnaire an id of its own."), field="id", id=instrument_id)
        version = doc.get("version")
        if "version" in doc and not self.whole(version, 1, MAX_VERSION):
            self.add(P_FIELD, N_("The version should be a whole number from 1 to 2147483647."), field="version")
        texts = {name: self.text(doc.get(name), P_FIELD, required=name in _REQUIRED_TOP, field=name)
                 for name in ("title", "short_title", "purpose", "instructions", "source") if name in doc}
        options: tuple[Option, ...] = ()
        if "options" in doc:
            options = self.options(doc["options"], P_FIELD, field="options")
        item_list = self.items(doc.get("items"), options) if "items" in doc else ()
        items = {i.number: i for i in item_list}
        scoring = doc.get("scoring")
        scores: list[Score] = []
        critical: tuple[CriticalItem, ...] = ()
        rules: tuple[ScreeningRule, ...] = ()
        # Scores need every item's answer options: an item left without two of them is already a problem.
        answerable = all(len(i.options) >= 2 for i in item_list)
        if "scoring" in doc and self.is_object(scoring, P_FIELD, field="scoring") and items and answerable \
                and isinstance(scoring, dict):
            self.unknown(scoring, _SCORING_FIELDS, P_FIELD, field="scoring")
            total = self.score(scoring.get("total"), items, P_TOTAL, True)
            if total is not None:
                scores.append(total)
            factors = scoring.get("factors", [])
            if not isinstance(factors, list):
                self.add(P_FIELD, N_("Give the factors as a list."), field="factors")
                factors = []
            for n, raw in enumerate(factors, start=1):
                factor = self.score(raw, items, P_FACTOR_AT, False, n=n)
                if factor is not None:
                    if any(s.id == factor.id for s in scores):
                        self.add(P_FACTOR, N_("Two factors have this id."), score=factor.id)
                    else:
                        scores.append(factor)
            by_id = {s.id: s for s in scores}
            bands_raw = scoring.get("bands", {})
            if self.is_object(bands_raw, P_FIELD, field="bands"):
                for score_id, raw in bands_raw.items():
                    if score_id not in by_id:
                        if score_id in self.broken_scores:
                            continue
                        self.add(P_BANDS, N_("There is no score “{score}” to give cut-offs to. The scores are: "
                                             "{known}."), score=score_id, known=", ".join(by_id))
                        continue
                    found = self.bands(raw, by_id[score_id], items)
                    if found:
                        s = by_id[score_id]
                        by_id[score_id] = Score(s.id, s.label, s.items, s.method, found, s.whole)
            scores = [by_id[s.id] for s in scores]
            critical = self.critical_items(scoring.get("critical_items"), items)
            rules = self.screening(scoring.get("screening"), items, by_id, bool(scoring.get("critical_items")))
        if self.problems or not scores:
            return None
        assert isinstance(instrument_id, str) and isinstance(version, int)
        return Instrument(instrument_id, version, texts["title"], texts.get("short_title") or texts["title"],
                          texts["purpose"], texts["instructions"], texts.get("source", {}), item_list, tuple(scores),
                          critical, rules, doc)


def _short(value: object) -> str:
    """A value quoted in a message: whatever the file holds there, at most 40 characters."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def _range(band: Band) -> str:
    return f"{show_number(band.low)}–{show_number(band.high)}"


def _json_problem(e: safejson.JsonRefused) -> Problem:
    if e.reason == safejson.TOO_DEEP:
        return Problem(P_FILE, N_("It is nested too deeply (more than {depth} levels of brackets) near line {line}, "
                                  "column {column}. A questionnaire definition needs only a few levels."),
                       {"depth": MAX_DEPTH, "line": e.line, "column": e.column})
    if e.reason == safejson.NOT_A_NUMBER:
        return Problem(P_FILE, N_("The number {number} cannot be used: it is too large, or not a number (NaN, "
                                  "Infinity). Write plain numbers such as 0, 1 or 2.5."), {"number": e.detail})
    if e.reason == safejson.DUPLICATE_KEY:
        return Problem(P_FILE, N_("The field “{name}” is given twice in the same place; keep one."),
                       {"name": _short(e.detail)})
    if e.reason == safejson.NOT_TEXT:
        return Problem(P_FILE, N_("It holds a character that is not text (an unpaired \\ud800 to \\udfff escape). "
                                  "Save it as UTF-8 text (JSON) and import it again."))
    return Problem(P_FILE, N_("This is not valid JSON: look near line {line}, column {column} for a missing comma, "
                              "bracket or quotation mark."), {"line": e.line, "column": e.column})


def _capped(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    more = Problem(P_FILE, N_("…and {count} more mistakes. Correct these first, then import the file again."),
                   {"count": len(problems) - MAX_PROBLEMS})
    return problems[:MAX_PROBLEMS] + [more]


def read_definition_file(path: Path | str) -> bytes:
    """The bytes of a definition file the counselor chose. Raises DefinitionInvalid (one problem, "The file")
    when it is missing or unreadable, not a regular file (a folder, a FIFO or a device: refused from the open
    descriptor, which O_NONBLOCK keeps from waiting on a FIFO), or larger than a definition can be."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    # These read as one line on their own too (the window shows them so, above the list).
    too_large = Problem(P_FILE, N_("The file is too large to be a questionnaire definition."))
    not_a_file = Problem(P_FILE, N_("The file is not a plain file: a folder or a special file was chosen. Choose the "
                                    "definition file itself."))
    unreadable = Problem(P_FILE, N_("The file could not be read. Check that it exists and that you may open it."))
    try:
        fd = os.open(path, flags)
    except OSError:
        raise DefinitionInvalid([not_a_file if Path(path).is_dir() else unreadable]) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DefinitionInvalid([not_a_file])
        if info.st_size > MAX_FILE_BYTES:
            raise DefinitionInvalid([too_large])
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise DefinitionInvalid([too_large])
        return b"".join(chunks)
    except OSError:
        raise DefinitionInvalid([unreadable]) from None
    finally:
        os.close(fd)


def parse_definition(data: bytes | str, builtin_ids: frozenset[str] | set[str] = frozenset(),
                     builtin: bool = False) -> Instrument:
    """Read and check a definition file. Raises DefinitionInvalid naming each problem and its place (never any
    other exception, whatever the bytes). `builtin_ids` are refused as ids of imported files (a built-in
    definition itself passes builtin=True)."""
    if len(data) > MAX_FILE_BYTES:
        raise DefinitionInvalid([Problem(P_FILE, N_("It is too large to be a questionnaire definition (more "
                                                    "than 1 MB). Check that the right file was chosen."))])
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DefinitionInvalid([Problem(P_FILE, N_("It is not text in UTF-8. Save it as UTF-8 text (JSON) "
                                                        "and import it again."))]) from None
    try:
        # Whole numbers up to 4000 digits parse (Python's own limit is 4300), so that the checker can name the
        # place of one that is out of range; fractions that only fit as infinity are refused here.
        doc = safejson.loads(data, max_depth=MAX_DEPTH, max_int_digits=4000)
    except safejson.JsonRefused as e:
        raise DefinitionInvalid([_json_problem(e)]) from None
    checker = _Checker(doc, frozenset() if builtin else frozenset(builtin_ids))
    instrument = checker.check()
    if instrument is None:
        if not checker.problems:
            checker.add(P_FILE, N_("The definition has no score to compute."))
        raise DefinitionInvalid(_capped(checker.problems))
    return instrument


def canonical(instrument: Instrument) -> str:
    """The definition as stored in the vault (the file's content, key order kept)."""
    return json.dumps(instrument.content, ensure_ascii=False, separators=(",", ":"))


@cache
def builtin_instruments() -> tuple[Instrument, ...]:
    """PHQ-9 and GAD-7 (and any other definition shipped in resources/instruments)."""
    found = [parse_definition(p.read_bytes(), builtin=True) for p in BUILTIN_DIR.glob("*.json")]
    return tuple(sorted(found, key=lambda i: (_BUILTIN_ORDER.index(i.id) if i.id in _BUILTIN_ORDER else 99, i.id)))


def builtin_ids() -> frozenset[str]:
    return frozenset(i.id for i in builtin_instruments())


def builtin(instrument_id: str) -> Instrument | None:
    return next((i for i in builtin_instruments() if i.id == instrument_id), None)


__all__ = ["FORMAT", "NOT_A_DIAGNOSIS", "Band", "Condition", "CriticalItem", "DefinitionInvalid", "Instrument",
           "Item", "Option", "Problem", "Result", "RuleCondition", "Score", "ScreeningRule", "builtin",
           "builtin_ids", "builtin_instruments", "canonical", "parse_definition", "read_definition_file", "show_number",
           "text_in"]
