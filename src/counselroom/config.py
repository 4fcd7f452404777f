"""The program's own settings (language, auto-lock, which vault): no record content, so they may live
outside the vault, in the per-user configuration folder, written atomically."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import platformdirs

from .vault.safefile import atomic_write, make_private_dir

DEFAULT_AUTO_LOCK_MINUTES = 5


@dataclass
class AppConfig:
    language: str = ""  # "" follows the system
    auto_lock_minutes: int = DEFAULT_AUTO_LOCK_MINUTES
    vault_folder: str = ""  # "" is the per-user data folder; the first-run wizard records another one here

    @staticmethod
    def default_path() -> Path:
        return Path(platformdirs.user_config_dir("counselroom", appauthor=False)) / "settings.json"

    @classmethod
    def load(cls, path: Path | None = None) -> AppConfig:
        path = path or cls.default_path()
        try:
            doc = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return cls()
        cfg = cls()
        if isinstance(doc.get("language"), str):
            cfg.language = doc["language"]
        if isinstance(doc.get("auto_lock_minutes"), int) and 0 <= doc["auto_lock_minutes"] <= 240:
            cfg.auto_lock_minutes = doc["auto_lock_minutes"]
        if isinstance(doc.get("vault_folder"), str):
            cfg.vault_folder = doc["vault_folder"]
        return cfg

    def vault_path(self) -> Path | None:
        """The vault folder chosen in the first-run wizard, if one was."""
        return Path(self.vault_folder) if self.vault_folder.strip() else None

    def save(self, path: Path | None = None) -> None:
        path = path or self.default_path()
        make_private_dir(path.parent)
        atomic_write(path, json.dumps(asdict(self), indent=1).encode("utf-8"))
