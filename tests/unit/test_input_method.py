"""Chinese input on fcitx desktops: the environment Qt is started with, decided before QApplication exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from counselroom import input_method
from counselroom.input_method import available_input_contexts, plugin_keys, prefer_ibus_for_fcitx, use_ibus_for_fcitx

WHEEL = {"ibus", "compose", "xim", "qtvirtualkeyboard"}  # what PySide6's wheel carries


def no_ibus_daemon(_name: str) -> str | None:
    return None


def ibus_daemon_installed(name: str) -> str | None:
    return "/usr/bin/ibus-daemon" if name == "ibus-daemon" else None


def decide(env: dict[str, str], available: set[str] = WHEEL, platform: str = "linux",
           which=no_ibus_daemon) -> dict[str, str]:  # type: ignore[no-untyped-def]
    prefer_ibus_for_fcitx(env, available, platform=platform, which=which)
    return env


def test_the_plugin_keys_are_read_from_the_file_names_qt_uses() -> None:
    assert plugin_keys("libibusplatforminputcontextplugin.so") == {"ibus"}
    assert plugin_keys("libcomposeplatforminputcontextplugin.so") == {"compose", "xim"}
    assert plugin_keys("libqtvirtualkeyboardplugin.so") == {"qtvirtualkeyboard"}
    assert plugin_keys("libfcitx5platforminputcontextplugin.so") == {"fcitx5"}
    assert plugin_keys("libfcitxplatforminputcontextplugin.so") == {"fcitx"}


def test_the_pyside6_wheel_has_ibus_and_compose_but_no_fcitx() -> None:
    """The fact this module exists for; when a PySide6 release ships an fcitx plugin this test says so."""
    from PySide6.QtCore import QLibraryInfo

    keys = available_input_contexts(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath), environ={})
    assert {"ibus", "compose"} <= keys
    assert not keys & {"fcitx", "fcitx5"}


def _plugins(root: Path, *names: str) -> Path:
    folder = root / "platforminputcontexts"
    folder.mkdir(parents=True)
    for n in names:
        (folder / n).write_bytes(b"\x7fELF")
    return root


def test_plugins_are_found_in_qts_folder_and_in_qt_plugin_path(tmp_path: Path) -> None:
    qt = _plugins(tmp_path / "qt", "libibusplatforminputcontextplugin.so", "libcomposeplatforminputcontextplugin.so")
    extra = _plugins(tmp_path / "extra", "libfcitx5platforminputcontextplugin.so", "README.txt")
    assert available_input_contexts(qt, environ={}) == {"ibus", "compose", "xim"}
    env = {"QT_PLUGIN_PATH": f"{tmp_path / 'missing'}:{extra}"}
    assert available_input_contexts(qt, environ=env) == {"ibus", "compose", "xim", "fcitx5"}
    assert available_input_contexts(tmp_path / "nowhere", environ={}) == set()


def test_a_deepin_session_with_fcitx5_gets_ibus_through_the_portal() -> None:
    env = decide({"QT_IM_MODULE": "fcitx", "GTK_IM_MODULE": "fcitx", "XMODIFIERS": "@im=fcitx", "DISPLAY": ":0"})
    assert env["QT_IM_MODULE"] == "ibus"
    assert env["IBUS_USE_PORTAL"] == "1"  # no ibus-daemon on an fcitx-only desktop: Qt would give up without it
    assert env["GTK_IM_MODULE"] == "fcitx" and env["XMODIFIERS"] == "@im=fcitx"  # other programs keep theirs


def test_fcitx5_by_name_and_with_ibus_installed_needs_no_portal() -> None:
    env = decide({"QT_IM_MODULE": "fcitx5"}, which=ibus_daemon_installed)
    assert env == {"QT_IM_MODULE": "ibus"}


def test_a_portal_setting_already_made_is_kept() -> None:
    env = decide({"QT_IM_MODULE": "fcitx", "IBUS_USE_PORTAL": "0"})
    assert env == {"QT_IM_MODULE": "ibus", "IBUS_USE_PORTAL": "0"}


@pytest.mark.parametrize("module", ["compose", "xim", "none", "uim", "wayland"])
def test_any_other_choice_is_left_alone(module: str) -> None:
    env = {"QT_IM_MODULE": module, "XMODIFIERS": "@im=fcitx"}
    assert prefer_ibus_for_fcitx(env, WHEEL, platform="linux", which=no_ibus_daemon) == {}
    assert env == {"QT_IM_MODULE": module, "XMODIFIERS": "@im=fcitx"}


def test_ibus_chosen_by_hand_is_kept_and_reaches_the_portal_when_no_ibus_daemon_is_installed() -> None:
    """Qt's ibus plugin gives up without an ibus-daemon program unless told to use the portal."""
    assert decide({"QT_IM_MODULE": "ibus"}) == {"QT_IM_MODULE": "ibus", "IBUS_USE_PORTAL": "1"}
    env = {"QT_IM_MODULE": "ibus"}
    assert prefer_ibus_for_fcitx(env, WHEEL, platform="linux", which=ibus_daemon_installed) == {}
    assert env == {"QT_IM_MODULE": "ibus"}  # a real ibus desktop: nothing to do


def test_a_present_fcitx_plugin_is_never_overridden() -> None:
    env = {"QT_IM_MODULE": "fcitx"}
    assert prefer_ibus_for_fcitx(env, WHEEL | {"fcitx5"}, platform="linux", which=no_ibus_daemon) == {}
    assert env == {"QT_IM_MODULE": "fcitx"}


def test_without_qts_ibus_plugin_nothing_changes() -> None:
    env = {"QT_IM_MODULE": "fcitx"}
    assert prefer_ibus_for_fcitx(env, {"compose", "xim"}, platform="linux", which=no_ibus_daemon) == {}
    assert env == {"QT_IM_MODULE": "fcitx"}


@pytest.mark.parametrize("platform", ["win32", "darwin", "freebsd14"])
def test_only_linux_is_touched(platform: str) -> None:
    env = {"QT_IM_MODULE": "fcitx", "XMODIFIERS": "@im=fcitx"}
    assert prefer_ibus_for_fcitx(env, WHEEL, platform=platform, which=no_ibus_daemon) == {}
    assert env == {"QT_IM_MODULE": "fcitx", "XMODIFIERS": "@im=fcitx"}


@pytest.mark.parametrize("hint", [{"XMODIFIERS": "@im=fcitx"}, {"XMODIFIERS": "@im=fcitx5"},
                                  {"GTK_IM_MODULE": "fcitx"}, {"GTK_IM_MODULE": "fcitx5"}])
def test_an_fcitx_session_without_qt_im_module_gets_ibus_on_x11(hint: dict[str, str]) -> None:
    env = decide({"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11", **hint})
    assert env["QT_IM_MODULE"] == "ibus" and env["IBUS_USE_PORTAL"] == "1"


def test_without_any_input_method_hint_nothing_changes() -> None:
    env = {"DISPLAY": ":0", "XMODIFIERS": "@im=ibus", "GTK_IM_MODULE": "ibus"}
    assert prefer_ibus_for_fcitx(env, WHEEL, platform="linux", which=no_ibus_daemon) == {}
    assert "QT_IM_MODULE" not in env


def test_on_wayland_the_compositors_text_input_is_left_to_work() -> None:
    """No QT_IM_MODULE on Wayland: Qt uses the compositor's text-input protocol, which fcitx5 serves."""
    for env in ({"WAYLAND_DISPLAY": "wayland-0", "XMODIFIERS": "@im=fcitx"},
                {"XDG_SESSION_TYPE": "wayland", "GTK_IM_MODULE": "fcitx"},
                {"QT_QPA_PLATFORM": "wayland;xcb", "XMODIFIERS": "@im=fcitx"}):
        before = dict(env)
        assert prefer_ibus_for_fcitx(env, WHEEL, platform="linux", which=no_ibus_daemon) == {}
        assert env == before
    forced_x11 = decide({"WAYLAND_DISPLAY": "wayland-0", "QT_QPA_PLATFORM": "xcb", "XMODIFIERS": "@im=fcitx"})
    assert forced_x11["QT_IM_MODULE"] == "ibus"


def test_a_qt_im_modules_list_keeps_its_order_and_gains_ibus_as_the_last_fallback() -> None:
    env = decide({"QT_IM_MODULES": "wayland;fcitx", "QT_IM_MODULE": "fcitx"})
    assert env["QT_IM_MODULES"] == "wayland;fcitx;ibus"
    assert env["QT_IM_MODULE"] == "fcitx"  # Qt reads the list first; the single name is left as it was
    for modules in ("wayland;ibus", "fcitx;ibus", "wayland"):
        env = {"QT_IM_MODULES": modules}
        assert prefer_ibus_for_fcitx(env, WHEEL, platform="linux", which=ibus_daemon_installed) == {}
        assert env == {"QT_IM_MODULES": modules}
    assert decide({"QT_IM_MODULES": "wayland"}) == {"QT_IM_MODULES": "wayland"}
    assert decide({"QT_IM_MODULES": "wayland;ibus"}) == {"QT_IM_MODULES": "wayland;ibus", "IBUS_USE_PORTAL": "1"}
    assert decide({"QT_IM_MODULES": "wayland;fcitx5"}) == {"QT_IM_MODULES": "wayland;fcitx5;ibus",
                                                         "IBUS_USE_PORTAL": "1"}


def test_use_ibus_for_fcitx_reads_the_plugin_folder_and_changes_only_the_given_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(input_method.shutil, "which", no_ibus_daemon)
    monkeypatch.setattr(input_method.sys, "platform", "linux")
    qt = _plugins(tmp_path / "qt", "libibusplatforminputcontextplugin.so", "libcomposeplatforminputcontextplugin.so")
    monkeypatch.setenv("QT_IM_MODULE", "compose")
    env = {"QT_IM_MODULE": "fcitx"}
    assert use_ibus_for_fcitx(qt, env) == {"QT_IM_MODULE": "ibus", "IBUS_USE_PORTAL": "1"}
    assert env == {"QT_IM_MODULE": "ibus", "IBUS_USE_PORTAL": "1"}
    import os

    assert os.environ["QT_IM_MODULE"] == "compose"
    bare = _plugins(tmp_path / "bare", "libcomposeplatforminputcontextplugin.so")
    env = {"QT_IM_MODULE": "fcitx"}
    assert use_ibus_for_fcitx(bare, env) == {} and env == {"QT_IM_MODULE": "fcitx"}


def test_the_application_decides_before_it_creates_the_qapplication(monkeypatch: pytest.MonkeyPatch) -> None:
    import PySide6.QtWidgets
    from PySide6.QtCore import QLibraryInfo

    from counselroom import app

    calls: list[object] = []

    class Stop(Exception):
        pass

    real = PySide6.QtWidgets.QApplication

    class FakeQApplication:
        @staticmethod
        def instance() -> object:
            if "QApplication" in calls:  # pytest-qt's own checks after the test
                return real.instance()
            calls.append("QApplication")
            raise Stop

    monkeypatch.setattr(app, "use_ibus_for_fcitx", lambda plugins: calls.append(("im", plugins)))
    monkeypatch.setattr(PySide6.QtWidgets, "QApplication", FakeQApplication)
    with pytest.raises(Stop):
        app.main([])
    assert calls == [("im", QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)), "QApplication"]
