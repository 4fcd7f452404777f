"""Vaults of every released schema version open and migrate; a failing migration changes nothing."""

import json
import shutil
from pathlib import Path

import pytest

from counselroom.records.services import Services
from counselroom.vault import migrations
from counselroom.vault.errors import DatabaseProblem, VaultTooNew
from counselroom.vault.vault import Vault

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "vaults"
LATEST = max(FIXTURES.iterdir(), key=lambda p: int(p.name[1:]))


def test_a_fixture_is_kept_for_every_released_schema_version() -> None:
    # tools/make_schema_fixture.py keeps the current version's vault before a migration is added, so every
    # version older than the current one must have its fixture.
    kept = sorted(int(p.name[1:]) for p in FIXTURES.iterdir() if p.name.startswith("v"))
    assert set(range(1, migrations.CURRENT_VERSION)) <= set(kept)


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.iterdir()))
def test_old_vault_migrates_and_keeps_its_records(fixture: str, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / fixture, tmp_path / "vault")
    facts = json.loads((tmp_path / "vault" / "fixture.json").read_text("utf-8"))
    vault = Vault(tmp_path / "vault", tmp_path / "state")
    with vault.unlock(facts["passphrase"]) as session:
        assert migrations.schema_version(session.conn) == migrations.CURRENT_VERSION
        services = Services.open(session)
        assert {c.code: c.name for c in services.clients.list(include_archived=True)} == facts["clients"]
        assert services.profile.get().name == facts["profile_name"]
        assert services.audit.verify().ok
        if facts["schema_version"] < migrations.CURRENT_VERSION:
            assert services.audit.entries(kinds=["vault.migrated"])
    with vault.unlock_with_recovery(facts["recovery_key"]):
        pass


def test_a_failing_migration_leaves_the_vault_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(LATEST, tmp_path / "vault")
    facts = json.loads((tmp_path / "vault" / "fixture.json").read_text("utf-8"))
    broken = [*migrations.MIGRATIONS, ["CREATE TABLE extra (x)", "THIS IS NOT SQL"]]
    monkeypatch.setattr(migrations, "MIGRATIONS", broken)
    monkeypatch.setattr(migrations, "CURRENT_VERSION", len(broken))
    vault = Vault(tmp_path / "vault", tmp_path / "state")
    with pytest.raises(DatabaseProblem):
        vault.unlock(facts["passphrase"])
    monkeypatch.undo()
    with vault.unlock(facts["passphrase"]) as session:
        assert migrations.schema_version(session.conn) == migrations.CURRENT_VERSION
        assert not session.conn.execute("SELECT name FROM sqlite_master WHERE name = 'extra'").fetchall()


def test_a_vault_from_a_newer_program_is_refused(session_path_vault: tuple[Vault, str]) -> None:
    vault, passphrase = session_path_vault
    with vault.unlock(passphrase) as s:
        s.conn.execute(f"PRAGMA user_version = {migrations.CURRENT_VERSION + 1}")
    with pytest.raises(VaultTooNew):
        vault.unlock(passphrase)


@pytest.fixture
def session_path_vault(tmp_path: Path) -> tuple[Vault, str]:
    shutil.copytree(LATEST, tmp_path / "vault")
    facts = json.loads((tmp_path / "vault" / "fixture.json").read_text("utf-8"))
    return Vault(tmp_path / "vault", tmp_path / "state"), facts["passphrase"]
