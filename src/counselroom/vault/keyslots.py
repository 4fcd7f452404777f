"""Key slots: the vault's random data key, wrapped (AES-256-GCM) under the passphrase and the recovery key.

The slot file is small JSON next to the database, written atomically and kept twice (primary and
mirror) so that losing it is no easier than losing the database. The KDF parameters, salt, vault id
and slot kind are the AEAD's associated data: changing any of them makes the slot fail to open, and
parameters below the floor are refused before any derivation. A checksum over the file tells plain
damage apart from a wrong passphrase.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..i18n import N_
from . import kdf
from .errors import IntegrityFailure, WrongSecret
from .safefile import atomic_write

FORMAT = "counselroom-keyslots-1"
PASSPHRASE = "passphrase"
RECOVERY = "recovery"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise IntegrityFailure()
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as e:
        raise IntegrityFailure() from e


def _canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


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
        if not isinstance(d, dict) or d.get("kdf") != "argon2id" or d.get("kind") not in (PASSPHRASE, RECOVERY):
            raise IntegrityFailure()
        params = d.get("params")
        if not isinstance(params, dict):
            raise IntegrityFailure()
        return cls(kind=d["kind"], params=kdf.KdfParams.from_dict(params), salt=_unb64(d.get("salt")),
                   nonce=_unb64(d.get("nonce")), wrapped=_unb64(d.get("wrapped")))


def wrap(kind: str, secret: bytes, data_key: bytes, vault_id: str, params: kdf.KdfParams) -> Slot:
    salt = secrets.token_bytes(kdf.SALT_BYTES)
    nonce = secrets.token_bytes(12)
    slot = Slot(kind, params, salt, nonce, b"")
    kek = kdf.derive(secret, salt, params)
    slot.wrapped = AESGCM(kek).encrypt(nonce, data_key, _canonical(slot.header(vault_id)))
    return slot


def unwrap(slot: Slot, secret: bytes, vault_id: str) -> bytes:
    slot.params.check_floor()
    kek = kdf.derive(secret, slot.salt, slot.params)
    try:
        return AESGCM(kek).decrypt(slot.nonce, slot.wrapped, _canonical(slot.header(vault_id)))
    except InvalidTag:
        raise WrongSecret() from None


@dataclass
class SlotFile:
    vault_id: str
    slots: dict[str, Slot] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        body = {"format": FORMAT, "vault_id": self.vault_id,
                "slots": [self.slots[k].to_json() for k in sorted(self.slots)]}
        doc = dict(body, checksum=hashlib.sha256(_canonical(body)).hexdigest())
        return json.dumps(doc, indent=1, sort_keys=True).encode("ascii") + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes) -> SlotFile:
        try:
            doc = json.loads(data.decode("ascii"))
        except (UnicodeDecodeError, ValueError) as e:
            raise IntegrityFailure() from e
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise IntegrityFailure()
        checksum = doc.pop("checksum", None)
        if checksum != hashlib.sha256(_canonical(doc)).hexdigest():
            raise IntegrityFailure()
        vault_id = doc.get("vault_id")
        raw_slots = doc.get("slots")
        if not isinstance(vault_id, str) or not isinstance(raw_slots, list):
            raise IntegrityFailure()
        slots = [Slot.from_json(s) for s in raw_slots]
        result = cls(vault_id, {s.kind: s for s in slots})
        if set(result.slots) != {PASSPHRASE, RECOVERY} or len(slots) != 2:
            raise IntegrityFailure()
        return result


def read_slot_files(paths: list[Path]) -> list[SlotFile]:
    """Every copy that reads back whole, primary first; damage in all of them is an integrity failure."""
    found: list[SlotFile] = []
    first_error: IntegrityFailure | None = None
    for p in paths:
        try:
            sf = SlotFile.from_bytes(p.read_bytes())
        except FileNotFoundError:
            continue
        except IntegrityFailure as e:
            first_error = first_error or e
            continue
        if all(sf.to_bytes() != other.to_bytes() for other in found):
            found.append(sf)
    if not found:
        raise first_error or IntegrityFailure(
            N_("The vault's key file is missing. Restore the vault folder from a backup."))
    return found


def write_slot_files(paths: list[Path], slot_file: SlotFile) -> None:
    data = slot_file.to_bytes()
    for p in paths:
        atomic_write(p, data)
