"""Every user-visible string has a Simplified Chinese translation with the same placeholders."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import i18n_missing  # noqa: E402

from counselroom import i18n  # noqa: E402


def test_every_string_is_translated_into_chinese() -> None:
    catalogue = i18n_missing.catalogue()
    missing = {m: where for m, where in i18n_missing.extract().items() if not catalogue.get(m)}
    assert not missing, "untranslated (run tools/i18n_missing.py):\n" + "\n".join(
        f"{where}: {m!r}" for m, where in sorted(missing.items(), key=lambda kv: kv[1]))


def test_translations_keep_their_placeholders() -> None:
    catalogue = i18n_missing.catalogue()
    wrong = [m for m, t in catalogue.items() if i18n_missing.fields(m) != i18n_missing.fields(t)]
    assert not wrong


def test_the_extractor_finds_strings_and_misses_would_fail() -> None:
    found = i18n_missing.extract()
    assert "The passphrase is not correct." in found
    assert "Enter a client code. A client may go by a code alone." in found  # marked with N_()


def test_language_switch_translates() -> None:
    try:
        i18n.set_language("zh_CN")
        assert i18n.tr("The passphrase is not correct.") != "The passphrase is not correct."
        i18n.set_language("en")
        assert i18n.tr("The passphrase is not correct.") == "The passphrase is not correct."
    finally:
        i18n.set_language("en")
