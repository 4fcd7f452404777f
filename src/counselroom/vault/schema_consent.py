"""Tables of the consent records (templates, per-client consents, signatures, groups), part of schema 2.

A template version, once saved, is never changed or deleted (older consents keep the words they were
signed under); a signed consent's checklist, recording choice and signature are fixed by triggers, so
only a withdrawal can follow a signature.
"""

STATEMENTS: list[str] = [
    """CREATE TABLE consent_templates (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('consent', 'group_agreement')),
        version INTEGER NOT NULL,
        content TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (kind, version))""",
    """CREATE TRIGGER consent_templates_are_read_only BEFORE UPDATE ON consent_templates
        BEGIN SELECT RAISE(ABORT, 'a template version is read-only'); END""",
    """CREATE TRIGGER consent_templates_are_kept BEFORE DELETE ON consent_templates
        BEGIN SELECT RAISE(ABORT, 'a template version is read-only'); END""",
    """CREATE TABLE consents (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        template_version INTEGER NOT NULL,
        explained TEXT NOT NULL DEFAULT '[]',
        questions TEXT NOT NULL DEFAULT '{}',
        recording INTEGER NOT NULL DEFAULT 0,
        signed_on TEXT,
        signed_how TEXT CHECK (signed_how IN ('paper', 'screen')),
        signature BLOB,
        fingerprint TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    """CREATE INDEX consents_client ON consents (client_id, id)""",
    """CREATE TRIGGER consents_signed_are_read_only BEFORE UPDATE ON consents WHEN OLD.signed_on IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'a signed consent is read-only'); END""",
    """CREATE TRIGGER consents_are_kept BEFORE DELETE ON consents
        BEGIN SELECT RAISE(ABORT, 'a consent is kept'); END""",
    """CREATE TABLE consent_withdrawals (
        id INTEGER PRIMARY KEY,
        consent_id INTEGER NOT NULL REFERENCES consents (id),
        scope TEXT NOT NULL CHECK (scope IN ('all', 'recording')),
        withdrawn_on TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL)""",
    """CREATE INDEX consent_withdrawals_consent ON consent_withdrawals (consent_id)""",
    """CREATE TABLE counseling_groups (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    """CREATE TABLE group_members (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES counseling_groups (id),
        client_id INTEGER NOT NULL REFERENCES clients (id),
        added_on TEXT NOT NULL,
        removed_on TEXT)""",
    """CREATE INDEX group_members_group ON group_members (group_id, client_id)""",
    """CREATE TABLE group_agreements (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES counseling_groups (id),
        client_id INTEGER NOT NULL REFERENCES clients (id),
        template_version INTEGER NOT NULL,
        agreed_on TEXT NOT NULL,
        signed_how TEXT NOT NULL CHECK (signed_how IN ('paper', 'screen')),
        signature BLOB,
        recorded_at TEXT NOT NULL)""",
    """CREATE INDEX group_agreements_member ON group_agreements (group_id, client_id)""",
    """CREATE TRIGGER group_agreements_are_read_only BEFORE UPDATE ON group_agreements
        BEGIN SELECT RAISE(ABORT, 'an agreement is read-only'); END""",
]
