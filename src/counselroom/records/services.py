"""Everything the window and the command line use, built from one unlocked vault session."""

from __future__ import annotations

from dataclasses import dataclass

from ..vault.audit import AuditEntry, Verification
from ..vault.vault import VaultSession
from .clients import ClientService
from .profile import ProfileService
from .settings import SettingsService
from .store import Store


class AuditService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def entries(self, kinds: list[str] | None = None, since: str | None = None, until: str | None = None,
                limit: int | None = None) -> list[AuditEntry]:
        return self.store.audit.entries(kinds, since, until, limit)

    def kinds(self) -> list[str]:
        return self.store.audit.kinds()

    def verify(self) -> Verification:
        return self.store.audit.verify()


@dataclass
class Services:
    store: Store
    profile: ProfileService
    clients: ClientService
    settings: SettingsService
    audit: AuditService

    @classmethod
    def open(cls, session: VaultSession) -> Services:
        store = Store(session)
        return cls(store, ProfileService(store), ClientService(store), SettingsService(store), AuditService(store))

    @property
    def session(self) -> VaultSession:
        return self.store.session

    @property
    def failed_attempts(self) -> int:
        return self.session.failed_attempts
