"""Rotating the data key (issue 17.1): a changed secret revokes the old one for today's vault; old backups are
listed, honestly, as still opening with theirs; any interruption leaves a vault that opens."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import PASSPHRASE
from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault import backup, keyslots, recovery, rotation
from counselroom.vault.connection import open_database
from counselroom.vault.errors import IntegrityFailure, WrongSecret
from counselroom.vault.kdf import FLOOR
from counselroom.vault.vault import Vault, passphrase_bytes

NEW = "Another long passphrase 77"


def _vault(tmp_path: Path) -> tuple[Vault, str]:
    vault, key = Vault.create(tmp_path / "vault", PASSPHRASE, kdf_params=FLOOR, state_dir=tmp_path / "state")
    with vault.unlock(PASSPHRASE) as s:
        services = Services.open(s)
        for i in range(30):
            services.clients.create(Client(code=f"C-{i:03}", name=f"客户{i}"))
    return vault, key


def _codes(vault: Vault, passphrase: str = PASSPHRASE) -> list[str]:
    with vault.unlock(passphrase) as s:
        return sorted(c.code for c in Services.open(s).clients.list(include_archived=True))


def test_old_key_file_and_old_secrets_no_longer_open_today_s_vault(tmp_path: Path) -> None:
    vault, old_recovery = _vault(tmp_path)
    medium = tmp_path / "usb"
    medium.mkdir()
    with vault.unlock(PASSPHRASE) as s:
        made = backup.make_backup(s, medium, same_disk_ok=True)
    old_slots = keyslots.SlotFile.from_bytes(vault.slot_paths[0].read_bytes())  # what every old backup carries
    before = _codes(vault)
    seen: list[tuple[str, int, int]] = []
    with vault.unlock(PASSPHRASE) as s:
        result = rotation.rotate_data_key(s, PASSPHRASE, progress=lambda *a: seen.append(a))
        assert not s.is_open
    assert [b.file_name for b in result.old_backups] == [made.path.name] and result.old_backups[0].exists()
    assert seen[-1] == ("swapping", 1, 1) and any(st == "copying" for st, _d, _t in seen)
    copying = [d for st, d, _t in seen if st == "copying"]
    assert copying == sorted(copying)
    # the attack of issue 17.1: the old slots and the old passphrase (or recovery key) give the old data key ...
    old_key = keyslots.unwrap(old_slots.slots[keyslots.PASSPHRASE], passphrase_bytes(PASSPHRASE), old_slots.vault_id)
    assert old_key == keyslots.unwrap(old_slots.slots[keyslots.RECOVERY], recovery.parse(old_recovery),
                                      old_slots.vault_id)
    with pytest.raises(IntegrityFailure):  # ... which no longer opens vault.db
        open_database(vault.db_path, old_key)
    with pytest.raises(WrongSecret):
        vault.unlock_with_recovery(old_recovery)
    assert _codes(vault) == before
    with vault.unlock_with_recovery(result.recovery_key) as s:
        assert s.audit.verify().ok and not s.key_files_unverified and s.verify_key_files().ok
        (entry,) = s.audit.entries(kinds=["vault.data_key_rotated"])
        assert entry.detail["old_backups"] == 1
        assert s.rollback is None
    # honest: the old backup still opens with the old passphrase, as the message says
    assert backup.verify_backup(made.path, PASSPHRASE).vault_id == old_slots.vault_id
    assert not (vault.path / rotation.STAGED).exists()


def test_rotation_with_a_new_passphrase_revokes_the_old_one(tmp_path: Path) -> None:
    vault, _ = _vault(tmp_path)
    with vault.unlock(PASSPHRASE) as s:
        s.set_passphrase(NEW)
        rotation.rotate_data_key(s, NEW)
    with pytest.raises(WrongSecret):
        vault.unlock(PASSPHRASE)
    assert len(_codes(vault, NEW)) == 30


def test_a_broken_audit_trail_is_not_sealed_under_a_new_key(tmp_path: Path) -> None:
    vault, _ = _vault(tmp_path)
    with vault.unlock(PASSPHRASE) as s:
        s.conn.execute("UPDATE audit_log SET kind = 'x' WHERE seq = 2")
        with pytest.raises(IntegrityFailure):
            rotation.rotate_data_key(s, PASSPHRASE)
    assert not (vault.path / rotation.STAGED).exists()
    with vault.unlock(PASSPHRASE) as s:
        assert s.audit.entries(kinds=["vault.data_key_rotated"]) == []


class Killed(BaseException):
    """Stands for SIGKILL in-process (the real kills are in tests/reliability/test_kill_points.py)."""


def _interrupted_at(vault: Vault, point: str, passphrase: str = PASSPHRASE) -> None:
    """Rotate, and stop dead at `point`: no cleanup runs (the session's lock and files are left as a kill
    leaves them; the lock is let go as the dead process's would be)."""
    from counselroom.vault import faults

    def stop(name: str) -> None:
        if name == point:
            raise Killed()

    s = vault.unlock(PASSPHRASE)
    real_remove = rotation._remove_staged
    rotation._remove_staged = lambda _p: None  # type: ignore[assignment] - a kill runs no clean-up
    try:
        with faults.installed(stop), pytest.raises(Killed):
            rotation.rotate_data_key(s, passphrase)
    finally:
        rotation._remove_staged = real_remove  # type: ignore[assignment]
        s._lock.release()
        s.conn.close()


@pytest.mark.parametrize("point", ["rotate.staged", "keyslots.between_copies", "rotate.slots_both", "rotate.swapped"])
def test_a_rotation_stopped_dead_opens_with_the_old_or_the_new_secret(tmp_path: Path, point: str) -> None:
    vault, _ = _vault(tmp_path)
    before = _codes(vault)
    _interrupted_at(vault, point, NEW)  # the next generation under a new passphrase, the current one under the old
    shutil.copytree(vault.path, tmp_path / "same-state")  # to try the other secret on the same state
    opened = []
    for secret, folder in ((PASSPHRASE, vault.path), (NEW, tmp_path / "same-state")):
        try:
            with Vault(folder, state_dir=tmp_path / f"state-{secret[:3]}").unlock(secret) as s:
                assert s.audit.verify().ok
                assert sorted(c.code for c in Services.open(s).clients.list(include_archived=True)) == before
        except WrongSecret:
            continue
        opened.append(secret)
        assert keyslots.SlotFile.from_bytes((folder / "keyslots.json").read_bytes()).next is None
        assert keyslots.SlotFile.from_bytes((folder / "keyslots.mirror.json").read_bytes()).next is None
        assert not (folder / rotation.STAGED).exists()
    assert opened, "neither secret opens the vault"
    expected = {"rotate.staged": [PASSPHRASE], "keyslots.between_copies": [PASSPHRASE, NEW],
                "rotate.slots_both": [PASSPHRASE, NEW], "rotate.swapped": [NEW]}
    assert opened == expected[point]


def test_new_passphrase_after_a_kill_before_the_swap_rolls_forward(tmp_path: Path) -> None:
    vault, _ = _vault(tmp_path)
    _interrupted_at(vault, "rotate.slots_both", NEW)
    assert (vault.path / rotation.STAGED).exists()
    with vault.unlock(NEW) as s:  # the counselor types the passphrase just set
        assert s.audit.entries(kinds=["vault.rotation_completed"])
        assert s.audit.entries(kinds=["vault.data_key_rotated"])
    assert not (vault.path / rotation.STAGED).exists()
    assert keyslots.SlotFile.from_bytes(vault.slot_paths[1].read_bytes()).next is None
    with pytest.raises(WrongSecret):
        vault.unlock(PASSPHRASE)


def test_old_passphrase_after_a_kill_before_the_swap_abandons_it(tmp_path: Path) -> None:
    vault, _ = _vault(tmp_path)
    _interrupted_at(vault, "rotate.slots_both", NEW)
    with vault.unlock(PASSPHRASE) as s:
        assert s.audit.entries(kinds=["vault.rotation_abandoned"])
        Services.open(s).clients.create(Client(code="AFTER"))
    assert not (vault.path / rotation.STAGED).exists()
    with pytest.raises(WrongSecret):  # the next generation is gone: a later roll-forward cannot lose AFTER
        vault.unlock(NEW)
    assert "AFTER" in _codes(vault)
