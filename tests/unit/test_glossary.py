"""One word for the vault in each language (issue 13, docs/GLOSSARY.md): 档案库 in Chinese, "vault" in
English. The Chinese catalogue and the Chinese user guide use no other name for it (数据库 only where the
English says "database": the SQLite file inside the vault)."""

from __future__ import annotations

import re

from counselroom.i18n import catalogue
from counselroom.shipped import resource

VAULT_ZH = "档案库"
OTHER_NAMES = ("加密库", "加密数据库", "保险库", "密码库", "数据仓库")
ENGLISH_VAULT = re.compile(r"\bvaults?\b", re.IGNORECASE)
TECHNICAL = re.compile(r"database|sqlite", re.IGNORECASE)


def chinese_entries() -> dict[str, str]:
    found = catalogue("zh_CN")
    entries = found if isinstance(found, dict) else getattr(found, "_catalog", {})
    return {k: v for k, v in entries.items() if isinstance(k, str) and k and isinstance(v, str)}


def test_the_chinese_catalogue_calls_the_vault_only_档案库() -> None:
    entries = chinese_entries()
    assert len(entries) > 1000
    other = {k: v for k, v in entries.items() if any(name in v for name in OTHER_NAMES)}
    assert not other, other
    database = {k: v for k, v in entries.items() if "数据库" in v and not TECHNICAL.search(k)}
    assert not database, database
    without = {k: v for k, v in entries.items() if ENGLISH_VAULT.search(k) and VAULT_ZH not in v}
    assert not without, without


def test_the_chinese_guide_calls_the_vault_only_档案库() -> None:
    text = resource("guide", "zh_CN", "guide.md").read_text(encoding="utf-8")
    assert VAULT_ZH in text
    assert not [name for name in OTHER_NAMES if name in text]
    assert "数据库" not in text.replace("SQLite 数据库", "")


def test_the_glossary_gives_the_word() -> None:
    from pathlib import Path

    glossary = (Path(__file__).resolve().parents[2] / "docs" / "GLOSSARY.md").read_text(encoding="utf-8")
    assert f"| vault | {VAULT_ZH} |" in glossary
