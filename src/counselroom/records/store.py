"""The records layer's handle on an unlocked vault: transactions that always write their audit entry,
and change notices for whoever shows the data (the window listens; the domain knows nothing of it)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import sqlcipher3

from ..vault.audit import AuditTrail
from ..vault.connection import DatabaseError, transaction, translate_db_error
from ..vault.vault import VaultSession

Listener = Callable[[str, "int | None"], None]


class Store:
    def __init__(self, session: VaultSession) -> None:
        self.session = session
        self.conn: sqlcipher3.Connection = session.conn
        self.audit: AuditTrail = session.audit
        self._listeners: list[Listener] = []
        self._pending: list[tuple[str, int | None]] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlcipher3.Connection]:
        outer = self.conn.in_transaction
        try:
            with transaction(self.conn) as conn:
                yield conn
        except DatabaseError as e:
            if not outer:
                self._pending.clear()
            raise translate_db_error(e) from None
        except BaseException:
            if not outer:
                self._pending.clear()
            raise
        if not outer:
            pending, self._pending = self._pending, []
            for entity, entity_id in dict.fromkeys(pending):
                for listener in list(self._listeners):
                    listener(entity, entity_id)

    def notify(self, entity: str, entity_id: int | None) -> None:
        """Queue a change notice without an audit entry (for saves already recorded, such as a draft)."""
        self._pending.append((entity, entity_id))

    def changed(self, kind: str, entity: str, entity_id: int | None, detail: dict[str, object] | None = None) -> None:
        """Record a change in the audit trail (inside the caller's write()) and queue its notice."""
        self.audit.append(kind, entity, entity_id, detail)
        self._pending.append((entity, entity_id))
