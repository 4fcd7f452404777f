"""Backup faults: a medium that fills up, fails with an I/O error or disappears in the middle of a backup.

Each case first makes a good backup in the folder, then a second backup that fails. Afterwards: the
counselor got a BackupError with a plain message (no OSError text), the earlier backup is byte-for-byte
untouched and still verifies, no file that looks like a backup (and no partial file) was left behind,
nothing was recorded as verified, `backup.failed` is in the audit trail, and the vault is sound.
A real process under RLIMIT_FSIZE (the full-disk stand-in) shows the same through the real write path.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from conftest import PASSPHRASE
from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault import backup
from counselroom.vault.integrity import run_checks


@pytest.fixture
def services_with_backup(services: Services, tmp_path: Path) -> tuple[Services, Path, Path, bytes]:
    for n in range(30):
        services.clients.create(Client(code=f"FT-{n}", name=f"测试{n}", notes="睡眠不好 exam stress " * 400))
    medium = tmp_path / "medium"
    medium.mkdir()
    first = backup.make_backup(services.session, medium, now=datetime(2026, 1, 1, 9, 0, 0).astimezone(),
                               same_disk_ok=True)
    return services, medium, first.path, first.path.read_bytes()


def _after_failure(services: Services, medium: Path, first: Path, first_bytes: bytes) -> None:
    assert first.read_bytes() == first_bytes, "an earlier backup changed"
    assert backup.verify_backup(first, PASSPHRASE).fingerprint
    if medium.exists():
        assert sorted(p.name for p in medium.iterdir()) == [first.name], "something was left on the medium"
    session = services.session
    assert len(session.conn.execute("SELECT * FROM backups").fetchall()) == 1
    assert session.audit.entries(kinds=["backup.failed"])
    assert [r for r in run_checks(session) if not r.ok] == []
    assert not [p for p in session.vault.path.iterdir() if p.name.startswith(".backup")]


def _failing_after(monkeypatch: pytest.MonkeyPatch, method: str, err: int, after_bytes: int = 0) -> None:
    original = getattr(backup.MediumWriter, method)
    written = {"n": 0}

    def failing(self: backup.MediumWriter, *args: object) -> None:
        if method == "write":
            written["n"] += len(args[0])  # type: ignore[arg-type]
            if written["n"] > after_bytes:
                raise OSError(err, os.strerror(err))
        else:
            raise OSError(err, os.strerror(err))
        original(self, *args)

    monkeypatch.setattr(backup.MediumWriter, method, failing)


@pytest.mark.parametrize(("method", "err", "expected"), [
    ("write", errno.ENOSPC, backup.MediumFull),
    ("write", errno.EFBIG, backup.MediumFull),
    ("write", errno.EIO, backup.MediumFailed),
    ("fsync", errno.EIO, backup.MediumFailed),
    ("fsync", errno.ENOSPC, backup.MediumFull),
])
def test_a_full_or_failing_medium_leaves_earlier_backups_and_no_false_backup(
        services_with_backup: tuple[Services, Path, Path, bytes], monkeypatch: pytest.MonkeyPatch,
        method: str, err: int, expected: type[backup.BackupError]) -> None:
    services, medium, first, first_bytes = services_with_backup
    monkeypatch.setattr(backup, "CHUNK", 64 * 1024)  # several writes, so the failure comes mid-way
    calls = {"n": 0}
    original = backup.MediumWriter.write

    def counting(self: backup.MediumWriter, data: bytes) -> None:
        calls["n"] += 1
        original(self, data)

    monkeypatch.setattr(backup.MediumWriter, "write", counting)
    _failing_after(monkeypatch, method, err, after_bytes=256 * 1024)
    with pytest.raises(expected) as e:
        backup.make_backup(services.session, medium, same_disk_ok=True)
    assert "Errno" not in e.value.message() and "untouched" in e.value.message()
    assert calls["n"] > (1 if method == "write" else 5)  # it failed after some data had gone out
    monkeypatch.undo()
    _after_failure(services, medium, first, first_bytes)


def test_a_medium_pulled_out_mid_write(services_with_backup: tuple[Services, Path, Path, bytes],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    services, medium, first, first_bytes = services_with_backup
    monkeypatch.setattr(backup, "CHUNK", 64 * 1024)
    saved = medium.parent / "saved-first"
    pulled = {"done": False}

    def pull(stage: str, done: int, total: int) -> None:
        if stage == "writing" and done >= 128 * 1024 and not pulled["done"]:
            shutil.copy2(first, saved)
            shutil.rmtree(medium)  # the folder (the whole medium) is gone
            pulled["done"] = True

    with pytest.raises(backup.MediumMissing) as e:
        backup.make_backup(services.session, medium, progress=pull, same_disk_ok=True)
    assert "removed" in e.value.message()
    assert pulled["done"]
    # plugged in again: the earlier backup (as it was on the medium) is unchanged and nothing else is there
    medium.mkdir()
    shutil.copy2(saved, first)
    _after_failure(services, medium, first, first_bytes)


def test_a_read_back_that_differs_is_not_kept(services_with_backup: tuple[Services, Path, Path, bytes],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A medium that accepts the bytes but gives back others (a fake-capacity stick): not kept."""
    services, medium, first, first_bytes = services_with_backup
    original = backup.MediumWriter.write
    count = {"n": 0}

    def corrupting(self: backup.MediumWriter, data: bytes) -> None:
        count["n"] += 1
        if count["n"] == 3:
            data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
        original(self, data)

    monkeypatch.setattr(backup.MediumWriter, "write", corrupting)
    with pytest.raises(backup.BackupNotVerified):
        backup.make_backup(services.session, medium, same_disk_ok=True)
    monkeypatch.undo()
    _after_failure(services, medium, first, first_bytes)


def test_the_oldest_generation_goes_only_after_the_new_one_verified(
        services_with_backup: tuple[Services, Path, Path, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    services, medium, first, first_bytes = services_with_backup
    services.settings.set(backup.SETTING_GENERATIONS, 1)
    _failing_after(monkeypatch, "fsync", errno.EIO)
    with pytest.raises(backup.MediumFailed):
        backup.make_backup(services.session, medium, same_disk_ok=True)
    monkeypatch.undo()
    _after_failure(services, medium, first, first_bytes)
    second = backup.make_backup(services.session, medium, same_disk_ok=True)
    assert sorted(p.name for p in medium.iterdir()) == [second.path.name]


def test_a_leftover_partial_file_is_cleared_at_the_next_backup(
        services_with_backup: tuple[Services, Path, Path, bytes]) -> None:
    services, medium, first, _ = services_with_backup
    leftover = medium / ".counselroom-backup-20260101-000000.crbackup.abcd1234.partial"
    leftover.write_bytes(b"half")
    second = backup.make_backup(services.session, medium, same_disk_ok=True)
    assert sorted(p.name for p in medium.iterdir()) == sorted([first.name, second.path.name])


CHILD = r"""
import resource, signal, sys
from pathlib import Path
from counselroom.vault import backup
from counselroom.vault.vault import Vault

vault, state, folder = sys.argv[1:4]
session = Vault(Path(vault), Path(state)).unlock(sys.stdin.readline().rstrip("\n"))
snapshot = backup.prepare(session, Path(folder), same_disk_ok=True)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (snapshot.staging.stat().st_size - 8192, hard))
try:
    snapshot.write_and_verify()
    print("NOT-FULL")
except backup.BackupError as e:
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
    backup.record_failure(session, e)
    print(f"FAILED {type(e).__name__}: {e.message()}")
finally:
    snapshot.discard()
session.close()
"""


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE and SIGXFSZ")
def test_a_real_process_on_a_full_medium(services_with_backup: tuple[Services, Path, Path, bytes]) -> None:
    services, medium, first, first_bytes = services_with_backup
    session = services.session
    vault = session.vault
    session.close()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(vault.path), str(vault.state_dir), str(medium)],
                          input=PASSPHRASE + "\n", capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("FAILED MediumFull: "), (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert first.read_bytes() == first_bytes
    assert sorted(p.name for p in medium.iterdir()) == [first.name]
    with vault.unlock(PASSPHRASE) as again:
        assert again.audit.entries(kinds=["backup.failed"])
        assert [r for r in run_checks(again) if not r.ok] == []
        assert len(again.conn.execute("SELECT * FROM backups").fetchall()) == 1
    assert backup.verify_backup(first, PASSPHRASE).fingerprint
