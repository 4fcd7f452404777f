"""The recovery key: 160 random bits written as 32 Crockford base32 characters in groups of four."""

from __future__ import annotations

import secrets

from ..i18n import N_
from .errors import WrongSecret

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {c: i for i, c in enumerate(ALPHABET)}
_DECODE.update({"O": 0, "I": 1, "L": 1})
RECOVERY_BYTES = 20
RECOVERY_CHARS = RECOVERY_BYTES * 8 // 5


def generate() -> str:
    return format_key(secrets.token_bytes(RECOVERY_BYTES))


def format_key(raw: bytes) -> str:
    n = int.from_bytes(raw, "big")
    chars = [ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(RECOVERY_CHARS))]
    text = "".join(chars)
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def parse(text: str) -> bytes:
    """Accept what a person types: any case, spaces or dashes, O for 0 and I or L for 1."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\r\n")
    if len(cleaned) != RECOVERY_CHARS or any(ch not in _DECODE for ch in cleaned):
        raise WrongSecret(N_("This is not a recovery key: it has 32 letters and digits in groups of four."))
    n = 0
    for ch in cleaned:
        n = (n << 5) | _DECODE[ch]
    return n.to_bytes(RECOVERY_BYTES, "big")
