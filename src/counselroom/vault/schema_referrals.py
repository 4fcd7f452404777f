"""Tables of referral records, part of schema 3.

A table holding a client's records must name the client in a `client_id` column (retention finds and
destroys a client's records by it). A trigger that keeps records from being changed or deleted must let
an authorized destruction through: add `AND NOT EXISTS (SELECT 1 FROM disposal_guard)` to its WHEN.
"""

STATEMENTS: list[str] = []
