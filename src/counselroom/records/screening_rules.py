"""The shipped screening rule examples (UPI-style, SCL-90-style) made into the room's questionnaire with the
item text the room supplies: the rules and cut-offs are data we ship and test; the words of the items are
the version the room is licensed to use, typed or pasted one item a line into a plain text file.

A line may start with its number ("1.", "1、", "(1)", "第1题", "Q1"); blank lines are skipped. The number of
lines must be the number of items. The result is an ordinary definition, checked and stored by the
psychological tests part like any imported one."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..i18n import N_
from ..shipped import resource
from .instruments import LANGS, P_FILE, DefinitionInvalid, Problem, parse_definition

EXAMPLES_DIR = resource("instruments", "examples")
RULE_EXAMPLES = {"upi-style": "upi-style-rules.json", "scl90-style": "scl90-style-rules.json"}
_NUMBERED = re.compile(r"^\s*(?:第\s*\d{1,4}\s*题|[（(]\s*\d{1,4}\s*[)）]|[qQ]?\d{1,4}\s*[.、:：)）]|\d{1,4}\s+)\s*")
MAX_LINE = 500


def example_path(example_id: str) -> Path:
    return EXAMPLES_DIR / RULE_EXAMPLES[example_id]


def item_lines(text: str) -> list[str]:
    """The items of a pasted list, one a line, their leading numbers taken off."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        out.append(_NUMBERED.sub("", line, count=1).strip()[:MAX_LINE] or line[:MAX_LINE])
    return out


def fill_item_texts(example_id: str, text: str, lang: str = "zh_CN") -> bytes:
    """The example's definition with the room's item texts in `lang` (checked as any definition is). Raises
    DefinitionInvalid naming what is wrong."""
    doc = json.loads(example_path(example_id).read_text(encoding="utf-8"))
    if lang not in LANGS or lang not in doc.get("languages", LANGS):
        raise DefinitionInvalid([Problem(P_FILE, N_("This example is written in {langs} only: give the item text in "
                                                    "that language."), {"langs": ", ".join(doc["languages"])})])
    lines = item_lines(text)
    if len(lines) != len(doc["items"]):
        raise DefinitionInvalid([Problem(P_FILE, N_("The text file holds {found} items, one a line; the "
                                                    "questionnaire has {count}."),
                                         {"found": len(lines), "count": len(doc["items"])})])
    for item, line in zip(doc["items"], lines, strict=True):
        item["text"] = {**item["text"], lang: line}
    data = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    parse_definition(data)  # the same checks as an imported file
    return data


__all__ = ["RULE_EXAMPLES", "example_path", "fill_item_texts", "item_lines"]
