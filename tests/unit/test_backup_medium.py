"""Backups verified from the medium (issue 17.6): read back by path from what the medium returns, only while the
path still names the file written on the device the backup started on; a folder on the vault's own disk only
when chosen on purpose; stale work folders of killed checks removed."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from conftest import PASSPHRASE
from counselroom.vault import backup, faults
from counselroom.vault.errors import EXIT_USAGE
from counselroom.vault.lockfile import ProcessLock
from counselroom.vault.vault import VaultSession


def _recorded(session: VaultSession) -> tuple[int, int]:
    rows = session.conn.execute("SELECT count(*) FROM backups").fetchone()[0]
    verified = session.conn.execute("SELECT count(*) FROM audit_log WHERE kind = 'backup.verified'").fetchone()[0]
    return int(rows), int(verified)


def _other_device(tmp_path: Path) -> Path | None:
    """A folder on another device than tmp_path (tmpfs in /dev/shm), or None."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev or not os.access(shm, os.W_OK):
        return None
    return Path(tempfile.mkdtemp(prefix="counselroom-test-medium-", dir=shm))


def test_a_backup_deleted_the_moment_it_appears_is_not_verified(session: VaultSession, tmp_path: Path) -> None:
    medium = tmp_path / "usb"
    medium.mkdir()

    def delete_it(name: str) -> None:
        if name == "backup.renamed":
            for p in medium.glob("*.crbackup"):
                p.unlink()

    with faults.installed(delete_it), pytest.raises(backup.BackupError):
        backup.make_backup(session, medium, same_disk_ok=True)
    assert _recorded(session) == (0, 0)
    assert list(medium.iterdir()) == []


def test_a_backup_deleted_while_it_is_read_back_is_not_verified(session: VaultSession, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The read-back has the file open when it vanishes: what it reads is no longer on the medium."""
    medium = tmp_path / "usb"
    medium.mkdir()
    real_drop = backup._drop_cache
    dropped: list[str] = []

    def drop_then_delete(f):  # type: ignore[no-untyped-def]
        real_drop(f)
        dropped.append(f.name)
        os.unlink(f.name)

    monkeypatch.setattr(backup, "_drop_cache", drop_then_delete)
    with pytest.raises(backup.BackupNotVerified):
        backup.make_backup(session, medium, same_disk_ok=True)
    assert dropped, "the read-back opened the file by its path"
    assert _recorded(session) == (0, 0)
    monkeypatch.setattr(backup, "_drop_cache", real_drop)
    assert backup.make_backup(session, medium, same_disk_ok=True).path.is_file()  # control: the same, undisturbed
    assert _recorded(session) == (1, 1)


def test_a_backup_replaced_while_it_is_read_back_is_not_verified(session: VaultSession, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    medium = tmp_path / "usb"
    medium.mkdir()
    real_drop = backup._drop_cache

    def drop_then_replace(f):  # type: ignore[no-untyped-def]
        real_drop(f)
        copy = Path(f.name + ".copy")
        copy.write_bytes(Path(f.name).read_bytes())  # the same bytes, but another file
        os.replace(copy, f.name)

    monkeypatch.setattr(backup, "_drop_cache", drop_then_replace)
    with pytest.raises(backup.BackupNotVerified):
        backup.make_backup(session, medium, same_disk_ok=True)
    assert _recorded(session) == (0, 0)


def test_a_folder_that_is_no_longer_the_one_the_backup_started_in_gets_nothing(session: VaultSession,
                                                                               tmp_path: Path) -> None:
    """What a lazily unmounted medium looks like from here: the path now names another, empty folder."""
    medium = tmp_path / "usb"
    medium.mkdir()
    snapshot = backup.prepare(session, medium, same_disk_ok=True)
    try:
        medium.rename(tmp_path / "pulled-out")
        medium.mkdir()  # the bare mount point
        with pytest.raises(backup.MediumChanged) as raised:
            snapshot.write_and_verify()
        assert "no longer" in raised.value.message()
    finally:
        snapshot.discard()
    assert list(medium.iterdir()) == [] and list((tmp_path / "pulled-out").iterdir()) == []


def test_a_medium_swapped_after_the_partial_file_is_written_gets_nothing(session: VaultSession,
                                                                        tmp_path: Path) -> None:
    medium = tmp_path / "usb"
    medium.mkdir()

    def swap(name: str) -> None:
        if name == "backup.partial_written":
            medium.rename(tmp_path / "pulled-out")
            medium.mkdir()

    with faults.installed(swap), pytest.raises(backup.MediumChanged):
        backup.make_backup(session, medium, same_disk_ok=True)
    assert list(medium.iterdir()) == []
    assert list((tmp_path / "pulled-out").iterdir()) == [], "the partial file is removed from the real medium"
    assert _recorded(session) == (0, 0)


def test_a_mount_point_on_another_device_is_noticed(session: VaultSession, tmp_path: Path) -> None:
    stick = _other_device(tmp_path)
    if stick is None:
        pytest.skip("no second file system to stand in for the medium")
    try:
        link = tmp_path / "media-usb"
        link.symlink_to(stick)
        snapshot = backup.prepare(session, link)  # another device than the vault's: no flag needed
        try:
            link.unlink()
            bare = tmp_path / "bare-mount-point"
            bare.mkdir()
            link.symlink_to(bare)  # the medium is gone; the path now leads to the computer's own disk
            with pytest.raises(backup.MediumChanged):
                snapshot.write_and_verify()
        finally:
            snapshot.discard()
        assert list(bare.iterdir()) == [] and list(stick.iterdir()) == []
        link.unlink()
        link.symlink_to(stick)
        made = backup.make_backup(session, link)  # control: the medium back, a backup without any flag
        assert made.path.is_file() and os.stat(made.path).st_dev == os.stat(stick).st_dev
    finally:
        for p in stick.iterdir():
            p.unlink()
        stick.rmdir()


def test_a_folder_on_the_vault_s_own_disk_is_refused_unless_chosen(session: VaultSession, tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    with pytest.raises(backup.SameDisk) as raised:
        backup.make_backup(session, folder)
    assert raised.value.exit_code == EXIT_USAGE and "same disk" in raised.value.message()
    assert list(folder.iterdir()) == [] and _recorded(session) == (0, 0)
    assert backup.make_backup(session, folder, same_disk_ok=True).path.parent == folder


@pytest.fixture(autouse=True)
def _own_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """This test's own temporary folder (tempfile caches the first one it finds for the whole process)."""
    own = tmp_path / "tmp"
    own.mkdir(exist_ok=True)
    monkeypatch.setattr(tempfile, "tempdir", str(own))


def _old(path: Path) -> None:
    past = time.time() - 3600
    os.utime(path, (past, past))


def test_stale_work_folders_are_removed_and_live_ones_kept(session: VaultSession, tmp_path: Path) -> None:
    made = backup.make_backup(session, tmp_path, same_disk_ok=True)
    session.close()
    tmp = Path(tempfile.gettempdir())
    killed = tmp / "counselroom-check-killed1"  # a verify-backup killed mid-way: a whole encrypted copy
    killed.mkdir()
    (killed / "vault.db").write_bytes(b"x" * 4096)
    (killed / backup.IN_USE).touch()  # its lock file, no longer held by anyone
    _old(killed)
    older = tmp / "counselroom-check-before"  # from a version without the lock file
    older.mkdir()
    _old(older)
    running = tmp / "counselroom-check-running"
    running.mkdir()
    lock = ProcessLock(running / backup.IN_USE)
    lock.acquire()
    _old(running)
    fresh = tmp / "counselroom-check-justmade"  # being made this second: its lock file comes next
    fresh.mkdir()
    elsewhere = tmp / "someone-else"
    elsewhere.mkdir()
    try:
        backup.verify_backup(made.path, PASSPHRASE)
        assert not killed.exists() and not older.exists()
        assert running.exists() and fresh.exists() and elsewhere.exists()
    finally:
        lock.release()
    assert backup.remove_stale_work_dirs() == [running]


def test_a_full_verification_works_in_a_locked_folder_and_leaves_nothing(session: VaultSession,
                                                                         tmp_path: Path) -> None:
    made = backup.make_backup(session, tmp_path, same_disk_ok=True)
    before = set(Path(tempfile.gettempdir()).iterdir())
    seen: list[bool] = []
    real = backup.read_backup

    def spy(path, unlock, extract_to, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(backup.remove_stale_work_dirs() == [] and extract_to.parent.exists())
        return real(path, unlock, extract_to, *args, **kwargs)

    backup.read_backup = spy  # type: ignore[assignment]
    try:
        backup.verify_backup(made.path, PASSPHRASE, full=True)
    finally:
        backup.read_backup = real  # type: ignore[assignment]
    assert seen == [True], "a running check's folder is never taken for a stale one"
    assert set(Path(tempfile.gettempdir()).iterdir()) == before
