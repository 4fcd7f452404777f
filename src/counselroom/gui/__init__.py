"""The window (PySide6). Reads and writes only through the records layer: no SQL here.

Layout: `main_window` holds one of three screens (first-run wizard, unlock screen, unlocked shell);
`idle_lock` watches for inactivity and the panic key; pages (clients, audit trail, settings) are built
after unlocking and destroyed on lock, so no record data outlives the session in any widget or model.
"""

from __future__ import annotations
