"""Forward-only schema migrations, applied on unlock inside one transaction.

A released migration is never edited: a change to the schema is a new entry at the end of MIGRATIONS,
and a vault of the previous version is kept under tests/data/vaults/ so the tests migrate it.
"""

from __future__ import annotations

import sqlcipher3

from . import (
    faults,
    schema_consent,
    schema_exports,
    schema_keys,
    schema_perf5,
    schema_performance,
    schema_referrals,
    schema_retention,
    schema_risk,
    schema_screening,
    schema_sessions2,
    schema_tests,
    schema_training,
)
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

# Appointments, session notes (drafts, signed and locked), private process notes kept apart, addenda,
# dependency reviews, case closures, and the full-text index (FTS5 inside the encrypted vault).
V2 = [
    """CREATE TABLE appointments (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        kind TEXT NOT NULL DEFAULT 'follow_up' CHECK (kind IN ('first', 'follow_up', 'test', 'group')),
        group_id INTEGER,
        planned_start TEXT NOT NULL,
        planned_end TEXT NOT NULL,
        actual_start TEXT,
        actual_end TEXT,
        attendance TEXT NOT NULL DEFAULT 'scheduled' CHECK (attendance IN
            ('scheduled', 'attended', 'late', 'no_show', 'cancelled_client', 'cancelled_counselor')),
        location TEXT NOT NULL DEFAULT '',
        remarks TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK (planned_end > planned_start))""",
    """CREATE INDEX appointments_start ON appointments (planned_start)""",
    """CREATE INDEX appointments_client ON appointments (client_id, planned_start)""",
    """CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        appointment_id INTEGER UNIQUE REFERENCES appointments (id),
        template TEXT NOT NULL,
        template_version INTEGER NOT NULL,
        session_date TEXT NOT NULL,
        content TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'signed')),
        signed_at TEXT,
        signed_by TEXT,
        fingerprint TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    """CREATE INDEX notes_client ON notes (client_id, session_date)""",
    """CREATE TABLE note_private (
        note_id INTEGER PRIMARY KEY REFERENCES notes (id),
        text TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL)""",
    """CREATE TABLE addenda (
        id INTEGER PRIMARY KEY,
        note_id INTEGER NOT NULL REFERENCES notes (id),
        text TEXT NOT NULL,
        signed_at TEXT NOT NULL,
        signed_by TEXT NOT NULL,
        fingerprint TEXT NOT NULL)""",
    """CREATE TRIGGER notes_signed_are_read_only BEFORE UPDATE ON notes WHEN OLD.status = 'signed'
        BEGIN SELECT RAISE(ABORT, 'signed note is read-only'); END""",
    """CREATE TRIGGER notes_signed_are_kept BEFORE DELETE ON notes WHEN OLD.status = 'signed'
        BEGIN SELECT RAISE(ABORT, 'signed note is read-only'); END""",
    """CREATE TRIGGER note_private_signed_update BEFORE UPDATE ON note_private
        WHEN (SELECT status FROM notes WHERE id = OLD.note_id) = 'signed'
        BEGIN SELECT RAISE(ABORT, 'signed note is read-only'); END""",
    """CREATE TRIGGER note_private_signed_delete BEFORE DELETE ON note_private
        WHEN (SELECT status FROM notes WHERE id = OLD.note_id) = 'signed'
        BEGIN SELECT RAISE(ABORT, 'signed note is read-only'); END""",
    """CREATE TRIGGER note_private_signed_insert BEFORE INSERT ON note_private
        WHEN (SELECT status FROM notes WHERE id = NEW.note_id) = 'signed'
        BEGIN SELECT RAISE(ABORT, 'signed note is read-only'); END""",
    """CREATE TRIGGER addenda_are_read_only BEFORE UPDATE ON addenda
        BEGIN SELECT RAISE(ABORT, 'an addendum is read-only'); END""",
    """CREATE TRIGGER addenda_are_kept BEFORE DELETE ON addenda
        BEGIN SELECT RAISE(ABORT, 'an addendum is read-only'); END""",
    """CREATE TABLE dependency_reviews (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        reviewed_at TEXT NOT NULL,
        sessions_total INTEGER NOT NULL,
        comment TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE case_closures (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        closed_on TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (reason IN ('goals_met', 'client_ended', 'referred', 'graduated_left', 'other')),
        summary TEXT NOT NULL DEFAULT '',
        previous_status TEXT NOT NULL DEFAULT 'active',
        reopened_at TEXT,
        created_at TEXT NOT NULL)""",
    """CREATE VIRTUAL TABLE search_index USING fts5 (
        tokens, kind UNINDEXED, ref_id UNINDEXED, client_id UNINDEXED, private UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 2')""",
    # Remove a deleted record's words from the index itself at once, not at some later merge.
    """INSERT INTO search_index (search_index, rank) VALUES ('secure-delete', 1)""",
]

# Version 2 also carries the consent records and the export register; each part keeps its tables in its
# own module so that the parts can grow side by side until version 2 is released.
V2 += schema_consent.STATEMENTS + schema_exports.STATEMENTS

# Practice records: psychological tests, risk and emergency measures, referrals, training, retention.
# The retention part comes first: its guard table is named by the other parts' triggers.
V3 = (schema_retention.STATEMENTS + schema_tests.STATEMENTS + schema_risk.STATEMENTS + schema_referrals.STATEMENTS
      + schema_training.STATEMENTS)
# The overdue-notes rule asks every held session for its note's status; reading it from the notes table
# walks past each note's content (overflow pages): 190 ms on a decade vault. This index answers it alone.
V3 += ["""CREATE INDEX notes_appointment_status ON notes (appointment_id, status)"""]

# The audit checkpoint and the indexes the dashboard rules need at scale (issue 14).
V4 = schema_performance.STATEMENTS

# Version 5 (not yet released): each part keeps its tables in its own module while it grows (issues 12, 15, 17).
V5 = schema_sessions2.STATEMENTS + schema_screening.STATEMENTS + schema_keys.STATEMENTS + schema_perf5.STATEMENTS

MIGRATIONS: list[list[str]] = [V1, V2, V3, V4, V5]
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
                faults.point("migrate.statement")
        conn.execute(f"PRAGMA user_version = {CURRENT_VERSION}")
    return start, CURRENT_VERSION
