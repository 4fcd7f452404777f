"""The Windows- and macOS-only branches of the program, run here on Linux with fakes: the system calls they
make (kernel32, msvcrt, user32, /Volumes) are replaced by stand-ins that behave as those systems do, and
each test checks what the program then does. No Windows or Mac is involved; these tests prove the
branches' logic, not that the real system calls behave as faked (that needs the CI builds on those
systems, see packaging/README.md).

`sys.platform` and `os.name` are changed only inside the module under test (`_as_platform`), never for the
whole test process.
"""

from __future__ import annotations

import ctypes
import os
import sys
import types
from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import platformdirs
import platformdirs.macos
import platformdirs.windows
import pytest

from conftest import PASSPHRASE
from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.vault import backup, lockfile, media, restore, safefile
from counselroom.vault.errors import VaultBusy
from counselroom.vault.lockfile import ProcessLock
from counselroom.vault.media import MacVolumes, Volume, WindowsVolumes
from counselroom.vault.vault import Vault

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the one test with a widget needs no screen


class _Module:
    """A stand-in for a module: the attributes given, everything else from the real one."""

    def __init__(self, real: types.ModuleType, **overrides: Any) -> None:
        self._real = real
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _as_platform(monkeypatch: pytest.MonkeyPatch, module: types.ModuleType, platform: str, **os_overrides: Any
                 ) -> None:
    """Make `module` see `sys.platform` (and `os.name`) of another system; the rest of the process keeps its own."""
    name = "nt" if platform == "win32" else "posix"
    if hasattr(module, "sys"):
        monkeypatch.setattr(module, "sys", _Module(sys, platform=platform))
    if hasattr(module, "os"):
        monkeypatch.setattr(module, "os", _Module(os, name=name, **os_overrides))


# ------------------------------------------------------------------ removable media: Windows (kernel32)

DRIVE_REMOVABLE, DRIVE_FIXED, DRIVE_REMOTE, DRIVE_CDROM = 2, 3, 4, 5


class FakeKernel32:
    """GetLogicalDrives, GetDriveTypeW and GetVolumeInformationW as Windows answers them."""

    def __init__(self, drives: dict[str, tuple[int, str | None]]) -> None:
        self.drives = drives  # letter -> (drive type, label; None when the volume cannot be read)
        self.asked: list[str] = []

    def GetLogicalDrives(self) -> int:  # noqa: N802 - the Windows name
        return sum(1 << (ord(letter) - 65) for letter in self.drives)

    def GetDriveTypeW(self, root: ctypes.c_wchar_p) -> int:  # noqa: N802
        self.asked.append(str(root.value))
        return self.drives[str(root.value)[0]][0]

    def GetVolumeInformationW(self, root: ctypes.c_wchar_p, buf: Any, size: int, *rest: object) -> int:  # noqa: N802
        label = self.drives[str(root.value)[0]][1]
        if label is None:
            return 0
        buf.value = label[: size - 1]
        return 1


def _windows_drives(monkeypatch: pytest.MonkeyPatch, drives: dict[str, tuple[int, str | None]]) -> FakeKernel32:
    kernel32 = FakeKernel32(drives)
    monkeypatch.setattr(ctypes, "windll", types.SimpleNamespace(kernel32=kernel32), raising=False)
    return kernel32


def test_windows_a_removable_drive_is_offered_with_its_label(monkeypatch: pytest.MonkeyPatch) -> None:
    kernel32 = _windows_drives(monkeypatch, {"C": (DRIVE_FIXED, "Windows"), "E": (DRIVE_REMOVABLE, "KINGSTON")})
    found = WindowsVolumes().volumes()
    assert found == [Volume(Path("C:\\"), "Windows", False), Volume(Path("E:\\"), "KINGSTON", True)]
    assert kernel32.asked == ["C:\\", "E:\\"]
    assert media.removable(WindowsVolumes()) == [Volume(Path("E:\\"), "KINGSTON", True)]


def test_windows_network_cd_and_unreadable_drives(monkeypatch: pytest.MonkeyPatch) -> None:
    _windows_drives(monkeypatch, {"C": (DRIVE_FIXED, "System"), "D": (DRIVE_CDROM, "DVD"),
                                  "F": (DRIVE_REMOVABLE, ""), "G": (DRIVE_REMOVABLE, None),
                                  "Z": (DRIVE_REMOTE, "share")})
    found = WindowsVolumes().volumes()
    # a CD and a network share can never take a backup; a stick without a label is named by its letter
    assert [(str(v.path), v.label, v.removable) for v in found] == [
        ("C:\\", "System", False), ("F:\\", "F:\\", True), ("G:\\", "G:\\", True)]


def test_windows_no_drives_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    _windows_drives(monkeypatch, {})
    assert WindowsVolumes().volumes() == []
    assert media.removable(WindowsVolumes()) == []


# ------------------------------------------------------------------ removable media: macOS (/Volumes)

def _mac_volumes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, devices: dict[str, int | None]) -> Path:
    """A /Volumes folder whose entries sit on the given devices (None: stat fails, as for a medium being
    pulled out); device 1 is the start-up disk."""
    root = tmp_path / "Volumes"
    root.mkdir()
    for name in devices:
        (root / name).mkdir()
    (root / ".DS_Store").write_bytes(b"")
    real_stat = os.stat

    def stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        p = Path(path)
        if str(p) == "/":
            device: int | None = 1
        elif p.parent == root and p.name in devices:
            device = devices[p.name]
            if device is None:
                raise OSError(5, "Input/output error", str(p))
        else:
            return real_stat(path, *args, **kwargs)
        fields = list(real_stat(path, *args, **kwargs))
        fields[2] = device  # st_dev
        return os.stat_result(fields)

    monkeypatch.setattr(media, "os", _Module(os, stat=stat))
    return root


def test_macos_volumes_other_than_the_startup_disk_are_removable(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    root = _mac_volumes(monkeypatch, tmp_path, {"Macintosh HD": 1, "UNTITLED": 7, "备份盘": 9, "Gone": None})
    found = MacVolumes(root).volumes()
    assert found == [Volume(root / "UNTITLED", "UNTITLED", True), Volume(root / "备份盘", "备份盘", True)]
    assert media.is_removable(root / "备份盘" / "counselroom-backups", MacVolumes(root))
    assert not media.is_removable(tmp_path / "elsewhere", MacVolumes(root))


def test_macos_without_a_volumes_folder_nothing_is_offered(tmp_path: Path) -> None:
    assert MacVolumes(tmp_path / "no-such-Volumes").volumes() == []


@pytest.mark.parametrize(("platform", "kind"), [("win32", WindowsVolumes), ("darwin", MacVolumes),
                                                ("linux", media.LinuxVolumes)])
def test_the_volume_source_follows_the_platform(monkeypatch: pytest.MonkeyPatch, platform: str, kind: type) -> None:
    _as_platform(monkeypatch, media, platform)
    assert type(media.system_volumes()) is kind


# ------------------------------------------------------------------ the vault's lock: Windows (msvcrt)

class FakeMsvcrt(types.ModuleType):
    """msvcrt.locking as Windows does it: a byte range from the file's current position, per file; a
    non-blocking lock on a range another handle holds fails with OSError (EACCES)."""

    LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK, LK_NBRLCK = 0, 1, 2, 3, 4

    def __init__(self) -> None:
        super().__init__("msvcrt")
        self.held: dict[tuple[int, int], int] = {}  # (file id, offset) -> fd holding it
        self.calls: list[tuple[str, int, int]] = []

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        st = os.fstat(fd)
        offset = os.lseek(fd, 0, os.SEEK_CUR)
        key = (st.st_ino, offset)
        self.calls.append(({0: "unlock", 2: "nblock"}[mode], offset, nbytes))
        if mode == self.LK_NBLCK:
            if key in self.held:
                raise PermissionError(13, "Permission denied")
            self.held[key] = fd
        elif mode == self.LK_UNLCK:
            if self.held.get(key) != fd:
                raise PermissionError(13, "Permission denied")  # unlocking a range this handle does not hold
            del self.held[key]


@pytest.fixture
def windows_locks(monkeypatch: pytest.MonkeyPatch) -> FakeMsvcrt:
    fake = FakeMsvcrt()
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    _as_platform(monkeypatch, lockfile, "win32")
    return fake


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def test_windows_a_second_lock_on_the_vault_is_refused_as_vault_in_use(windows_locks: FakeMsvcrt,
                                                                        tmp_path: Path) -> None:
    first, second = ProcessLock(tmp_path / ".lock"), ProcessLock(tmp_path / ".lock")
    first.acquire()
    assert first.held and windows_locks.calls == [("nblock", 0, 1)]
    with pytest.raises(VaultBusy) as refused:
        second.acquire()
    assert "already open" in str(refused.value)
    assert not second.held
    first.release()
    second.acquire()  # free again once the first let go
    second.release()
    assert windows_locks.held == {}


def test_windows_release_unlocks_the_byte_it_locked_and_closes_the_file(windows_locks: FakeMsvcrt,
                                                                         tmp_path: Path) -> None:
    lock = ProcessLock(tmp_path / ".lock")
    lock.acquire()
    fd = lock._fd
    assert fd is not None
    os.write(fd, b"moved")  # the position moves; msvcrt unlocks from the position, so release seeks back
    lock.release()
    assert windows_locks.calls == [("nblock", 0, 1), ("unlock", 0, 1)]
    assert not _is_open(fd) and not lock.held
    lock.release()  # twice is harmless


def test_windows_a_refused_lock_leaves_no_open_file(windows_locks: FakeMsvcrt, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[int] = []
    real_open = os.open

    def spy_open(*args: Any, **kwargs: Any) -> int:
        fd = real_open(*args, **kwargs)
        opened.append(fd)
        return fd

    monkeypatch.setattr(lockfile, "os", _Module(os, name="nt", open=spy_open))
    holder = ProcessLock(tmp_path / ".lock")
    holder.acquire()
    with pytest.raises(VaultBusy):
        ProcessLock(tmp_path / ".lock").acquire()
    assert len(opened) == 2 and not _is_open(opened[1])
    holder.release()


def test_windows_a_vault_open_in_one_window_is_refused_in_another(windows_locks: FakeMsvcrt,
                                                                   new_vault: tuple[Vault, str]) -> None:
    vault = new_vault[0]
    with vault.unlock(PASSPHRASE):
        with pytest.raises(VaultBusy):
            Vault(vault.path).unlock(PASSPHRASE)
    with Vault(vault.path).unlock(PASSPHRASE) as again:  # closed: it opens
        assert again.conn is not None
    assert windows_locks.held == {}


# ------------------------------------------------------------------ safe files: Windows

def test_windows_folders_are_not_opened_for_fsync_nor_chmodded(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    calls: list[str] = []
    real_open = os.open

    def guarded_open(path: Any, flags: int, *args: Any) -> int:
        if Path(path).is_dir():
            raise PermissionError(13, "Windows cannot open a directory", str(path))
        calls.append(f"open {Path(path).name} binary={bool(flags & 0x8000)}")
        return real_open(path, flags & ~0x8000, *args)

    monkeypatch.setattr(safefile, "os", _Module(os, name="nt", open=guarded_open, O_BINARY=0x8000,
                                                chmod=lambda *a: calls.append("chmod")))
    folder = tmp_path / "vault"
    safefile.make_private_dir(folder)
    safefile.fsync_dir(folder)
    safefile.atomic_write(folder / "keyslots.json", b"{}\n")
    assert (folder / "keyslots.json").read_bytes() == b"{}\n"
    assert [p.name for p in folder.iterdir()] == ["keyslots.json"]  # no temporary file left
    # the temporary file is opened in binary mode (no newline translation); no folder open, no chmod
    assert len(calls) == 1 and calls[0].startswith("open .keyslots.json.") and calls[0].endswith("binary=True")


# ------------------------------------------------------------------ restore: Windows renames

def _windows_rename(lock_path: Path) -> Callable[..., None]:
    """os.rename as Windows does it for a folder: refused while a file inside it is open (here: the lock)."""
    real_rename = os.rename

    def rename(src: Any, dst: Any) -> None:
        for fd_link in Path("/proc/self/fd").iterdir():
            try:
                target = os.readlink(fd_link)
            except OSError:
                continue
            if target == str(lock_path):
                raise PermissionError(13, "The process cannot access the file because it is being used", str(src))
        real_rename(src, dst)

    return rename


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see open files")
@pytest.mark.parametrize("name", ["nt", "posix"])
def test_windows_restore_lets_go_of_the_lock_before_renaming_the_vault(
        services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    session = services.session
    services.clients.create(Client(code="W-1"))
    (tmp_path / "medium").mkdir()
    made = backup.make_backup(session, tmp_path / "medium", same_disk_ok=True)
    vault_path = session.vault.path
    session.close()
    monkeypatch.setattr(restore, "os", _Module(os, name=name, rename=_windows_rename(vault_path / ".lock")))
    if name == "posix":  # the branch not taken: Windows would refuse the rename
        with pytest.raises(PermissionError):
            restore.restore_backup(made.path, PASSPHRASE, vault_path)
        assert restore.pending_restore(vault_path) is None
        return
    done = restore.restore_backup(made.path, PASSPHRASE, vault_path)
    assert done.set_aside is not None and done.set_aside.is_dir()
    restore.undo_restore(vault_path)  # the same on the way back
    assert restore.pending_restore(vault_path) is None
    with Vault(vault_path).unlock(PASSPHRASE) as s:
        assert [c.code for c in Services.open(s).clients.list(include_archived=True)] == ["W-1"]


# ------------------------------------------------------------------ caps lock in the passphrase field: Windows

class FakeUser32:
    def __init__(self, state: int) -> None:
        self.state = state
        self.asked: list[int] = []

    def GetKeyState(self, key: int) -> int:  # noqa: N802
        self.asked.append(key)
        return self.state


@pytest.mark.parametrize(("state", "expected"), [(1, True), (0, False), (-127, True), (-128, False)])
def test_windows_caps_lock_state_comes_from_getkeystate(monkeypatch: pytest.MonkeyPatch, state: int,
                                                        expected: bool) -> None:
    """GetKeyState's low bit is the toggle; the high bit (a negative SHORT) only says the key is down."""
    from counselroom.gui.common import widgets

    user32 = FakeUser32(state)
    monkeypatch.setattr(ctypes, "WinDLL", lambda name: user32 if name == "user32" else None, raising=False)
    _as_platform(monkeypatch, widgets, "win32")
    assert widgets.caps_lock_is_on() is expected
    assert user32.asked == [0x14]  # VK_CAPITAL


def test_caps_lock_is_unknown_where_windows_cannot_tell(monkeypatch: pytest.MonkeyPatch) -> None:
    from counselroom.gui.common import widgets

    def no_user32(name: str) -> None:
        raise OSError("user32 not found")

    monkeypatch.setattr(ctypes, "WinDLL", no_user32, raising=False)
    _as_platform(monkeypatch, widgets, "win32")
    assert widgets.caps_lock_is_on() is None
    for platform in ("darwin", "linux"):
        _as_platform(monkeypatch, widgets, platform)
        assert widgets.caps_lock_is_on() is None


def test_windows_the_passphrase_field_believes_the_system_about_caps_lock(qtbot: Any,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import Qt

    from counselroom.gui.common import widgets

    user32 = FakeUser32(1)
    monkeypatch.setattr(ctypes, "WinDLL", lambda name: user32, raising=False)
    _as_platform(monkeypatch, widgets, "win32")
    field = widgets.PassphraseEdit("Passphrase")
    qtbot.addWidget(field)
    seen: list[bool] = []
    field.caps_lock_changed.connect(seen.append)
    qtbot.keyClick(field, Qt.Key.Key_CapsLock)
    assert field.caps_lock and seen == [True]
    qtbot.keyClick(field, Qt.Key.Key_CapsLock)  # the system still says on (say the key was pressed twice fast)
    assert field.caps_lock and seen == [True]
    user32.state = 0
    qtbot.keyClick(field, Qt.Key.Key_CapsLock)
    assert not field.caps_lock and seen == [True, False]


# ------------------------------------------------------------------ process hardening, cache dropping

def test_without_the_resource_module_windows_still_gets_private_files(monkeypatch: pytest.MonkeyPatch) -> None:
    from counselroom.__main__ import harden_process  # what every run, window or command line, does first

    monkeypatch.setitem(sys.modules, "resource", None)  # Windows has no resource module: import fails
    umask = os.umask(0o022)
    try:
        harden_process()
        assert os.umask(0o022) == 0o077
    finally:
        os.umask(umask)


def test_reading_back_works_where_the_system_has_no_posix_fadvise(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    """Windows and macOS have no posix_fadvise: the read-back simply reads (maybe from the cache)."""
    f = tmp_path / "x"
    f.write_bytes(b"backup")
    without = _Module(os)
    monkeypatch.setattr(backup, "os", without)
    without.__dict__["posix_fadvise"] = None
    with f.open("rb") as fh:
        backup._drop_cache(fh)
        assert fh.read() == b"backup"

    def failing(*args: object) -> None:
        raise OSError(22, "Invalid argument")

    without.__dict__["posix_fadvise"] = failing
    with f.open("rb") as fh:
        backup._drop_cache(fh)
        assert fh.read() == b"backup"


# ------------------------------------------------------------------ where the vault lives (the installers rely on it)

def test_windows_the_vault_lives_in_local_appdata_outside_the_installed_program(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from counselroom.config import AppConfig
    from counselroom.vault.vault import default_state_dir, default_vault_path

    folders = {"CSIDL_LOCAL_APPDATA": "C:/Users/lin/AppData/Local", "CSIDL_APPDATA": "C:/Users/lin/AppData/Roaming"}
    monkeypatch.setattr(platformdirs.windows, "get_win_folder", lambda csidl: folders[csidl])
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.windows.Windows)
    data = PureWindowsPath(r"C:\Users\lin\AppData\Local\counselroom")
    assert PureWindowsPath(str(default_vault_path())) == data / "vault"
    assert PureWindowsPath(str(default_state_dir())) == data
    assert PureWindowsPath(str(AppConfig.default_path())) == data / "settings.json"
    # the installer's folder ({localappdata}\Programs\counselroom) holds none of them
    program = PureWindowsPath(r"C:\Users\lin\AppData\Local\Programs\counselroom")
    for path in (default_vault_path(), default_state_dir(), AppConfig.default_path()):
        assert program not in PureWindowsPath(str(path)).parents


def test_macos_the_vault_lives_in_application_support(monkeypatch: pytest.MonkeyPatch) -> None:
    from counselroom.vault.vault import default_vault_path

    monkeypatch.setenv("HOME", "/Users/lin")
    monkeypatch.delenv("XDG_DATA_HOME")  # platformdirs honours it on macOS too; a Mac rarely has it set
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.macos.MacOS)
    assert PurePosixPath(default_vault_path()) == PurePosixPath("/Users/lin/Library/Application Support/"
                                                                "counselroom/vault")


# ------------------------------------------------------------------ document fonts: Windows' own as a fallback

@pytest.fixture
def fresh_document_fonts() -> Any:
    from counselroom.documents import fonts

    fonts.document_fonts.cache_clear()
    yield fonts
    fonts.document_fonts.cache_clear()  # the next caller registers the shipped font again


def test_windows_a_broken_installation_embeds_the_systems_chinese_font(
        fresh_document_fonts: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fonts = fresh_document_fonts
    windir = tmp_path / "Windows"
    (windir / "Fonts").mkdir(parents=True)
    # Microsoft YaHei's place, holding a real TrueType collection (the shipped one, copied)
    (windir / "Fonts" / "msyh.ttc").write_bytes(fonts.SHIPPED_CJK.read_bytes())
    monkeypatch.setattr(fonts, "SHIPPED_CJK", tmp_path / "missing" / "wqy-microhei.ttc")
    monkeypatch.setattr(fonts, "sys", _Module(sys, platform="win32"))
    monkeypatch.setenv("WINDIR", str(windir))
    monkeypatch.delenv("COUNSELROOM_CJK_FONT", raising=False)
    found = fonts.document_fonts()
    assert found.cjk_embedded and Path(found.cjk_source) == windir / "Fonts" / "msyh.ttc"
    assert found.for_text("焦虑") == found.cjk and found.for_text("anxiety") == found.latin
