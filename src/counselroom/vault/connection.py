"""Opening the SQLCipher database: the key first, then the pragmas every connection needs."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import sqlcipher3

from .errors import (
    ChangeRefused,
    DatabaseProblem,
    IntegrityFailure,
    RecordReadOnly,
    StorageFailure,
    VaultBusy,
    VaultError,
)

DatabaseError = sqlcipher3.DatabaseError
OperationalError = sqlcipher3.OperationalError
CACHE_KIB = 64 * 1024
log = logging.getLogger("counselroom.vault")
_DAMAGE = ("malformed", "not a database", "hmac", "corrupt")


def translate_db_error(error: Exception) -> VaultError:
    """A database error as the counselor should hear it. Only real signs of damage say "damaged": a bug or a
    misused statement must never tell the counselor to restore the vault. Details go to the debug log only
    (SQLite's messages carry no record content, but they are no use to a counselor either)."""
    log.debug("database error: %s: %s", type(error).__name__, error)
    text = str(error).lower()
    if isinstance(error, sqlcipher3.IntegrityError):
        return RecordReadOnly() if "read-only" in text else ChangeRefused()
    if any(word in text for word in _DAMAGE):
        return IntegrityFailure()
    if isinstance(error, OperationalError):
        if any(word in text for word in ("full", "i/o", "readonly", "read-only", "unable to open")):
            return StorageFailure()
        if "locked" in text or "busy" in text:
            return VaultBusy()
    return DatabaseProblem()


def open_database(path: Path, key: bytes) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")  # must be the first statement
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except DatabaseError as e:
        conn.close()
        raise IntegrityFailure() from e
    with contextlib.suppress(AttributeError):
        conn.enable_load_extension(False)
    for pragma in ("temp_store = MEMORY", "synchronous = FULL", "foreign_keys = ON", "journal_mode = DELETE",
                   "trusted_schema = OFF", f"cache_size = -{CACHE_KIB}", "secure_delete = ON"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


@contextlib.contextmanager
def transaction(conn: sqlcipher3.Connection) -> Iterator[sqlcipher3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error; nests by joining the outer transaction."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:  # SQLite may already have rolled back (e.g. on a full disk)
            with contextlib.suppress(Exception):
                conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except Exception:
        if conn.in_transaction:
            with contextlib.suppress(Exception):
                conn.execute("ROLLBACK")
        raise
