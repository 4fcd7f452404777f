"""JSON from files the program did not write itself (key files, questionnaire definitions, backup headers):
bounded before it is parsed, so that no file can make the reader recurse, overflow or read numbers that are
not numbers.

`loads` refuses, with a `JsonRefused` saying why and where:
- nesting deeper than `max_depth` (checked by a scan over the text before the recursive parser sees it);
- NaN, Infinity and -Infinity, which are not JSON, and numbers that only fit as infinity (1e400);
- integers longer than `max_int_digits` digits (Python's own limit raises deep inside the parser);
- the same key twice in one object (the second would silently win);
- strings that are not text: an unpaired surrogate escape such as "\\ud800" parses, but cannot be stored or
  shown (it fails later, on encoding, far from the file).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

INVALID = "invalid"
TOO_DEEP = "too_deep"
NOT_A_NUMBER = "not_a_number"
DUPLICATE_KEY = "duplicate_key"
NOT_TEXT = "not_text"


class JsonRefused(ValueError):
    """The text is not JSON this program accepts. `reason` is one of the constants above; `line` and `column`
    say where (1-based) when known; `detail` is the offending key or literal when there is one."""

    def __init__(self, reason: str, line: int = 0, column: int = 0, detail: str = "") -> None:
        super().__init__(f"{reason} at {line}:{column} {detail}".strip())
        self.reason = reason
        self.line = line
        self.column = column
        self.detail = detail


_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)


def too_deep(text: str, max_depth: int) -> int | None:
    """The offset of the first bracket nested deeper than `max_depth` (outside strings), or None. Iterative:
    safe on any length."""
    level = 0
    for m in _TOKEN.finditer(text):
        ch = m.group()[0]
        if ch in "[{":
            level += 1
            if level > max_depth:
                return m.start()
        elif ch in "]}":
            level -= 1
    return None


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def loads(text: str, *, max_depth: int, max_int_digits: int = 30) -> Any:
    where = too_deep(text, max_depth)
    if where is not None:
        raise JsonRefused(TOO_DEEP, *_position(text, where))

    def constant(name: str) -> Any:
        raise JsonRefused(NOT_A_NUMBER, detail=name)

    def floating(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            raise JsonRefused(NOT_A_NUMBER, detail=literal[:40])
        return value

    def integer(literal: str) -> int:
        if len(literal.lstrip("-")) > max_int_digits:
            raise JsonRefused(NOT_A_NUMBER, detail=literal[:40] + "…")
        return int(literal)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise JsonRefused(DUPLICATE_KEY, detail=key[:80])
            out[key] = value
        return out

    try:
        doc = json.loads(text, parse_constant=constant, parse_float=floating, parse_int=integer,
                         object_pairs_hook=pairs)
    except json.JSONDecodeError as e:
        raise JsonRefused(INVALID, e.lineno, e.colno) from None
    except RecursionError:  # not reached after the depth scan, unless max_depth is set above the stack
        raise JsonRefused(TOO_DEEP) from None
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise JsonRefused(NOT_TEXT) from None
    return doc
