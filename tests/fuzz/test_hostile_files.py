"""Fuzzing the files counselroom reads but did not necessarily write (issue 17): questionnaire definitions,
the vault's key files, and backup files' headers and key slots.

Each target mutates valid files with a seeded generator (tests/fuzz/mutate.py) and asserts, case by case:
- 0 uncaught exceptions: a case ends in an acceptance or in one of the documented refusals
  (DefinitionInvalid; IntegrityFailure or WrongSecret; a VaultError for a backup);
- 0 hangs: each case within its time budget (a FIFO, a device, a huge derivation would blow it);
- 0 writes on refusal: the vault folder (or the backup file and the temporary folder) byte for byte as before.
Key files add: no silent repair (an accepted unlock of a changed copy reports a repair or that the files are
unverified), and after a repair both copies are exactly what was written.

The samples (500 cases a target, 150 for backups) run in every test run; COUNSELROOM_FUZZ_CASES=N adds the slow
run of N cases a target with other seeds. The counts are printed in the terminal summary ("fuzz: hostile
files") and recorded as test properties.

Speed: the key-file and backup targets replace Argon2id with a keyed hash (the stand-in refuses parameters
outside the floor and the ceiling, so it also proves no derivation runs on out-of-bounds parameters). Argon2id
itself and the real parameters are covered in tests/unit/test_kdf.py and test_keyfile_hostile.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from counselroom.records.instruments import BUILTIN_DIR, EXAMPLE_FILE, DefinitionInvalid
from counselroom.records.services import Services
from counselroom.vault import backup, kdf, keyslots
from counselroom.vault.errors import IntegrityFailure, VaultError, WrongSecret
from counselroom.vault.vault import Vault, VaultSession
from fuzz.harness import FULL, SAMPLE, SEED, Tally
from fuzz.mutate import mutate_bytes, mutate_json_file, mutate_structure

PASSPHRASE = "Fuzzing river 2026 lantern"
DATA = Path(__file__).resolve().parents[1] / "data" / "instruments"
full_run = pytest.mark.skipif(not FULL, reason="set COUNSELROOM_FUZZ_CASES=N for the slow fuzz run")


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry of a folder: a hash of a file's bytes, or the kind of anything else."""
    out: dict[str, str] = {}
    for p in sorted(folder.iterdir()):
        if p.is_symlink():
            out[p.name] = "link:" + os.readlink(p)
        elif p.is_dir():
            out[p.name] = "dir:" + ",".join(sorted(c.name for c in p.iterdir()))
        elif p.is_file():
            out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[p.name] = "special"
    return out


def changed(before: dict[str, str], after: dict[str, str]) -> str | None:
    if before == after:
        return None
    names = sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))
    return "changed: " + ", ".join(names)


# -- a fast stand-in for Argon2id ------------------------------------------------------------------------------


@pytest.fixture
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    def stand_in(secret: bytes, salt: bytes, t: int, m: int, p: int, n: int, kind: Any) -> bytes:
        if not (kdf.FLOOR.time_cost <= t <= kdf.CEILING.time_cost and kdf.FLOOR.memory_kib <= m
                <= kdf.CEILING.memory_kib and kdf.FLOOR.parallelism <= p <= kdf.CEILING.parallelism):
            raise AssertionError(f"derivation reached with t={t} m={m} p={p}")
        if len(salt) != kdf.SALT_BYTES:
            raise AssertionError(f"derivation reached with a {len(salt)}-byte salt")
        return hashlib.blake2b(secret, key=salt, person=f"{t}.{m}.{p}".encode()[:16], digest_size=n).digest()

    monkeypatch.setattr(kdf, "hash_secret_raw", stand_in)


# -- questionnaire definitions -------------------------------------------------------------------------------------

INSTRUMENT_SEEDS = sorted([DATA / "good-small.json", EXAMPLE_FILE, *BUILTIN_DIR.glob("*.json"),
                           *DATA.glob("broken-*.json")])


def _instrument_cases(tally: Tally, services: Services, cases: int, seed: int) -> None:
    tally.seed = seed
    sources = [(p.name, p.read_bytes()) for p in INSTRUMENT_SEEDS if p.name != "broken-not-json.json"]
    folder = services.session.vault.path
    before = snapshot(folder)
    for i in range(cases):
        rng = random.Random(f"instrument-{seed}-{i}")
        name, source = rng.choice(sources)
        family, data = mutate_json_file(source, rng)

        def body(data: bytes = data) -> str:
            return services.psychtests.import_definition(data).outcome

        accepted = tally.accepted
        tally.run(f"seed {seed} case {i} ({family} of {name})", 2.0, body, (DefinitionInvalid,),
                  lambda before=before: changed(before, snapshot(folder)))
        if tally.accepted > accepted:  # the vault changed on purpose
            before = snapshot(folder)


def test_instrument_definitions_sample(tally: Tally, services: Services) -> None:
    _instrument_cases(tally, services, SAMPLE, SEED)
    assert not tally.problems(), tally.line() + "\n" + "\n".join(tally.problems())
    assert tally.refused and tally.accepted, tally.line()


@pytest.mark.slow
@full_run
def test_instrument_definitions_full(tally: Tally, services: Services) -> None:
    _instrument_cases(tally, services, FULL, SEED + 1)
    assert not tally.problems(), tally.line() + "\n" + "\n".join(tally.problems())


# -- key files ---------------------------------------------------------------------------------------------------


def _attacker_fix(keep_mac: bool) -> Callable[[Any], bytes]:
    """Write a mutated key file as an attacker would: checksum recomputed (a plain SHA-256), the MAC kept or
    dropped (nobody without the data key can recompute it)."""
    def fix(doc: Any) -> bytes:
        if not isinstance(doc, dict):
            return json.dumps(doc).encode("ascii")
        doc = dict(doc)
        doc.pop("checksum", None)
        if not keep_mac:
            doc.pop("mac", None)
        body = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
        doc["checksum"] = hashlib.sha256(body).hexdigest()
        return json.dumps(doc, indent=1, sort_keys=True).encode("ascii") + b"\n"
    return fix


def _replace(path: Path, rng: random.Random, pristine: bytes) -> str:
    """Damage one key file; returns what was done."""
    if rng.random() < 0.08:
        kinds = ["dir", "huge", "empty", "missing"]
        kinds += ["fifo", "dev-zero", "loop", "dangling"] if os.name == "posix" else []
        kind = rng.choice(kinds)
        path.unlink()
        if kind == "dir":
            path.mkdir()
            (path / "x").write_bytes(pristine)
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "dev-zero":
            path.symlink_to("/dev/zero")
        elif kind == "huge":
            path.write_bytes(pristine + b" " * (1 << 20))
        elif kind == "empty":
            path.write_bytes(b"")
        elif kind == "loop":
            path.symlink_to(path.name)
        elif kind == "dangling":
            path.symlink_to("nowhere")
        return kind
    family, data = mutate_json_file(pristine, rng, _attacker_fix(keep_mac=rng.random() < 0.7))
    path.write_bytes(data)
    return family


def _restore(paths: list[Path], pristine: list[bytes]) -> None:
    for p, data in zip(paths, pristine, strict=True):
        if p.is_symlink() or p.is_file() or p.exists() and not p.is_dir():
            p.unlink()
        elif p.is_dir():
            shutil.rmtree(p)
        p.write_bytes(data)


@pytest.fixture
def fuzz_vault(tmp_path: Path, fast_kdf: None) -> Iterator[tuple[Vault, str]]:
    vault, recovery_key = Vault.create(tmp_path / "fuzz-vault", PASSPHRASE, kdf_params=kdf.FLOOR,
                                       state_dir=tmp_path / "fuzz-state")
    yield vault, recovery_key


def _check_accepted(session: VaultSession, paths: list[Path], pristine: list[bytes], touched: bool) -> str:
    """An accepted unlock: loud about any change, and both copies as written afterwards."""
    try:
        loud = bool(session.key_file_repairs) or session.key_files_unverified
        if touched and not loud:
            raise AssertionError("a changed key file was accepted without a report")
        if not session.key_files_unverified and all(r.repaired for r in session.key_file_repairs):
            now = [keyslots.read_bounded(p) for p in paths]
            if now != pristine:
                raise AssertionError("after the repair the key files are not what was written")
            if not session.verify_key_files().ok:
                raise AssertionError("after the repair the check fails")
        return "repaired" if session.key_file_repairs else "unverified" if session.key_files_unverified else "opened"
    finally:
        session.close()


def _key_file_cases(tally: Tally, vault: Vault, recovery_key: str, cases: int, seed: int) -> None:
    tally.seed = seed
    paths = vault.slot_paths
    with vault.unlock(PASSPHRASE):
        pass
    pristine = [p.read_bytes() for p in paths]
    for i in range(cases):
        rng = random.Random(f"keyfile-{seed}-{i}")
        which = rng.choices(["primary", "mirror", "both", "both-same"], weights=[4, 3, 2, 1])[0]
        done = []
        if which == "both-same":
            _replace(paths[0], rng, pristine[0])
            if paths[0].is_file() and not paths[0].is_symlink():
                paths[1].write_bytes(paths[0].read_bytes())
            done.append("same")
        else:
            for n in {"primary": [0], "mirror": [1], "both": [0, 1]}[which]:
                done.append(_replace(paths[n], rng, pristine[n]))
        touched = any(not p.is_file() or p.is_symlink() or p.read_bytes() != d for p, d in zip(paths, pristine,
                                                                                               strict=True))
        use_recovery = rng.random() < 0.25
        before = snapshot(vault.path)

        def body(use_recovery: bool = use_recovery, touched: bool = touched) -> str:
            session = vault.unlock_with_recovery(recovery_key) if use_recovery else vault.unlock(PASSPHRASE)
            return _check_accepted(session, paths, pristine, touched)

        tally.run(f"seed {seed} case {i} ({which}: {'+'.join(done)})", 5.0, body, (IntegrityFailure, WrongSecret),
                  lambda before=before: changed(before, snapshot(vault.path)))
        vault.attempts.reset()
        _restore(paths, pristine)


def test_key_files_sample(tally: Tally, fuzz_vault: tuple[Vault, str]) -> None:
    _key_file_cases(tally, *fuzz_vault, SAMPLE, SEED)
    assert not tally.problems(), tally.line() + "\n" + "\n".join(tally.problems())
    assert tally.refused and tally.accepted, tally.line()


@pytest.mark.slow
@full_run
def test_key_files_full(tally: Tally, fuzz_vault: tuple[Vault, str]) -> None:
    _key_file_cases(tally, *fuzz_vault, FULL, SEED + 1)
    assert not tally.problems(), tally.line() + "\n" + "\n".join(tally.problems())


# -- backup files: header and key slots, through the public verify function (read-only) --------------------------


def _split(raw: bytes) -> tuple[bytes, dict[str, Any], bytes, bytes]:
    length = int.from_bytes(raw[8:12], "big")
    header_raw = raw[12:12 + length]
    header = json.loads(header_raw)
    slots = raw[12 + length:12 + length + header["slots"]]
    return header_raw, header, slots, raw[12 + length + header["slots"]:]


def _assemble(header: dict[str, Any] | bytes, slots: bytes, rest: bytes) -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(
        header, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return backup.MAGIC + len(raw).to_bytes(4, "big") + raw + slots + rest


def _mutate_backup(raw: bytes, rng: random.Random) -> str:
    header_raw, header, slots, rest = _split(raw)
    part = rng.choices(["header", "header-bytes", "slots", "prefix", "whole"], weights=[4, 2, 4, 1, 1])[0]
    if part == "header":
        mutated = mutate_structure(header, rng)
        try:
            return part, _assemble(mutated, slots, rest)
        except (TypeError, ValueError):
            return part, _assemble(header_raw, slots, rest)
    if part == "header-bytes":
        return part, _assemble(mutate_bytes(header_raw, rng), slots, rest)
    if part == "slots":
        family, new_slots = mutate_json_file(slots, rng, _attacker_fix(keep_mac=rng.random() < 0.7))
        if rng.random() < 0.8:  # keep the container consistent, so the slots themselves are what is judged
            header = dict(header, slots=len(new_slots))
        return f"slots {family}", _assemble(header, new_slots, rest)
    if part == "prefix":
        return part, mutate_bytes(raw[:16], rng) + raw[16:]
    return part, mutate_bytes(raw[:4096], rng) + raw[4096:]


def _backup_cases(tally: Tally, vault: Vault, recovery_key: str, tmp_path: Path, cases: int, seed: int) -> None:
    tally.seed = seed
    media = tmp_path / "media"
    media.mkdir()
    with vault.unlock(PASSPHRASE) as session:
        made = backup.make_backup(session, media, same_disk_ok=True).path
    pristine = made.read_bytes()
    target = tmp_path / "hostile.crbackup"
    temp = Path(os.environ["TMPDIR"])
    for i in range(cases):
        rng = random.Random(f"backup-{seed}-{i}")
        part, data = _mutate_backup(pristine, rng)
        target.write_bytes(data)
        before = (snapshot(temp), hashlib.sha256(data).hexdigest())
        use_recovery = rng.random() < 0.2
        full = rng.random() < 0.2

        def body(use_recovery: bool = use_recovery, full: bool = full) -> str:
            backup.peek(target)
            secret = recovery_key if use_recovery else PASSPHRASE
            backup.verify_backup(target, secret, recovery=use_recovery, full=full)
            return "verified"

        def after(before: tuple[dict[str, str], str] = before) -> str | None:
            now = (snapshot(temp), hashlib.sha256(target.read_bytes()).hexdigest())
            return None if now == before else "the backup or the temporary folder changed"

        tally.run(f"seed {seed} case {i} ({part})", 10.0, body, (VaultError,), after)


def test_backup_headers_sample(tally: Tally, fuzz_vault: tuple[Vault, str], tmp_path: Path) -> None:
    _backup_cases(tally, *fuzz_vault, tmp_path, SAMPLE * 3 // 10, SEED)
    assert not tally.problems(), tally.line() + "\n" + "\n".join(tally.problems())
    assert tally.refused, tally.line()


@pytest.mark.slow
@full_run
def test_backup_headers_full(tally: Tally, fuzz_vault: tuple[Vault, str], tmp_path: Path) -> None:
    _backup_cases(tally, *fuzz_vault, tmp_path, FULL, SEED + 1)
    assert not tally.problems(), tally.line() + "\n" + "\n".join(tally.problems())
