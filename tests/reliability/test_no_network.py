"""No network: the administrator's whole workflow runs with every way of making a socket made to fail,
and no module of the program imports a networking module at all.

Two nets at run time: the public `socket` functions are replaced (what the brief names), and a
`sys.addaudithook` hook sees the interpreter's own `socket.*` audit events, which also fire for code that
took a reference to `socket.socket` before the patch or that goes through `_socket` directly. The
controls show that each net catches a real attempt, so a clean run means something.
"""

from __future__ import annotations

import ast
import io
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import counselroom
from conftest import PASSPHRASE
from counselroom import cli

SRC = Path(counselroom.__file__).resolve().parent
FORBIDDEN = ("socket", "socketserver", "ssl", "http", "urllib.request", "ftplib", "smtplib", "poplib", "imaplib",
             "nntplib", "telnetlib", "xmlrpc", "asyncio", "multiprocessing.connection", "requests", "httpx",
             "urllib3", "aiohttp", "websocket", "websockets", "PySide6.QtNetwork", "PySide6.QtNetworkAuth",
             "PySide6.QtWebSockets", "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets",
             "PySide6.QtWebView", "PySide6.QtHttpServer", "PySide6.QtRemoteObjects")
NEW_1 = "Amber harbor 1987 kettle"
NEW_2 = "Silver meadow 4410 compass"


class NetworkUsed(RuntimeError):
    pass


class Guard:
    """Records, and refuses, every attempt at the network while active."""

    active = False
    calls: list[str] = []  # one guard per process, reset by the fixture


def _audit_hook(event: str, args: tuple[object, ...]) -> None:
    if Guard.active and event.startswith("socket."):
        Guard.calls.append(f"audit:{event}")
        raise NetworkUsed(event)


sys.addaudithook(_audit_hook)  # cannot be removed; harmless while Guard.active is False


def _refuse(name: str) -> Callable[..., object]:
    def refuse(*_a: object, **_k: object) -> object:
        Guard.calls.append(name)
        raise NetworkUsed(name)
    return refuse


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    class RefusedSocket(socket.socket):
        def __init__(self, *_a: object, **_k: object) -> None:
            Guard.calls.append("socket.socket")
            raise NetworkUsed("socket.socket")

    monkeypatch.setattr(socket, "socket", RefusedSocket)
    for name in ("create_connection", "create_server", "getaddrinfo", "socketpair", "fromfd", "gethostbyname",
                 "gethostbyname_ex", "gethostbyaddr", "getnameinfo"):
        monkeypatch.setattr(socket, name, _refuse(f"socket.{name}"))
    Guard.calls = []
    Guard.active = True
    try:
        yield Guard.calls
    finally:
        Guard.active = False


class Cli:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self.monkeypatch = monkeypatch
        self.capsys = capsys

    def __call__(self, *argv: str, stdin: list[str]) -> tuple[int, str, str]:
        self.monkeypatch.setattr(sys, "stdin", io.StringIO("".join(line + "\n" for line in stdin)))
        status = cli.run(list(argv))
        out, err = self.capsys.readouterr()
        return status, out, err


def _recovery_key(out: str) -> str:
    keys = [line.strip() for line in out.splitlines() if line.startswith("    ") and line.strip()]
    assert len(keys) == 1, out
    return keys[0]


@pytest.mark.slow
def test_full_cli_workflow_runs_with_the_network_refused(tmp_path: Path, no_network: list[str],
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    run = Cli(monkeypatch, capsys)
    a, b = str(tmp_path / "vault-a"), str(tmp_path / "vault-b")
    common = ["--passphrase-stdin"]

    status, out, err = run("init", "--vault", a, *common, "--kdf-seconds", "0", stdin=[PASSPHRASE, PASSPHRASE])
    assert status == 0, err
    _recovery_key(out)
    status, out, err = run("check", "--vault", a, *common, stdin=[PASSPHRASE])
    assert status == 0, err

    status, out, err = run("demo", "--vault", b, *common, "--kdf-seconds", "0", "--size", "small",
                           stdin=[PASSPHRASE, PASSPHRASE])
    assert status == 0, err
    recovery_key = _recovery_key(out)
    status, out, err = run("check", "--vault", b, *common, stdin=[PASSPHRASE])
    assert status == 0, err
    status, out, err = run("passwd", "--vault", b, *common, stdin=[PASSPHRASE, NEW_1, NEW_1])
    assert status == 0, err
    status, out, err = run("recover", "--vault", b, *common, "--new-recovery-key",
                           stdin=[recovery_key, NEW_2, NEW_2])
    assert status == 0, err
    assert _recovery_key(out) != recovery_key
    status, out, err = run("check", "--vault", b, *common, stdin=[NEW_2])
    assert status == 0, err

    assert no_network == [], f"the program tried the network: {no_network}"


def test_control_the_guard_catches_a_command_that_reaches_for_the_network(
        tmp_path: Path, no_network: list[str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    def check_that_phones_home(args: object, secrets: object) -> int:
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)
        return 0

    monkeypatch.setitem(cli.HANDLERS, "check", check_that_phones_home)
    status, _out, _err = Cli(monkeypatch, capsys)("check", "--vault", str(tmp_path / "v"), "--passphrase-stdin",
                                                  stdin=[PASSPHRASE])
    assert status != 0
    assert no_network == ["socket.create_connection"]


def test_control_the_audit_hook_catches_what_the_patches_miss(no_network: list[str]) -> None:
    import _socket

    with pytest.raises(NetworkUsed):
        _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    with pytest.raises(NetworkUsed):
        _socket.getaddrinfo("localhost", 80)
    assert no_network == ["audit:socket.__new__", "audit:socket.getaddrinfo"]


# ---------------------------------------------------------------- static: no networking imports

def forbidden_imports(source: str, filename: str = "<source>") -> list[str]:
    """Every import (static, or importlib/__import__ with a literal name) of a networking module."""
    def bad(module: str) -> bool:
        return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)

    found = []
    for node in ast.walk(ast.parse(source, filename)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Name) and node.func.id in {"__import__", "import_module"})
                   or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"))):
            names = [node.args[0].value]
        found += [f"{filename}:{node.lineno}: {n}" for n in names if bad(n)]  # type: ignore[attr-defined]
    return found


def test_no_module_of_the_program_imports_a_networking_module() -> None:
    files = sorted(SRC.rglob("*.py"))
    assert len(files) >= 20, f"expected the program's modules under {SRC}"
    found: list[str] = []
    for path in files:
        found += forbidden_imports(path.read_text(encoding="utf-8"), str(path.relative_to(SRC.parent)))
    assert found == []


@pytest.mark.parametrize("source", [
    "import socket",
    "import os, ssl",
    "import http.client",
    "from http import client",
    "import urllib.request as r",
    "from urllib import request",
    "from urllib.request import urlopen",
    "from asyncio import open_connection",
    "from PySide6 import QtNetwork",
    "from PySide6.QtNetwork import QNetworkAccessManager",
    "def f():\n    import smtplib",
    "__import__('ftplib')",
    "importlib.import_module('socket')",
])
def test_control_the_static_scan_finds_each_form_of_import(source: str) -> None:
    assert len(forbidden_imports(source)) >= 1


@pytest.mark.parametrize("source", ["import urllib.parse", "from urllib.parse import quote", "import sockets_fake",
                                    "from .http_util import x", "from PySide6 import QtWidgets"])
def test_control_the_static_scan_lets_harmless_imports_pass(source: str) -> None:
    assert forbidden_imports(source) == []
