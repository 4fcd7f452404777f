"""Schema 5, safety and practice records of issue 12 (group sessions with roster and attendance, pending critical answers, relationship checks, who was late, guardian signatures). Filled in by that work.
"""

STATEMENTS: list[str] = []
