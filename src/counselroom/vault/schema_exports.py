"""Tables of the locked export (release authorizations, the export register) and of backups, part of schema 2."""

STATEMENTS: list[str] = []
