from datetime import date

import pytest

from counselroom.records import search
from counselroom.records.clients import Client
from counselroom.records.services import Services


def test_tokens_pair_chinese_characters_and_keep_latin_words() -> None:
    assert search.tokens("很焦虑, Anxiety!") == ["很焦", "焦虑", "虑", "anxiety"]
    assert search.tokens("失眠exam") == ["失眠", "眠", "exam"]
    assert search.match_expression("焦虑 exam") == '"焦虑"* AND "exam"*'
    assert search.match_expression('"; DROP') == '"drop"*'


@pytest.fixture
def filled(services: Services) -> Services:
    a = services.clients.create(Client(code="S-1", name="周雨桐", notes="辅导员转介"))
    b = services.clients.create(Client(code="S-2", name="Emily Chen"))
    assert a.id and b.id
    services.consent.record_signed(a.id, date(2015, 1, 1), guardian_name="监护人")
    services.consent.record_signed(b.id, date(2015, 1, 1), guardian_name="监护人")
    n1 = services.notes.create_draft(a.id, "standard", date(2026, 10, 1))
    n2 = services.notes.create_draft(b.id, "soap", date(2026, 10, 2))
    assert n1.id and n2.id
    services.notes.save_draft(n1.id, {"concerns": "最近考试焦虑，晚上失眠。", "plan": "练习放松"},
                              private_text="私下的猜测：可能与家庭冲突有关")
    services.notes.save_draft(n2.id, {"subjective": "Reports insomnia and exam anxiety since October."})
    return services


def _where(hits: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(h.kind, h.client_code) for h in hits]


def test_two_character_chinese_words_and_english_words(filled: Services) -> None:
    assert _where(filled.search.search("焦虑")) == [("note", "S-1")]
    assert _where(filled.search.search("失眠")) == [("note", "S-1")]
    assert _where(filled.search.search("insomnia")) == [("note", "S-2")]
    assert _where(filled.search.search("anx")) == [("note", "S-2")]
    assert _where(filled.search.search("考试焦虑")) == [("note", "S-1")]
    assert _where(filled.search.search("焦虑 失眠")) == [("note", "S-1")]
    assert filled.search.search("焦失") == []
    assert filled.search.search("") == []


def test_hits_show_where_they_are(filled: Services) -> None:
    hit = filled.search.search("失眠")[0]
    assert hit.section == "Presenting concerns" and "失眠" in hit.snippet and hit.session_date == date(2026, 10, 1)
    assert _where(filled.search.search("雨桐")) == [("client", "S-1")]
    assert _where(filled.search.search("zyt")) == [("client", "S-1")]
    assert _where(filled.search.search("转介")) == [("client", "S-1")]


def test_private_notes_only_when_asked(filled: Services) -> None:
    assert filled.search.search("家庭冲突") == []
    assert _where(filled.search.search("家庭冲突", include_private=True)) == [("private", "S-1")]


def test_corrected_or_deleted_text_is_no_longer_found(filled: Services) -> None:
    note_id = filled.search.search("焦虑")[0].note_id
    assert note_id
    filled.notes.save_draft(note_id, {"concerns": "最近考试压力大。"})
    assert filled.search.search("焦虑") == []
    assert filled.search.search("压力")
    filled.notes.delete_draft(note_id)
    assert filled.search.search("压力") == []
    assert filled.search.search("放松") == []
    assert filled.search.search("家庭冲突", include_private=True) == []
    c = filled.clients.list(query="S-1")[0]
    c.notes = ""
    filled.clients.update(c)
    assert filled.search.search("转介") == []


def test_addenda_are_searchable(filled: Services) -> None:
    note_id = filled.search.search("insomnia")[0].note_id
    assert note_id
    filled.notes.sign(note_id, "me")
    filled.notes.add_addendum(note_id, "Correction: the insomnia started in September.", "me")
    assert sorted(_where(filled.search.search("september"))) == [("addendum", "S-2")]


def test_index_is_rebuilt_for_a_vault_from_before_search(filled: Services) -> None:
    conn = filled.store.conn
    conn.execute("DELETE FROM search_index")
    conn.execute("DELETE FROM meta WHERE key = 'search_index_version'")
    assert filled.search.search("焦虑") == []
    filled.search.ensure_index()
    assert _where(filled.search.search("焦虑")) == [("note", "S-1")]


def test_deleted_words_leave_no_trace_in_the_index_pages(filled: Services) -> None:
    note_id = filled.search.search("insomnia")[0].note_id
    assert note_id
    conn = filled.store.conn

    def index_bytes() -> bytes:
        return b"".join(bytes(r[0]) for r in conn.execute("SELECT block FROM search_index_data") if r[0])

    assert b"insomnia" in index_bytes()
    filled.notes.delete_draft(note_id)
    assert b"insomnia" not in index_bytes()
