"""Every way of changing the trail behind the program's back is detected, at the right entry."""

from collections.abc import Callable

import pytest

from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault.vault import VaultSession


@pytest.fixture
def trail(services: Services) -> Services:
    for i in range(5):
        services.clients.create(Client(code=f"C{i}", name=f"Client {i}"))
    # vault.created, vault.unlocked, then 5 client.created: 7 entries
    assert services.audit.verify().ok and services.audit.verify().entries == 7
    return services


def _sql(services: Services, *statements: str) -> None:
    conn = services.session.conn
    for s in statements:
        conn.execute(s)


def edit(s: Services) -> None:
    _sql(s, "UPDATE audit_log SET detail = '{\"fields\":[\"name\"]}' WHERE seq = 4")


def edit_time(s: Services) -> None:
    _sql(s, "UPDATE audit_log SET at = '2020-01-01T00:00:00+00:00' WHERE seq = 4")


def delete_middle(s: Services) -> None:
    _sql(s, "DELETE FROM audit_log WHERE seq = 4")


def delete_and_renumber(s: Services) -> None:
    _sql(s, "DELETE FROM audit_log WHERE seq = 4", "UPDATE audit_log SET seq = seq - 1 WHERE seq > 4")


def insert(s: Services) -> None:
    _sql(s, "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 4",
         "UPDATE audit_log SET seq = seq - 99 WHERE seq >= 104",
         "INSERT INTO audit_log (seq, at, kind, entity, entity_id, detail, prev_mac, mac) "
         "SELECT 4, at, 'client.updated', entity, entity_id, detail, prev_mac, mac FROM audit_log WHERE seq = 3")


def reorder(s: Services) -> None:
    _sql(s, "UPDATE audit_log SET seq = -1 WHERE seq = 4", "UPDATE audit_log SET seq = 4 WHERE seq = 5",
         "UPDATE audit_log SET seq = 5 WHERE seq = -1")


def truncate(s: Services) -> None:
    _sql(s, "DELETE FROM audit_log WHERE seq > 5")


def truncate_all(s: Services) -> None:
    _sql(s, "DELETE FROM audit_log", "DELETE FROM audit_head")


def append_forged(s: Services) -> None:
    _sql(s, "INSERT INTO audit_log (seq, at, kind, entity, entity_id, detail, prev_mac, mac) "
            "SELECT 8, at, kind, entity, entity_id, detail, mac, mac FROM audit_log WHERE seq = 7")


@pytest.mark.parametrize(("mutation", "first_bad"), [
    (edit, 4), (edit_time, 4), (delete_middle, 4), (delete_and_renumber, 4), (insert, 4), (reorder, 4),
    (truncate, 6), (truncate_all, 1), (append_forged, 8),
])
def test_mutation_is_detected(trail: Services, mutation: Callable[[Services], None], first_bad: int) -> None:
    mutation(trail)
    result = trail.audit.verify()
    assert not result.ok
    assert result.first_bad_seq == first_bad


def test_an_untouched_trail_verifies_and_records_changes_without_content(trail: Services) -> None:
    c = trail.clients.list()[0]
    c.notes = "very private words"
    trail.clients.update(c)
    entry = trail.audit.entries(limit=1)[0]
    assert (entry.kind, entry.entity, entry.entity_id, entry.detail) == ("client.updated", "client", c.id,
                                                                          {"fields": ["notes"]})
    assert "private" not in str(trail.audit.entries())
    assert trail.audit.verify().ok


def test_lock_and_unlock_are_recorded(session: VaultSession) -> None:
    vault = session.vault
    session.close()
    from conftest import PASSPHRASE

    with vault.unlock(PASSPHRASE) as s:
        kinds = [e.kind for e in s.audit.entries()][::-1]
    assert kinds == ["vault.created", "vault.unlocked", "vault.locked", "vault.unlocked"]
