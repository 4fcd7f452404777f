"""The shortcuts the backup takes to do its proofs with less work (issue 14), one test each, each saying what
still catches the damage the shortcut no longer looks for itself.

- The database is copied byte for byte, not rebuilt row by row: the copy is the vault's file, and SQLCipher
  authenticates every page of it, so a damaged page fails the backup instead of being copied.
- SQLite's integrity_check and the whole audit walk run in the weekly full check, not in every backup:
  damage page MACs cannot see is found by the next full check.
- The audit chain is walked from the checkpoint: a change after it fails the backup at once.
- The pages of spans unchanged since the last verified backup are not authenticated again (tests in
  test_pagecheck.py).
- The copy's hash is computed on the chunks written to the medium, and the read-back compares the medium's
  bytes with the staging copy's instead of hashing them again: a staging copy changed after it was written
  fails the backup.
- verify-backup reads the file once and trusts the authenticated hash: it proves the bytes are those that
  were made and verified; opening the database (`full=True`, and every restore) checks it again.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import PASSPHRASE
from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault import backup, restore
from counselroom.vault.backup import BackupDamaged
from counselroom.vault.errors import IntegrityFailure


@pytest.fixture
def filled(services: Services) -> Services:
    for n in range(40):
        services.clients.create(Client(code=f"S-{n}", name=f"测试{n}", notes="睡眠 exam stress " * 200))
    return services


def _database_section(path: Path) -> bytes:
    data = path.read_bytes()
    hlen = int.from_bytes(data[8:12], "big")
    header = json.loads(data[12:12 + hlen])
    return data[len(data) - header["db"]:]


def _statements(services: Services) -> list[str]:
    seen: list[str] = []
    services.session.conn.set_trace_callback(seen.append)
    return seen


def test_the_copy_is_the_vaults_file_byte_for_byte(filled: Services, medium: Path) -> None:
    vault_bytes = filled.session.vault.db_path.read_bytes()
    result = backup.make_backup(filled.session, medium, same_disk_ok=True)
    copied = _database_section(result.path)
    assert copied == vault_bytes
    assert result.info.fingerprint == hashlib.sha256(vault_bytes).hexdigest()


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_damaged_page_in_the_copy_fails_the_page_check(filled: Services, tmp_path: Path, where: str) -> None:
    session = filled.session
    snapshot = backup.prepare(session, tmp_path, same_disk_ok=True)
    try:
        size = snapshot.staging.stat().st_size
        offset = {"first": 200, "middle": size // 2 + 100, "last": size - 200}[where]
        data = bytearray(snapshot.staging.read_bytes())
        data[offset] ^= 0x01
        snapshot.staging.write_bytes(bytes(data))
        with pytest.raises(IntegrityFailure):
            backup._check_copy(snapshot.staging, session._data_key, snapshot.meta, full=False)
    finally:
        snapshot.discard()


def test_a_staging_copy_changed_after_it_was_written_fails_the_read_back(filled: Services, medium: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    original = backup.Snapshot._write

    def write_then_change(self: backup.Snapshot, progress: object) -> object:
        done = original(self, progress)  # type: ignore[arg-type]
        data = bytearray(self.staging.read_bytes())
        data[len(data) // 3] ^= 0x01
        self.staging.write_bytes(bytes(data))
        return done

    monkeypatch.setattr(backup.Snapshot, "_write", write_then_change)
    with pytest.raises((backup.BackupNotVerified, IntegrityFailure)):
        backup.make_backup(filled.session, medium, same_disk_ok=True)
    assert list(medium.iterdir()) == []
    monkeypatch.undo()
    result = backup.make_backup(filled.session, medium, same_disk_ok=True)
    assert result.info.fingerprint == hashlib.sha256(_database_section(result.path)).hexdigest()


@pytest.mark.parametrize("kernel_copy", ["refused", "not permitted", "stops at once", "stops half-way", "missing"])
def test_the_copy_without_the_kernel_s_copy_is_the_same_copy(filled: Services, medium: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               kernel_copy: str) -> None:
    """Where copy_file_range is refused (another file system, an old kernel, a sandbox), stops early (some file
    systems return 0 before the end) or is missing (not Linux), the staging copy goes on through the
    program's memory from where it stopped: the same bytes."""
    import errno
    import os

    real = getattr(os, "copy_file_range", None)
    calls = {"n": 0}

    def kernel(src: int, dst: int, count: int, offset_src: int, offset_dst: int) -> int:
        calls["n"] += 1
        if kernel_copy == "refused":
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        if kernel_copy == "not permitted":
            raise OSError(errno.EPERM, "Operation not permitted")
        if kernel_copy == "stops at once" or (kernel_copy == "stops half-way" and calls["n"] > 1):
            return 0
        if real is None:  # not Linux: what the kernel would do, done here
            data = os.pread(src, min(count, 3000), offset_src)
            return os.pwrite(dst, data, offset_dst)
        return int(real(src, dst, min(count, 3000), offset_src, offset_dst))

    if kernel_copy == "missing":
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    else:
        monkeypatch.setattr(os, "copy_file_range", kernel, raising=False)
    vault_bytes = filled.session.vault.db_path.read_bytes()
    result = backup.make_backup(filled.session, medium, same_disk_ok=True)
    assert result.info.fingerprint == hashlib.sha256(vault_bytes).hexdigest()
    assert _database_section(result.path) == vault_bytes
    assert calls["n"] >= (0 if kernel_copy == "missing" else 1)


def test_a_full_local_disk_during_the_copy_is_said_and_nothing_is_kept(filled: Services, medium: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import os

    def full(*_args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "copy_file_range", full, raising=False)
    with pytest.raises(backup.LocalDiskProblem):
        backup.make_backup(filled.session, medium, same_disk_ok=True)
    assert list(medium.iterdir()) == []
    assert not [p for p in filled.session.vault.path.iterdir() if p.name.startswith(".backup")]


def test_a_damaged_vault_is_not_backed_up(filled: Services, medium: Path) -> None:
    session = filled.session
    db = session.vault.db_path
    data = bytearray(db.read_bytes())
    data[len(data) // 2] ^= 0x01  # a page SQLCipher's MAC no longer matches
    db.write_bytes(bytes(data))
    with pytest.raises(IntegrityFailure):
        backup.make_backup(session, medium, same_disk_ok=True)
    assert list(medium.iterdir()) == []
    assert not [p for p in session.vault.path.iterdir() if p.name.startswith(".backup")]


def test_the_full_check_runs_on_the_first_backup_and_then_weekly(filled: Services, medium: Path) -> None:
    session = filled.session
    seen = _statements(filled)
    first = backup.make_backup(session, medium, same_disk_ok=True)
    assert first.full_check
    checkpoint = session.audit.checkpoint()
    assert checkpoint is not None and checkpoint.full_at and checkpoint.seq == first.info.audit_seq
    second = backup.make_backup(session, medium, same_disk_ok=True)
    assert not second.full_check
    assert session.audit.checkpoint().seq == second.info.audit_seq  # type: ignore[union-attr]
    later = datetime.now().astimezone() + timedelta(days=backup.DEFAULT_FULL_CHECK_DAYS, minutes=1)
    assert backup.make_backup(session, medium, now=later, same_disk_ok=True).full_check
    filled.settings.set(backup.SETTING_FULL_CHECK_DAYS, 0)
    assert backup.make_backup(session, medium, same_disk_ok=True).full_check
    assert not [s for s in seen if "sqlcipher_export" in s]


def _break_an_index(services: Services) -> None:
    """An index that no longer matches its table while every page keeps a valid MAC (as after pages of two
    different moments came together): only integrity_check sees it."""
    conn = services.session.conn
    conn.execute("CREATE TABLE scratch (a INTEGER, b INTEGER)")
    conn.execute("CREATE INDEX scratch_a ON scratch (a)")
    conn.executemany("INSERT INTO scratch VALUES (?, ?)", [(i, 1000 - i) for i in range(50)])
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX scratch_a ON scratch (b)' WHERE name = 'scratch_a'")
    conn.execute("PRAGMA writable_schema = OFF")


def test_damage_page_macs_cannot_see_is_found_by_the_next_full_check(filled: Services, medium: Path) -> None:
    session = filled.session
    assert backup.make_backup(session, medium, same_disk_ok=True).full_check
    _break_an_index(filled)
    vault = session.vault
    session.close()
    with vault.unlock(PASSPHRASE) as again:
        assert [r[0] for r in again.conn.execute("PRAGMA integrity_check")] != ["ok"]
        fast = backup.make_backup(again, medium, same_disk_ok=True)  # the shortcut: not looked for between full checks
        assert not fast.full_check
        later = datetime.now().astimezone() + timedelta(days=8)
        with pytest.raises(IntegrityFailure):
            backup.make_backup(again, medium, now=later, same_disk_ok=True)
        assert again.audit.entries(kinds=["backup.failed"])
        with pytest.raises(BackupDamaged):  # and a restore opens the database and refuses it
            restore.restore_backup(fast.path, PASSPHRASE, vault.path.parent / "elsewhere")


def test_a_change_to_the_trail_after_the_checkpoint_fails_the_next_backup(filled: Services, medium: Path) -> None:
    session = filled.session
    backup.make_backup(session, medium, same_disk_ok=True)
    filled.clients.create(Client(code="LATER"))
    seq, _mac = session.audit.head()
    session.conn.execute("UPDATE audit_log SET detail = '{\"forged\":1}' WHERE seq = ?", (seq,))
    with pytest.raises(IntegrityFailure):
        backup.make_backup(session, medium, same_disk_ok=True)


def test_a_change_to_the_trail_before_the_checkpoint_is_found_by_the_full_check(filled: Services,
                                                                                medium: Path) -> None:
    session = filled.session
    backup.make_backup(session, medium, same_disk_ok=True)
    session.conn.execute("UPDATE audit_log SET detail = '{\"forged\":1}' WHERE seq = 3")
    assert not backup.make_backup(session, medium, same_disk_ok=True).full_check  # walked from the checkpoint only
    later = datetime.now().astimezone() + timedelta(days=8)
    with pytest.raises(IntegrityFailure):
        backup.make_backup(session, medium, now=later, same_disk_ok=True)


def _reseal(path: Path, key: bytes, change_db: bool) -> Path:
    """What only a holder of the data key can make: the database changed and the metadata sealed again over
    its new hash."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    data = bytearray(path.read_bytes())
    hlen = int.from_bytes(data[8:12], "big")
    raw_header = bytes(data[12:12 + hlen])
    header = json.loads(raw_header)
    start = 12 + hlen
    slots = bytes(data[start:start + header["slots"]])
    meta_at = start + header["slots"]
    db_at = meta_at + header["meta"]
    meta = json.loads(AESGCM(backup._meta_key(key)).decrypt(bytes.fromhex(header["nonce"]),
                                                            bytes(data[meta_at:db_at]), backup._aad(raw_header, slots)))
    if change_db:
        data[db_at + len(data[db_at:]) // 2] ^= 0x01
    meta["db_sha256"] = hashlib.sha256(bytes(data[db_at:])).hexdigest()
    sealed = AESGCM(backup._meta_key(key)).encrypt(bytes.fromhex(header["nonce"]), backup._canonical(meta),
                                                    backup._aad(raw_header, slots))
    assert len(sealed) == header["meta"]
    data[meta_at:db_at] = sealed
    out = path.with_name("resealed.crbackup")
    out.write_bytes(bytes(data))
    return out


def test_verify_trusts_the_authenticated_hash_and_full_verify_opens_the_database(filled: Services,
                                                                                 medium: Path) -> None:
    session = filled.session
    result = backup.make_backup(session, medium, same_disk_ok=True)
    assert backup.verify_backup(result.path, PASSPHRASE, full=True).fingerprint == result.info.fingerprint
    forged = _reseal(result.path, session._data_key, change_db=True)
    assert backup.verify_backup(forged, PASSPHRASE).fingerprint  # the shortcut: only a key holder can do this
    with pytest.raises(BackupDamaged):
        backup.verify_backup(forged, PASSPHRASE, full=True)
    with pytest.raises(BackupDamaged):
        restore.restore_backup(forged, PASSPHRASE, session.vault.path.parent / "elsewhere")


OLD = Path(__file__).resolve().parents[1] / "data" / "backups"


def test_a_backup_made_by_the_previous_program_still_verifies_and_restores(tmp_path: Path) -> None:
    """Format 1 as the previous program wrote it (an sqlcipher_export copy and a fingerprint over the rows)."""
    facts = json.loads((OLD / "format1-schema3.json").read_text("utf-8"))
    path = OLD / "format1-schema3.crbackup"
    for full in (False, True):
        info = backup.verify_backup(path, facts["passphrase"], full=full)
        assert info.fingerprint == facts["fingerprint"] and info.schema_version == facts["schema_version"]
    done = restore.restore_backup(path, facts["recovery_key"], tmp_path / "vault", recovery=True)
    from counselroom.vault.vault import Vault

    with Vault(done.vault_path, tmp_path / "state").unlock(facts["passphrase"]) as session:
        names = {c.code: c.name for c in Services.open(session).clients.list(include_archived=True)}
        assert names == facts["clients"]
        assert session.audit.verify().ok
