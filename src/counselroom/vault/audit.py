"""The audit trail: append-only, hash-chained with a keyed MAC (HMAC-SHA256).

Each entry's MAC covers its sequence number, time, kind, entity, detail and the previous entry's MAC,
so editing, deleting, inserting or reordering entries breaks the chain at that point. Truncation (cutting
entries off the end) leaves a shorter chain that is valid by itself; it is caught by the head record,
which is written in the same transaction as every append and carries its own MAC over the last sequence
number and MAC. Cutting the tail undetectably would need the MAC key, and the MAC key is derived from the
vault's data key: whoever holds it can rewrite anything, so the trail proves that no one *without* the
key (a disk editor, a stray tool, a bug writing the wrong rows) changed it. Backups record the head too,
so an older backup is a second witness. Details hold field names and counts, never record content.

**Checkpoint.** Walking the whole chain costs a MAC per entry (about 0.5 s per 200,000 entries here). A
verified backup records a checkpoint (`audit_checkpoint`: the sequence number and MAC it verified up to,
when, and when the last full walk was, under its own MAC), so the next backup walks only the entries
after it: `verify_from_checkpoint()`. What that walk proves: the checkpoint is genuine, the entry it names
still carries its MAC, and every entry after it chains on to the head. It does not re-read the entries
before the checkpoint; changing those without the key would also have to get past SQLCipher's page MACs,
and `verify()` — the full walk, which `counselroom check`, the audit page, a restore and the weekly full
check of a backup use — still finds it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

import sqlcipher3


def derive_mac_key(data_key: bytes) -> bytes:
    return hmac.new(data_key, b"counselroom audit-trail mac key v1", hashlib.sha256).digest()


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    kind: str
    entity: str
    entity_id: int | None
    detail: dict[str, object]


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str = ""
    walked: int = 0  # entries whose MAC was computed (all of them for the full walk)


@dataclass(frozen=True)
class Checkpoint:
    """The chain was verified up to `seq` (ending in `mac`) at `verified_at`; the last full walk was at
    `full_at` ("" when none was recorded)."""

    seq: int
    mac: bytes
    verified_at: str
    full_at: str


def _genesis(key: bytes) -> bytes:
    return hmac.new(key, b"genesis", hashlib.sha256).digest()


def _body(seq: int, at: str, kind: str, entity: str, entity_id: int | None, detail: str) -> bytes:
    """The bytes an entry's MAC covers: `json.dumps([seq, at, kind, entity, entity_id, detail],
    ensure_ascii=False, separators=(",", ":"))`, built directly when the values have their usual types
    (half the cost of the walk was json.dumps); anything unusual goes through json.dumps itself."""
    if (type(seq) is int and type(at) is str and type(kind) is str and type(entity) is str
            and type(detail) is str and (entity_id is None or type(entity_id) is int)):
        eid = "null" if entity_id is None else str(entity_id)
        text = (f"[{seq},{encode_basestring(at)},{encode_basestring(kind)},{encode_basestring(entity)},{eid},"
                f"{encode_basestring(detail)}]")
    else:
        text = json.dumps([seq, at, kind, entity, entity_id, detail], ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def _entry_mac(key: bytes, prev: bytes, seq: int, at: str, kind: str, entity: str, entity_id: int | None,
               detail: str) -> bytes:
    return hmac.digest(key, prev + _body(seq, at, kind, entity, entity_id, detail), "sha256")


def _head_mac(key: bytes, seq: int, mac: bytes) -> bytes:
    return hmac.new(key, b"head" + seq.to_bytes(8, "big") + mac, hashlib.sha256).digest()


def _checkpoint_mac(key: bytes, seq: int, mac: bytes, verified_at: str, full_at: str) -> bytes:
    return hmac.new(key, b"checkpoint" + seq.to_bytes(8, "big") + mac + json.dumps([verified_at, full_at]).encode(),
                    hashlib.sha256).digest()


_ENTRY_COLUMNS = "seq, at, kind, entity, entity_id, detail, prev_mac, mac"


class AuditTrail:
    def __init__(self, conn: sqlcipher3.Connection, key: bytes) -> None:
        self.conn = conn
        self.key = key

    def append(self, kind: str, entity: str = "", entity_id: int | None = None,
               detail: dict[str, object] | None = None) -> int:
        """Append one entry. Call inside the transaction of the change it records."""
        row = self.conn.execute("SELECT seq, mac FROM audit_head WHERE id = 1").fetchone()
        seq, prev = (row[0] + 1, bytes(row[1])) if row else (1, _genesis(self.key))
        at = now_utc()
        detail_json = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        mac = _entry_mac(self.key, prev, seq, at, kind, entity, entity_id, detail_json)
        self.conn.execute(
            "INSERT INTO audit_log (seq, at, kind, entity, entity_id, detail, prev_mac, mac) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (seq, at, kind, entity, entity_id, detail_json, prev, mac))
        self.conn.execute("INSERT OR REPLACE INTO audit_head (id, seq, mac, head_mac) VALUES (1, ?, ?, ?)",
                          (seq, mac, _head_mac(self.key, seq, mac)))
        return seq

    def head(self) -> tuple[int, str]:
        row = self.conn.execute("SELECT seq, mac FROM audit_head WHERE id = 1").fetchone()
        return (int(row[0]), bytes(row[1]).hex()) if row else (0, "")

    def entries(self, kinds: list[str] | None = None, since: str | None = None, until: str | None = None,
                limit: int | None = None) -> list[AuditEntry]:
        sql = "SELECT seq, at, kind, entity, entity_id, detail FROM audit_log WHERE 1 = 1"
        args: list[object] = []
        if kinds:
            sql += f" AND kind IN ({', '.join('?' * len(kinds))})"
            args += kinds
        if since:
            sql += " AND at >= ?"
            args.append(since)
        if until:
            sql += " AND at < ?"
            args.append(until)
        sql += " ORDER BY seq DESC"
        if limit:
            sql += " LIMIT ?"
            args.append(limit)
        out = []
        for seq, at, kind, entity, entity_id, detail in self.conn.execute(sql, args):
            try:
                parsed = json.loads(detail)
            except ValueError:
                parsed = {}
            out.append(AuditEntry(seq, at, kind, entity, entity_id, parsed if isinstance(parsed, dict) else {}))
        return out

    def kinds(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT kind FROM audit_log ORDER BY kind")]

    def verify(self) -> Verification:
        """Walk the whole chain from the first entry to the head."""
        rows = self.conn.execute(f"SELECT {_ENTRY_COLUMNS} FROM audit_log ORDER BY seq")
        return self._walk(rows, _genesis(self.key), 1)

    def verify_from_checkpoint(self) -> Verification:
        """Walk only from the checkpoint to the head (see the module's doc); the full walk when there is no
        checkpoint. A checkpoint that is not genuine, or whose entry changed, fails the verification."""
        try:
            row = self.conn.execute("SELECT seq, mac, verified_at, full_at, checkpoint_mac FROM audit_checkpoint "
                                    "WHERE id = 1").fetchone()
        except sqlcipher3.OperationalError:  # a vault of a schema before the checkpoint (a restored old backup)
            row = None
        if row is None:
            return self.verify()
        seq, mac = int(row[0]), bytes(row[1])
        if not hmac.compare_digest(_checkpoint_mac(self.key, seq, mac, str(row[2]), str(row[3])), bytes(row[4])):
            return Verification(False, 0, seq, "checkpoint")
        anchor = self.conn.execute(f"SELECT {_ENTRY_COLUMNS} FROM audit_log WHERE seq = ?", (seq,)).fetchone()
        if anchor is None:
            return Verification(False, seq - 1, seq, "missing")
        _seq, at, kind, entity, entity_id, detail, prev_mac, stored = anchor
        calc = _entry_mac(self.key, bytes(prev_mac), seq, at, kind, entity, entity_id, detail)
        if not (hmac.compare_digest(calc, mac) and hmac.compare_digest(bytes(stored), mac)):
            return Verification(False, seq - 1, seq, "altered", 1)
        rows = self.conn.execute(f"SELECT {_ENTRY_COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq", (seq,))
        result = self._walk(rows, mac, seq + 1, seq)
        return replace(result, walked=result.walked + 1)

    def _walk(self, rows: Iterable[Any], prev: bytes, expected: int, count: int = 0) -> Verification:
        """Check entries `expected`, `expected + 1`, … chain on from `prev`, then the head. `count` entries
        before `expected` are taken as verified."""
        key, walked = self.key, 0
        digest = hmac.digest
        for seq, at, kind, entity, entity_id, detail, prev_mac, mac in rows:
            if seq != expected:
                return Verification(False, count, expected, "missing", walked)
            if bytes(prev_mac) != prev:
                return Verification(False, count, seq, "chain", walked)
            calc = digest(key, prev + _body(seq, at, kind, entity, entity_id, detail), "sha256")
            if not hmac.compare_digest(calc, bytes(mac)):
                return Verification(False, count, seq, "altered", walked)
            prev = calc
            expected += 1
            count += 1
            walked += 1
        head = self.conn.execute("SELECT seq, mac, head_mac FROM audit_head WHERE id = 1").fetchone()
        if head is None:
            return Verification(False, count, 1 if count == 0 else count, "head", walked)
        h_seq, h_mac, h_head_mac = int(head[0]), bytes(head[1]), bytes(head[2])
        if not hmac.compare_digest(_head_mac(self.key, h_seq, h_mac), h_head_mac):
            return Verification(False, count, h_seq, "head", walked)
        if h_seq != count or (count and h_mac != prev):
            return Verification(False, count, min(count, h_seq) + 1, "truncated" if h_seq > count else "head", walked)
        return Verification(True, count, walked=walked)

    # -- the checkpoint -----------------------------------------------------------------------------------------

    def checkpoint(self) -> Checkpoint | None:
        """The recorded checkpoint, or None (none yet, or one that is not genuine)."""
        try:
            row = self.conn.execute("SELECT seq, mac, verified_at, full_at, checkpoint_mac FROM audit_checkpoint "
                                    "WHERE id = 1").fetchone()
        except sqlcipher3.OperationalError:
            return None
        if row is None:
            return None
        found = Checkpoint(int(row[0]), bytes(row[1]), str(row[2]), str(row[3]))
        expected = _checkpoint_mac(self.key, found.seq, found.mac, found.verified_at, found.full_at)
        return found if hmac.compare_digest(expected, bytes(row[4])) else None

    def save_checkpoint(self, seq: int, mac: bytes, *, full: bool, at: str | None = None) -> None:
        """Record that the chain was verified up to `seq` ending in `mac` (by a full walk when `full`). Call
        inside a write transaction, only after a verification that reached that entry. Never moves back."""
        previous = self.checkpoint()
        if previous is not None and previous.seq > seq:
            return
        at = at or now_utc()
        full_at = at if full else (previous.full_at if previous is not None else "")
        self.conn.execute(
            "INSERT OR REPLACE INTO audit_checkpoint (id, seq, mac, verified_at, full_at, checkpoint_mac) "
            "VALUES (1, ?, ?, ?, ?, ?)", (seq, mac, at, full_at, _checkpoint_mac(self.key, seq, mac, at, full_at)))
