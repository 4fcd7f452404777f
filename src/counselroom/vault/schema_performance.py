"""Schema 4: what lets the backup, the dashboard and search scale with years of records (issue 14).

- `audit_checkpoint`: how far the audit chain was verified, and when the last full walk was, under its own
  MAC (see vault/audit.py). A verified backup moves it on, so the next backup walks only the new entries.
- `case_closures_client`: the retention rule and the closed-case queries ask for each client's latest
  closure; without an index that was a scan of every closure per client.
- `dependency_reviews_client`: the dependency rule asks for each client's last review (236 -> 30 ms on a
  vault of 10,000 clients).
"""

STATEMENTS: list[str] = [
    """CREATE TABLE audit_checkpoint (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        mac BLOB NOT NULL,
        verified_at TEXT NOT NULL,
        full_at TEXT NOT NULL DEFAULT '',
        checkpoint_mac BLOB NOT NULL)""",
    """CREATE INDEX case_closures_client ON case_closures (client_id, id)""",
    """CREATE INDEX dependency_reviews_client ON dependency_reviews (client_id, reviewed_at)""",
]
