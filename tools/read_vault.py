#!/usr/bin/env python3
"""Read a counselroom vault folder or backup file without counselroom, and dump it as JSON.

An independent reader of the format in docs/FORMAT.md, so that a room can read its records in twenty years
without this program: it uses only the standard library, argon2-cffi, cryptography and sqlcipher3 (it imports
nothing of counselroom). It never writes to the vault: the database is opened read-only, and a backup's
database is copied to a private temporary file that is removed afterwards.

    python3 tools/read_vault.py VAULT_FOLDER_OR_BACKUP [--recovery-key] [--out FILE] [--tables a,b]

The passphrase (or with --recovery-key the recovery key) is read from the terminal without echo, or as the
first line of standard input when that is not a terminal. The JSON holds `kind` ("vault" or "backup"),
`vault_id`, `schema_version`, for a backup its authenticated `metadata`, and `tables`: every table's rows as
objects (bytes as {"base64": ...}); the full-text index (a derived copy of the notes) is left out.
Exit status: 0 done, 2 usage, 3 wrong secret, 4 damaged or not a counselroom file.
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import json
import os
import struct
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import sqlcipher3
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEYSLOTS_FORMAT = "counselroom-keyslots-1"
BACKUP_MAGIC = b"CRBACKUP"
BACKUP_FORMAT = "counselroom-backup-1"
META_INFO = b"counselroom backup metadata v1"
CEILING = {"t": 40, "m_kib": 256 * 1024, "p": 16}  # refuse key files that ask for more (docs/FORMAT.md)
FLOOR = {"t": 3, "m_kib": 64 * 1024, "p": 4}
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class Refused(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


# ---------------------------------------------------------------- secrets and key slots

def passphrase_bytes(text: str) -> bytes:
    return unicodedata.normalize("NFC", text).encode("utf-8")


def recovery_bytes(text: str) -> bytes:
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\r\n")
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")
    if len(cleaned) != 32 or any(ch not in CROCKFORD for ch in cleaned):
        raise Refused("not a recovery key (32 letters and digits in groups of four)", 3)
    n = 0
    for ch in cleaned:
        n = (n << 5) | CROCKFORD.index(ch)
    return n.to_bytes(20, "big")


def parse_keyslots(data: bytes) -> dict[str, Any]:
    doc = json.loads(data.decode("ascii"))
    if not isinstance(doc, dict) or doc.get("format") != KEYSLOTS_FORMAT:
        raise ValueError("not a key-slot file")
    checksum = doc.pop("checksum", None)
    if checksum != hashlib.sha256(canonical(doc)).hexdigest():
        raise ValueError("checksum")
    return doc


def unwrap(slot: dict[str, Any], secret: bytes, vault_id: str) -> bytes:
    params = slot["params"]
    if any(not isinstance(params[k], int) or not FLOOR[k] <= params[k] <= CEILING[k] for k in ("t", "m_kib", "p")):
        raise Refused("the key file's key-derivation parameters are out of bounds: damaged or altered", 4)
    salt = base64.b64decode(slot["salt"], validate=True)
    kek = hash_secret_raw(secret, salt, params["t"], params["m_kib"], params["p"], 32, Type.ID)
    header = {"format": KEYSLOTS_FORMAT, "vault_id": vault_id, "kind": slot["kind"], "kdf": "argon2id",
              "params": params, "salt": slot["salt"]}
    try:
        return AESGCM(kek).decrypt(base64.b64decode(slot["nonce"], validate=True),
                                   base64.b64decode(slot["wrapped"], validate=True), canonical(header))
    except InvalidTag:
        raise Refused("wrong secret", 3) from None


def candidate_keys(slot_files: list[dict[str, Any]], kind: str, secret: bytes) -> list[bytes]:
    """Every data key the secret unwraps: the current slots of each copy, then a rotation's next generation."""
    keys: list[bytes] = []
    for generation in ("slots", "next"):
        for doc in slot_files:
            slots = doc.get("slots") if generation == "slots" else (doc.get("next") or {}).get("slots")
            for slot in slots or []:
                if slot.get("kind") != kind:
                    continue
                try:
                    key = unwrap(slot, secret, doc["vault_id"])
                except Refused as e:
                    if e.status != 3:
                        raise
                    continue
                if key not in keys:
                    keys.append(key)
    if not keys:
        raise Refused("wrong secret", 3)
    return keys


# ---------------------------------------------------------------- the SQLCipher database

def open_db(path: Path, key: bytes, read_only: bool) -> sqlcipher3.Connection:
    uri = path.resolve().as_uri() + ("?mode=ro" if read_only else "")
    conn = sqlcipher3.connect(uri, uri=True)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")  # SQLCipher 4 defaults; the raw key is the page key
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # raises for a wrong key
    return conn


def open_with_any(path: Path, keys: list[bytes], read_only: bool) -> sqlcipher3.Connection:
    for key in keys:
        try:
            return open_db(path, key, read_only)
        except sqlcipher3.DatabaseError:
            continue
    raise Refused("the database does not open with the key (damaged, or another vault's file)", 4)


def _value(v: object) -> object:
    if isinstance(v, (bytes, memoryview)):
        return {"base64": base64.b64encode(bytes(v)).decode("ascii")}
    return v


def dump(conn: sqlcipher3.Connection, only: set[str] | None) -> dict[str, Any]:
    rows = conn.execute("SELECT name, rootpage, sql FROM sqlite_master WHERE type = 'table' "
                        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").fetchall()
    virtual = [name for name, rootpage, _sql in rows if not rootpage]
    tables: dict[str, list[dict[str, object]]] = {}
    for name, rootpage, _sql in rows:
        if not rootpage or any(name.startswith(v + "_") for v in virtual) or (only and name not in only):
            continue  # the full-text index and its shadow tables: derived from the notes
        cur = conn.execute(f'SELECT * FROM "{name.replace(chr(34), chr(34) * 2)}" ORDER BY rowid')
        cols = [d[0] for d in cur.description]
        tables[name] = [{c: _value(v) for c, v in zip(cols, row, strict=True)} for row in cur]
    meta_rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    return {"vault_id": meta_rows.get("vault_id"),
            "schema_version": int(conn.execute("PRAGMA user_version").fetchone()[0]),
            "full_text_index_left_out": virtual, "tables": tables}


# ---------------------------------------------------------------- a vault folder, a backup file

def read_vault(folder: Path, kind: str, secret: bytes, only: set[str] | None) -> dict[str, Any]:
    slot_files = []
    for name in ("keyslots.json", "keyslots.mirror.json"):
        try:
            slot_files.append(parse_keyslots((folder / name).read_bytes()))
        except (OSError, ValueError, UnicodeDecodeError):
            continue
    if not slot_files:
        raise Refused("no readable key file (keyslots.json, keyslots.mirror.json)", 4)
    keys = candidate_keys(slot_files, kind, secret)
    conn = open_with_any(folder / "vault.db", keys, read_only=True)
    try:
        return {"kind": "vault", **dump(conn, only)}
    finally:
        conn.close()


def read_backup(path: Path, kind: str, secret: bytes, only: set[str] | None) -> dict[str, Any]:
    with open(path, "rb") as f:
        if f.read(8) != BACKUP_MAGIC:
            raise Refused("not a counselroom backup", 4)
        (length,) = struct.unpack(">I", f.read(4))
        if not 2 <= length <= 4096:
            raise Refused("damaged header", 4)
        raw_header = f.read(length)
        header = json.loads(raw_header)
        if header.get("format") != BACKUP_FORMAT or canonical(header) != raw_header:
            raise Refused("damaged header", 4)
        slots = f.read(header["slots"])
        sealed = f.read(header["meta"])
        try:
            slot_file = parse_keyslots(slots)
        except (ValueError, UnicodeDecodeError):
            raise Refused("the backup's key slots are damaged", 4) from None
        keys = candidate_keys([slot_file], kind, secret)
        meta = None
        for key in keys:
            meta_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=META_INFO).derive(key)
            try:
                plain = AESGCM(meta_key).decrypt(bytes.fromhex(header["nonce"]), sealed,
                                                 BACKUP_MAGIC + raw_header + hashlib.sha256(slots).digest())
            except InvalidTag:
                continue
            meta, data_key = json.loads(plain.decode("utf-8")), key
            break
        if meta is None:
            raise Refused("the backup's metadata does not authenticate: damaged or altered", 4)
        with tempfile.TemporaryDirectory(prefix="read-vault-") as work:
            db = Path(work) / "vault.db"
            digest = hashlib.sha256()
            fd = os.open(db, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                remaining = header["db"]
                while remaining:
                    chunk = f.read(min(1 << 20, remaining))
                    if not chunk:
                        raise Refused("the backup is cut short", 4)
                    digest.update(chunk)
                    out.write(chunk)
                    remaining -= len(chunk)
            if f.read(1):
                raise Refused("trailing bytes after the backup's end", 4)
            if digest.hexdigest() != meta.get("db_sha256"):
                raise Refused("the backup's database is not the one its metadata names: damaged or altered", 4)
            conn = open_db(db, data_key, read_only=True)
            try:
                return {"kind": "backup", "metadata": meta, **dump(conn, only)}
            finally:
                conn.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Dump a counselroom vault or backup as JSON, without counselroom.")
    parser.add_argument("path", type=Path, help="a vault folder or a .crbackup file")
    parser.add_argument("--recovery-key", action="store_true", help="open it with the recovery key")
    parser.add_argument("--out", type=Path, help="write the JSON here (default: standard output)")
    parser.add_argument("--tables", help="only these tables, comma-separated")
    args = parser.parse_args(argv)
    prompt = "Recovery key: " if args.recovery_key else "Passphrase: "
    text = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline().rstrip("\r\n")
    kind = "recovery" if args.recovery_key else "passphrase"
    only = set(args.tables.split(",")) if args.tables else None
    try:
        secret = recovery_bytes(text) if args.recovery_key else passphrase_bytes(text)
        if args.path.is_dir():
            result = read_vault(args.path, kind, secret, only)
        else:
            result = read_backup(args.path, kind, secret, only)
    except Refused as e:
        print(f"read_vault: {e}", file=sys.stderr)
        return e.status
    except (OSError, ValueError, KeyError, TypeError, struct.error, sqlcipher3.DatabaseError) as e:
        print(f"read_vault: cannot read {args.path}: {type(e).__name__}", file=sys.stderr)
        return 4
    text_out = json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True)
    if args.out:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text_out + "\n")
    else:
        sys.stdout.write(text_out + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
