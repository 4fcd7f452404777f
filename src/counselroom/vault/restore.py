"""Restore a vault from a backup, keeping the current vault aside until the counselor confirms.

    restore_backup(file, secret, vault_path)
      1. the vault must not be open (its lock file is taken for the whole restore);
      2. the backup is read and checked completely (as `verify_backup`), its database written into a new
         private folder next to the vault, `.<vault>.restoring-<random>`, with both key-slot copies;
      3. `backup.restored` is appended to the restored vault's audit trail (file, when it was made, its
         fingerprint, the folder set aside), and the folder is opened again to prove it opens;
      4. the current vault is renamed to `<vault>.before-restore-<YYYYMMDD-HHMMSS>` and the restored folder
         renamed into place (put back as it was if the second rename fails).
    confirm_restore(session)  with the restored vault unlocked (the proof that it opens): deletes the
                              set-aside vault and records `backup.restore_confirmed`.
    undo_restore(vault_path)  puts the set-aside vault back; the restored one is deleted.

Nothing is replaced when the secret is wrong (WrongSecret, exit 3) or the backup is damaged or altered
(BackupDamaged / NotABackup, exit 4): the half-made folder is removed and the vault is untouched.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..i18n import N_
from . import keyslots, rollback
from .audit import AuditTrail, derive_mac_key
from .backup import BackupError, BackupInfo, read_backup, remove_stale_work_dirs, unlocker
from .connection import open_database, transaction
from .errors import VaultError
from .lockfile import ProcessLock
from .safefile import fsync_dir, make_private_dir
from .vault import DB_NAME, LOCK_NAME, SLOT_NAMES, VaultSession, default_state_dir

SET_ASIDE = ".before-restore-"


class NoPendingRestore(VaultError):
    msgid = N_("There is no earlier vault kept aside from a restore, so there is nothing to confirm or undo.")


@dataclass(frozen=True)
class RestoreResult:
    vault_path: Path
    set_aside: Path | None  # the previous vault, kept until confirm_restore() or undo_restore()
    info: BackupInfo


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def pending_restore(vault_path: Path) -> Path | None:
    """The newest vault set aside by a restore that is not yet confirmed or undone."""
    vault_path = Path(vault_path)
    with contextlib.suppress(OSError):
        found = sorted(p for p in vault_path.parent.iterdir()
                       if p.name.startswith(vault_path.name + SET_ASIDE) and p.is_dir())
        return found[-1] if found else None
    return None


def _remove_stale_staging(vault_path: Path) -> None:
    """The half-made folders of restores that were killed (`.<vault>.restoring-*`, each a whole encrypted copy);
    called with the vault's lock held, so no restore of this vault is running."""
    with contextlib.suppress(OSError):
        for p in vault_path.parent.iterdir():
            if p.name.startswith(f".{vault_path.name}.restoring-") and p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)


@contextlib.contextmanager
def _vault_closed(vault_path: Path) -> Iterator[ProcessLock | None]:
    """Hold the vault's lock (VaultBusy when a window or command has it open)."""
    lock_file = vault_path / LOCK_NAME
    if not lock_file.exists():
        yield None
        return
    lock = ProcessLock(lock_file)
    lock.acquire()
    try:
        yield lock
    finally:
        lock.release()


def restore_backup(backup: Path, secret: str, vault_path: Path, *, recovery: bool = False,
                   state_dir: Path | None = None) -> RestoreResult:
    """Replace the vault with the backup (see the module's doc). The restored vault's audit head becomes the one
    this computer remembers (rollback.py): putting an older vault back on purpose is no rollback."""
    backup, vault_path = Path(backup), Path(vault_path)
    remove_stale_work_dirs()
    if not backup.is_file():
        raise BackupError(N_("There is no backup file at {path}."), path=str(backup))
    make_private_dir(vault_path.parent)
    staging = vault_path.parent / f".{vault_path.name}.restoring-{secrets.token_hex(4)}"
    with _vault_closed(vault_path) as lock:
        _remove_stale_staging(vault_path)
        make_private_dir(staging)
        try:
            opened = read_backup(backup, unlocker(secret, recovery), staging / DB_NAME)
            info, data_key = opened.info, opened.data_key
            keyslots.write_slot_files([staging / n for n in SLOT_NAMES], opened.slot_file)
            set_aside = (vault_path.parent / f"{vault_path.name}{SET_ASIDE}{_stamp()}"
                         if vault_path.exists() else None)
            conn = open_database(staging / DB_NAME, data_key)
            try:
                trail = AuditTrail(conn, derive_mac_key(data_key))
                with transaction(conn):
                    trail.append("backup.restored", detail={
                        "file": backup.name, "made_at": info.made_at.isoformat(),
                        "fingerprint": info.fingerprint[:16], "set_aside": set_aside.name if set_aside else ""})
                restored_head = trail.head()
            finally:
                conn.close()
            conn = open_database(staging / DB_NAME, data_key)  # it opens again, and its trail holds
            try:
                if not AuditTrail(conn, derive_mac_key(data_key)).verify().ok:
                    raise BackupError()
            finally:
                conn.close()
            fd = os.open(staging / LOCK_NAME, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
            fsync_dir(staging)
            if lock is not None and os.name == "nt":
                lock.release()  # Windows cannot rename a folder with an open file in it
            if set_aside is not None:
                os.rename(vault_path, set_aside)
            try:
                os.rename(staging, vault_path)
            except BaseException:
                if set_aside is not None:
                    os.rename(set_aside, vault_path)
                raise
            fsync_dir(vault_path.parent)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    rollback.HeadRecord(state_dir or default_state_dir(), opened.slot_file.vault_id).write(*restored_head)
    return RestoreResult(vault_path, set_aside, info)


def confirm_restore(session: VaultSession) -> Path:
    """The restored vault opened (this session is the proof): delete the vault kept aside."""
    set_aside = pending_restore(session.vault.path)
    if set_aside is None:
        raise NoPendingRestore()
    shutil.rmtree(set_aside)
    fsync_dir(set_aside.parent)
    with transaction(session.conn):
        session.audit.append("backup.restore_confirmed", detail={"removed": set_aside.name})
    return set_aside


def undo_restore(vault_path: Path, state_dir: Path | None = None) -> Path:
    """Put the vault kept aside back in place; the restored one is deleted. The vault must be closed. The
    remembered audit head (rollback.py) is forgotten: the vault put back cannot be read without its secret."""
    vault_path = Path(vault_path)
    set_aside = pending_restore(vault_path)
    if set_aside is None:
        raise NoPendingRestore()
    undone = vault_path.parent / f".{vault_path.name}.undone-{secrets.token_hex(4)}"
    with _vault_closed(vault_path) as lock:
        if lock is not None and os.name == "nt":
            lock.release()
        if vault_path.exists():
            os.rename(vault_path, undone)
        try:
            os.rename(set_aside, vault_path)
        except BaseException:
            if undone.exists():
                os.rename(undone, vault_path)
            raise
        fsync_dir(vault_path.parent)
    shutil.rmtree(undone, ignore_errors=True)
    vault_id = rollback.vault_id_of(vault_path / SLOT_NAMES[0])
    if vault_id is not None:
        rollback.HeadRecord(state_dir or default_state_dir(), vault_id).forget()
    return vault_path
