"""The demo's language: the demo vault is Chinese when the program runs in Chinese and English when it runs in
English (issue 13: a Chinese window showed English names, English sentences in notes, "Dad").

Every made-up text of the demo is a pair (Chinese, English); `say()` takes the one of the demo's language.
Choosing a pair takes the same random draws in both languages, so a seed gives the same records (the same
clients, sessions, tests and risks) in either language, only worded differently.

`mixed` (the default of `populate()`, used by the benchmarks and `counselroom demo`) mixes both, as a room
with international students writes: about a third of the texts in English, chosen by the text itself (no
random draw), and international students with English names. It measures search in both languages.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from pypinyin import Style, lazy_pinyin

LANGUAGES = ("zh_CN", "en", "mixed")
_current = ["mixed"]  # as populate() by default; make_demo_vault() chooses the language

Pair = tuple[str, str]


@contextmanager
def demo_language(lang: str) -> Iterator[None]:
    """Write the demo's records in `lang` (zh_CN or en) inside the block."""
    previous = _current[0]
    _current[0] = lang if lang in LANGUAGES else "zh_CN"
    try:
        yield
    finally:
        _current[0] = previous


def current() -> str:
    return _current[0]


def say(pair: Pair) -> str:
    if _current[0] == "mixed":
        return pair[1] if zlib.crc32(pair[0].encode("utf-8")) % 3 == 0 else pair[0]
    return pair[1] if _current[0] == "en" else pair[0]


def says(pairs: tuple[Pair, ...] | list[Pair]) -> tuple[str, ...]:
    return tuple(say(p) for p in pairs)


def person(chinese: str) -> str:
    """A Chinese name as written in the demo's language: 王芳 or Wang Fang (surname first, as in China)."""
    if _current[0] != "en" or not chinese:
        return chinese
    surname, given = chinese[0], chinese[1:]
    spelled = [s.capitalize() for s in lazy_pinyin(surname, style=Style.NORMAL)]
    given_spelled = "".join(lazy_pinyin(given, style=Style.NORMAL)).capitalize()
    return " ".join([*spelled, given_spelled] if given_spelled else spelled)
