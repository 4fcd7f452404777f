"""Opening the SQLCipher database: the key first, then the pragmas every connection needs."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import sqlcipher3

from .errors import IntegrityFailure, StorageFailure, VaultError

DatabaseError = sqlcipher3.DatabaseError
OperationalError = sqlcipher3.OperationalError


def translate_db_error(error: Exception) -> VaultError:
    """A database error as the counselor should hear it: a failing disk, or a damaged vault."""
    text = str(error).lower()
    if isinstance(error, sqlcipher3.IntegrityError):
        from .errors import ChangeRefused, RecordReadOnly

        return RecordReadOnly() if "read-only" in text else ChangeRefused()
    if isinstance(error, OperationalError) and ("full" in text or "i/o" in text or "readonly" in text
                                                  or "read-only" in text or "unable to open" in text):
        return StorageFailure()
    if isinstance(error, OperationalError) and "locked" in text:
        from .errors import VaultBusy

        return VaultBusy()
    return IntegrityFailure()
CACHE_KIB = 64 * 1024


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
            with contextlib.suppress(DatabaseError):
                conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except DatabaseError:
        if conn.in_transaction:
            with contextlib.suppress(DatabaseError):
                conn.execute("ROLLBACK")
        raise
