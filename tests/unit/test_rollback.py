"""Rollback noticed (issue 17.7): a whole vault folder put back from an older copy is noticed at the next unlock,
shown, audited, and failed by `check`; a restore (which puts an older vault back on purpose) is not."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import PASSPHRASE
from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault import backup, restore, rollback
from counselroom.vault.kdf import FLOOR
from counselroom.vault.vault import Vault


def _add_clients(vault: Vault, *codes: str) -> None:
    with vault.unlock(PASSPHRASE) as s:
        services = Services.open(s)
        for code in codes:
            services.clients.create(Client(code=code))


def _swap_in(old_copy: Path, vault_path: Path) -> None:
    shutil.rmtree(vault_path)
    shutil.copytree(old_copy, vault_path)


def test_an_older_copy_of_the_vault_folder_put_back_is_noticed(tmp_path: Path) -> None:
    vault, _ = Vault.create(tmp_path / "vault", PASSPHRASE, kdf_params=FLOOR, state_dir=tmp_path / "state")
    _add_clients(vault, "C-001")
    shutil.copytree(vault.path, tmp_path / "old-copy")
    _add_clients(vault, "C-002", "C-003")
    with vault.unlock(PASSPHRASE) as s:
        assert s.rollback is None and s.unlock_notices() == []
        newest = s.audit.head()[0]
    _swap_in(tmp_path / "old-copy", vault.path)

    with vault.unlock(PASSPHRASE) as s:
        assert s.rollback is not None and not s.rollback.diverged
        assert s.rollback.seen_seq == newest + 1  # the lock entry of the last session
        assert s.rollback.found_seq < s.rollback.seen_seq
        assert "older" in s.unlock_notices()[0]
        (entry,) = s.audit.entries(kinds=[rollback.AUDIT_KIND])
        assert entry.detail == s.rollback.detail()
        assert s.audit.verify().ok
    with vault.unlock(PASSPHRASE) as s:  # noticed and audited once; this vault's head is now the one remembered
        assert s.rollback is None


def test_an_older_copy_changed_since_is_noticed_as_another_history(tmp_path: Path) -> None:
    vault, _ = Vault.create(tmp_path / "vault", PASSPHRASE, kdf_params=FLOOR, state_dir=tmp_path / "state")
    shutil.copytree(vault.path, tmp_path / "old-copy")
    _add_clients(vault, "C-001")
    old = Vault(tmp_path / "old-copy", state_dir=tmp_path / "another-computer")
    _add_clients(old, *(f"X-{i}" for i in range(10)))  # its trail grows past the newer one's, on another branch
    _swap_in(tmp_path / "old-copy", vault.path)
    with vault.unlock(PASSPHRASE) as s:
        assert s.rollback is not None and s.rollback.diverged
        assert s.rollback.found_seq > s.rollback.seen_seq and "differs" in s.rollback.message()


def test_opening_an_older_copy_in_another_folder_is_noticed_too(tmp_path: Path) -> None:
    """The record is per vault (its id), not per folder: an old copy opened from elsewhere is the same vault."""
    vault, _ = Vault.create(tmp_path / "vault", PASSPHRASE, kdf_params=FLOOR, state_dir=tmp_path / "state")
    shutil.copytree(vault.path, tmp_path / "old-copy")
    _add_clients(vault, "C-001")
    with Vault(tmp_path / "old-copy", state_dir=tmp_path / "state").unlock(PASSPHRASE) as s:
        assert s.rollback is not None


def test_a_kill_that_leaves_the_record_behind_is_no_rollback(tmp_path: Path) -> None:
    """The record is written at unlock and at lock: a session killed in between leaves the vault ahead of it."""
    vault, _ = Vault.create(tmp_path / "vault", PASSPHRASE, kdf_params=FLOOR, state_dir=tmp_path / "state")
    s = vault.unlock(PASSPHRASE)
    Services.open(s).clients.create(Client(code="C-001"))
    s._lock.release()  # as a SIGKILL leaves it: no lock entry, no record written at close
    s.conn.close()
    with vault.unlock(PASSPHRASE) as again:
        assert again.rollback is None


def test_a_restore_is_no_rollback(tmp_path: Path) -> None:
    state = Path(os.environ["XDG_STATE_HOME"]) / "counselroom"
    vault, _ = Vault.create(tmp_path / "vault", PASSPHRASE, kdf_params=FLOOR, state_dir=state)
    medium = tmp_path / "usb"
    medium.mkdir()
    with vault.unlock(PASSPHRASE) as s:
        made = backup.make_backup(s, medium, same_disk_ok=True)
    _add_clients(vault, "C-001", "C-002")
    restore.restore_backup(made.path, PASSPHRASE, vault.path, state_dir=state)
    with vault.unlock(PASSPHRASE) as s:
        assert s.rollback is None
        assert s.audit.entries(kinds=[rollback.AUDIT_KIND]) == []
    restore.undo_restore(vault.path, state_dir=state)  # the newer vault back: nothing to compare with, no alarm
    with vault.unlock(PASSPHRASE) as s:
        assert s.rollback is None


def test_check_reports_the_rollback_and_exits_4_without_writing(tmp_path: Path) -> None:
    state = Path(os.environ["XDG_STATE_HOME"]) / "counselroom"
    vault, _ = Vault.create(tmp_path / "vault", PASSPHRASE, kdf_params=FLOOR, state_dir=state)
    shutil.copytree(vault.path, tmp_path / "old-copy")
    _add_clients(vault, "C-001")
    _swap_in(tmp_path / "old-copy", vault.path)
    before = (vault.path / "vault.db").read_bytes()
    r = subprocess.run([sys.executable, "-m", "counselroom", "check", "--vault", str(vault.path),
                        "--passphrase-stdin"], input=PASSPHRASE + "\n", capture_output=True, text=True, timeout=120)
    assert r.returncode == 4, (r.stdout, r.stderr)
    assert "FAILED" in r.stdout and "older" in r.stdout and "Traceback" not in r.stderr
    assert (vault.path / "vault.db").read_bytes() == before
    with vault.unlock(PASSPHRASE) as s:  # the window's unlock still tells, and audits it
        assert s.rollback is not None and s.audit.entries(kinds=[rollback.AUDIT_KIND])


def test_the_record_holds_a_count_and_a_mac_only(tmp_path: Path) -> None:
    vault, _ = Vault.create(tmp_path / "vault", PASSPHRASE, kdf_params=FLOOR, state_dir=tmp_path / "state")
    _add_clients(vault, "C-001")
    (record,) = (tmp_path / "state" / rollback.FOLDER).iterdir()
    doc = json.loads(record.read_text("ascii"))
    assert set(doc) == {"seq", "mac"} and len(doc["mac"]) == 64
    assert oct(record.stat().st_mode & 0o777) == oct(0o600)
    record.write_text("{not json")  # a damaged record is no alarm and is written again
    with vault.unlock(PASSPHRASE) as s:
        assert s.rollback is None
    assert json.loads(record.read_text("ascii"))["seq"] > doc["seq"]
