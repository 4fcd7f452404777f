"""Opening the SQLCipher database: the key first, then the pragmas every connection needs."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import sqlcipher3

from .errors import IntegrityFailure

DatabaseError = sqlcipher3.DatabaseError
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
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
