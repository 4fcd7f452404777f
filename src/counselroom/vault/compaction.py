"""Compaction: rebuild the vault file so that each table's pages lie together again (SQLite's VACUUM).

Years of small inserts scatter every table's pages through the file; a morning's first reads (the file not
in the operating system's cache) then cost 1.7x what they cost on a compacted copy, and a scan of the
appointments 2.7x (measured on the decade demo vault: benchmarks, "compaction"). A deletion leaves free
pages (zeroed: secure_delete is on) that only a rebuild gives back.

The counselor never asks for it. It runs
- after a verified backup when the last compaction is `vault.compact_days` (default 30) days old or more, or
  a tenth of the file is free pages: right after a verified copy of the vault exists, the safest moment to
  rewrite the whole file (`backup.record_success`);
- after records past retention were destroyed, when they freed a tenth of the file (`retention.destroy`).

VACUUM rewrites the file through the rollback journal (a crash leaves the vault as it was) and keeps the
key, the schema version and every row; it needs about the vault's size in memory, as temporary data never
goes to disk here (`temp_store=MEMORY`: sorts would spill there in plaintext). It is recorded in the audit
trail (`vault.compacted`: sizes, never content) and the time in `meta`.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .audit import now_utc
from .connection import DatabaseError, transaction
from .vault import VaultSession

log = logging.getLogger("counselroom.vault")

SETTING_COMPACT_DAYS = "vault.compact_days"
DEFAULT_COMPACT_DAYS = 30
FREE_SHARE = 0.10
META_KEY = "compacted_at"


@dataclass(frozen=True)
class Compaction:
    pages_before: int
    pages_after: int
    free_before: int
    seconds: float


def _pages(session: VaultSession) -> tuple[int, int]:
    conn = session.conn
    return (int(conn.execute("PRAGMA page_count").fetchone()[0]),
            int(conn.execute("PRAGMA freelist_count").fetchone()[0]))


def compact_days(session: VaultSession) -> int:
    try:
        row = session.conn.execute("SELECT value FROM settings WHERE key = ?", (SETTING_COMPACT_DAYS,)).fetchone()
        return max(0, min(3650, int(json.loads(row[0])))) if row else DEFAULT_COMPACT_DAYS
    except (DatabaseError, ValueError, TypeError):
        return DEFAULT_COMPACT_DAYS


def last_compacted(session: VaultSession) -> datetime | None:
    row = session.conn.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
    try:
        return datetime.fromisoformat(str(row[0])) if row else None
    except ValueError:
        return None


def free_share(session: VaultSession) -> float:
    pages, free = _pages(session)
    return free / pages if pages else 0.0


def compaction_due(session: VaultSession, now: datetime | None = None) -> bool:
    """A tenth of the file is free, or the last compaction is `vault.compact_days` old (never: due; 0 days:
    only for free pages)."""
    if free_share(session) >= FREE_SHARE:
        return True
    days = compact_days(session)
    if days == 0:
        return False
    last = last_compacted(session)
    return last is None or (now or datetime.now(UTC)) - last >= timedelta(days=days)


def compact(session: VaultSession, reason: str) -> Compaction | None:
    """VACUUM the vault and record it; None (and the vault as it was) when SQLite could not do it now, e.g.
    while a statement of the window is still being read. Call on the session's thread, outside a transaction."""
    conn = session.conn
    if conn.in_transaction:
        return None
    pages, free = _pages(session)
    start = time.perf_counter()
    try:
        conn.execute("VACUUM")
    except DatabaseError as e:  # the vault is unchanged: the next occasion will try again
        log.info("compaction skipped: %s", type(e).__name__)
        return None
    seconds = time.perf_counter() - start
    after, _free = _pages(session)
    with transaction(conn):
        session.audit.append("vault.compacted", detail={"reason": reason, "pages_before": pages,
                                                         "pages_after": after, "free_before": free})
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (META_KEY, now_utc()))
    return Compaction(pages, after, free, seconds)


def due_after_backup(session: VaultSession) -> bool:
    """Will recording a verified backup now compact the vault (`backup.record_success`)? The window says so
    before the pause it causes. False when the vault cannot tell: the recording reports any problem."""
    try:
        return compaction_due(session)
    except DatabaseError:
        return False


def compact_if_due(session: VaultSession, reason: str, now: datetime | None = None) -> Compaction | None:
    try:
        due = compaction_due(session, now)
    except DatabaseError:
        return None
    return compact(session, reason) if due else None
