#!/usr/bin/env python3
"""Keep a vault of the current schema version under tests/data/vaults/v<N>/ for the migration tests.

Run once whenever a migration is added, *before* changing the schema, so that the released version's
vault is kept: `python tools/make_schema_fixture.py`. Existing fixtures are never overwritten.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from counselroom.records.clients import Client  # noqa: E402
from counselroom.records.profile import Profile  # noqa: E402
from counselroom.records.services import Services  # noqa: E402
from counselroom.vault.kdf import FLOOR  # noqa: E402
from counselroom.vault.migrations import CURRENT_VERSION  # noqa: E402
from counselroom.vault.vault import LOCK_NAME, Vault  # noqa: E402

PASSPHRASE = "fixture passphrase 2026"


def main() -> int:
    target = ROOT / "tests" / "data" / "vaults" / f"v{CURRENT_VERSION}"
    if target.exists():
        print(f"{target} exists; fixtures are never overwritten")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        vault, recovery_key = Vault.create(Path(tmp) / "vault", PASSPHRASE, kdf_params=FLOOR,
                                           state_dir=Path(tmp) / "state")
        with vault.unlock(PASSPHRASE) as session:
            services = Services.open(session)
            services.profile.save(Profile(name="Fixture Counselor", institution="示例大学"))
            services.clients.create(Client(code="F-001", name="陈思远", date_of_birth=date(2004, 5, 6),
                                           status="active", notes="焦虑 exam stress"))
            services.clients.create(Client(code="F-002", status="closed"))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(vault.path, target, ignore=shutil.ignore_patterns(LOCK_NAME))
    (target / "fixture.json").write_text(json.dumps({
        "schema_version": CURRENT_VERSION, "passphrase": PASSPHRASE, "recovery_key": recovery_key,
        "clients": {"F-001": "陈思远", "F-002": ""}, "profile_name": "Fixture Counselor"},
        ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
