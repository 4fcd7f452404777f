"""Compaction (issue 14): cold reads of the vault as years of inserts left it, of a compacted copy, and of a
plaintext copy (the floor), interleaved; and what the compaction itself costs.

The copies live under .bench/ and are deleted afterwards (the plaintext one holds the demo's made-up
records only). "Cold" means the file evicted from the operating system's cache and a new connection (so
SQLCipher's cache is empty too) before each read, as at the morning's first unlock.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import sqlcipher3

from counselroom.vault import keyslots
from counselroom.vault.connection import open_database
from counselroom.vault.lockfile import ProcessLock
from counselroom.vault.vault import LOCK_NAME, passphrase_bytes

from .bench_vault import evict_from_os_cache
from .registry import Context, Ratio, Row, Timings, benchmark, ms

READS: dict[str, Callable[[sqlcipher3.Connection], object]] = {
    "list every client": lambda c: c.execute("SELECT * FROM clients ORDER BY code COLLATE NOCASE").fetchall(),
    "every appointment": lambda c: c.execute("SELECT * FROM appointments").fetchall(),
    "three clients' files": lambda c: [c.execute(f"SELECT * FROM {t} WHERE client_id = ?", (i,)).fetchall()
                                       for i in (7, 700, 1400) for t in ("notes", "appointments", "consents")],
}


def _cold(path: Path, key: bytes | None, read: Callable[[sqlcipher3.Connection], object]) -> float:
    evict_from_os_cache(path)
    conn = open_database(path, key) if key is not None else sqlcipher3.connect(str(path))
    try:
        start = time.perf_counter()
        read(conn)
        return time.perf_counter() - start
    finally:
        conn.close()


@benchmark("compaction", needs_session=False)
def compaction(ctx: Context) -> list[Row]:
    slot_file = keyslots.read_slot_files(ctx.vault.slot_paths)[0]
    key = keyslots.unwrap(slot_file.slots[keyslots.PASSPHRASE], passphrase_bytes(ctx.passphrase),
                          slot_file.vault_id)
    work = ctx.vault.path.parent / "bench-compaction"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    lock = ProcessLock(ctx.vault.path / LOCK_NAME)
    lock.acquire()
    try:
        scattered, compacted, plain = work / "scattered.db", work / "compacted.db", work / "plain.db"
        shutil.copyfile(ctx.db_path, scattered)
        shutil.copyfile(ctx.db_path, compacted)
        conn = open_database(compacted, key)
        try:
            free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
            start = time.perf_counter()
            conn.execute("VACUUM")
            vacuum = time.perf_counter() - start
            conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain),))
            conn.execute("SELECT sqlcipher_export('plain')").fetchall()
            conn.execute("DETACH DATABASE plain")
        finally:
            conn.close()
        results: dict[str, dict[str, Timings]] = {name: {} for name in READS}
        for _ in range(ctx.repeat):  # interleaved: the three files see the same machine
            for name, read in READS.items():
                for label, path, k in (("plaintext", plain, None), ("as it is", scattered, key),
                                       ("compacted", compacted, key)):
                    results[name].setdefault(label, Timings()).runs.append(_cold(path, k, read))
        sizes = {p.name: p.stat().st_size / 2 ** 20 for p in (scattered, compacted, plain)}
    finally:
        lock.release()
        shutil.rmtree(work, ignore_errors=True)
    rows = [Row("vault file", f"{sizes['scattered.db']:.1f} MiB", note=f"{free} free pages"),
            Row("compaction (VACUUM of a copy)", ms(vacuum),
                note=f"{sizes['compacted.db']:.1f} MiB after; plaintext copy {sizes['plain.db']:.1f} MiB")]
    for name, by in results.items():
        floor = by["plaintext"].median
        rows.append(Row(f"cold read: {name}, plaintext copy (median)", ms(floor), note=by["plaintext"].spread()))
        for label in ("as it is", "compacted"):
            t = by[label]
            rows.append(Row(f"  encrypted, {label} (median)", ms(t.median),
                            note=f"{t.median / floor:.1f}x plaintext; {t.spread()}"))
    main, scan = results["list every client"], results["every appointment"]
    ctx.ratios += [
        Ratio(f"cold read, vault as it is ({ctx.size})", main["as it is"].median, "plaintext copy",
              main["plaintext"].median, "", "list every client, file not cached"),
        Ratio(f"cold read, compacted vault ({ctx.size})", main["compacted"].median, "plaintext copy",
              main["plaintext"].median, "≤ 1.2x", "list every client, file not cached"),
        Ratio(f"cold scan of the appointments, compacted ({ctx.size})", scan["compacted"].median, "plaintext copy",
              scan["plaintext"].median, "≤ 1.2x",
              f"as it is: {scan['as it is'].median / scan['plaintext'].median:.1f}x"),
    ]
    return rows
