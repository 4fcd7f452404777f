"""`python -m benchmarks [--size decade] [--repeat 5] [--rebuild] [--only TEXT]`

Builds (or reuses, under .bench/) a demo vault with Argon2id calibrated on this machine, as a real
counselor's vault would be, then prints every registered benchmark's figures. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import pkgutil
import platform
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path

import sqlcipher3

import counselroom
from counselroom.records import demo
from counselroom.records.services import Services
from counselroom.vault import kdf
from counselroom.vault.migrations import CURRENT_VERSION
from counselroom.vault.vault import Vault

from . import registry
from .registry import Context, Ratio, Row, ms

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench"


def _stamp(size: str, seed: int, kdf_seconds: float) -> dict[str, object]:
    """What the cached vault was built from; a change rebuilds it (the schema version aside: see below)."""
    package = Path(counselroom.__file__).parent
    # The demo generators decide what the vault holds. Hashing every module of records/ and vault/ rebuilt it
    # (minutes for the large size) whenever a service or the backup code changed; a change elsewhere that
    # alters what the demo writes needs --rebuild.
    sources = sorted((package / "records").glob("demo*.py"))
    generator = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()
    return {"size": size, "seed": seed, "kdf_seconds": kdf_seconds, "schema": CURRENT_VERSION,
            "demo_py": generator, "version": counselroom.__version__}


def ensure_vault(size: str, seed: int, kdf_seconds: float, rebuild: bool) -> tuple[Vault, list[Row]]:
    """The cached vault, or a new one. A vault built under an older schema is kept: unlocking migrates it, as
    it migrates a counselor's vault (so figures before and after a schema change compare the same records)."""
    base = CACHE / f"{size}-seed{seed}"
    path, state, stamp_file = base / "vault", base / "state", base / "stamp.json"
    want = _stamp(size, seed, kdf_seconds)
    if not rebuild and path.is_dir() and stamp_file.is_file():
        try:
            have = json.loads(stamp_file.read_text())
            built_under = int(have.get("schema", 0))
            if {**have, "schema": 0} == {**want, "schema": 0} and built_under <= CURRENT_VERSION:
                note = str(path.relative_to(ROOT))
                if built_under < CURRENT_VERSION:
                    note += f" (built under schema {built_under}, migrated at unlock)"
                return Vault(path, state), [Row("demo vault", "reused", note=note)]
        except ValueError:
            pass
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    print(f"building the {size} demo vault in {path.relative_to(ROOT)} (once; cached afterwards) ...",
          file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    params = kdf.calibrate(kdf_seconds)
    t1 = time.perf_counter()
    vault, _recovery = Vault.create(path, demo.DEMO_PASSPHRASE, kdf_params=params, state_dir=state)

    def progress(done: int, total: int) -> None:
        print(f"  {done} of {total} clients", file=sys.stderr, flush=True)

    with vault.unlock(demo.DEMO_PASSPHRASE) as session:
        demo.populate(Services.open(session), size, seed, progress=progress)
    t2 = time.perf_counter()
    stamp_file.write_text(json.dumps(want))
    return vault, [Row("demo vault", "built", note=str(path.relative_to(ROOT))),
                   Row("  calibrate Argon2id", f"{t1 - t0:.1f} s"),
                   Row("  create and fill", f"{t2 - t1:.1f} s")]


def discover() -> None:
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.startswith("bench_"):
            importlib.import_module(f"{__package__}.{info.name}")


def print_rows(title: str, rows: list[Row]) -> None:
    print(f"\n{title}")
    width = max([len(r.name) for r in rows] + [10])
    for r in rows:
        value = f"{r.value} {r.unit}".strip()
        print(f"  {r.name:<{width}}  {value:>14}" + (f"   {r.note}" if r.note else ""))


def print_ratios(ratios: list[Ratio]) -> None:
    """The closing summary: each figure against its floor, both measured in this run (interleaved)."""
    print("\nratios against their floors (issue 14), measured in this run")
    width = max(len(r.work) for r in ratios)
    floor_width = max(len(r.floor_name) for r in ratios)
    for r in ratios:
        print(f"  {r.work:<{width}}  {ms(r.value):>9}   {r.floor_name:<{floor_width}}  {ms(r.floor):>9}   "
              f"{r.ratio:5.1f}x" + (f"   goal {r.goal}" if r.goal else "") + (f"   {r.note}" if r.note else ""))


def machine() -> str:
    sqlite = sqlcipher3.sqlite_version
    conn = sqlcipher3.connect(":memory:")
    cipher = conn.execute("PRAGMA cipher_version").fetchone()[0]
    conn.close()
    return (f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; {platform.system()} {platform.machine()}, "
            f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'})"
            f"; Python {platform.python_version()}; SQLite {sqlite}, SQLCipher {cipher}; load average "
            f"{os.getloadavg()[0]:.1f} at start")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(demo.SIZES), default="decade")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (median and spread are shown)")
    parser.add_argument("--kdf-seconds", type=float, default=0.75, help="calibration target when building")
    parser.add_argument("--rebuild", action="store_true", help="build the demo vault again")
    parser.add_argument("--only", default="", help="run only benchmarks whose name contains this")
    args = parser.parse_args(argv)
    discover()
    chosen = [b for b in registry.REGISTRY if args.only.lower() in b.name.lower()]

    print(f"counselroom {counselroom.__version__} benchmarks — {machine()}")
    vault, build_rows = ensure_vault(args.size, args.seed, args.kdf_seconds, args.rebuild)
    print_rows(f"{args.size} demo vault (seed {args.seed})", build_rows)
    ctx = Context(vault, demo.DEMO_PASSPHRASE, max(1, args.repeat), size=args.size)
    for b in (b for b in chosen if not b.needs_session):
        print_rows(b.name, b.fn(ctx))
    later = [b for b in chosen if b.needs_session]
    if later:
        with vault.unlock(demo.DEMO_PASSPHRASE) as session:
            ctx.services = Services.open(session)
            for b in later:
                print_rows(b.name, b.fn(ctx))
            ctx.services = None
    if ctx.ratios:
        print_ratios(ctx.ratios)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
