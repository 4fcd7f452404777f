"""The user guide in resources/guide/: both languages have the same sections, every image they show is
there, every image there is shown (the packages carry them all), and links within a guide find a heading."""

import re
from pathlib import Path

from counselroom.gui.shell.help_viewer import guide_path, slug
from counselroom.shipped import resource

GUIDE = resource("guide")
IMAGES = GUIDE / "images"
LANGS = ("zh_CN", "en")
MAX_IMAGES_BYTES = 1_500_000  # every package carries them


def text(lang: str) -> str:
    return guide_path(lang).read_text("utf-8")


def headings(lang: str) -> list[tuple[int, str]]:
    """(level, text) of each heading, outside fenced code."""
    found, fenced = [], False
    for line in text(lang).splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"(#{1,6}) (.+)", line)):
            found.append((len(m.group(1)), m.group(2).strip()))
    return found


def images(lang: str) -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text(lang))


def test_both_guides_have_the_same_sections_and_images() -> None:
    zh, en = headings("zh_CN"), headings("en")
    assert [level for level, _ in zh] == [level for level, _ in en]
    assert sum(1 for level, _ in en if level == 2) >= 7
    assert [Path(p).name.removeprefix("zh_CN-") for p in images("zh_CN")] == \
        [Path(p).name.removeprefix("en-") for p in images("en")]


def test_every_image_a_guide_shows_exists_and_is_a_png() -> None:
    for lang in LANGS:
        shown = images(lang)
        assert len(shown) >= 5
        for relative in shown:
            assert not re.match(r"[a-z]+:", relative), "images are local files, referenced relatively"
            path = (guide_path(lang).parent / relative).resolve()
            assert path.is_file(), f"{lang}: {relative} is missing"
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert path.parent == IMAGES.resolve()


def test_the_images_are_few_and_small_and_all_used() -> None:
    files = sorted(IMAGES.glob("*"))
    used = {Path(p).name for lang in LANGS for p in images(lang)}
    assert {f.name for f in files} == used, "an image no guide shows still travels in every package"
    assert sum(f.stat().st_size for f in files) < MAX_IMAGES_BYTES


def test_links_within_a_guide_find_a_heading_and_none_leaves_it() -> None:
    for lang in LANGS:
        anchors = {slug(t) for _, t in headings(lang)}
        links = re.findall(r"(?<!!)\[[^\]]+\]\(([^)\s]+)\)", text(lang))
        assert links
        for link in links:
            assert link.startswith("#"), f"{lang}: {link} leads out of the guide"
            assert link[1:] in anchors, f"{lang}: no heading for {link}"


def test_slugs_follow_the_usual_markdown_rule() -> None:
    assert slug("Where the vault lives") == "where-the-vault-lives"
    assert slug("Restoring, and undoing a restore") == "restoring-and-undoing-a-restore"
    assert slug("加密库放在哪里") == "加密库放在哪里"
    assert slug("恢复，以及撤销恢复") == "恢复以及撤销恢复"
