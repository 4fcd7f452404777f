"""`counselroom backup`, `verify-backup` and `restore` as real processes: output and every exit status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PW = "Quiet river 2026 lantern"


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "counselroom", *args], input=stdin, capture_output=True, text=True,
                          env=dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8"), timeout=120)


def demo_vault(path: Path) -> str:
    r = cli("demo", "--vault", str(path), "--passphrase-stdin", "--kdf-seconds", "0", "--size", "small",
            stdin=f"{PW}\n{PW}\n")
    assert r.returncode == 0, r.stderr
    return next(line.strip() for line in r.stdout.splitlines() if line.strip().count("-") == 7)


def one_line_error(r: subprocess.CompletedProcess[str], code: int) -> None:
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert r.stderr.strip() and len(r.stderr.strip().splitlines()) <= 2


def test_backup_verify_restore_confirm(tmp_path: Path) -> None:
    vault, medium = tmp_path / "v", tmp_path / "usb"
    key = demo_vault(vault)
    medium.mkdir()
    r = cli("backup", "--vault", str(vault), "--to", str(medium), "--same-disk", "--passphrase-stdin", stdin=PW + "\n")
    assert r.returncode == 0, r.stderr
    path = Path(r.stdout.strip().splitlines()[-1])
    assert path.parent == medium and path.is_file() and path.name.endswith(".crbackup")

    r = cli("verify-backup", str(path), "--passphrase-stdin", stdin=PW + "\n")
    assert r.returncode == 0, r.stderr
    assert "sound" in r.stdout and "clients: 42" in r.stdout  # 40, and two made from the cohort screening
    r = cli("verify-backup", str(path), "--recovery-key", "--passphrase-stdin", stdin=key + "\n")
    assert r.returncode == 0, r.stderr

    r = cli("restore", str(path), "--vault", str(vault), "--passphrase-stdin", stdin=PW + "\nn\n")
    assert r.returncode == 1 and "Nothing was changed" in r.stdout
    assert not list(tmp_path.glob("v.before-restore-*"))

    r = cli("restore", str(path), "--vault", str(vault), "--passphrase-stdin", stdin=PW + "\ny\n")
    assert r.returncode == 0, r.stderr
    kept = list(tmp_path.glob("v.before-restore-*"))
    assert len(kept) == 1 and str(kept[0]) in r.stdout
    r = cli("check", "--vault", str(vault), "--passphrase-stdin", stdin=PW + "\n")
    assert r.returncode == 0, r.stdout
    r = cli("restore", "--confirm", "--vault", str(vault), "--passphrase-stdin", stdin=PW + "\n")
    assert r.returncode == 0, r.stderr
    assert not kept[0].exists()


def test_restore_undo_and_yes(tmp_path: Path) -> None:
    vault, medium = tmp_path / "v", tmp_path / "usb"
    demo_vault(vault)
    medium.mkdir()
    r = cli("backup", "--vault", str(vault), "--to", str(medium), "--same-disk", "--passphrase-stdin", stdin=PW + "\n")
    path = r.stdout.strip()
    original = (vault / "vault.db").read_bytes()
    r = cli("restore", path, "--vault", str(vault), "--passphrase-stdin", "--yes", stdin=PW + "\n")
    assert r.returncode == 0, r.stderr
    assert (vault / "vault.db").read_bytes() != original
    r = cli("restore", "--undo", "--vault", str(vault))
    assert r.returncode == 0, r.stderr
    assert (vault / "vault.db").read_bytes() == original
    one_line_error(cli("restore", "--undo", "--vault", str(vault)), 1)


def test_exit_statuses(tmp_path: Path) -> None:
    vault, medium = tmp_path / "v", tmp_path / "usb"
    demo_vault(vault)
    medium.mkdir()
    r = cli("backup", "--vault", str(vault), "--to", str(medium), "--same-disk", "--passphrase-stdin", stdin=PW + "\n")
    path = Path(r.stdout.strip())

    one_line_error(cli("verify-backup", str(path), "--passphrase-stdin", stdin="wrong passphrase\n"), 3)
    one_line_error(cli("backup", "--vault", str(vault), "--to", str(medium), "--same-disk", "--passphrase-stdin",
                       stdin="wrong\n"), 3)
    r = cli("backup", "--vault", str(vault), "--to", str(tmp_path / "pulled" / "x"), "--same-disk",
            "--passphrase-stdin", stdin=PW + "\n")
    one_line_error(r, 1)
    assert "cannot be found" in r.stderr
    one_line_error(cli("verify-backup", str(tmp_path / "none.crbackup"), "--passphrase-stdin", stdin=PW + "\n"), 1)
    one_line_error(cli("backup", "--vault", str(vault), "--passphrase-stdin", stdin=PW + "\n"), 2)  # no --to
    one_line_error(cli("restore", "--vault", str(vault), "--passphrase-stdin", stdin=PW + "\n"), 2)  # no file

    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10
    damaged = medium / "damaged.crbackup"
    damaged.write_bytes(bytes(data))
    r = cli("verify-backup", str(damaged), "--passphrase-stdin", stdin=PW + "\n")
    one_line_error(r, 4)
    assert "damaged" in r.stderr
    before = (vault / "vault.db").read_bytes()
    one_line_error(cli("restore", str(damaged), "--vault", str(vault), "--passphrase-stdin", "--yes",
                       stdin=PW + "\n"), 4)
    assert (vault / "vault.db").read_bytes() == before
    assert not list(tmp_path.glob(".v.restoring-*")) and not list(tmp_path.glob("v.before-restore-*"))
    one_line_error(cli("restore", str(path), "--vault", str(vault), "--passphrase-stdin", "--yes",
                       stdin="wrong\n"), 3)
    # no terminal and no --yes: refuses instead of guessing
    r = subprocess.run([sys.executable, "-m", "counselroom", "restore", str(path), "--vault", str(vault)],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    one_line_error(r, 2)
