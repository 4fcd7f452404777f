"""Tables of the locked export (release authorizations, the export register) and of backups, part of schema 2."""

STATEMENTS: list[str] = []

# The locked export: the client's written release authorizations and the export register. A register row
# is never changed or removed (triggers), like the audit trail it sits beside; the password of an export
# is never stored, only the SHA-256 of the encrypted file that was handed over.
STATEMENTS += [
    """CREATE TABLE release_authorizations (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        recipient TEXT NOT NULL CHECK (length(trim(recipient)) > 0),
        purpose TEXT NOT NULL CHECK (length(trim(purpose)) > 0),
        scope TEXT NOT NULL CHECK (length(trim(scope)) > 0),
        expires_on TEXT NOT NULL,
        signed_on TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        CHECK (expires_on >= signed_on))""",
    """CREATE INDEX release_authorizations_client ON release_authorizations (client_id, expires_on)""",
    """CREATE TABLE export_register (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        made_at TEXT NOT NULL,
        made_on TEXT NOT NULL,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        recipient TEXT NOT NULL,
        purpose TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('record_copy', 'referral_letter', 'transfer_summary')),
        lang TEXT NOT NULL,
        basis_kind TEXT NOT NULL CHECK (basis_kind IN ('authorization', 'exception')),
        authorization_id INTEGER REFERENCES release_authorizations (id),
        exception TEXT,
        justification TEXT NOT NULL DEFAULT '',
        contents TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        CHECK ((basis_kind = 'authorization' AND authorization_id IS NOT NULL)
               OR (basis_kind = 'exception' AND exception IS NOT NULL AND length(trim(justification)) > 0)))""",
    """CREATE INDEX export_register_client ON export_register (client_id, made_at)""",
    """CREATE TRIGGER export_register_is_kept BEFORE DELETE ON export_register
        BEGIN SELECT RAISE(ABORT, 'the export register is append-only'); END""",
    """CREATE TRIGGER export_register_is_read_only BEFORE UPDATE ON export_register
        BEGIN SELECT RAISE(ABORT, 'the export register is append-only'); END""",
    """CREATE TRIGGER release_authorizations_are_kept BEFORE DELETE ON release_authorizations
        WHEN EXISTS (SELECT 1 FROM export_register WHERE authorization_id = OLD.id)
        BEGIN SELECT RAISE(ABORT, 'an authorization that was used is kept'); END""",
]

# Backups (vault/backup.py): one row per backup that was written and then read back verified.
STATEMENTS += [
    """CREATE TABLE backups (
        id INTEGER PRIMARY KEY,
        made_at TEXT NOT NULL,
        verified_at TEXT NOT NULL,
        folder TEXT NOT NULL,
        file_name TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        audit_seq INTEGER NOT NULL)""",
    """CREATE INDEX backups_verified ON backups (verified_at)""",
]
