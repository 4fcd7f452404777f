"""Destruction leaves no trace: after a case file is destroyed, its words are not found by search, not in
any decrypted page of the vault file, not in the rollback journal, and not in plaintext anywhere on disk.

SQLCipher encrypts each page on its own, so the words of deleted rows could survive in the file (in free
space inside a page, on a free page) or in the rollback journal, encrypted but readable to anyone with
the key. The test decrypts the file itself, page by page, with the vault's raw key: SQLCipher 4 with a
raw key uses it directly as the AES-256 key; each page is AES-256-CBC over all but its last 80 bytes,
which hold the IV (16 bytes) and the HMAC (64); page 1 starts with the 16-byte salt instead of
"SQLite format 3", and its encrypted part starts after it. The rollback journal holds whole encrypted
pages, each behind its 4-byte page number and before a 4-byte checksum.

Controls prove the test can fail: the decryptor finds the words before the destruction (and reads the
database header where it should be), and finds them in the journal the destruction left behind before
it was overwritten.
"""

from __future__ import annotations

import os
import secrets
import selectors
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from helpers import Needle, needles, open_files_supported, scan_open_files, scan_tree

from counselroom.records.retention import RetentionService
from counselroom.records.services import Services
from counselroom.vault.errors import RecordReadOnly
from counselroom.vault.integrity import run_checks
from retention_records import client_rows, fill_case_file

RESERVE = 80  # SQLCipher 4: 16-byte IV + 64-byte HMAC-SHA512 at the end of every page
SALT = 16


def _decrypt_page(page: bytes, key: bytes, first: bool) -> bytes:
    size = len(page)
    iv = page[size - RESERVE:size - RESERVE + 16]
    start = SALT if first else 0
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(page[start:size - RESERVE]) + decryptor.finalize()


def decrypted_pages(data: bytes, key: bytes, page_size: int) -> list[bytes]:
    assert len(data) % page_size == 0, "the vault file is not a whole number of pages"
    return [_decrypt_page(data[n:n + page_size], key, n == 0) for n in range(0, len(data), page_size)]


def decrypted_journal_pages(data: bytes, key: bytes, page_size: int) -> list[bytes]:
    """The pages of a rollback journal. Its header may already be zeroed (a committed, persisted journal),
    so every sector-aligned start of the first record is tried and each yields what it decrypts to."""
    out: list[bytes] = []
    record = 4 + page_size + 4
    for header in (512, 1024, 2048, 4096, 8192, 16384, 32768, 65536):
        at = header
        while at + record <= len(data):
            number = int.from_bytes(data[at:at + 4], "big")
            out.append(_decrypt_page(data[at + 4:at + 4 + page_size], key, number == 1))
            at += record
    return out


def found_in(pages: list[bytes], wanted: list[Needle]) -> set[tuple[str, str]]:
    blob = b"".join(pages)
    return {(n.text, n.encoding) for n in wanted if n.pattern in blob}


@pytest.mark.slow
def test_a_destroyed_case_file_leaves_no_trace(tmp_path: Path, services: Services,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    since = time.time() - 1
    word = "zqxtrace" + secrets.token_hex(5)
    chinese = "痕迹测试" + "".join(secrets.choice("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉") for _ in range(6))
    other = "zqxkeep" + secrets.token_hex(5)
    wanted = needles([word, chinese])
    session = services.session
    key = session._data_key
    db = session.vault.db_path
    page_size = int(services.store.conn.execute("PRAGMA page_size").fetchone()[0])

    fill_case_file(services, "GONE-1", word, date(2019, 6, 1), chinese=chinese)
    fill_case_file(services, "KEPT-2", other, date(2024, 6, 1))

    # Control: the words are in the vault, found by search and by the decryptor; page 1 decrypts to the
    # database header (page size, then the fixed payload fractions 64, 32, 32).
    assert {h.client_code for h in services.search.search(word, include_private=True)} == {"GONE-1"}
    assert services.search.search(chinese, include_private=True)
    pages = decrypted_pages(db.read_bytes(), key, page_size)
    assert int.from_bytes(pages[0][:2], "big") == page_size and pages[0][5:8] == bytes([64, 32, 32])
    assert found_in(pages, wanted) >= {(word, "utf-8"), (chinese, "utf-8")}

    journals: list[tuple[bytes, bool]] = []  # (the journal as the commit left it, still there after the scrub)
    scrub = RetentionService._scrub_journal

    def watched_scrub(self: RetentionService, journal: Path) -> None:
        before = journal.read_bytes() if journal.exists() else b""
        scrub(self, journal)
        journals.append((before, journal.exists()))

    monkeypatch.setattr(RetentionService, "_scrub_journal", watched_scrub)
    [item] = [i for i in services.retention.past_retention(date.today()) if i.client_code == "GONE-1"]
    services.retention.destroy([item], "GONE-1", passphrase_ok=True)

    # (a) search finds nothing of the destroyed file, and still finds the other client's
    assert services.search.search(word, include_private=True) == []
    assert services.search.search(chinese, include_private=True) == []
    assert {h.client_code for h in services.search.search(other, include_private=True)} == {"KEPT-2"}

    # (b) no decrypted page of the vault holds the words, in UTF-8 or UTF-16; no journal or WAL is left
    pages = decrypted_pages(db.read_bytes(), key, page_size)
    assert int.from_bytes(pages[0][:2], "big") == page_size
    assert found_in(pages, needles([other])), "control: the kept client's word is still in the pages"
    assert found_in(pages, wanted) == set()
    for suffix in ("-journal", "-wal"):
        leftover = Path(str(db) + suffix)
        if leftover.exists():
            assert found_in(decrypted_journal_pages(leftover.read_bytes(), key, page_size), wanted) == set()
    # The journal of the destruction held the old pages (control: the words were in it) and was
    # overwritten and removed.
    [(journal, still_there)] = journals
    assert found_in(decrypted_journal_pages(journal, key, page_size), wanted) >= {(word, "utf-8")}
    assert not still_there

    # (c) no plaintext anywhere on disk: the test's folders, /var/tmp, and the files the process holds open
    findings = scan_tree(tmp_path, wanted)[1] + scan_tree(Path("/var/tmp"), wanted, since=since)[1]
    if open_files_supported():
        findings += scan_open_files(wanted)[1]
    assert not findings, [str(f) for f in findings]
    assert (os.stat(db).st_size // page_size) == len(pages)

    services.session.close()
    pages = decrypted_pages(db.read_bytes(), key, page_size)
    assert found_in(pages, wanted) == set()


def test_control_the_journal_scrub_overwrites_every_byte(tmp_path: Path, services: Services) -> None:
    journal = tmp_path / "x-journal"
    journal.write_bytes(secrets.token_bytes(200_000))
    services.retention._scrub_journal(journal)  # not the vault's journal: only overwritten
    assert journal.read_bytes() == b"\0" * 200_000


CHILD = r"""
import sys, time
from pathlib import Path
from datetime import date
from counselroom.records.retention import RetentionService
from counselroom.records.services import Services
from counselroom.vault.vault import Vault

def stall(self, year):
    print("MID", flush=True)  # every row is deleted, the transaction is still open
    time.sleep(120)

RetentionService._next_number = stall
passphrase = sys.stdin.readline().rstrip("\n")
session = Vault(Path(sys.argv[1]), Path(sys.argv[2])).unlock(passphrase)
services = Services.open(session)
items = [i for i in services.retention.past_retention(date.today()) if i.client_code == "KILL-1"]
services.retention.destroy(items, "KILL-1", passphrase_ok=True)
print("NEVER", flush=True)
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and select() on pipes")
def test_a_destruction_killed_halfway_leaves_everything_and_no_guard(new_vault) -> None:  # type: ignore[no-untyped-def]
    """A power cut in the middle of a destruction: the journal rolls it back on the next unlock, so the
    file is whole, the guard row is gone, and signed notes are read-only again."""
    from conftest import PASSPHRASE

    vault, _ = new_vault
    word = "zqxkill" + secrets.token_hex(5)
    with vault.unlock(PASSPHRASE) as session:
        services = Services.open(session)
        cid = fill_case_file(services, "KILL-1", word, date(2019, 6, 1))
        before = client_rows(services, cid)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(vault.path), str(vault.state_dir)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(PASSPHRASE + "\n")
    child.stdin.close()
    ready = selectors.DefaultSelector()
    ready.register(child.stdout, selectors.EVENT_READ)
    assert ready.select(60), "the child never reached the middle of the destruction"
    assert child.stdout.readline().strip() == "MID"
    child.kill()
    child.wait(timeout=30)
    assert Path(str(vault.db_path) + "-journal").exists(), "control: the kill left a hot journal to roll back"

    with vault.unlock(PASSPHRASE) as session:
        services = Services.open(session)
        assert client_rows(services, cid) == before
        assert {h.client_code for h in services.search.search(word, include_private=True)} == {"KILL-1"}
        conn = services.store.conn
        assert conn.execute("SELECT count(*) FROM disposal_guard").fetchone()[0] == 0
        assert services.retention.register() == []
        with pytest.raises(RecordReadOnly), services.store.write() as c:
            c.execute("DELETE FROM notes WHERE client_id = ? AND status = 'signed'", (cid,))
        assert [r for r in run_checks(session) if not r.ok] == []
        assert services.audit.verify().ok
