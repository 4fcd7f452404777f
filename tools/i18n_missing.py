#!/usr/bin/env python3
"""List user-visible strings that lack a Simplified Chinese translation.

Every literal passed to tr(), tr_in(lang, ...) or N_() under src/counselroom is a message id. Prints the
missing ones as a JSON object ready to be translated and pasted into a catalogue file in
resources/i18n/zh_CN/. Exit status 1 when any is missing.
"""

from __future__ import annotations

import ast
import json
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "counselroom"
CATALOGUE = ROOT / "resources" / "i18n" / "zh_CN"


def extract() -> dict[str, str]:
    """msgid -> 'file:line' of its first use."""
    found: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else (
                node.func.attr if isinstance(node.func, ast.Attribute) else "")
            index = {"tr": 0, "N_": 0, "tr_in": 1}.get(name)
            if index is None or len(node.args) <= index:
                continue
            arg = node.args[index]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.strip():
                found.setdefault(arg.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def catalogue() -> dict[str, str]:
    data: dict[str, str] = {}
    for f in sorted(CATALOGUE.glob("*.json")):
        data.update(json.loads(f.read_text("utf-8")))
    return data


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def main() -> int:
    cat = catalogue()
    missing = {m: "" for m in extract() if not cat.get(m)}
    if missing:
        print(json.dumps(missing, ensure_ascii=False, indent=1))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
