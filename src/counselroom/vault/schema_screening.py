"""Schema 5, the school's work of issue 15: cohort screenings, flags and levels, liaison records, the
client's school details (grade, presenting concerns) and the register of statistics reports.

`screenings` is one import of a cohort's answers (the file itself is never kept): its date, cohort name,
the questionnaire version it was scored with (a row of `instrument_definitions`, kept for as long as a
screening uses it) and the consent text the students were shown. `screening_rows` holds one student each:
the answers and the result are read-only once stored; the row's level (1 = the highest concern, NULL = not
flagged) is set at import by the questionnaire's rules. A flagged row may be linked to a client file, an
interview appointment and the interview's outcome; a student who is not flagged stays a screening row.

`liaison_records` (contacts with class teachers, 辅导员, parents, hospitals about a client) are append-only:
what was shared and on which basis is never rewritten. The destruction at the end of a retention period (a
row in `disposal_guard`) is let through everywhere, as for the other parts.

`case_closures.concerns` keeps the presenting concerns the counselor confirmed (or changed) when the case
closed, as a JSON list of the room's concern ids; NULL for a closure made before this version.
"""

_GUARD = "NOT EXISTS (SELECT 1 FROM disposal_guard)"

STATEMENTS: list[str] = [
    """CREATE TABLE screenings (
        id INTEGER PRIMARY KEY,
        definition_id INTEGER NOT NULL REFERENCES instrument_definitions (id),
        instrument_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        cohort TEXT NOT NULL CHECK (length(trim(cohort)) > 0),
        held_on TEXT NOT NULL,
        consent_text TEXT NOT NULL CHECK (length(trim(consent_text)) > 0),
        file_kind TEXT NOT NULL CHECK (file_kind IN ('xlsx', 'csv')),
        rows_imported INTEGER NOT NULL,
        rows_skipped INTEGER NOT NULL DEFAULT 0,
        imported_at TEXT NOT NULL)""",
    f"""CREATE TRIGGER screenings_are_read_only BEFORE UPDATE ON screenings WHEN {_GUARD}
        BEGIN SELECT RAISE(ABORT, 'a screening is read-only'); END""",
    """CREATE TRIGGER instrument_definitions_screened_are_kept BEFORE DELETE ON instrument_definitions
        WHEN EXISTS (SELECT 1 FROM screenings WHERE definition_id = OLD.id)
        BEGIN SELECT RAISE(ABORT, 'a questionnaire definition in use is read-only'); END""",
    """CREATE TABLE screening_rows (
        id INTEGER PRIMARY KEY,
        screening_id INTEGER NOT NULL REFERENCES screenings (id),
        row_number INTEGER NOT NULL,
        student_no TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        gender TEXT NOT NULL DEFAULT '',
        grade TEXT NOT NULL DEFAULT '',
        department TEXT NOT NULL DEFAULT '',
        class_name TEXT NOT NULL DEFAULT '',
        answers TEXT NOT NULL,
        result TEXT NOT NULL,
        total REAL NOT NULL,
        level INTEGER CHECK (level IS NULL OR level >= 1),
        critical INTEGER NOT NULL DEFAULT 0 CHECK (critical IN (0, 1)),
        client_id INTEGER REFERENCES clients (id),
        linked_at TEXT,
        appointment_id INTEGER REFERENCES appointments (id),
        outcome TEXT,
        outcome_note TEXT NOT NULL DEFAULT '',
        outcome_at TEXT,
        UNIQUE (screening_id, student_no),
        CHECK ((client_id IS NULL) = (linked_at IS NULL)),
        CHECK ((outcome IS NULL) = (outcome_at IS NULL)),
        CHECK (client_id IS NOT NULL OR (appointment_id IS NULL AND outcome IS NULL)))""",
    """CREATE INDEX screening_rows_level ON screening_rows (screening_id, level) WHERE level IS NOT NULL""",
    """CREATE INDEX screening_rows_client ON screening_rows (client_id) WHERE client_id IS NOT NULL""",
    f"""CREATE TRIGGER screening_rows_answers_are_read_only BEFORE UPDATE ON screening_rows
        WHEN NOT (NEW.id IS OLD.id AND NEW.screening_id IS OLD.screening_id AND NEW.row_number IS OLD.row_number
                  AND NEW.student_no IS OLD.student_no AND NEW.answers IS OLD.answers AND NEW.result IS OLD.result
                  AND NEW.total IS OLD.total AND NEW.level IS OLD.level AND NEW.critical IS OLD.critical)
        AND {_GUARD}
        BEGIN SELECT RAISE(ABORT, 'a screening answer is read-only'); END""",
    """CREATE TABLE liaison_records (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        contacted_at TEXT NOT NULL,
        party TEXT NOT NULL CHECK (party IN ('class_teacher', 'fudaoyuan', 'guardian', 'hospital', 'other')),
        who TEXT NOT NULL CHECK (length(trim(who)) > 0),
        method TEXT NOT NULL CHECK (method IN ('in_person', 'phone', 'message', 'letter', 'meeting', 'other')),
        shared TEXT NOT NULL CHECK (length(trim(shared)) > 0),
        basis_kind TEXT NOT NULL CHECK (basis_kind IN ('consent', 'exception')),
        exception TEXT,
        basis_note TEXT NOT NULL,
        counselor TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL,
        CHECK ((basis_kind = 'exception') = (exception IS NOT NULL)),
        CHECK (length(trim(basis_note)) > 0))""",
    """CREATE INDEX liaison_records_client ON liaison_records (client_id, contacted_at)""",
    """CREATE TRIGGER liaison_records_are_read_only BEFORE UPDATE ON liaison_records
        BEGIN SELECT RAISE(ABORT, 'a liaison record is read-only'); END""",
    f"""CREATE TRIGGER liaison_records_are_kept BEFORE DELETE ON liaison_records WHEN {_GUARD}
        BEGIN SELECT RAISE(ABORT, 'a liaison record is read-only'); END""",
    """CREATE TABLE client_school_details (
        client_id INTEGER PRIMARY KEY REFERENCES clients (id),
        grade TEXT NOT NULL DEFAULT '',
        concerns TEXT NOT NULL DEFAULT '[]',
        updated_at TEXT NOT NULL)""",
    """ALTER TABLE case_closures ADD COLUMN concerns TEXT""",
    """CREATE TABLE statistics_reports (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        made_at TEXT NOT NULL,
        made_on TEXT NOT NULL,
        period_from TEXT NOT NULL,
        period_to TEXT NOT NULL,
        recipient TEXT NOT NULL CHECK (length(trim(recipient)) > 0),
        lang TEXT NOT NULL,
        sha256 TEXT NOT NULL)""",
    """CREATE TRIGGER statistics_reports_are_kept BEFORE DELETE ON statistics_reports
        BEGIN SELECT RAISE(ABORT, 'the export register is append-only'); END""",
    """CREATE TRIGGER statistics_reports_are_read_only BEFORE UPDATE ON statistics_reports
        BEGIN SELECT RAISE(ABORT, 'the export register is append-only'); END""",
]
