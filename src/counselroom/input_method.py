"""Chinese input on Linux desktops that run fcitx (Deepin, UOS, Kylin). No Qt here: it runs before the
QApplication exists, because Qt reads the input-method variables once, when the application starts.

The PySide6 wheels carry only Qt's `ibus` and `compose` input-method plugins (`platforminputcontexts/`).
A session that asks for `QT_IM_MODULE=fcitx` (or `fcitx5`) names a plugin that is not there; Qt quietly
falls back to `compose`, and not one Chinese character can be typed. fcitx5 also serves programs that
speak ibus (its ibus frontend takes the ibus names on the session bus, `org.freedesktop.IBus` and the
portal `org.freedesktop.portal.IBus`, and writes ibus's address file), so asking Qt for `ibus` instead
gives Chinese input. Qt's ibus plugin gives up unless an `ibus-daemon` program is on PATH, which a desktop
with only fcitx5 lacks; `IBUS_USE_PORTAL=1` makes it talk to the portal name on the session bus instead.

fcitx 4 does not serve ibus: there nothing helps but an fcitx plugin built for this very Qt version.
A choice that works is never overridden: another `QT_IM_MODULE`, a plugin that is present (for instance
through QT_PLUGIN_PATH), a session without ibus's plugin, anything but Linux.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterable, MutableMapping
from pathlib import Path

log = logging.getLogger(__name__)

FCITX = frozenset({"fcitx", "fcitx5"})
# Keys a plugin answers to besides the one its file is named after (Qt's compose plugin also takes "xim").
_ALIASES = {"compose": {"compose", "xim"}}


def plugin_keys(file_name: str) -> set[str]:
    """The keys of a platforminputcontexts plugin, from its file name:
    libfcitx5platforminputcontextplugin.so -> {"fcitx5"}, libcomposeplatforminputcontextplugin.so ->
    {"compose", "xim"}, libqtvirtualkeyboardplugin.so -> {"qtvirtualkeyboard"}."""
    name = file_name.split(".", 1)[0]
    name = name.removeprefix("lib")
    for suffix in ("platforminputcontextplugin", "plugin"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    name = name.lower()
    return set(_ALIASES.get(name, {name})) if name else set()


def available_input_contexts(qt_plugins: str | Path, environ: MutableMapping[str, str] | None = None) -> set[str]:
    """The input-method keys Qt can load: from Qt's own plugin folder and every folder in QT_PLUGIN_PATH."""
    environ = os.environ if environ is None else environ
    folders = [Path(qt_plugins)] + [Path(p) for p in environ.get("QT_PLUGIN_PATH", "").split(os.pathsep) if p]
    keys: set[str] = set()
    for folder in folders:
        try:
            names = [p.name for p in (folder / "platforminputcontexts").iterdir() if p.is_file()]
        except OSError:
            continue
        for name in names:
            if name.endswith((".so", ".dylib", ".dll")) or ".so." in name:
                keys |= plugin_keys(name)
    return keys


def _wayland_platform(environ: MutableMapping[str, str]) -> bool:
    """Whether Qt will use its Wayland platform (with the compositor's own text input when no
    QT_IM_MODULE is set)."""
    qpa = environ.get("QT_QPA_PLATFORM", "").strip().lower()
    if qpa:
        return qpa.startswith("wayland")
    return bool(environ.get("WAYLAND_DISPLAY")) or environ.get("XDG_SESSION_TYPE", "").lower() == "wayland"


def _fcitx_session(environ: MutableMapping[str, str]) -> bool:
    xmodifiers = environ.get("XMODIFIERS", "").replace(" ", "").lower()
    return (xmodifiers.startswith("@im=fcitx")
            or environ.get("GTK_IM_MODULE", "").strip().lower() in FCITX)


def prefer_ibus_for_fcitx(environ: MutableMapping[str, str], available: Iterable[str], platform: str | None = None,
                          which: Callable[[str], str | None] = shutil.which) -> dict[str, str]:
    """Point Qt at its ibus plugin when the session asks for fcitx and Qt has no fcitx plugin; and whenever
    Qt is to use ibus but no ibus-daemon is installed, let the plugin reach the ibus portal (fcitx5's).

    Changes `environ` in place and returns the variables it set (empty when it left everything alone)."""
    platform = sys.platform if platform is None else platform
    keys = {k.lower() for k in available}
    if not platform.startswith("linux") or "ibus" not in keys or keys & FCITX:
        return {}
    changes: dict[str, str] = {}
    modules = [m.strip().lower() for m in environ.get("QT_IM_MODULES", "").split(";") if m.strip()]
    module = environ.get("QT_IM_MODULE", "").strip().lower()
    if modules:
        # Qt 6.8+ reads QT_IM_MODULES first and takes the first entry that loads: adding ibus at the end keeps
        # every earlier choice that works (such as "wayland") and stands in for the missing fcitx.
        if FCITX & set(modules) and "ibus" not in modules:
            changes["QT_IM_MODULES"] = environ["QT_IM_MODULES"].rstrip(";") + ";ibus"
    elif module:
        if module in FCITX:
            changes["QT_IM_MODULE"] = "ibus"
    elif _fcitx_session(environ) and not _wayland_platform(environ):
        changes["QT_IM_MODULE"] = "ibus"
    if modules:
        asks_ibus = "ibus" in [m.strip().lower() for m in changes.get("QT_IM_MODULES", environ["QT_IM_MODULES"])
                               .split(";")]
    else:
        asks_ibus = changes.get("QT_IM_MODULE", module) == "ibus"
    if asks_ibus and "IBUS_USE_PORTAL" not in environ and not which("ibus-daemon"):
        changes["IBUS_USE_PORTAL"] = "1"  # also for a QT_IM_MODULE=ibus given by hand on an fcitx5 desktop
    environ.update(changes)
    if changes:
        log.info("input method: Qt's ibus plugin (fcitx5 serves it; Qt has no fcitx plugin): %s", changes)
    return changes


def use_ibus_for_fcitx(qt_plugins: str | Path, environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Called by the application before its QApplication exists, with Qt's plugin folder."""
    environ = os.environ if environ is None else environ
    return prefer_ibus_for_fcitx(environ, available_input_contexts(qt_plugins, environ))
