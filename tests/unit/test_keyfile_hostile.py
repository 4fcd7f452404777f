"""Hostile and damaged key files (issue 17, items 2 and 3): a ceiling on the key-derivation parameters checked
before any derivation, every malformed value reported as damage naming the file (exit 4), either copy's damage
falling back to the other copy, every repair from the other copy reported and audited, and the slot file
authenticated under a key only the data key gives, so a recovery slot altered with a recomputed checksum fails
the check."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import PASSPHRASE
from counselroom.vault import backup, kdf, keyslots
from counselroom.vault.errors import EXIT_INTEGRITY, IntegrityFailure, WrongSecret
from counselroom.vault.vault import Vault

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "vaults"
Doc = dict[str, Any]


def _checksummed(doc: Doc) -> bytes:
    doc = dict(doc)
    doc.pop("checksum", None)
    body = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    doc["checksum"] = hashlib.sha256(body).hexdigest()
    return json.dumps(doc, indent=1, sort_keys=True).encode()


def _edit(path: Path, mutate: Callable[[Doc], None]) -> None:
    """Change the file's JSON and recompute its (plain SHA-256) checksum, as an attacker can."""
    doc = json.loads(path.read_text())
    mutate(doc)
    path.write_bytes(_checksummed(doc))


def _slot(doc: Doc, kind: str) -> Doc:
    return next(s for s in doc["slots"] if s["kind"] == kind)


def _b64(n: int) -> str:
    return base64.b64encode(b"\x01" * n).decode()


@pytest.fixture
def no_derivation(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int]]:
    """Fails the test at the first Argon2id call whose parameters exceed the calibrated range (instead of
    stalling for minutes), and records every call."""
    calls: list[tuple[int, int, int]] = []
    real = kdf.hash_secret_raw

    def guarded(secret: bytes, salt: bytes, t: int, m: int, p: int, n: int, kind: Any) -> bytes:
        calls.append((t, m, p))
        if t > 40 or m > 256 * 1024 or p > 16:
            raise AssertionError(f"derivation ran with t={t} m={m} p={p}")
        return real(secret, salt, t, m, p, n, kind)

    monkeypatch.setattr(kdf, "hash_secret_raw", guarded)
    return calls


@pytest.fixture
def alarm() -> Iterator[None]:
    """A hang (a FIFO read, an endless device) fails the test after 10 s instead of stalling the suite."""
    if not hasattr(signal, "SIGALRM"):  # Windows: no FIFOs to hang on either
        yield
        return

    def on_alarm(*_: object) -> None:
        raise TimeoutError("hung")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(10)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for p in sorted(folder.iterdir()):
        out[p.name] = p.read_bytes() if p.is_file() and not p.is_fifo() else None
    return out


# -- item 2: a ceiling ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [
    {"t": 100, "m_kib": 4 * 1024 * 1024, "p": 64},  # the file: stalled `check` for 190 s
    {"t": 20, "m_kib": 1024 * 1024, "p": 4},         # 8.6 s and 1.1 GiB
    {"t": 41, "m_kib": 65536, "p": 4},
    {"t": 3, "m_kib": 256 * 1024 + 1, "p": 4},
    {"t": 3, "m_kib": 65536, "p": 17},
])
def test_parameters_above_the_ceiling_are_refused_before_any_derivation(
        new_vault: tuple[Vault, str], no_derivation: list[tuple[int, int, int]], params: dict[str, int]) -> None:
    vault, recovery_key = new_vault
    for p in vault.slot_paths:
        _edit(p, lambda d: _slot(d, "passphrase").__setitem__("params", params))
    before = _snapshot(vault.path)
    start = time.monotonic()
    with pytest.raises(IntegrityFailure) as e:
        vault.unlock(PASSPHRASE)
    with pytest.raises(IntegrityFailure):
        vault.unlock_with_recovery(recovery_key)
    assert time.monotonic() - start < 5
    assert no_derivation == []
    assert e.value.exit_code == EXIT_INTEGRITY
    assert "keyslots.json" in e.value.message()
    assert _snapshot(vault.path) == before


def test_the_ceiling_admits_everything_calibration_writes() -> None:
    kdf.CEILING.check_ceiling()
    kdf.KdfParams(40, 256 * 1024, 4).check_floor()
    assert kdf.KdfParams.from_dict({"t": 40, "m_kib": 256 * 1024, "p": 4}) == kdf.KdfParams(40, 256 * 1024, 4)
    for bad in (kdf.KdfParams(41, 65536, 4), kdf.KdfParams(3, 256 * 1024 + 1, 4), kdf.KdfParams(3, 65536, 17)):
        with pytest.raises(IntegrityFailure):
            kdf.derive(b"x", b"0123456789abcdef", bad)
    assert kdf.calibrate(target_seconds=1000.0).time_cost <= kdf.CEILING.time_cost


def test_a_backup_with_parameters_above_the_ceiling_is_refused_before_any_derivation(
        session: Any, tmp_path: Path, no_derivation: list[tuple[int, int, int]]) -> None:
    (tmp_path / "media").mkdir()
    made = backup.make_backup(session, tmp_path / "media", same_disk_ok=True).path
    raw = made.read_bytes()
    header_len = int.from_bytes(raw[8:12], "big")
    header = json.loads(raw[12:12 + header_len])
    slots = raw[12 + header_len:12 + header_len + header["slots"]]
    doc = json.loads(slots)
    _slot(doc, "passphrase")["params"] = {"t": 100, "m_kib": 4 * 1024 * 1024, "p": 64}
    new_slots = _checksummed(doc)
    header["slots"] = len(new_slots)
    new_header = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    hostile = tmp_path / "hostile.crbackup"
    hostile.write_bytes(raw[:8] + len(new_header).to_bytes(4, "big") + new_header + new_slots
                        + raw[12 + header_len + header["slots"]:])
    no_derivation.clear()
    with pytest.raises(IntegrityFailure) as e:
        backup.verify_backup(hostile, PASSPHRASE)
    assert e.value.exit_code == EXIT_INTEGRITY
    assert no_derivation == []


def test_a_backup_header_nested_deeply_is_refused_as_damage(tmp_path: Path) -> None:
    header = b"[" * 2000 + b"]" * 2000  # within the 4096 bytes a header may have
    hostile = tmp_path / "deep.crbackup"
    hostile.write_bytes(backup.MAGIC + len(header).to_bytes(4, "big") + header + b"\0" * 64)
    with pytest.raises(IntegrityFailure):
        backup.verify_backup(hostile, PASSPHRASE)


# -- item 3: every malformed value is damage, named; the other copy opens ------------------------------------------


def _set_slot(kind: str, field: str, value: object) -> Callable[[Doc], None]:
    return lambda d: _slot(d, kind).__setitem__(field, value)


def _set_param(name: str, literal: str) -> Callable[[Path], None]:
    """A parameter written as a JSON literal the program never writes, under a checksum recomputed over it."""
    def apply(path: Path) -> None:
        doc = json.loads(path.read_text())
        doc.pop("checksum")
        _slot(doc, "recovery")["params"][name] = "@@"
        body = json.dumps(doc, sort_keys=True, separators=(",", ":")).replace('"@@"', literal)
        doc["checksum"] = hashlib.sha256(body.encode()).hexdigest()
        path.write_text(json.dumps(doc, indent=1, sort_keys=True).replace('"@@"', literal))
    return apply


def _json_edit(mutate: Callable[[Doc], None]) -> Callable[[Path], None]:
    return lambda path: _edit(path, mutate)


def _replace_with_dir(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "inside").write_text("x")


def _replace_with_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _deep(path: Path) -> None:
    path.write_bytes(b"[" * 200_000 + b"]" * 200_000)


def _deep_inside(path: Path) -> None:
    doc = json.loads(path.read_text())
    doc["slots"][0]["params"] = "@@"
    path.write_bytes(_checksummed(doc).replace(b'"@@"', b"[" * 5000 + b"]" * 5000))


def _huge(path: Path) -> None:
    path.write_bytes(b" " * (8 << 20) + path.read_bytes())


def _symlink_to_zero(path: Path) -> None:
    path.unlink()
    path.symlink_to("/dev/zero")


HOSTILE: dict[str, Callable[[Path], None]] = {
    "0-byte nonce": _json_edit(_set_slot("recovery", "nonce", "")),
    "4-byte salt": _json_edit(_set_slot("recovery", "salt", _b64(4))),
    "long nonce": _json_edit(_set_slot("passphrase", "nonce", _b64(4096))),
    "short wrapped key": _json_edit(_set_slot("passphrase", "wrapped", _b64(3))),
    "m_kib Infinity": _set_param("m_kib", "Infinity"),
    "m_kib NaN": _set_param("m_kib", "NaN"),
    "m_kib -Infinity": _set_param("m_kib", "-Infinity"),
    "m_kib 1e400": _set_param("m_kib", "1e400"),
    "m_kib string": _set_param("m_kib", '"65536"'),
    "m_kib float": _set_param("m_kib", "65536.5"),
    "m_kib true": _set_param("m_kib", "true"),
    "t huge int": _set_param("t", "9" * 5000),
    "t 10**30": _set_param("t", str(10 ** 30)),
    "params a list": _json_edit(_set_slot("recovery", "params", [3, 65536, 4])),
    "slot not an object": _json_edit(lambda d: d["slots"].__setitem__(0, "x")),
    "three slots": _json_edit(lambda d: d["slots"].append(dict(d["slots"][0]))),
    "unknown field": _json_edit(lambda d: d.__setitem__("extra", {"a": 1})),
    "vault id a number": _json_edit(lambda d: d.__setitem__("vault_id", 7)),
    "deep nesting": _deep,
    "deep nesting inside": _deep_inside,
    "a directory": _replace_with_dir,
    "8 MB": _huge,
    "not UTF-8": lambda p: p.write_bytes(b"\xff\xfe" + p.read_bytes()),
    "empty": lambda p: p.write_bytes(b""),
    "duplicate keys": lambda p: p.write_bytes(p.read_bytes().replace(b'"format"', b'"format": "x", "format"', 1)),
}
if os.name == "posix":
    HOSTILE.update({"a FIFO": _replace_with_fifo, "a link to /dev/zero": _symlink_to_zero})


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_malformed_key_files_are_damage_naming_the_file(new_vault: tuple[Vault, str], alarm: None, name: str) -> None:
    vault, recovery_key = new_vault
    for p in vault.slot_paths:
        HOSTILE[name](p)
    before = _snapshot(vault.path)
    with pytest.raises(IntegrityFailure) as e:
        vault.unlock(PASSPHRASE)
    assert e.value.exit_code == EXIT_INTEGRITY
    assert "keyslots.json" in e.value.message()
    with pytest.raises(IntegrityFailure):
        vault.unlock_with_recovery(recovery_key)
    assert _snapshot(vault.path) == before


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_either_copy_damaged_opens_with_the_other_and_the_repair_is_reported(
        new_vault: tuple[Vault, str], alarm: None, name: str, which: int) -> None:
    vault, _ = new_vault
    damaged, intact = vault.slot_paths[which], vault.slot_paths[1 - which]
    HOSTILE[name](damaged)
    with vault.unlock(PASSPHRASE) as s:
        repairs = s.key_file_repairs
        entries = s.audit.entries(kinds=["keyslots.repaired"])
    if name == "a directory":  # a folder is never removed: the repair fails, loudly
        assert [(r.file, r.repaired) for r in repairs] == [(damaged.name, False)]
        assert repairs[0].message().startswith(f"The key file {damaged.name} is damaged and could not be rewritten")
        assert damaged.is_dir()
    else:
        assert [(r.file, r.reason, r.repaired) for r in repairs] == [(damaged.name, "damaged", True)]
        assert damaged.read_bytes() == intact.read_bytes()
    assert [e.detail["file"] for e in entries] == [damaged.name]
    assert set(entries[0].detail) <= {"file", "reason", "repaired"}


def test_a_flipped_byte_in_the_primary_is_repaired_and_audited(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    primary, mirror = vault.slot_paths
    raw = bytearray(primary.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    primary.write_bytes(bytes(raw))
    with vault.unlock(PASSPHRASE) as s:
        assert [(r.file, r.reason) for r in s.key_file_repairs] == [("keyslots.json", "damaged")]
        (entry,) = s.audit.entries(kinds=["keyslots.repaired"])
        assert entry.detail == {"file": "keyslots.json", "reason": "damaged", "repaired": True}
        assert s.key_file_notices() == ["The key file keyslots.json was damaged and has been rewritten from the "
                                        "other copy. If this happens again, the disk may be failing: make a backup "
                                        "now."]
    assert primary.read_bytes() == mirror.read_bytes()
    with vault.unlock(PASSPHRASE) as s:  # nothing left to repair: nothing reported
        assert s.key_file_repairs == [] and s.key_file_notices() == []


def test_a_missing_mirror_is_rewritten_and_reported(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    vault.slot_paths[1].unlink()
    with vault.unlock(PASSPHRASE) as s:
        assert [(r.file, r.reason) for r in s.key_file_repairs] == [("keyslots.mirror.json", "missing")]
    assert vault.slot_paths[1].read_bytes() == vault.slot_paths[0].read_bytes()


def test_a_wrong_passphrase_with_a_damaged_copy_writes_nothing(new_vault: tuple[Vault, str], alarm: None) -> None:
    vault, _ = new_vault
    _replace_with_fifo(vault.slot_paths[1])
    before = _snapshot(vault.path)
    with pytest.raises(WrongSecret):
        vault.unlock("not the passphrase at all")
    assert _snapshot(vault.path) == before


# -- item 3: authenticated slot files ------------------------------------------------------------------------------


def _forge_recovery_slot(doc: Doc) -> None:
    """What a disk editor can do: a new recovery slot of the right shape with a recomputed checksum (nobody
    without the data key can make one that opens)."""
    slot = _slot(doc, "recovery")
    slot["salt"] = base64.b64encode(os.urandom(16)).decode()
    slot["wrapped"] = base64.b64encode(os.urandom(48)).decode()


def test_a_new_vault_has_authenticated_key_files(session: Any) -> None:
    assert session.verify_key_files().ok
    doc = json.loads(session.vault.slot_paths[0].read_text())
    assert len(bytes.fromhex(doc["mac"])) == 32


def test_a_recovery_slot_altered_with_a_recomputed_checksum_fails_the_check(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    for p in vault.slot_paths:
        _edit(p, _forge_recovery_slot)
    altered = vault.slot_paths[0].read_bytes()
    with vault.unlock(PASSPHRASE) as s:  # the passphrase slot proves itself: the records stay reachable
        found = s.verify_key_files()
        assert not found.ok
        assert {f.file for f in found.problems} == {"keyslots.json", "keyslots.mirror.json"}
        assert s.key_files_unverified
        assert s.audit.entries(kinds=["keyslots.unverified"])
        assert s.key_file_notices() == [keyslots.UNVERIFIED_NOTICE]
    assert vault.slot_paths[0].read_bytes() == altered  # never blessed by a rewrite
    with vault.unlock(PASSPHRASE) as s:
        assert not s.verify_key_files().ok
        s.new_recovery_key()  # what the counselor is told to do: a fresh recovery key re-seals the file
        assert s.verify_key_files().ok
        assert not s.key_files_unverified


def test_nothing_is_rewritten_when_no_copy_is_proven(new_vault: tuple[Vault, str], alarm: None) -> None:
    vault, _ = new_vault
    primary, mirror = vault.slot_paths
    _edit(primary, _forge_recovery_slot)
    _replace_with_fifo(mirror)
    altered = primary.read_bytes()
    with vault.unlock(PASSPHRASE) as s:
        assert s.key_files_unverified and s.key_file_repairs == []
        (entry,) = s.audit.entries(kinds=["keyslots.unverified"])
        assert entry.detail == {"file": "keyslots.mirror.json"}
        assert [f.file for f in s.verify_key_files().problems] == ["keyslots.json", "keyslots.mirror.json"]
    assert primary.read_bytes() == altered and mirror.is_fifo()


def test_an_altered_copy_is_healed_from_the_authenticated_one(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    _edit(vault.slot_paths[1], _forge_recovery_slot)
    with vault.unlock(PASSPHRASE) as s:
        assert [(r.file, r.reason) for r in s.key_file_repairs] == [("keyslots.mirror.json", "unauthenticated")]
        assert s.verify_key_files().ok
    assert vault.slot_paths[1].read_bytes() == vault.slot_paths[0].read_bytes()


def test_verification_is_a_function_of_the_files_and_the_data_key(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    with vault.unlock(PASSPHRASE) as s:
        key = s._data_key
    assert keyslots.verify_files(vault.slot_paths, key).ok
    assert not keyslots.verify_files(vault.slot_paths, b"\x00" * 32).ok
    _edit(vault.slot_paths[1], _forge_recovery_slot)
    result = keyslots.verify_files(vault.slot_paths, key)
    assert not result.ok and [f.file for f in result.problems] == ["keyslots.mirror.json"]


def test_stripping_the_mac_after_it_was_added_is_noticed(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    for p in vault.slot_paths:
        _edit(p, lambda d: (d.pop("mac"), _forge_recovery_slot(d)))
    with vault.unlock(PASSPHRASE) as s:
        assert s.key_files_unverified
        assert not s.verify_key_files().ok
    assert "mac" not in json.loads(vault.slot_paths[0].read_text())


def _without_mac(folder: Path) -> bool:
    return "mac" not in json.loads((folder / "keyslots.json").read_text())


# v4 was made after the key files got their MAC: it has one already
@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.iterdir() if _without_mac(p)))
def test_fixture_vaults_without_a_mac_open_and_get_one(fixture: str, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / fixture, tmp_path / "vault")
    facts = json.loads((tmp_path / "vault" / "fixture.json").read_text("utf-8"))
    vault = Vault(tmp_path / "vault", state_dir=tmp_path / "state")
    assert "mac" not in json.loads(vault.slot_paths[0].read_text())
    with vault.unlock(facts["passphrase"]) as s:
        assert s.key_file_repairs == []
        assert not s.key_files_unverified
        assert s.verify_key_files().ok
        assert s.audit.entries(kinds=["keyslots.authenticated"])
    assert vault.slot_paths[0].read_bytes() == vault.slot_paths[1].read_bytes()
    with vault.unlock_with_recovery(facts["recovery_key"]) as s:
        assert s.verify_key_files().ok
        assert not s.audit.entries(kinds=["keyslots.repaired"])


def test_a_backup_damaged_in_its_key_slots_is_reported_as_a_damaged_backup(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Issue 17.5: a backup damaged in its key-slot section was reported as if the live vault were damaged."""
    import json as _json
    import struct

    from counselroom.vault import backup as backups
    from counselroom.vault.kdf import FLOOR
    from counselroom.vault.vault import Vault

    vault, _key = Vault.create(tmp_path / "vault", "quiet harbour lantern 2026 maple", kdf_params=FLOOR,
                               state_dir=tmp_path / "state")
    media = tmp_path / "stick"
    media.mkdir()
    with vault.unlock("quiet harbour lantern 2026 maple") as session:
        info = backups.make_backup(session, media, same_disk_ok=True)
    data = bytearray(info.path.read_bytes())
    (length,) = struct.unpack(">I", data[len(backups.MAGIC):len(backups.MAGIC) + 4])
    start = len(backups.MAGIC) + 4
    _json.loads(bytes(data[start:start + length]))  # the header is whole JSON before the slots
    slots_at = start + length
    data[slots_at] = ord("x")  # the slots' JSON no longer parses; everything else is whole
    broken = bytes(data)
    info.path.write_bytes(broken)
    with pytest.raises(backups.BackupDamaged):
        backups.verify_backup(info.path, "quiet harbour lantern 2026 maple")
