"""Compaction: the vault file is rebuilt after a verified backup when due, or when a tenth of it is free;
every row, the key and the schema stay; a compaction that cannot run now changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import PASSPHRASE
from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault import backup, compaction


def _dump(services: Services) -> dict[str, list[tuple[object, ...]]]:
    conn = services.session.conn
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND rootpage > 0 "
                                         "AND name NOT LIKE 'sqlite_%'")]
    return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


def _free_a_lot(services: Services) -> None:
    for n in range(60):
        services.clients.create(Client(code=f"T-{n}", notes="长的记录 long notes " * 300))
    services.session.conn.execute("DELETE FROM search_index WHERE rowid % 8 = 1")  # most of the file's pages


def test_compaction_gives_back_free_pages_and_keeps_every_row(services: Services) -> None:
    _free_a_lot(services)
    session = services.session
    assert compaction.free_share(session) >= compaction.FREE_SHARE and compaction.compaction_due(session)
    before = _dump(services)
    done = compaction.compact(session, "test")
    assert done is not None and done.pages_after < done.pages_before and done.free_before > 0
    assert compaction.free_share(session) == 0 and not compaction.compaction_due(session)
    after = _dump(services)
    assert {t: rows for t, rows in after.items() if t not in ("audit_log", "audit_head", "meta")} == \
        {t: rows for t, rows in before.items() if t not in ("audit_log", "audit_head", "meta")}
    entry = session.audit.entries(kinds=["vault.compacted"])[0]
    assert entry.detail["reason"] == "test" and entry.detail["pages_after"] == done.pages_after
    vault = session.vault
    session.close()
    with vault.unlock(PASSPHRASE) as again:  # the same key opens it; nothing is damaged
        assert [r[0] for r in again.conn.execute("PRAGMA integrity_check")] == ["ok"]
        assert again.audit.verify().ok


def test_a_backup_compacts_when_due(services: Services, tmp_path: Path) -> None:
    session = services.session
    medium = tmp_path / "medium"
    medium.mkdir()
    backup.make_backup(session, medium, same_disk_ok=True)  # never compacted: due
    first = compaction.last_compacted(session)
    assert first is not None and len(session.audit.entries(kinds=["vault.compacted"])) == 1
    backup.make_backup(session, medium, same_disk_ok=True)
    assert compaction.last_compacted(session) == first  # a month has not passed
    later = datetime.now(UTC) + timedelta(days=compaction.DEFAULT_COMPACT_DAYS)
    assert compaction.compaction_due(session, later)
    services.settings.set(compaction.SETTING_COMPACT_DAYS, 0)
    assert not compaction.compaction_due(session, later)


def test_a_compaction_that_cannot_run_now_changes_nothing(services: Services, tmp_path: Path) -> None:
    _free_a_lot(services)
    session = services.session
    reading = session.conn.execute("SELECT * FROM clients")  # a statement of the window not read to its end
    reading.fetchone()
    pages = session.conn.execute("PRAGMA page_count").fetchone()[0]
    assert compaction.compact(session, "test") is None
    assert session.conn.execute("PRAGMA page_count").fetchone()[0] == pages
    medium = tmp_path / "medium"
    medium.mkdir()
    result = backup.make_backup(session, medium, same_disk_ok=True)  # the backup is made and recorded all the same
    assert backup.last_verified_backup(session).file_name == result.path.name  # type: ignore[union-attr]
    reading.fetchall()
    assert compaction.compact(session, "test") is not None
