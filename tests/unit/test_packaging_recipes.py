"""The Windows and macOS recipes, checked here where neither system is available: the exe version
resource, the Info.plist values, the disk-image script (run with stand-ins for the macOS tools), the
Inno Setup script's promises (per user, no administrator, the vault never touched) and the CI workflow.
What only Windows and macOS can show (iscc compiling, the installer running, hdiutil) is left to the CI
workflow on those systems; see packaging/README.md."""

from __future__ import annotations

import importlib.util
import os
import plistlib
import re
import stat
import subprocess
import sys
import types
from pathlib import Path, PureWindowsPath

import platformdirs
import platformdirs.windows
import pytest

from counselroom import __version__

ROOT = Path(__file__).resolve().parents[2]
WINDOWS = ROOT / "packaging" / "windows"
MACOS = ROOT / "packaging" / "macos"


def _load(path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ Windows: the version resource

@pytest.fixture
def versioninfo(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """PyInstaller's versioninfo module, importable off Windows (it imports pefile and win32api, which it
    uses only to read and write executables)."""
    import PyInstaller.compat

    if importlib.util.find_spec("pefile") is None:
        monkeypatch.setitem(sys.modules, "pefile", types.ModuleType("pefile"))
    monkeypatch.setattr(PyInstaller.compat, "win32api", None, raising=False)
    monkeypatch.delitem(sys.modules, "PyInstaller.utils.win32.versioninfo", raising=False)
    from PyInstaller.utils.win32 import versioninfo

    return versioninfo


def test_the_version_numbers_windows_keeps() -> None:
    vi = _load(WINDOWS / "version_info.py")
    assert vi.version_tuple("0.1.0") == (0, 1, 0, 0)
    assert vi.version_tuple("2.10") == (2, 10, 0, 0)
    assert vi.version_tuple("1.2.3.4.5") == (1, 2, 3, 4)
    assert vi.version_tuple("1.2.0rc1") == (1, 2, 0, 0)
    assert vi.version_tuple("1.3.dev2") == (1, 3, 0, 0)
    assert not vi.is_prerelease("1.2.3") and vi.is_prerelease("1.2.0rc1")
    for bad in ("", "v1", "70000.1"):
        with pytest.raises(ValueError):
            vi.version_tuple(bad)


def test_the_version_resource_names_the_product_in_english_and_chinese(versioninfo: types.ModuleType,
                                                                       tmp_path: Path) -> None:
    vi = _load(WINDOWS / "version_info.py")
    info = vi.version_info(__version__)
    assert isinstance(info, versioninfo.VSVersionInfo)
    numbers = vi.version_tuple(__version__)
    assert info.ffi.fileVersionMS == numbers[0] << 16 | numbers[1]
    assert info.ffi.fileVersionLS == numbers[2] << 16 | numbers[3]
    assert info.ffi.productVersionMS == info.ffi.fileVersionMS and info.ffi.fileType == 1
    assert info.ffi.fileDateMS == info.ffi.fileDateLS == 0  # no build date: rebuilds are identical
    strings = {table.name: {s.name: s.val for s in table.kids} for table in info.kids[0].kids}
    assert set(strings) == {"040904B0", "080404B0"}  # US English and Simplified Chinese, Unicode
    for table in strings.values():
        assert table["ProductName"] == "counselroom" and table["ProductVersion"] == __version__
        assert table["FileVersion"] == __version__
    assert "心理咨询" in strings["080404B0"]["FileDescription"]
    assert info.kids[1].kids[0].kids == [0x0409, 1200, 0x0804, 1200]
    # PyInstaller also takes it as a version file: the text form reads back to the same structure
    text = tmp_path / "version.txt"
    text.write_text(str(info), encoding="utf-8")
    assert str(versioninfo.load_version_info_from_text_file(str(text))) == str(info)
    assert vi.version_info("1.0.0rc1").ffi.fileFlags == 0x2  # VS_FF_PRERELEASE


def test_the_spec_finds_version_info_where_it_looks() -> None:
    spec = (ROOT / "packaging" / "counselroom.spec").read_text(encoding="utf-8")
    assert '"packaging" / "windows" / "version_info.py"' in spec
    assert "from version_info import version_info" in spec
    assert '"packaging" / "macos"' in spec and "from info_plist import INFO_PLIST" in spec


# ------------------------------------------------------------------ Windows: the installer script

def _iss() -> dict[str, list[str]]:
    """The script's sections, each a list of its entries (comments and preprocessor lines left out)."""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for raw in (WINDOWS / "counselroom.iss").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith((";", "#")):
            continue
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            current = m.group(1)
            sections.setdefault(current, [])
            continue
        sections[current].append(line)
    return sections


def _setup() -> dict[str, str]:
    return dict(line.split("=", 1) for line in _iss()["Setup"])


def _entry(line: str) -> dict[str, str]:
    return {k.strip(): v.strip().strip('"') for k, v in re.findall(r'(\w+):\s*("[^"]*"|[^;]+)', line)}


def test_the_installer_is_per_user_without_administrator_into_local_programs() -> None:
    setup = _setup()
    assert setup["PrivilegesRequired"] == "lowest"
    assert "PrivilegesRequiredOverridesAllowed" not in setup  # no way to turn it into an all-users install
    assert setup["DefaultDirName"] == r"{autopf}\counselroom"  # per user: {userpf} = %LOCALAPPDATA%\Programs
    assert setup["MinVersion"] == "10.0.17763"  # Windows 10 1809, what Qt 6 needs
    assert setup["ArchitecturesAllowed"] == setup["ArchitecturesInstallIn64BitMode"] == "x64compatible"
    assert setup["OutputBaseFilename"] == "counselroom-{#AppVersion}-setup"
    assert setup["SetupIconFile"].endswith(r"\resources\icons\counselroom.ico")
    assert (ROOT / "resources" / "icons" / "counselroom.ico").is_file()


def test_the_installer_takes_the_pyinstaller_folder_and_makes_a_start_menu_entry() -> None:
    text = (WINDOWS / "counselroom.iss").read_text(encoding="utf-8")
    assert '#define Bundle Root + "\\dist\\counselroom"' in text
    files = [_entry(line) for line in _iss()["Files"]]
    assert files == [{"Source": "{#Bundle}\\*", "DestDir": "{app}",
                      "Flags": "ignoreversion recursesubdirs createallsubdirs"}]
    icons = [_entry(line) for line in _iss()["Icons"]]
    assert {"Name": "{group}\\counselroom", "Filename": "{app}\\{#MainExe}", "WorkingDir": "{app}"} in icons
    assert '#define MainExe "counselroom.exe"' in text


def test_uninstalling_touches_nothing_but_an_empty_program_folder() -> None:
    sections = _iss()
    assert "InstallDelete" not in sections and "UninstallRun" not in sections
    deletes = [_entry(line) for line in sections["UninstallDelete"]]
    assert deletes == [{"Type": "dirifempty", "Name": "{app}"}]
    body = "\n".join(line for lines in sections.values() for line in lines)
    assert "filesandordirs" not in body.lower() and "DelTree" not in body and "DeleteFile" not in body


def test_the_installer_knows_where_the_vault_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """The [Code] section's data folder is the one the program uses on Windows (platformdirs)."""
    from counselroom.vault.vault import default_vault_path

    code = "\n".join(_iss()["Code"])
    assert "ExpandConstant('{localappdata}\\counselroom')" in code
    monkeypatch.setattr(platformdirs.windows, "get_win_folder", lambda csidl: {
        "CSIDL_LOCAL_APPDATA": "C:/Users/lin/AppData/Local"}[csidl])
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.windows.Windows)
    localappdata = PureWindowsPath(r"C:\Users\lin\AppData\Local")
    assert PureWindowsPath(str(default_vault_path())) == localappdata / "counselroom" / "vault"
    program = localappdata / "Programs" / "counselroom"  # {autopf}\counselroom for a per-user install
    assert program not in PureWindowsPath(str(default_vault_path())).parents


def test_the_installer_speaks_english_and_simplified_chinese() -> None:
    sections = _iss()
    languages = {e["Name"]: e["MessagesFile"] for e in map(_entry, sections["Languages"])}
    assert languages == {"english": "compiler:Default.isl", "chinesesimplified": "{#ChineseIsl}"}
    custom: dict[str, set[str]] = {}
    for line in sections["CustomMessages"]:
        lang, name = line.split("=", 1)[0].split(".")
        custom.setdefault(name, set()).add(lang)
    assert custom and all(langs == {"english", "chinesesimplified"} for langs in custom.values())
    used = set(re.findall(r"CustomMessage\('(\w+)'\)", "\n".join(sections["Code"])))
    assert used == set(custom)
    text = (WINDOWS / "counselroom.iss").read_text(encoding="utf-8")
    assert r'AddBackslash(SourcePath) + "languages\ChineseSimplified.isl"' in text
    assert "unofficial" in text  # named for what it is


def test_the_chinese_messages_are_fetched_pinned_and_checked(tmp_path: Path) -> None:
    fetch = _load(WINDOWS / "fetch_chinese_isl.py")
    assert fetch.COMMIT in fetch.URL and re.fullmatch(r"[0-9a-f]{40}", fetch.COMMIT)
    assert fetch.URL.endswith("/Files/Languages/Unofficial/ChineseSimplified.isl")
    assert fetch.TARGET == WINDOWS / "languages" / "ChineseSimplified.isl"
    with pytest.raises(SystemExit, match="expected"):
        fetch.check(b"; not the file\n")
    ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", str(fetch.TARGET)], check=False)
    assert ignored.returncode == 0  # never committed by accident


# ------------------------------------------------------------------ macOS: Info.plist and the disk image

def test_the_info_plist_values_for_macos_13() -> None:
    plist = _load(MACOS / "info_plist.py").INFO_PLIST
    assert plist["CFBundleIdentifier"] == "org.counselroom.counselroom"
    assert (ROOT / "resources" / "desktop" / "org.counselroom.counselroom.desktop").is_file()  # the same id
    assert plist["LSMinimumSystemVersion"] == "13.0"
    assert plist["NSHighResolutionCapable"] is True
    assert plist["CFBundleDevelopmentRegion"] == "zh_CN"
    assert plist["CFBundleLocalizations"] == ["zh_CN", "en"]
    # merged as the spec does it, it is a valid property list
    data = plistlib.dumps({**plist, "CFBundleShortVersionString": __version__})
    assert plistlib.loads(data)["CFBundleLocalizations"] == ["zh_CN", "en"]


def _fake_tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/bash\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def mac_tools(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """ditto, plutil and hdiutil as stand-ins that do what the script needs from them and log their use."""
    bin_dir, log = tmp_path / "bin", tmp_path / "tools.log"
    bin_dir.mkdir()
    _fake_tool(bin_dir, "ditto", f'echo "ditto $*" >> {log}\ncp -a "$1" "$2"\n')
    _fake_tool(bin_dir, "plutil", f'{sys.executable} -c "import plistlib,sys; '
                                  f'print(plistlib.load(open(sys.argv[1], \'rb\'))[sys.argv[2]])" "$6" "$2"\n')
    _fake_tool(bin_dir, "hdiutil", f"""echo "hdiutil $*" >> {log}
if [ "$1" = create ]; then
  while [ $# -gt 1 ]; do case "$1" in -srcfolder) src="$2";; esac; shift; done
  (cd "$src" && find . -maxdepth 3 | sort && readlink Applications) >> {log}
  echo dmg > "$1"
fi
""")
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", TMPDIR=str(tmp_path))
    return env, log


def test_make_dmg_puts_the_app_and_an_applications_link_in_a_compressed_image(
        tmp_path: Path, mac_tools: tuple[dict[str, str], Path]) -> None:
    env, log = mac_tools
    app = tmp_path / "dist" / "counselroom.app"
    (app / "Contents" / "MacOS").mkdir(parents=True)
    (app / "Contents" / "MacOS" / "counselroom").write_bytes(b"\xcf\xfa\xed\xfe")
    (app / "Contents" / "Info.plist").write_bytes(plistlib.dumps({"CFBundleShortVersionString": "1.2.3"}))
    out = tmp_path / "dist" / "counselroom-1.2.3.dmg"
    done = subprocess.run(["bash", str(MACOS / "make_dmg.sh"), str(app), str(out)], env=env, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(str(out)) and out.read_text() == "dmg\n"
    used = log.read_text()
    create = next(line for line in used.splitlines() if line.startswith("hdiutil create"))
    assert "-format UDZO" in create and "-volname counselroom 1.2.3" in create and create.endswith(str(out))
    assert "./counselroom.app/Contents/Info.plist" in used and "./Applications" in used
    assert "\n/Applications\n" in used  # the link points at the system's Applications folder
    assert f"hdiutil verify {out}" in used
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("counselroom-dmg.")]  # staging removed


def test_make_dmg_without_an_app_says_what_to_do(tmp_path: Path, mac_tools: tuple[dict[str, str], Path]) -> None:
    env, log = mac_tools
    done = subprocess.run(["bash", str(MACOS / "make_dmg.sh"), str(tmp_path / "none.app")], env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "run pyinstaller" in done.stderr
    assert not log.exists()


# ------------------------------------------------------------------ the CI workflow

def test_the_workflow_builds_each_package_on_its_own_system() -> None:
    text = (ROOT / ".github" / "workflows" / "package.yml").read_text(encoding="utf-8")
    for runner in ("runs-on: ubuntu-22.04", "runs-on: windows-2022", "runs-on: macos-14"):
        assert runner in text
    assert text.count('python-version: "3.11"') == 3
    assert text.count("--require-hashes") >= 2 and "python dev.py package" in text
    assert text.count("-m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller "
                      "packaging/counselroom.spec") == 2
    assert r"iscc packaging\windows\counselroom.iss" in text and "fetch_chinese_isl.py" in text
    assert "packaging/macos/make_dmg.sh" in text
