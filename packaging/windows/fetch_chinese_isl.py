"""Fetch the Simplified Chinese messages of the Windows installer before `iscc` runs.

Inno Setup 6 ships no official Simplified Chinese translation. Its own repository keeps the unofficial,
user-contributed one (Files/Languages/Unofficial/ChineseSimplified.isl, "Inno Setup version 6.5.0+
Chinese Simplified messages", maintained by Zhenghan Yang, under Inno Setup's licence). This script takes
that file at one fixed commit (the is-6_7_3 release tag), checks its SHA-256 and writes it to
packaging/windows/languages/ChineseSimplified.isl, where counselroom.iss looks for it. The file is not kept
in this repository (languages/.gitignore). An older Inno Setup (6.3, 6.4) compiles it too, warning about
messages it does not know and using English for any it lacks.

    python packaging/windows/fetch_chinese_isl.py
"""

from __future__ import annotations

import hashlib
import sys
import urllib.request
from pathlib import Path

COMMIT = "4adf37ed7f3fd2bd11c6836ba056e3de170fbabf"  # jrsoftware/issrc, tag is-6_7_3
URL = f"https://raw.githubusercontent.com/jrsoftware/issrc/{COMMIT}/Files/Languages/Unofficial/ChineseSimplified.isl"
SHA256 = "7d544b9bb1d142cfa11f2e5d3cc8abe2e55f8e066c5124e3772675aa236e1278"
TARGET = Path(__file__).resolve().parent / "languages" / "ChineseSimplified.isl"


def check(data: bytes) -> bytes:
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"ChineseSimplified.isl: SHA-256 {digest}, expected {SHA256}; not used")
    return data


def main() -> int:
    if TARGET.is_file() and hashlib.sha256(TARGET.read_bytes()).hexdigest() == SHA256:
        print(f"{TARGET} is there")
        return 0
    with urllib.request.urlopen(URL, timeout=60) as response:  # noqa: S310 - a fixed https address
        data = check(response.read())
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(data)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
