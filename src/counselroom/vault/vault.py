"""The vault folder: create it, unlock it (passphrase or recovery key), change its passphrase.

    <vault>/                0700
      vault.db              0600  SQLCipher 4, raw random 256-bit data key
      keyslots.json         0600  the data key wrapped under the passphrase and the recovery key
      keyslots.mirror.json  0600  the same, written after the primary, read when the primary is damaged
      .lock                 0600  held while a program has the vault open
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from .. import __version__
from ..i18n import N_, tr
from .attempts import AttemptCounter
from .errors import IntegrityFailure, VaultExists, VaultNotFound, WrongSecret
from .lockfile import ProcessLock
from .safefile import FILE_MODE, fsync_dir, make_private_dir

if TYPE_CHECKING:
    import sqlcipher3

    from . import audit, connection, kdf, keyslots, migrations, recovery, rollback, rotation
else:  # loaded when first used (vault/lazy.py): the unlock screen is shown without them
    from .lazy import lazy

    sqlcipher3 = lazy("sqlcipher3")
    audit, connection, kdf, keyslots, migrations, recovery, rollback, rotation = (
        lazy(f"counselroom.vault.{name}") for name in
        ("audit", "connection", "kdf", "keyslots", "migrations", "recovery", "rollback", "rotation"))

DB_NAME = "vault.db"
SLOT_NAMES = ("keyslots.json", "keyslots.mirror.json")
LOCK_NAME = ".lock"
DATA_KEY_BYTES = 32


def default_vault_path() -> Path:
    return Path(platformdirs.user_data_dir("counselroom", appauthor=False)) / "vault"


def default_state_dir() -> Path:
    return Path(platformdirs.user_state_dir("counselroom", appauthor=False))


def passphrase_bytes(passphrase: str) -> bytes:
    """NFC, then UTF-8 (keyslots.passphrase_bytes, kept here for its callers)."""
    return keyslots.passphrase_bytes(passphrase)


class Vault:
    def __init__(self, path: Path, state_dir: Path | None = None, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.state_dir = state_dir or default_state_dir()
        self.attempts = AttemptCounter(self.state_dir, self.path, clock)

    @property
    def db_path(self) -> Path:
        return self.path / DB_NAME

    @property
    def slot_paths(self) -> list[Path]:
        return [self.path / n for n in SLOT_NAMES]

    def exists(self) -> bool:
        return self.db_path.is_file()

    @classmethod
    def create(cls, path: Path, passphrase: str, *, kdf_params: kdf.KdfParams | None = None,
               state_dir: Path | None = None) -> tuple[Vault, str]:
        """Make a new vault folder; return it and the recovery key, which is shown once and never stored."""
        path = Path(path)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise VaultExists(path=str(path))
        params = kdf_params or kdf.calibrate()
        params.check_floor()
        make_private_dir(path.parent)
        tmp = path.parent / f".{path.name}.creating-{secrets.token_hex(4)}"
        make_private_dir(tmp)
        try:
            data_key = secrets.token_bytes(DATA_KEY_BYTES)
            vault_id = secrets.token_hex(16)
            recovery_key = recovery.generate()
            slot_file = keyslots.SlotFile(vault_id, {
                keyslots.PASSPHRASE: keyslots.wrap(keyslots.PASSPHRASE, passphrase_bytes(passphrase), data_key,
                                                   vault_id, params),
                keyslots.RECOVERY: keyslots.wrap(keyslots.RECOVERY, recovery.parse(recovery_key), data_key,
                                                 vault_id, params),
            }).sealed(data_key)
            keyslots.write_slot_files([tmp / n for n in SLOT_NAMES], slot_file)
            conn = connection.open_database(tmp / DB_NAME, data_key)
            try:
                migrations.migrate(conn)
                with connection.transaction(conn):
                    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
                        ("vault_id", vault_id), ("created_at", audit.now_utc()), ("created_by", __version__),
                        (keyslots.META_AUTHENTICATED, "1")])
                    audit.AuditTrail(conn, audit.derive_mac_key(data_key)).append(
                        "vault.created", detail={"kdf": params.as_dict()})
            finally:
                conn.close()
            os.chmod(tmp / DB_NAME, FILE_MODE)
            fd = os.open(tmp / LOCK_NAME, os.O_WRONLY | os.O_CREAT, FILE_MODE)
            os.close(fd)
            fsync_dir(tmp)
            if path.exists():
                path.rmdir()
            os.replace(tmp, path)
            fsync_dir(path.parent)
        except connection.DatabaseError as e:
            shutil.rmtree(tmp, ignore_errors=True)
            raise connection.translate_db_error(e) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return cls(path, state_dir), recovery_key

    def _require(self) -> keyslots.KeyFiles:
        if not self.exists():
            raise VaultNotFound(path=str(self.path))
        files = keyslots.load(self.slot_paths)
        if not files.usable():
            raise files.failure()
        return files

    def kdf_params(self) -> kdf.KdfParams:
        return self._require().usable()[0].slots[keyslots.PASSPHRASE].params

    def _unwrap(self, kind: str, secret: bytes, allow_next: bool = False
                ) -> tuple[bytes, keyslots.SlotFile, keyslots.KeyFiles, bool]:
        """The data key from the first copy whose slot opens with `secret`; with `allow_next`, from the next
        generation of a rotation under way when no current slot does (then the last value is True)."""
        self.attempts.check()
        files = self._require()
        for copy in files.usable():
            try:
                return keyslots.unwrap(copy.slots[kind], secret, copy.vault_id), copy, files, False
            except WrongSecret:
                continue
        if allow_next:
            for copy in files.usable():
                if copy.next is None:
                    continue
                try:
                    return keyslots.unwrap(copy.next.slots[kind], secret, copy.vault_id), copy, files, True
                except WrongSecret:
                    continue
        failed, delay = self.attempts.record_failure()
        msgid = (WrongSecret.msgid if kind == keyslots.PASSPHRASE
                 else N_("The recovery key is not correct for this vault."))
        raise WrongSecret(msgid, failed_attempts=failed, retry_after=delay)

    def unlock(self, passphrase: str, *, for_check: bool = False) -> VaultSession:
        """Open the vault. With `for_check` (`counselroom check`) the unlock's audit entries are held back on
        the session (`pending_audit`) until `commit_pending_audit()`: a damaged vault gets no writes."""
        return self._open(keyslots.PASSPHRASE, passphrase_bytes(passphrase), for_check)

    def unlock_with_recovery(self, recovery_key: str) -> VaultSession:
        try:
            raw = recovery.parse(recovery_key)
        except WrongSecret:
            self.attempts.check()
            self.attempts.record_failure()
            raise
        return self._open(keyslots.RECOVERY, raw)

    def check_passphrase(self, passphrase: str) -> bool:
        """Re-entry check for sensitive actions while unlocked; counts as an attempt when wrong."""
        try:
            self._unwrap(keyslots.PASSPHRASE, passphrase_bytes(passphrase))
        except WrongSecret:
            return False
        self.attempts.reset()
        return True

    def _open_database(self, kind: str, secret: bytes) -> tuple[sqlcipher3.Connection, bytes, keyslots.SlotFile,
                                                                keyslots.KeyFiles, str]:
        """Unwrap the data key and open the database (the lock held). Normally one slot, one key. While a
        rotation of the data key is under way (rotation.py) the key files also hold the next generation: the
        database then opens with the old key (the rotation is abandoned: the new copy had not replaced it) or
        the new one (it is finished, rolled forward from the staged copy when the kill came before the swap).
        Returns the connection, the key, the slot file that now holds, the key files and what was done about a
        rotation ("", "completed" or "abandoned")."""
        data_key, good, files, from_next = self._unwrap(kind, secret, allow_next=True)
        try:
            conn = connection.open_database(self.db_path, data_key)
        except IntegrityFailure:
            pending = [c for c in files.usable() if c.next is not None]
            if not pending:
                raise
            conn, data_key, good = rotation.open_other_generation(self, kind, secret, pending, data_key, from_next)
            from_next = True  # whichever key was tried first, the one that opened is the next generation's
        if not from_next:  # a copy already holding only the new generation (a kill between the last two writes)
            holder = next((c for c in files.usable() if c.next is not None and c.next.authentic(c.vault_id, data_key)),
                          None)
            if holder is not None:
                good, from_next = holder, True
        if from_next:
            return conn, data_key, rotation.finish(self, good, data_key), keyslots.load(self.slot_paths), "completed"
        if any(c.next is not None for c in files.usable()):
            return conn, data_key, rotation.abandon(self, good, data_key), keyslots.load(self.slot_paths), "abandoned"
        rotation.remove_stale(self.path)  # a copy under a key no key file holds (killed before step 3)
        return conn, data_key, good, files, ""

    def _open(self, kind: str, secret: bytes, for_check: bool = False) -> VaultSession:
        self._require()  # VaultNotFound or the key files' damage before anything else
        lock = ProcessLock(self.path / LOCK_NAME)
        lock.acquire()
        try:
            conn, data_key, good, files, rotated = self._open_database(kind, secret)
        except BaseException:
            lock.release()
            raise
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("vault_id") != good.vault_id:
                raise IntegrityFailure()
            migrated = migrations.migrate(conn)
            failed = self.attempts.reset()
            # A copy of the key file that is missing, damaged, stale or unauthenticated is rewritten from the
            # trusted one, and each repair is audited and kept on the session for the window and the CLI.
            settled = keyslots.settle(files, good, data_key, meta.get(keyslots.META_AUTHENTICATED) == "1")
            session = VaultSession(self, conn, data_key, lock, failed_attempts=failed, key_files=settled,
                                   proven=kind)
            heads = rollback.HeadRecord(self.state_dir, good.vault_id)
            session.head_record = heads
            # a finished rotation MAC'd the whole trail again: its head is new by design, not a rollback
            session.rollback = None if rotated == "completed" else rollback.compare(conn, heads.read(),
                                                                                    session.audit.head())
            entries: list[tuple[str, dict[str, object]]] = []
            if rotated:
                entries.append((f"vault.rotation_{rotated}", {}))
            if failed:
                entries.append(("vault.unlock_failed", {"count": failed}))
            entries += settled.audit_entries()
            if session.rollback is not None:
                entries.append((rollback.AUDIT_KIND, session.rollback.detail()))
            entries.append(("vault.unlocked", {"with": kind}))
            with connection.transaction(conn):
                if migrated[0] != migrated[1]:
                    session.audit.append("vault.migrated", detail={"from": migrated[0], "to": migrated[1]})
                if not settled.unverified and meta.get(keyslots.META_AUTHENTICATED) != "1":
                    session.note_key_files_authenticated()
                if not for_check:
                    for audit_kind, detail in entries:
                        session.audit.append(audit_kind, detail=detail)
            if for_check:  # `counselroom check`: nothing is written to the trail unless the vault is sound
                session.pending_audit = entries
            else:
                session.remember_head()
        except connection.DatabaseError as e:
            conn.close()
            lock.release()
            raise connection.translate_db_error(e) from None
        except BaseException:
            conn.close()
            lock.release()
            raise
        return session


class VaultSession:
    """An unlocked vault: the open connection, the audit trail, and the key operations."""

    def __init__(self, vault: Vault, conn: sqlcipher3.Connection, data_key: bytes, lock: ProcessLock,
                 failed_attempts: int = 0, key_files: keyslots.Settlement | None = None, proven: str = "") -> None:
        self.vault = vault
        self.conn = conn
        self._data_key = data_key
        self._lock = lock
        self.failed_attempts = failed_attempts
        self.audit = audit.AuditTrail(self.conn, audit.derive_mac_key(data_key))
        settled = key_files or keyslots.Settlement(keyslots.read_slot_files(vault.slot_paths)[0])
        # What the unlock repaired in the key files (each also in the audit trail as keyslots.repaired), and
        # whether no copy proved its slots (then `counselroom check` fails until a new recovery key is issued).
        self.key_file_repairs: list[keyslots.Repair] = list(settled.repairs)
        self.key_files_unverified = settled.unverified
        self._key_file = settled.trusted
        self._proven = {proven} if settled.unverified else {keyslots.PASSPHRASE, keyslots.RECOVERY}
        # Rollback noticed (rollback.py): set by the unlock when the vault is older than the head seen here.
        self.rollback: rollback.Rollback | None = None
        self.head_record: rollback.HeadRecord | None = None
        # `Vault.unlock(for_check=True)`: the unlock's audit entries, written only by commit_pending_audit().
        self.pending_audit: list[tuple[str, dict[str, object]]] | None = None

    @property
    def is_open(self) -> bool:
        return self._lock.held

    def _slot_file(self) -> keyslots.SlotFile:
        return keyslots.read_slot_files(self.vault.slot_paths)[0]

    def key_file_notices(self) -> list[str]:
        """What the window and the command line should say after this unlock about the key files (each repair,
        a repair that failed, key files not proven by the vault's key), translated; empty when all was well."""
        notices = [r.message() for r in self.key_file_repairs]
        return notices + ([tr(keyslots.UNVERIFIED_NOTICE)] if self.key_files_unverified else [])

    def unlock_notices(self) -> list[str]:
        """Everything to tell the counselor after this unlock: an older vault put back (rollback), then the
        key files' notices; translated, empty when all was well."""
        return ([self.rollback.message()] if self.rollback is not None else []) + self.key_file_notices()

    def remember_head(self) -> None:
        """Record the vault's audit head in the per-user state folder (the witness of rollback.py)."""
        if self.head_record is not None and self.pending_audit is None:
            with contextlib.suppress(connection.DatabaseError):
                self.head_record.write(*self.audit.head())

    def commit_pending_audit(self) -> None:
        """Write the unlock's held-back audit entries (after `check` found the vault sound)."""
        entries, self.pending_audit = self.pending_audit, None
        if entries:
            with connection.transaction(self.conn):
                for kind, detail in entries:
                    self.audit.append(kind, detail=detail)
        self.remember_head()

    def verify_key_files(self) -> keyslots.Verification:
        """Both key files present, equal and authenticated under this vault's data key (for `check`)."""
        return keyslots.verify_files(self.vault.slot_paths, self._data_key)

    def note_key_files_authenticated(self) -> None:
        """Remember, inside the encrypted vault, that its key files carry a MAC (call in a transaction)."""
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, '1')", (keyslots.META_AUTHENTICATED,))

    def _rewrap(self, kind: str, secret: bytes) -> None:
        """Re-wrap one slot, starting from the slots this session trusts (not from what is on disk now). The
        file is sealed with the MAC only when both slots are proven: a session that found the MAC broken and
        proved only its own slot must not bless the other one."""
        current = keyslots.SlotFile(self._key_file.vault_id, dict(self._key_file.slots))
        params = current.slots[keyslots.PASSPHRASE].params
        current.slots[kind] = keyslots.wrap(kind, secret, self._data_key, current.vault_id, params)
        self._proven.add(kind)
        if self._proven >= {keyslots.PASSPHRASE, keyslots.RECOVERY}:
            current = current.sealed(self._data_key)
        keyslots.write_slot_files(self.vault.slot_paths, current)
        self._key_file = current
        if current.mac is not None and self.key_files_unverified:
            self.key_files_unverified = False
            with connection.transaction(self.conn):
                self.note_key_files_authenticated()

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap the data key under `new`; the recovery key stays valid."""
        if not self.vault.check_passphrase(old):
            raise WrongSecret()
        self.set_passphrase(new)

    def set_passphrase(self, new: str) -> None:
        """Used after unlocking with the recovery key (which proves the right to set it)."""
        self._rewrap(keyslots.PASSPHRASE, passphrase_bytes(new))
        with connection.transaction(self.conn):
            self.audit.append("vault.passphrase_changed")

    def new_recovery_key(self) -> str:
        key = recovery.generate()
        self._rewrap(keyslots.RECOVERY, recovery.parse(key))
        with connection.transaction(self.conn):
            self.audit.append("vault.recovery_key_replaced")
        return key

    def close(self, audit: bool = True) -> None:
        if not self._lock.held:
            return
        try:
            if audit and self.pending_audit is None:
                with contextlib.suppress(Exception), connection.transaction(self.conn):
                    self.audit.append("vault.locked")
            self.remember_head()
            self.conn.close()
        finally:
            self._data_key = b""
            self._lock.release()

    def __enter__(self) -> VaultSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
