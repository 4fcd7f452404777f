"""Leak scan: distinctive ASCII and Chinese strings written into clients through the records layer are
found nowhere on disk outside the decrypted view, in UTF-8, UTF-16-LE or UTF-16-BE.

Places scanned: the vault folder, the test's TMPDIR and every other per-user folder the fixtures
redirect (config, state, data, cache), /var/tmp (files written during the test), and every regular file
the process holds open, through /proc/self/fd. The last one matters most: SQLite unlinks its temporary
files (sort spills, temp tables) right after creating them, so no folder listing ever shows them; and it
fixes its temporary folder once per process, which may not be this test's TMPDIR.

The controls at the end prove the scanner finds what it looks for, including a sort spilled to an unlinked
file when a connection is switched to `temp_store=FILE` (the setting connection.py must never use).
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from helpers import Finding, Needle, distinctive_strings, needles, open_files_supported, scan_open_files, scan_tree

from counselroom.records.clients import Client
from counselroom.records.profile import Profile
from counselroom.records.services import Services

BULK_CLIENTS = 300
# The vault's own cache (64 MiB) would hold this test's sort in memory whatever temp_store says; with a
# small cache the sort below must spill to a file unless temp_store keeps it in memory.
SMALL_CACHE_KIB = 2000
BIG_SORT = ("SELECT a.code, a.name, b.notes, b.school FROM clients a CROSS JOIN clients b "
            "ORDER BY a.notes || b.name, b.code")
BIG_TEMP_TABLE = ("CREATE TEMP TABLE leak_probe AS SELECT a.name AS n, b.notes AS x, a.school AS s "
                  "FROM clients a CROSS JOIN clients b")


def _client(code: str, ascii_token: str, chinese: str, n: int) -> Client:
    return Client(
        code=code, name=f"{chinese}{n} {ascii_token}", school=f"{chinese}学院 {ascii_token}",
        department=f"{chinese}系", class_name=f"{chinese}班{n}", guardian_name=f"{chinese}家长",
        emergency_name=f"{ascii_token} {chinese}", date_of_birth=date(2001, 5, 17), phone="13800000000",
        notes=f"来访记录 {chinese} / session notes {ascii_token} " * 4)


def _write_clients(services: Services, ascii_token: str, chinese: str) -> None:
    services.clients.create(_client(ascii_token[:32], ascii_token, chinese, 0))
    services.profile.save(Profile(name=f"{chinese}老师", institution=f"{ascii_token} 大学", room=chinese))
    with services.store.write():  # one transaction for the bulk, as the demo data does
        for n in range(1, BULK_CLIENTS + 1):
            services.clients.create(_client(f"LK-{n:05d}", ascii_token, chinese, n))


class Scan:
    def __init__(self, tmp_path: Path, vault_dir: Path, wanted: list[Needle], since: float) -> None:
        self.wanted = wanted
        self.since = since
        self.roots = {
            "vault folder": vault_dir,
            "TMPDIR": Path(os.environ["TMPDIR"]),
            "config, state, data and cache folders": tmp_path / "home",
            "attempt-counter state folder": tmp_path / "state",
            "everything else under the test's folder": tmp_path,
        }

    def run(self, label: str) -> list[Finding]:
        findings: list[Finding] = []
        counts: dict[str, int] = {}
        for name, root in self.roots.items():
            counts[name], found = scan_tree(root, self.wanted)
            findings += found
        counts["/var/tmp"], found = scan_tree(Path("/var/tmp"), self.wanted, since=self.since)
        findings += found
        if open_files_supported():
            counts["open files"], found = scan_open_files(self.wanted)
            findings += found
            assert counts["open files"] >= 1, "the open-file scan saw nothing: it would prove nothing"
        assert counts["vault folder"] >= 3, f"{label}: the vault folder scan missed the vault's files: {counts}"
        return list(dict.fromkeys(findings))


def _sort_and_temp_table_mid_transaction(services: Services, scan: Scan, ascii_token: str, chinese: str,
                                         temp_store: str | None = None) -> list[Finding]:
    """Inside an open write transaction (one more client not yet committed), fill a temp table and run a
    big ORDER BY over a join; scan while the sorted cursor is still open."""
    conn = services.store.conn
    findings: list[Finding] = []
    if temp_store:  # SQLite refuses to change it inside a transaction
        conn.execute(f"PRAGMA temp_store = {temp_store}")
    with services.store.write():
        services.clients.create(_client("LK-UNCOMMITTED", ascii_token, chinese, 99999))
        conn.execute(f"PRAGMA cache_size = -{SMALL_CACHE_KIB}")
        conn.execute(f"PRAGMA temp.cache_size = -{SMALL_CACHE_KIB}")
        conn.execute(BIG_TEMP_TABLE)
        assert conn.execute("SELECT count(*) FROM leak_probe").fetchone()[0] >= BULK_CLIENTS ** 2
        cur = conn.execute(BIG_SORT)
        first = cur.fetchone()
        assert first is not None
        findings += scan.run("mid-transaction, sorted cursor open")
        cur.close()
        conn.execute("DROP TABLE temp.leak_probe")
    return findings


def _assert_clean(findings: list[Finding]) -> None:
    assert not findings, "plaintext found on disk:\n" + "\n".join(map(str, findings))


@pytest.mark.slow
def test_no_plaintext_on_disk_while_open_mid_transaction_and_after_close(tmp_path: Path, services: Services) -> None:
    since = time.time() - 1
    ascii_token, chinese = distinctive_strings()
    wanted = needles([ascii_token, chinese])
    vault_dir = services.session.vault.path
    scan = Scan(tmp_path, vault_dir, wanted, since)

    _write_clients(services, ascii_token, chinese)
    # The strings really are in the vault, readable through the decrypted view.
    assert [c.code for c in services.clients.list(query="LK-00007")] == ["LK-00007"]
    assert ascii_token[:32] in {c.code for c in services.clients.list(query=ascii_token)}
    assert {c.code for c in services.clients.list()} >= {f"LK-{n:05d}" for n in (1, BULK_CLIENTS)}
    assert chinese in services.clients.list(query="LK-00001")[0].name

    _assert_clean(scan.run("open, after commit"))
    _assert_clean(_sort_and_temp_table_mid_transaction(services, scan, ascii_token, chinese))
    _assert_clean(scan.run("open, after the second commit"))

    services.session.close()
    _assert_clean(scan.run("after close"))


# ---------------------------------------------------------------- controls: the scanner can fail

def test_control_scanner_finds_plaintext_in_every_encoding_and_place(tmp_path: Path) -> None:
    ascii_token, chinese = distinctive_strings()
    wanted = needles([ascii_token, chinese])
    tmpdir = Path(os.environ["TMPDIR"])
    nested = tmp_path / "home" / "cache" / "deep" / "folder"
    nested.mkdir(parents=True)
    for i, enc in enumerate(("utf-8", "utf-16-le", "utf-16-be")):
        # Padding of odd length puts the UTF-16 text at an odd offset too.
        (nested / f"leak-{i}.bin").write_bytes(b"\x00" * (i * 3 + 1) + f"x {ascii_token} y {chinese} z".encode(enc))
    # A string split across the scanner's read chunks is still found.
    (tmpdir / "straddle.bin").write_bytes(b"\x01" * ((1 << 20) - 5) + ascii_token.encode())
    count, found = scan_tree(tmp_path, wanted)
    assert count == 4
    assert {(f.needle.text, f.needle.encoding) for f in found} == {(n.text, n.encoding) for n in wanted}
    assert any("straddle.bin" in f.where for f in found)
    os.mkfifo(tmpdir / "a-fifo")  # skipped, and the scan must not block on it
    assert scan_tree(tmpdir, wanted)[0] == 1


@pytest.mark.skipif(not open_files_supported(), reason="needs /proc/self/fd")
def test_control_scanner_finds_an_unlinked_open_file(tmp_path: Path) -> None:
    ascii_token, chinese = distinctive_strings()
    wanted = needles([ascii_token, chinese])
    path = Path(os.environ["TMPDIR"]) / "etilqs_like"
    with open(path, "w+b") as f:
        f.write(chinese.encode("utf-16-le"))
        f.flush()
        path.unlink()
        assert scan_tree(tmp_path, wanted) == (0, [])
        _count, found = scan_open_files(wanted)
        assert [(x.needle.text, x.needle.encoding) for x in found] == [(chinese, "utf-16-le")]
        assert "(deleted)" in found[0].where


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc/self/fd")
def test_control_a_sort_spilled_with_temp_store_file_is_found(tmp_path: Path, services: Services) -> None:
    """The same scenario with the one setting changed: temp_store=FILE makes SQLite spill the sort and
    the temp table to unlinked files in plaintext, and the scan above must see them."""
    ascii_token, chinese = distinctive_strings()
    wanted = needles([ascii_token, chinese])
    scan = Scan(tmp_path, services.session.vault.path, wanted, time.time() - 1)
    _write_clients(services, ascii_token, chinese)
    findings = _sort_and_temp_table_mid_transaction(services, scan, ascii_token, chinese, temp_store="FILE")
    leaked = {f.needle.text for f in findings if "(deleted)" in f.where}
    assert leaked == {ascii_token, chinese}, [str(f) for f in findings]
