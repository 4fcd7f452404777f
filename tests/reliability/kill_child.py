"""The child process of the kill-point suite (test_kill_points.py): does one piece of vault work and is killed by
SIGKILL at a named fault point (counselroom.vault.faults, COUNSELROOM_TEST_KILL_AT=<point>:<n>, set by the test).

    python kill_child.py OP VAULT STATE MEDIUM CLIENTS

Reads the passphrase, then the new passphrase, from standard input (never from argv or the environment).
First writes CLIENTS clients, one committed transaction each, printing `ack <code>` after each commit (what a
counselor was told is saved); then the operation, printing `done` if it ends without being killed:

    rotate    re-encrypt under a new data key, wrapped under the new passphrase (vault/rotation.py)
    passwd    change the passphrase (the two key-file writes)
    backup    back up into MEDIUM (the partial file, its rename)
    migrate   unlock a vault of an older schema (the migration runs in the unlock)
    destroy   destroy the case file of client GONE-1 (retention), which the test made
"""

from __future__ import annotations

import secrets
import sys
from datetime import date
from pathlib import Path


def main(argv: list[str]) -> int:
    op, vault_path, state, medium, clients = argv[1], Path(argv[2]), Path(argv[3]), Path(argv[4]), int(argv[5])
    passphrase = sys.stdin.readline().rstrip("\n")
    new = sys.stdin.readline().rstrip("\n")

    from counselroom.records.clients import Client
    from counselroom.records.services import Services
    from counselroom.vault import backup, rotation
    from counselroom.vault.vault import Vault

    vault = Vault(vault_path, state_dir=state)
    if op == "migrate":
        vault.unlock(passphrase).close()
        print("done", flush=True)
        return 0
    tag = secrets.token_hex(3)
    with vault.unlock(passphrase) as session:
        services = Services.open(session)
        for i in range(clients):
            code = f"K-{tag}-{i}"
            services.clients.create(Client(code=code))
            print(f"ack {code}", flush=True)
        if op == "rotate":
            rotation.rotate_data_key(session, new)
        elif op == "passwd":
            session.set_passphrase(new)
        elif op == "backup":
            backup.make_backup(session, medium, same_disk_ok=True)
        elif op == "destroy":
            [item] = [i for i in services.retention.past_retention(date.today()) if i.client_code == "GONE-1"]
            services.retention.destroy([item], "GONE-1", passphrase_ok=True)
        else:
            raise SystemExit(f"unknown operation {op}")
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
