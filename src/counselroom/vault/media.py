"""Where backups can go: the mounted volumes, and which of them are removable. No Qt.

A `VolumeSource` has one method, `volumes()`; the window and the tests depend on nothing else, so the
tests inject `FakeVolumes` (this machine has no vfat, and no test may rely on a USB stick).

- Linux: `/proc/mounts` for what is mounted where (octal escapes such as `\\040` undone), and for each
  block device its whole disk's `/sys/block/<disk>/removable`; a disk attached through USB counts as
  removable even when it reports 0 (many USB hard disks do). Labels from `/dev/disk/by-label`, else the
  mount point's name. Pseudo and network file systems are left out.
- Windows: `GetLogicalDrives` with `GetDriveTypeW` (DRIVE_REMOVABLE) and `GetVolumeInformationW` for the label.
- macOS: the entries of `/Volumes` other than the start-up disk (they are external or removable media).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Volume:
    path: Path
    label: str
    removable: bool


class VolumeSource(Protocol):
    def volumes(self) -> list[Volume]: ...


class FakeVolumes:
    """A fixed list for tests; change `.items` to simulate plugging in or pulling out."""

    def __init__(self, items: list[Volume] | None = None) -> None:
        self.items = list(items or [])

    def volumes(self) -> list[Volume]:
        return list(self.items)


def _unescape(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


class LinuxVolumes:
    def __init__(self, proc_mounts: Path = Path("/proc/mounts"), sys_root: Path = Path("/sys"),
                 dev_root: Path = Path("/dev")) -> None:
        self.proc_mounts = proc_mounts
        self.sys_root = sys_root
        self.dev_root = dev_root

    def _labels(self) -> dict[str, str]:
        labels: dict[str, str] = {}
        by_label = self.dev_root / "disk" / "by-label"
        with contextlib.suppress(OSError):
            for link in by_label.iterdir():
                with contextlib.suppress(OSError):
                    target = (by_label / os.readlink(link)).resolve().name
                    labels[target] = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), link.name)
        return labels

    def _disk_of(self, dev_name: str) -> Path | None:
        """The /sys/block entry of the whole disk a device (or partition) belongs to."""
        node = self.sys_root / "class" / "block" / dev_name
        if not node.exists():
            return None
        with contextlib.suppress(OSError):
            node = node.resolve()
        if (node / "partition").exists():
            node = node.parent
        disk = self.sys_root / "block" / node.name
        return disk if disk.exists() else None

    def _removable(self, dev_name: str) -> bool:
        disk = self._disk_of(dev_name)
        if disk is None:
            return False
        with contextlib.suppress(OSError):
            if (disk / "removable").read_text().strip() == "1":
                return True
        with contextlib.suppress(OSError):
            return "/usb" in str(disk.resolve())
        return False

    def volumes(self) -> list[Volume]:
        try:
            lines = self.proc_mounts.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return []
        labels = self._labels()
        out: list[Volume] = []
        seen: set[str] = set()
        for line in lines:
            parts = line.split()
            if len(parts) < 3 or not parts[0].startswith(("/dev/", f"{self.dev_root}/")):
                continue
            device, mount = _unescape(parts[0]), _unescape(parts[1])
            if mount in seen or mount in ("/", "/boot", "/boot/efi") or mount.startswith(("/snap/", "/var/snap/")):
                continue
            seen.add(mount)
            dev = Path(device)
            with contextlib.suppress(OSError):
                dev = dev.resolve()
            name = dev.name
            out.append(Volume(Path(mount), labels.get(name) or Path(mount).name or mount, self._removable(name)))
        return out


class WindowsVolumes:  # real kernel32 on Windows only; tests/unit/test_platform_fakes.py fakes it
    DRIVE_REMOVABLE = 2

    def volumes(self) -> list[Volume]:
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        mask = kernel32.GetLogicalDrives()
        out = []
        for i in range(26):
            if not mask & (1 << i):
                continue
            root = f"{chr(65 + i)}:\\"
            kind = kernel32.GetDriveTypeW(ctypes.c_wchar_p(root))
            if kind not in (2, 3):  # removable or fixed; not network, CD or RAM disks
                continue
            buf = ctypes.create_unicode_buffer(261)
            ok = kernel32.GetVolumeInformationW(ctypes.c_wchar_p(root), buf, 261, None, None, None, None, 0)
            label = buf.value if ok and buf.value else root
            out.append(Volume(Path(root), label, kind == self.DRIVE_REMOVABLE))
        return out


class MacVolumes:  # a real /Volumes on macOS only; tests/unit/test_platform_fakes.py fakes it
    def __init__(self, root: Path = Path("/Volumes")) -> None:
        self.root = root

    def volumes(self) -> list[Volume]:
        out = []
        try:
            boot = os.stat("/").st_dev
            entries = sorted(self.root.iterdir())
        except OSError:
            return []
        for p in entries:
            with contextlib.suppress(OSError):
                if p.is_dir() and os.stat(p).st_dev != boot:
                    out.append(Volume(p, p.name, True))
        return out


def system_volumes() -> VolumeSource:
    if sys.platform == "win32":
        return WindowsVolumes()
    if sys.platform == "darwin":
        return MacVolumes()
    return LinuxVolumes()


def removable(source: VolumeSource) -> list[Volume]:
    try:
        return [v for v in source.volumes() if v.removable]
    except OSError:
        return []


def volume_of(path: Path, source: VolumeSource) -> Volume | None:
    """The volume (the longest mount point) that holds `path`, among those the source knows."""
    path = Path(os.path.abspath(path))
    best: Volume | None = None
    try:
        found = source.volumes()
    except OSError:
        return None
    for v in found:
        root = Path(os.path.abspath(v.path))
        if (path == root or root in path.parents) and (best is None or len(str(root)) > len(str(best.path))):
            best = v
    return best


def is_removable(path: Path, source: VolumeSource) -> bool:
    v = volume_of(path, source)
    return bool(v and v.removable)
