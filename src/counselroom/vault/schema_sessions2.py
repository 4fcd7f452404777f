"""Schema 5, safety and practice records of issue 12: what follows a critical test answer, group sessions
(the session with its roster as members' appointments, and one group note kept with the group), who was
late, the guardian's own signature on a minor's consent, and the relationship check at intake.

As in schema 3: a table holding a client's records names the client in `client_id` (retention finds and
destroys a client's records by it), and a trigger keeping records from change lets an authorized destruction
through (`NOT EXISTS (SELECT 1 FROM disposal_guard)`).
"""

_GUARD = "NOT EXISTS (SELECT 1 FROM disposal_guard)"


def _read_only(table: str, what: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_are_read_only BEFORE UPDATE ON {table} WHEN {_GUARD}
            BEGIN SELECT RAISE(ABORT, '{what} is read-only'); END""",
        f"""CREATE TRIGGER {table}_are_kept BEFORE DELETE ON {table} WHEN {_GUARD}
            BEGIN SELECT RAISE(ABORT, '{what} is read-only'); END""",
    ]


STATEMENTS: list[str] = [
    # A critical test answer stays open until a risk assessment is recorded for it or the counselor decides,
    # with a reason, that none is needed. `items`: the critical item numbers the follow-up covers.
    """CREATE TABLE critical_follow_ups (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        administration_id INTEGER NOT NULL REFERENCES test_administrations (id),
        items TEXT NOT NULL DEFAULT '[]',
        assessment_id INTEGER REFERENCES risk_assessments (id),
        reason TEXT NOT NULL DEFAULT '',
        decided_by TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        CHECK (assessment_id IS NOT NULL OR length(trim(reason)) > 0),
        CHECK (length(trim(decided_by)) > 0))""",
    """CREATE INDEX critical_follow_ups_test ON critical_follow_ups (administration_id)""",
    *_read_only("critical_follow_ups", "a follow-up of a critical answer"),
    # A group session: the group's booking. Each member on the roster gets an appointment pointing at it
    # (attendance, lateness per member); the group note is kept here, with the group, not in a member's file.
    """CREATE TABLE group_sessions (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES counseling_groups (id),
        planned_start TEXT NOT NULL,
        planned_end TEXT NOT NULL,
        location TEXT NOT NULL DEFAULT '',
        remarks TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK (planned_end > planned_start))""",
    """CREATE INDEX group_sessions_group ON group_sessions (group_id, planned_start)""",
    """ALTER TABLE appointments ADD COLUMN group_session_id INTEGER REFERENCES group_sessions (id)""",
    """CREATE INDEX appointments_group_session ON appointments (group_session_id)
        WHERE group_session_id IS NOT NULL""",
    """CREATE TABLE group_notes (
        id INTEGER PRIMARY KEY,
        group_session_id INTEGER NOT NULL UNIQUE REFERENCES group_sessions (id),
        template TEXT NOT NULL,
        template_version INTEGER NOT NULL,
        content TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'signed')),
        signed_at TEXT,
        signed_by TEXT,
        fingerprint TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    """CREATE TRIGGER group_notes_signed_are_read_only BEFORE UPDATE ON group_notes WHEN OLD.status = 'signed'
        BEGIN SELECT RAISE(ABORT, 'signed note is read-only'); END""",
    """CREATE TRIGGER group_notes_signed_are_kept BEFORE DELETE ON group_notes WHEN OLD.status = 'signed'
        BEGIN SELECT RAISE(ABORT, 'signed note is read-only'); END""",
    # Who was late when a session started late: the client, the counselor, or both (NULL: nobody, or recorded
    # before this column existed, when every late start was booked as the client's).
    """ALTER TABLE appointments ADD COLUMN late_party TEXT CHECK (late_party IN ('client', 'counselor', 'both'))""",
    # A minor's consent needs the guardian's own signature, on paper (the date recorded) or on screen.
    """CREATE TABLE guardian_signatures (
        id INTEGER PRIMARY KEY,
        consent_id INTEGER NOT NULL REFERENCES consents (id),
        client_id INTEGER NOT NULL REFERENCES clients (id),
        guardian_name TEXT NOT NULL,
        signed_on TEXT NOT NULL,
        signed_how TEXT NOT NULL CHECK (signed_how IN ('paper', 'screen')),
        signature BLOB,
        recorded_at TEXT NOT NULL,
        CHECK ((signed_how = 'screen') = (signature IS NOT NULL)))""",
    """CREATE INDEX guardian_signatures_consent ON guardian_signatures (consent_id)""",
    # What the form promised about keeping records when it was signed ({"zh_CN": ..., "en": ...}), rendered from
    # the retention rules then: a later change of the rules does not rewrite a signed promise.
    """ALTER TABLE consents ADD COLUMN retention_promise TEXT""",
    *_read_only("guardian_signatures", "a guardian signature"),
    # The relationship check at intake (practice code 5): which other relationships exist between counselor
    # and client (an empty list: none), and the counselor's decision about a "yes".
    """CREATE TABLE relationship_checks (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        checked_on TEXT NOT NULL,
        relationships TEXT NOT NULL DEFAULT '[]',
        details TEXT NOT NULL DEFAULT '',
        checked_by TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL)""",
    """CREATE INDEX relationship_checks_client ON relationship_checks (client_id, id)""",
    *_read_only("relationship_checks", "a relationship check"),
    """CREATE TABLE relationship_decisions (
        id INTEGER PRIMARY KEY,
        check_id INTEGER NOT NULL REFERENCES relationship_checks (id),
        client_id INTEGER NOT NULL REFERENCES clients (id),
        decision TEXT NOT NULL CHECK (decision IN ('refer', 'continue')),
        reason TEXT NOT NULL,
        decided_by TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        CHECK (length(trim(reason)) > 0))""",
    """CREATE INDEX relationship_decisions_check ON relationship_decisions (check_id)""",
    *_read_only("relationship_decisions", "a decision about a relationship"),
]
