"""Every user-visible string has a Simplified Chinese translation with the same placeholders; the catalogue is
standard gettext (.po kept with Babel by tools/i18n.py) and the compiled .mo the program reads is current."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import i18n as catalogue_tool  # noqa: E402  (tools/i18n.py)

from counselroom import i18n  # noqa: E402


def test_every_string_is_translated_into_chinese() -> None:
    missing = catalogue_tool.missing()
    assert not missing, "untranslated (run tools/i18n.py update, translate the empty entries of the .po, " \
                        "then tools/i18n.py compile):\n" + "\n".join(
        f"{where}: {m!r}" for m, where in sorted(missing.items(), key=lambda kv: kv[1]))


def test_no_translations_are_left_outside_the_catalogue() -> None:
    left = catalogue_tool.leftover_json()
    assert not left, f"the program reads only the .po/.mo: run python3 tools/i18n.py absorb for {left}"


def test_a_missing_translation_is_found(tmp_path: Path) -> None:
    """The check above can fail: the catalogue with one translation taken out names exactly that message."""
    catalog = catalogue_tool.read_catalogue()
    catalog["The passphrase is not correct."].string = ""
    smaller = tmp_path / "counselroom.po"
    catalogue_tool.write_catalogue(catalog, smaller)
    found = catalogue_tool.missing(smaller)
    assert set(found) - set(catalogue_tool.missing()) == {"The passphrase is not correct."}
    assert found["The passphrase is not correct."].startswith("src/counselroom/")


def test_translations_keep_their_placeholders() -> None:
    fields = catalogue_tool.fields
    wrong = [m for m, t in catalogue_tool.translations().items() if fields(m) != fields(t)]
    assert not wrong


def test_the_compiled_catalogue_is_the_po_file_compiled() -> None:
    assert catalogue_tool.MO.read_bytes() == catalogue_tool.mo_bytes(), "run: python3 tools/i18n.py compile"


def test_the_catalogue_holds_only_messages_the_program_uses() -> None:
    """`tools/i18n.py update` drops messages no longer used, so translators never translate dead text."""
    unused = set(catalogue_tool.translations()) - set(catalogue_tool.extract())
    assert not unused, sorted(unused)


def test_the_extractor_finds_strings_and_misses_would_fail() -> None:
    found = catalogue_tool.extract()
    assert "The passphrase is not correct." in found
    assert "Enter a client code. A client may go by a code alone." in found  # marked with N_()
    assert "Items" in found  # inside an f-string


def test_language_switch_translates() -> None:
    try:
        i18n.set_language("zh_CN")
        assert i18n.tr("The passphrase is not correct.") != "The passphrase is not correct."
        assert i18n.tr("") == ""  # never the catalogue's header
        i18n.set_language("en")
        assert i18n.tr("The passphrase is not correct.") == "The passphrase is not correct."
    finally:
        i18n.set_language("en")
