"""`counselroom check`: every check the vault can make of itself, each reported in plain words."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_
from . import keyslots
from .connection import DatabaseError
from .migrations import CURRENT_VERSION, schema_version
from .vault import VaultSession


@dataclass
class CheckResult:
    name: str  # msgid
    ok: bool
    detail: str = ""  # msgid with {values}
    values: dict[str, object] | None = None


def run_checks(session: VaultSession) -> list[CheckResult]:
    conn = session.conn
    results: list[CheckResult] = []
    try:
        problems = [r[0] for r in conn.execute("PRAGMA cipher_integrity_check")]
        results.append(CheckResult(N_("Encrypted pages (SQLCipher page check)"), not problems,
                                   N_("{count} damaged page(s)") if problems else "", {"count": len(problems)}))
    except DatabaseError:
        results.append(CheckResult(N_("Encrypted pages (SQLCipher page check)"), False, N_("the check could not run")))
        return results
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        ok = rows == ["ok"]
        results.append(CheckResult(N_("Database structure (SQLite integrity check)"), ok,
                                   "" if ok else N_("{count} problem(s)"), {"count": len(rows)}))
    except DatabaseError:
        results.append(CheckResult(N_("Database structure (SQLite integrity check)"), False,
                                   N_("the check could not run")))
        return results
    version = schema_version(conn)
    results.append(CheckResult(N_("Schema version"), version == CURRENT_VERSION, N_("version {version}"),
                               {"version": version}))
    verification = session.audit.verify()
    if verification.ok:
        results.append(CheckResult(N_("Audit trail"), True, N_("{count} entries, unbroken"),
                                   {"count": verification.entries}))
    else:
        results.append(CheckResult(N_("Audit trail"), False, N_("broken at entry {seq} ({reason})"),
                                   {"seq": verification.first_bad_seq, "reason": verification.reason}))
    copies: list[bytes | None] = []
    for path in session.vault.slot_paths:
        try:
            copies.append(keyslots.SlotFile.from_bytes(path.read_bytes()).to_bytes())
        except (OSError, Exception):  # noqa: BLE001 - any unreadable copy is the finding itself
            copies.append(None)
    ok = all(c is not None for c in copies) and len(set(copies)) == 1
    results.append(CheckResult(N_("Key files (both copies)"), ok, "" if ok else N_("a copy is missing or differs")))
    return results
