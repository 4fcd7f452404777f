"""Authenticating the pages of a copy of the vault, only where they changed since the last verified backup
(issue 14: the page check was the long pole of every backup).

SQLCipher 4 keeps an HMAC-SHA512 in the last 64 bytes of every 4096-byte page, over the page's encrypted
bytes and IV (from byte 16 on page 1, after the salt) followed by the page number (4 bytes, little-endian;
SQLite's lock-byte page, which it never writes or reads, has none),
under a key derived from the data key and the file's salt: PBKDF2-HMAC-SHA512 of the data key, salt XOR 0x3a,
2 iterations, 32 bytes (docs/FORMAT.md). `PRAGMA cipher_integrity_check` checks exactly that for every page;
`PageCheck` checks it for the pages of each 256 KiB span of the file that is not byte for byte the span
authenticated by the last verified backup.

How it knows: while it reads the file it computes a keyed digest of each span (HMAC-SHA256 under a key
derived from the page HMAC key, over the span's index and bytes, 16 bytes kept). After a backup verifies, the
digests of its copy are kept in the vault (`meta`, key `backup.pages_verified`); the next backup checks the
pages of every span whose digest differs and trusts the rest, since they are the very bytes, at the very
place, that were authenticated then. A byte changed anywhere is still found: in a span that changed, by its
page's HMAC; in a span that did not, because then its digest differs and its pages are checked. The digests
live inside the encrypted vault and are keyed, so they cannot be forged, and after a key rotation (another
data key) none match and every page is checked again, as on the first backup and after a compaction.

This module reads bytes only (no SQL). The weekly full check still runs SQLCipher's own
`cipher_integrity_check` besides this one.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import IntegrityFailure

PAGE_SIZE = 4096
MAC_SIZE = 64
SALT_SIZE = 16
SPAN = 256 * 1024  # bytes per kept digest: 64 pages
# SQLite never writes the page holding byte 0x40000000 (its "lock-byte page", page 262145 of 4096 bytes): in a
# file over 1 GiB it is a hole of zeros, which SQLite never reads and SQLCipher's own check skips too.
LOCK_BYTE_PAGE = 0x40000000 // PAGE_SIZE + 1
DIGEST_SIZE = 16
META_KEY = "backup.pages_verified"
_FORMAT = "v1:"


def page_mac_key(data_key: bytes, salt: bytes) -> bytes:
    """The key of SQLCipher 4's page HMACs for a raw data key and the file's salt."""
    return hashlib.pbkdf2_hmac("sha512", data_key, bytes(b ^ 0x3A for b in salt), 2, 32)


def encode(digests: Sequence[bytes]) -> str:
    return _FORMAT + b"".join(digests).hex()


def decode(text: object) -> list[bytes]:
    """The digests kept in the vault; an empty list (every page checked) for anything else."""
    if not isinstance(text, str) or not text.startswith(_FORMAT):
        return []
    try:
        raw = bytes.fromhex(text[len(_FORMAT):])
    except ValueError:
        return []
    if len(raw) % DIGEST_SIZE:
        return []
    return [raw[i:i + DIGEST_SIZE] for i in range(0, len(raw), DIGEST_SIZE)]


@dataclass(frozen=True)
class Checked:
    digests: list[bytes]  # one per span of the file, to keep after the backup verifies
    pages: int  # pages in the file
    pages_checked: int  # pages whose HMAC was computed


def check_file(path: Path, data_key: bytes, known: Sequence[bytes], chunk: int,
               stop: Callable[[], bool] = lambda: False) -> Checked | None:
    """`PageCheck` of a whole file read in chunks of `chunk` bytes; None when `stop()` said so before the end."""
    check = PageCheck(data_key, known)
    with open(path, "rb") as f:
        while data := f.read(chunk):
            if stop():
                return None
            check.feed(data)
    return check.finish()


class PageCheck:
    """Feed the file's bytes in order (`feed`, any chunk sizes), then `finish()`. IntegrityFailure as soon as a
    page's HMAC does not match, and at the end for a file that is not whole pages."""

    def __init__(self, data_key: bytes, known: Sequence[bytes] = ()) -> None:
        self._data_key = data_key
        self._known = list(known)
        self._pending = bytearray()
        self._index = 0  # of the next span
        self._digests: list[bytes] = []
        self._mac_key = b""
        self._span_key = b""
        self._pages = 0
        self._checked = 0

    def feed(self, chunk: bytes) -> None:
        if not self._pending and len(chunk) % SPAN == 0 and self._mac_key:
            view = memoryview(chunk)
            for start in range(0, len(chunk), SPAN):
                self._span(view[start:start + SPAN])
            return
        self._pending += chunk
        whole = len(self._pending) - len(self._pending) % SPAN
        if whole:
            view = memoryview(bytes(self._pending[:whole]))
            del self._pending[:whole]
            for start in range(0, whole, SPAN):
                self._span(view[start:start + SPAN])

    def finish(self) -> Checked:
        if self._pending:
            rest, self._pending = bytes(self._pending), bytearray()
            self._span(memoryview(rest))
        if self._pages == 0:
            raise IntegrityFailure()
        return Checked(self._digests, self._pages, self._checked)

    def _span(self, span: memoryview) -> None:
        if len(span) % PAGE_SIZE:
            raise IntegrityFailure()
        if not self._mac_key:
            self._mac_key = page_mac_key(self._data_key, bytes(span[:SALT_SIZE]))
            self._span_key = hmac.digest(self._mac_key, b"counselroom page digests v1", "sha256")
        mac = hmac.new(self._span_key, self._index.to_bytes(8, "big"), "sha256")
        mac.update(span)
        digest = mac.digest()[:DIGEST_SIZE]
        first_page = self._index * (SPAN // PAGE_SIZE) + 1
        pages = len(span) // PAGE_SIZE
        if self._index >= len(self._known) or not hmac.compare_digest(digest, self._known[self._index]):
            for n in range(pages):
                self._check_page(span[n * PAGE_SIZE:(n + 1) * PAGE_SIZE], first_page + n)
            self._checked += pages
        self._digests.append(digest)
        self._pages += pages
        self._index += 1

    def _check_page(self, page: memoryview, number: int) -> None:
        if number == LOCK_BYTE_PAGE:
            return
        start = SALT_SIZE if number == 1 else 0
        expected = hmac.digest(self._mac_key, bytes(page[start:PAGE_SIZE - MAC_SIZE]) + number.to_bytes(4, "little"),
                               "sha512")
        if not hmac.compare_digest(expected, bytes(page[PAGE_SIZE - MAC_SIZE:])):
            raise IntegrityFailure()
