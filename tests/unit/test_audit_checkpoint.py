"""The audit checkpoint: the walk from it covers only the entries after it, and still finds every change
there, a checkpoint that was moved or forged, and a changed checkpoint entry. Changes before it are left to
the full walk — the test says so, since that is the shortcut taken."""

from __future__ import annotations

import json

import pytest

from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault.audit import _body
from counselroom.vault.connection import transaction


@pytest.fixture
def trail(services: Services) -> Services:
    for i in range(5):
        services.clients.create(Client(code=f"C{i}", name=f"Client {i}"))
    return services  # 7 entries: vault.created, vault.unlocked, 5 client.created


def _checkpoint_at_head(s: Services, full: bool = False) -> int:
    audit = s.session.audit
    seq, mac = audit.head()
    with transaction(s.session.conn):
        audit.save_checkpoint(seq, bytes.fromhex(mac), full=full)
    return seq


def _more(s: Services, n: int = 3) -> None:
    for i in range(n):
        s.clients.create(Client(code=f"M{i}"))


def test_without_a_checkpoint_the_walk_is_the_full_walk(trail: Services) -> None:
    result = trail.session.audit.verify_from_checkpoint()
    assert result.ok and result.entries == 7 and result.walked == 7


def test_from_a_checkpoint_only_the_new_entries_are_walked(trail: Services) -> None:
    at = _checkpoint_at_head(trail)
    _more(trail)
    result = trail.session.audit.verify_from_checkpoint()
    assert result.ok and result.entries == at + 3
    assert result.walked == 1 + 3  # the checkpoint's own entry, then the three new ones
    assert trail.session.audit.verify().walked == at + 3


@pytest.mark.parametrize(("statement", "reason"), [
    ("UPDATE audit_log SET detail = '{\"fields\":[\"x\"]}' WHERE seq = 9", "altered"),
    ("DELETE FROM audit_log WHERE seq = 9", "missing"),
    ("DELETE FROM audit_log WHERE seq > 8", "truncated"),
    ("UPDATE audit_log SET at = '2020-01-01' WHERE seq = 7", "altered"),  # the checkpoint's own entry
    ("DELETE FROM audit_log WHERE seq = 7", "missing"),
    ("UPDATE audit_checkpoint SET seq = 8", "checkpoint"),  # moved on without the key
    ("UPDATE audit_checkpoint SET full_at = '2099-01-01'", "checkpoint"),
])
def test_a_change_after_the_checkpoint_or_to_it_is_found(trail: Services, statement: str, reason: str) -> None:
    assert _checkpoint_at_head(trail) == 7
    _more(trail)
    trail.session.conn.execute(statement)
    result = trail.session.audit.verify_from_checkpoint()
    assert not result.ok and result.reason == reason


def test_a_change_before_the_checkpoint_is_left_to_the_full_walk(trail: Services) -> None:
    _checkpoint_at_head(trail)
    _more(trail)
    trail.session.conn.execute("UPDATE audit_log SET detail = '{\"fields\":[\"x\"]}' WHERE seq = 4")
    assert trail.session.audit.verify_from_checkpoint().ok  # the shortcut: entries before it are not re-read
    full = trail.session.audit.verify()
    assert not full.ok and full.first_bad_seq == 4


def test_the_checkpoint_never_moves_back_and_keeps_the_last_full_walk(trail: Services) -> None:
    audit = trail.session.audit
    first = _checkpoint_at_head(trail, full=True)
    full_at = audit.checkpoint().full_at  # type: ignore[union-attr]
    assert full_at
    _more(trail)
    second = _checkpoint_at_head(trail)
    found = audit.checkpoint()
    assert found is not None and found.seq == second > first and found.full_at == full_at
    with transaction(trail.session.conn):
        audit.save_checkpoint(first, b"\0" * 32, full=True)
    assert audit.checkpoint() == found


def test_the_mac_covers_the_same_bytes_as_json_dumps() -> None:
    """Entries are MACed over json.dumps([...]); the walk builds those bytes itself, and must build the same."""
    texts = ["", "a", '"q"', "\\", "新年\u2028", "\x00\x1f\x7f", "tab\tnl\n", "😀", '{"a":[1,2]}']
    for seq in (1, 2 ** 40):
        for entity_id in (None, 0, -5, 12345678901):
            for a in texts:
                for b in texts:
                    expected = json.dumps([seq, a, b, a, entity_id, b], ensure_ascii=False, separators=(",", ":"))
                    assert _body(seq, a, b, a, entity_id, b) == expected.encode("utf-8")
    assert _body(1, 1.5, "k", "e", True, "d") == b'[1,1.5,"k","e",true,"d"]'  # unusual types: json.dumps itself
