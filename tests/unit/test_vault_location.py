"""Where a vault may live: network shares and synced folders are refused, the system drive of a Windows
computer (reset by school restore cards and freeze software) and folders in memory are warned about. The
platform is faked (system, environment, mount table, drive types), so every system is tested here."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from counselroom import i18n
from counselroom.i18n import tr_in
from counselroom.vault import location
from counselroom.vault.errors import EXIT_USAGE
from counselroom.vault.location import (
    LINUX,
    MACOS,
    OK,
    REFUSE,
    WARN,
    WINDOWS,
    Mount,
    PlatformFacts,
    UnsuitableFolder,
    check,
    parse_mac_mount,
    parse_proc_mounts,
)

DRIVE_FIXED, DRIVE_REMOTE, DRIVE_RAMDISK = 3, 4, 6


def windows(drives: dict[str, int] | None = None, **environ: str) -> PlatformFacts:
    kinds = {"C": DRIVE_FIXED, "D": DRIVE_FIXED, **(drives or {})}
    asked: list[str] = []

    def drive_type(root: str) -> int:
        assert root.endswith(":\\") and len(root) == 3  # GetDriveTypeW wants a root with its backslash
        asked.append(root)
        return kinds.get(root[0], 1)  # DRIVE_NO_ROOT_DIR

    env = {"SystemDrive": "C:", "USERPROFILE": "C:\\Users\\x", **environ}
    return PlatformFacts(WINDOWS, env, drive_type=drive_type)


# ---------------------------------------------------------------------------------------------- Windows

def test_windows_onedrive_folder_is_refused_by_name_and_by_environment() -> None:
    facts = windows(OneDrive="C:\\Users\\x\\OneDrive")
    v = check("C:\\Users\\x\\OneDrive\\Documents\\counselroom", facts)
    assert v.kind == REFUSE and "OneDrive" in v.message() and "sync app" in v.message()
    # a business OneDrive named after the school, found by its folder name ...
    assert check("C:\\Users\\x\\OneDrive - 第一中学\\心理\\vault", windows()).refused
    # ... and one whose folder name says nothing, found through %OneDriveCommercial%
    facts = windows(OneDriveCommercial="E:\\Shared\\School files")
    v = check("e:\\shared\\SCHOOL FILES\\vault", facts)
    assert v.refused and "OneDrive" in v.message()
    assert check("E:\\Shared\\School files 2\\vault", facts).kind == OK  # a sibling is not inside it


def test_windows_d_drive_is_ok_and_the_system_drive_is_warned_about() -> None:
    assert check("D:\\counselroom\\vault", windows()).kind == OK
    v = check("C:\\Users\\x\\AppData\\Local\\counselroom\\vault", windows())
    assert v.kind == WARN
    text = v.message()
    assert "C:" in text and "restore card" in text and "freeze" in text
    assert "exclude this folder" in text and "D:" in text  # what to ask the school's IT
    assert check("C:\\Users\\x\\Desktop\\vault", windows()).warned
    # a system installed on another drive moves the warning with it
    assert check("D:\\vault", windows(SystemDrive="D:")).warned
    assert check("C:\\vault", windows(SystemDrive="D:")).kind == OK


def test_windows_unc_paths_and_mapped_network_drives_are_refused() -> None:
    facts = windows({"Z": DRIVE_REMOTE})
    v = check("\\\\fileserver\\counseling\\vault", facts)
    assert v.refused and "\\\\fileserver\\counseling" in v.message() and "network share" in v.message()
    assert check("//fileserver/counseling/vault", facts).refused
    assert check("\\\\?\\UNC\\fileserver\\counseling\\vault", facts).refused
    assert check("\\\\?\\D:\\counselroom\\vault", facts).kind == OK  # a long local path, not a share
    v = check("Z:\\心理咨询室\\vault", facts)
    assert v.refused and "Drive Z:" in v.message() and "network drive" in v.message()
    assert check("z:\\vault", facts).refused


def test_windows_ram_disk_is_warned_about() -> None:
    v = check("R:\\vault", windows({"R": DRIVE_RAMDISK}))
    assert v.warned and "erased when the computer restarts" in v.message()


def test_windows_synced_folder_reached_through_a_junction_is_refused() -> None:
    facts = PlatformFacts(WINDOWS, {"SystemDrive": "C:"}, drive_type=lambda _root: DRIVE_FIXED,
                          realpath=lambda p: p.replace("D:\\records", "D:\\Nutstore Files\\records"))
    v = check("D:\\records\\vault", facts)
    assert v.refused and "Nutstore" in v.message()


# ------------------------------------------------------------------------------------------------ macOS

MAC_MOUNT_OUTPUT = """\
/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)
/dev/disk3s5 on /System/Volumes/Data (apfs, local, journaled, nobrowse, protect)
map auto_home on /System/Volumes/Data/home (autofs, automounted, nobrowse)
//GUEST:@nas._smb._tcp.local/counseling on /Volumes/counseling (smbfs, nodev, nosuid, mounted by x)
afp_0TQsvO0Vb8Tl-2 on /Volumes/Old Share (afpfs, nodev, nosuid, mounted by x)
/dev/disk4s1 on /Volumes/U盘 (msdos, local, nodev, nosuid, noowners, noatime)
"""


def mac(**environ: str) -> PlatformFacts:
    return PlatformFacts(MACOS, {"HOME": "/Users/x", **environ}, parse_mac_mount(MAC_MOUNT_OUTPUT))


def test_macos_mount_output_is_read_with_spaces_and_types() -> None:
    mounts = parse_mac_mount(MAC_MOUNT_OUTPUT)
    assert Mount("/Volumes/Old Share", "afpfs", "afp_0TQsvO0Vb8Tl-2") in mounts
    assert Mount("/Volumes/counseling", "smbfs", "//GUEST:@nas._smb._tcp.local/counseling") in mounts


def test_macos_icloud_and_cloudstorage_folders_are_refused() -> None:
    v = check("/Users/x/Library/Mobile Documents/com~apple~CloudDocs/counselroom", mac())
    assert v.refused and "iCloud Drive" in v.message()
    v = check("/Users/x/Library/CloudStorage/GoogleDrive-x@example.com/My Drive/vault", mac())
    assert v.refused and "Google Drive" in v.message()
    assert check("/Users/x/Library/CloudStorage/Dropbox/vault", mac()).refused


def test_macos_network_volumes_are_refused_and_local_ones_are_ok() -> None:
    v = check("/Volumes/counseling/vault", mac())
    assert v.refused and "nas._smb._tcp.local" in v.message()
    assert check("/Volumes/Old Share/vault", mac()).refused
    assert check("/Volumes/U盘/vault", mac()).kind == OK
    assert check("/Users/x/Library/Application Support/counselroom/vault", mac()).kind == OK


# ------------------------------------------------------------------------------------------------ Linux

PROC_MOUNTS = """\
/dev/sda2 / ext4 rw,relatime 0 0
tmpfs /tmp tmpfs rw,nosuid,nodev 0 0
/dev/sda3 /home ext4 rw,relatime 0 0
//fileserver/counseling /mnt/counseling cifs rw,relatime,vers=3.1.1 0 0
x@backup.example:/srv /home/x/remote\\040files fuse.sshfs rw,nosuid,nodev 0 0
gvfsd-fuse /run/user/1000/gvfs fuse.gvfsd-fuse rw,nosuid,nodev 0 0
fileserver:/export/home /home/y nfs4 rw,relatime 0 0
portal /run/user/1000/doc fuse.portal rw,nosuid,nodev 0 0
/dev/sdb1 /media/x/U盘 vfat rw,nosuid,nodev 0 0
"""


def linux(markers: set[str] | None = None) -> PlatformFacts:
    found = markers or set()
    return PlatformFacts(LINUX, {"HOME": "/home/x"}, parse_proc_mounts(PROC_MOUNTS), exists=found.__contains__)


def test_linux_mount_table_is_read_with_escaped_spaces() -> None:
    mounts = parse_proc_mounts(PROC_MOUNTS)
    assert Mount("/home/x/remote files", "fuse.sshfs", "x@backup.example:/srv") in mounts


def test_linux_network_file_systems_are_refused() -> None:
    v = check("/mnt/counseling/vault", linux())
    assert v.refused and "//fileserver/counseling" in v.message()
    assert check("/mnt/counseling", linux()).refused  # the mount point itself
    assert check("/home/x/remote files/vault", linux()).refused  # fuse.sshfs
    assert check("/home/y/vault", linux()).refused  # a home folder on NFS (school computer labs)
    assert check("/run/user/1000/gvfs/smb-share:server=nas,share=room/vault", linux()).refused
    assert check("/mnt/counselingroom/vault", linux()).kind == OK  # a name that merely starts alike


def test_linux_unknown_fuse_with_a_remote_source_is_refused_and_a_local_one_is_not() -> None:
    facts = PlatformFacts(LINUX, mounts=[Mount("/", "ext4", "/dev/sda1"),
                                         Mount("/srv/cloud", "fuse", "https://dav.example.cn/remote.php"),
                                         Mount("/srv/merged", "fuse.mergerfs", "disk1:disk2")])
    assert check("/srv/cloud/vault", facts).refused
    assert check("/srv/merged/vault", facts).kind == OK


def test_linux_sync_folders_are_refused_by_name_and_by_marker() -> None:
    for folder, service in (("/home/x/Nutstore Files/我的坚果云/vault", "Nutstore"),
                            ("/home/x/Dropbox/counselroom", "Dropbox"),
                            ("/home/x/dropbox (个人)/vault", "Dropbox"),
                            ("/home/x/BaiduNetdiskWorkspace/vault", "Baidu Netdisk"),
                            ("/home/x/百度网盘同步空间/vault", "Baidu Netdisk"),
                            ("/home/x/微云同步盘/vault", "Weiyun"),
                            ("/home/x/阿里云盘/vault", "Aliyun Drive"),
                            ("/home/x/Seafile/My Library/vault", "Seafile"),
                            ("/home/x/Nextcloud/vault", "Nextcloud")):
        v = check(folder, linux())
        assert v.refused and service in v.message(), folder
    # Syncthing's folders have any name; the marker it keeps in their root gives them away
    v = check("/home/x/工作/心理/vault", linux({"/home/x/工作/.stfolder"}))
    assert v.refused and "Syncthing" in v.message()


def test_linux_plain_local_folder_is_ok_and_tmpfs_is_warned_about(tmp_path: Path) -> None:
    v = check("/home/x/.local/share/counselroom/vault", linux())
    assert v.kind == OK and v.message() == ""
    assert check("/home/x/心理咨询记录/vault", linux()).kind == OK
    assert check("/media/x/U盘/vault", linux()).kind == OK
    assert check("/tmp/demo/vault", linux()).warned
    # the real facts of this machine: a test folder is an ordinary local folder
    assert not check(tmp_path / "vault").refused


def test_a_synced_name_anywhere_but_the_root_counts_and_is_case_insensitive() -> None:
    assert check("/home/x/ONEDRIVE/vault", linux()).refused
    assert check("/home/x/onedrive-personal/vault", linux()).refused
    assert check("/home/x/OneDriveBackup/vault", linux()).kind == OK  # another word that starts alike


# ------------------------------------------------------------------------------------------ messages

def test_messages_are_translated_with_the_service_name(tmp_path: Path) -> None:
    try:
        i18n.set_language("zh_CN")
        text = check("/home/x/Nutstore Files/vault", linux()).message()
        assert "坚果云" in text and "同步" in text
        text = check("C:\\vault", windows()).message()
        assert "还原卡" in text and "D:" in text and "信息" in text
        assert "网络" in check("Z:\\vault", windows({"Z": DRIVE_REMOTE})).message()
    finally:
        i18n.set_language("en")


def test_the_command_line_error_carries_the_verdict_and_the_usage_exit_status() -> None:
    verdict = check("/home/x/Dropbox/vault", linux())
    error = UnsuitableFolder(verdict)
    assert error.exit_code == EXIT_USAGE
    assert error.message() == verdict.message() and "Dropbox" in error.message()


def test_every_sync_app_and_message_has_a_chinese_translation() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
    import i18n as catalogue_tool  # tools/i18n.py

    catalogue = catalogue_tool.translations()
    for app in location.SYNC_APPS:
        assert catalogue.get(app.service), app.service  # a brand may keep its own name, but it is in the catalogue
    for msgid in (location.NETWORK_UNC, location.NETWORK_DRIVE, location.NETWORK_MOUNT, location.SYNCED,
                  location.SYSTEM_DRIVE, location.IN_MEMORY):
        assert tr_in("zh_CN", msgid) != msgid, msgid


@pytest.mark.parametrize("system", [WINDOWS, MACOS, LINUX])
def test_a_failing_platform_fact_does_not_stop_the_check(system: str) -> None:
    def broken(_arg: str) -> int:
        raise OSError("no answer")

    facts = PlatformFacts(system, {}, drive_type=broken, realpath=lambda _p: (_ for _ in ()).throw(OSError()),
                          exists=lambda _p: bool(broken(_p)))
    path = "D:\\vault" if system == WINDOWS else "/srv/vault"
    assert check(path, facts).kind == OK


def test_macos_cloudstorage_of_an_unknown_app_is_refused_too() -> None:
    v = check("/Users/x/Library/CloudStorage/SomeNewApp-x/vault", mac())
    assert v.refused and "a cloud storage app" in v.message()


def test_a_chosen_folder_that_is_new_or_empty_is_used_as_it_is_else_a_folder_inside(tmp_path: Path) -> None:
    assert location.folder_for_new_vault(tmp_path / "new") == (tmp_path / "new", "")
    (tmp_path / "empty").mkdir()
    assert location.folder_for_new_vault(tmp_path / "empty") == (tmp_path / "empty", "")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "letter.txt").write_text("x")
    assert location.folder_for_new_vault(tmp_path / "docs") == (tmp_path / "docs" / "counselroom", "")
    (tmp_path / "docs" / "counselroom").mkdir()
    (tmp_path / "docs" / "counselroom" / "old.txt").write_text("x")
    assert location.folder_for_new_vault(tmp_path / "docs") == (tmp_path / "docs" / "counselroom",
                                                                location.NOT_EMPTY)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "vault.db").write_bytes(b"x")
    assert location.folder_for_new_vault(tmp_path / "old") == (tmp_path / "old", location.HOLDS_A_VAULT)
