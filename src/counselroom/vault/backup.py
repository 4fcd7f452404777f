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
the number of rows per record table, the audit-trail head, and the SHA-256 and size of the database bytes
(also shown as the backup's content fingerprint). Any flipped byte is refused: in the header or slots by
their own checks, in the metadata by the GCM tag, in the database by the authenticated hash.

**How the database is copied** (issue 14: the same proofs with a few passes over the bytes instead of
a dozen). Inside one read transaction of the open session — SQLite's shared lock keeps every writer out,
and in rollback-journal mode the file then holds exactly the committed database — the vault's file is
copied byte for byte (it is already encrypted under the data key) into a staging file in the vault folder;
the schema version, vault id, audit head and row counts are read, and the audit chain is walked from its
checkpoint (audit.py). That is all the session waits for. The copy is *identical* to the vault, a stronger
statement than equal content. Its SHA-256 (kept in the metadata) is computed on the medium side, on the
very chunks written to the medium. Every page of it is authenticated (on a thread of its own, while the
medium flushes and is read back), so a damaged page in the vault fails the backup instead of being copied:
pagecheck.py computes the HMAC of every page in each 256 KiB span that is not byte for byte the span the
last verified backup authenticated (keyed digests of those spans are kept in the vault), which after a
day's work is a few hundred pages instead of every one. At least every `backup.full_check_days` (default
7) the backup also runs SQLCipher's own `cipher_integrity_check` and SQLite's `integrity_check` on the copy
and walks the whole audit chain (that is when damage SQLCipher cannot see — pages of two different moments
after a lost journal — is found); a verified backup then records the checkpoint and when the full check
was. Format 1 backups made before by `sqlcipher_export` (compact copies with a fingerprint over the rows)
still read, verify and restore.

**Writing.** A folder on the vault's own disk is refused unless chosen on purpose (`same_disk_ok`: the
window warns and passes it, the command line has `--same-disk`). The target folder's device and inode are
noted when the backup starts; the medium side opens that folder (a directory descriptor, where the system
has them) and refuses (MediumChanged) when the path names another folder by then — a medium lazily unmounted
leaves the bare mount point on the computer's own disk, and nothing is ever written there. In that folder:
`.<final name>.<random>.partial` (0600, O_EXCL), 1 MiB chunks (the device's write-back started every 16 MiB,
so that it works while the rest is hashed; the metadata's place, of a fixed length,
written as zeros and filled once the hash of the chunks is known), fsync, rename to a name no other file has,
fsync the folder. Then the file is read back as a stranger would: opened again by its path, its cached pages
dropped with posix_fadvise where the system has it (so the read reaches the device), header, slots equal to
the vault's, metadata tag and equal to what was written, database bytes equal to the staging copy's (whose
bytes were hashed as they were written: a copy changed meanwhile fails too) — and the file opened, and the file
the path names after the last byte, must both be the very file written (device and inode): a backup deleted
or replaced the moment it appeared is not verified. Only then is the backup "verified": a row in the
`backups` table, `backup.made` / `backup.verified` in the audit trail, and the audit checkpoint moved to the
backup's head. Any failure removes the partial or unverified file (when the medium is still there), leaves
every earlier backup untouched, writes `backup.failed`, and raises a BackupError with a message for the
counselor. A leftover `.partial` from a crash is removed at the next backup to that folder;
`counselroom-check-*` work folders of a killed verify-backup or restore are removed from the temporary folder
at the next one (a running check holds a lock in its own, which is left alone).

**Checking a backup later** (`verify_backup`) reads the file once: slots, metadata tag, and the SHA-256 of
the database against the authenticated one — every byte exactly as it was when the backup was made and
verified. `verify_backup(full=True)` and every restore also open the database and check it as a vault is
checked (`integrity_check`, schema version, vault id, the whole audit chain and its head, row counts).

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
import functools
import hashlib
import json
import logging
import os
import queue
import re
import secrets
import shutil
import stat
import struct
import tempfile
import threading
import time
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

from .. import __version__, safejson
from ..i18n import N_
from . import compaction, faults, keyslots, pagecheck
from .audit import AuditTrail, derive_mac_key, now_utc
from .connection import DatabaseError, open_database, transaction, translate_db_error
from .errors import EXIT_USAGE, IntegrityFailure, VaultError, VaultTooNew, WrongSecret
from .lockfile import ProcessLock
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
FLUSH_EVERY = 16 * CHUNK  # the medium's write-back is started every this many bytes
MAX_HEADER = 4096
MAX_SLOTS = 64 * 1024
MAX_META = 1 << 20
PENDING_SHA = "0" * 64  # as long as a SHA-256 in hex

SETTING_GENERATIONS = "backup.generations"
SETTING_REMIND_DAYS = "backup.remind_days"
SETTING_FULL_CHECK_DAYS = "backup.full_check_days"
DEFAULT_GENERATIONS = 5
DEFAULT_REMIND_DAYS = 7
DEFAULT_FULL_CHECK_DAYS = 7
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


class MediumChanged(BackupError):
    msgid = N_("The backup folder {folder} is no longer the one on the medium where the backup started: the medium "
               "was removed or replaced while the backup was being made. Nothing was written there. Plug the "
               "medium in again and try once more.")


class SameDisk(BackupError):
    exit_code = EXIT_USAGE
    msgid = N_("The folder {folder} is on the same disk as the vault: a backup there is lost with this computer's "
               "disk (theft, fire, a dead disk). Choose a folder on a removable medium, or choose this folder on "
               "purpose (on the command line: add --same-disk).")


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


# The trail's size is its head's sequence number (in the metadata); counting 200,000 entries cost more than
# every other table together.
_NOT_COUNTED = {"audit_log", "audit_head", "audit_checkpoint"}


def _counts(conn: sqlcipher3.Connection, tables: list[str] | None = None) -> dict[str, int]:
    if tables is None:
        stored, shadow = _tables(conn)
        tables = [t for t in stored if t not in shadow and t not in _NOT_COUNTED]
    return {t: int(conn.execute(f"SELECT count(*) FROM {_quote(t)}").fetchone()[0]) for t in tables}


def _database_file(conn: sqlcipher3.Connection) -> Path:
    row = next(r for r in conn.execute("PRAGMA database_list") if r[1] == "main")
    return Path(row[2])


class _Sha256Behind:
    """SHA-256 of chunks fed in order, computed on a thread of its own: hashlib releases the interpreter
    while it hashes, so reading and writing the next chunk overlap with hashing this one (one pass over the
    bytes costs the slower of the two instead of their sum)."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
        self.thread = threading.Thread(target=self._run, name="backup-sha256", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (chunk := self.queue.get()) is not None:
            self.digest.update(chunk)

    def update(self, chunk: bytes) -> None:
        self.queue.put(chunk)

    def hexdigest(self) -> str:
        self.queue.put(None)
        self.thread.join()
        return self.digest.hexdigest()

    def abandon(self) -> None:
        if self.thread.is_alive():
            with contextlib.suppress(queue.Full):
                self.queue.put(None, timeout=5)
            self.thread.join(5)


class _PagesChecked:
    """pagecheck.PageCheck of a file, on a thread of its own (started when the medium's write loop ends, so it
    runs while the medium flushes and is read back, which wait on the device). It reads the staging copy
    again: the read-back proves the medium holds the same bytes. `stop()` ends it early when the backup has
    failed anyway; damage it found by then still comes first (`damage`)."""

    def __init__(self, db: Path, data_key: bytes, known: list[bytes]) -> None:
        self.checked: pagecheck.Checked | None = None
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(db, data_key, known), name="backup-pages",
                                       daemon=True)
        self.thread.start()

    def _run(self, db: Path, data_key: bytes, known: list[bytes]) -> None:
        try:
            self.checked = pagecheck.check_file(db, data_key, known, CHUNK, self._stop.is_set)
        except OSError:  # the staging copy, on the vault's own disk
            self.error = LocalDiskProblem()
        except BaseException as e:  # noqa: BLE001 - raised on the caller's thread by result()
            self.error = e

    def stop(self) -> None:
        self._stop.set()
        self.thread.join()

    def join(self) -> None:
        self.thread.join()

    @property
    def damage(self) -> IntegrityFailure | None:
        """The vault's damage, when the check has found it (it outranks a medium's failure)."""
        return self.error if isinstance(self.error, IntegrityFailure) else None

    def result(self) -> pagecheck.Checked:
        self.thread.join()
        if self.error is not None:
            raise self.error
        assert self.checked is not None
        return self.checked


def _copy(source: BinaryIO, target: Path) -> int:
    """Copy `source` from its start into the new file `target` (0600); its size, which must be the source's. Inside
    the kernel where the system can (copy_file_range: no pass through this process's memory); where it is
    refused, missing or stops early, on through one reused buffer from where it stopped (as CPython's own
    shutil does). A full disk is an OSError either way."""
    size = 0
    with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), FILE_MODE),
                   "wb", buffering=0) as out:
        copy_range = getattr(os, "copy_file_range", None)
        if copy_range is not None:
            try:
                while n := copy_range(source.fileno(), out.fileno(), 64 * CHUNK, size, size):
                    size += n
            except OSError as e:
                if e.errno in _FULL:
                    raise
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        source.seek(size)
        out.seek(size)
        while n := source.readinto(buffer):  # type: ignore[attr-defined]
            done = 0
            while done < n:
                done += out.write(view[done:n]) or 0
            size += n
        if size != os.fstat(source.fileno()).st_size:
            raise OSError(errno.EIO, "the copy is shorter than the vault")
    return size


def _hash(source: BinaryIO) -> str:
    """SHA-256 of `source` from its start."""
    digest = _Sha256Behind()
    try:
        source.seek(0)
        while chunk := source.read(CHUNK):
            digest.update(chunk)
        return digest.hexdigest()
    finally:
        digest.abandon()


def _snapshot_read(conn: sqlcipher3.Connection, read: Callable[[], Any]) -> Any:
    """Run `read` inside a read transaction of `conn` (joining one already open): SQLite's shared lock keeps
    writers out, so the database file holds exactly the committed database meanwhile. A file of the database
    that `read` opens must stay open until this returns: closing it would drop the process's POSIX locks on
    the file, SQLite's shared lock among them (the ProcessLock keeps other programs out in any case)."""
    if conn.in_transaction:
        return read()
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # takes the shared lock now
        return read()
    finally:
        with contextlib.suppress(Exception):
            conn.execute("COMMIT")


def content_fingerprint(conn: sqlcipher3.Connection) -> tuple[str, dict[str, int]]:
    """What a backup made now would say of the vault: the SHA-256 of its database file (encrypted bytes, as
    copied) and the rows of each record table. Equal fingerprints mean identical databases."""
    with open(_database_file(conn), "rb") as source:  # closed after the read transaction (see _snapshot_read)
        def read() -> tuple[str, dict[str, int]]:
            counts = _counts(conn)
            return _hash(source), counts

        result: tuple[str, dict[str, int]] = _snapshot_read(conn, read)
    return result


def _meta_key(data_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"counselroom backup metadata v1").derive(data_key)


def _canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _aad(header: bytes, slots: bytes) -> bytes:
    return MAGIC + header + hashlib.sha256(slots).digest()


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


def full_check_days(session: VaultSession) -> int:
    return _setting_int(session.conn, SETTING_FULL_CHECK_DAYS, DEFAULT_FULL_CHECK_DAYS, 0, 3650)


def full_check_due(session: VaultSession, now: datetime | None = None) -> bool:
    """Is the next backup's full check due: never done, or done `backup.full_check_days` or more ago (0: always)?"""
    checkpoint = session.audit.checkpoint()
    if checkpoint is None or not checkpoint.full_at:
        return True
    try:
        last = datetime.fromisoformat(checkpoint.full_at)
    except ValueError:
        return True
    return (now or datetime.now(UTC)) - last >= timedelta(days=full_check_days(session))


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
        header = safejson.loads(raw.decode("ascii"), max_depth=4)  # a hostile header nests 2,000 deep
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
    """Open a backup's database with the key and check it as `counselroom check` checks a vault; BackupDamaged
    on any difference from what the metadata promises. Every byte is already proven by the authenticated
    hash, and SQLCipher authenticates each page integrity_check reads, so `cipher_integrity_check` and the
    old row-by-row fingerprint would only repeat a pass."""
    try:
        conn = open_database(db, data_key)
    except IntegrityFailure:
        raise BackupDamaged() from None
    try:
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
        promised = meta.get("counts")
        if not isinstance(promised, dict) or _counts(conn, sorted(promised)) != promised:
            raise BackupDamaged()
    except DatabaseError:
        raise BackupDamaged() from None
    finally:
        conn.close()


def _check_pages(db: Path, data_key: bytes, meta: dict[str, Any],
                 known: list[bytes] | None = None) -> pagecheck.Checked:
    """Every page of the copy is authentic (pagecheck.py: the HMAC of every page in a span that differs from the
    last verified backup's, all of them when `known` is empty), and the schema version, vault id and audit
    head are the metadata's. (A backup does the two parts on threads of their own: `_PagesChecked`, `_CopyCheck`.)"""
    checked = pagecheck.check_file(db, data_key, known or [], CHUNK)
    assert checked is not None
    _check_meta(db, data_key, meta)
    return checked


def _check_meta(db: Path, data_key: bytes, meta: dict[str, Any]) -> None:
    """The copy opens with the key, and its schema version, vault id and audit head are the metadata's."""
    conn = open_database(db, data_key)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
        seq, mac = AuditTrail(conn, derive_mac_key(data_key)).head()
        if (schema_version(conn) != meta["schema_version"] or row is None or row[0] != meta["vault_id"]
                or {"seq": seq, "mac": mac} != meta["audit_head"]):
            raise IntegrityFailure()
    except DatabaseError as e:
        raise translate_db_error(e) from None
    finally:
        conn.close()


def _check_cipher_pages(db: Path, data_key: bytes, meta: dict[str, Any]) -> None:
    """SQLCipher's own check of every page (in the full check, beside pagecheck.py's)."""
    conn = open_database(db, data_key)
    try:
        if list(conn.execute("PRAGMA cipher_integrity_check")):
            raise IntegrityFailure()
    except DatabaseError as e:
        raise translate_db_error(e) from None
    finally:
        conn.close()


def _check_structure(db: Path, data_key: bytes, meta: dict[str, Any]) -> None:
    """SQLite's integrity_check: what page MACs cannot see (pages of two different moments, say)."""
    conn = open_database(db, data_key)
    try:
        if [r[0] for r in conn.execute("PRAGMA integrity_check")] != ["ok"]:
            raise IntegrityFailure()
    except DatabaseError as e:
        raise translate_db_error(e) from None
    finally:
        conn.close()


def _check_whole_trail(db: Path, data_key: bytes, meta: dict[str, Any]) -> None:
    conn = open_database(db, data_key)
    try:
        if not AuditTrail(conn, derive_mac_key(data_key)).verify().ok:
            raise IntegrityFailure()
    except DatabaseError as e:
        raise translate_db_error(e) from None
    finally:
        conn.close()


def _full_checks() -> list[Callable[[Path, bytes, dict[str, Any]], None]]:
    return [_check_cipher_pages, _check_structure, _check_whole_trail]


def _check_copy(db: Path, data_key: bytes, meta: dict[str, Any], full: bool,
                known: list[bytes] | None = None) -> pagecheck.Checked:
    """The checks a new backup's database gets before it counts as verified (on the staging copy, which the
    read-back proves identical to the file on the medium): every page authentic (those in spans unchanged
    since the last verified backup, whose digests are `known`, were authenticated then), and the schema
    version, vault id and audit head are the metadata's; with `full`, also SQLCipher's own page check,
    SQLite's integrity_check and the whole audit chain. IntegrityFailure when the copy — that is, the vault
    — is damaged."""
    checked = _check_pages(db, data_key, meta, known)
    if full:
        for check in _full_checks():
            check(db, data_key, meta)
    return checked


@dataclass
class OpenedBackup:
    info: BackupInfo
    data_key: bytes
    slot_file: keyslots.SlotFile
    meta: dict[str, Any] = field(default_factory=dict)


def _read_staging(f: BinaryIO, into: memoryview) -> int:
    """Bytes of the staging copy, on the vault's own disk: its failure is LocalDiskProblem, not the medium's."""
    try:
        return int(f.readinto(into))  # type: ignore[attr-defined]
    except OSError:
        raise LocalDiskProblem() from None


def _read_container(path: Path, unlock: Callable[[keyslots.SlotFile], bytes], extract_to: Path | None,
                    progress: Progress | None = None, expect_slots: bytes | None = None,
                    expect_identity: tuple[int, int] | None = None, expect_db: Path | None = None) -> OpenedBackup:
    """Read a whole backup file once: header, slots, metadata (authenticated), and the database bytes against
    the authenticated SHA-256, written to `extract_to` (a new file, fsynced) when given. With
    `expect_identity` (a new backup's read-back) the file opened and, after the last byte, the file the path
    names must both be that (st_dev, st_ino): a file deleted or replaced meanwhile is BackupNotVerified. With
    `expect_db` (a new backup's read-back too) the database bytes are compared with that file's instead of
    hashed: the file the backup was written from, whose bytes were hashed as they were written.
    Raises NotABackup / BackupDamaged (exit 4), WrongSecret (exit 3), OSError for the medium."""
    path = Path(path)
    with open(path, "rb") as f:
        _drop_cache(f)
        opened_info = os.fstat(f.fileno())
        if expect_identity is not None and _identity(opened_info) != expect_identity:
            raise BackupNotVerified()
        size = opened_info.st_size
        raw_header, header = _read_header(f)
        if size != len(MAGIC) + 4 + len(raw_header) + header["slots"] + header["meta"] + header["db"]:
            raise BackupDamaged()
        slots = _read_exact(f, header["slots"])
        if expect_slots is not None and slots != expect_slots:
            raise BackupDamaged()
        try:
            slot_file = keyslots.SlotFile.from_bytes(slots)
        except keyslots.KeyFileDamaged:  # the backup's copy of the key slots, not the live vault's files
            raise BackupDamaged() from None
        data_key = unlock(slot_file)
        sealed = _read_exact(f, header["meta"])
        try:
            plain = AESGCM(_meta_key(data_key)).decrypt(bytes.fromhex(header["nonce"]), sealed,
                                                         _aad(raw_header, slots))
            meta = safejson.loads(plain.decode("utf-8"), max_depth=4)
        except (InvalidTag, UnicodeDecodeError, ValueError):
            raise BackupDamaged() from None
        if not isinstance(meta, dict) or meta.get("db_bytes") != header["db"]:
            raise BackupDamaged()
        info = BackupInfo.from_meta(path, meta, size)
        remaining, done = header["db"], 0
        out = None
        if extract_to is not None:
            fd = os.open(extract_to, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), FILE_MODE)
            out = os.fdopen(fd, "wb")
        digest = _Sha256Behind() if expect_db is None else None
        try:
            same = open(expect_db, "rb") if expect_db is not None else None  # noqa: SIM115 - closed below
        except OSError:
            raise LocalDiskProblem() from None
        ours, theirs = (bytearray(CHUNK), bytearray(CHUNK)) if same is not None else (bytearray(), bytearray())
        try:
            while remaining:
                if same is not None:  # compared in two reused buffers: no new memory per chunk
                    n = f.readinto(memoryview(ours)[:min(CHUNK, remaining)])
                    if not n:
                        raise BackupDamaged()
                    if _read_staging(same, memoryview(theirs)[:n]) != n or (
                            ours != theirs if n == CHUNK else ours[:n] != theirs[:n]):
                        raise BackupDamaged()
                    chunk = b""
                else:
                    chunk = f.read(min(CHUNK, remaining))
                    n = len(chunk)
                    if not chunk:
                        raise BackupDamaged()
                if digest is not None:
                    digest.update(chunk)
                if out is not None:
                    out.write(chunk)
                remaining -= n
                done += n
                if progress:
                    progress("verifying", done, header["db"])
            if out is not None:
                out.flush()
                os.fsync(out.fileno())
            if same is not None and _read_staging(same, memoryview(bytearray(1))):
                raise BackupDamaged()
            db_sha = digest.hexdigest() if digest is not None else meta.get("db_sha256")
        finally:
            if digest is not None:
                digest.abandon()
            if same is not None:
                same.close()
            if out is not None:
                out.close()
    if db_sha != meta.get("db_sha256"):
        raise BackupDamaged()
    if expect_identity is not None:
        try:
            still = _identity(os.stat(path))
        except FileNotFoundError:
            raise BackupNotVerified() from None
        if still != expect_identity:
            raise BackupNotVerified()
    return OpenedBackup(info, data_key, slot_file, meta)


def read_backup(path: Path, unlock: Callable[[keyslots.SlotFile], bytes], extract_to: Path,
                progress: Progress | None = None, expect_slots: bytes | None = None) -> OpenedBackup:
    """Read and check a whole backup file, writing its database to `extract_to` (a new file) and checking it
    as a vault is checked (a restore uses this). Returns the metadata, key and slots. Raises NotABackup /
    BackupDamaged (exit 4), WrongSecret (exit 3), OSError for the medium."""
    opened = _read_container(path, unlock, extract_to, progress, expect_slots)
    _check_database(extract_to, opened.data_key, opened.meta, opened.slot_file.vault_id)
    return opened


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


WORK_PREFIX = "counselroom-check-"
IN_USE = ".in-use"
STALE_AFTER_S = 60.0  # a work folder without its lock file yet is left alone this long (it is being made)


@contextlib.contextmanager
def _work_dir(parent: Path | None = None) -> Iterator[Path]:
    """A private work folder (removed afterwards). One in the temporary folder holds a lock on its `.in-use`
    file while in use, so that `remove_stale_work_dirs` takes only those of runs that were killed."""
    if parent is not None:
        path = parent / f".backup-check-{secrets.token_hex(6)}"
        make_private_dir(path)
        lock = None
    else:
        path = Path(tempfile.mkdtemp(prefix=WORK_PREFIX))
        lock = ProcessLock(path / IN_USE)
        lock.acquire()
    try:
        yield path
    finally:
        if lock is not None:
            lock.release()
        shutil.rmtree(path, ignore_errors=True)


def remove_stale_work_dirs(tmp: Path | None = None) -> list[Path]:
    """Remove the `counselroom-check-*` folders a killed verify-backup or restore left in the temporary folder
    (one may hold a whole encrypted copy of a vault): this user's, not in use by a running check. Returns them."""
    tmp = Path(tmp or tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = [p for p in tmp.iterdir() if p.name.startswith(WORK_PREFIX)]
    except OSError:
        return removed
    uid = os.getuid() if hasattr(os, "getuid") else None
    for p in entries:
        try:
            info = os.lstat(p)
            if not stat.S_ISDIR(info.st_mode) or (uid is not None and info.st_uid != uid):
                continue
            lock_file = p / IN_USE
            if not lock_file.exists():
                if time.time() - info.st_mtime < STALE_AFTER_S:
                    continue
                shutil.rmtree(p)
                removed.append(p)
                continue
            lock = ProcessLock(lock_file)
            try:
                lock.acquire()
            except VaultError:  # a running check holds it
                continue
            try:
                shutil.rmtree(p)
            finally:
                lock.release()
            removed.append(p)
        except OSError:
            log.debug("a stale work folder could not be removed")
    return removed


def verify_backup(path: Path, secret: str, *, recovery: bool = False, progress: Progress | None = None,
                  full: bool = False) -> BackupInfo:
    """Check a backup without restoring it. By default the file is read once and every byte of its database
    proven identical to the one made and verified then (the SHA-256 under the metadata's tag); with `full`,
    the database is also written to a private temporary folder (still encrypted, removed afterwards) and
    checked as a restore checks it."""
    remove_stale_work_dirs()
    try:
        if not full:
            return _read_container(Path(path), unlocker(secret, recovery), None, progress).info
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
    full_check: bool = False  # integrity_check and the whole audit chain were checked too
    pages: pagecheck.Checked | None = None  # the copy's page check, whose span digests the vault keeps


class _CopyCheck:
    """The checks of the staging copy besides its pages' (`_PagesChecked`, which reads the staging copy again;
    the read-back proves the medium holds those very bytes), each on a thread of its own connection: SQLite
    releases the interpreter while it works, so in a full check the pages, the structure and the trail are
    checked on the other core while the medium is written and read back."""

    def __init__(self, db: Path, data_key: bytes, meta: dict[str, Any], full: bool) -> None:
        self.errors: list[BaseException] = []
        self.extra: list[_PagesChecked] = []  # joined with these
        checks = [_check_meta] + (_full_checks() if full else [])
        self.threads = [threading.Thread(target=self._run, args=(functools.partial(check, db, data_key, meta),),
                                         daemon=True, name=f"backup-{check.__name__.strip('_')}") for check in checks]

    def _run(self, check: Callable[[], object]) -> None:
        try:
            check()
        except BaseException as e:  # noqa: BLE001 - handed to the caller by result()
            self.errors.append(e)

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def join(self) -> None:
        for t in self.threads:
            t.join()
        for other in self.extra:
            other.join()

    def result(self) -> None:
        self.join()
        if self.errors:
            raise self.errors[0]


@dataclass
class Snapshot:
    """An encrypted copy of the vault staged in the vault folder, identical to the vault at one moment, with
    its metadata; everything the medium side needs, so that it can run on another thread."""

    folder: Path
    staging: Path
    slots: bytes
    meta: dict[str, Any]
    vault_id: str
    keep: int
    made_at: datetime
    _data_key: bytes
    full_check: bool = False
    folder_id: tuple[int, int] | None = None  # (st_dev, st_ino) of the target folder when the backup started
    known_pages: list[bytes] = field(default_factory=list)  # span digests of the last verified backup (pagecheck)

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
        check = _CopyCheck(self.staging, self._data_key, self.meta, self.full_check)
        check.start()
        try:
            final, written, pages = self._write(progress)
        except BaseException:
            check.join()
            raise
        check.extra.append(pages)
        try:
            # Read back by path, as a stranger would, what the medium returns (its cached pages dropped), and
            # only while the path still names the very file written (not deleted, not replaced, same device);
            # its database bytes compared with the staging copy's, whose bytes were hashed as they were written.
            opened = _read_container(final, lambda _sf: self._data_key, None, progress, expect_slots=self.slots,
                                     expect_identity=written, expect_db=self.staging)
            if opened.meta != self.meta:
                raise BackupNotVerified()
            _check_folder(folder, self.folder_id)
            check.result()
            checked = pages.result()  # IntegrityFailure: a damaged page in the vault is not backed up
        except BaseException as e:
            pages.stop()
            check.join()
            _discard(final)
            if pages.damage is not None:  # the vault's damage comes first: the counselor must restore
                raise pages.damage from None
            if isinstance(e, OSError):
                raise medium_error(e, folder) from None
            if isinstance(e, (BackupDamaged, NotABackup, WrongSecret, BackupNotVerified)):
                raise BackupNotVerified() from None
            raise  # the copy failed its checks (the vault is damaged), or anything unforeseen
        removed = prune_generations(folder, self.vault_id, self.keep, keep_path=final)
        return BackupResult(final, opened.info, removed, self.full_check, checked)

    def _write(self, progress: Progress | None) -> tuple[Path, tuple[int, int], _PagesChecked]:
        """Write the partial file, fsync, rename, fsync the folder; return the final path, the written file's
        (st_dev, st_ino) and the page check of the staging copy (pagecheck.py), started when the write loop ends
        and still running. Everything happens in the folder as opened when the backup started: a medium pulled
        out or lazily unmounted meanwhile (the path now naming the bare mount point on the computer's own disk)
        is refused before a byte is written.

        Each chunk of the staging copy is written to the medium and hashed (SHA-256, for the metadata, on a
        thread of its own). The metadata, sealed over that hash, has a fixed length: its place is written first
        as zeros and then filled, before the fsync."""
        folder = self.folder
        dir_fd = _open_folder(folder, self.folder_id)
        try:
            _remove_partials(folder)
            try:
                name = _free_name(folder, self.made_at)
            except OSError as e:
                raise medium_error(e, folder) from None
            final = folder / name
            tmp = folder / f".{name}.{secrets.token_hex(4)}{PARTIAL_SUFFIX}"
            nonce = secrets.token_bytes(12)
            sealed_len = len(_canonical(self.meta)) + 16  # the hash's place holds as many hex digits as the hash
            header = self.container_header(nonce, sealed_len)
            head = MAGIC + struct.pack(">I", len(header)) + header + self.slots
            renamed = False
            digest = _Sha256Behind()
            pages: _PagesChecked | None = None
            try:
                writer = MediumWriter(tmp, dir_fd=dir_fd)
                try:
                    if self.folder_id is not None and writer.identity()[0] != self.folder_id[0]:
                        raise MediumChanged(folder=str(folder))
                    writer.write(head + bytes(sealed_len))
                    total, done = int(self.meta["db_bytes"]), 0
                    with open(self.staging, "rb") as src:
                        while chunk := src.read(CHUNK):
                            digest.update(chunk)
                            writer.write(chunk)
                            if done % FLUSH_EVERY == 0 and done:  # the device works while the rest is hashed
                                writer.start_flush(len(head) + sealed_len + done - FLUSH_EVERY, FLUSH_EVERY)
                            faults.point("backup.partial_chunk")
                            done += len(chunk)
                            if progress:
                                progress("writing", done, total)
                    if done != total:
                        raise LocalDiskProblem()
                    pages = _PagesChecked(self.staging, self._data_key, self.known_pages)
                    db_sha = digest.hexdigest()
                    self.meta["fingerprint"] = self.meta["db_sha256"] = db_sha
                    plain = _canonical(self.meta)
                    sealed = AESGCM(_meta_key(self._data_key)).encrypt(nonce, plain, _aad(header, self.slots))
                    if len(sealed) != sealed_len:
                        raise BackupNotVerified()
                    writer.write_at(sealed, len(head))
                    writer.fsync()  # the page check goes on meanwhile
                    written = writer.identity()
                finally:
                    writer.close()
                faults.point("backup.partial_written")
                _check_folder(folder, self.folder_id)
                if _exists(name, folder, dir_fd):  # never over another file
                    raise MediumFailed()
                if dir_fd is not None:
                    os.rename(tmp.name, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
                    renamed = True
                    os.fsync(dir_fd)
                else:
                    os.rename(tmp, final)
                    renamed = True
                    fsync_dir(folder)
                faults.point("backup.renamed")
            except BaseException as e:
                digest.abandon()
                if pages is not None:
                    pages.stop()
                _discard(final if renamed else tmp, dir_fd)
                if pages is not None and pages.damage is not None:
                    raise pages.damage from None
                if isinstance(e, OSError):
                    raise medium_error(e, folder) from None
                raise
            assert pages is not None
            return final, written, pages
        finally:
            if dir_fd is not None:
                os.close(dir_fd)


_DIR_FDS = hasattr(os, "O_DIRECTORY") and os.open in os.supports_dir_fd and os.rename in os.supports_dir_fd


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def _check_folder(folder: Path, expected: tuple[int, int] | None) -> None:
    """The path still names the folder the backup started in (same device, same folder), else MediumChanged
    (MediumMissing when nothing is there)."""
    if expected is None:
        return
    try:
        found = _identity(os.stat(folder))
    except OSError:
        raise MediumMissing(folder=str(folder)) from None
    if found != expected:
        raise MediumChanged(folder=str(folder))


def _open_folder(folder: Path, expected: tuple[int, int] | None) -> int | None:
    """A descriptor of the target folder, proven to be the one the backup started with; None where the system
    has no directory descriptors (then the path is checked before and after the write)."""
    _check_folder(folder, expected)
    if not _DIR_FDS:
        return None
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as e:
        raise medium_error(e, folder) from None
    if expected is not None and _identity(os.fstat(fd)) != expected:
        os.close(fd)
        raise MediumChanged(folder=str(folder))
    return fd


def _exists(name: str, folder: Path, dir_fd: int | None) -> bool:
    try:
        if dir_fd is not None:
            os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        else:
            os.lstat(folder / name)
        return True
    except FileNotFoundError:
        return False


class MediumWriter:
    """Writes to the medium. Small on purpose: the reliability tests make its write and fsync fail."""

    def __init__(self, path: Path, dir_fd: int | None = None) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        if dir_fd is not None:
            self.fd = os.open(path.name, flags, FILE_MODE, dir_fd=dir_fd)
        else:
            self.fd = os.open(path, flags, FILE_MODE)

    def identity(self) -> tuple[int, int]:
        return _identity(os.fstat(self.fd))

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]

    def start_flush(self, offset: int, length: int) -> None:
        """Ask the system to start writing that range to the device now (it returns at once; fsync still waits
        for all of it): posix_fadvise(DONTNEED) starts the write-back of dirty pages, where the system has it."""
        fadvise = getattr(os, "posix_fadvise", None)
        if fadvise is not None:
            with contextlib.suppress(OSError):
                fadvise(self.fd, offset, length, os.POSIX_FADV_DONTNEED)

    def write_at(self, data: bytes, offset: int) -> None:
        """Overwrite bytes already written (the metadata's place), then go on at the end."""
        os.lseek(self.fd, offset, os.SEEK_SET)
        try:
            self.write(data)
        finally:
            os.lseek(self.fd, 0, os.SEEK_END)

    def fsync(self) -> None:
        os.fsync(self.fd)

    def close(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            with contextlib.suppress(OSError):
                os.close(fd)


def _discard(path: Path, dir_fd: int | None = None) -> None:
    with contextlib.suppress(OSError):
        if dir_fd is not None:
            os.unlink(path.name, dir_fd=dir_fd)
        else:
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


def prepare(session: VaultSession, folder: Path, now: datetime | None = None, *,
            same_disk_ok: bool = False) -> Snapshot:
    """Snapshot the vault (on the session's thread): its file copied byte for byte into the vault folder, with
    its metadata read and its audit chain walked from the checkpoint, in one read transaction (the copy's hash
    is computed as the medium is written).

    A folder on the vault's own disk is refused (SameDisk) unless `same_disk_ok`: the counselor chose it on
    purpose (the window warns first; the command line has --same-disk). The folder's device and identity are
    kept: the medium side refuses to write when the path names another folder by then."""
    folder = Path(folder)
    if not folder.exists():
        parent_there = folder.parent.is_dir()
        raise (NoSuchFolder(folder=str(folder)) if parent_there else MediumMissing(folder=str(folder)))
    if not folder.is_dir():
        raise NoSuchFolder(folder=str(folder))
    try:
        folder_info = os.stat(folder)
        same_disk = folder_info.st_dev == os.stat(session.vault.path).st_dev
    except OSError as e:
        raise medium_error(e, folder) from None
    if same_disk and not same_disk_ok:
        raise SameDisk(folder=str(folder))
    vault_dir = session.vault.path
    _remove_stale_staging(vault_dir)
    staging = vault_dir / f"{STAGING_PREFIX}{secrets.token_hex(6)}.db"
    conn = session.conn
    key = session._data_key
    made_at = now or datetime.now().astimezone()

    def read(source: BinaryIO) -> tuple[int, str, int, str, dict[str, int], int, list[bytes]]:
        version = schema_version(conn)
        vault_id = str(conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()[0])
        seq, mac = session.audit.head()
        if not session.audit.verify_from_checkpoint().ok:
            raise IntegrityFailure()
        counts = _counts(conn)
        known = conn.execute("SELECT value FROM meta WHERE key = ?", (pagecheck.META_KEY,)).fetchone()
        db_bytes = _copy(source, staging)
        return version, vault_id, seq, mac, counts, db_bytes, pagecheck.decode(known[0] if known else None)

    try:
        slots = session._slot_file().to_bytes()
        full = full_check_due(session, made_at)
        with open(session.vault.db_path, "rb") as source:  # closed after the read transaction (see _snapshot_read)
            version, vault_id, seq, mac, counts, db_bytes, known = _snapshot_read(conn, lambda: read(source))
        keep = generations(session)
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
            "audit_head": {"seq": seq, "mac": mac}, "fingerprint": PENDING_SHA, "fingerprint_kind": "sha256-db",
            "db_sha256": PENDING_SHA, "db_bytes": db_bytes}  # the hash: as the medium is written (Snapshot._write)
    return Snapshot(folder, staging, slots, meta, vault_id, keep, made_at, key, full, _identity(folder_info),
                    known)


def record_success(session: VaultSession, result: BackupResult) -> None:
    """Record a verified backup: a row in `backups`, two audit entries and the audit checkpoint, in one
    transaction. Then, when due, compact the vault (vault/compaction.py): a verified copy of it now exists."""
    try:
        _record(session, result)
    except DatabaseError as e:
        raise translate_db_error(e) from None
    try:
        compaction.compact_if_due(session, "backup")
    except (DatabaseError, VaultError):  # the backup is made and recorded; the next one tries again
        log.debug("compaction after the backup did not run")


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
        # The chain up to the backup's head was walked (from the checkpoint, or whole in a full check): the
        # next backup starts there.
        session.audit.save_checkpoint(result.info.audit_seq, bytes.fromhex(result.info.audit_mac),
                                      full=result.full_check)
        if result.pages is not None:  # the spans authenticated now: the next backup checks only what differs
            session.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                 (pagecheck.META_KEY, pagecheck.encode(result.pages.digests)))


def record_failure(session: VaultSession, error: BaseException) -> None:
    """Record a failed backup in the audit trail; never hides the original error (a vault that cannot be
    written now, e.g. the same full disk, is logged at debug level only)."""
    try:
        with transaction(session.conn):
            session.audit.append("backup.failed", detail={"reason": type(error).__name__})
    except Exception:  # noqa: BLE001 - the backup's own error is the one the counselor must see
        log.debug("could not record the failed backup")


def make_backup(session: VaultSession, folder: Path, progress: Progress | None = None,
                now: datetime | None = None, *, same_disk_ok: bool = False) -> BackupResult:
    """Back the vault up into `folder` and verify it. Raises BackupError (exit 1) with a plain message; SameDisk
    (exit 2) for a folder on the vault's own disk unless `same_disk_ok`."""
    try:
        snapshot = prepare(session, folder, now, same_disk_ok=same_disk_ok)
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
