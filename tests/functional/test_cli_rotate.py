"""`counselroom rotate-key`, `passwd --rotate`, `recover --new-recovery-key` (issue 17.1): the vault re-encrypted
under a new key with progress, the new recovery key shown once, and old backups named as still opening with the
secrets they were made with. Messages claim no more than happened."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PW = "Quiet river 2026 lantern"
NEW = "Another long passphrase 77"


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "counselroom", *args], input=stdin, capture_output=True, text=True,
                          env=os.environ.copy(), timeout=120)


def key_in(out: str) -> str:
    return next(line.strip() for line in out.splitlines() if line.strip().count("-") == 7)


def init(vault: Path) -> str:
    r = cli("init", "--vault", str(vault), "--passphrase-stdin", "--kdf-seconds", "0", stdin=f"{PW}\n{PW}\n")
    assert r.returncode == 0, r.stderr
    return key_in(r.stdout)


def test_rotate_key_lists_old_backups_and_revokes_the_old_recovery_key(tmp_path: Path) -> None:
    v, usb = tmp_path / "v", tmp_path / "usb"
    old_key = init(v)
    usb.mkdir()
    r = cli("backup", "--vault", str(v), "--to", str(usb), "--same-disk", "--passphrase-stdin", stdin=PW + "\n")
    assert r.returncode == 0, r.stderr
    made = r.stdout.strip()
    r = cli("rotate-key", "--vault", str(v), "--passphrase-stdin", stdin=PW + "\n")
    assert r.returncode == 0, r.stderr
    assert "Re-encrypting the vault: 100%" in r.stderr
    assert "re-encrypted under a new key" in r.stdout and made in r.stdout and "still open" in r.stdout
    new_key = key_in(r.stdout)
    assert new_key != old_key
    assert cli("check", "--vault", str(v), "--passphrase-stdin", stdin=PW + "\n").returncode == 0
    assert cli("recover", "--vault", str(v), "--passphrase-stdin", stdin=f"{old_key}\n{PW}\n{PW}\n").returncode == 3
    r = cli("verify-backup", made, "--recovery-key", "--passphrase-stdin", stdin=old_key + "\n")
    assert r.returncode == 0, r.stderr  # as the message said: the old backup keeps its old secrets
    r = cli("recover", "--vault", str(v), "--passphrase-stdin", stdin=f"{new_key}\n{NEW}\n{NEW}\n")
    assert r.returncode == 0 and "stays valid" in r.stdout


def test_passwd_says_what_it_did_not_do_unless_it_rotates(tmp_path: Path) -> None:
    v = tmp_path / "v"
    key = init(v)
    r = cli("passwd", "--vault", str(v), "--passphrase-stdin", stdin=f"{PW}\n{NEW}\n{NEW}\n")
    assert r.returncode == 0, r.stderr
    assert "still open with the old passphrase" in r.stdout and "rotate-key" in r.stdout
    r = cli("passwd", "--vault", str(v), "--passphrase-stdin", "--rotate", stdin=f"{NEW}\n{PW}\n{PW}\n")
    assert r.returncode == 0, r.stderr
    assert "re-encrypted" in r.stdout and "No backup of this vault is registered" in r.stdout
    assert key_in(r.stdout) != key
    assert cli("recover", "--vault", str(v), "--passphrase-stdin", stdin=f"{key}\n{NEW}\n{NEW}\n").returncode == 3
    assert cli("check", "--vault", str(v), "--passphrase-stdin", stdin=PW + "\n").returncode == 0


def test_recover_without_a_new_key_claims_nothing_about_the_old_one(tmp_path: Path) -> None:
    v = tmp_path / "v"
    key = init(v)
    r = cli("recover", "--vault", str(v), "--passphrase-stdin", stdin=f"{key}\n{NEW}\n{NEW}\n")
    assert r.returncode == 0 and "stays valid" in r.stdout and "stops working" not in r.stdout
    r = cli("recover", "--vault", str(v), "--passphrase-stdin", "--new-recovery-key", stdin=f"{key}\n{PW}\n{PW}\n")
    assert r.returncode == 0, r.stderr
    assert "no longer opens it" in r.stdout
    assert cli("recover", "--vault", str(v), "--passphrase-stdin", stdin=f"{key}\n{PW}\n{PW}\n").returncode == 3
