"""Settings kept inside the vault (they may say something about the practice, so they stay encrypted)."""

from __future__ import annotations

import json

from .store import Store

DEFAULT_OVERDUE_HOURS = 48
DEFAULTS: dict[str, object] = {"notes.overdue_hours": DEFAULT_OVERDUE_HOURS}


class SettingsService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, key: str, default: object = None) -> object:
        row = self.store.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        if row is None:
            return DEFAULTS.get(key, default)
        return json.loads(row[0])

    def set(self, key: str, value: object) -> None:
        with self.store.write() as conn:
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                         (key, json.dumps(value, ensure_ascii=False)))
            self.store.changed("settings.updated", "settings", None, {"key": key})
