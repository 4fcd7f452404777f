"""The command line's edges (issue 17.7): input that is not UTF-8, a mistyped command, the wait after wrong
passphrases in words and in the README, `check` on a damaged vault writing nothing, one hardening function."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from counselroom.vault.attempts import MAX_DELAY_S, delay_after
from counselroom.vault.errors import Throttled, wait_text
from counselroom.vault.vault import Vault

PW = "Quiet river 2026 lantern"
ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([sys.executable, "-m", "counselroom", *args], input=stdin, capture_output=True,
                       env=env or os.environ.copy(), timeout=120)
    return subprocess.CompletedProcess(r.args, r.returncode, r.stdout.decode("utf-8", "replace"),
                                       r.stderr.decode("utf-8", "replace"))


def init(vault: Path) -> None:
    r = cli("init", "--vault", str(vault), "--passphrase-stdin", "--kdf-seconds", "0",
            stdin=f"{PW}\n{PW}\n".encode())
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("line", [b"\xff\xfe not text\n", "Quiet river 2026 灯笼\n".encode("gb18030")])
def test_a_passphrase_line_that_is_not_utf8_is_a_clear_usage_error(tmp_path: Path, line: bytes) -> None:
    init(tmp_path / "v")
    before = (tmp_path / "v" / "vault.db").read_bytes()
    r = cli("check", "--vault", str(tmp_path / "v"), "--passphrase-stdin", stdin=line)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "not UTF-8" in r.stderr and "unexpected" not in r.stderr and "Traceback" not in r.stderr
    assert (tmp_path / "v" / "vault.db").read_bytes() == before
    r = cli("init", "--vault", str(tmp_path / "new"), "--passphrase-stdin", "--kdf-seconds", "0", stdin=line + line)
    assert r.returncode == 2 and "not UTF-8" in r.stderr
    assert not (tmp_path / "new").exists()


def test_a_mistyped_command_says_so_and_suggests_the_right_one() -> None:
    r = cli("chek")
    assert r.returncode == 2
    assert "'chek' is not a command" in r.stderr and "counselroom check" in r.stderr
    assert "Traceback" not in r.stderr
    r = cli("bakcup", "--vault", "x")
    assert r.returncode == 2 and "counselroom backup" in r.stderr
    r = cli("frobnicate")
    assert r.returncode == 2 and "not a command" in r.stderr and "verify-backup" in r.stderr


def test_a_mistyped_command_in_chinese() -> None:
    env = dict(os.environ, LANG="zh_CN.UTF-8", LC_ALL="zh_CN.UTF-8")
    r = cli("chek", env=env)
    assert r.returncode == 2 and "counselroom check" in r.stderr
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.stderr), r.stderr


def test_one_second_is_singular_in_both_languages() -> None:
    from counselroom import i18n

    try:
        i18n.set_language("en")
        assert Throttled(1.0).message() == "Too many wrong attempts. Wait 1 second before trying again."
        assert Throttled(0.2).message() == "Too many wrong attempts. Wait 1 second before trying again."
        assert Throttled(1.2).message() == "Too many wrong attempts. Wait 2 seconds before trying again."
        assert wait_text(1) == "Wait 1 second before the next try."
        assert wait_text(4) == "Wait 4 seconds before the next try."
        i18n.set_language("zh_CN")
        assert Throttled(1.0).message() == "错误次数过多。请等待 1 秒后再试。"
        assert wait_text(1) == "请等待 1 秒后再试。" and wait_text(8) == "请等待 8 秒后再试。"
    finally:
        i18n.set_language("en")


def test_the_readme_states_the_wait_the_code_gives() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"after the\s+1st\s+to\s+the\s+(\d+)th\s+wrong\s+attempt:\s+([\d, ]+) s", readme)
    assert m, "the README no longer states the wait sequence in the tested form"
    stated = [float(x) for x in m.group(2).split(",")]
    assert len(stated) == int(m.group(1))
    assert stated == [delay_after(n) for n in range(1, len(stated) + 1)]
    assert stated[-1] == MAX_DELAY_S and delay_after(len(stated) + 5) == MAX_DELAY_S


def _audit_rows(vault: Path) -> int:
    with Vault(vault).unlock(PW) as s:
        return int(s.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])


def test_check_writes_no_audit_entry_on_a_damaged_vault(tmp_path: Path) -> None:
    v = tmp_path / "v"
    init(v)
    r = cli("check", "--vault", str(v), "--passphrase-stdin", stdin=f"{PW}\n".encode())
    assert r.returncode == 0
    with Vault(v).unlock(PW) as s:  # a damaged audit entry: the vault still opens, `check` fails
        s.conn.execute("UPDATE audit_log SET kind = 'vault.nothing' WHERE seq = 1")
    with Vault(v).unlock(PW) as s:
        rows_before = int(s.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])
    db_before = (v / "vault.db").read_bytes()
    r = cli("check", "--vault", str(v), "--passphrase-stdin", stdin=f"{PW}\n".encode())
    assert r.returncode == 4 and "FAILED" in r.stdout
    assert (v / "vault.db").read_bytes() == db_before, "check wrote into a damaged vault"
    with Vault(v).unlock(PW) as s:
        rows = int(s.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])
    assert rows == rows_before + 2  # that unlock's lock entry and this unlock's


def test_check_on_a_sound_vault_still_audits_its_unlock(tmp_path: Path) -> None:
    v = tmp_path / "v"
    init(v)
    before = _audit_rows(v)
    assert cli("check", "--vault", str(v), "--passphrase-stdin", stdin=f"{PW}\n".encode()).returncode == 0
    with Vault(v).unlock(PW) as s:
        kinds = [e.kind for e in s.audit.entries(limit=4)]
    assert kinds[1:3] == ["vault.locked", "vault.unlocked"] and _audit_rows(v) > before


def test_one_hardening_function() -> None:
    import counselroom.cli as cli_module
    import counselroom.hardening as hardening

    assert not hasattr(cli_module, "harden_process")
    sources = [p for p in (ROOT / "src" / "counselroom").rglob("*.py") if "RLIMIT_CORE" in p.read_text("utf-8")]
    assert sources == [Path(hardening.__file__)]


def test_backup_to_a_folder_on_the_vault_s_disk_needs_same_disk(tmp_path: Path) -> None:
    v, folder = tmp_path / "v", tmp_path / "documents"
    init(v)
    folder.mkdir()
    r = cli("backup", "--vault", str(v), "--to", str(folder), "--passphrase-stdin", stdin=f"{PW}\n".encode())
    assert r.returncode == 2 and "same disk" in r.stderr and "--same-disk" in r.stderr, r.stderr
    assert list(folder.iterdir()) == []
    r = cli("backup", "--vault", str(v), "--to", str(folder), "--same-disk", "--passphrase-stdin",
            stdin=f"{PW}\n".encode())
    assert r.returncode == 0, r.stderr
    assert [p.suffix for p in folder.iterdir()] == [".crbackup"]
