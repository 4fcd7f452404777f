"""The audit trail: append-only, hash-chained with a keyed MAC (HMAC-SHA256).

Each entry's MAC covers its sequence number, time, kind, entity, detail and the previous entry's MAC,
so editing, deleting, inserting or reordering entries breaks the chain at that point. Truncation (cutting
entries off the end) leaves a shorter chain that is valid by itself; it is caught by the head record,
which is written in the same transaction as every append and carries its own MAC over the last sequence
number and MAC. Cutting the tail undetectably would need the MAC key, and the MAC key is derived from the
vault's data key: whoever holds it can rewrite anything, so the trail proves that no one *without* the
key (a disk editor, a stray tool, a bug writing the wrong rows) changed it. Backups record the head too,
so an older backup is a second witness. Details hold field names and counts, never record content.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

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


def _genesis(key: bytes) -> bytes:
    return hmac.new(key, b"genesis", hashlib.sha256).digest()


def _entry_mac(key: bytes, prev: bytes, seq: int, at: str, kind: str, entity: str, entity_id: int | None,
               detail: str) -> bytes:
    body = json.dumps([seq, at, kind, entity, entity_id, detail], ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    return hmac.new(key, prev + body, hashlib.sha256).digest()


def _head_mac(key: bytes, seq: int, mac: bytes) -> bytes:
    return hmac.new(key, b"head" + seq.to_bytes(8, "big") + mac, hashlib.sha256).digest()


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
        prev = _genesis(self.key)
        expected = 1
        count = 0
        for seq, at, kind, entity, entity_id, detail, prev_mac, mac in self.conn.execute(
                "SELECT seq, at, kind, entity, entity_id, detail, prev_mac, mac FROM audit_log ORDER BY seq"):
            if seq != expected:
                return Verification(False, count, expected, "missing")
            if bytes(prev_mac) != prev:
                return Verification(False, count, seq, "chain")
            calc = _entry_mac(self.key, prev, seq, at, kind, entity, entity_id, detail)
            if not hmac.compare_digest(calc, bytes(mac)):
                return Verification(False, count, seq, "altered")
            prev = calc
            expected += 1
            count += 1
        head = self.conn.execute("SELECT seq, mac, head_mac FROM audit_head WHERE id = 1").fetchone()
        if head is None:
            return Verification(False, count, 1 if count == 0 else count, "head")
        h_seq, h_mac, h_head_mac = int(head[0]), bytes(head[1]), bytes(head[2])
        if not hmac.compare_digest(_head_mac(self.key, h_seq, h_mac), h_head_mac):
            return Verification(False, count, h_seq, "head")
        if h_seq != count or (count and h_mac != prev):
            return Verification(False, count, min(count, h_seq) + 1, "truncated" if h_seq > count else "head")
        return Verification(True, count)
