"""Schema 5, the school's work of issue 15 (cohort screenings, flags and levels, liaison records). Filled in by that work.
"""

STATEMENTS: list[str] = []
