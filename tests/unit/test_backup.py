"""Backups: round trip with identical logical content, wrong secrets, tampering, no plaintext on the medium,
generations, the record of verified backups and the reminder, restore with confirm and undo, volumes."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import PASSPHRASE
from counselroom.records import demo
from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault import backup, restore
from counselroom.vault.backup import BackupDamaged, NotABackup, content_fingerprint
from counselroom.vault.connection import open_database
from counselroom.vault.errors import EXIT_INTEGRITY, EXIT_WRONG_SECRET, IntegrityFailure, VaultBusy, WrongSecret
from counselroom.vault.integrity import run_checks
from counselroom.vault.media import FakeVolumes, LinuxVolumes, Volume, is_removable, removable
from counselroom.vault.vault import Vault, VaultSession

ASCII_MARK = "zqxbackupleak7731"
CHINESE_MARK = "泄漏测试备份张三丰"


def _fingerprint(session: VaultSession) -> str:
    return content_fingerprint(session.conn)[0]


def _dump(conn: object) -> dict[str, list[tuple[object, ...]]]:
    """Every stored table's rows, in a fixed order."""
    tables = [r[0] for r in conn.execute(  # type: ignore[attr-defined]
        "SELECT name FROM sqlite_master WHERE type = 'table' AND rootpage > 0 AND name NOT LIKE 'sqlite_%'")]
    return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)  # type: ignore[attr-defined]
            for t in tables}


@pytest.fixture
def filled(services: Services) -> Services:
    demo.populate(services, "small")
    services.clients.create(Client(code="LEAK-1", name=CHINESE_MARK, notes=f"{ASCII_MARK} {CHINESE_MARK} 失眠"))
    return services


@pytest.fixture
def few(services: Services) -> Services:
    """A handful of records: enough for tests where the size does not matter."""
    for n in range(5):
        services.clients.create(Client(code=f"F-{n}", name=f"{CHINESE_MARK}{n}", notes=ASCII_MARK * 20))
    return services


def test_round_trip_backup_verify_restore_gives_identical_content(filled: Services, medium: Path,
                                                                  new_vault: tuple[Vault, str]) -> None:
    session = filled.session
    before = _fingerprint(session)
    rows_before = _dump(session.conn)
    head_before = session.audit.head()
    result = backup.make_backup(session, medium, same_disk_ok=True)
    assert result.path.parent == medium and result.path.name.endswith(".crbackup")
    assert result.info.fingerprint == before
    assert result.info.counts["clients"] == filled.clients.count()
    assert (result.info.audit_seq, result.info.audit_mac) == head_before
    assert oct(result.path.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in medium.iterdir()] == [result.path.name]  # nothing partial left

    info = backup.verify_backup(result.path, PASSPHRASE)
    assert info.fingerprint == before and info.vault_id == result.info.vault_id

    vault = session.vault
    filled.clients.create(Client(code="AFTER-1", name="made after the backup"))
    session.close()
    done = restore.restore_backup(result.path, PASSPHRASE, vault.path)
    assert done.set_aside is not None and done.set_aside.is_dir()
    key = bytes(session._data_key or b"")
    with vault.unlock(PASSPHRASE) as again:
        key = again._data_key
        assert [r for r in run_checks(again) if not r.ok] == []
        codes = {c.code for c in Services.open(again).clients.list(include_archived=True)}
        assert "LEAK-1" in codes and "AFTER-1" not in codes
        entries = again.audit.entries(kinds=["backup.restored"])
        assert entries and entries[0].detail["file"] == result.path.name
        restore.confirm_restore(again)
    assert restore.pending_restore(vault.path) is None
    # identical logical content: every row as it was at the backup; the trail only grew (restore, unlock)
    conn = open_database(vault.db_path, key)
    try:
        rows_after = _dump(conn)
    finally:
        conn.close()
    for table, rows in rows_before.items():
        if table == "audit_log":
            assert set(rows) <= set(rows_after[table]) and len(rows_after[table]) > len(rows)
        elif table != "audit_head":
            assert rows_after[table] == rows, table


def test_restored_database_rows_equal_the_backed_up_ones(filled: Services, medium: Path, tmp_path: Path) -> None:
    session = filled.session
    result = backup.make_backup(session, medium, same_disk_ok=True)
    target = tmp_path / "elsewhere" / "vault"
    done = restore.restore_backup(result.path, PASSPHRASE, target)
    assert done.set_aside is None
    conn = open_database(target / "vault.db", session._data_key)
    try:
        rows = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("clients", "notes")}
        names = sorted(r[0] for r in conn.execute("SELECT name FROM clients"))
    finally:
        conn.close()
    assert rows == {t: result.info.counts[t] for t in rows}
    assert names == sorted(r[0] for r in session.conn.execute("SELECT name FROM clients"))


def test_the_backup_opens_with_the_recovery_key(filled: Services, medium: Path, new_vault: tuple[Vault, str],
                                                tmp_path: Path) -> None:
    result = backup.make_backup(filled.session, medium, same_disk_ok=True)
    info = backup.verify_backup(result.path, new_vault[1].lower().replace("-", " "), recovery=True)
    assert info.fingerprint == result.info.fingerprint
    restore.restore_backup(result.path, new_vault[1], tmp_path / "r", recovery=True)
    with Vault(tmp_path / "r", tmp_path / "st").unlock_with_recovery(new_vault[1]) as s:
        assert Services.open(s).clients.count() == filled.clients.count()


def test_wrong_secret_is_refused_with_exit_3(few: Services, medium: Path) -> None:
    result = backup.make_backup(few.session, medium, same_disk_ok=True)
    with pytest.raises(WrongSecret) as e:
        backup.verify_backup(result.path, PASSPHRASE + "x")
    assert e.value.exit_code == EXIT_WRONG_SECRET
    with pytest.raises(WrongSecret):
        backup.verify_backup(result.path, "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789", recovery=True)


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _sections(path: Path) -> dict[str, int]:
    data = path.read_bytes()
    hlen = int.from_bytes(data[8:12], "big")
    header = json.loads(data[12:12 + hlen])
    start = 12 + hlen
    return {"header": 14, "slots": start + header["slots"] // 2, "meta": start + header["slots"] + 5,
            "db_first_page": start + header["slots"] + header["meta"] + 100,
            "db_middle": start + header["slots"] + header["meta"] + header["db"] // 2,
            "db_last": len(data) - 1}


@pytest.mark.parametrize("where", ["header", "slots", "meta", "db_first_page", "db_middle", "db_last"])
def test_a_flipped_byte_anywhere_is_refused_by_verify_and_restore(few: Services, medium: Path, tmp_path: Path,
                                                                  where: str) -> None:
    session = few.session
    result = backup.make_backup(session, medium, same_disk_ok=True)
    _flip(result.path, _sections(result.path)[where])
    with pytest.raises(IntegrityFailure) as e:
        backup.verify_backup(result.path, PASSPHRASE)
    assert e.value.exit_code == EXIT_INTEGRITY
    vault = session.vault
    session.close()
    before = {p.name: p.read_bytes() for p in vault.path.iterdir() if p.is_file()}
    with pytest.raises(IntegrityFailure):
        restore.restore_backup(result.path, PASSPHRASE, vault.path)
    assert {p.name: p.read_bytes() for p in vault.path.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in vault.path.parent.iterdir()) == sorted(
        p.name for p in tmp_path.iterdir())  # no set-aside copy, no half-made folder
    assert restore.pending_restore(vault.path) is None
    assert not [p for p in tmp_path.iterdir() if "restoring" in p.name or "before-restore" in p.name]


def test_a_truncated_or_extended_file_and_a_stranger_file_are_refused(few: Services, medium: Path) -> None:
    result = backup.make_backup(few.session, medium, same_disk_ok=True)
    data = result.path.read_bytes()
    cut = medium / "cut.crbackup"
    cut.write_bytes(data[:-4096])
    longer = medium / "longer.crbackup"
    longer.write_bytes(data + b"\0" * 10)
    for p in (cut, longer):
        with pytest.raises(BackupDamaged):
            backup.verify_backup(p, PASSPHRASE)
    stranger = medium / "stranger.crbackup"
    stranger.write_bytes(b"SQLite format 3\0" + os.urandom(5000))
    with pytest.raises(NotABackup):
        backup.verify_backup(stranger, PASSPHRASE)


def test_a_database_from_another_backup_spliced_in_is_refused(few: Services, medium: Path) -> None:
    """Same vault, same key, valid SQLCipher pages: only the authenticated hash tells them apart."""
    first = backup.make_backup(few.session, medium, now=datetime(2026, 1, 1, 9, 0, 0).astimezone(), same_disk_ok=True)
    few.clients.create(Client(code="SPLICE-1"))
    second = backup.make_backup(few.session, medium, now=datetime(2026, 1, 2, 9, 0, 0).astimezone(), same_disk_ok=True)
    a, b = first.path.read_bytes(), second.path.read_bytes()
    sa, sb = _sections(first.path), _sections(second.path)
    head_a = a[:sa["db_first_page"] - 100]
    db_b = b[sb["db_first_page"] - 100:]
    if len(db_b) == len(a) - len(head_a):
        spliced = medium / "spliced.crbackup"
        spliced.write_bytes(head_a + db_b)
        with pytest.raises(BackupDamaged):
            backup.verify_backup(spliced, PASSPHRASE)
    else:
        pytest.skip("the two databases differ in size; the length check already refuses them")


def test_no_plaintext_record_content_on_the_medium(filled: Services, medium: Path) -> None:
    result = backup.make_backup(filled.session, medium, same_disk_ok=True)
    data = result.path.read_bytes()
    for text in (ASCII_MARK, CHINESE_MARK, "失眠", "LEAK-1"):
        for enc in ("utf-8", "utf-16-le", "utf-16-be"):
            assert text.encode(enc) not in data, (text, enc)
    # the control: the same scan finds the text in a plaintext copy, so the scan itself works
    plain = medium / "control.txt"
    plain.write_text(CHINESE_MARK, encoding="utf-16-le")
    assert CHINESE_MARK.encode("utf-16-le") in plain.read_bytes()
    # and nothing key-like: the raw data key is not in the file
    assert filled.session._data_key not in data
    assert filled.session._data_key.hex().encode() not in data


def test_generations_keep_the_newest_n_of_this_vault_only(few: Services, medium: Path, tmp_path: Path) -> None:
    few.settings.set(backup.SETTING_GENERATIONS, 2)
    other_vault, _ = Vault.create(tmp_path / "other", PASSPHRASE, kdf_params=few.session.vault.kdf_params(),
                                  state_dir=tmp_path / "ost")
    with other_vault.unlock(PASSPHRASE) as other:
        foreign = backup.make_backup(other, medium, now=datetime(2025, 1, 1, 8, 0, 0).astimezone(), same_disk_ok=True)
    junk = medium / "counselroom-backup-20200101-000000.crbackup"
    junk.write_bytes(b"not a backup")
    made = [backup.make_backup(few.session, medium, now=datetime(2026, 3, d, 10, 0, 0).astimezone(), same_disk_ok=True)
            for d in (1, 2, 3, 4)]
    left = {p.name for p in medium.iterdir()}
    assert left == {made[2].path.name, made[3].path.name, foreign.path.name, junk.name}
    assert made[3].removed == [made[1].path]
    assert len(few.session.conn.execute("SELECT * FROM backups").fetchall()) == 4


def test_same_second_backups_get_distinct_names(few: Services, medium: Path) -> None:
    when = datetime(2026, 5, 5, 5, 5, 5).astimezone()
    a = backup.make_backup(few.session, medium, now=when, same_disk_ok=True)
    b = backup.make_backup(few.session, medium, now=when, same_disk_ok=True)
    assert a.path != b.path and a.path.exists() and b.path.exists()
    assert b.path.name == "counselroom-backup-20260505-050505-2.crbackup"


def test_verified_backups_are_recorded_with_audit_entries_and_reminders(filled: Services, medium: Path) -> None:
    session = filled.session
    assert backup.last_verified_backup(session) is None
    reminder = backup.backup_reminder(session)
    assert reminder is not None and reminder.age_days is None
    result = backup.make_backup(session, medium, same_disk_ok=True)
    last = backup.last_verified_backup(session)
    assert last is not None and last.file_name == result.path.name and last.fingerprint == result.info.fingerprint
    assert backup.backup_age_days(session) == 0
    assert backup.backup_reminder(session) is None
    later = datetime.now(UTC) + timedelta(days=8)
    assert backup.backup_age_days(session, later) == 8
    reminder = backup.backup_reminder(session, later)
    assert reminder is not None and reminder.age_days == 8 and reminder.remind_days == 7
    filled.settings.set(backup.SETTING_REMIND_DAYS, 30)
    assert backup.backup_reminder(session, later) is None
    kinds = [e.kind for e in session.audit.entries(kinds=["backup.made", "backup.verified", "backup.failed"])]
    assert kinds == ["backup.verified", "backup.made"]
    assert session.audit.verify().ok


def test_a_missing_folder_is_a_plain_error_and_is_recorded(few: Services, tmp_path: Path) -> None:
    with pytest.raises(backup.MediumMissing) as e:
        backup.make_backup(few.session, tmp_path / "gone" / "backups", same_disk_ok=True)
    assert "cannot be found" in e.value.message()
    assert few.session.audit.entries(kinds=["backup.failed"])
    assert not [p for p in few.session.vault.path.iterdir() if p.name.startswith(".backup")]


def test_restore_refuses_while_the_vault_is_open(few: Services, medium: Path) -> None:
    result = backup.make_backup(few.session, medium, same_disk_ok=True)
    with pytest.raises(VaultBusy):
        restore.restore_backup(result.path, PASSPHRASE, few.session.vault.path)
    assert restore.pending_restore(few.session.vault.path) is None


def test_undo_restore_puts_the_previous_vault_back(filled: Services, medium: Path) -> None:
    session = filled.session
    result = backup.make_backup(session, medium, same_disk_ok=True)
    filled.clients.create(Client(code="KEEP-ME"))
    vault = session.vault
    session.close()
    done = restore.restore_backup(result.path, PASSPHRASE, vault.path)
    assert done.set_aside is not None
    with vault.unlock(PASSPHRASE) as s:
        assert "KEEP-ME" not in {c.code for c in Services.open(s).clients.list(include_archived=True)}
    restore.undo_restore(vault.path)
    assert not done.set_aside.exists()
    with vault.unlock(PASSPHRASE) as s:
        assert "KEEP-ME" in {c.code for c in Services.open(s).clients.list(include_archived=True)}
    assert restore.pending_restore(vault.path) is None
    assert sorted(p.name for p in vault.path.parent.iterdir() if p.name.startswith(".vault")) == []
    with pytest.raises(restore.NoPendingRestore):
        restore.undo_restore(vault.path)


def test_list_backups_reads_names_and_vault_without_a_secret(few: Services, medium: Path) -> None:
    a = backup.make_backup(few.session, medium, now=datetime(2026, 2, 1, 12, 0, 0).astimezone(), same_disk_ok=True)
    b = backup.make_backup(few.session, medium, now=datetime(2026, 2, 2, 12, 0, 0).astimezone(), same_disk_ok=True)
    (medium / "notes.txt").write_text("x")
    found = backup.list_backups(medium)
    assert [f.path for f in found] == [b.path, a.path]
    assert found[0].made == datetime(2026, 2, 2, 12, 0, 0) and found[0].vault_id == a.info.vault_id


# ---------------------------------------------------------------- volumes

def test_fake_volumes_and_removable_paths(tmp_path: Path) -> None:
    usb = Volume(tmp_path / "usb", "KINGSTON", True)
    disk = Volume(tmp_path, "home", False)
    source = FakeVolumes([usb, disk])
    assert removable(source) == [usb]
    assert is_removable(tmp_path / "usb" / "backups", source)
    assert not is_removable(tmp_path / "elsewhere", source)


def test_linux_volumes_from_proc_mounts_and_sys_block(tmp_path: Path) -> None:
    sys_root, dev = tmp_path / "sys", tmp_path / "dev"
    for disk, flag in (("sdb", "1"), ("sda", "0"), ("sdc", "0")):
        (sys_root / "block" / disk / f"{disk}1").mkdir(parents=True)
        (sys_root / "block" / disk / "removable").write_text(flag + "\n")
        (sys_root / "block" / disk / f"{disk}1" / "partition").write_text("1")
        (sys_root / "class" / "block").mkdir(parents=True, exist_ok=True)
        os.symlink(sys_root / "block" / disk / f"{disk}1", sys_root / "class" / "block" / f"{disk}1")
    # sdc is a USB hard disk that reports removable=0
    usb_dev = sys_root / "devices" / "pci0000:00" / "usb2" / "2-1" / "block" / "sdc"
    usb_dev.parent.mkdir(parents=True)
    shutil.move(sys_root / "block" / "sdc", usb_dev)
    os.symlink(usb_dev, sys_root / "block" / "sdc")
    (sys_root / "class" / "block" / "sdc1").unlink()
    os.symlink(usb_dev / "sdc1", sys_root / "class" / "block" / "sdc1")
    (dev / "disk" / "by-label").mkdir(parents=True)
    for name in ("sda1", "sdb1", "sdc1"):
        (dev / name).write_text("")
    os.symlink("../../sdb1", dev / "disk" / "by-label" / "MY\\x20STICK")
    mounts = tmp_path / "mounts"
    mounts.write_text(
        f"{dev}/sda1 / ext4 rw 0 0\n"
        f"{dev}/sda1 /home ext4 rw 0 0\n"
        f"{dev}/sdb1 /media/counselor/MY\\040STICK vfat rw 0 0\n"
        f"{dev}/sdc1 /media/counselor/BIGDISK exfat rw 0 0\n"
        "tmpfs /run tmpfs rw 0 0\n")
    found = LinuxVolumes(mounts, sys_root, dev).volumes()
    by_path = {str(v.path): v for v in found}
    assert set(by_path) == {"/home", "/media/counselor/MY STICK", "/media/counselor/BIGDISK"}
    assert by_path["/media/counselor/MY STICK"] == Volume(Path("/media/counselor/MY STICK"), "MY STICK", True)
    assert by_path["/media/counselor/BIGDISK"].removable
    assert not by_path["/home"].removable
