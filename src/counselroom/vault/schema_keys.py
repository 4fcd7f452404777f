"""Schema 5, key rotation and rollback detection of issue 17. Filled in by that work.
"""

STATEMENTS: list[str] = []
