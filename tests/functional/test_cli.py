"""The administrator's command line, run as a real process: what it prints and every exit status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PW = "Quiet river 2026 lantern"
NEW = "Another long passphrase 77"


def cli(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "counselroom", *args], input=stdin, capture_output=True, text=True,
                          env=env or os.environ.copy(), timeout=120)


def init(vault: Path) -> str:
    r = cli("init", "--vault", str(vault), "--passphrase-stdin", "--kdf-seconds", "0", stdin=f"{PW}\n{PW}\n")
    assert r.returncode == 0, r.stderr
    key = next(line.strip() for line in r.stdout.splitlines() if line.strip().count("-") == 7)
    return key


def assert_one_line_error(r: subprocess.CompletedProcess[str], code: int) -> None:
    assert r.returncode == code, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert r.stderr.strip() and len(r.stderr.strip().splitlines()) <= 2


def test_init_prints_the_recovery_key_once_and_check_passes(tmp_path: Path) -> None:
    key = init(tmp_path / "v")
    assert len(key.replace("-", "")) == 32
    r = cli("check", "--vault", str(tmp_path / "v"), "--passphrase-stdin", stdin=PW + "\n")
    assert r.returncode == 0, r.stderr
    assert "Audit trail" in r.stdout and "FAILED" not in r.stdout


def test_wrong_passphrase_exits_3(tmp_path: Path) -> None:
    init(tmp_path / "v")
    r = cli("check", "--vault", str(tmp_path / "v"), "--passphrase-stdin", stdin="nope\n")
    assert_one_line_error(r, 3)
    assert "not correct" in r.stderr


def test_missing_vault_exits_1(tmp_path: Path) -> None:
    r = cli("check", "--vault", str(tmp_path / "absent"), "--passphrase-stdin", stdin=PW + "\n")
    assert_one_line_error(r, 1)


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert_one_line_error(cli("init", "--no-such-flag"), 2)
    r = cli("init", "--vault", str(tmp_path / "v"), "--passphrase-stdin", stdin="short\nshort\n")
    assert_one_line_error(r, 2)
    assert "weak" in r.stderr
    r = cli("init", "--vault", str(tmp_path / "v"), "--passphrase-stdin", stdin=f"{PW}\n{PW}x\n")
    assert_one_line_error(r, 2)
    r = cli("init", "--vault", str(tmp_path / "v"), "--passphrase-stdin", stdin="")
    assert_one_line_error(r, 2)
    assert not (tmp_path / "v").exists()


def test_no_passphrase_from_arguments_or_environment(tmp_path: Path) -> None:
    r = cli("init", "--vault", str(tmp_path / "v"), "--passphrase", PW)
    assert r.returncode == 2
    env = dict(os.environ, COUNSELROOM_PASSPHRASE=PW)
    r = subprocess.run([sys.executable, "-m", "counselroom", "init", "--vault", str(tmp_path / "v")],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and not (tmp_path / "v").exists()


def test_damaged_vault_exits_4(tmp_path: Path) -> None:
    init(tmp_path / "v")
    db = tmp_path / "v" / "vault.db"
    data = bytearray(db.read_bytes())
    data[len(data) // 2] ^= 0x40  # a flipped byte in a page that the checks read
    db.write_bytes(bytes(data))
    r = cli("check", "--vault", str(tmp_path / "v"), "--passphrase-stdin", stdin=PW + "\n")
    assert r.returncode == 4, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr


def test_broken_audit_trail_exits_4(tmp_path: Path) -> None:
    from counselroom.vault.vault import Vault

    init(tmp_path / "v")
    with Vault(tmp_path / "v").unlock(PW) as s:
        s.conn.execute("UPDATE audit_log SET kind = 'vault.nothing' WHERE seq = 1")
    r = cli("check", "--vault", str(tmp_path / "v"), "--passphrase-stdin", stdin=PW + "\n")
    assert r.returncode == 4
    assert "FAILED" in r.stdout and "broken at entry 1" in r.stdout


def test_passwd_then_recover_with_a_new_recovery_key(tmp_path: Path) -> None:
    v = str(tmp_path / "v")
    key = init(tmp_path / "v")
    r = cli("passwd", "--vault", v, "--passphrase-stdin", stdin=f"wrong\n{NEW}\n{NEW}\n")
    assert r.returncode == 3
    r = cli("passwd", "--vault", v, "--passphrase-stdin", stdin=f"{PW}\n{NEW}\n{NEW}\n")
    assert r.returncode == 0, r.stderr
    assert cli("check", "--vault", v, "--passphrase-stdin", stdin=NEW + "\n").returncode == 0
    assert cli("recover", "--vault", v, "--passphrase-stdin", stdin="AAAA\n").returncode == 3
    r = cli("recover", "--vault", v, "--passphrase-stdin", "--new-recovery-key", stdin=f"{key}\n{PW}\n{PW}\n")
    assert r.returncode == 0, r.stderr
    new_key = next(line.strip() for line in r.stdout.splitlines() if line.strip().count("-") == 7)
    assert new_key != key
    assert cli("check", "--vault", v, "--passphrase-stdin", stdin=PW + "\n").returncode == 0
    assert cli("recover", "--vault", v, "--passphrase-stdin", stdin=f"{key}\n{PW}\n{PW}\n").returncode == 3


@pytest.mark.parametrize("size", ["small"])
def test_demo_fills_a_vault(tmp_path: Path, size: str) -> None:
    v = str(tmp_path / "demo")
    r = cli("demo", "--vault", v, "--size", size, "--seed", "3", "--passphrase-stdin", "--kdf-seconds", "0",
            stdin=f"{PW}\n{PW}\n")
    assert r.returncode == 0, r.stderr
    from counselroom.records.services import Services
    from counselroom.vault.vault import Vault

    with Vault(Path(v)).unlock(PW) as s:
        services = Services.open(s)
        clients = services.clients.list(include_archived=True)
        assert len(clients) == 40 + 2  # and two first-year students made clients from the cohort screening
        assert any(any("\u4e00" <= ch <= "\u9fff" for ch in c.name) for c in clients)
        assert any(c.name.isascii() and c.name for c in clients)
        assert services.profile.get().name
        assert services.audit.verify().ok
        notes = [n for c in clients for n in services.notes.for_client(c.id or 0)]
        assert len(notes) > 200 and sum(n.is_signed for n in notes) > 150
        assert services.search.search("焦虑") and services.search.search("sleep")


def test_chinese_messages_when_the_language_is_chinese(tmp_path: Path) -> None:
    env = dict(os.environ, LANG="zh_CN.UTF-8", LC_ALL="zh_CN.UTF-8")
    r = cli("check", "--vault", str(tmp_path / "absent"), "--passphrase-stdin", stdin=PW + "\n", env=env)
    assert r.returncode == 1
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.stderr), r.stderr
