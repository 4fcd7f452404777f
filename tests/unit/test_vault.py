import hashlib
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import PASSPHRASE
from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault.errors import Throttled, VaultBusy, VaultExists, VaultNotFound, WrongSecret
from counselroom.vault.kdf import FLOOR
from counselroom.vault.vault import Vault


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_create_unlock_and_keep_records(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    with vault.unlock(PASSPHRASE) as s:
        Services.open(s).clients.create(Client(code="A1", name="王小雨"))
    with vault.unlock(PASSPHRASE) as s:
        assert [c.name for c in Services.open(s).clients.list()] == ["王小雨"]


def test_folder_and_files_are_private(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    assert stat.S_IMODE(vault.path.stat().st_mode) == 0o700
    for p in vault.path.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p.name


def test_create_refuses_a_folder_in_use(tmp_path: Path, state_dir: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "something.txt").write_text("x")
    with pytest.raises(VaultExists):
        Vault.create(tmp_path / "busy", PASSPHRASE, kdf_params=FLOOR, state_dir=state_dir)
    assert not any(p.name.startswith(".busy.creating") for p in tmp_path.iterdir())


def test_missing_vault_says_so(tmp_path: Path) -> None:
    with pytest.raises(VaultNotFound):
        Vault(tmp_path / "none", tmp_path / "st").unlock(PASSPHRASE)


def test_wrong_passphrase_changes_no_byte_of_the_vault(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    with vault.unlock(PASSPHRASE) as s:
        Services.open(s).clients.create(Client(code="A1", name="Li Na"))
    before = snapshot(vault.path)
    for attempt in ("wrong one", "Wrong Two", ""):
        with pytest.raises(WrongSecret):
            vault.unlock(attempt)
        vault.attempts.path.unlink()  # skip the wait; the wait has its own test
    with pytest.raises(WrongSecret):
        vault.unlock_with_recovery("AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA")
    assert snapshot(vault.path) == before


def test_delay_grows_survives_a_restart_and_failures_are_reported(tmp_path: Path, state_dir: Path) -> None:
    clock = FakeClock()
    Vault.create(tmp_path / "v", PASSPHRASE, kdf_params=FLOOR, state_dir=state_dir)
    vault = Vault(tmp_path / "v", state_dir, clock)
    delays = []
    for _ in range(5):
        with pytest.raises(WrongSecret) as e:
            vault.unlock("not it")
        delays.append(e.value.retry_after)
        if e.value.retry_after:
            with pytest.raises(Throttled):
                vault.unlock(PASSPHRASE)  # even the right passphrase waits
        clock.now += e.value.retry_after
    assert delays[:2] == [0, 2] and delays == sorted(delays) and delays[-1] > delays[1]
    restarted = Vault(tmp_path / "v", state_dir, clock)  # a new process, the same state folder
    restarted.attempts.record_failure()
    with pytest.raises(Throttled):
        restarted.unlock(PASSPHRASE)
    clock.now += 120
    with restarted.unlock(PASSPHRASE) as s:
        assert s.failed_attempts == 6
        kinds = [(e.kind, e.detail) for e in Services.open(s).audit.entries()]
    assert ("vault.unlock_failed", {"count": 6}) in kinds
    with restarted.unlock(PASSPHRASE) as s:
        assert s.failed_attempts == 0


def test_change_passphrase_keeps_the_recovery_key(new_vault: tuple[Vault, str]) -> None:
    vault, recovery_key = new_vault
    with vault.unlock(PASSPHRASE) as s:
        s.change_passphrase(PASSPHRASE, "A new passphrase for 2027")
    with pytest.raises(WrongSecret):
        vault.unlock(PASSPHRASE)
    with vault.unlock("A new passphrase for 2027"):
        pass
    with vault.unlock_with_recovery(recovery_key) as s:
        kinds = [e.kind for e in s.audit.entries()]
    assert "vault.passphrase_changed" in kinds


def test_change_passphrase_needs_the_old_one(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    with vault.unlock(PASSPHRASE) as s, pytest.raises(WrongSecret):
        s.change_passphrase("not the old one", "A new passphrase for 2027")


def test_recovery_sets_a_new_passphrase_and_can_replace_the_key(new_vault: tuple[Vault, str]) -> None:
    vault, old_key = new_vault
    with vault.unlock_with_recovery(old_key.lower()) as s:
        s.set_passphrase("Recovered lantern 2026")
        new_key = s.new_recovery_key()
        kinds = [e.detail.get("with") for e in s.audit.entries(kinds=["vault.unlocked"])]
    assert "recovery" in kinds
    with vault.unlock("Recovered lantern 2026"):
        pass
    with pytest.raises(WrongSecret):
        vault.unlock_with_recovery(old_key)
    with vault.unlock_with_recovery(new_key):
        pass


def test_a_second_opener_is_refused_in_process(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    with vault.unlock(PASSPHRASE):
        with pytest.raises(VaultBusy) as e:
            Vault(vault.path, vault.state_dir).unlock(PASSPHRASE)
        assert "already open" in e.value.message()
    with vault.unlock(PASSPHRASE):
        pass


def test_a_second_process_is_refused(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from counselroom.vault.vault import Vault
        from counselroom.vault.errors import VaultBusy
        try:
            Vault(Path({str(vault.path)!r}), Path({str(vault.state_dir)!r})).unlock({PASSPHRASE!r})
        except VaultBusy:
            sys.exit(7)
        sys.exit(0)
    """)
    with vault.unlock(PASSPHRASE):
        held = subprocess.run([sys.executable, "-c", code], env=os.environ.copy())
    free = subprocess.run([sys.executable, "-c", code], env=os.environ.copy())
    assert (held.returncode, free.returncode) == (7, 0)
