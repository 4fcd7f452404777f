"""`counselroom check`: every check the vault can make of itself, each reported in plain words."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_
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
    # Both copies present, equal and authenticated under the data key: the recovery slot is the one written
    # (reads without blocking: a FIFO or folder in a key file's place is a finding, never a hang).
    key_files = session.verify_key_files()
    if key_files.ok:
        results.append(CheckResult(N_("Key files (both copies)"), True))
    for finding in key_files.problems:
        results.append(CheckResult(N_("Key files (both copies)"), False, finding.msgid, finding.values))
    return results
