"""Search whose cost follows the hits shown: newest first (client files first), a count of every match, and
the same few statements however many records match."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from counselroom.records.clients import Client
from counselroom.records.services import Services


def _notes(services: Services, client_id: int, n: int, text: str, private: str = "") -> list[int]:
    ids = []
    for i in range(n):
        note = services.notes.create_draft(client_id, "standard", date(2026, 1, 1) + timedelta(days=i))
        assert note.id is not None
        services.notes.save_draft(note.id, {"concerns": f"{text} {i}"}, private_text=private)
        ids.append(note.id)
    return ids


def test_newest_first_client_files_first_and_the_count_of_every_match(
        services: Services, consented_client: Callable[..., int]) -> None:
    a = consented_client("A-1", name="周雨桐", notes="睡眠问题")
    ids = _notes(services, a, 12, "睡眠日记 sleep diary", private="睡眠 私下")
    services.clients.create(Client(code="B-2", notes="睡眠 也是"))
    found = services.search.find("睡眠", limit=5)
    assert found.total == 12 + 2  # the notes and both client files; private notes are not searched
    assert [(h.kind, h.client_code) for h in found.hits[:2]] == [("client", "B-2"), ("client", "A-1")]
    assert [h.note_id for h in found.hits[2:]] == ids[::-1][:3]  # the newest notes
    with_private = services.search.find("睡眠", include_private=True, limit=100)
    assert with_private.total == 12 + 2 + 12
    assert {h.kind for h in with_private.hits} == {"client", "note", "private"}
    assert services.search.find("nothing-like-this").total == 0
    assert services.search.search("睡眠", limit=5) == found.hits


def _statements_for(services: Services, query: str, limit: int) -> list[str]:
    seen: list[str] = []
    services.session.conn.set_trace_callback(seen.append)
    try:
        services.search.find(query, limit=limit)
    finally:
        services.session.conn.set_trace_callback(None)
    return [s for s in seen if not s.startswith("--")]  # FTS5's own reads of its index show as "-- ..."


def test_the_same_statements_whatever_the_number_of_matches(services: Services,
                                                            consented_client: Callable[..., int]) -> None:
    a = consented_client("A-1")
    _notes(services, a, 30, "homesick")
    few = _statements_for(services, "homesick", limit=10)
    _notes(services, a, 30, "homesick")
    many = _statements_for(services, "homesick", limit=10)
    # the vocabulary's view (made once, then found), the word's terms from it, the count with the client files,
    # the page of the other hits, one read of the notes shown
    assert len(many) == len(few) <= 5
    assert not [s for s in many if "ORDER BY rank" in s or "private =" in s]  # no stored column of the index read
    assert sum("FROM notes" in s for s in many) == 1  # each note read once


def test_a_chinese_pair_is_matched_exactly_and_finds_what_the_prefix_found(
        services: Services, consented_client: Callable[..., int]) -> None:
    from counselroom.records import search

    assert search.match_expression("焦虑 exam", exact_pairs=True) == '"焦虑" AND "exam"*'
    assert search.match_expression("焦 考试焦虑", exact_pairs=True) == '"焦"* AND "考试" "试焦" "焦虑"'
    a = consented_client("A-1")
    _notes(services, a, 3, "很焦虑 焦躁 anxiety")
    conn = services.session.conn
    for query in ("焦虑", "焦", "考试焦虑", "焦虑 anx", "虑"):
        prefix = conn.execute("SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid",
                              (search.match_expression(query),)).fetchall()
        exact = conn.execute("SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid",
                             (search.match_expression(query, exact_pairs=True),)).fetchall()
        assert exact == prefix, query


def test_the_count_stops_past_the_cap_and_says_more(services: Services,
                                                    consented_client: Callable[..., int]) -> None:
    """Counting every match costs what the matches cost (issue 14): past COUNT_CAP the count says "more than"."""
    from counselroom.records import search

    a = consented_client("A-1", notes="exam worry")
    _notes(services, a, 12, "exam")
    services.clients.create(Client(code="B-2", notes="exam too"))
    conn = services.session.conn
    expression = search.match_expression("exam", exact_pairs=True)
    assert search.count_matches(conn, expression) == 14  # under the cap: exact
    assert search.count_matches(conn, expression, cap=5) == 6  # past it: cap + 1, the walk stopped there
    hits, total = search.find_page(conn, "exam", limit=4, cap=5)
    assert total == 6 and [h.kind for h in hits] == ["client", "client", "note", "note"]  # client files still first
    hits, total = search.find_page(conn, "exam", limit=4, cap=14)
    assert total == 14
    found = services.search.find("exam", limit=4)
    assert (found.total, found.more) == (14, False)


def test_a_search_past_the_cap(services: Services, consented_client: Callable[..., int]) -> None:
    from unittest.mock import patch

    from counselroom.records import search

    a = consented_client("A-1")
    ids = _notes(services, a, 8, "roommate")
    with patch.object(search, "COUNT_CAP", 5):
        found = services.search.find("roommate", limit=3)
    assert (found.total, found.more) == (5, True)  # "showing 3 of more than 5"
    assert [h.note_id for h in found.hits] == ids[::-1][:3]


def test_an_english_prefix_is_asked_as_its_terms_and_finds_what_the_prefix_found(
        services: Services, consented_client: Callable[..., int]) -> None:
    """Issue 14: "slee" is turned into the index's terms sleep, sleeping, sleepy (asked with OR, which FTS5 walks
    newest first and stops) and finds exactly what the prefix found. A word the index's tokenizer folds (café
    is cafe there), a prefix with too many terms, or one with none keep the prefix."""
    from counselroom.records import search

    a = consented_client("A-1")
    _notes(services, a, 3, "sleep sleeping sleepy slept café cafeteria")
    conn = services.session.conn
    assert search.prefix_terms(conn, "slee") == ["sleep", "sleeping", "sleepy"]
    assert search.prefix_terms(conn, "café") is None and search.prefix_terms(conn, "zzz") is None
    expanded = search.match_expression("slee caf", expand=lambda p: search.prefix_terms(conn, p))
    assert expanded == '("sleep" OR "sleeping" OR "sleepy") AND ("cafe" OR "cafeteria")', expanded
    for query in ("slee", "sleep", "slept", "caf", "café", "sl caf", "s", "zzz", "sleep 焦虑"):
        prefix = conn.execute("SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid",
                              (search.match_expression(query),)).fetchall()
        terms = conn.execute("SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid",
                             (search.match_expression(query, expand=lambda p: search.prefix_terms(conn, p)),)
                             ).fetchall()
        assert terms == prefix, query
    many = " ".join(f"s{i:03d}" for i in range(search.EXPAND_MAX + 1))
    _notes(services, a, 1, many)
    assert search.prefix_terms(conn, "s") is None  # more than EXPAND_MAX terms: the prefix stays
