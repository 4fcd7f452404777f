"""Tables of risk assessments, risk flags, safety plans, emergency measures, part of schema 3.

A table holding a client's records must name the client in a `client_id` column (retention finds and
destroys a client's records by it). A trigger that keeps records from being changed or deleted must let
an authorized destruction through: add `AND NOT EXISTS (SELECT 1 FROM disposal_guard)` to its WHEN.

Everything here is a record of what was judged, agreed or done at a moment, so every row is read-only once
written: a correction is a new assessment, a new safety plan version, a new flag event, a follow-up entry.
The risk flag itself is the history of its events (raised, reviewed, cleared); `clients.risk_flag` mirrors
whether the latest run of events leaves the client flagged and is written in the same transaction.
"""

LEVELS_SQL = "('none', 'low', 'moderate', 'high', 'imminent')"
_GUARD = "NOT EXISTS (SELECT 1 FROM disposal_guard)"


def _read_only(table: str, what: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_are_read_only BEFORE UPDATE ON {table} WHEN {_GUARD}
            BEGIN SELECT RAISE(ABORT, '{what} is read-only'); END""",
        f"""CREATE TRIGGER {table}_are_kept BEFORE DELETE ON {table} WHEN {_GUARD}
            BEGIN SELECT RAISE(ABORT, '{what} is read-only'); END""",
    ]


STATEMENTS: list[str] = [
    f"""CREATE TABLE risk_assessments (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        assessed_at TEXT NOT NULL,
        self_harm TEXT NOT NULL CHECK (self_harm IN {LEVELS_SQL}),
        harm_others TEXT NOT NULL CHECK (harm_others IN {LEVELS_SQL}),
        being_harmed TEXT NOT NULL CHECK (being_harmed IN {LEVELS_SQL}),
        risk_factors TEXT NOT NULL DEFAULT '[]',
        risk_notes TEXT NOT NULL DEFAULT '',
        protective_factors TEXT NOT NULL DEFAULT '[]',
        protective_notes TEXT NOT NULL DEFAULT '',
        overall TEXT NOT NULL CHECK (overall IN {LEVELS_SQL}),
        plan TEXT NOT NULL DEFAULT '',
        counselor TEXT NOT NULL DEFAULT '',
        context TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL)""",
    """CREATE INDEX risk_assessments_client ON risk_assessments (client_id, assessed_at)""",
    *_read_only("risk_assessments", "a saved risk assessment"),
    """CREATE TABLE risk_flag_events (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        kind TEXT NOT NULL CHECK (kind IN ('raised', 'reviewed', 'cleared')),
        on_date TEXT NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        review_on TEXT,
        recorded_at TEXT NOT NULL,
        CHECK ((kind = 'cleared') = (review_on IS NULL)))""",
    """CREATE INDEX risk_flag_events_client ON risk_flag_events (client_id, id)""",
    *_read_only("risk_flag_events", "the risk flag history"),
    """CREATE TABLE safety_plans (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        version INTEGER NOT NULL,
        content TEXT NOT NULL DEFAULT '{}',
        agreed_on TEXT,
        counselor TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        UNIQUE (client_id, version))""",
    *_read_only("safety_plans", "a saved safety plan version"),
    """CREATE TABLE emergency_measures (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        occurred_at TEXT NOT NULL,
        situation TEXT NOT NULL,
        actions TEXT NOT NULL,
        notified TEXT NOT NULL DEFAULT '[]',
        exception TEXT NOT NULL
            CHECK (exception IN ('danger_self', 'danger_others', 'minor_abuse', 'required_by_law', 'other')),
        exception_reason TEXT NOT NULL,
        follow_up TEXT NOT NULL DEFAULT '',
        counselor TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL)""",
    """CREATE INDEX emergency_measures_client ON emergency_measures (client_id, occurred_at)""",
    *_read_only("emergency_measures", "an emergency measure record"),
    """CREATE TABLE emergency_followups (
        id INTEGER PRIMARY KEY,
        measure_id INTEGER NOT NULL REFERENCES emergency_measures (id) ON DELETE CASCADE,
        client_id INTEGER NOT NULL REFERENCES clients (id),
        written_at TEXT NOT NULL,
        text TEXT NOT NULL,
        counselor TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL)""",
    """CREATE INDEX emergency_followups_measure ON emergency_followups (measure_id, id)""",
    *_read_only("emergency_followups", "a follow-up entry"),
]
