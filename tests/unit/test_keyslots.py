import base64
import hashlib
import json
from pathlib import Path

import pytest

from conftest import PASSPHRASE
from counselroom.vault import keyslots
from counselroom.vault.errors import IntegrityFailure, WrongSecret
from counselroom.vault.kdf import FLOOR
from counselroom.vault.vault import Vault


def _rewrite(path: Path, mutate, fix_checksum: bool = True) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(path.read_text())
    doc.pop("checksum")
    mutate(doc)
    if fix_checksum:
        body = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
        doc["checksum"] = hashlib.sha256(body).hexdigest()
    else:
        doc["checksum"] = "0" * 64
    path.write_text(json.dumps(doc))


def _both(vault: Vault, mutate, fix_checksum: bool = True) -> None:  # type: ignore[no-untyped-def]
    for p in vault.slot_paths:
        _rewrite(p, mutate, fix_checksum)


def _slot(doc: dict, kind: str) -> dict:  # type: ignore[type-arg]
    return next(s for s in doc["slots"] if s["kind"] == kind)


def _flip_b64(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[0] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def test_wrap_and_unwrap() -> None:
    key = b"k" * 32
    slot = keyslots.wrap(keyslots.PASSPHRASE, b"pw", key, "vid", FLOOR)
    assert keyslots.unwrap(slot, b"pw", "vid") == key
    with pytest.raises(WrongSecret):
        keyslots.unwrap(slot, b"other", "vid")
    with pytest.raises(WrongSecret):
        keyslots.unwrap(slot, b"pw", "another vault")


@pytest.mark.parametrize("field", ["salt", "nonce", "wrapped"])
def test_tampered_slot_bytes_do_not_unlock(new_vault: tuple[Vault, str], field: str) -> None:
    vault, _ = new_vault
    _both(vault, lambda d: _slot(d, "passphrase").__setitem__(field, _flip_b64(_slot(d, "passphrase")[field])))
    with pytest.raises(WrongSecret):
        vault.unlock(PASSPHRASE)


def test_raised_parameters_are_bound_to_the_slot(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    _both(vault, lambda d: _slot(d, "passphrase")["params"].__setitem__("t", 4))
    with pytest.raises(WrongSecret):
        vault.unlock(PASSPHRASE)


def test_parameters_below_the_floor_in_the_file_are_refused(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    _both(vault, lambda d: _slot(d, "passphrase")["params"].__setitem__("m_kib", 1024))
    with pytest.raises(IntegrityFailure) as e:
        vault.unlock(PASSPHRASE)
    assert "weaker" in e.value.message()


def test_plain_damage_is_reported_as_damage(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    _both(vault, lambda d: d.__setitem__("vault_id", "x"), fix_checksum=False)
    with pytest.raises(IntegrityFailure):
        vault.unlock(PASSPHRASE)


def test_a_swapped_vault_id_does_not_unlock(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    _both(vault, lambda d: d.__setitem__("vault_id", "0" * 32))
    with pytest.raises(WrongSecret):
        vault.unlock(PASSPHRASE)


def test_the_mirror_opens_the_vault_when_the_primary_is_damaged_and_is_healed(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    primary, mirror = vault.slot_paths
    good = mirror.read_bytes()
    primary.write_bytes(b"{ not json")
    with vault.unlock(PASSPHRASE):
        pass
    assert primary.read_bytes() == good


def test_missing_key_files_are_an_integrity_failure(new_vault: tuple[Vault, str]) -> None:
    vault, _ = new_vault
    for p in vault.slot_paths:
        p.unlink()
    with pytest.raises(IntegrityFailure):
        vault.unlock(PASSPHRASE)
