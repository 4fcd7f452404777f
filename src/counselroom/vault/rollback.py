"""Rollback noticed: this computer remembers the last audit head it saw for each vault.

A whole vault folder put back from an older copy (a copied folder, a disk image, a restore card that resets
drive C:) is a sound vault by every check it can make of itself: its pages, structure and audit chain are
whole, only shorter. What tells it apart is a witness outside the folder. The per-user state folder keeps,
per vault id, the sequence number and MAC of the last audit entry seen (written at each unlock and lock):

    <state>/audit-heads/<vault id>.json    {"seq": 1234, "mac": "<64 hex>"}    0600

At the next unlock the vault's own head is compared with it: a head *before* the one seen, or a trail whose
entry at the seen sequence number carries another MAC (a different history), is a `Rollback`. The unlock
still succeeds — the counselor may need these records — but the session carries the notice, the window and
the CLI show it, `counselroom check` reports it and exits 4, and a normal unlock writes `vault.rollback_noticed`
to the audit trail (after which this vault's head is the one remembered). A restore replaces the vault on
purpose and so updates the record; undoing a restore forgets it (the vault put back is not readable then).

What it does not do: the record is not secret and not authenticated (the MAC of an audit entry reveals no
key); deleting the state folder, or copying the vault to another computer, leaves nothing to compare with.
A kill between a write and the next lock leaves the record behind the vault, never ahead of it: a head that
continues the remembered entry is never a rollback.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3

from ..i18n import N_, tr
from .safefile import atomic_write, make_private_dir

log = logging.getLogger("counselroom.rollback")

FOLDER = "audit-heads"
AUDIT_KIND = "vault.rollback_noticed"
_VAULT_ID = re.compile(r"^[0-9a-f]{32}$")
_MAC = re.compile(r"^[0-9a-f]{64}$")

OLDER = N_("This vault is older than the one this computer opened before: its audit trail ends at entry {found}, "
           "but entry {seen} was seen here. An older copy of the vault folder may have been put back, and what was "
           "saved since is missing from it. Look for the newer copy or the newest backup before making changes.")
DIVERGED = N_("This vault's history differs from the one this computer saw before (at audit entry {seen}): an "
              "older copy of the vault folder may have been put back and changed since. Look for the newer copy "
              "or the newest backup before making changes.")


@dataclass(frozen=True)
class Rollback:
    """The vault's audit head (`found_seq`) is behind, or off, the head seen here before (`seen_seq`)."""

    seen_seq: int
    found_seq: int
    diverged: bool  # the trail does not continue the remembered entry (rather than only being shorter)

    def message(self) -> str:
        if self.diverged:
            return tr(DIVERGED, seen=self.seen_seq, found=self.found_seq)
        return tr(OLDER, seen=self.seen_seq, found=self.found_seq)

    def detail(self) -> dict[str, object]:
        return {"seen_seq": self.seen_seq, "found_seq": self.found_seq, "diverged": self.diverged}


class HeadRecord:
    """The remembered head of one vault (by its id) in the per-user state folder."""

    def __init__(self, state_dir: Path, vault_id: str) -> None:
        self.vault_id = vault_id
        self.path = Path(state_dir) / FOLDER / f"{vault_id}.json" if _VAULT_ID.match(vault_id) else None

    def read(self) -> tuple[int, str] | None:
        if self.path is None:
            return None
        try:
            if self.path.stat().st_size > 4096:
                return None
            doc = json.loads(self.path.read_text("ascii"))
            seq, mac = doc["seq"], doc["mac"]
            if type(seq) is int and seq >= 0 and isinstance(mac, str) and (mac == "" or _MAC.match(mac)):
                return seq, mac
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def write(self, seq: int, mac: str) -> None:
        """Remember this head. A state folder that cannot be written costs the witness, never the unlock."""
        if self.path is None:
            return
        try:
            make_private_dir(self.path.parent)
            atomic_write(self.path, json.dumps({"seq": seq, "mac": mac}).encode("ascii"))
        except OSError:
            log.debug("the audit head could not be remembered")

    def forget(self) -> None:
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()


def compare(conn: sqlcipher3.Connection, seen: tuple[int, str] | None, head: tuple[int, str]) -> Rollback | None:
    """A Rollback when the vault's head is behind the one seen, or its trail does not continue it."""
    if seen is None:
        return None
    seen_seq, seen_mac = seen
    seq, mac = head
    if seq < seen_seq:
        return Rollback(seen_seq, seq, diverged=False)
    if seen_seq == 0:
        return None
    if seq == seen_seq:
        return None if mac == seen_mac else Rollback(seen_seq, seq, diverged=True)
    row = conn.execute("SELECT mac FROM audit_log WHERE seq = ?", (seen_seq,)).fetchone()
    if row is None or bytes(row[0]).hex() != seen_mac:
        return Rollback(seen_seq, seq, diverged=True)
    return None


def vault_id_of(slot_path: Path) -> str | None:
    """The vault id written in a key file (readable without a secret), or None."""
    from . import keyslots

    try:
        return keyslots.SlotFile.from_bytes(keyslots.read_bounded(slot_path)).vault_id
    except (OSError, keyslots.KeyFileDamaged):
        return None
