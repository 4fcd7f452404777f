"""Shared fixtures: real vaults (real SQLCipher, real Argon2id at the floor parameters, which are the
fastest the vault allows) in per-test folders, with the per-user folders redirected there too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from counselroom.records.services import Services
from counselroom.vault.kdf import FLOOR
from counselroom.vault.vault import Vault, VaultSession

PASSPHRASE = "Quiet river 2026 lantern"


@pytest.fixture(autouse=True)
def _private_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test's config, state and data folders inside its own tmp_path."""
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"), ("XDG_DATA_HOME", "data"),
                     ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(var, str(tmp_path / "home" / sub))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()


@pytest.fixture
def medium(tmp_path: Path) -> Path:
    """A folder standing for the backup medium."""
    path = tmp_path / "medium"
    path.mkdir()
    return path


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def new_vault(tmp_path: Path, state_dir: Path) -> tuple[Vault, str]:
    """A fresh vault and its recovery key."""
    return Vault.create(tmp_path / "vault", PASSPHRASE, kdf_params=FLOOR, state_dir=state_dir)


@pytest.fixture
def session(new_vault: tuple[Vault, str]) -> Iterator[VaultSession]:
    s = new_vault[0].unlock(PASSPHRASE)
    yield s
    s.close()


@pytest.fixture
def services(session: VaultSession) -> Services:
    return Services.open(session)


@pytest.fixture
def consented_client(services: Services):  # type: ignore[no-untyped-def]
    """consented_client(code, **fields) -> the id of a new client whose consent is complete and signed on paper
    (by the guardian too for a client under 18), as the notes and tests gate requires, dated 1 January 2015 so
    that sessions of any date a test uses come after it."""
    from datetime import date

    from counselroom.records.clients import Client

    def make(code: str = "C-001", **fields: object) -> int:
        client_id = services.clients.create(Client(code=code, **fields)).id  # type: ignore[arg-type]
        assert client_id is not None
        services.consent.record_signed(client_id, date(2015, 1, 1), guardian_name="Guardian")
        return client_id

    return make


def _tracked_changes() -> str | None:
    """`git status` of the tracked files, or None outside a git checkout (an unpacked source tree)."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    try:
        r = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout if r.returncode == 0 else None


_BEFORE: dict[str, str | None] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    _BEFORE["status"] = _tracked_changes()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Tests never write tracked files (screenshots come only from `python3 dev.py screenshots`): the run
    fails when it changed any."""
    before, after = _BEFORE.get("status"), _tracked_changes()
    if before is None or after is None or after == before:
        return
    changed = sorted(set(after.splitlines()) - set(before.splitlines()))
    print("\nThe test run changed tracked files (tests must write into their temporary folders):\n  "
          + "\n  ".join(changed))
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The kill-point suite's counts (tests/reliability/test_kill_points.py), printed in every run that includes
    it. Here, because tests/reliability is no package: a conftest of its own would shadow this one."""
    import sys

    lines = getattr(sys.modules.get("test_kill_points"), "REPORT", None)
    if lines:
        terminalreporter.section("kill points")
        for line in lines:
            terminalreporter.write_line(line)
