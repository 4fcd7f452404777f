"""Rotating the data key: the vault re-encrypted under a new random key, killable at any point.

Changing the passphrase re-wraps the data key; it does not change it. Whoever kept the old key file (an old
backup holds one) and the old passphrase or recovery key could still unwrap the key that opens today's
vault.db. Rotation makes a new data key, so the old secrets open the vault as it was then (old backups), never
the vault as it is now.

    1. The vault is unlocked (the lock held throughout); its whole audit chain is verified (a broken trail is
       not carried into the new key's MACs: rotation refuses).
    2. `vault.db` is copied under the new key into `vault.db.rotating` (`sqlcipher_export` into an attached
       database with its own key; progress from the copy's size). In the copy the audit chain is MAC'd again
       under the new key (every entry, the head, the checkpoint), `vault.data_key_rotated` is appended, and
       the copy is checked (`quick_check`, the chain) and fsynced.                        [rotate.staged]
    3. Both key files get the next generation beside the current one: the new key wrapped under the
       passphrase and a new recovery key, sealed with a MAC under the new key (`next`, keyslots.Pending);
       primary, then mirror.                                                               [rotate.slots_both]
    4. `vault.db.rotating` replaces `vault.db` (rename, fsync of the folder).           [rotate.swapped]
    5. Both key files keep only the new generation (MAC under the new key); the remembered audit head
       (rollback.py) is the new one.

A kill anywhere leaves a vault that opens (vault.py `_open_database`): before step 3 the key files know
nothing of the rotation (a stale `vault.db.rotating` is removed at the next rotation); during steps 3-5 the
files hold both generations, and the database opens with the old key (before the swap: the rotation is
abandoned, the next generation and the staged copy removed before anything is written) or with the new one
(after the swap, or rolled forward from the staged copy when the secret typed is the new passphrase and the
old vault.db was never opened since). Old secret or new one, never neither.

What rotation cannot reach: copies made before it — every backup, and any copy of the vault folder — still
open with the secrets they were made with. `old_backups()` lists the backups the vault registered, so the
counselor can make a new backup now and destroy the old generations.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3

from ..i18n import N_
from . import faults, keyslots, recovery, rollback
from .audit import AuditTrail, _checkpoint_mac, _entry_mac, _genesis, _head_mac, derive_mac_key
from .connection import DatabaseError, open_database, transaction, translate_db_error
from .errors import IntegrityFailure, WrongSecret
from .migrations import schema_version
from .safefile import fsync_dir

# vault.py calls into this module while it opens a vault, so this one names the Vault and VaultSession it is
# given only as `Any` (importing vault.py here would make an import circle).
Vault = Any
VaultSession = Any
DATA_KEY_BYTES = 32

STAGED = "vault.db.rotating"
Progress = Callable[[str, int, int], None]  # (stage, done, total): "copying", "checking", "swapping"

TRAIL_BROKEN = N_("The audit trail is broken, so the vault was not re-encrypted (a new key would seal the damage). "
                  "Run 'counselroom check' and restore from a backup.")
REPLACED = N_("This secret opened the vault before it was re-encrypted under a new key, and no longer does. Use the "
              "passphrase or the recovery key given when it was re-encrypted.")
HALFWAY = N_("This vault is between two keys after an interrupted re-encryption, and the secret given opens neither "
             "copy. Open it with the passphrase it had before the re-encryption.")


@dataclass(frozen=True)
class OldBackup:
    """A backup the vault registered before the rotation: it still opens with the secrets of its day."""

    made_at: str
    folder: str
    file_name: str

    @property
    def path(self) -> Path:
        return Path(self.folder) / self.file_name

    def exists(self) -> bool:
        with contextlib.suppress(OSError):
            return self.path.is_file()
        return False


@dataclass(frozen=True)
class RotationResult:
    recovery_key: str  # shown once, like the first one
    old_backups: list[OldBackup]
    entries: int  # audit entries MAC'd again under the new key


def registered_backups(session: VaultSession) -> list[OldBackup]:
    """The backups an open vault registered (what the window lists before a rotation)."""
    return old_backups(session.conn)


def old_backups(conn: sqlcipher3.Connection) -> list[OldBackup]:
    """Every verified backup in the vault's register, newest first."""
    try:
        rows = conn.execute("SELECT made_at, folder, file_name FROM backups ORDER BY made_at DESC, id DESC").fetchall()
    except DatabaseError:
        return []
    return [OldBackup(str(a), str(b), str(c)) for a, b, c in rows]


def _key_sql(key: bytes) -> str:
    return f"x'{key.hex()}'"


def _export(conn: sqlcipher3.Connection, source: Path, target: Path, key: bytes, progress: Progress | None) -> None:
    """`sqlcipher_export` of the open vault into `target` under `key`. The export runs on a thread of its own
    (SQLite releases the interpreter) while this one reports progress by the copy's size, which grows as the
    export goes because the copy's page cache is kept small."""
    total = max(1, source.stat().st_size)
    conn.execute(f"ATTACH DATABASE ? AS rotating KEY \"{_key_sql(key)}\"", (str(target),))
    try:
        conn.execute("PRAGMA rotating.cache_size = 256")
        errors: list[BaseException] = []

        def run() -> None:
            try:
                conn.execute("SELECT sqlcipher_export('rotating')").fetchall()
            except BaseException as e:  # noqa: BLE001 - handed to the caller below
                errors.append(e)

        worker = threading.Thread(target=run, name="rotate-export", daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.05)
            faults.point("rotate.progress")
            if progress is not None:
                with contextlib.suppress(OSError):
                    progress("copying", min(total - 1, target.stat().st_size), total)
        if errors:
            raise errors[0]
        conn.execute(f"PRAGMA rotating.user_version = {schema_version(conn)}")
    finally:
        conn.execute("DETACH DATABASE rotating")
    if progress is not None:
        progress("copying", total, total)


def _remac_trail(conn: sqlcipher3.Connection, old_key: bytes, new_key: bytes) -> int:
    """MAC every audit entry, the head and the checkpoint again under `new_key` (in the staged copy), after
    checking each against `old_key`. Returns the number of entries. IntegrityFailure when the chain is broken."""
    old_mac, new_mac = derive_mac_key(old_key), derive_mac_key(new_key)
    rows = conn.execute("SELECT seq, at, kind, entity, entity_id, detail, prev_mac, mac FROM audit_log "
                        "ORDER BY seq").fetchall()
    prev_old, prev_new = _genesis(old_mac), _genesis(new_mac)
    macs: dict[bytes, bytes] = {}
    updates = []
    for expected, (seq, at, kind, entity, entity_id, detail, prev_mac, mac) in enumerate(rows, start=1):
        if seq != expected or bytes(prev_mac) != prev_old \
                or _entry_mac(old_mac, prev_old, seq, at, kind, entity, entity_id, detail) != bytes(mac):
            raise IntegrityFailure(TRAIL_BROKEN)
        fresh = _entry_mac(new_mac, prev_new, seq, at, kind, entity, entity_id, detail)
        updates.append((prev_new, fresh, seq))
        macs[bytes(mac)] = fresh
        prev_old, prev_new = bytes(mac), fresh
    head = conn.execute("SELECT seq, mac FROM audit_head WHERE id = 1").fetchone()
    if head is None or int(head[0]) != len(rows) or (rows and bytes(head[1]) != prev_old):
        raise IntegrityFailure(TRAIL_BROKEN)
    with transaction(conn):
        conn.executemany("UPDATE audit_log SET prev_mac = ?, mac = ? WHERE seq = ?", updates)
        if rows:
            conn.execute("UPDATE audit_head SET mac = ?, head_mac = ? WHERE id = 1",
                         (prev_new, _head_mac(new_mac, len(rows), prev_new)))
        with contextlib.suppress(sqlcipher3.OperationalError):  # a vault of a schema before the checkpoint
            cp = conn.execute("SELECT seq, mac, verified_at, full_at FROM audit_checkpoint WHERE id = 1").fetchone()
            if cp is not None and bytes(cp[1]) in macs:
                fresh = macs[bytes(cp[1])]
                conn.execute("UPDATE audit_checkpoint SET mac = ?, checkpoint_mac = ? WHERE id = 1",
                             (fresh, _checkpoint_mac(new_mac, int(cp[0]), fresh, str(cp[2]), str(cp[3]))))
            elif cp is not None:
                conn.execute("DELETE FROM audit_checkpoint WHERE id = 1")
    return len(rows)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_staged(vault_path: Path) -> None:
    for name in (STAGED, STAGED + "-journal"):
        with contextlib.suppress(FileNotFoundError):
            (vault_path / name).unlink()


def remove_stale(vault_path: Path) -> None:
    """A staged copy left by a rotation killed before the key files knew of it (call with the vault's lock)."""
    if (vault_path / STAGED).exists():
        _remove_staged(vault_path)


def rotate_data_key(session: VaultSession, passphrase: str, *, progress: Progress | None = None) -> RotationResult:
    """Re-encrypt the vault of `session` under a new data key, wrapped under `passphrase` (the vault's current
    or new passphrase: the counselor types it for this) and a new recovery key, which is returned. The session
    is closed at the end (its connection is to the old file); unlock again with `passphrase`."""
    vault = session.vault
    old_key = session._data_key
    if not session.audit.verify().ok:
        raise IntegrityFailure(TRAIL_BROKEN)
    backups = old_backups(session.conn)
    staged = vault.path / STAGED
    _remove_staged(vault.path)
    new_key = secrets.token_bytes(DATA_KEY_BYTES)
    trusted = session._key_file
    vault_id = trusted.vault_id
    try:
        _export(session.conn, vault.db_path, staged, new_key, progress)
        if progress is not None:
            progress("checking", 0, 1)
        conn = open_database(staged, new_key)
        try:
            entries = _remac_trail(conn, old_key, new_key)
            with transaction(conn):
                AuditTrail(conn, derive_mac_key(new_key)).append(
                    "vault.data_key_rotated", detail={"old_backups": len(backups), "entries": entries})
            if [r[0] for r in conn.execute("PRAGMA quick_check")] != ["ok"] \
                    or not AuditTrail(conn, derive_mac_key(new_key)).verify().ok:
                raise IntegrityFailure()
            new_head = AuditTrail(conn, derive_mac_key(new_key)).head()
        finally:
            conn.close()
        _fsync_file(staged)
        fsync_dir(vault.path)
        faults.point("rotate.staged")
        if progress is not None:
            progress("swapping", 0, 1)
        recovery_key = recovery.generate()
        params = trusted.slots[keyslots.PASSPHRASE].params
        nxt = {keyslots.PASSPHRASE: keyslots.wrap(keyslots.PASSPHRASE, keyslots.passphrase_bytes(passphrase), new_key,
                                                  vault_id, params),
               keyslots.RECOVERY: keyslots.wrap(keyslots.RECOVERY, recovery.parse(recovery_key), new_key, vault_id,
                                                params)}
        both = keyslots.SlotFile(vault_id, dict(trusted.slots), next=keyslots.Pending.sealed(nxt, vault_id, new_key))
        both = both.sealed(old_key) if trusted.mac is not None else both
        keyslots.write_slot_files(vault.slot_paths, both)
    except DatabaseError as e:
        _remove_staged(vault.path)
        raise translate_db_error(e) from None
    except BaseException:
        _remove_staged(vault.path)
        raise
    faults.point("rotate.slots_both")
    # From here a kill leaves both generations in the key files: the vault opens with the old key or the new.
    session.conn.close()
    os.replace(staged, vault.db_path)
    fsync_dir(vault.path)
    faults.point("rotate.swapped")
    keyslots.write_slot_files(vault.slot_paths, both.promoted().sealed(new_key))
    rollback.HeadRecord(vault.state_dir, vault_id).write(*new_head)
    session.close(audit=False)
    if progress is not None:
        progress("swapping", 1, 1)
    return RotationResult(recovery_key, backups, entries)


# -- after a kill: what `Vault._open_database` does with a key file holding two generations -------------------


def open_other_generation(vault: Vault, kind: str, secret: bytes, pending: list[keyslots.SlotFile],
                          tried: bytes, tried_next: bool) -> tuple[sqlcipher3.Connection, bytes, keyslots.SlotFile]:
    """vault.db did not open with the key `tried` (from the current slots, or the next ones when `tried_next`):
    try the other generation's key, and roll forward from the staged copy when the next key opens only it."""
    staged = vault.path / STAGED
    unwrapped = False
    for copy in pending:
        if tried_next:
            key = tried  # the secret opens only the next generation: the swap did not happen yet
        else:
            assert copy.next is not None
            try:
                key = keyslots.unwrap(copy.next.slots[kind], secret, copy.vault_id)
            except WrongSecret:
                continue
        unwrapped = True
        with contextlib.suppress(IntegrityFailure):
            return open_database(vault.db_path, key), key, copy
        if staged.is_file():
            check = open_database(staged, key)  # IntegrityFailure when the staged copy is not whole
            try:
                if [r[0] for r in check.execute("PRAGMA quick_check")] != ["ok"]:
                    raise IntegrityFailure()
            finally:
                check.close()
            os.replace(staged, vault.db_path)
            fsync_dir(vault.path)
            return open_database(vault.db_path, key), key, copy
    if not unwrapped:  # the old secret, after the swap: it no longer opens this vault
        failed, delay = vault.attempts.record_failure()
        raise WrongSecret(REPLACED, failed_attempts=failed, retry_after=delay)
    raise IntegrityFailure(HALFWAY)


def finish(vault: Vault, holder: keyslots.SlotFile, new_key: bytes) -> keyslots.SlotFile:
    """The database opened with the next generation's key: keep only that generation (its own MAC proves it)."""
    assert holder.next is not None
    if not holder.next.authentic(holder.vault_id, new_key):
        raise keyslots.KeyFileDamaged(vault.slot_paths[0].name)
    final = holder.promoted().sealed(new_key)
    keyslots.write_slot_files(vault.slot_paths, final)
    _remove_staged(vault.path)
    return final


def abandon(vault: Vault, holder: keyslots.SlotFile, old_key: bytes) -> keyslots.SlotFile:
    """The database opened with the current key: the rotation never swapped the files. Drop the next generation
    and the staged copy before anything is written to the vault (a later roll-forward would lose it)."""
    current = holder.without_next()
    current = current.sealed(old_key) if holder.authentic(old_key) else current
    keyslots.write_slot_files(vault.slot_paths, current)
    _remove_staged(vault.path)
    return current


__all__ = ["STAGED", "OldBackup", "RotationResult", "abandon", "finish", "old_backups",
           "open_other_generation", "rotate_data_key"]
