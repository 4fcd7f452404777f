"""Disk full: writes that fail because the file may not grow (RLIMIT_FSIZE, the cheap stand-in for a full
disk; SIGXFSZ ignored so the write returns EFBIG rather than killing the process).

A real process adds clients with long notes until a write fails. It must get the records layer's
StorageFailure with its plain message (not a raw database exception), still read exactly the clients saved
before, and save again once there is room, in the same session. Reopened afterwards, the vault holds
every client saved before the failure, passes every check, and its audit trail is unbroken.
The command line under the same limit exits 1 with one line, and leaves a vault that opens and checks.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import start_child

from conftest import PASSPHRASE
from counselroom.records.services import Services
from counselroom.vault.errors import StorageFailure
from counselroom.vault.integrity import run_checks
from counselroom.vault.vault import Vault

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE and SIGXFSZ")
HEADROOM = 256 * 1024  # room for a few clients with long notes, then full


def _reopen(vault: Vault) -> set[str]:
    with vault.unlock(PASSPHRASE) as session:
        services = Services.open(session)
        assert [r for r in run_checks(session) if not r.ok] == []
        assert services.audit.verify().ok
        codes = {c.code for c in services.clients.list(include_archived=True)}
        assert len(services.audit.entries(kinds=["client.created"])) == len(codes)
        return codes


@pytest.mark.slow
def test_a_full_disk_fails_one_change_cleanly_and_keeps_every_earlier_one(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    limit = vault.db_path.stat().st_size + HEADROOM
    child = start_child("fill", vault.path, vault.state_dir, str(limit), passphrase=PASSPHRASE)
    out, err = child.finish(timeout=120)
    lines = out.splitlines()
    assert child.proc.returncode == 0, f"the writer died: {child.proc.returncode}\n{out}\n{err}"
    saved = [line for line in lines if line.startswith("DF-")]
    full = [line for line in lines if line.startswith("FULL ")]
    assert saved, f"nothing could be saved under the limit:\n{out}\n{err}"
    assert len(full) == 1, f"the disk never filled:\n{out}"
    assert full[0].startswith("FULL counselroom.vault.errors.StorageFailure: "), full[0]
    assert full[0].endswith(StorageFailure().message())
    assert f"READ {len(saved)}" in lines, out
    after = [line.split()[1] for line in lines if line.startswith("AFTER ")]
    assert len(after) == 1, f"the session could not save again once there was room:\n{out}"
    assert "CLOSED" in lines
    assert "Traceback" not in err, err

    codes = _reopen(vault)
    assert codes == {*saved, *after}


@pytest.mark.slow
@pytest.mark.parametrize("limit", [512 * 1024, 48 * 1024], ids=["demo records", "the new vault itself"])
def test_the_command_line_on_a_full_disk_says_so_in_one_line_and_leaves_a_sound_vault(tmp_path: Path,
                                                                                     limit: int) -> None:
    path = tmp_path / "demo"

    def starve() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    proc = subprocess.run(
        [sys.executable, "-m", "counselroom", "demo", "--vault", str(path), "--passphrase-stdin", "--kdf-seconds",
         "0", "--size", "small"], input=f"{PASSPHRASE}\n{PASSPHRASE}\n", capture_output=True, text=True,
        preexec_fn=starve, timeout=120, env=dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8"))
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stderr.splitlines() == [f"counselroom: {StorageFailure().message()}"], proc.stderr
    assert "Traceback" not in proc.stderr
    vault = Vault(path)
    if limit < 64 * 1024:  # not even the empty vault fitted: nothing half-made is left behind
        assert not path.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".demo")]
        return
    assert vault.exists()
    _reopen(vault)
