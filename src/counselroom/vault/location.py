"""Where a vault may live. No Qt.

`check(path, facts)` answers ok, warn(reason) or refuse(reason) for a vault folder:

- refused: network shares (UNC paths, mapped network drives, NFS/SMB/sshfs and other network file
  systems) and folders a sync app watches (OneDrive, Dropbox, 坚果云 …). Over a network or under a sync
  app, SQLite's locking and its journal are not respected, so the database is damaged sooner or later, and
  the records leave the room. These refusals have no override.
- warned: the Windows system drive, which the restore cards and freeze software of school computers reset
  at every restart (the vault would silently vanish), and folders held in memory (tmpfs, RAM disks).

Everything the answer depends on comes in a `PlatformFacts` (system, environment, mount table, drive-type
function, path resolution), so tests can play Windows, macOS and Linux on any machine; `system_facts()`
reads the real ones.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

from ..i18n import N_, tr
from .errors import EXIT_USAGE, VaultError

OK, WARN, REFUSE = "ok", "warn", "refuse"
WINDOWS, MACOS, LINUX = "windows", "macos", "linux"

# GetDriveTypeW's answers that matter here
DRIVE_REMOTE = 4
DRIVE_RAMDISK = 6


@dataclass(frozen=True)
class SyncApp:
    """How to recognise a folder one sync app watches: a path component equal to one of `names` or
    starting with one of `prefixes` (compared case-insensitively), an environment variable holding its
    folder, or a marker file the app keeps in the root of what it syncs."""

    service: str  # shown to the counselor (a message id)
    names: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    environ: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()


SYNC_APPS: tuple[SyncApp, ...] = (
    SyncApp(N_("OneDrive"), names=("onedrive",), prefixes=("onedrive - ", "onedrive-"),
            environ=("OneDrive", "OneDriveConsumer", "OneDriveCommercial")),
    SyncApp(N_("Dropbox"), names=("dropbox",), prefixes=("dropbox (",), markers=(".dropbox",)),
    SyncApp(N_("Google Drive"), names=("google drive", "googledrive", "my drive", "我的云端硬盘", "insync"),
            prefixes=("googledrive-",)),
    SyncApp(N_("iCloud Drive"), names=("mobile documents", "icloud drive", "iclouddrive", "com~apple~clouddocs")),
    SyncApp(N_("Nutstore (坚果云)"), names=("nutstore", "nutstore files", "我的坚果云", "坚果云")),
    SyncApp(N_("Baidu Netdisk (百度网盘)"), names=("百度云同步盘",), prefixes=("baidunetdisk", "百度网盘")),
    SyncApp(N_("Tencent Weiyun (腾讯微云)"), names=("weiyun",), prefixes=("微云",)),
    SyncApp(N_("Aliyun Drive (阿里云盘)"), names=("aliyundrive", "adrive"), prefixes=("阿里云盘",)),
    SyncApp(N_("WPS cloud documents (WPS云文档)"), prefixes=("wps云", "wps网盘")),
    SyncApp(N_("Tianyi Cloud (天翼云盘)"), prefixes=("天翼云盘",)),
    SyncApp(N_("Box"), names=("box", "box sync", "box drive")),
    SyncApp(N_("Seafile"), names=("seadrive",), prefixes=("seafile",)),
    SyncApp(N_("Nextcloud"), prefixes=("nextcloud",)),
    SyncApp(N_("ownCloud"), prefixes=("owncloud",)),
    SyncApp(N_("MEGA"), names=("mega", "megasync")),
    SyncApp(N_("pCloud"), names=("pclouddrive", "pcloud drive")),
    SyncApp(N_("Syncthing"), markers=(".stfolder",)),
    SyncApp(N_("a cloud storage app"), names=("cloudstorage",)),  # macOS ~/Library/CloudStorage: every app's
)

# File systems that reach another computer. FUSE ones show as "fuse.<name>".
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "afpfs", "webdav", "davfs", "ncpfs", "afs", "ceph",
    "glusterfs", "lustre", "ftp", "sshfs"})
NETWORK_FUSE = frozenset({
    "sshfs", "rclone", "s3fs", "gcsfuse", "goofys", "davfs", "davfs2", "smbnetfs", "curlftpfs", "gvfsd-fuse",
    "google-drive-ocamlfuse", "onedriver", "seadrive", "pcloud", "glusterfs", "cephfs", "juicefs"})
MEMORY_FILESYSTEMS = frozenset({"tmpfs", "ramfs"})


@dataclass(frozen=True)
class Mount:
    point: str
    fstype: str
    source: str = ""


@dataclass(frozen=True)
class PlatformFacts:
    system: str  # WINDOWS, MACOS or LINUX
    environ: Mapping[str, str] = field(default_factory=dict)
    mounts: Sequence[Mount] = ()
    drive_type: Callable[[str], int] | None = None  # GetDriveTypeW of a root such as "Z:\\" (Windows)
    realpath: Callable[[str], str] = str  # symbolic links and junctions resolved
    exists: Callable[[str], bool] = lambda _path: False  # for the sync apps' marker files


@dataclass(frozen=True)
class Verdict:
    kind: str = OK
    msgid: str = ""
    values: Mapping[str, str] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.kind == REFUSE

    @property
    def warned(self) -> bool:
        return self.kind == WARN

    def message(self) -> str:
        """The reason in the current language ('' when the folder is fine)."""
        if not self.msgid:
            return ""
        values = {k: tr(v) if k == "service" else v for k, v in self.values.items()}
        return tr(self.msgid, **values)


class UnsuitableFolder(VaultError):
    """The command line's refusal of a vault folder (the window shows the verdict instead)."""

    exit_code = EXIT_USAGE

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.msgid, **verdict.values)
        self.verdict = verdict

    def message(self) -> str:
        return self.verdict.message()


NETWORK_UNC = N_("{path} is a network share. The vault must be on this computer's own disk: over a network the "
                 "database gets damaged, and the records would leave the counseling room. Choose a folder on "
                 "this computer.")
NETWORK_DRIVE = N_("Drive {drive} is a network drive. The vault must be on this computer's own disk: over a network "
                   "the database gets damaged, and the records would leave the counseling room. Choose a folder "
                   "on this computer.")
NETWORK_MOUNT = N_("This folder is on a network share ({source}). The vault must be on this computer's own disk: "
                   "over a network the database gets damaged, and the records would leave the counseling room. "
                   "Choose a folder on this computer.")
SYNCED = N_("This folder is synchronized by {service}. A sync app copies the vault's files while counselroom is "
            "writing them, which damages the database, and it sends the records off this computer. Choose a "
            "folder that no sync app watches, on this computer's own disk.")
SYSTEM_DRIVE = N_("This folder is on drive {drive}, the system drive. On many school computers a restore card or "
                  "freeze software (such as 冰点还原 / Deep Freeze) resets that drive at every restart, your Desktop "
                  "and Documents included, and the records would be lost. If this computer has one, ask the "
                  "school's IT to exclude this folder from the freeze or restore card, or to give you a folder on a "
                  "drive that is not frozen, such as D:, and keep the vault there.")
IN_MEMORY = N_("This folder is kept in memory ({what}) and is erased when the computer restarts: the records "
               "would be lost. Choose a folder on a disk.")


def check(path: str | os.PathLike[str], facts: PlatformFacts | None = None) -> Verdict:
    """The verdict on keeping a vault in `path` (an absolute path; it need not exist yet)."""
    facts = facts or system_facts()
    text = os.fspath(path)
    candidates = [text]
    with contextlib.suppress(OSError, ValueError):
        resolved = facts.realpath(text)
        if resolved and resolved != text:
            candidates.append(resolved)
    verdicts = [_check_one(p, facts) for p in candidates]
    for kind in (REFUSE, WARN):
        for v in verdicts:
            if v.kind == kind:
                return v
    return Verdict()


def _check_one(text: str, facts: PlatformFacts) -> Verdict:
    if facts.system == WINDOWS:
        text = _strip_extended_prefix(text)
        path: PurePath = PureWindowsPath(text)
    else:
        path = PurePosixPath(text)
    return _network(text, path, facts) or _synced(path, facts) or _volatile(path, facts) or Verdict()


def _strip_extended_prefix(text: str) -> str:
    r"""\\?\C:\x is C:\x; \\?\UNC\server\share is \\server\share."""
    for prefix in ("\\\\?\\", "\\\\.\\", "//?/", "//./"):
        if text.startswith(prefix):
            rest = text[len(prefix):]
            return "\\\\" + rest[4:] if rest[:4].upper() in ("UNC\\", "UNC/") else rest
    return text


def _network(text: str, path: PurePath, facts: PlatformFacts) -> Verdict | None:
    if facts.system == WINDOWS:
        drive = path.drive
        if drive.startswith(("\\\\", "//")):
            return Verdict(REFUSE, NETWORK_UNC, {"path": drive})
        if len(drive) == 2 and facts.drive_type is not None:
            with contextlib.suppress(OSError, ValueError):
                if facts.drive_type(drive.upper() + "\\") == DRIVE_REMOTE:
                    return Verdict(REFUSE, NETWORK_DRIVE, {"drive": drive.upper()})
        return None
    mount = mount_of(str(path), facts.mounts)
    if mount is None:
        return None
    fstype = mount.fstype.lower()
    kind, _, sub = fstype.partition(".")
    if fstype in NETWORK_FILESYSTEMS or (kind == "fuse" and sub in NETWORK_FUSE) or (
            kind in ("fuse", "macfuse", "osxfuse") and _remote_source(mount.source)):
        return Verdict(REFUSE, NETWORK_MOUNT, {"source": mount.source or mount.fstype})
    return None


def _remote_source(source: str) -> bool:
    """user@host:/path, host:/export, //server/share, http(s)://… — what a network mount names as its source."""
    return bool(re.match(r"^(//|\\\\|[a-z][a-z0-9+.-]*://|[^/\s:]*@[^/\s:]+:|[^/\s:]+:/)", source, re.I))


def mount_of(path: str, mounts: Sequence[Mount]) -> Mount | None:
    """The mount (the deepest mount point) that holds `path`."""
    target = PurePosixPath(path)
    best: Mount | None = None
    for m in mounts:
        point = PurePosixPath(m.point)
        if (target == point or point in target.parents) and (
                best is None or len(point.parts) >= len(PurePosixPath(best.point).parts)):
            best = m
    return best


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _synced(path: PurePath, facts: PlatformFacts) -> Verdict | None:
    components = [_fold(part) for part in path.parts[1:]]  # the root or drive is never a sync folder
    for app in SYNC_APPS:  # in the order of the list, so that a named app comes before the catch-all
        for part in components:
            if part in app.names or part.startswith(app.prefixes):
                return Verdict(REFUSE, SYNCED, {"service": app.service})
    for app in SYNC_APPS:
        for var in app.environ:
            value = facts.environ.get(var, "").strip()
            if value and _inside(path, type(path)(value)):
                return Verdict(REFUSE, SYNCED, {"service": app.service})
    markers = [(app, marker) for app in SYNC_APPS for marker in app.markers]
    for ancestor in [path, *path.parents][:-1]:
        for app, marker in markers:
            with contextlib.suppress(OSError, ValueError):
                if facts.exists(str(ancestor / marker)):
                    return Verdict(REFUSE, SYNCED, {"service": app.service})
    return None


def _inside(path: PurePath, folder: PurePath) -> bool:
    a = [_fold(p) for p in path.parts]
    b = [_fold(p) for p in folder.parts]
    return len(b) > 1 and a[:len(b)] == b


def _volatile(path: PurePath, facts: PlatformFacts) -> Verdict | None:
    if facts.system == WINDOWS:
        drive = path.drive.upper()
        if len(drive) != 2:
            return None
        if facts.drive_type is not None:
            with contextlib.suppress(OSError, ValueError):
                if facts.drive_type(drive + "\\") == DRIVE_RAMDISK:
                    return Verdict(WARN, IN_MEMORY, {"what": drive})
        system_drive = (facts.environ.get("SystemDrive") or "C:").strip().upper()[:2]
        if drive == system_drive:
            return Verdict(WARN, SYSTEM_DRIVE, {"drive": drive})
        return None
    mount = mount_of(str(path), facts.mounts)
    if mount is not None and mount.fstype.lower() in MEMORY_FILESYSTEMS:
        return Verdict(WARN, IN_MEMORY, {"what": mount.fstype})
    return None


# --- a folder the counselor chose -----------------------------------------------------------------

SUBFOLDER = "counselroom"
HOLDS_A_VAULT = N_("{path} already holds a counselroom vault. Choose an empty folder for a new vault.")
NOT_EMPTY = N_("{path} already holds other files. Choose an empty folder, or one without a 'counselroom' folder "
               "inside.")
UNREADABLE = N_("{path} cannot be opened. Choose another folder.")


def folder_for_new_vault(chosen: Path) -> tuple[Path, str]:
    """Where a new vault goes when the counselor picks `chosen`: the folder itself when it is new or empty,
    else a `counselroom` folder inside it (so that picking D:\\ or a folder of documents works). The second
    value is a message id with {path} when neither can be used ('' when the path is fine)."""
    from .vault import DB_NAME

    for candidate in (chosen, chosen / SUBFOLDER):
        try:
            if not candidate.exists():
                return candidate, ""
            if not candidate.is_dir():
                continue
            if (candidate / DB_NAME).exists():
                return candidate, HOLDS_A_VAULT
            if not any(candidate.iterdir()):
                return candidate, ""
        except OSError:
            return candidate, UNREADABLE
    return chosen / SUBFOLDER, NOT_EMPTY


# --- the real facts --------------------------------------------------------------------------------

def _unescape(field_: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field_)


def parse_proc_mounts(text: str) -> list[Mount]:
    """/proc/mounts (or /proc/self/mounts): source, mount point, type, … with spaces escaped as \\040."""
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            out.append(Mount(_unescape(parts[1]), parts[2], _unescape(parts[0])))
    return out


_MAC_MOUNT = re.compile(r"^(?P<source>.*?) on (?P<point>/.*?) \((?P<fstype>[^,()]+)")


def parse_mac_mount(text: str) -> list[Mount]:
    """The output of macOS `mount`: '//user@server/share on /Volumes/share (smbfs, nodev, …)'."""
    out = []
    for line in text.splitlines():
        m = _MAC_MOUNT.match(line)
        if m:
            out.append(Mount(m["point"], m["fstype"].strip(), m["source"]))
    return out


def _linux_mounts() -> list[Mount]:
    try:
        return parse_proc_mounts(Path("/proc/self/mounts").read_text("utf-8", errors="replace"))
    except OSError:
        return []


def _mac_mounts() -> list[Mount]:
    try:
        done = subprocess.run(["/sbin/mount"], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_mac_mount(done.stdout)


def _windows_drive_type(root: str) -> int:  # real kernel32 on Windows only; the tests fake drive types
    import ctypes

    return int(ctypes.windll.kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)))  # type: ignore[attr-defined]


def _exists(path: str) -> bool:
    return os.path.lexists(path)


def system_facts() -> PlatformFacts:
    if sys.platform == "win32":
        return PlatformFacts(WINDOWS, dict(os.environ), (), _windows_drive_type, os.path.realpath, _exists)
    if sys.platform == "darwin":
        return PlatformFacts(MACOS, dict(os.environ), _mac_mounts(), None, os.path.realpath, _exists)
    return PlatformFacts(LINUX, dict(os.environ), _linux_mounts(), None, os.path.realpath, _exists)
