"""Note templates: data in resources/note_templates/, each with its title and sections in both languages.

A template's version goes up whenever its sections change; a note records the template and version it
was written on, so older notes keep their shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from ..i18n import language
from ..shipped import resource

TEMPLATE_DIR = resource("note_templates")
ORDER = ("standard", "soap", "dap", "group")


@dataclass(frozen=True)
class Section:
    key: str
    titles: dict[str, str]

    def title(self, lang: str | None = None) -> str:
        return self.titles.get(lang or language()) or self.titles["en"]


@dataclass(frozen=True)
class NoteTemplate:
    id: str
    version: int
    titles: dict[str, str]
    sections: tuple[Section, ...]

    def title(self, lang: str | None = None) -> str:
        return self.titles.get(lang or language()) or self.titles["en"]

    @property
    def keys(self) -> list[str]:
        return [s.key for s in self.sections]


@cache
def templates() -> dict[str, NoteTemplate]:
    found: dict[str, NoteTemplate] = {}
    for path in sorted(TEMPLATE_DIR.glob("*.json")):
        doc = json.loads(path.read_text("utf-8"))
        found[doc["id"]] = NoteTemplate(
            id=doc["id"], version=int(doc["version"]), titles=dict(doc["title"]),
            sections=tuple(Section(s["key"], dict(s["title"])) for s in doc["sections"]))
    return dict(sorted(found.items(), key=lambda kv: ORDER.index(kv[0]) if kv[0] in ORDER else len(ORDER)))


def template(template_id: str) -> NoteTemplate:
    return templates()[template_id]
