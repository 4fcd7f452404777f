"""Seeded mutations of JSON files: what a failing disk, a careless editor or an attacker makes of them.

Every mutation is a pure function of `random.Random(seed)`, so a failing case is replayed from its seed alone.
Three families:
- bytes: flipped bits, cut, inserted, duplicated or repeated spans, truncation, garbage;
- structure: a value anywhere in the document replaced by a hostile one (huge, negative, fractional or
  non-finite numbers, strings, lists, objects, null, booleans, deep nesting, unpaired surrogates), a key
  removed, added or duplicated, a list emptied, doubled or reordered;
- literals that json.dumps never writes (NaN, Infinity, 1e400, 400-digit integers) injected into the text.
A `fix` callback lets the caller repair what an attacker would repair (a key file's checksum).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

Doc = Any

# Literals injected as raw JSON text (json.dumps cannot write them).
RAW_LITERALS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" + "0" * 400, "-" + "9" * 60,
                "1e-400", "0.1e999999", "[" * 3000 + "]" * 3000, '"\\ud800"', '"\\udfff\\ud800"',
                "9223372036854775808", "18446744073709551616", "-9223372036854775809"]


def hostile_value(rng: random.Random) -> Any:
    choice = rng.randrange(20)
    if choice == 0:
        return rng.choice([0, -1, 1, 2, 3, 4, 16, 17, 40, 41, 65536, 262144, 262145, 2 ** 31 - 1, 2 ** 31,
                           2 ** 32, 2 ** 53 + 1, 2 ** 63 - 1, 2 ** 63, 2 ** 64, 10 ** 30, -(2 ** 63) - 1])
    if choice == 1:
        return rng.randint(-(10 ** rng.randrange(1, 40)), 10 ** rng.randrange(1, 40))
    if choice == 2:
        return rng.choice([0.5, -0.0, 1e-300, 1e300, 3.0, 2.5, -7.25, 1.7976931348623157e308])
    if choice == 3:
        return rng.choice(["", " ", "x", "0", "3", "65536", "all", "total", "sum", "mean", "argon2id",
                           "passphrase", "recovery", "==", ">= 1", "> 1e400", ">= 99999999999", "\x00", "中文",
                           "a" * 5000, "=" * 40, "AAAA", "AAAAAAAAAAAAAAAA", "////", "!!!!"])
    if choice == 4:
        return None
    if choice == 5:
        return rng.choice([True, False])
    if choice == 6:
        return []
    if choice == 7:
        return {}
    if choice == 8:
        return [rng.choice([1, "a", None, [], {}]) for _ in range(rng.randrange(1, 5))]
    if choice == 9:
        return {"zh_CN": rng.choice(["", "x", 1, None]), "en": rng.choice(["", "x", [], None])}
    if choice == 10:
        nested: Any = rng.choice([1, "x", None])
        for _ in range(rng.randrange(2, 40)):
            nested = [nested] if rng.random() < 0.5 else {"k": nested}
        return nested
    if choice == 11:
        return {rng.choice(["value", "label", "number", "id", "items", "is", "score", "x"]): hostile_value(rng)}
    if choice == 12:
        return "\ud800" if rng.random() < 0.5 else "a\udc00b"
    if choice == 13:
        return "".join(rng.choice("AZaz09+/=") for _ in range(rng.randrange(0, 200)))
    return rng.choice([0, 1, 2, 3, -1, "1", 1.0, 1.5, True, None, "x", [1, 2], {"a": 1}])


def _containers(doc: Doc) -> list[Doc]:
    """Every list and object in the document (iteratively)."""
    out: list[Doc] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict | list):
            out.append(node)
            stack.extend(node.values() if isinstance(node, dict) else node)
    return out


def mutate_structure(doc: Doc, rng: random.Random) -> Doc:
    """One to three structural changes, applied in place to a copy."""
    doc = json.loads(json.dumps(doc))
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        containers = _containers(doc)
        if not containers:
            return hostile_value(rng)
        node = rng.choice(containers)
        op = rng.randrange(8)
        if isinstance(node, dict):
            keys = list(node)
            if op <= 3 and keys:
                node[rng.choice(keys)] = hostile_value(rng)
            elif op == 4 and keys:
                del node[rng.choice(keys)]
            elif op == 5:
                node[rng.choice(["extra", "Total", "checksum", "mac", "format", "", "kind", "params", "items"])] = \
                    hostile_value(rng)
            elif op == 6 and keys:
                a, b = rng.choice(keys), rng.choice(keys)
                node[a], node[b] = node[b], node[a]
            else:
                node.clear()
        else:
            if op <= 3 and node:
                node[rng.randrange(len(node))] = hostile_value(rng)
            elif op == 4 and node:
                del node[rng.randrange(len(node))]
            elif op == 5:
                node.append(json.loads(json.dumps(rng.choice(node))) if node else hostile_value(rng))
            elif op == 6:
                rng.shuffle(node)
            else:
                node.extend(json.loads(json.dumps(node)))
    return doc


def inject_literal(text: str, rng: random.Random) -> str:
    """Put a literal json.dumps never writes in place of one value (a number, a string or a literal)."""
    import re

    spots = [m for m in re.finditer(r'(?<=[:\[,] )(-?\d+(?:\.\d+)?|"[^"\\]{0,40}"|true|false|null)', text)]
    spots += [m for m in re.finditer(r'(?<=[:\[,])(-?\d+(?:\.\d+)?|"[^"\\]{0,40}"|true|false|null)', text)]
    if not spots:
        return text
    m = rng.choice(spots)
    return text[:m.start()] + rng.choice(RAW_LITERALS) + text[m.end():]


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    raw = bytearray(data)
    for _ in range(rng.choice([1, 1, 2, 3, 8])):
        op = rng.randrange(9)
        n = len(raw)
        if op <= 2 and n:
            i = rng.randrange(n)
            raw[i] ^= 1 << rng.randrange(8)
        elif op == 3 and n:
            i = rng.randrange(n)
            del raw[i:i + rng.randrange(1, 64)]
        elif op == 4:
            i = rng.randrange(n + 1)
            raw[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
        elif op == 5 and n:
            i = rng.randrange(n)
            raw[i:i] = raw[i:i + rng.randrange(1, 128)]
        elif op == 6:
            del raw[rng.randrange(n + 1):]
        elif op == 7 and n:
            i = rng.randrange(n)
            raw[i] = rng.choice(b'{}[]",:\\0-e.\x00\xff\x80 ')
        else:
            i = rng.randrange(n + 1)
            raw[i:i] = rng.choice([b"[" * 5000, b"{" * 100, b"\xef\xbb\xbf", b"\xc3\x28", b"\\ud800", b"NaN"])
    return bytes(raw)


def mutate_json_file(data: bytes, rng: random.Random, fix: Callable[[Doc], bytes] | None = None) -> tuple[str, bytes]:
    """A mutation of a JSON file's bytes: (family, new bytes). `fix` turns a mutated document back into bytes
    as an attacker would (recomputing a checksum); without it the document is written as JSON."""
    family = rng.choices(["bytes", "structure", "literal"], weights=[3, 6, 2])[0]
    if family == "bytes":
        return family, mutate_bytes(data, rng)
    doc = json.loads(data)
    mutated = mutate_structure(doc, rng)
    try:
        if fix is not None:
            out = fix(mutated)
        else:
            out = json.dumps(mutated, ensure_ascii=False).encode("utf-8", "surrogatepass")
    except (TypeError, ValueError):  # what the fixer cannot write (a surrogate, an odd type): written as is
        out = json.dumps(mutated, ensure_ascii=True).encode("ascii")
    if family == "literal":
        out = inject_literal(out.decode("utf-8", "surrogatepass"), rng).encode("utf-8", "surrogatepass")
    return family, out
