"""Encrypted backups: one file on the counselor's medium, written, flushed, renamed, read back and verified.

The file (`counselroom-backup-YYYYMMDD-HHMMSS.crbackup`, local time of making; `-2`, `-3` … if that name is
taken) is

    offset 0    8 bytes   magic b"CRBACKUP"
            8   4 bytes   length H of the header, big-endian
           12   H bytes   header: canonical ASCII JSON {"format": "counselroom-backup-1", "slots": S,
                          "meta": M, "db": D, "nonce": <24 hex>}
      12 + H    S bytes   the vault's key-slot file as it was (the data key wrapped under the passphrase
                          and under the recovery key with Argon2id; see keyslots.py)
                M bytes   the metadata, AES-256-GCM under a key derived (HKDF-SHA256) from the data key;
                          associated data: magic, header and SHA-256 of the slot bytes
                D bytes   the database: a SQLCipher 4 file under the same raw data key
    (end of file exactly here: trailing bytes are damage)

so nothing on the medium opens without the passphrase or the recovery key: the slots need one of them
for Argon2id, the metadata and the database need the data key the slots hold. The metadata (readable
only after unlocking) says when the backup was made, by which version, the vault id, the schema version,
the number of rows per table, the audit-trail head, a fingerprint of the logical content (SHA-256 over
every table's rows in primary-key order, shadow tables of the search index included), and the SHA-256
and size of the database bytes. Any flipped byte is refused: in the header or slots by their own
checks, in the metadata by the GCM tag, in the database by the authenticated hash (and, had it been
missed, by SQLCipher's page HMACs).

**How the database is copied.** `sqlcipher_export` into a file ATTACHed with the same raw key, inside one
read transaction of the open session that also computes the fingerprint, counts and audit head: SQLite
itself makes the snapshot consistent (no reliance on lock semantics), the copy is compact (no free pages,
no remnants of deleted records), and every row is read through SQLCipher, so a damaged page in the vault
fails the backup instead of being copied. The copy is staged in the vault folder (private, and the file is
encrypted: no plaintext touches any disk; `temp_store=MEMORY` is set on the connection). `sqlcipher_export`
does not copy `user_version`, so the schema version is set on the copy explicitly.

**Writing.** To `.<final name>.<random>.partial` in the target folder (0600, O_EXCL), in 1 MiB chunks,
fsync, rename to a name no other file has, fsync the folder. Then the file is read back as a stranger
would (a fresh open; its cached pages dropped with posix_fadvise where the system has it, so the read
reaches the device): header, slots equal to the vault's, metadata tag, database hash, then the database
is opened with the key and checked: `cipher_integrity_check`, `integrity_check`, schema version, vault
id, audit chain and head, row counts and the fingerprint equal to the vault's at the snapshot. Only then
is the backup "verified": a row in the `backups` table and `backup.made` / `backup.verified` in the audit
trail. Any failure removes the partial or unverified file (when the medium is still there), leaves every
earlier backup untouched, writes `backup.failed`, and raises a BackupError with a message for the
counselor. A leftover `.partial` from a crash is removed at the next backup to that folder.

**Generations.** After a verified backup, the newest N (setting `backup.generations`, default 5) backups
of *this* vault in that folder are kept and older ones removed; files of another vault or files that do
not read as backups are never touched.

The work is split so that a window can keep the session on its own thread: `prepare()` uses the session
(call it on the thread that owns the session), `Snapshot.write_and_verify()` touches only the medium and
fresh connections (any thread), `record_success()` / `record_failure()` use the session again.
`make_backup()` does all three.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import sqlcipher3
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .. import __version__
from ..i18n import N_
from . import keyslots
from .audit import AuditTrail, derive_mac_key, now_utc
from .connection import DatabaseError, open_database, transaction, translate_db_error
from .errors import IntegrityFailure, VaultError, VaultTooNew, WrongSecret
from .migrations import CURRENT_VERSION, schema_version
from .safefile import FILE_MODE, fsync_dir, make_private_dir
from .vault import VaultSession, passphrase_bytes

log = logging.getLogger("counselroom.backup")

MAGIC = b"CRBACKUP"
FORMAT = "counselroom-backup-1"
SUFFIX = ".crbackup"
PARTIAL_SUFFIX = ".partial"
PREFIX = "counselroom-backup-"
NAME_RE = re.compile(r"^counselroom-backup-(\d{8}-\d{6})(?:-(\d+))?\.crbackup$")
PARTIAL_RE = re.compile(r"^\.counselroom-backup-.*\.partial$")
STAGING_PREFIX = ".backup-staging-"
CHUNK = 1 << 20
MAX_HEADER = 4096
MAX_SLOTS = 64 * 1024
MAX_META = 1 << 20

SETTING_GENERATIONS = "backup.generations"
SETTING_REMIND_DAYS = "backup.remind_days"
DEFAULT_GENERATIONS = 5
DEFAULT_REMIND_DAYS = 7
MAX_GENERATIONS = 100

Progress = Callable[[str, int, int], None]  # (stage, done, total); stages: "writing", "verifying"


# ---------------------------------------------------------------- errors a counselor reads

class BackupError(VaultError):
    msgid = N_("The backup could not be made. Earlier backups are untouched.")


class MediumMissing(BackupError):
    msgid = N_("The backup folder {folder} cannot be found: the medium may have been removed. No backup was "
               "made and earlier backups are untouched. Plug the medium in again and try once more.")


class MediumFull(BackupError):
    msgid = N_("The medium is full: the backup did not fit, so it was not kept. Earlier backups are "
               "untouched. Free some space on the medium, or use another one, and try again.")


class MediumFailed(BackupError):
    msgid = N_("The medium could not be written or read back (an input/output error): it may have been pulled "
               "out or be failing. This backup was not kept; earlier backups are untouched. Check the medium "
               "and try again, or use another one.")


class MediumReadOnly(BackupError):
    msgid = N_("The folder {folder} cannot be written: the medium is read-only or you may not write there. "
               "Choose another folder.")


class BackupNotVerified(BackupError):
    msgid = N_("The backup was written but did not read back correctly, so it was not kept. Earlier backups "
               "are untouched. The medium may be failing: try another one.")


class LocalDiskProblem(BackupError):
    msgid = N_("The backup could not be prepared: the disk that holds the vault is full or failing. Nothing was "
               "changed. Free some space on this computer, then try again.")


class NoSuchFolder(BackupError):
    msgid = N_("There is no folder at {folder}. Choose an existing folder on the medium.")


class BackupDamaged(IntegrityFailure):
    msgid = N_("This backup is damaged or has been altered, so it cannot be used. Nothing was changed. "
               "Use another backup.")


class NotABackup(IntegrityFailure):
    msgid = N_("This file is not a counselroom backup, or its beginning is damaged. Nothing was changed.")


WRONG_PASSPHRASE = N_("The passphrase is not correct for this backup. A backup opens with the passphrase the "
                      "vault had when the backup was made, or with the recovery key.")
WRONG_RECOVERY_KEY = N_("The recovery key is not correct for this backup.")

_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_GONE = {errno.ENOENT, errno.ENODEV, errno.ENXIO, getattr(errno, "ESTALE", errno.ENOENT),
         getattr(errno, "ENOMEDIUM", errno.ENODEV)}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


def medium_error(error: OSError, folder: Path) -> BackupError:
    """An operating-system error on the medium, as the counselor should hear it."""
    log.debug("medium error: %s (errno %s)", type(error).__name__, error.errno)
    if error.errno in _FULL:
        return MediumFull()
    if error.errno in _GONE or not folder.is_dir():
        return MediumMissing(folder=str(folder))
    if error.errno in _READ_ONLY:
        return MediumReadOnly(folder=str(folder))
    return MediumFailed()


# ---------------------------------------------------------------- metadata and the logical fingerprint

@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds, read from its authenticated metadata."""

    path: Path
    made_at: datetime
    app_version: str
    vault_id: str
    schema_version: int
    counts: dict[str, int]
    audit_seq: int
    audit_mac: str
    fingerprint: str
    size: int

    @classmethod
    def from_meta(cls, path: Path, meta: dict[str, Any], size: int) -> BackupInfo:
        try:
            return cls(path=path, made_at=datetime.fromisoformat(meta["made_at"]),
                       app_version=str(meta["app_version"]), vault_id=str(meta["vault_id"]),
                       schema_version=int(meta["schema_version"]),
                       counts={str(k): int(v) for k, v in dict(meta["counts"]).items()},
                       audit_seq=int(meta["audit_head"]["seq"]), audit_mac=str(meta["audit_head"]["mac"]),
                       fingerprint=str(meta["fingerprint"]), size=size)
        except (KeyError, TypeError, ValueError) as e:
            raise BackupDamaged() from e


def _tables(conn: sqlcipher3.Connection) -> tuple[list[str], set[str]]:
    """(every table that holds rows, sorted; the shadow tables of virtual tables)."""
    rows = conn.execute("SELECT name, rootpage FROM sqlite_master WHERE type = 'table' "
                        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").fetchall()
    virtual = [name for name, rootpage in rows if not rootpage]
    stored = [name for name, rootpage in rows if rootpage]
    shadow = {name for name in stored if any(name.startswith(v + "_") for v in virtual)}
    return stored, shadow


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _encode(value: object) -> bytes:
    if value is None:
        return b"N;"
    if isinstance(value, bool | int):
        return b"I" + str(int(value)).encode("ascii") + b";"
    if isinstance(value, float):
        return b"F" + value.hex().encode("ascii") + b";"
    if isinstance(value, str):
        data = value.encode("utf-8")
    elif isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return b"B" + str(len(data)).encode("ascii") + b":" + data
    else:  # pragma: no cover - SQLite returns no other types
        data = repr(value).encode("utf-8")
    return b"T" + str(len(data)).encode("ascii") + b":" + data


def content_fingerprint(conn: sqlcipher3.Connection) -> tuple[str, dict[str, int]]:
    """SHA-256 over every stored table's name, columns and rows (in primary-key order, else rowid order),
    and the row count of each record table (the search index's shadow tables are hashed, not counted)."""
    digest = hashlib.sha256(b"counselroom content fingerprint v1\n")
    counts: dict[str, int] = {}
    stored, shadow = _tables(conn)
    for table in stored:
        info = conn.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
        columns = [row[1] for row in info]
        pk = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]]
        order = ", ".join(_quote(c) for c in pk) if pk else "rowid"
        digest.update(b"table;" + _encode(table) + b"".join(_encode(c) for c in columns))
        n = 0
        cursor = conn.execute(f"SELECT {', '.join(_quote(c) for c in columns)} FROM {_quote(table)} ORDER BY {order}")
        while True:
            batch = cursor.fetchmany(1000)
            if not batch:
                break
            for row in batch:
                digest.update(b"row;" + b"".join(_encode(v) for v in row))
            n += len(batch)
        if table not in shadow:
            counts[table] = n
    return digest.hexdigest(), counts


def _meta_key(data_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"counselroom backup metadata v1").derive(data_key)


def _canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _aad(header: bytes, slots: bytes) -> bytes:
    return MAGIC + header + hashlib.sha256(slots).digest()


def _file_sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# ---------------------------------------------------------------- settings read by the vault itself

def _setting_int(conn: sqlcipher3.Connection, key: str, default: int, low: int, high: int) -> int:
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        value = json.loads(row[0]) if row else default
        return max(low, min(high, int(value)))
    except (DatabaseError, ValueError, TypeError):
        return default


def generations(session: VaultSession) -> int:
    return _setting_int(session.conn, SETTING_GENERATIONS, DEFAULT_GENERATIONS, 1, MAX_GENERATIONS)


def remind_days(session: VaultSession) -> int:
    return _setting_int(session.conn, SETTING_REMIND_DAYS, DEFAULT_REMIND_DAYS, 1, 3650)


# ---------------------------------------------------------------- names on the medium

def backup_name(when: datetime) -> str:
    return f"{PREFIX}{when.strftime('%Y%m%d-%H%M%S')}{SUFFIX}"


def _free_name(folder: Path, when: datetime) -> str:
    base = backup_name(when)
    if not (folder / base).exists():
        return base
    n = 2
    while (folder / f"{base[:-len(SUFFIX)]}-{n}{SUFFIX}").exists():
        n += 1
    return f"{base[:-len(SUFFIX)]}-{n}{SUFFIX}"


FOLDER_ON_VOLUME = "counselroom-backups"


def folder_on_volume(root: Path) -> Path:
    """The backups' own folder on a removable volume, made when missing (MediumMissing when the volume
    is gone)."""
    root = Path(root)
    if not root.is_dir():
        raise MediumMissing(folder=str(root))
    folder = root / FOLDER_ON_VOLUME
    try:
        folder.mkdir(exist_ok=True)
    except OSError as e:
        raise medium_error(e, root) from None
    return folder


def _name_order(name: str) -> tuple[str, int] | None:
    m = NAME_RE.match(name)
    return (m.group(1), int(m.group(2) or 1)) if m else None


@dataclass(frozen=True)
class BackupFile:
    """A backup file seen in a folder, from what can be read without a secret."""

    path: Path
    made: datetime | None  # from the name (local time)
    size: int
    vault_id: str | None  # None when the beginning does not read as a backup


def _read_exact(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise NotABackup()
    return data


def _read_header(f: BinaryIO) -> tuple[bytes, dict[str, Any]]:
    if _read_exact(f, len(MAGIC)) != MAGIC:
        raise NotABackup()
    (length,) = struct.unpack(">I", _read_exact(f, 4))
    if not 2 <= length <= MAX_HEADER:
        raise NotABackup()
    raw = _read_exact(f, length)
    try:
        header = json.loads(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as e:
        raise NotABackup() from e
    if not isinstance(header, dict) or header.get("format") != FORMAT or _canonical(header) != raw:
        raise NotABackup()
    for key, high in (("slots", MAX_SLOTS), ("meta", MAX_META), ("db", 1 << 46)):
        value = header.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= high:
            raise NotABackup()
    nonce = header.get("nonce")
    if not isinstance(nonce, str) or not re.fullmatch(r"[0-9a-f]{24}", nonce):
        raise NotABackup()
    return raw, header


def peek(path: Path) -> BackupFile:
    """The vault id and size of a backup file, without a secret (the slot file names its vault)."""
    size = path.stat().st_size
    order = _name_order(path.name)
    made = datetime.strptime(order[0], "%Y%m%d-%H%M%S") if order else None
    try:
        with open(path, "rb") as f:
            _raw, header = _read_header(f)
            slot_file = keyslots.SlotFile.from_bytes(_read_exact(f, header["slots"]))
        return BackupFile(path, made, size, slot_file.vault_id)
    except (IntegrityFailure, OSError):
        return BackupFile(path, made, size, None)


def list_backups(folder: Path) -> list[BackupFile]:
    """Backup files in a folder, newest first (by the time in their names)."""
    try:
        names = [p for p in Path(folder).iterdir() if _name_order(p.name) and p.is_file()]
    except OSError:
        return []
    names.sort(key=lambda p: _name_order(p.name) or ("", 0), reverse=True)
    out = []
    for p in names:
        with contextlib.suppress(OSError):
            out.append(peek(p))
    return out


# ---------------------------------------------------------------- reading a backup (verify, restore, read-back)

def _drop_cache(f: BinaryIO) -> None:
    """Ask the system to forget the file's cached pages, so that reading back reaches the device."""
    fadvise = getattr(os, "posix_fadvise", None)
    if fadvise is not None:
        with contextlib.suppress(OSError):
            fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def _check_database(db: Path, data_key: bytes, meta: dict[str, Any], vault_id: str) -> None:
    """Open the copy with the key and check it as `counselroom check` checks a vault; BackupDamaged on any
    difference from what the metadata promises."""
    try:
        conn = open_database(db, data_key)
    except IntegrityFailure:
        raise BackupDamaged() from None
    try:
        if list(conn.execute("PRAGMA cipher_integrity_check")):
            raise BackupDamaged()
        if [r[0] for r in conn.execute("PRAGMA integrity_check")] != ["ok"]:
            raise BackupDamaged()
        version = schema_version(conn)
        if version != meta.get("schema_version"):
            raise BackupDamaged()
        if version > CURRENT_VERSION:
            raise VaultTooNew()
        row = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
        if row is None or row[0] != vault_id or meta.get("vault_id") != vault_id:
            raise BackupDamaged()
        trail = AuditTrail(conn, derive_mac_key(data_key))
        seq, mac = trail.head()
        if not trail.verify().ok or {"seq": seq, "mac": mac} != meta.get("audit_head"):
            raise BackupDamaged()
        fingerprint, counts = content_fingerprint(conn)
        if fingerprint != meta.get("fingerprint") or counts != meta.get("counts"):
            raise BackupDamaged()
    except DatabaseError:
        raise BackupDamaged() from None
    finally:
        conn.close()


@dataclass
class OpenedBackup:
    info: BackupInfo
    data_key: bytes
    slot_file: keyslots.SlotFile


def read_backup(path: Path, unlock: Callable[[keyslots.SlotFile], bytes], extract_to: Path,
                progress: Progress | None = None, expect_slots: bytes | None = None) -> OpenedBackup:
    """Read and check a whole backup file, writing its database to `extract_to` (a new file). `unlock`
    turns the slot file into the data key (raising WrongSecret). Returns the metadata, key and slots.
    Raises NotABackup / BackupDamaged (exit 4), WrongSecret (exit 3), OSError for the medium."""
    path = Path(path)
    with open(path, "rb") as f:
        _drop_cache(f)
        size = os.fstat(f.fileno()).st_size
        raw_header, header = _read_header(f)
        if size != len(MAGIC) + 4 + len(raw_header) + header["slots"] + header["meta"] + header["db"]:
            raise BackupDamaged()
        slots = _read_exact(f, header["slots"])
        if expect_slots is not None and slots != expect_slots:
            raise BackupDamaged()
        slot_file = keyslots.SlotFile.from_bytes(slots)
        data_key = unlock(slot_file)
        sealed = _read_exact(f, header["meta"])
        try:
            plain = AESGCM(_meta_key(data_key)).decrypt(bytes.fromhex(header["nonce"]), sealed,
                                                         _aad(raw_header, slots))
            meta = json.loads(plain.decode("utf-8"))
        except (InvalidTag, UnicodeDecodeError, ValueError):
            raise BackupDamaged() from None
        if not isinstance(meta, dict) or meta.get("db_bytes") != header["db"]:
            raise BackupDamaged()
        info = BackupInfo.from_meta(path, meta, size)
        digest = hashlib.sha256()
        remaining, done = header["db"], 0
        fd = os.open(extract_to, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            while remaining:
                chunk = f.read(min(CHUNK, remaining))
                if not chunk:
                    raise BackupDamaged()
                digest.update(chunk)
                out.write(chunk)
                remaining -= len(chunk)
                done += len(chunk)
                if progress:
                    progress("verifying", done, header["db"])
            out.flush()
            os.fsync(out.fileno())
    if digest.hexdigest() != meta.get("db_sha256"):
        raise BackupDamaged()
    _check_database(extract_to, data_key, meta, slot_file.vault_id)
    return OpenedBackup(info, data_key, slot_file)


def unlocker(secret: str, recovery: bool = False) -> Callable[[keyslots.SlotFile], bytes]:
    """The data key from a backup's slot file, with the passphrase or the recovery key."""
    from . import recovery as recovery_key

    def unlock(slot_file: keyslots.SlotFile) -> bytes:
        kind = keyslots.RECOVERY if recovery else keyslots.PASSPHRASE
        raw = recovery_key.parse(secret) if recovery else passphrase_bytes(secret)
        try:
            return keyslots.unwrap(slot_file.slots[kind], raw, slot_file.vault_id)
        except WrongSecret:
            raise WrongSecret(WRONG_RECOVERY_KEY if recovery else WRONG_PASSPHRASE) from None

    return unlock


@contextlib.contextmanager
def _work_dir(parent: Path | None = None) -> Iterator[Path]:
    if parent is not None:
        path = parent / f".backup-check-{secrets.token_hex(6)}"
        make_private_dir(path)
    else:
        path = Path(tempfile.mkdtemp(prefix="counselroom-check-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def verify_backup(path: Path, secret: str, *, recovery: bool = False,
                  progress: Progress | None = None) -> BackupInfo:
    """Check a backup completely without restoring it (the database goes to a private temporary folder,
    still encrypted, and is removed)."""
    try:
        with _work_dir() as work:
            return read_backup(Path(path), unlocker(secret, recovery), work / "vault.db", progress).info
    except FileNotFoundError:
        raise BackupError(N_("There is no backup file at {path}."), path=str(path)) from None


# ---------------------------------------------------------------- making a backup

@dataclass
class BackupResult:
    path: Path
    info: BackupInfo
    removed: list[Path] = field(default_factory=list)  # older generations removed after it verified


@dataclass
class Snapshot:
    """A consistent, encrypted copy of the vault staged in the vault folder, with its metadata; everything
    the medium side needs, so that it can run on another thread."""

    folder: Path
    staging: Path
    slots: bytes
    meta: dict[str, Any]
    vault_id: str
    keep: int
    made_at: datetime
    _data_key: bytes

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.staging.unlink()
        self._data_key = b""

    def container_header(self, nonce: bytes, sealed_len: int) -> bytes:
        return _canonical({"format": FORMAT, "slots": len(self.slots), "meta": sealed_len,
                           "db": self.meta["db_bytes"], "nonce": nonce.hex()})

    def write_and_verify(self, progress: Progress | None = None) -> BackupResult:
        """Write the file to the medium, read it back, keep the newest generations. Touches no session."""
        folder = self.folder
        if not folder.is_dir():
            raise MediumMissing(folder=str(folder))
        _remove_partials(folder)
        try:
            name = _free_name(folder, self.made_at)
        except OSError as e:
            raise medium_error(e, folder) from None
        final = folder / name
        tmp = folder / f".{name}.{secrets.token_hex(4)}{PARTIAL_SUFFIX}"
        nonce = secrets.token_bytes(12)
        plain = _canonical(self.meta)
        sealed_len = len(plain) + 16
        header = self.container_header(nonce, sealed_len)
        sealed = AESGCM(_meta_key(self._data_key)).encrypt(nonce, plain, _aad(header, self.slots))
        renamed = False
        try:
            writer = MediumWriter(tmp)
            try:
                writer.write(MAGIC + struct.pack(">I", len(header)) + header + self.slots + sealed)
                total, done = int(self.meta["db_bytes"]), 0
                with open(self.staging, "rb") as src:
                    while chunk := src.read(CHUNK):
                        writer.write(chunk)
                        done += len(chunk)
                        if progress:
                            progress("writing", done, total)
                writer.fsync()
            finally:
                writer.close()
            if final.exists():  # never over another file
                raise MediumFailed()
            os.rename(tmp, final)
            renamed = True
            fsync_dir(folder)
        except OSError as e:
            _discard(tmp)
            raise medium_error(e, folder) from None
        except BaseException:
            _discard(tmp)
            raise
        try:
            with _work_dir(self.staging.parent) as work:
                info = read_backup(final, lambda _sf: self._data_key, work / "vault.db", progress,
                                   expect_slots=self.slots).info
            if info.fingerprint != self.meta["fingerprint"]:
                raise BackupNotVerified()
        except OSError as e:
            _discard(final)
            raise medium_error(e, folder) from None
        except (IntegrityFailure, WrongSecret, BackupNotVerified):
            _discard(final)
            raise BackupNotVerified() from None
        except BaseException:
            if renamed:
                _discard(final)
            raise
        removed = prune_generations(folder, self.vault_id, self.keep, keep_path=final)
        return BackupResult(final, info, removed)


class MediumWriter:
    """Writes to the medium. Small on purpose: the reliability tests make its write and fsync fail."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), FILE_MODE)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]

    def fsync(self) -> None:
        os.fsync(self.fd)

    def close(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            with contextlib.suppress(OSError):
                os.close(fd)


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _remove_partials(folder: Path) -> None:
    with contextlib.suppress(OSError):
        for p in folder.iterdir():
            if PARTIAL_RE.match(p.name):
                _discard(p)


def prune_generations(folder: Path, vault_id: str, keep: int, keep_path: Path | None = None) -> list[Path]:
    """Remove this vault's backups beyond the newest `keep` in the folder; never another vault's files,
    never a file that does not read as a backup, never `keep_path`."""
    mine = [b for b in list_backups(folder) if b.vault_id == vault_id]
    removed = []
    for b in mine[max(1, keep):]:
        if keep_path is not None and b.path == keep_path:
            continue
        try:
            b.path.unlink()
            removed.append(b.path)
        except OSError:
            log.debug("could not remove an old generation")
    if removed:
        with contextlib.suppress(OSError):
            fsync_dir(folder)
    return removed


def _remove_stale_staging(vault_dir: Path) -> None:
    with contextlib.suppress(OSError):
        for p in vault_dir.iterdir():
            if p.name.startswith(STAGING_PREFIX):
                _discard(p)
            elif p.name.startswith(".backup-check-") and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)


def prepare(session: VaultSession, folder: Path, now: datetime | None = None) -> Snapshot:
    """Snapshot the vault (on the session's thread): an encrypted copy staged in the vault folder, and its
    metadata computed in the same read transaction."""
    folder = Path(folder)
    if not folder.exists():
        parent_there = folder.parent.is_dir()
        raise (NoSuchFolder(folder=str(folder)) if parent_there else MediumMissing(folder=str(folder)))
    if not folder.is_dir():
        raise NoSuchFolder(folder=str(folder))
    vault_dir = session.vault.path
    _remove_stale_staging(vault_dir)
    staging = vault_dir / f"{STAGING_PREFIX}{secrets.token_hex(6)}.db"
    conn = session.conn
    key = session._data_key
    made_at = now or datetime.now().astimezone()
    try:
        slots = session._slot_file().to_bytes()
        conn.execute(f"ATTACH DATABASE ? AS backup_copy KEY \"x'{key.hex()}'\"", (str(staging),))
        try:
            conn.execute("BEGIN")  # one read transaction: the metadata describes exactly the copy
            try:
                version = schema_version(conn)
                vault_id = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()[0]
                seq, mac = session.audit.head()
                fingerprint, counts = content_fingerprint(conn)
                conn.execute("SELECT sqlcipher_export('backup_copy')").fetchall()
                conn.execute(f"PRAGMA backup_copy.user_version = {int(version)}")
            except BaseException:
                if conn.in_transaction:
                    with contextlib.suppress(Exception):
                        conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.execute("DETACH DATABASE backup_copy")
        keep = generations(session)
        db_sha, db_bytes = _file_sha256(staging)
    except DatabaseError as e:
        _discard(staging)
        translated = translate_db_error(e)
        if isinstance(translated, IntegrityFailure):
            raise translated from None
        raise LocalDiskProblem() from None
    except OSError:
        _discard(staging)
        raise LocalDiskProblem() from None
    except BaseException:
        _discard(staging)
        raise
    meta = {"format": FORMAT, "made_at": made_at.astimezone(UTC).isoformat(timespec="seconds"),
            "app_version": __version__, "vault_id": vault_id, "schema_version": version, "counts": counts,
            "audit_head": {"seq": seq, "mac": mac}, "fingerprint": fingerprint, "db_sha256": db_sha,
            "db_bytes": db_bytes}
    return Snapshot(folder, staging, slots, meta, vault_id, keep, made_at, key)


def record_success(session: VaultSession, result: BackupResult) -> None:
    """Record a verified backup: a row in `backups` and two audit entries, in one transaction."""
    try:
        _record(session, result)
    except DatabaseError as e:
        raise translate_db_error(e) from None


def _record(session: VaultSession, result: BackupResult) -> None:
    name = result.path.name
    with transaction(session.conn):
        seq = session.audit.append("backup.made", detail={"file": name, "bytes": result.info.size,
                                                          "schema": result.info.schema_version})
        session.audit.append("backup.verified", detail={
            "file": name, "fingerprint": result.info.fingerprint[:16],
            "removed_generations": len(result.removed)})
        session.conn.execute(
            "INSERT INTO backups (made_at, verified_at, folder, file_name, bytes, fingerprint, audit_seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (result.info.made_at.isoformat(), now_utc(), str(result.path.parent), name, result.info.size,
             result.info.fingerprint, seq))


def record_failure(session: VaultSession, error: BaseException) -> None:
    """Record a failed backup in the audit trail; never hides the original error (a vault that cannot be
    written now, e.g. the same full disk, is logged at debug level only)."""
    try:
        with transaction(session.conn):
            session.audit.append("backup.failed", detail={"reason": type(error).__name__})
    except Exception:  # noqa: BLE001 - the backup's own error is the one the counselor must see
        log.debug("could not record the failed backup")


def make_backup(session: VaultSession, folder: Path, progress: Progress | None = None,
                now: datetime | None = None) -> BackupResult:
    """Back the vault up into `folder` and verify it. Raises BackupError (exit 1) with a plain message."""
    try:
        snapshot = prepare(session, folder, now)
    except VaultError as e:
        record_failure(session, e)
        raise
    try:
        result = snapshot.write_and_verify(progress)
    except BaseException as e:
        record_failure(session, e)
        raise
    finally:
        snapshot.discard()
    record_success(session, result)
    return result


# ---------------------------------------------------------------- reminders

@dataclass(frozen=True)
class LastBackup:
    verified_at: datetime
    folder: str
    file_name: str
    fingerprint: str


def last_verified_backup(session: VaultSession) -> LastBackup | None:
    try:
        row = session.conn.execute("SELECT verified_at, folder, file_name, fingerprint FROM backups "
                                   "ORDER BY verified_at DESC, id DESC LIMIT 1").fetchone()
    except DatabaseError as e:  # reaches the window as a plain message, never a raw driver error
        raise translate_db_error(e) from None
    if row is None:
        return None
    return LastBackup(datetime.fromisoformat(row[0]), row[1], row[2], row[3])


def backup_age_days(session: VaultSession, now: datetime | None = None) -> int | None:
    """Whole days since the last verified backup; None when there is none."""
    last = last_verified_backup(session)
    if last is None:
        return None
    delta = (now or datetime.now(UTC)) - last.verified_at
    return max(0, delta // timedelta(days=1))


@dataclass(frozen=True)
class Reminder:
    age_days: int | None  # None: never backed up
    remind_days: int

    def msgid(self) -> str:
        if self.age_days is None:
            return N_("This vault has never been backed up. Back it up to your removable medium now?")
        return N_("The last verified backup is {days} day(s) old. Back up to your removable medium now?")


def backup_reminder(session: VaultSession, now: datetime | None = None) -> Reminder | None:
    """A reminder when the last verified backup is older than `backup.remind_days` (or there is none);
    None when the backups are recent enough. The window asks with it at close."""
    age = backup_age_days(session, now)
    days = remind_days(session)
    if age is not None and age < days:
        return None
    return Reminder(age, days)
