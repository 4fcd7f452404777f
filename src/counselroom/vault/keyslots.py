"""Key slots: the vault's random data key, wrapped (AES-256-GCM) under the passphrase and the recovery key.

The slot file is small JSON next to the database, written atomically and kept twice (primary and
mirror) so that losing it is no easier than losing the database. The KDF parameters, salt, vault id
and slot kind are the AEAD's associated data: changing any of them makes the slot fail to open, and
parameters below the floor or above the ceiling are refused before any derivation. A checksum over the
file tells plain damage apart from a wrong passphrase.

The file is also authenticated: `mac` is HMAC-SHA256 over the canonical slots under a key derived (HKDF)
from the data key, which only someone who opened the vault has. The AEAD proves a slot only to the holder
of its own secret; the MAC proves to the holder of the data key that the *other* slot (the recovery key a
counselor keeps in a drawer for years) is the one counselroom wrote, so `check` can say so today rather
than on the day it is needed. Files from before the MAC get it at their next unlock (the vault then notes
in its encrypted `meta` that its key files are authenticated, so a MAC stripped later is noticed).

Reading is defensive: a copy that is not a regular file (a folder, a FIFO, a device) is refused without
reading it, the size is bounded, the JSON is bounded (depth, numbers), every field is checked for its exact
type and length, and any failure is `KeyFileDamaged` naming the file (exit 4). Either copy's damage falls
back to the other copy; every repair is reported (`Settlement.repairs`) so that the unlock audits it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .. import safejson
from ..i18n import N_, tr
from . import faults, kdf
from .errors import IntegrityFailure, WrongSecret
from .safefile import atomic_write

FORMAT = "counselroom-keyslots-1"
PASSPHRASE = "passphrase"
RECOVERY = "recovery"
NONCE_BYTES = 12
WRAPPED_BYTES = 32 + 16  # the data key and the GCM tag
MAC_BYTES = 32
MAX_FILE_BYTES = 64 * 1024  # a key file is under 1 KB
MAX_DEPTH = 6  # file, slots, slot, params: four levels
MAC_INFO = b"counselroom keyslots mac v1"
META_AUTHENTICATED = "keyslots_mac"  # the vault's meta key saying its key files carry a MAC
_VAULT_ID = re.compile(r"^[0-9a-f]{32}$")
_MAC = re.compile(r"^[0-9a-f]{64}$")
_FILE_FIELDS = {"format", "vault_id", "slots", "checksum", "mac", "next"}
_NEXT_FIELDS = {"slots", "mac"}
_SLOT_FIELDS = {"kind", "kdf", "params", "salt", "nonce", "wrapped"}

DAMAGED = N_("The vault's key file {file} is damaged or has been altered. Restore the vault folder from a backup; "
             "do not try to repair it.")
NOT_A_FILE = N_("The vault's key file {file} is not a plain file: a folder or a special file is in its place. "
                "Restore the vault folder from a backup.")
TOO_LARGE = N_("The vault's key file {file} is far too large to be a key file: it is damaged or has been "
               "replaced. Restore the vault folder from a backup.")
UNREADABLE = N_("The vault's key file {file} could not be read. Check that the vault folder belongs to you and that "
                "the disk is working; if the file is damaged, restore the vault folder from a backup.")
WEAKER = N_("The vault's key file {file} asks for weaker protection than counselroom allows; it has been altered. "
            "Restore the vault folder from a backup.")
COSTLIER = N_("The vault's key file {file} asks for more memory or time to open than counselroom allows; it has "
              "been damaged or altered. Restore the vault folder from a backup.")
MISSING = N_("The vault's key file is missing. Restore the vault folder from a backup.")

# Findings of `verify_files` (lines of `counselroom check`).
CHECK_MISSING = N_("{file} is missing")
CHECK_UNAUTHENTICATED = N_("{file} was not written with this vault's key, so the recovery key in it may not work: "
                           "issue a new recovery key")
CHECK_DIFFERS = N_("{file} differs from {other}")


class KeyFileDamaged(IntegrityFailure):
    """A key file (or a backup's key-slot section) that cannot be used: damaged, altered, not a file, too big.
    `file` names it; `source` is None for bytes that did not come from a named file."""

    msgid = DAMAGED

    def __init__(self, file: str | None, msgid: str = DAMAGED) -> None:
        super().__init__(msgid if file is not None else IntegrityFailure.msgid, file=file or "")
        self.file = file


def passphrase_bytes(passphrase: str) -> bytes:
    """NFC first, so the same passphrase typed through different input methods gives the same key."""
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, length: int) -> bytes:
    """Exactly `length` bytes of strict base64, else damage (a 0-byte nonce or a 4-byte salt never reach the
    cipher or the KDF)."""
    if not isinstance(text, str) or len(text) > 4 * length:
        raise ValueError("not base64 of the right length")
    raw = base64.b64decode(text, validate=True)
    if len(raw) != length:
        raise ValueError("wrong length")
    return raw


def _canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def mac_key(data_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=MAC_INFO).derive(data_key)


@dataclass
class Slot:
    kind: str
    params: kdf.KdfParams
    salt: bytes
    nonce: bytes
    wrapped: bytes

    def header(self, vault_id: str) -> dict[str, object]:
        return {"format": FORMAT, "vault_id": vault_id, "kind": self.kind, "kdf": "argon2id",
                "params": self.params.as_dict(), "salt": _b64(self.salt)}

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "kdf": "argon2id", "params": self.params.as_dict(), "salt": _b64(self.salt),
                "nonce": _b64(self.nonce), "wrapped": _b64(self.wrapped)}

    @classmethod
    def from_json(cls, d: object) -> Slot:
        """A slot exactly as counselroom writes it. Raises ValueError for any other shape, and IntegrityFailure
        (with the floor's or the ceiling's message) for parameters out of bounds."""
        if not isinstance(d, dict) or set(d) != _SLOT_FIELDS or d["kdf"] != "argon2id" \
                or d["kind"] not in (PASSPHRASE, RECOVERY):
            raise ValueError("not a slot")
        params = kdf.KdfParams.from_dict(d["params"])
        return cls(kind=d["kind"], params=params, salt=_unb64(d["salt"], kdf.SALT_BYTES),
                   nonce=_unb64(d["nonce"], NONCE_BYTES), wrapped=_unb64(d["wrapped"], WRAPPED_BYTES))


def wrap(kind: str, secret: bytes, data_key: bytes, vault_id: str, params: kdf.KdfParams) -> Slot:
    salt = secrets.token_bytes(kdf.SALT_BYTES)
    nonce = secrets.token_bytes(NONCE_BYTES)
    slot = Slot(kind, params, salt, nonce, b"")
    kek = kdf.derive(secret, salt, params)
    slot.wrapped = AESGCM(kek).encrypt(nonce, data_key, _canonical(slot.header(vault_id)))
    return slot


def unwrap(slot: Slot, secret: bytes, vault_id: str) -> bytes:
    slot.params.check_floor()
    if len(slot.nonce) != NONCE_BYTES or len(slot.salt) != kdf.SALT_BYTES:
        raise IntegrityFailure()
    kek = kdf.derive(secret, slot.salt, slot.params)
    try:
        return AESGCM(kek).decrypt(slot.nonce, slot.wrapped, _canonical(slot.header(vault_id)))
    except InvalidTag:
        raise WrongSecret() from None


@dataclass
class Pending:
    """The next generation of key slots while the data key is being rotated (rotation.py): the new data key
    wrapped under the passphrase and a new recovery key, with `mac` under that new key, so that whoever opens
    the vault with it knows both new slots are the ones written."""

    slots: dict[str, Slot]
    mac: str

    def body(self, vault_id: str) -> dict[str, object]:
        return {"format": FORMAT, "vault_id": vault_id, "next": [self.slots[k].to_json() for k in sorted(self.slots)]}

    def authentic(self, vault_id: str, data_key: bytes) -> bool:
        expected = hmac.new(mac_key(data_key), _canonical(self.body(vault_id)), hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.mac, expected)

    @classmethod
    def sealed(cls, slots: dict[str, Slot], vault_id: str, data_key: bytes) -> Pending:
        made = cls(dict(slots), "")
        made.mac = hmac.new(mac_key(data_key), _canonical(made.body(vault_id)), hashlib.sha256).hexdigest()
        return made

    def to_json(self) -> dict[str, object]:
        return {"slots": [self.slots[k].to_json() for k in sorted(self.slots)], "mac": self.mac}


@dataclass
class SlotFile:
    vault_id: str
    slots: dict[str, Slot] = field(default_factory=dict)
    mac: str | None = None  # hex HMAC-SHA256 of `body()` under mac_key(data key); None in files from before it
    next: Pending | None = None  # only while a rotation of the data key is under way

    def body(self) -> dict[str, object]:
        doc: dict[str, object] = {"format": FORMAT, "vault_id": self.vault_id,
                                  "slots": [self.slots[k].to_json() for k in sorted(self.slots)]}
        if self.next is not None:
            doc["next"] = self.next.to_json()
        return doc

    def to_bytes(self) -> bytes:
        doc = self.body()
        if self.mac is not None:
            doc["mac"] = self.mac
        # The checksum covers the MAC too, so earlier versions of counselroom (which ignore the field) still
        # read these files.
        doc["checksum"] = hashlib.sha256(_canonical(doc)).hexdigest()
        return json.dumps(doc, indent=1, sort_keys=True).encode("ascii") + b"\n"

    def expected_mac(self, data_key: bytes) -> str:
        return hmac.new(mac_key(data_key), _canonical(self.body()), hashlib.sha256).hexdigest()

    def sealed(self, data_key: bytes) -> SlotFile:
        """The same slots with a MAC under `data_key` (call only with slots proven to belong to the vault)."""
        return replace(self, slots=dict(self.slots), mac=self.expected_mac(data_key))

    def authentic(self, data_key: bytes) -> bool:
        return self.mac is not None and hmac.compare_digest(self.mac, self.expected_mac(data_key))

    def without_next(self) -> SlotFile:
        return replace(self, slots=dict(self.slots), mac=None, next=None)

    def promoted(self) -> SlotFile:
        """The next generation as the only one (the rotation's last step); MAC to be added by `sealed`."""
        assert self.next is not None
        return SlotFile(self.vault_id, dict(self.next.slots))

    @classmethod
    def from_bytes(cls, data: bytes, source: str | None = None) -> SlotFile:
        """Parse a key file exactly as counselroom writes it. Anything else raises KeyFileDamaged naming
        `source` (a file name; None for bytes such as a backup's key-slot section)."""
        if len(data) > MAX_FILE_BYTES:
            raise KeyFileDamaged(source, TOO_LARGE)
        try:
            doc = safejson.loads(data.decode("ascii"), max_depth=MAX_DEPTH)
            if not isinstance(doc, dict) or doc.get("format") != FORMAT or not set(doc) <= _FILE_FIELDS:
                raise ValueError("not a key file")
            checksum = doc.pop("checksum", None)
            if not isinstance(checksum, str) \
                    or not hmac.compare_digest(checksum, hashlib.sha256(_canonical(doc)).hexdigest()):
                raise ValueError("checksum")
            vault_id, raw_slots, mac = doc.get("vault_id"), doc.get("slots"), doc.get("mac")
            if not isinstance(vault_id, str) or not _VAULT_ID.match(vault_id) or not isinstance(raw_slots, list) \
                    or len(raw_slots) != 2 or (mac is not None and (not isinstance(mac, str) or not _MAC.match(mac))):
                raise ValueError("fields")
            slots = [Slot.from_json(s) for s in raw_slots]
            pending = _pending_from_json(doc["next"]) if "next" in doc else None
        except IntegrityFailure as e:  # the parameters: not whole numbers, below the floor or above the ceiling
            named = {kdf.WEAKER: WEAKER, kdf.COSTLIER: COSTLIER}.get(e.msgid_used, DAMAGED)
            raise KeyFileDamaged(source, named) from None
        except (UnicodeDecodeError, ValueError):  # safejson.JsonRefused is a ValueError
            raise KeyFileDamaged(source) from None
        result = cls(vault_id, {s.kind: s for s in slots}, mac, pending)
        if set(result.slots) != {PASSPHRASE, RECOVERY}:
            raise KeyFileDamaged(source)
        return result


def _pending_from_json(d: object) -> Pending:
    if not isinstance(d, dict) or set(d) != _NEXT_FIELDS or not isinstance(d["slots"], list) \
            or len(d["slots"]) != 2 or not isinstance(d["mac"], str) or not _MAC.match(d["mac"]):
        raise ValueError("next")
    slots = {s.kind: s for s in (Slot.from_json(x) for x in d["slots"])}
    if set(slots) != {PASSPHRASE, RECOVERY}:
        raise ValueError("next kinds")
    return Pending(slots, d["mac"])


# -- reading the two copies ------------------------------------------------------------------------------------


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a key file. Raises FileNotFoundError when it is missing, KeyFileDamaged when anything but a
    regular file of at most `limit` bytes is in its place (checked on the open descriptor, which O_NONBLOCK
    keeps from waiting on a FIFO) or it cannot be read."""
    name = path.name
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise KeyFileDamaged(name, NOT_A_FILE) from None
    except OSError:
        if path.is_dir():  # Windows refuses to open a folder as a file with "permission denied"
            raise KeyFileDamaged(name, NOT_A_FILE) from None
        raise KeyFileDamaged(name, UNREADABLE) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileDamaged(name, NOT_A_FILE)
        if info.st_size > limit:
            raise KeyFileDamaged(name, TOO_LARGE)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # grew while being read
            raise KeyFileDamaged(name, TOO_LARGE)
        return b"".join(chunks)
    except OSError:
        raise KeyFileDamaged(name, UNREADABLE) from None
    finally:
        os.close(fd)


@dataclass
class Copy:
    """One of the two files as read: its parsed slots, or why it cannot be used (`error`; neither for a
    missing file)."""

    path: Path
    data: bytes | None = None
    slot_file: SlotFile | None = None
    error: KeyFileDamaged | None = None

    @property
    def missing(self) -> bool:
        return self.slot_file is None and self.error is None


@dataclass
class KeyFiles:
    copies: list[Copy]

    def usable(self) -> list[SlotFile]:
        """Every copy that reads back whole, in order, without repeats."""
        found: list[SlotFile] = []
        for c in self.copies:
            if c.slot_file is not None and all(c.slot_file.to_bytes() != f.to_bytes() for f in found):
                found.append(c.slot_file)
        return found

    def failure(self) -> IntegrityFailure:
        """What to report when no copy is usable: the first copy's own damage, or that the file is missing."""
        errors = [c.error for c in self.copies if c.error is not None]
        return errors[0] if errors else IntegrityFailure(MISSING)


def load(paths: list[Path]) -> KeyFiles:
    copies: list[Copy] = []
    for p in paths:
        copy = Copy(p)
        try:
            copy.data = read_bounded(p)
            copy.slot_file = SlotFile.from_bytes(copy.data, p.name)
        except FileNotFoundError:
            pass
        except KeyFileDamaged as e:
            copy.error = e
        copies.append(copy)
    return KeyFiles(copies)


def read_slot_files(paths: list[Path]) -> list[SlotFile]:
    """Every copy that reads back whole, primary first; damage in all of them is an integrity failure."""
    files = load(paths)
    found = files.usable()
    if not found:
        raise files.failure()
    return found


def write_slot_files(paths: list[Path], slot_file: SlotFile) -> None:
    data = slot_file.to_bytes()
    for i, p in enumerate(paths):
        if i:
            faults.point("keyslots.between_copies")
        atomic_write(p, data)


# -- after an unlock: repair, authenticate, report ----------------------------------------------------------------

MISSING_COPY = "missing"
DAMAGED_COPY = "damaged"
DIFFERED_COPY = "differed"  # read whole but holds other slots (a write was interrupted between the copies)
UNAUTHENTICATED_COPY = "unauthenticated"  # read whole, but its MAC does not prove it under this data key


# What the window and the command line say after an unlock (`Repair.message()`, `UNVERIFIED_NOTICE`).
_REPAIRED = {
    MISSING_COPY: N_("The key file {file} was missing and has been written again from the other copy."),
    DAMAGED_COPY: N_("The key file {file} was damaged and has been rewritten from the other copy. If this happens "
                     "again, the disk may be failing: make a backup now."),
    DIFFERED_COPY: N_("The key file {file} held older key slots (a change was interrupted) and has been rewritten "
                      "from the other copy."),
    UNAUTHENTICATED_COPY: N_("The key file {file} had been altered and has been rewritten from the copy this vault's "
                             "key proves."),
}
NOT_REPAIRED = N_("The key file {file} is damaged and could not be rewritten (a folder or a special file is in its "
                  "place, or the disk refuses the write). The vault opened with the other copy; move what is in the "
                  "way aside, or restore the vault folder from a backup.")
UNVERIFIED_NOTICE = N_("This vault's key files are not proven by its key: they may have been altered, and the "
                       "recovery key they hold may not work. Issue a new recovery key now.")
AUDIT_KINDS = {"keyslots.repaired": N_("Key file repaired"),
               "keyslots.authenticated": N_("Key files authenticated"),
               "keyslots.unverified": N_("Key files not proven by the vault's key")}


@dataclass(frozen=True)
class Repair:
    """A copy that was not as written: which file, why (one of the *_COPY reasons), and whether it has been
    rewritten from the good copy. Names no secret: safe for the audit trail and the screen."""

    file: str
    reason: str
    repaired: bool

    def detail(self) -> dict[str, object]:
        return {"file": self.file, "reason": self.reason, "repaired": self.repaired}

    @property
    def msgid(self) -> str:
        return _REPAIRED.get(self.reason, _REPAIRED[DAMAGED_COPY]) if self.repaired else NOT_REPAIRED

    def message(self) -> str:
        """One line for the counselor, in the current language."""
        return tr(self.msgid, file=self.file)


@dataclass
class Settlement:
    """What an unlock found and did about the key files. `trusted` is the slot file the session goes on
    from; `unverified` means no copy's MAC proved its slots (nothing was rewritten: a recovery slot altered on
    disk is not blessed by the repair); `authenticated_now` means the files got their first MAC."""

    trusted: SlotFile
    repairs: list[Repair] = field(default_factory=list)
    unverified: bool = False
    authenticated_now: bool = False
    left_damaged: list[str] = field(default_factory=list)  # when unverified: copies not rewritten (no copy proven)

    def messages(self) -> list[str]:
        """What to tell the counselor after the unlock (nothing when all was as written), translated."""
        return [r.message() for r in self.repairs] + ([tr(UNVERIFIED_NOTICE)] if self.unverified else [])

    def audit_entries(self) -> list[tuple[str, dict[str, object]]]:
        out: list[tuple[str, dict[str, object]]] = [("keyslots.repaired", r.detail()) for r in self.repairs]
        if self.authenticated_now:
            out.append(("keyslots.authenticated", {}))
        if self.unverified:
            out.append(("keyslots.unverified", {"file": ", ".join(self.left_damaged)} if self.left_damaged else {}))
        return out


def _reason(copy: Copy, data_key: bytes, expect_mac: bool) -> str:
    if copy.missing:
        return MISSING_COPY
    if copy.slot_file is None:
        return DAMAGED_COPY
    if copy.slot_file.mac is not None or expect_mac:
        if not copy.slot_file.authentic(data_key):
            return UNAUTHENTICATED_COPY
    return DIFFERED_COPY


def settle(files: KeyFiles, opened: SlotFile, data_key: bytes, expect_mac: bool) -> Settlement:
    """After `opened` gave `data_key`: choose the copy to trust, rewrite every copy that differs from it
    (reporting each repair, and a repair that failed), and add the MAC to files written before it.

    `expect_mac` is the vault's own note (in its encrypted meta) that its key files were authenticated: then a
    file without a MAC is treated as altered, never as old."""
    trusted: SlotFile | None = None
    authenticated_now = False
    if opened.authentic(data_key):
        trusted = opened
    else:
        trusted = next((c.slot_file for c in files.copies
                        if c.slot_file is not None and c.slot_file.authentic(data_key)), None)
        if trusted is None and opened.mac is None and not expect_mac:
            trusted, authenticated_now = opened.sealed(data_key), True
    if trusted is None:  # nothing is rewritten: a repair would bless slots nobody proved
        return Settlement(opened, unverified=True,
                          left_damaged=[c.path.name for c in files.copies if c.slot_file is None])
    target = trusted.to_bytes()
    repairs = []
    for c in files.copies:
        if c.data == target:
            continue
        upgrade = authenticated_now and c.slot_file is not None and c.slot_file.body() == trusted.body()
        try:
            atomic_write(c.path, target)
            done = True
        except OSError:  # a folder in its place, a read-only or full disk: reported, the unlock goes on
            done = False
        if not upgrade or not done:
            repairs.append(Repair(c.path.name, _reason(c, data_key, expect_mac), done))
    return Settlement(trusted, repairs, authenticated_now=authenticated_now)


# -- `counselroom check` ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    file: str
    msgid: str
    values: dict[str, object] = field(default_factory=dict)

    def message(self) -> str:
        return tr(self.msgid, **self.values)


@dataclass
class Verification:
    problems: list[Finding]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_files(paths: list[Path], data_key: bytes) -> Verification:
    """Both copies present, whole, equal, and authenticated under this data key: then the recovery slot is the
    one counselroom wrote. Reads only; each finding names its file."""
    files = load(paths)
    problems: list[Finding] = []
    for c in files.copies:
        if c.missing:
            problems.append(Finding(c.path.name, CHECK_MISSING, {"file": c.path.name}))
        elif c.error is not None:
            problems.append(Finding(c.path.name, c.error.msgid_used, dict(c.error.values)))
        elif c.slot_file is not None and not c.slot_file.authentic(data_key):
            problems.append(Finding(c.path.name, CHECK_UNAUTHENTICATED, {"file": c.path.name}))
    if not problems:
        first, *others = files.copies
        for c in others:
            if c.data != first.data:
                problems.append(Finding(c.path.name, CHECK_DIFFERS, {"file": c.path.name, "other": first.path.name}))
    return Verification(problems)


__all__ = ["FORMAT", "PASSPHRASE", "RECOVERY", "KeyFileDamaged", "KeyFiles", "Repair", "Settlement", "Slot",
           "SlotFile", "Verification", "load", "read_bounded", "read_slot_files", "settle", "unwrap",
           "verify_files", "wrap", "write_slot_files"]
