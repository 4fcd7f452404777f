"""Full-text search over clients, notes, addenda and (only when asked) private process notes.

SQLite's tokenizers split Chinese into single characters or need three-character trigrams, so neither
finds a two-character word such as 焦虑 well. The text is tokenized here instead: Latin words as words,
Chinese runs as overlapping pairs of characters plus the run's last character alone, so 很焦虑 is
indexed as 很焦 焦虑 虑. A query is tokenized the same way and matched as a phrase; a single Chinese
character matches as a prefix. The index is an FTS5 table inside the encrypted vault; every change to a
record replaces its entry in the same transaction, and deleting a record deletes its entry (with
secure_delete on, the words do not linger in free pages).

**Order and cost** (issue 14). Results come newest first — client files first, then notes, addenda and
private notes in the order they were written — rather than ranked by relevance: ranking scored every match
(睡眠日记: 23,789 matches on a decade vault, 114,000 on a large one) to show 100. An entry's rowid encodes
its kind and record (`rowid()`), so finding, filtering out private notes and counting need only the index's
own lists, never the stored text: `find_page()` counts the matches up to COUNT_CAP (beyond it the window
says "more than 1,000"), reads the client files from the index's stretch that holds them, and the newest
others with `ORDER BY rowid DESC LIMIT`, which stops after the hits shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlcipher3

INDEX_VERSION = "1"
KIND_CODES = {"client": 1, "note": 2, "private": 3, "addendum": 4}
KINDS_BY_CODE = {code: kind for kind, code in KIND_CODES.items()}
_CJK = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]"
_CJK_RUN = re.compile(f"({_CJK}+)")
_CJK_ONE = re.compile(_CJK)
_WORD = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    out: list[str] = []
    for chunk in _WORD.findall(text.lower()):
        for run in _CJK_RUN.split(chunk):
            if not run:
                continue
            if _CJK_ONE.match(run):
                out.extend(run[i:i + 2] for i in range(len(run) - 1))
                out.append(run[-1])
            else:
                out.append(run)
    return out


def _query_tokens(word: str) -> list[str]:
    """Like tokens(), but without the trailing single characters, which would break the phrase."""
    out: list[str] = []
    for chunk in _WORD.findall(word.lower()):
        for run in _CJK_RUN.split(chunk):
            if not run:
                continue
            if _CJK_ONE.match(run) and len(run) > 1:
                out.extend(run[i:i + 2] for i in range(len(run) - 1))
            else:
                out.append(run)
    return out


def match_expression(query: str, *, exact_pairs: bool = False,
                     expand: Callable[[str], list[str] | None] | None = None) -> str:
    """Every whitespace-separated word must match; each word is a phrase; its last token a prefix. With
    `exact_pairs`, a last token that is a pair of Chinese characters is matched as itself: the index holds no
    longer Chinese token, so the prefix finds the same entries, but FTS5 reads a prefix's entries all at once
    instead of as it goes (LIMIT then stops early: 2.1 -> 0.6 ms on the large vault). With `expand`, a word of
    one token whose prefix `expand` turns into the index's terms is asked for as those terms with OR (the
    same entries; see prefix_terms)."""
    phrases = []
    for word in query.split():
        toks = _query_tokens(word)
        if not toks:
            continue
        quoted = " ".join(_quote(t) for t in toks)
        last = toks[-1]
        exact = exact_pairs and len(last) == 2 and all(_CJK_ONE.match(c) for c in last)
        terms = expand(last) if expand is not None and len(toks) == 1 and not exact else None
        if terms:
            phrases.append("(" + " OR ".join(_quote(t) for t in terms) + ")")
        else:
            phrases.append(quoted if exact else f"{quoted}*")
    return " AND ".join(phrases)


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


# A word's last letters are a prefix ("slee" finds sleep and sleeping), and FTS5 reads the whole list of every
# term with a prefix before it can give the newest hits: "sleep" cost 3.7 ms on a decade vault and 9.7 ms on
# one five times larger (issue 14), its prefix read three times (count, client files, the rest). So the prefix
# is first turned into the index's own terms, read from its vocabulary in the terms' order, and those are asked
# for with OR, which FTS5 walks newest first and stops. Only for plain ASCII letters and digits (which the
# index's tokenizer keeps as they are: "café" is folded to "cafe" there, so it keeps its prefix) and only up to
# EXPAND_MAX terms (one or two letters typed keep their prefix).
EXPAND_MAX = 32
_PLAIN = re.compile(r"[a-z0-9]+")


def prefix_terms(conn: sqlcipher3.Connection, prefix: str) -> list[str] | None:
    """The index's terms that start with `prefix`, or None when the prefix should stay a prefix (not plain
    ASCII, no such term, or more than EXPAND_MAX)."""
    if not _PLAIN.fullmatch(prefix):
        return None
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocabulary "  # made by a connection's first search
                 "USING fts5vocab(main, search_index, 'row')")  # a view of the index, holding nothing itself
    following = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    terms = [str(r[0]) for r in conn.execute("SELECT term FROM temp.search_vocabulary WHERE term >= ? AND term < ? "
                                             "LIMIT ?", (prefix, following, EXPAND_MAX + 1))]
    return terms if 0 < len(terms) <= EXPAND_MAX else None


def rowid(kind: str, ref_id: int) -> int:
    return ref_id * 8 + KIND_CODES[kind]


def index(conn: sqlcipher3.Connection, kind: str, ref_id: int, client_id: int, text: str,
          private: bool = False) -> None:
    """Replace the entry for one record (call inside the record's own write transaction)."""
    rid = rowid(kind, ref_id)
    conn.execute("DELETE FROM search_index WHERE rowid = ?", (rid,))
    toks = tokens(text)
    if toks:
        conn.execute("INSERT INTO search_index (rowid, tokens, kind, ref_id, client_id, private) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (rid, " ".join(toks), kind, ref_id, client_id, int(private)))


def unindex(conn: sqlcipher3.Connection, kind: str, ref_id: int) -> None:
    conn.execute("DELETE FROM search_index WHERE rowid = ?", (rowid(kind, ref_id),))


@dataclass(frozen=True)
class RawHit:
    kind: str
    ref_id: int


def from_rowid(value: int) -> RawHit:
    return RawHit(KINDS_BY_CODE[value % 8], value // 8)


# Only the private kind holds private text (index() is called with private=True for it alone), so the
# rowid tells it apart without reading the entry's stored columns.
_NOT_PRIVATE = f"rowid % 8 != {KIND_CODES['private']}"


# The count of all matches stops here: beyond it the window says "showing 100 of more than 1,000" (issue 14).
# An exact count walks every match (about 30 ns each, 73,000 for a common word on a 10,000-client vault), so it
# would make a search cost what the matches cost rather than the hits shown; past a thousand the counselor
# narrows the search anyway.
COUNT_CAP = 1000


def _count_sql(include_private: bool) -> str:
    where = "search_index MATCH ?" + ("" if include_private else f" AND {_NOT_PRIVATE}")
    return f"SELECT count(*) FROM (SELECT 1 FROM search_index WHERE {where} LIMIT ?)"


# The newest client files among the matches. A client's rowid is at most 8 x the largest client id + 1, so the
# walk keeps to that stretch of the index (the client files and the earliest notes), not every match.
_CLIENT_FILES_SQL = (
    f"SELECT group_concat(rowid) FROM (SELECT rowid FROM search_index WHERE search_index MATCH ? "
    f"AND rowid <= (SELECT coalesce(max(id), 0) * 8 + {KIND_CODES['client']} FROM clients) "
    f"AND rowid % 8 = {KIND_CODES['client']} ORDER BY rowid DESC LIMIT ?)")


def count_matches(conn: sqlcipher3.Connection, expression: str, include_private: bool = False,
                  cap: int = COUNT_CAP) -> int:
    """How many records match, counted up to `cap` + 1 (more than `cap` when it returns that): the walk over
    the index's lists stops there, so its cost has a bound whatever the number of matches."""
    return int(conn.execute(_count_sql(include_private), (expression, cap + 1)).fetchone()[0])


def find_page(conn: sqlcipher3.Connection, query: str, include_private: bool = False,
              limit: int = 100, cap: int = COUNT_CAP) -> tuple[list[RawHit], int]:
    """The first `limit` hits (client files, newest first, then the other records newest first) and how many
    records match, counted up to `cap` + 1 (a total above `cap` means "more than `cap`"). The count and the
    client files in one statement, the other records in a second."""
    expression = match_expression(query, exact_pairs=True, expand=lambda prefix: prefix_terms(conn, prefix))
    if not expression:
        return [], 0
    total, clients = conn.execute(f"SELECT ({_count_sql(include_private)}), ({_CLIENT_FILES_SQL})",
                                  (expression, cap + 1, expression, limit)).fetchone()
    client_rowids = sorted((int(r) for r in str(clients).split(",")), reverse=True) if clients else []
    hits = [from_rowid(r) for r in client_rowids]
    if len(hits) < limit:
        where = "search_index MATCH ?" + ("" if include_private else f" AND {_NOT_PRIVATE}")
        rows = conn.execute(f"SELECT rowid FROM search_index WHERE {where} AND rowid % 8 != {KIND_CODES['client']} "
                            "ORDER BY rowid DESC LIMIT ?", (expression, limit - len(hits)))
        hits += [from_rowid(int(r[0])) for r in rows]
    return hits, int(total)


def find(conn: sqlcipher3.Connection, query: str, include_private: bool = False, limit: int = 100) -> list[RawHit]:
    return find_page(conn, query, include_private, limit)[0]


def snippet(text: str, query: str, width: int = 36) -> str:
    """A short piece of `text` around the first place a query word occurs (for showing where the hit is)."""
    low = text.lower()
    positions = [low.find(w.lower()) for w in query.split() if w and low.find(w.lower()) >= 0]
    flat = " ".join(text.split())
    if not positions:
        return flat[: width * 2] + ("…" if len(flat) > width * 2 else "")
    at = min(positions)
    start = max(0, at - width)
    end = min(len(text), at + width)
    piece = " ".join(text[start:end].split())
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")
