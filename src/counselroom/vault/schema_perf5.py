"""Schema 5, what keeps the overdue-notes rule as quick on ten years of records as on one (issue 14).

The rule asks for the sessions held without a signed note. Asked of the appointments, that walked every
session ever held and looked up its note (137 ms on a vault of 10,000 clients, 20 ms on 2,000): nearly all
of them have long been signed. `notes_unsigned` holds the held sessions whose note is not signed (missing or
a draft) — a few dozen rows however old the vault — and the triggers below keep it so on every path that
writes an appointment or a note (booking, attendance, signing, destroying records past their retention), so
the rule reads only those (under 1 ms). A group session's member appointments are left out: their one note is
the group's (issue 12.5), never a member's, so they are never overdue as a member's note. The table is no
record of its own: no client column and no foreign key, so the retention part never lists it; its rows go
with their appointment.

`appointments_client_held` answers the dependency rule (each open client's held sessions, in the window and in
all) from the index alone instead of every appointment's row: the rule runs at every unlock on a page cache
still empty, where each row's page must be read and decrypted (83 -> 30 ms warm on the large vault).
"""

_HELD = "('attended', 'late')"  # records.appointments.HELD
_NOT_SIGNED = "NOT EXISTS (SELECT 1 FROM notes n WHERE n.appointment_id = {a} AND n.status = 'signed')"

STATEMENTS: list[str] = [
    """CREATE TABLE notes_unsigned (appointment_id INTEGER PRIMARY KEY)""",
    f"""INSERT INTO notes_unsigned (appointment_id) SELECT a.id FROM appointments a
        WHERE a.attendance IN {_HELD} AND a.group_session_id IS NULL AND {_NOT_SIGNED.format(a='a.id')}""",
    f"""CREATE TRIGGER notes_unsigned_booked AFTER INSERT ON appointments
        WHEN NEW.attendance IN {_HELD} AND NEW.group_session_id IS NULL AND {_NOT_SIGNED.format(a='NEW.id')}
        BEGIN INSERT OR IGNORE INTO notes_unsigned (appointment_id) VALUES (NEW.id); END""",
    f"""CREATE TRIGGER notes_unsigned_attendance AFTER UPDATE OF attendance ON appointments
        BEGIN
            DELETE FROM notes_unsigned WHERE appointment_id = OLD.id AND NEW.attendance NOT IN {_HELD};
            INSERT OR IGNORE INTO notes_unsigned (appointment_id) SELECT NEW.id
                WHERE NEW.attendance IN {_HELD} AND NEW.group_session_id IS NULL
                AND {_NOT_SIGNED.format(a='NEW.id')};
        END""",
    """CREATE TRIGGER notes_unsigned_appointment_gone AFTER DELETE ON appointments
        BEGIN DELETE FROM notes_unsigned WHERE appointment_id = OLD.id; END""",
    """CREATE TRIGGER notes_unsigned_signed AFTER UPDATE OF status ON notes WHEN NEW.status = 'signed'
        BEGIN DELETE FROM notes_unsigned WHERE appointment_id = NEW.appointment_id; END""",
    """CREATE TRIGGER notes_unsigned_written_signed AFTER INSERT ON notes WHEN NEW.status = 'signed'
        BEGIN DELETE FROM notes_unsigned WHERE appointment_id = NEW.appointment_id; END""",
    f"""CREATE TRIGGER notes_unsigned_note_gone AFTER DELETE ON notes
        WHEN OLD.status = 'signed' AND OLD.appointment_id IS NOT NULL
        BEGIN
            INSERT OR IGNORE INTO notes_unsigned (appointment_id) SELECT a.id FROM appointments a
                WHERE a.id = OLD.appointment_id AND a.attendance IN {_HELD} AND a.group_session_id IS NULL
                AND {_NOT_SIGNED.format(a='a.id')};
        END""",
    """CREATE INDEX appointments_client_held ON appointments (client_id, attendance, planned_start)""",
]
