"""The demo is Chinese in Chinese and English in English (issue 13: a Chinese window showed English names,
English sentences in notes, "Dad", a crisis hotline without a number), with the same records in both."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from counselroom.app import make_demo_vault
from counselroom.vault.vault import VaultSession

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CODE = re.compile(r"^[a-z0-9_.\-]+$")  # a stored code (a kind, a reason, a template id), never shown as is
ALLOWED_LATIN = {"PHQ", "GAD", "CBT", "DEMO", "KiB"}
BILINGUAL = {("consent_templates", "content"), ("instrument_definitions", "content"),
             ("consents", "retention_promise"), ("clients", "name_pinyin"), ("clients", "name_initials")}
SKIPPED_TABLES = ("search_index", "audit_log", "meta", "sqlite_sequence", "sqlite_stat1")


def strings(value: object) -> Iterator[str]:
    """The strings a stored value shows: a JSON document's values, not its keys."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value) if value[:1] in "[{" else None
        except ValueError:
            parsed = None
        if parsed is None:
            yield value
        else:
            yield from strings(parsed)
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def texts(session: VaultSession) -> Iterator[tuple[str, str, str]]:
    conn = session.conn
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        if table.startswith(SKIPPED_TABLES):
            continue
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        for row in conn.execute(f"SELECT * FROM {table}"):
            for column, value in zip(columns, row, strict=True):
                if (table, column) in BILINGUAL:
                    continue
                for text in strings(value):
                    if text and not CODE.match(text):
                        yield table, column, text


def counts(session: VaultSession) -> dict[str, int]:
    return {t: session.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("clients", "notes", "appointments", "referrals", "risk_assessments", "test_administrations",
                      "screening_rows", "liaison_records", "client_school_details")}


@pytest.fixture(scope="module")
def demos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, VaultSession]]:
    sessions = {}
    for lang in ("zh_CN", "en"):
        vault, passphrase = make_demo_vault(Path(tmp_path_factory.mktemp(lang)), lang)
        sessions[lang] = vault.unlock(passphrase)
    yield sessions
    for session in sessions.values():
        session.close()


def test_the_chinese_demo_has_no_english_words(demos: dict[str, VaultSession]) -> None:
    english = {}
    for table, column, text in texts(demos["zh_CN"]):
        words = [w for w in LATIN_WORD.findall(text) if w not in ALLOWED_LATIN]
        if words or "。 " in text:  # nor a space after a Chinese full stop
            english.setdefault(f"{table}.{column}", text[:80])
    assert not english, english


def test_the_english_demo_has_no_chinese(demos: dict[str, VaultSession]) -> None:
    chinese = {}
    for table, column, text in texts(demos["en"]):
        if CJK.search(text) or re.search(r"[a-z]\.[A-Z]", text):  # nor sentences run together
            chinese.setdefault(f"{table}.{column}", text[:80])
    assert not chinese, chinese


def test_both_languages_hold_the_same_records(demos: dict[str, VaultSession]) -> None:
    assert counts(demos["zh_CN"]) == counts(demos["en"])
    assert counts(demos["zh_CN"])["notes"] > 100


def test_every_crisis_contact_has_a_number(demos: dict[str, VaultSession]) -> None:
    for session in demos.values():
        row = session.conn.execute("SELECT value FROM settings WHERE key = 'risk.crisis_contacts'").fetchone()
        contacts = json.loads(row[0])
        assert contacts and all(c["name"] and c["phone"] for c in contacts)


def test_the_measuring_demo_mixes_both_languages(services) -> None:  # type: ignore[no-untyped-def]
    """populate() without a language (the benchmarks, `counselroom demo`) writes both, to measure search in
    each: Chinese and English names, notes found by 焦虑 and by sleep."""
    from counselroom.records.demo import populate

    populate(services, "small", seed=3)
    names = [c.name for c in services.clients.list(include_archived=True) if c.name]
    assert any(CJK.search(n) for n in names) and any(n.isascii() for n in names)
    assert services.search.search("焦虑") and services.search.search("sleep")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_demo_holds_an_autumn_screening_followed_up_and_the_schools_records(
        demos: dict[str, VaultSession], lang: str) -> None:
    """Issue 15: the Cohort screening and Statistics pages are not empty in the demo, in either language."""
    from datetime import date, timedelta

    from counselroom.records.demo_screening import autumn
    from counselroom.records.services import Services

    services = Services.open(demos[lang])
    (screening,) = services.screening.screenings()
    assert screening.held_on == autumn(date.today()) and screening.held_on.month == 9
    assert 300 <= screening.rows_imported <= 400
    counts = services.screening.level_counts(screening.id)
    assert all(2 <= counts.get(level, 0) <= 20 for level in (1, 2, 3)), counts  # a handful at each level
    assert counts[None] > 300
    flagged = services.screening.flagged(screening.id)
    followed = [r for r in flagged if r.client_id is not None]
    assert len(followed) == 2
    done = next(r for r in followed if r.outcome is not None)
    assert done.level == 1 and done.interviewed and done.outcome == "counseling" and done.outcome_note
    booked = next(r for r in followed if r.outcome is None)
    assert booked.interview_at is not None and booked.interview_at.date() > date.today()
    names = [r.name for r in flagged]
    assert all(CJK.search(n) for n in names) if lang == "zh_CN" else all(n.isascii() for n in names)
    assert (CJK.search(screening.cohort) is None) == (lang == "en")
    liaisons = demos[lang].conn.execute("SELECT party, basis_kind FROM liaison_records").fetchall()
    assert len(liaisons) >= 3 and ("guardian", "exception") in liaisons
    clients = demos[lang].conn.execute("SELECT count(*) FROM clients").fetchone()[0]
    detailed = demos[lang].conn.execute("SELECT count(*) FROM client_school_details WHERE concerns != '[]'"
                                        ).fetchone()[0]
    assert clients * 0.5 < detailed < clients
    report = services.statistics.report(screening.held_on - timedelta(days=17), date.today(), lang)
    (table,) = report.screenings
    assert table.total == screening.rows_imported and [c.count for c in table.cells][:3] == [
        counts[1], counts[2], counts[3]]
    assert report.headline.cells[0].count > 0
    assert sum(c.count for c in report.by_concern.cells[:-1]) > 0
