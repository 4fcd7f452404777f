#!/usr/bin/env python3
"""The translation catalogue: extract, update, compile and check, with Babel (a development tool only).

The Simplified Chinese catalogue is `resources/i18n/zh_CN/LC_MESSAGES/counselroom.po` (standard gettext, with
the source lines of each message); the program reads the compiled `counselroom.mo` beside it with the standard
library's gettext, so Babel is not needed to run it. English is the message id. Messages are every literal
passed to tr(), N_() or tr_in(lang, ...) under src/counselroom.

    python3 tools/i18n.py update    # add new messages (empty), drop unused ones, refresh source lines
    python3 tools/i18n.py compile   # write counselroom.mo from counselroom.po
    python3 tools/i18n.py missing   # list untranslated messages; exit 1 when any (the test suite checks too)
    python3 tools/i18n.py absorb    # take translations from JSON files {"English": "中文"} left in
                                    # resources/i18n/zh_CN/ into the .po, then delete those files

Translators follow docs/GLOSSARY.md when it exists.
"""

from __future__ import annotations

import ast
import io
import json
import string
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "counselroom"
LANG = "zh_CN"
PO = ROOT / "resources" / "i18n" / LANG / "LC_MESSAGES" / "counselroom.po"
MO = PO.with_suffix(".mo")
HEADER = "Simplified Chinese for counselroom. English is the message id; see docs/GLOSSARY.md."


def extract() -> dict[str, list[tuple[str, int]]]:
    """msgid -> the places it is used (path relative to the repository, line), in source order.

    Read from the syntax tree rather than Babel's Python extractor: that one misses calls inside f-strings
    (`f"<h3>{tr('Items')}</h3>"`) and takes string arguments of calls nested in tr() for messages."""
    found: dict[str, list[tuple[str, int]]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), str(path))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        for node in sorted(calls, key=lambda n: (n.lineno, n.col_offset)):
            name = node.func.id if isinstance(node.func, ast.Name) else (
                node.func.attr if isinstance(node.func, ast.Attribute) else "")
            index = {"tr": 0, "N_": 0, "tr_in": 1}.get(name)
            if index is None or len(node.args) <= index:
                continue
            arg = node.args[index]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.strip():
                found.setdefault(arg.value, []).append((str(path.relative_to(ROOT)), node.lineno))
    return found


def read_catalogue(path: Path = PO) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=LANG)


def translations(path: Path = PO) -> dict[str, str]:
    """msgid -> translation, for the messages that have one (fuzzy entries do not count)."""
    return {str(m.id): str(m.string) for m in read_catalogue(path) if m.id and m.string and not m.fuzzy}


def write_catalogue(catalog: Catalog, path: Path = PO) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=120, sort_output=False, omit_header=False, ignore_obsolete=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


# Fixed header dates: the .po and the .mo change only when a message does (reproducible builds).
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)


def new_catalog() -> Catalog:
    return Catalog(locale=LANG, domain="counselroom", project="counselroom", header_comment=f"# {HEADER}",
                   fuzzy=False, charset="utf-8", creation_date=FIXED_DATE, revision_date=FIXED_DATE,
                   last_translator="counselroom", language_team="counselroom (docs/GLOSSARY.md)",
                   msgid_bugs_address="-")


def update(extra: dict[str, str] | None = None) -> int:
    """Rebuild the catalogue from the source in source order, keeping every existing translation (and taking
    `extra` translations for messages that have none yet)."""
    old = {**(extra or {}), **(translations() if PO.exists() else {})}
    catalog = new_catalog()
    for msgid, places in extract().items():
        flags = ("python-brace-format",) if fields(msgid) else ()
        catalog.add(msgid, old.get(msgid, ""), locations=places, flags=flags)
    write_catalogue(catalog)
    return compile_mo()


def leftover_json() -> list[Path]:
    return sorted((ROOT / "resources" / "i18n" / LANG).glob("*.json"))


def absorb() -> int:
    """The catalogue used to be JSON files; translations written that way are taken in, then the files go."""
    extra: dict[str, str] = {}
    files = leftover_json()
    for path in files:
        extra.update(json.loads(path.read_text("utf-8")))
    update(extra)
    for path in files:
        path.unlink()
        print(f"absorbed {path.relative_to(ROOT)}")
    return 0


def mo_bytes(path: Path = PO) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, read_catalogue(path), use_fuzzy=False)
    return buffer.getvalue()


def compile_mo() -> int:
    MO.write_bytes(mo_bytes())
    return 0


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def missing(path: Path = PO) -> dict[str, str]:
    """msgid -> 'file:line' of its first use, for every message without a translation."""
    done = translations(path)
    return {m: f"{places[0][0]}:{places[0][1]}" for m, places in extract().items() if not done.get(m)}


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "missing"
    if command == "update":
        return update()
    if command == "absorb":
        return absorb()
    if command == "compile":
        return compile_mo()
    if command == "missing":
        gaps = missing()
        for msgid, where in sorted(gaps.items(), key=lambda kv: kv[1]):
            print(f"{where}: {msgid!r}")
        return 1 if gaps else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
