"""A note draft survives a killed process: every save that returned is on disk."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

from conftest import PASSPHRASE
from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault.vault import Vault

WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from counselroom.records.services import Services
    from counselroom.vault.vault import Vault
    vault = Vault(Path(sys.argv[1]), Path(sys.argv[2]))
    session = vault.unlock(sys.argv[3])
    services = Services.open(session)
    note_id = int(sys.argv[4])
    text = ""
    n = 0
    while True:
        n += 1
        text += f"第{n}句：来访者谈到考试焦虑。 sentence {n}. "
        services.notes.save_draft(note_id, {"discussed": text}, private_text=f"private {n}")
        print(n, flush=True)
""")


def test_killing_the_process_mid_typing_keeps_every_saved_draft(new_vault: tuple[Vault, str], tmp_path: Path) -> None:
    vault, _ = new_vault
    with vault.unlock(PASSPHRASE) as s:
        services = Services.open(s)
        client = services.clients.create(Client(code="K-1"))
        assert client.id
        services.consent.record_signed(client.id, date(2015, 1, 1), guardian_name="监护人")
        note = services.notes.create_draft(client.id)
        assert note.id
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(vault.path), str(vault.state_dir), PASSPHRASE,
                             str(note.id)], stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    assert proc.stdout is not None
    last = 0
    for line in proc.stdout:
        last = int(line)
        if last >= 40:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    with vault.unlock(PASSPHRASE) as s:
        services = Services.open(s)
        saved = services.notes.get(note.id)
        text = saved.content["discussed"]
        assert f"sentence {last}." in text  # the last save reported done is there
        n = text.count("sentence ")
        assert n >= last and services.notes.private_text(note.id) == f"private {n}"
        assert services.audit.verify().ok
        assert services.search.search(f"第{n}句")
