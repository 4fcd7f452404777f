"""The instruments page refuses every hostile definition file with a message the counselor can read (issue
17, item 4: the window showed nothing when the import crashed): the mistakes and their places in the table,
or one line when the file cannot be read at all; nothing is stored."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from counselroom import i18n
from counselroom.gui.psychtests.instruments_page import InstrumentsPage
from counselroom.records.services import Services

DATA = Path(__file__).resolve().parents[2] / "data" / "instruments"
GOOD: dict[str, Any] = json.loads((DATA / "good-small.json").read_text("utf-8"))


def _doc(mutate: Callable[[dict[str, Any]], None]) -> bytes:
    doc = copy.deepcopy(GOOD)
    mutate(doc)
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _rule_with_a_list(d: dict[str, Any]) -> None:
    d["scoring"]["screening"][0]["any"][1] = {"score": ["mood"], "is": ">= 1"}


HOSTILE: dict[str, Callable[[Path], None]] = {
    "deep nesting": lambda p: p.write_bytes(b'{"title": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    "options not a list": lambda p: p.write_bytes(_doc(lambda d: d.__setitem__("options", "x"))),
    "extra key in scoring": lambda p: p.write_bytes(_doc(lambda d: d["scoring"].__setitem__("extra", 1))),
    "a list as a score name": lambda p: p.write_bytes(_doc(_rule_with_a_list)),
    "10**400": lambda p: p.write_bytes(_doc(lambda d: None).replace(b'"value": 3', b'"value": 1' + b"0" * 400)),
    "version 2**63": lambda p: p.write_bytes(_doc(lambda d: d.__setitem__("version", 2 ** 63))),
    "a lone surrogate": lambda p: p.write_bytes(_doc(lambda d: None).replace(b'"Feeling low"', b'"\\ud800"')),
    "a folder": lambda p: p.mkdir(),
    "a FIFO": lambda p: os.mkfifo(p),
    "8 MB": lambda p: p.write_bytes(b" " * (8 << 20)),
}


@pytest.fixture
def page(qtbot, services: Services) -> InstrumentsPage:  # type: ignore[no-untyped-def]
    p = InstrumentsPage(services)
    qtbot.addWidget(p)
    p.resize(1100, 720)
    with qtbot.waitExposed(p):
        p.show()
    return p


def _shown(page: InstrumentsPage) -> list[str]:
    rows = [f"{page.problems.item(r, 0).text()}: {page.problems.item(r, 1).text()}"
            for r in range(page.problems.rowCount())] if page.problems.isVisible() else []
    return ([page.message.text()] if page.message.isVisible() else []) + rows


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_hostile_file_is_refused_with_a_message(page: InstrumentsPage, tmp_path: Path, name: str) -> None:
    path = tmp_path / "room.json"
    HOSTILE[name](path)
    page.import_file(str(path))
    shown = _shown(page)
    assert shown and all(line.strip() for line in shown)
    assert page.list.count() == 2  # nothing stored
    if page.problems.isVisible():
        assert page.problems_title.text().startswith("room.json was not imported.")


def test_the_refusals_read_in_chinese(page: InstrumentsPage, tmp_path: Path) -> None:
    path = tmp_path / "room.json"
    HOSTILE["extra key in scoring"](path)
    try:
        i18n.set_language("zh_CN")
        page.import_file(str(path))
        assert _shown(page) == ["字段“scoring”: 未知字段“extra”。这里允许的字段有："
                                "total, factors, bands, critical_items, screening。"]
        page.import_file(str(tmp_path))
        assert _shown(page) == ["所选的不是普通文件，而是文件夹或特殊文件。请选择定义文件本身。"]
    finally:
        i18n.set_language("en")


def test_an_unexpected_failure_still_shows_a_message(page: InstrumentsPage, services: Services,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_data: bytes) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(services.psychtests, "import_definition", broken)
    page.import_file(str(DATA / "good-small.json"))
    assert _shown(page) == ["good-small.json could not be imported because of an unexpected problem in counselroom. "
                            "Nothing was imported. Check the file against the example file; if it looks right, tell "
                            "whoever looks after counselroom in your room."]
