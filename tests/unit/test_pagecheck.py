"""The backup's page check authenticates only the spans that changed since the last verified backup (issue 14,
vault/pagecheck.py). One test per thing the shortcut must still catch: a byte changed in a span it skips, a
page SQLCipher's own check refuses, a rotated key, digests it cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import PASSPHRASE
from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault import backup, pagecheck, rotation
from counselroom.vault.connection import open_database
from counselroom.vault.errors import IntegrityFailure
from counselroom.vault.vault import Vault


@pytest.fixture
def filled(services: Services) -> Services:
    for n in range(200):
        services.clients.create(Client(code=f"P-{n}", name=f"页{n}", notes="睡眠 exam stress " * 300))
    return services


def _kept(services: Services) -> list[bytes]:
    row = services.session.conn.execute("SELECT value FROM meta WHERE key = ?", (pagecheck.META_KEY,)).fetchone()
    return pagecheck.decode(row[0] if row else None)


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _sqlcipher_refuses(path: Path, key: bytes) -> bool:
    try:
        conn = open_database(path, key)
    except IntegrityFailure:  # page one (or the salt) damaged: the key opens nothing
        return True
    try:
        return bool(list(conn.execute("PRAGMA cipher_integrity_check")))
    finally:
        conn.close()


def test_the_first_backup_checks_every_page_and_the_next_only_what_changed(filled: Services, medium: Path) -> None:
    session = filled.session
    first = backup.make_backup(session, medium, same_disk_ok=True)
    assert first.pages is not None and first.pages.pages_checked == first.pages.pages > 2 * 64
    assert _kept(filled) == first.pages.digests
    assert len(first.pages.digests) == -(-first.pages.pages * pagecheck.PAGE_SIZE // pagecheck.SPAN)
    backup.make_backup(session, medium, same_disk_ok=True)  # after the first one's compaction (vault/compaction.py)
    filled.clients.create(Client(code="LATER", name="后来"))
    second = backup.make_backup(session, medium, same_disk_ok=True)
    assert second.pages is not None
    assert 0 < second.pages.pages_checked < second.pages.pages  # the spans the new client and the record touched
    assert _kept(filled) == second.pages.digests


@pytest.mark.parametrize("where", ["salt", "page one", "an IV", "a MAC", "the middle", "the last byte"])
def test_a_byte_changed_in_a_span_the_last_backup_verified_fails_the_next(filled: Services, medium: Path,
                                                                          tmp_path: Path, where: str) -> None:
    session = filled.session
    backup.make_backup(session, medium, same_disk_ok=True)
    backup.make_backup(session, medium, same_disk_ok=True)  # its digests now describe the file as it is
    db = session.vault.db_path
    size = db.stat().st_size
    page, span = pagecheck.PAGE_SIZE, pagecheck.SPAN
    check = pagecheck.PageCheck(session._data_key, _kept(filled))
    check.feed(db.read_bytes())
    now = check.finish().digests
    same = [i for i, d in enumerate(now) if i < len(_kept(filled)) and d == _kept(filled)[i]]
    assert len(same) >= 3  # spans the next backup skips, were it not for the change below
    offset = {"salt": 3, "page one": 100, "an IV": same[0] * span + 3 * page - 80 + 3,
              "a MAC": same[len(same) // 2] * span + 10 * page - 10, "the middle": same[-1] * span + 1000,
              "the last byte": size - 1}[where]
    _flip(db, offset)
    damaged = tmp_path / "damaged.db"  # as it is now: the failed backup's audit entry rewrites page one
    damaged.write_bytes(db.read_bytes())
    kept = sorted(medium.iterdir())
    with pytest.raises(IntegrityFailure):
        backup.make_backup(session, medium, same_disk_ok=True)
    assert sorted(medium.iterdir()) == kept
    assert _sqlcipher_refuses(damaged, session._data_key)  # SQLCipher's own check agrees


def test_it_agrees_with_sqlcipher_on_every_page_of_a_whole_vault(filled: Services, medium: Path) -> None:
    result = backup.make_backup(filled.session, medium, same_disk_ok=True)
    assert result.pages is not None and result.pages.pages == filled.session.vault.db_path.stat().st_size // 4096
    check = pagecheck.PageCheck(filled.session._data_key)
    data = filled.session.vault.db_path.read_bytes()
    for start in range(0, len(data), 7777):  # chunks that do not fall on spans or pages
        check.feed(data[start:start + 7777])
    assert check.finish().pages_checked == len(data) // 4096


def test_a_file_that_is_not_whole_pages_is_damage(filled: Services) -> None:
    data = filled.session.vault.db_path.read_bytes()
    check = pagecheck.PageCheck(filled.session._data_key)
    check.feed(data + b"\0" * 10)
    with pytest.raises(IntegrityFailure):
        check.finish()
    with pytest.raises(IntegrityFailure):
        pagecheck.PageCheck(filled.session._data_key).finish()


def test_digests_under_another_key_match_nothing(filled: Services, medium: Path, tmp_path: Path) -> None:
    session = filled.session
    backup.make_backup(session, medium, same_disk_ok=True)
    vault: Vault = session.vault
    rotation.rotate_data_key(session, PASSPHRASE)  # the kept digests travel in the re-encrypted file
    with vault.unlock(PASSPHRASE) as again:
        assert pagecheck.decode(again.conn.execute("SELECT value FROM meta WHERE key = ?",
                                                   (pagecheck.META_KEY,)).fetchone()[0])
        result = backup.make_backup(again, medium, same_disk_ok=True)
        assert result.pages is not None and result.pages.pages_checked == result.pages.pages


@pytest.mark.parametrize("text", [None, 7, "", "v1:zz", "v1:" + "ab" * 15, "v2:" + "ab" * 16])
def test_kept_digests_that_do_not_read_mean_every_page_is_checked(text: object) -> None:
    assert pagecheck.decode(text) == []


def test_digests_round_trip() -> None:
    digests = [bytes([n]) * pagecheck.DIGEST_SIZE for n in range(5)]
    assert pagecheck.decode(pagecheck.encode(digests)) == digests


def test_sqlite_s_lock_byte_page_is_not_checked(filled: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page holding byte 0x40000000 is never written by SQLite: in a vault over 1 GiB it is zeros, and
    SQLCipher's own check skips it too. Moved to page 3 here, so a small vault shows it."""
    data = bytearray(filled.session.vault.db_path.read_bytes())
    page = pagecheck.PAGE_SIZE
    data[2 * page:3 * page] = bytes(page)  # page 3 as SQLite leaves its lock-byte page
    with pytest.raises(IntegrityFailure):
        check = pagecheck.PageCheck(filled.session._data_key)
        check.feed(bytes(data))
        check.finish()
    monkeypatch.setattr(pagecheck, "LOCK_BYTE_PAGE", 3)
    check = pagecheck.PageCheck(filled.session._data_key)
    check.feed(bytes(data))
    assert check.finish().pages == len(data) // page


def test_the_vault_s_damage_outranks_a_failing_medium(filled: Services, medium: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """When the page check has found damage by the time the medium fails, the counselor is told of the damage
    (restore the vault), not of the medium."""
    import errno
    import os

    session = filled.session
    db = session.vault.db_path
    data = bytearray(db.read_bytes())
    data[len(data) // 2] ^= 0x01
    db.write_bytes(bytes(data))

    def failing_fsync(self: backup.MediumWriter) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(backup.MediumWriter, "fsync", failing_fsync)
    monkeypatch.setattr(backup._PagesChecked, "stop", backup._PagesChecked.join)  # let it finish its check
    with pytest.raises(IntegrityFailure) as e:
        backup.make_backup(session, medium, same_disk_ok=True)
    assert not isinstance(e.value, backup.BackupError)
    assert list(medium.iterdir()) == []
