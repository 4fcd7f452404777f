"""One search box over client names and codes, notes, addenda and, when ticked, private process notes.

A search costs what the hits shown cost, whatever the number of matches: the index gives the hits in order
(see search.py) and the count of all matches, then one read per kind of record fetches every hit shown with
its client (no per-hit queries, no note read twice)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ..i18n import N_
from . import search
from .clients import Client, ClientService, pinyin_keys
from .notes import NoteService
from .store import Store
from .templates import template

WHERE_LABELS = {"client": N_("Client file"), "note": N_("Session note"), "addendum": N_("Addendum"),
                "private": N_("Private process notes")}


@dataclass(frozen=True)
class SearchHit:
    kind: str  # client, note, addendum, private
    client_id: int
    client_code: str
    client_name: str
    note_id: int | None
    session_date: date | None
    section: str  # the title of the first section where the words were found, or ""
    snippet: str  # around the words, in each section where they were found
    sections: tuple[str, ...] = ()  # every section of a note where the words were found


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]  # the first `limit`, in the order shown
    total: int  # the matching records (private notes only when they were searched), counted up to COUNT_CAP + 1
    more: bool = False  # more than COUNT_CAP match: `total` is not the exact number (say "more than 1,000")


def client_text(c: Client) -> str:
    """What the index holds for a client: the shown fields and the name's pinyin and initials (zxm)."""
    pinyin, initials = pinyin_keys(c.name)
    return " ".join([c.code, c.name, pinyin, initials, c.school, c.department, c.class_name, c.notes])


def client_shown_text(c: Client, query: str = "") -> str:
    """The client's field holding a query word (else all of them) as a snippet shows it: never the index's own
    pinyin (issue 13)."""
    fields = [t for t in (c.code, c.name, c.school, c.department, c.class_name, c.notes) if t]
    words = [w.lower() for w in query.split()]
    holding = [t for t in fields if any(w in t.lower() for w in words)]
    return holding[0] if holding else " ".join(fields)


def _joined(pieces: list[str]) -> str:
    """Snippets of several sections as one line: "…a… … …b…" reads "…a … b…"."""
    inner = " … ".join(p.strip("…").strip() for p in pieces)
    return ("…" if pieces[0].startswith("…") else "") + inner + ("…" if pieces[-1].endswith("…") else "")


class SearchService:
    def __init__(self, store: Store, clients: ClientService, notes: NoteService) -> None:
        self.store = store
        self.clients = clients
        self.notes = notes

    def ensure_index(self) -> None:
        """Build the index once (after the migration that added it, or when its tokenizer changes)."""
        conn = self.store.conn
        row = conn.execute("SELECT value FROM meta WHERE key = 'search_index_version'").fetchone()
        if row and row[0] == search.INDEX_VERSION:
            return
        with self.store.write():
            conn.execute("DELETE FROM search_index")
            for c in self.clients.list(include_archived=True):
                assert c.id is not None
                search.index(conn, "client", c.id, c.id, client_text(c))
            for (note_id,) in conn.execute("SELECT id FROM notes").fetchall():
                note = self.notes.get(int(note_id))
                search.index(conn, "note", int(note_id), note.client_id, note.text)
                search.index(conn, "private", int(note_id), note.client_id, self.notes.private_text(int(note_id)),
                             private=True)
                for a in self.notes.addenda(int(note_id)):
                    search.index(conn, "addendum", a.id, note.client_id, a.text)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('search_index_version', ?)",
                         (search.INDEX_VERSION,))

    def search(self, query: str, include_private: bool = False, limit: int = 100) -> list[SearchHit]:
        return self.find(query, include_private, limit).hits

    def find(self, query: str, include_private: bool = False, limit: int = 100) -> SearchResults:
        """The first `limit` hits and the number of all matches ("showing 100 of 341"), or that more than
        COUNT_CAP match ("showing 100 of more than 1,000"): an exact count would cost what the matches cost."""
        raw, total = search.find_page(self.store.conn, query, include_private, limit, search.COUNT_CAP)
        by_kind: dict[str, list[int]] = {}
        for r in raw:
            by_kind.setdefault(r.kind, []).append(r.ref_id)
        found: dict[tuple[str, int], SearchHit] = {}
        for kind, ids in by_kind.items():
            for ref_id, hit in self._read(kind, ids, query):
                found[kind, ref_id] = hit
        more = total > search.COUNT_CAP
        return SearchResults([found[r.kind, r.ref_id] for r in raw if (r.kind, r.ref_id) in found],
                             min(total, search.COUNT_CAP), more)

    def _read(self, kind: str, ids: Sequence[int], query: str) -> list[tuple[int, SearchHit]]:
        """Every hit of one kind in one query, with its note and client. A record deleted meanwhile is left out."""
        conn = self.store.conn
        marks = ", ".join("?" * len(ids))
        out: list[tuple[int, SearchHit]] = []
        if kind == "client":
            for client in self._clients(ids):  # one read each: client hits are few (names, codes)
                assert client.id is not None
                out.append((client.id, SearchHit("client", client.id, client.code, client.name, None, None, "",
                                                 search.snippet(client_shown_text(client, query), query))))
            return out
        joins = "JOIN notes n ON n.id = {note} JOIN clients c ON c.id = n.client_id"
        if kind == "note":
            sql = (f"SELECT n.id, n.id, n.template, n.content, n.client_id, c.code, c.name, n.session_date "
                   f"FROM notes n JOIN clients c ON c.id = n.client_id WHERE n.id IN ({marks})")
        elif kind == "private":
            sql = (f"SELECT p.note_id, p.note_id, '', p.text, n.client_id, c.code, c.name, n.session_date "
                   f"FROM note_private p {joins.format(note='p.note_id')} WHERE p.note_id IN ({marks})")
        else:
            sql = (f"SELECT a.id, a.note_id, '', a.text, n.client_id, c.code, c.name, n.session_date "
                   f"FROM addenda a {joins.format(note='a.note_id')} WHERE a.id IN ({marks})")
        for ref_id, note_id, template_id, text, client_id, code, name, day in conn.execute(sql, tuple(ids)):
            sections: list[tuple[str, str]] = []
            if kind == "note":
                sections = self._sections_with(str(template_id), json.loads(text), query)
            # a note with the words in two sections shows both (issue 13), each snippet shorter
            snippet = (_joined([search.snippet(t, query, width=24) for _title, t in sections]) if len(sections) > 1
                       else search.snippet(sections[0][1] if sections else str(text), query))
            hit = SearchHit(kind, int(client_id), str(code), str(name), int(note_id), date.fromisoformat(str(day)),
                            sections[0][0] if sections else "", snippet, tuple(title for title, _t in sections))
            out.append((int(ref_id), hit))
        return out

    def _clients(self, ids: Sequence[int]) -> list[Client]:
        out = []
        for client_id in ids:
            try:
                out.append(self.clients.get(client_id))
            except KeyError:
                continue
        return out

    @staticmethod
    def _sections_with(template_id: str, content: dict[str, str], query: str) -> list[tuple[str, str]]:
        """(title, text) of every section holding a query word, in the form's order; the first section with text
        when no word is found as typed (a match by the index's tokens alone)."""
        words = [w.lower() for w in query.split()]
        tpl = template(template_id)
        titles = {s.key: s.title() for s in tpl.sections}
        found = [(titles.get(key, key), text) for key, text in content.items()
                 if any(w in text.lower() for w in words)]
        if found:
            return found
        first = next(((k, v) for k, v in content.items() if v), ("", ""))
        return [(titles.get(first[0], first[0]), first[1])]
