"""Shared pieces of the reliability tests: a byte scanner for leaked plaintext, and the child
processes that the crash, disk-full and second-process tests run and then kill or starve.

Imported by the tests as `helpers` (pytest puts this folder on sys.path, as it has no __init__.py),
and run as a script for the child processes:

    python helpers.py write  VAULT STATE_DIR START   write clients one per transaction, print each code
    python helpers.py fill   VAULT STATE_DIR LIMIT   same, with big notes, under RLIMIT_FSIZE = LIMIT bytes
    python helpers.py hold   VAULT STATE_DIR         unlock, print "ready", stay unlocked until stdin closes
    python helpers.py early  VAULT STATE_DIR CODE    print CODE *before* committing it, then hang (a control)

The child reads the passphrase from its first line of stdin (never from argv or the environment).
"""

from __future__ import annotations

import os
import secrets
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHUNK = 1 << 20
# Big enough that the loop below produces several pages per client, small enough to stay quick.
BIG_NOTE_CHARS = 6000


# ---------------------------------------------------------------- the scanner

@dataclass(frozen=True)
class Needle:
    text: str
    encoding: str
    pattern: bytes


@dataclass(frozen=True)
class Finding:
    where: str
    needle: Needle

    def __str__(self) -> str:
        return f"{self.needle.text!r} ({self.needle.encoding}) in {self.where}"


_CJK_POOL = "泄漏测试张三丰李四王五赵六钱七孙八周九吴十郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施"


def distinctive_strings() -> tuple[str, str]:
    """A random ASCII token and a random Chinese string, new every run, so that a file left behind by
    an earlier run (or by anything else) can never match by accident."""
    ascii_token = "zqxleak" + secrets.token_hex(6)
    chinese = "泄漏测试" + "".join(secrets.choice(_CJK_POOL) for _ in range(6))
    return ascii_token, chinese


def needles(texts: Iterable[str]) -> list[Needle]:
    out = []
    for text in texts:
        for enc in ("utf-8", "utf-16-le", "utf-16-be"):
            out.append(Needle(text, enc, text.encode(enc)))
    return out


def _scan_stream(f: object, where: str, wanted: list[Needle]) -> list[Finding]:
    overlap = max(len(n.pattern) for n in wanted) - 1
    found: dict[Needle, Finding] = {}
    tail = b""
    while True:
        chunk = f.read(CHUNK)  # type: ignore[attr-defined]
        if not chunk:
            break
        window = tail + chunk
        for n in wanted:
            if n not in found and n.pattern in window:
                found[n] = Finding(where, n)
        tail = window[-overlap:] if overlap else b""
    return list(found.values())


def scan_file(path: Path, wanted: list[Needle]) -> list[Finding]:
    """Scan one regular file; anything else (socket, fifo, device) and anything unreadable is skipped,
    and opening never blocks."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return []
    if not stat.S_ISREG(st.st_mode):
        return []
    try:
        with open(path, "rb") as f:
            return _scan_stream(f, str(path), wanted)
    except OSError:
        return []


def walk_files(root: Path, since: float | None = None) -> Iterator[Path]:
    """Regular files under root (not following links); with `since`, only those written or created
    since then (a shared folder such as /var/tmp holds unrelated files)."""
    if not root.is_dir():
        return
    for dirpath, _dirs, files in os.walk(root, followlinks=False, onerror=lambda _e: None):
        for name in files:
            p = Path(dirpath) / name
            try:
                st = os.stat(p, follow_symlinks=False)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            if since is not None and max(st.st_mtime, st.st_ctime) < since:
                continue
            yield p


def scan_tree(root: Path, wanted: list[Needle], since: float | None = None) -> tuple[int, list[Finding]]:
    """(files scanned, findings) for every regular file under root."""
    count, findings = 0, []
    for p in walk_files(root, since):
        count += 1
        findings += scan_file(p, wanted)
    return count, findings


def open_files_supported() -> bool:
    return Path("/proc/self/fd").is_dir()


def scan_open_files(wanted: list[Needle], pid: int | str = "self") -> tuple[int, list[Finding]]:
    """Scan every regular file a process holds open, through /proc/PID/fd: this reaches the temporary
    files SQLite unlinks right after creating them (sort spills, temp tables), which no folder shows."""
    fd_dir = Path(f"/proc/{pid}/fd")
    count, findings = 0, []
    try:
        fds = sorted(os.listdir(fd_dir), key=int)
    except OSError:
        return 0, []
    for fd in fds:
        link = fd_dir / fd
        try:
            target = os.readlink(link)
            st = os.stat(link)  # follows the magic link: the open file itself, even when unlinked
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        try:
            with open(link, "rb") as f:
                count += 1
                findings += _scan_stream(f, f"fd {fd} -> {target}", wanted)
        except OSError:
            continue
    return count, findings


# ---------------------------------------------------------------- child processes

@dataclass
class Child:
    proc: subprocess.Popen[str]

    def readline(self, timeout: float = 60.0) -> str:
        """One line of the child's stdout; fails the test instead of hanging when the child stalls."""
        import selectors

        assert self.proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            if not sel.select(timeout):
                raise AssertionError(f"child printed nothing for {timeout} s")
        finally:
            sel.close()
        return self.proc.stdout.readline()

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no handler, no atexit, no flush — as a power cut is to the program
        self.proc.wait(timeout=30)

    def finish(self, timeout: float = 60.0) -> tuple[str, str]:
        out, err = self.proc.communicate(timeout=timeout)
        return out, err


def start_child(command: str, vault: Path, state_dir: Path, *args: str, passphrase: str,
                keep_stdin_open: bool = False) -> Child:
    """Start `python helpers.py COMMAND ...` with unbuffered text pipes; the passphrase goes in on stdin.
    The environment (TMPDIR, XDG folders) is this process's, which the test fixtures redirected."""
    proc = subprocess.Popen(
        [sys.executable, "-u", str(HERE / "helpers.py"), command, str(vault), str(state_dir), *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    assert proc.stdin is not None
    proc.stdin.write(passphrase + "\n")
    proc.stdin.flush()
    if not keep_stdin_open:
        proc.stdin.close()
        proc.stdin = None  # so that communicate() does not flush it
    return Child(proc)


def _open_services(vault_path: str, state_dir: str) -> object:
    from counselroom.records.services import Services
    from counselroom.vault.vault import Vault

    passphrase = sys.stdin.readline().rstrip("\n")
    session = Vault(Path(vault_path), Path(state_dir)).unlock(passphrase)
    return Services.open(session)


def crash_client(code: str, big: bool = False) -> object:
    from counselroom.records.clients import Client

    n = int(code.rsplit("-", 1)[-1])
    notes = f"第{n}次来访，睡眠不好。Session {n}: exam stress. " * (BIG_NOTE_CHARS // 30 if big else 2)
    return Client(code=code, name=f"测试{n}号 Test {n}", school="心理学院", department="应用心理学",
                  status="active", notes=notes)


def _child_write(vault: str, state_dir: str, start: str, big: bool = False) -> int:
    services = _open_services(vault, state_dir)
    n = int(start)
    while True:
        code = f"CR-{n:06d}"
        services.clients.create(crash_client(code, big))  # type: ignore[attr-defined]
        print(code, flush=True)  # only after the commit has returned
        n += 1


def _child_fill(vault: str, state_dir: str, limit: str) -> int:
    import resource

    services = _open_services(vault, state_dir)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
    _soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), hard))
    n = 1
    try:
        while n < 100_000:
            code = f"DF-{n:06d}"
            services.clients.create(crash_client(code, big=True))  # type: ignore[attr-defined]
            print(code, flush=True)
            n += 1
        print("NEVER-FULL", flush=True)
        return 3
    except Exception as e:  # noqa: BLE001 - the test judges what surfaced: its type and its message
        kind = f"{type(e).__module__}.{type(e).__name__}"
        message = e.message() if hasattr(e, "message") else str(e)
        print(f"FULL {kind}: {message}".replace("\n", " "), flush=True)
    try:  # still full: reading goes on, and shows exactly the clients saved before
        print(f"READ {services.clients.count()}", flush=True)  # type: ignore[attr-defined]
    except Exception as e:  # noqa: BLE001
        print(f"READ-FAILED {type(e).__name__}: {e}", flush=True)
    # The disk has room again: the same session must carry on.
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
    try:
        services.clients.create(crash_client(f"DF-{900000 + n:06d}"))  # type: ignore[attr-defined]
        print(f"AFTER DF-{900000 + n:06d}", flush=True)
    except Exception as e:  # noqa: BLE001 - reported to the test, which fails on it
        print(f"AFTER-FAILED {type(e).__name__}: {e}", flush=True)
    services.session.close()  # type: ignore[attr-defined]
    print("CLOSED", flush=True)
    return 0


def _child_hold(vault: str, state_dir: str) -> int:
    services = _open_services(vault, state_dir)
    print("ready", flush=True)
    sys.stdin.read()  # until the test closes our stdin
    services.session.close()  # type: ignore[attr-defined]
    return 0


def _child_early(vault: str, state_dir: str, code: str) -> int:
    """A deliberately wrong writer: announces a client as saved inside its transaction, before the commit."""
    services = _open_services(vault, state_dir)
    with services.store.write():  # type: ignore[attr-defined]
        services.clients.create(crash_client(code))  # type: ignore[attr-defined]
        print(code, flush=True)
        time.sleep(120)
    return 0


def main(argv: list[str]) -> int:
    command, rest = argv[0], argv[1:]
    if command == "write":
        return _child_write(*rest)
    if command == "fill":
        return _child_fill(*rest)
    if command == "hold":
        return _child_hold(*rest)
    if command == "early":
        return _child_early(*rest)
    raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
