"""Kills placed in the narrow windows on purpose (issue 17): a child process is sent SIGKILL at a named fault
point (counselroom.vault.faults) — between the two key-file writes, inside the partial backup, inside a data-key
rotation, a migration and a destruction — and the vault is opened again by this process.

Each kill is counted: 0 acknowledged records lost (a client the child reported saved is there), 0 vaults that
open with neither the old nor the new secret, the checks of `counselroom check` pass, no rollback is claimed,
and each operation's own promise holds (a destruction is all or nothing, a migration all or nothing, a backup
never registered unless verified). The slow test kills at every reachable occurrence of every point, round
after round, until at least 500 kills; a sample of six runs with the normal suite. The counts are printed in
the test output (terminal summary lines).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault import faults
from counselroom.vault.errors import WrongSecret
from counselroom.vault.integrity import run_checks
from counselroom.vault.kdf import FLOOR
from counselroom.vault.vault import Vault
from retention_records import fill_case_file

HERE = Path(__file__).resolve().parent
CHILD = HERE / "kill_child.py"
FIXTURE = HERE.parent / "data" / "vaults" / "v1"  # the oldest schema: the longest migration
PW = "Quiet river 2026 lantern"
NEW = "Another long passphrase 77"
MIN_KILLS = 500

POINTS = {
    "rotate": ["keyslots.between_copies", "rotate.progress", "rotate.staged", "rotate.slots_both", "rotate.swapped"],
    "passwd": ["keyslots.between_copies"],
    "backup": ["backup.partial_chunk", "backup.partial_written", "backup.renamed"],
    "migrate": ["migrate.statement"],
    "destroy": ["destroy.row"],
}


@dataclass
class Tally:
    kills: Counter[str] = field(default_factory=Counter)
    not_reached: int = 0
    acknowledged: int = 0
    lost: list[str] = field(default_factory=list)
    neither: list[str] = field(default_factory=list)
    opened_with: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.kills.values())

    def lines(self) -> list[str]:
        out = [f"{point}: {count} kills" for point, count in sorted(self.kills.items())]
        out.append(f"total: {self.total} kills, {self.acknowledged} acknowledged records checked, "
                   f"{len(self.lost)} lost, {len(self.neither)} vaults opening with neither secret, "
                   f"opened with the old secret {self.opened_with['old']} times and the new one "
                   f"{self.opened_with['new']} times; {self.not_reached} runs ended before their point")
        return out


@dataclass
class Template:
    op: str
    folder: Path  # holds vault/ (and nothing else)
    passphrase: str
    must_have: set[str]  # client codes that must survive every kill


def _template(op: str, root: Path) -> Template:
    folder = root / f"template-{op}"
    vault_path = folder / "vault"
    if op == "migrate":
        shutil.copytree(FIXTURE, vault_path)
        facts = json.loads((vault_path / "fixture.json").read_text("utf-8"))
        return Template(op, folder, facts["passphrase"], set(facts["clients"]))
    vault, _ = Vault.create(vault_path, PW, kdf_params=FLOOR, state_dir=folder / "state")
    with vault.unlock(PW) as s:
        services = Services.open(s)
        services.clients.create(Client(code="KEPT-1", name="留存"))
        if op == "destroy":
            fill_case_file(services, "GONE-1", "zqxgone", date(2015, 6, 1))
    shutil.rmtree(folder / "state")
    return Template(op, folder, PW, {"KEPT-1"})


def _run_child(template: Template, work: Path, spec: str, clients: int) -> subprocess.CompletedProcess[str]:
    shutil.copytree(template.folder / "vault", work / "vault")
    (work / "usb").mkdir()
    env = dict(os.environ, **{faults.ENV: spec})
    return subprocess.run([sys.executable, str(CHILD), template.op, str(work / "vault"), str(work / "state"),
                           str(work / "usb"), str(clients)], input=f"{template.passphrase}\n{NEW}\n",
                          capture_output=True, text=True, env=env, timeout=180)


def reachable(template: Template, work: Path) -> Counter[str]:
    """How often the operation passes each point (one run, nothing killed)."""
    r = _run_child(template, work, "list", 2)
    assert r.returncode == 0 and "done" in r.stdout, r.stderr
    shutil.rmtree(work)
    return Counter(line.split(": ", 1)[1] for line in r.stderr.splitlines() if line.startswith("fault-point: "))


def kill_at(template: Template, point: str, n: int, work: Path, tally: Tally, clients: int = 2) -> bool:
    """Run the operation, SIGKILL it at the n-th `point`, open the vault again and check it. False when the
    operation ended before reaching that point (nothing was killed)."""
    r = _run_child(template, work, f"{point}:{n}", clients)
    if r.returncode == 0:
        assert "done" in r.stdout
        tally.not_reached += 1
        shutil.rmtree(work)
        return False
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stderr[-2000:])
    acked = [line.split()[1] for line in r.stdout.splitlines() if line.startswith("ack ")]
    tally.kills[point] += 1
    tally.acknowledged += len(acked) + len(template.must_have)
    where = f"{template.op} killed at {point}:{n}"
    session = None
    for label, secret in (("old", template.passphrase), ("new", NEW)):
        try:
            session = Vault(work / "vault", state_dir=work / "state").unlock(secret)
        except WrongSecret:
            continue
        tally.opened_with[label] += 1
        break
    if session is None:
        tally.neither.append(where)
        return True
    with session:
        services = Services.open(session)
        codes = {c.code for c in services.clients.list(include_archived=True)}
        tally.lost += [f"{where}: {c}" for c in sorted((set(acked) | template.must_have) - codes)]
        failed = [r.name for r in run_checks(session) if not r.ok]
        assert failed == [], f"{where}: {failed}"
        assert session.rollback is None, f"{where}: a rollback claimed after a kill"
        _promise(template.op, session, codes, where)
    shutil.rmtree(work)
    return True


def _promise(op: str, session: Any, codes: set[str], where: str) -> None:
    conn = session.conn
    if op == "destroy":  # all or nothing: the client and its rows, or neither and a register entry
        destroyed = conn.execute("SELECT count(*) FROM disposal_register WHERE client_code = 'GONE-1'").fetchone()[0]
        assert ("GONE-1" in codes) != bool(destroyed), where
        if "GONE-1" in codes:
            assert conn.execute("SELECT count(*) FROM notes n JOIN clients c ON c.id = n.client_id "
                                "WHERE c.code = 'GONE-1'").fetchone()[0] >= 2, where
    if op == "backup":  # nothing registered that was not verified
        assert conn.execute("SELECT count(*) FROM backups").fetchone()[0] == 0, where


REPORT: list[str] = []  # printed in the terminal summary by tests/conftest.py


def _report(request: pytest.FixtureRequest, tally: Tally) -> None:
    REPORT.append(f"{request.node.name}:")
    REPORT.extend(f"  {line}" for line in tally.lines())
    for key, value in (("kills", tally.total), ("lost", len(tally.lost)), ("neither", len(tally.neither))):
        request.node.user_properties.append((key, value))


def _check(tally: Tally) -> None:
    assert tally.lost == [], tally.lost
    assert tally.neither == [], tally.neither


SAMPLE = [("rotate", "rotate.slots_both", 1), ("rotate", "rotate.swapped", 1), ("passwd", "keyslots.between_copies", 1),
          ("backup", "backup.partial_written", 1), ("migrate", "migrate.statement", 40), ("destroy", "destroy.row", 3)]


def test_a_sample_of_kill_points(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    tally = Tally()
    templates: dict[str, Template] = {}
    for i, (op, point, n) in enumerate(SAMPLE):
        template = templates.get(op) or templates.setdefault(op, _template(op, tmp_path))
        assert kill_at(template, point, n, tmp_path / f"kill-{i}", tally), f"{op} never reached {point}:{n}"
    _report(request, tally)
    _check(tally)
    assert tally.total == len(SAMPLE)


@pytest.mark.slow
def test_at_least_500_kills_at_every_point(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    tally = Tally()
    plan: list[tuple[Template, str, int]] = []
    for op, points in POINTS.items():
        template = _template(op, tmp_path)
        seen = reachable(template, tmp_path / f"list-{op}")
        for point in points:
            assert seen[point], f"{op} never passes {point}"
            plan += [(template, point, n) for n in range(1, seen[point] + 1)]
    rounds = 0
    while tally.total < MIN_KILLS and rounds < 20:
        rounds += 1
        for template, point, n in plan:
            kill_at(template, point, n, tmp_path / f"kill-{rounds}-{tally.total}-{tally.not_reached}", tally,
                    clients=1 + (rounds + n) % 3)
    _report(request, tally)
    _check(tally)
    assert tally.total >= MIN_KILLS
    assert set(tally.kills) == {p for points in POINTS.values() for p in points}
