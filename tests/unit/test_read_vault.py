"""tools/read_vault.py, the independent reader of docs/FORMAT.md (issue 17): it opens the fixture vault of every
schema version and the backup fixture without counselroom, changes none of them, and reads what the program
writes today (a backup, a vault whose data key was rotated)."""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PASSPHRASE
from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault import backup, rotation
from counselroom.vault.kdf import FLOOR
from counselroom.vault.vault import Vault

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "read_vault.py"
VAULTS = ROOT / "tests" / "data" / "vaults"
BACKUP = ROOT / "tests" / "data" / "backups" / "format1-schema3.crbackup"
ALLOWED = {"argparse", "base64", "getpass", "hashlib", "json", "os", "struct", "sys", "tempfile", "unicodedata",
           "pathlib", "typing", "__future__", "sqlcipher3", "argon2", "cryptography"}


def read(path: Path, secret: str, *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    r = subprocess.run([sys.executable, str(TOOL), str(path), *args], input=secret + "\n", capture_output=True,
                       text=True, timeout=120)
    return r.returncode, (json.loads(r.stdout) if r.returncode == 0 else {}), r.stderr


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_the_reader_imports_nothing_of_counselroom() -> None:
    tree = ast.parse(TOOL.read_text("utf-8"))
    imported = {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported <= ALLOWED, imported - ALLOWED


@pytest.mark.parametrize("fixture", sorted(p.name for p in VAULTS.iterdir()))
def test_every_fixture_vault_reads_without_counselroom(fixture: str) -> None:
    folder = VAULTS / fixture
    facts = json.loads((folder / "fixture.json").read_text("utf-8"))
    before = _digest(folder)
    status, doc, err = read(folder, facts["passphrase"])
    assert status == 0, err
    assert doc["kind"] == "vault" and doc["schema_version"] == facts.get("schema_version", int(fixture[1:]))
    assert doc["vault_id"] == json.loads((folder / "keyslots.json").read_text())["vault_id"]
    assert {c["code"]: c["name"] for c in doc["tables"]["clients"]} == facts["clients"]
    assert doc["tables"]["audit_log"] and doc["tables"]["meta"]
    status, by_key, err = read(folder, facts["recovery_key"], "--recovery-key", "--tables", "clients")
    assert status == 0, err
    assert by_key["tables"]["clients"] == doc["tables"]["clients"]
    assert read(folder, "not the passphrase")[0] == 3
    assert _digest(folder) == before, "the reader changed the fixture"


def test_the_backup_fixture_reads_without_counselroom() -> None:
    facts = json.loads(BACKUP.with_suffix(".json").read_text("utf-8"))
    status, doc, err = read(BACKUP, facts["passphrase"])
    assert status == 0, err
    assert doc["kind"] == "backup" and doc["schema_version"] == facts["schema_version"]
    assert doc["metadata"]["fingerprint"] == facts["fingerprint"]
    assert {c["code"]: c["name"] for c in doc["tables"]["clients"]} == facts["clients"]
    assert read(BACKUP, facts["recovery_key"], "--recovery-key", "--tables", "clients")[0] == 0


def test_today_s_backup_and_a_rotated_vault_read_and_a_flipped_byte_is_refused(tmp_path: Path) -> None:
    vault, _ = Vault.create(tmp_path / "vault", PASSPHRASE, kdf_params=FLOOR, state_dir=tmp_path / "state")
    with vault.unlock(PASSPHRASE) as s:
        Services.open(s).clients.create(Client(code="R-1", name="读者"))
        made = backup.make_backup(s, tmp_path, same_disk_ok=True)
        rotated = rotation.rotate_data_key(s, PASSPHRASE)
    status, doc, err = read(made.path, PASSPHRASE)
    assert status == 0, err
    counts = doc["metadata"]["counts"]
    assert all(len(doc["tables"][t]) == n for t, n in counts.items() if t in doc["tables"])
    status, doc, err = read(vault.path, rotated.recovery_key, "--recovery-key")
    assert status == 0, err
    assert [c["code"] for c in doc["tables"]["clients"]] == ["R-1"]
    assert any(e["kind"] == "vault.data_key_rotated" for e in doc["tables"]["audit_log"])
    data = bytearray(made.path.read_bytes())
    data[len(data) - 5000] ^= 0x01
    made.path.write_bytes(bytes(data))
    status, _doc, err = read(made.path, PASSPHRASE)
    assert status == 4 and "damaged or altered" in err
