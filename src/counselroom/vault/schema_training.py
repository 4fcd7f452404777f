"""Tables of the training, seminar and supervision log, part of schema 3.

A table holding a client's records must name the client in a `client_id` column (retention finds and
destroys a client's records by it). A trigger that keeps records from being changed or deleted must let
an authorized destruction through: add `AND NOT EXISTS (SELECT 1 FROM disposal_guard)` to its WHEN.

The log is the counselor's own, not a client's record: no `client_id`. Hours are kept as whole hundredths
of an hour, so that yearly sums of entries such as 1.5 and 0.25 hours are exact.
"""

STATEMENTS: list[str] = [
    """CREATE TABLE training_entries (
        id INTEGER PRIMARY KEY,
        held_on TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('course', 'conference', 'supervision_individual', 'supervision_group',
                                           'peer_supervision', 'personal_therapy', 'other')),
        title TEXT NOT NULL CHECK (length(trim(title)) > 0),
        provider TEXT NOT NULL DEFAULT '',
        centihours INTEGER NOT NULL CHECK (centihours > 0 AND centihours <= 2400),
        certificate TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    """CREATE INDEX training_entries_date ON training_entries (held_on)""",
]
