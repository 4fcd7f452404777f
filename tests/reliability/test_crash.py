"""Crash: a real process writing clients one transaction at a time is killed with SIGKILL at an arbitrary
moment. Every client it reported as saved (printed after the commit returned) is in the reopened vault,
every integrity check passes, and the audit trail is unbroken with one entry per client.

A second process cannot open a vault another process holds: it gets VaultBusy with its message (the
command line: exit status 1 and that one line), and the refused attempts change no byte of the vault.

The control runs a deliberately wrong writer that reports a client before committing it: the same
verification must then find the client missing, so the main test can fail.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

import pytest
from helpers import start_child

from conftest import PASSPHRASE
from counselroom.records.services import Services
from counselroom.vault.errors import VaultBusy
from counselroom.vault.integrity import run_checks
from counselroom.vault.vault import Vault

ROUNDS = 4
# The children are watched through select() on their stdout pipe, which Windows does not offer.
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="select() on pipes")


def reopen_and_verify(vault: Vault, reported: list[str]) -> tuple[list[str], set[str]]:
    """Reopen the vault after a kill; return (reported clients missing, every client code present), after
    asserting that the vault is sound."""
    with vault.unlock(PASSPHRASE) as session:
        services = Services.open(session)
        codes = {c.code for c in services.clients.list(include_archived=True)}
        failed = [r for r in run_checks(session) if not r.ok]
        assert failed == [], f"checks failed after the kill: {failed}"
        verification = services.audit.verify()
        assert verification.ok, verification
        created = services.audit.entries(kinds=["client.created"])
        assert len(created) == len(codes), "one audit entry per client, no more, no fewer"
    return [c for c in reported if c not in codes], codes


@pytest.mark.slow
def test_sigkill_mid_stream_loses_no_reported_client(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    rng = random.Random()
    all_reported: list[str] = []
    hot_journals = 0
    for round_no in range(1, ROUNDS + 1):
        child = start_child("write", vault.path, vault.state_dir, str(round_no * 100_000), passphrase=PASSPHRASE)
        target = rng.randrange(10, 40)
        reported: list[str] = []
        try:
            while len(reported) < target:
                line = child.readline()
                assert line, f"writer ended early: {child.proc.stderr.read() if child.proc.stderr else ''}"
                reported.append(line.strip())
            time.sleep(rng.random() * 0.02)  # land anywhere: in a statement, in the commit, between writes
        finally:
            child.kill()
        hot_journals += (vault.path / "vault.db-journal").exists()
        all_reported += reported
        missing, codes = reopen_and_verify(vault, all_reported)
        assert missing == [], f"round {round_no}: reported as saved but gone after the kill: {missing}"
        assert len(codes) >= len(all_reported)
    print(f"{ROUNDS} kills, {len(all_reported)} clients reported, {hot_journals} hot journal(s) rolled back")


def test_control_a_client_reported_before_its_commit_is_found_missing(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    child = start_child("early", vault.path, vault.state_dir, "CR-000001", passphrase=PASSPHRASE)
    try:
        reported = [child.readline().strip()]
    finally:
        child.kill()
    assert reported == ["CR-000001"]
    missing, _codes = reopen_and_verify(vault, reported)
    assert missing == ["CR-000001"]


# ---------------------------------------------------------------- a second process

def test_a_second_process_cannot_open_a_vault_another_holds(new_vault: tuple[Vault, str]) -> None:
    vault, recovery_key = new_vault
    holder = start_child("hold", vault.path, vault.state_dir, passphrase=PASSPHRASE, keep_stdin_open=True)
    try:
        assert holder.readline().strip() == "ready"
        before = {p.name: p.read_bytes() for p in vault.path.iterdir() if p.is_file()}

        with pytest.raises(VaultBusy) as busy:
            vault.unlock(PASSPHRASE)
        assert str(busy.value) == VaultBusy.msgid
        with pytest.raises(VaultBusy):
            vault.unlock_with_recovery(recovery_key)
        assert vault.attempts.failures == 0, "a busy vault is not a wrong passphrase"

        proc = subprocess.run(
            [sys.executable, "-m", "counselroom", "check", "--vault", str(vault.path), "--passphrase-stdin"],
            input=PASSPHRASE + "\n", capture_output=True, text=True, timeout=60,
            env=dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8"))
        assert proc.returncode == 1, (proc.stdout, proc.stderr)
        assert proc.stderr.splitlines() == [f"counselroom: {VaultBusy.msgid}"]
        assert proc.stdout == ""

        after = {p.name: p.read_bytes() for p in vault.path.iterdir() if p.is_file()}
        assert after == before, "a refused open changed the vault's files"
    finally:
        assert holder.proc.stdin is not None
        holder.proc.stdin.close()  # the holder locks and exits
        holder.proc.wait(timeout=60)
    assert holder.proc.returncode == 0
    with vault.unlock(PASSPHRASE) as session:  # free again once the other process has closed it
        assert session.is_open
