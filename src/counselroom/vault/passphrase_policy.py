"""How strong a new passphrase is, and why a weak one is refused.

A rough entropy estimate from length and character classes, lowered for repeats, sequences,
keyboard rows and well-known passwords. Chinese characters count for more per character, so a short
Chinese phrase can pass where the same number of Latin letters would not.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field

from ..i18n import N_, tr

MIN_LENGTH = 10
MIN_LENGTH_CJK = 5
MIN_BITS = 45.0
_COMMON = {
    "password", "passw0rd", "password1", "12345678", "123456789", "1234567890", "qwertyuiop", "qwerty123",
    "iloveyou", "woaini", "woaini1314", "5201314", "1qaz2wsx", "abc123456", "letmein", "admin123",
    "counselroom", "counseling", "xinlizixun", "welcome1", "11111111", "88888888", "66666666", "00000000",
    "a1234567", "aa123456", "zxcvbnm", "asdfghjkl", "qazwsxedc", "1q2w3e4r", "p@ssw0rd", "changeme",
}
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890", "abcdefghijklmnopqrstuvwxyz")


@dataclass
class PolicyResult:
    ok: bool
    score: int  # 0 (very weak) to 4 (strong)
    bits: float
    reasons: list[str] = field(default_factory=list)  # translated, for the counselor


def _is_cjk(ch: str) -> bool:
    return "CJK" in unicodedata.name(ch, "")


def _pool(text: str) -> int:
    pool = 0
    if any(c.islower() and c.isascii() for c in text):
        pool += 26
    if any(c.isupper() and c.isascii() for c in text):
        pool += 26
    if any(c.isdigit() for c in text):
        pool += 10
    if any(not c.isalnum() and c.isascii() for c in text):
        pool += 33
    if any(_is_cjk(c) for c in text):
        pool += 2500
    elif any(not c.isascii() for c in text):
        pool += 100
    return max(pool, 1)


def _predictable_runs(text: str) -> int:
    """How many characters only repeat or continue a sequence (aaa, 1234, qwerty)."""
    low = text.lower()
    predictable = 0
    for i in range(1, len(low)):
        a, b = low[i - 1], low[i]
        if a == b or (ord(b) - ord(a) in (1, -1)) or any(a + b in row or b + a in row for row in _ROWS):
            predictable += 1
    return predictable


def check(passphrase: str) -> PolicyResult:
    text = unicodedata.normalize("NFC", passphrase)
    reasons: list[str] = []
    cjk = sum(1 for c in text if _is_cjk(c))
    length_ok = len(text) >= MIN_LENGTH or cjk >= MIN_LENGTH_CJK
    if not length_ok:
        reasons.append(tr(N_("Use at least 10 characters (or 5 Chinese characters).")))
    compact = "".join(c for c in text.lower() if not c.isspace())
    common = compact in _COMMON or any(compact.startswith(w) and len(compact) - len(w) <= 2 for w in _COMMON)
    if common:
        reasons.append(tr(N_("This is one of the passwords people use most; choose something of your own.")))
    predictable = _predictable_runs(text)
    effective = max(len(text) - predictable, 1)
    if len(text) and predictable >= len(text) / 2:
        reasons.append(tr(N_("It mostly repeats characters or follows a sequence on the keyboard.")))
    bits = effective * math.log2(_pool(text)) if text else 0.0
    if common:
        bits = min(bits, 10.0)
    if length_ok and not common and bits < MIN_BITS:
        reasons.append(tr(N_("Make it longer, or mix words with digits or symbols.")))
    score = 0 if bits < 28 else 1 if bits < MIN_BITS else 2 if bits < 60 else 3 if bits < 80 else 4
    ok = not reasons
    if ok:
        score = max(score, 2)
    else:
        score = min(score, 1)
    return PolicyResult(ok=ok, score=score, bits=round(bits, 1), reasons=reasons)
