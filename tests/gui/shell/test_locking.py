"""Locking: by shortcut, after idle time (driven by a fake clock), and by the panic key; afterwards no
widget, dialog or item model holds any client data."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QAbstractProxyModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from counselroom.gui.shell.main_window import SECTIONS, MainWindow
from counselroom.records.demo import populate
from counselroom.records.services import Services

PASS = "Quiet river 2026 lantern"
ROLES = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole,
         Qt.ItemDataRole.StatusTipRole, Qt.ItemDataRole.WhatsThisRole, Qt.ItemDataRole.AccessibleTextRole,
         *[Qt.ItemDataRole.UserRole + i for i in range(6)]]


def unlock(qtbot, window: MainWindow, passphrase: str = PASS) -> None:  # type: ignore[no-untyped-def]
    screen = window.unlock_screen
    qtbot.keyClicks(screen.passphrase, passphrase)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=10000)


def _model_texts(model: QAbstractItemModel, out: list[str], seen: set[int]) -> None:
    if id(model) in seen:
        return
    seen.add(id(model))
    if isinstance(model, QAbstractProxyModel) and model.sourceModel() is not None:
        _model_texts(model.sourceModel(), out, seen)

    def count(what: str, parent: QModelIndex) -> int:
        # List and table models make the parent-taking overloads private in PySide.
        try:
            return int(getattr(model, what)(parent))
        except TypeError:
            return 1 if what == "columnCount" and not parent.isValid() else 0

    def walk(parent: QModelIndex, depth: int) -> None:
        for r in range(count("rowCount", parent)):
            for c in range(max(count("columnCount", parent), 1)):
                index = model.index(r, c, parent)
                for role in ROLES:
                    value = model.data(index, role)
                    if value is not None:
                        out.append(str(value))
                if c == 0 and depth < 4 and count("rowCount", index) > 0:
                    walk(index, depth + 1)
        for c in range(count("columnCount", parent)):
            out.append(str(model.headerData(c, Qt.Orientation.Horizontal)))

    walk(QModelIndex(), 0)


def visible_texts() -> list[str]:
    """Every piece of text any live widget or item model holds."""
    out: list[str] = []
    seen: set[int] = set()
    for w in QApplication.allWidgets():
        out += [w.windowTitle(), w.toolTip(), w.statusTip(), w.whatsThis(), w.accessibleName(),
                w.accessibleDescription()]
        if isinstance(w, (QLabel, QAbstractButton)):
            out.append(w.text())
        if isinstance(w, QLineEdit):
            out += [w.text(), w.placeholderText()]
        if isinstance(w, (QTextEdit, QPlainTextEdit)):
            out.append(w.toPlainText())
        if isinstance(w, QComboBox):
            out += [w.itemText(i) for i in range(w.count())]
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            _model_texts(w.model(), out, seen)
    for model in QApplication.instance().findChildren(QAbstractItemModel):
        _model_texts(model, out, seen)
    return out


def client_markers(services: Services) -> set[str]:
    markers = set()
    for c in services.clients.list(include_archived=True):
        markers.add(c.code)
        if c.name:
            markers.add(c.name)
        if c.phone:
            markers.add(c.phone)
    return markers


def leaks(markers: set[str]) -> set[str]:
    everything = "\n".join(visible_texts())
    return {m for m in markers if m in everything}


def test_widget_tree_holds_no_client_data_after_lock(qtbot, make_window, new_vault, flush) -> None:  # type: ignore[no-untyped-def]
    vault, _key = new_vault
    with vault.unlock(PASS) as session:
        services = Services.open(session)
        populate(services, size="small")
        markers = client_markers(services)
        first = services.clients.list()[0]
    window = make_window(vault.path)
    unlock(qtbot, window)
    clients = window.shell.pages["clients"]
    qtbot.waitUntil(lambda: bool(leaks({first.code})), timeout=10000)  # the scan sees the listed clients
    for key, _label, _shortcut in SECTIONS:  # every page is built (pages are built when first shown) ...
        window.go(key)
    clients.open_client(first.id)
    window.go("audit")  # ... and every page must let go of what it showed when the window locks
    # A dialog with record data open at the time of locking.
    from counselroom.gui.clients.client_form import ClientForm

    form = ClientForm(window.services, window.services.clients.get(first.id), window)
    form.open()
    qtbot.waitUntil(form.isVisible)
    assert leaks(markers), "the scan should see client data while unlocked"

    qtbot.keyClick(form, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # works from a dialog too
    assert not window.is_unlocked
    assert not form.isVisible()
    flush()
    assert leaks(markers) == set()
    assert window.shell is None
    window.ctx.vault.unlock(PASS).close()  # the session was really closed: the vault can be opened again
    assert window.windowTitle() == "counselroom"


def test_idle_lock_follows_the_fake_clock(qtbot, make_window, new_vault, idle_clock) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    assert window.ctx.config.auto_lock_minutes == 5  # on by default
    unlock(qtbot, window)
    idle_clock.advance(4 * 60)
    qtbot.keyClick(window.shell.nav, Qt.Key.Key_Down)  # activity resets the count
    idle_clock.advance(4 * 60 + 50)
    qtbot.wait(100)  # several timer ticks
    assert window.is_unlocked
    idle_clock.advance(15)
    qtbot.waitUntil(lambda: not window.is_unlocked, timeout=2000)
    assert window.screens.currentWidget() is window.unlock_screen
    # Locked, the idle watcher stays quiet.
    idle_clock.advance(3600)
    qtbot.wait(60)
    assert not window.is_unlocked


def test_idle_minutes_from_settings_apply_at_once(qtbot, make_window, new_vault, idle_clock) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    window.go("settings")
    window.shell.pages["settings"].auto_lock.setValue(1)
    assert window.ctx.config.auto_lock_minutes == 1
    idle_clock.advance(61)
    qtbot.waitUntil(lambda: not window.is_unlocked, timeout=2000)


def test_panic_key_hides_everything_and_locks(qtbot, make_window, new_vault, flush) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    box = QMessageBox(QMessageBox.Icon.Information, "x", "record data on show", parent=window)
    box.open()
    qtbot.waitUntil(box.isVisible)
    qtbot.keyClick(box, Qt.Key.Key_F12)
    assert not window.is_unlocked
    assert not box.isVisible()
    assert window.isMinimized() or window.windowState() & Qt.WindowState.WindowMinimized
    assert window.screens.currentWidget() is window.unlock_screen
    assert window.unlock_screen.passphrase.text() == ""
    window.showNormal()
    unlock(qtbot, window)
    qtbot.keyClick(window.shell.nav, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not window.is_unlocked


def test_lock_menu_item_and_go_menu_only_while_unlocked(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    assert not window.lock_action.isEnabled()
    assert not window.go_menu.menuAction().isVisible()
    unlock(qtbot, window)
    assert window.go_menu.menuAction().isVisible()
    keys = [key for key, _label, _shortcut in SECTIONS]
    window.go_menu.actions()[keys.index("audit")].trigger()
    assert window.shell.current == "audit"
    window.lock_action.trigger()
    assert not window.is_unlocked


def test_nothing_but_the_unlock_screen_is_visible_after_lock(qtbot, make_window, new_vault) -> None:  # type: ignore[no-untyped-def]
    window = make_window(new_vault[0].path)
    unlock(qtbot, window)
    window.lock()
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert shown == [window]
    assert isinstance(window.screens.currentWidget(), QWidget)
    assert window.screens.currentWidget() is window.unlock_screen
