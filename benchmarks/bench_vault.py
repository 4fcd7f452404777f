"""The vault's own figures (issue 2): key derivation, key to first query, listing every client, size."""

from __future__ import annotations

import os
import time
from pathlib import Path

from counselroom.vault import kdf, keyslots
from counselroom.vault.connection import open_database
from counselroom.vault.lockfile import ProcessLock
from counselroom.vault.vault import LOCK_NAME, passphrase_bytes

from .registry import Context, Row, Timings, benchmark, ms, timed


def _passphrase_slot(ctx: Context) -> tuple[keyslots.SlotFile, keyslots.Slot]:
    slot_file = keyslots.read_slot_files(ctx.vault.slot_paths)[0]
    return slot_file, slot_file.slots[keyslots.PASSPHRASE]


def evict_from_os_cache(path: Path) -> bool:
    """Ask the kernel to drop this one file's cached pages, so the next read comes from the disk, as on the
    morning's first unlock. Only this file: the machine's other work keeps its cache."""
    if not hasattr(os, "posix_fadvise"):
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    return True


@benchmark("key derivation", needs_session=False)
def key_derivation(ctx: Context) -> list[Row]:
    """Argon2id alone, with the vault's own parameters and salt, as every unlock pays it; then the whole
    unlock, and the whole unlock with the derivation memoized (what the unlock costs besides Argon2id)."""
    _slot_file, slot = _passphrase_slot(ctx)
    secret = passphrase_bytes(ctx.passphrase)
    t = timed(lambda: kdf.derive(secret, slot.salt, slot.params), ctx.repeat)
    p = slot.params

    def unlock_once() -> None:
        ctx.vault.unlock(ctx.passphrase).close()

    unlock = timed(unlock_once, ctx.repeat)
    real_derive = keyslots.kdf.derive
    memo: dict[tuple[bytes, bytes, kdf.KdfParams], bytes] = {}

    def memoized(secret: bytes, salt: bytes, params: kdf.KdfParams) -> bytes:
        if (secret, salt, params) not in memo:
            memo[secret, salt, params] = real_derive(secret, salt, params)
        return memo[secret, salt, params]

    keyslots.kdf.derive = memoized  # type: ignore[assignment]
    try:
        unlock_once()  # fills the memo
        rest = timed(unlock_once, ctx.repeat)
    finally:
        keyslots.kdf.derive = real_derive  # type: ignore[assignment]
    return [
        Row("Argon2id parameters", f"t={p.time_cost} m={p.memory_kib // 1024} MiB p={p.parallelism}",
            note=f"calibrated at creation; floor t={kdf.FLOOR.time_cost} m={kdf.FLOOR.memory_kib // 1024} MiB "
                 f"p={kdf.FLOOR.parallelism}"),
        Row("derive the key (median)", ms(t.median), note=t.spread()),
        Row("whole unlock (median)", ms(unlock.median),
            note=f"KDF + unwrap + open + schema check + audit entry, and the lock entry; {unlock.spread()}"),
        Row("  unlock besides the KDF (median)", ms(rest.median), note=f"derivation memoized; {rest.spread()}"),
    ]


@benchmark("key to first query", needs_session=False)
def key_to_first_query(ctx: Context) -> list[Row]:
    """From the data key in hand to the first answer, a new connection each time (cold for SQLCipher's
    cache): once with the file in the operating system's cache, once evicted from it first."""
    slot_file, slot = _passphrase_slot(ctx)
    key = keyslots.unwrap(slot, passphrase_bytes(ctx.passphrase), slot_file.vault_id)
    lock = ProcessLock(ctx.vault.path / LOCK_NAME)
    lock.acquire()
    results: dict[bool, tuple[Timings, Timings, Timings]] = {}
    evictable = True
    try:
        for evict in (False, True):
            opened, first, total = Timings(), Timings(), Timings()
            for _ in range(ctx.repeat):
                if evict:
                    evictable = evict_from_os_cache(ctx.db_path)
                t0 = time.perf_counter()
                conn = open_database(ctx.db_path, key)
                t1 = time.perf_counter()
                conn.execute("SELECT count(*) FROM clients").fetchone()
                t2 = time.perf_counter()
                conn.close()
                opened.runs.append(t1 - t0)
                first.runs.append(t2 - t1)
                total.runs.append(t2 - t0)
            results[evict] = (opened, first, total)
    finally:
        lock.release()
    rows = []
    for evict, label in ((False, "file in the OS cache"), (True, "file evicted from the OS cache")):
        if evict and not evictable:
            continue
        opened, first, total = results[evict]
        rows += [Row(f"key to first query, {label} (median)", ms(total.median), note=total.spread()),
                 Row("  open, key check, pragmas", ms(opened.median)),
                 Row("  first SELECT count(*) FROM clients", ms(first.median))]
    return rows


@benchmark("list all clients")
def list_clients(ctx: Context) -> list[Row]:
    services = ctx.open_services()
    start = time.perf_counter()
    clients = services.clients.list()
    first = time.perf_counter() - start
    n = max(1, len(clients))
    t = timed(services.clients.list, ctx.repeat)
    cold = Timings()
    for _ in range(ctx.repeat):
        if not evict_from_os_cache(ctx.db_path):
            break
        services.store.conn.execute("PRAGMA shrink_memory")  # SQLCipher's page cache too: read from disk
        start = time.perf_counter()
        services.clients.list()
        cold.runs.append(time.perf_counter() - start)
    search = timed(lambda: services.clients.list(query="zhang"), ctx.repeat)
    return [
        Row("clients listed", len(clients), note="not archived, every status"),
        Row("first list on the new session", ms(first), note=f"{first / n * 1e6:.1f} µs per client"),
        Row("list all clients (median)", ms(t.median), note=f"{t.median / n * 1e6:.1f} µs per client; {t.spread()}"),
        Row("list all clients (max)", ms(t.high)),
        *([Row("list all clients, from disk (median)", ms(cold.median),
               note=f"page cache emptied and file evicted before each; {cold.spread()}")] if cold.runs else []),
        Row("search clients 'zhang' (median)", ms(search.median), note=search.spread()),
    ]


@benchmark("vault size and records")
def vault_size(ctx: Context) -> list[Row]:
    conn = ctx.open_services().store.conn
    size = ctx.db_path.stat().st_size
    page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    virtual = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'")]
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")
        if not any(r[0].startswith(v + "_") for v in virtual)]  # full-text index shadow tables
    counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    clients = counts.get("clients", 0)
    rows = [Row("vault file", f"{size / 2 ** 20:.1f} MiB", note=f"{size // page_size} pages of {page_size} bytes"
                + (f"; {size / clients / 1024:.1f} KiB per client" if clients else ""))]
    rows += [Row(f"  rows in {t}", c) for t, c in counts.items() if c]
    return rows
