"""The window's icons: one family (Adwaita's symbolic icons, resources/icons/ui/README.md), by meaning.

`icon("save")` gives the icon for a meaning; `standard_button_icons(box)` puts the family's icons on a
dialog's standard buttons (Save, Cancel, OK, Close...), so every dialog's buttons look alike whatever the
platform's own style would draw (or leave out)."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QDialogButtonBox

from ...shipped import resource

SECTION_ICONS = {"dashboard": "today", "clients": "clients", "appointments": "appointments",
                 "overdue": "notes-due", "search": "search", "groups": "groups", "instruments": "instruments",
                 "training": "training", "retention": "retention", "exports": "exports", "audit": "audit",
                 "backup": "backup", "consent_form": "consent-form", "settings": "settings",
                 "screening": "screening", "statistics": "statistics"}

_kinds = QDialogButtonBox.StandardButton
BUTTON_ICONS = {_kinds.Save: "save", _kinds.Ok: "ok", _kinds.Cancel: "cancel", _kinds.Close: "close",
                _kinds.Yes: "ok", _kinds.No: "cancel", _kinds.Discard: "delete", _kinds.Open: "open",
                _kinds.Help: "help", _kinds.Apply: "ok"}


@cache
def icon(name: str) -> QIcon:
    """The family's icon `name` (a file in resources/icons/ui/); an empty icon for an unknown name."""
    path = resource("icons", "ui", f"{name}.svg")
    return QIcon(str(path)) if path.is_file() else QIcon()


def standard_button_icons(box: QDialogButtonBox) -> None:
    for kind, name in BUTTON_ICONS.items():
        button = box.button(kind)
        if button is not None:
            button.setIcon(icon(name))
