"""Sessions: appointments, attendance, session notes and the overdue-notes list."""
