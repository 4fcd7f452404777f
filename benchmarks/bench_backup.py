"""Backup and verify-backup (issue 14) against their floors, measured interleaved in one run.

Floors: `cp vault.db` + `sync` of the copy (what any backup must do: read the vault, write and flush the
file), and reading the backup file once from the device (what any check of it must do; the verification
drops the file's cached pages first, so the floor is read the same way). The unlock (Argon2id) is timed on
its own, and memoized inside the verification, since both the command and the floor would pay it alike.
The fast backup is the usual one; the full check (integrity_check and the whole audit walk) runs at least
weekly. Compaction is left out here (see "compaction"); the backups go to a folder under .bench/ and are
deleted afterwards.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from counselroom.vault import backup, compaction, kdf, keyslots

from .bench_vault import evict_from_os_cache
from .registry import Context, Ratio, Row, Timings, benchmark, ms


@contextmanager
def _patched(obj: Any, name: str, value: Any) -> Iterator[None]:
    original = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, original)


@contextmanager
def memoized_kdf() -> Iterator[None]:
    real = keyslots.kdf.derive
    memo: dict[tuple[bytes, bytes, kdf.KdfParams], bytes] = {}

    def derive(secret: bytes, salt: bytes, params: kdf.KdfParams) -> bytes:
        if (secret, salt, params) not in memo:
            memo[secret, salt, params] = real(secret, salt, params)
        return memo[secret, salt, params]

    with _patched(keyslots.kdf, "derive", derive):
        yield


def _read_once(path: Path) -> None:
    with open(path, "rb") as f:
        while f.read(1 << 20):
            pass


def _cp_sync(source: Path, target: Path) -> None:
    subprocess.run(["cp", str(source), str(target)], check=True)
    subprocess.run(["sync", str(target)], check=True)


@benchmark("backup and verify", needs_session=False)
def backup_and_verify(ctx: Context) -> list[Row]:
    medium = ctx.vault.path.parent / "bench-medium"
    shutil.rmtree(medium, ignore_errors=True)
    medium.mkdir()
    t0 = time.perf_counter()
    session = ctx.vault.unlock(ctx.passphrase)
    unlock = time.perf_counter() - t0
    cp, fast, prepare, medium_side, record, cold, warm, verify = (Timings() for _ in range(8))
    full, verify_full, cp_back = Timings(), Timings(), Timings()
    checked: list[int] = []
    pages = 0
    size = ctx.db_path.stat().st_size
    try:
        with _patched(compaction, "compact_if_due", lambda *_a, **_k: None), memoized_kdf():
            for i in range(ctx.repeat):
                start = time.perf_counter()
                _cp_sync(ctx.db_path, medium / "floor.db")
                cp.runs.append(time.perf_counter() - start)
                evict_from_os_cache(medium / "floor.db")
                _read_once(medium / "floor.db")  # what the backup's read-back does right after its write
                cp_back.runs.append(time.perf_counter() - start)
                (medium / "floor.db").unlink()
                with _patched(backup, "full_check_due", lambda *_a: False):
                    t1 = time.perf_counter()
                    snapshot = backup.prepare(session, medium, same_disk_ok=True)
                    t2 = time.perf_counter()
                    try:
                        result = snapshot.write_and_verify()
                    finally:
                        snapshot.discard()
                    t3 = time.perf_counter()
                    backup.record_success(session, result)
                    t4 = time.perf_counter()
                prepare.runs.append(t2 - t1)
                if result.pages is not None:
                    checked.append(result.pages.pages_checked)
                    pages = result.pages.pages
                medium_side.runs.append(t3 - t2)
                record.runs.append(t4 - t3)
                fast.runs.append(t4 - t1)
                if i == 0:  # fills the memo: Argon2id once, outside the timings
                    backup.verify_backup(result.path, ctx.passphrase)
                evict_from_os_cache(result.path)
                start = time.perf_counter()
                _read_once(result.path)
                cold.runs.append(time.perf_counter() - start)
                start = time.perf_counter()
                _read_once(result.path)
                warm.runs.append(time.perf_counter() - start)
                start = time.perf_counter()
                backup.verify_backup(result.path, ctx.passphrase)
                verify.runs.append(time.perf_counter() - start)
                if i < 2:
                    with _patched(backup, "full_check_due", lambda *_a: True):
                        start = time.perf_counter()
                        done = backup.make_backup(session, medium, same_disk_ok=True)
                        full.runs.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    backup.verify_backup(done.path, ctx.passphrase, full=True)
                    verify_full.runs.append(time.perf_counter() - start)
                for p in medium.iterdir():
                    p.unlink()
    finally:
        session.close()
        shutil.rmtree(medium, ignore_errors=True)
    ctx.ratios += [
        Ratio(f"backup ({ctx.size})", fast.median, "cp vault.db + sync", cp.median, "≤ 3x (plus the unlock)",
              f"spread {ms(fast.low)}–{ms(fast.high)} / {ms(cp.low)}–{ms(cp.high)}"),
        Ratio(f"backup ({ctx.size})", fast.median, "cp + sync + reading it back", cp_back.median, "",
              f"spread {ms(cp_back.low)}–{ms(cp_back.high)}; the read right after the write, as the backup's"),
        Ratio(f"backup with the weekly full check ({ctx.size})", full.median, "cp vault.db + sync", cp.median),
        Ratio(f"verify-backup ({ctx.size})", verify.median, "reading the file once (from disk)", cold.median,
              "≤ 3x (plus the unlock)", f"spread {ms(verify.low)}–{ms(verify.high)} / {ms(cold.low)}–{ms(cold.high)}"),
        Ratio(f"verify-backup, full ({ctx.size})", verify_full.median, "reading the file once (from disk)",
              cold.median),
    ]
    return [
        Row("vault file", f"{size / 2 ** 20:.1f} MiB"),
        Row("unlock (Argon2id and open; not counted below)", ms(unlock)),
        Row("floor: cp vault.db + sync (median)", ms(cp.median), note=cp.spread()),
        Row("floor: the same, then the copy read back from the device (median)", ms(cp_back.median),
            note=f"its cached pages dropped, as the backup's read-back; {cp_back.spread()}"),
        Row("backup (median)", ms(fast.median), note=f"{fast.median / cp.median:.1f}x the floor; {fast.spread()}"),
        Row("  pages authenticated (median)", f"{sorted(checked)[len(checked) // 2] if checked else 0} of {pages}",
            note="the spans changed since the last verified backup (vault/pagecheck.py)"),
        Row("  of which: snapshot (copy, counts, audit from checkpoint: the session waits for it)", ms(prepare.median),
            note=prepare.spread()),
        Row("  of which: medium (write and SHA-256, fsync, read back; changed pages checked meanwhile)",
            ms(medium_side.median), note=medium_side.spread()),
        Row("  of which: record (row, audit entries, checkpoint)", ms(record.median), note=record.spread()),
        Row("backup with the full check (median)", ms(full.median),
            note=f"integrity_check and the whole audit walk too; {full.spread()}"),
        Row("floor: reading the backup once, from disk (median)", ms(cold.median), note=cold.spread()),
        Row("  the same from the OS cache (median)", ms(warm.median), note=warm.spread()),
        Row("verify-backup (median)", ms(verify.median),
            note=f"{verify.median / cold.median:.1f}x the floor; Argon2id memoized; {verify.spread()}"),
        Row("verify-backup, full (median)", ms(verify_full.median),
            note=f"database written out and checked as a restore does; {verify_full.spread()}"),
    ]
