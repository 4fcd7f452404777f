"""The records layer's handle on an unlocked vault: transactions that always write their audit entry,
and change notices for whoever shows the data (the window listens; the domain knows nothing of it)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import sqlcipher3

from ..vault.audit import AuditTrail
from ..vault.connection import DatabaseError, transaction, translate_db_error
from ..vault.vault import VaultSession

Listener = Callable[[str, "int | None"], None]
T = TypeVar("T")


def _guard(call: Callable[[], T]) -> T:
    try:
        return call()
    except DatabaseError as e:
        raise translate_db_error(e) from None


class SafeCursor:
    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    @property
    def lastrowid(self) -> int:
        return int(self._cursor.lastrowid)

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    def close(self) -> None:
        _guard(self._cursor.close)

    def fetchone(self) -> Any:
        return _guard(self._cursor.fetchone)

    def fetchall(self) -> list[Any]:
        return _guard(self._cursor.fetchall)

    def __iter__(self) -> Iterator[Any]:
        while True:
            rows = _guard(lambda: self._cursor.fetchmany(500))
            if not rows:
                return
            yield from rows


class SafeConnection:
    """The vault connection as the records layer sees it: every database error, on reads as on writes,
    arrives as a VaultError with a message for the counselor (a full disk, damage, a refused change)."""

    def __init__(self, raw: sqlcipher3.Connection) -> None:
        self.raw = raw

    @property
    def in_transaction(self) -> bool:
        return bool(self.raw.in_transaction)

    def execute(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> SafeCursor:
        return SafeCursor(_guard(lambda: self.raw.execute(sql, args)))

    def executemany(self, sql: str, rows: Any) -> SafeCursor:
        return SafeCursor(_guard(lambda: self.raw.executemany(sql, rows)))


class Store:
    def __init__(self, session: VaultSession) -> None:
        self.session = session
        self.conn = SafeConnection(session.conn)
        self.audit = AuditTrail(self.conn, session.audit.key)
        self._listeners: list[Listener] = []
        self._pending: list[tuple[str, int | None]] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    @contextlib.contextmanager
    def write(self) -> Iterator[SafeConnection]:
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
