"""The command line refuses to put a vault in a synced folder or on a network share, with the reason in
one line and exit status 2, before it asks for anything; an ordinary folder works."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from counselroom.vault.location import _linux_mounts, mount_of

PW = "Quiet river 2026 lantern"


def cli(*args: str, stdin: str = "", lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = os.environ.copy()
    env["LANG"] = "zh_CN.UTF-8" if lang == "zh_CN" else "C.UTF-8"
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    env.pop("LANGUAGE", None)
    return subprocess.run([sys.executable, "-m", "counselroom", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=120)


def test_init_into_a_onedrive_folder_is_refused_with_the_reason(tmp_path: Path) -> None:
    target = tmp_path / "OneDrive" / "counselroom"
    r = cli("init", "--vault", str(target), "--passphrase-stdin", "--kdf-seconds", "0", stdin=f"{PW}\n{PW}\n")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert r.stderr.startswith("counselroom: This folder is synchronized by OneDrive.")
    assert "Recovery key" not in r.stdout
    assert not target.exists() and not (tmp_path / "OneDrive").exists()  # nothing was written


def test_demo_into_a_nutstore_folder_is_refused_in_chinese_too(tmp_path: Path) -> None:
    target = tmp_path / "Nutstore Files" / "demo"
    r = cli("demo", "--vault", str(target), "--passphrase-stdin", "--kdf-seconds", "0", stdin=f"{PW}\n{PW}\n",
            lang="zh_CN")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "坚果云" in r.stderr and "同步" in r.stderr
    assert not target.exists()


def test_init_into_an_ordinary_folder_works(tmp_path: Path) -> None:
    target = tmp_path / "心理咨询室" / "vault"
    r = cli("init", "--vault", str(target), "--passphrase-stdin", "--kdf-seconds", "0", stdin=f"{PW}\n{PW}\n")
    assert r.returncode == 0, r.stderr
    assert "Vault created at" in r.stdout and (target / "vault.db").is_file()
    assert "synchronized" not in r.stderr and "network" not in r.stderr


def _is_tmpfs(folder: str) -> bool:
    mount = mount_of(folder, _linux_mounts()) if sys.platform.startswith("linux") else None
    return mount is not None and mount.fstype == "tmpfs" and os.access(folder, os.W_OK)


def test_a_folder_erased_at_restart_is_warned_about_and_the_vault_is_still_made(tmp_path: Path) -> None:
    if not _is_tmpfs("/dev/shm"):
        pytest.skip("no writable tmpfs at /dev/shm here")
    folder = Path(tempfile.mkdtemp(prefix="counselroom-test-", dir="/dev/shm"))
    try:
        r = cli("init", "--vault", str(folder / "vault"), "--passphrase-stdin", "--kdf-seconds", "0",
                stdin=f"{PW}\n{PW}\n")
        assert r.returncode == 0, r.stderr
        assert r.stderr.startswith("counselroom: warning: This folder is kept in memory (tmpfs)")
        assert (folder / "vault" / "vault.db").is_file() and "Vault created at" in r.stdout
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_without_vault_the_commands_use_the_folder_chosen_in_the_wizard(tmp_path: Path) -> None:
    chosen = tmp_path / "D" / "records"
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "counselroom" / "settings.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"language": "en", "vault_folder": str(chosen)}), "utf-8")
    r = cli("init", "--passphrase-stdin", "--kdf-seconds", "0", stdin=f"{PW}\n{PW}\n")
    assert r.returncode == 0, r.stderr
    assert (chosen / "vault.db").is_file()
    r = cli("check", "--passphrase-stdin", stdin=f"{PW}\n")
    assert r.returncode == 0, r.stderr
    assert "The vault is sound." in r.stdout
