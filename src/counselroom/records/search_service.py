"""One search box over client names and codes, notes, addenda and, when ticked, private process notes."""

from __future__ import annotations

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
    section: str  # the section's title where the words were found, or ""
    snippet: str


def client_text(c: Client) -> str:
    pinyin, initials = pinyin_keys(c.name)
    return " ".join([c.code, c.name, pinyin, initials, c.school, c.department, c.class_name, c.notes])


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
        hits: list[SearchHit] = []
        for raw in search.find(self.store.conn, query, include_private, limit):
            try:
                client = self.clients.get(raw.client_id)
            except KeyError:
                continue
            if raw.kind == "client":
                hits.append(SearchHit("client", client.id or 0, client.code, client.name, None, None, "",
                                      search.snippet(client_text(client), query)))
                continue
            note_id = raw.ref_id
            if raw.kind == "addendum":
                row = self.store.conn.execute("SELECT note_id, text FROM addenda WHERE id = ?",
                                              (raw.ref_id,)).fetchone()
                if row is None:
                    continue
                note_id, text, section = int(row[0]), str(row[1]), ""
            elif raw.kind == "private":
                text, section = self.notes.private_text(note_id), ""
            else:
                note = self.notes.get(note_id)
                section, text = self._section_with(note.template, note.content, query)
            note = self.notes.get(note_id)
            hits.append(SearchHit(raw.kind, client.id or 0, client.code, client.name, note_id, note.session_date,
                                  section, search.snippet(text, query)))
        return hits

    @staticmethod
    def _section_with(template_id: str, content: dict[str, str], query: str) -> tuple[str, str]:
        words = [w.lower() for w in query.split()]
        tpl = template(template_id)
        titles = {s.key: s.title() for s in tpl.sections}
        for key, text in content.items():
            if any(w in text.lower() for w in words):
                return titles.get(key, key), text
        first = next(((k, v) for k, v in content.items() if v), ("", ""))
        return titles.get(first[0], first[0]), first[1]
