"""The counselor's profile: printed on consent forms and letters."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from ..vault.audit import now_utc
from .store import Store


@dataclass
class Profile:
    name: str = ""
    qualifications: str = ""
    certificate_no: str = ""
    institution: str = ""
    room: str = ""
    contact: str = ""


PROFILE_FIELDS = [f.name for f in fields(Profile)]


class ProfileService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self) -> Profile:
        row = self.store.conn.execute(f"SELECT {', '.join(PROFILE_FIELDS)} FROM profile WHERE id = 1").fetchone()
        return Profile(*row) if row else Profile()

    def save(self, profile: Profile) -> None:
        old = asdict(self.get())
        new = {k: str(v).strip() for k, v in asdict(profile).items()}
        changed = [k for k in PROFILE_FIELDS if old[k] != new[k]]
        if not changed:
            return
        cols = ", ".join(PROFILE_FIELDS)
        marks = ", ".join("?" * len(PROFILE_FIELDS))
        with self.store.write() as conn:
            conn.execute(f"INSERT OR REPLACE INTO profile (id, {cols}, updated_at) VALUES (1, {marks}, ?)",
                         [*(new[k] for k in PROFILE_FIELDS), now_utc()])
            self.store.changed("profile.updated", "profile", 1, {"fields": changed})
