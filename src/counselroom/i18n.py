"""Translation of user-visible text, shared by the command line, the documents and the window.

English is the message id; `resources/i18n/zh_CN/LC_MESSAGES/counselroom.po` (standard gettext, kept with
Babel by tools/i18n.py) maps each id to Simplified Chinese, and the compiled `counselroom.mo` beside it is
what the program reads, with the standard library's gettext. `tr()` translates now; `N_()` only marks a
string for the catalogue so it can be translated later, where it is shown. A test walks the source and fails
when any marked string lacks a translation.
"""

from __future__ import annotations

import gettext
import locale
import os
from functools import cache

from .shipped import resource

LANGUAGES = ("zh_CN", "en")
_RESOURCES = resource("i18n")
_language = "en"


@cache
def catalogue(lang: str) -> gettext.NullTranslations:
    """The translations into one language (none for English, the message ids' own language)."""
    if lang not in LANGUAGES or lang == "en":
        return gettext.NullTranslations()
    with (_RESOURCES / lang / "LC_MESSAGES" / "counselroom.mo").open("rb") as f:
        return gettext.GNUTranslations(f)


def system_language() -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "zh_CN" if value.lower().startswith("zh") else "en"
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return "zh_CN" if loc.lower().startswith(("zh", "chinese")) else "en"


def set_language(lang: str | None) -> str:
    global _language
    _language = lang if lang in LANGUAGES else system_language()
    return _language


def language() -> str:
    return _language


def tr(msgid: str, /, **values: object) -> str:
    text = catalogue(_language).gettext(msgid) if msgid else msgid  # "" would give the catalogue's header
    return text.format(**values) if values else text


def tr_in(lang: str, msgid: str, /, **values: object) -> str:
    """Translate into a given language, whatever the window shows (used by printed documents)."""
    text = catalogue(lang).gettext(msgid) if msgid else msgid
    return text.format(**values) if values else text


def sentences(*parts: str) -> str:
    """Sentences put together as each language writes them: a space after an English full stop, none after
    a Chinese one ("口令不正确。请等待 2 秒", not "口令不正确。 请等待")."""
    text = ""
    for part in parts:
        if not part:
            continue
        if text and not text.endswith(("。", "！", "？", "；", "：", "，", "\n", " ")) and not part.startswith("\n"):
            text += " "
        text += part
    return text


def N_(msgid: str) -> str:  # noqa: N802 - the conventional gettext marker name
    return msgid
