"""Tables of retention and destruction, part of schema 3 (applied first in it).

`disposal_guard` holds a row only inside the transaction that destroys records past their retention
period; the triggers that keep signed records read-only let deletes through while it does, and at no
other time (the row is deleted before that transaction commits).
"""

STATEMENTS: list[str] = [
    """CREATE TABLE disposal_guard (id INTEGER PRIMARY KEY CHECK (id = 1))""",
]
