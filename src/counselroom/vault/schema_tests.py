"""Tables of psychological tests: questionnaire definitions and administrations, part of schema 3.

`instrument_definitions` keeps every version of a questionnaire that was imported or used: the built-in
PHQ-9 and GAD-7 are copied in when first used, so an old administration always re-scores under the words
and rules it was given with. A version is never changed; an imported version nobody has answered yet may
be replaced, one with administrations is kept.

`test_administrations` holds one client's test: the pre-test explanation (before any answer: the CHECK
below), the answers saved one by one, the scores stored at completion, and the feedback afterwards. Once
completed, a test is read-only except that its feedback may be added once; a destruction authorized by
the retention part (a row in `disposal_guard`) is let through.
"""

STATEMENTS: list[str] = [
    """CREATE TABLE instrument_definitions (
        id INTEGER PRIMARY KEY,
        instrument_id TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        builtin INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
        content TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        stored_at TEXT NOT NULL,
        UNIQUE (instrument_id, version))""",
    """CREATE TRIGGER instrument_definitions_are_read_only BEFORE UPDATE ON instrument_definitions
        BEGIN SELECT RAISE(ABORT, 'a questionnaire definition is read-only'); END""",
    """CREATE TABLE test_administrations (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        definition_id INTEGER NOT NULL REFERENCES instrument_definitions (id),
        instrument_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        mode TEXT NOT NULL DEFAULT 'counselor' CHECK (mode IN ('counselor', 'client')),
        started_at TEXT NOT NULL,
        explanation TEXT,
        explained_at TEXT,
        answers TEXT NOT NULL DEFAULT '{}',
        completed_at TEXT,
        result TEXT,
        feedback TEXT,
        feedback_at TEXT,
        updated_at TEXT NOT NULL,
        CHECK ((explanation IS NULL) = (explained_at IS NULL)),
        CHECK (answers = '{}' OR explained_at IS NOT NULL),
        CHECK ((completed_at IS NULL) = (result IS NULL)),
        CHECK (completed_at IS NULL OR explained_at IS NOT NULL),
        CHECK ((feedback IS NULL) = (feedback_at IS NULL)),
        CHECK (feedback_at IS NULL OR completed_at IS NOT NULL))""",
    """CREATE TRIGGER instrument_definitions_in_use_are_kept BEFORE DELETE ON instrument_definitions
        WHEN EXISTS (SELECT 1 FROM test_administrations WHERE definition_id = OLD.id)
        AND NOT EXISTS (SELECT 1 FROM disposal_guard)
        BEGIN SELECT RAISE(ABORT, 'a questionnaire definition in use is read-only'); END""",
    """CREATE INDEX test_administrations_client ON test_administrations (client_id, started_at)""",
    """CREATE INDEX test_administrations_open ON test_administrations (started_at)
        WHERE feedback_at IS NULL""",
    """CREATE TRIGGER test_administrations_completed_are_read_only BEFORE UPDATE ON test_administrations
        WHEN OLD.completed_at IS NOT NULL
        AND NOT (OLD.feedback_at IS NULL AND NEW.feedback_at IS NOT NULL
                 AND NEW.id IS OLD.id AND NEW.client_id IS OLD.client_id AND NEW.definition_id IS OLD.definition_id
                 AND NEW.instrument_id IS OLD.instrument_id AND NEW.version IS OLD.version
                 AND NEW.mode IS OLD.mode AND NEW.started_at IS OLD.started_at
                 AND NEW.explanation IS OLD.explanation AND NEW.explained_at IS OLD.explained_at
                 AND NEW.answers IS OLD.answers AND NEW.completed_at IS OLD.completed_at
                 AND NEW.result IS OLD.result)
        AND NOT EXISTS (SELECT 1 FROM disposal_guard)
        BEGIN SELECT RAISE(ABORT, 'a completed test is read-only'); END""",
    """CREATE TRIGGER test_administrations_answered_are_kept BEFORE DELETE ON test_administrations
        WHEN (OLD.completed_at IS NOT NULL OR OLD.answers <> '{}')
        AND NOT EXISTS (SELECT 1 FROM disposal_guard)
        BEGIN SELECT RAISE(ABORT, 'a completed test is read-only'); END""",
]
