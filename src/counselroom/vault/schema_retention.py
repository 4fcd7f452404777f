"""Tables of retention and destruction, part of schema 3 (applied first in it).

`disposal_guard` holds a row only inside the transaction that destroys records past their retention
period; the triggers that keep signed records read-only let deletes through while it does, and at no
other time (the row is deleted before that transaction commits).

Released triggers cannot be edited in place: the ones of schema 2 that stop a delete are dropped here and
created again with the guard clause. The export register (schema 2) is rebuilt so that a register row can
outlive the case file it came from: destroying a case file keeps the row (number, date, recipient,
purpose, kind, basis, fingerprint of the file that left) but blanks its link to the client, to the
client's authorization and the free-text justification, which may describe the client. Only that one
change is allowed, and only under the guard.
"""

STATEMENTS: list[str] = [
    """CREATE TABLE disposal_guard (id INTEGER PRIMARY KEY CHECK (id = 1))""",
]

# When a client left the room's care (graduation, transfer): the anchor of the "after the client left" rule.
STATEMENTS += [
    """CREATE TABLE client_departures (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL UNIQUE REFERENCES clients (id),
        left_on TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (reason IN ('graduated', 'transferred', 'other')),
        recorded_at TEXT NOT NULL)""",
]

# The disposal register: what was destroyed, under which rule, when and how it was confirmed. It names the
# client only by code (a pseudonym), never by name, and has no client_id: nothing in it is destroyed.
STATEMENTS += [
    """CREATE TABLE disposal_register (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        destroyed_at TEXT NOT NULL,
        destroyed_on TEXT NOT NULL,
        kind TEXT NOT NULL,
        client_code TEXT NOT NULL,
        rule_years INTEGER NOT NULL,
        rule_anchor TEXT NOT NULL,
        anchor_date TEXT NOT NULL,
        due_date TEXT NOT NULL,
        counts TEXT NOT NULL,
        exports_unlinked TEXT NOT NULL DEFAULT '[]',
        confirmation TEXT NOT NULL CHECK (confirmation IN ('code', 'word')))""",
    """CREATE TRIGGER disposal_register_is_kept BEFORE DELETE ON disposal_register
        BEGIN SELECT RAISE(ABORT, 'the disposal register is append-only'); END""",
    """CREATE TRIGGER disposal_register_is_read_only BEFORE UPDATE ON disposal_register
        BEGIN SELECT RAISE(ABORT, 'the disposal register is append-only'); END""",
]

# Schema 2's delete-stopping triggers, again with the guard clause.
_GUARD = "NOT EXISTS (SELECT 1 FROM disposal_guard)"
STATEMENTS += [
    "DROP TRIGGER notes_signed_are_kept",
    f"""CREATE TRIGGER notes_signed_are_kept BEFORE DELETE ON notes WHEN OLD.status = 'signed' AND {_GUARD}
        BEGIN SELECT RAISE(ABORT, 'signed note is read-only'); END""",
    "DROP TRIGGER note_private_signed_delete",
    f"""CREATE TRIGGER note_private_signed_delete BEFORE DELETE ON note_private
        WHEN (SELECT status FROM notes WHERE id = OLD.note_id) = 'signed' AND {_GUARD}
        BEGIN SELECT RAISE(ABORT, 'signed note is read-only'); END""",
    "DROP TRIGGER addenda_are_kept",
    f"""CREATE TRIGGER addenda_are_kept BEFORE DELETE ON addenda WHEN {_GUARD}
        BEGIN SELECT RAISE(ABORT, 'an addendum is read-only'); END""",
    "DROP TRIGGER consents_are_kept",
    f"""CREATE TRIGGER consents_are_kept BEFORE DELETE ON consents WHEN {_GUARD}
        BEGIN SELECT RAISE(ABORT, 'a consent is kept'); END""",
    # Names export_register: dropped before the register is rebuilt, created again after it.
    "DROP TRIGGER release_authorizations_are_kept",
]

# The export register rebuilt: client_id may be blank (only on a row whose case file was destroyed).
STATEMENTS += [
    """CREATE TABLE export_register_v3 (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        made_at TEXT NOT NULL,
        made_on TEXT NOT NULL,
        client_id INTEGER REFERENCES clients (id),
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
        CHECK ((basis_kind = 'authorization' AND (authorization_id IS NOT NULL OR client_id IS NULL))
               OR (basis_kind = 'exception' AND exception IS NOT NULL
                   AND (length(trim(justification)) > 0 OR client_id IS NULL))))""",
    """INSERT INTO export_register_v3 (id, number, made_at, made_on, client_id, recipient, purpose, kind, lang,
        basis_kind, authorization_id, exception, justification, contents, sha256)
        SELECT id, number, made_at, made_on, client_id, recipient, purpose, kind, lang, basis_kind,
        authorization_id, exception, justification, contents, sha256 FROM export_register""",
    "DROP TABLE export_register",
    "ALTER TABLE export_register_v3 RENAME TO export_register",
    """CREATE INDEX export_register_client ON export_register (client_id, made_at)""",
    """CREATE TRIGGER export_register_is_kept BEFORE DELETE ON export_register
        BEGIN SELECT RAISE(ABORT, 'the export register is append-only'); END""",
    """CREATE TRIGGER export_register_is_read_only BEFORE UPDATE ON export_register
        WHEN NOT (EXISTS (SELECT 1 FROM disposal_guard) AND OLD.client_id IS NOT NULL AND NEW.client_id IS NULL
                  AND NEW.authorization_id IS NULL AND NEW.justification = ''
                  AND NEW.id = OLD.id AND NEW.number = OLD.number AND NEW.made_at = OLD.made_at
                  AND NEW.made_on = OLD.made_on AND NEW.recipient = OLD.recipient AND NEW.purpose = OLD.purpose
                  AND NEW.kind = OLD.kind AND NEW.lang = OLD.lang AND NEW.basis_kind = OLD.basis_kind
                  AND NEW.exception IS OLD.exception AND NEW.contents = OLD.contents AND NEW.sha256 = OLD.sha256)
        BEGIN SELECT RAISE(ABORT, 'the export register is append-only'); END""",
    f"""CREATE TRIGGER release_authorizations_are_kept BEFORE DELETE ON release_authorizations
        WHEN EXISTS (SELECT 1 FROM export_register WHERE authorization_id = OLD.id) AND {_GUARD}
        BEGIN SELECT RAISE(ABORT, 'an authorization that was used is kept'); END""",
]
