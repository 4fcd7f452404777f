"""Forward-only schema migrations, applied on unlock inside one transaction.

A released migration is never edited: a change to the schema is a new entry at the end of MIGRATIONS,
and a vault of the previous version is kept under tests/data/vaults/ so the tests migrate it.
"""

from __future__ import annotations

import sqlcipher3

from .connection import transaction
from .errors import VaultTooNew

V1 = [
    """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        entity TEXT NOT NULL DEFAULT '',
        entity_id INTEGER,
        detail TEXT NOT NULL DEFAULT '{}',
        prev_mac BLOB NOT NULL,
        mac BLOB NOT NULL)""",
    """CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        mac BLOB NOT NULL,
        head_mac BLOB NOT NULL)""",
    """CREATE TABLE profile (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        name TEXT NOT NULL DEFAULT '',
        qualifications TEXT NOT NULL DEFAULT '',
        certificate_no TEXT NOT NULL DEFAULT '',
        institution TEXT NOT NULL DEFAULT '',
        room TEXT NOT NULL DEFAULT '',
        contact TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL)""",
    """CREATE TABLE clients (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE COLLATE NOCASE,
        name TEXT NOT NULL DEFAULT '',
        name_pinyin TEXT NOT NULL DEFAULT '',
        name_initials TEXT NOT NULL DEFAULT '',
        gender TEXT NOT NULL DEFAULT '',
        date_of_birth TEXT,
        phone TEXT NOT NULL DEFAULT '',
        guardian_name TEXT NOT NULL DEFAULT '',
        guardian_phone TEXT NOT NULL DEFAULT '',
        emergency_name TEXT NOT NULL DEFAULT '',
        emergency_phone TEXT NOT NULL DEFAULT '',
        school TEXT NOT NULL DEFAULT '',
        department TEXT NOT NULL DEFAULT '',
        class_name TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'intake'
            CHECK (status IN ('intake', 'active', 'referred', 'closed')),
        risk_flag INTEGER NOT NULL DEFAULT 0,
        notes TEXT NOT NULL DEFAULT '',
        archived_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    """CREATE INDEX clients_status ON clients (status, archived_at)""",
]

MIGRATIONS: list[list[str]] = [V1]
CURRENT_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlcipher3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlcipher3.Connection) -> tuple[int, int]:
    """Bring the schema to CURRENT_VERSION; return (from, to). All steps commit together or not at all."""
    start = schema_version(conn)
    if start > CURRENT_VERSION:
        raise VaultTooNew()
    if start == CURRENT_VERSION:
        return start, start
    with transaction(conn):
        for version in range(start, CURRENT_VERSION):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {CURRENT_VERSION}")
    return start, CURRENT_VERSION
