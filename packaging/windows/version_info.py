"""The Windows version resource of counselroom.exe and counselroom-cli.exe (what Explorer shows under
Properties > Details), made from the one version in src/counselroom/__init__.py.

The PyInstaller spec calls `version_info(__version__)` on Windows and passes the result to `EXE(version=...)`.
`python packaging/windows/version_info.py 1.2.3` prints the same structure as a PyInstaller version file.

PyInstaller's versioninfo module imports pefile, which is installed on Windows only; the structure itself
needs nothing from Windows.
"""

from __future__ import annotations

import re
import sys
from typing import Any

PRODUCT = "counselroom"
DESCRIPTION = {
    "en": "counselroom - encrypted, offline records of a psychological counseling room",
    "zh_CN": "counselroom 心理咨询档案 - 心理咨询室的加密离线档案",
}
# Language and code page of each string table: US English and Simplified Chinese, both Unicode (1200).
TABLES = {"en": (0x0409, 1200), "zh_CN": (0x0804, 1200)}
VS_FF_PRERELEASE = 0x2


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """The four 16-bit numbers Windows keeps: "1.2.3" -> (1, 2, 3, 0); "1.2.0rc1" / "1.2.dev3" -> (1, 2, 0, 0)."""
    release = re.match(r"\d+(?:\.\d+)*", version)
    numbers = [int(n) for n in release.group(0).split(".")] if release else []
    if not numbers or any(n > 0xFFFF for n in numbers[:4]):
        raise ValueError(f"not a version Windows can hold: {version!r}")
    padded = (numbers + [0, 0, 0, 0])[:4]
    return padded[0], padded[1], padded[2], padded[3]


def is_prerelease(version: str) -> bool:
    return re.fullmatch(r"\d+(?:\.\d+)*", version) is None


def version_info(version: str, original_filename: str | None = None) -> Any:
    """A PyInstaller `VSVersionInfo` for `version` (a PEP 440 version such as "0.1.0")."""
    from PyInstaller.utils.win32.versioninfo import (
        FixedFileInfo,
        StringFileInfo,
        StringStruct,
        StringTable,
        VarFileInfo,
        VarStruct,
        VSVersionInfo,
    )

    numbers = version_tuple(version)
    tables = []
    for lang, (lang_id, codepage) in TABLES.items():
        strings = [
            StringStruct("CompanyName", PRODUCT),
            StringStruct("FileDescription", DESCRIPTION[lang]),
            StringStruct("FileVersion", version),
            StringStruct("InternalName", PRODUCT),
            StringStruct("ProductName", PRODUCT),
            StringStruct("ProductVersion", version),
        ]
        if original_filename:
            strings.append(StringStruct("OriginalFilename", original_filename))
        tables.append(StringTable(f"{lang_id:04X}{codepage:04X}", strings))
    translations = [n for lang_id, codepage in TABLES.values() for n in (lang_id, codepage)]
    return VSVersionInfo(
        ffi=FixedFileInfo(filevers=numbers, prodvers=numbers, mask=0x3F,
                          flags=VS_FF_PRERELEASE if is_prerelease(version) else 0,
                          OS=0x40004,  # VOS_NT_WINDOWS32
                          fileType=0x1,  # VFT_APP
                          subtype=0x0, date=(0, 0)),  # no date: the resource is the same at every rebuild
        kids=[StringFileInfo(tables), VarFileInfo([VarStruct("Translation", translations)])],
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python packaging/windows/version_info.py VERSION")
    print(version_info(sys.argv[1]))
