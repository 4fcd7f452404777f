"""The audit trail as the window reads it: its entries, their kinds and the chain's verification.

The entry and verification types are the vault's own (vault/audit.py keeps the chain); the window takes them
from here, so that it depends on the records layer and not on how the vault stores the trail.
"""

from __future__ import annotations

from ..vault.audit import AuditEntry, Verification
from .store import Store

__all__ = ["AuditEntry", "AuditService", "Verification"]


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
