"""Small shared pieces: the destructive-action confirmation, the passphrase field with its caps-lock
warning, the strength meter, error labels, running slow key derivation off the GUI thread, and keeping
pages in step with the store."""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QFont, QFontDatabase, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableView,
    QTextEdit,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ...i18n import N_, tr
from ...vault import passphrase_policy

if TYPE_CHECKING:
    from ...records.store import Store

log = logging.getLogger(__name__)


def confirm_destructive(parent: QWidget | None, title: str, text: str, action_label: str,
                        cancel_label: str | None = None) -> bool:
    """Ask before an action that removes or hides something. Cancel is the default button and Escape
    cancels, so a hurried Enter never destroys anything. Returns True only when the action was chosen."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(text)
    box.setTextFormat(Qt.TextFormat.PlainText)
    action = box.addButton(action_label, QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    cancel.setText(cancel_label or tr("Cancel"))
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    cancel.setFocus()
    box.exec()
    return box.clickedButton() is action


def show_error(parent: QWidget | None, title: str, text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()


class TypedTextGuard(QObject):
    """Keeps record text typed in a dialog from being thrown away by a hurried close.

    When the counselor closes the dialog with the window's close button, Escape or Cancel after typing in
    one of its text boxes, a question comes first ("Keep editing" is the default). Locking closes dialogs
    with reject() directly and is never held up by it."""

    def __init__(self, dialog: QDialog) -> None:
        super().__init__(dialog)
        self.dialog = dialog
        self.snapshot: list[str] | None = None
        dialog.installEventFilter(self)

    def _texts(self) -> list[str]:
        plain = [e.toPlainText() for e in self.dialog.findChildren(QPlainTextEdit) if not e.isReadOnly()]
        rich = [e.toPlainText() for e in self.dialog.findChildren(QTextEdit) if not e.isReadOnly()]
        return plain + rich

    def typed(self) -> bool:
        now = self._texts()
        before = self.snapshot if self.snapshot is not None else [""] * len(now)
        return any(t.strip() and t != (before[i] if i < len(before) else "") for i, t in enumerate(now))

    def may_close(self) -> bool:
        if not self.typed():
            return True
        return confirm_destructive(self.dialog, tr("Discard what you typed?"),
                                   tr("What you typed in this window has not been saved. Discard it?"),
                                   tr("&Discard"), tr("&Keep editing"))

    def cancel(self) -> None:
        if self.may_close():
            self.dialog.reject()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is getattr(self, "dialog", None):  # None while the wrapper is being torn down
            kind = event.type()
            if kind == QEvent.Type.Show and self.snapshot is None:
                self.snapshot = self._texts()
            elif kind == QEvent.Type.Close and self.dialog.isVisible() and not self.may_close():
                event.ignore()
                return True
            elif kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                    and event.key() == Qt.Key.Key_Escape and not event.modifiers():
                self.cancel()
                return True
        return False


def guard_typed_text(dialog: QDialog) -> TypedTextGuard:
    guard = dialog.findChild(TypedTextGuard)
    return guard if isinstance(guard, TypedTextGuard) else TypedTextGuard(dialog)


def save_cancel_buttons(dialog: QDialog, save: Callable[[], None]) \
        -> tuple[QDialogButtonBox, QPushButton, QPushButton]:
    """A dialog's Save (the default button, calling `save`) and Cancel buttons; Cancel, Escape and the close
    button ask before throwing away text typed in the dialog (see TypedTextGuard)."""
    kinds = QDialogButtonBox.StandardButton
    box = QDialogButtonBox(kinds.Save | kinds.Cancel)
    save_button = box.button(kinds.Save)
    save_button.setText(tr("Save"))
    save_button.setDefault(True)
    cancel_button = box.button(kinds.Cancel)
    cancel_button.setText(tr("Cancel"))
    box.accepted.connect(save)
    box.rejected.connect(guard_typed_text(dialog).cancel)
    return box, save_button, cancel_button


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that shows its text as it is (a client's name is never read as markup)."""
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def decided_by_row(name: str) -> tuple[QLineEdit, QHBoxLayout]:
    """The "Decided by:" row of a decision dialog, filled in with the counselor's name: a decision keeps who
    made it (no risk assessment needed, an other relationship decided)."""
    edit = QLineEdit(name)
    edit.setAccessibleName(tr("Counselor who decides"))
    row = QHBoxLayout()
    label = plain_label(tr("&Decided by:"))
    label.setBuddy(edit)
    row.addWidget(label)
    row.addWidget(edit, 1)
    return edit, row


def saved(message: QLabel, save: Callable[[], object]) -> bool:
    """Run `save`; when the records refuse it (each reason translated) or the vault cannot write, say so in
    `message` and return False."""
    from ...records.clients import ValidationError
    from ...vault.errors import VaultError

    try:
        save()
    except ValidationError as e:
        set_message(message, "\n".join(tr(m) for m in e.errors.values()))
        return False
    except VaultError as e:
        set_message(message, e.message())
        return False
    return True


def heading(text: str, size: float = 1.5) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * size)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def paragraph(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def message_label() -> QLabel:
    """A label for errors and notices beneath a form; empty (and hidden) until it has something to say."""
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setVisible(False)
    label.setProperty("role", "message")
    return label


def set_message(label: QLabel, text: str, kind: str = "error") -> None:
    """Show `text` in a message label (empty: hide it). An error goes away by itself at the counselor's
    next edit of the form around it (typing, ticking, choosing): a red message that stays after the problem
    is fixed misleads; the next attempt checks again and says what is still wrong."""
    colours = {"error": "#b00020", "notice": "#8a5a00", "ok": "#1b6e20"}
    label.setStyleSheet(f"color: {colours.get(kind, '#000')};")
    label.setText(text)
    label.setVisible(bool(text))
    label.setProperty("message_kind", kind if text else "")
    if text and kind == "error":
        _clear_at_next_edit(label)


def _clear_at_next_edit(label: QLabel) -> None:
    scope = label.parentWidget()
    if scope is not None:
        clear_when_edited(label, scope)


def clear_when_edited(label: QLabel, *inputs: QWidget) -> None:
    """Empty and hide `label` (an error) at the counselor's next edit of `inputs` or of any field inside
    them: typing, ticking, choosing. A page's own filling of its fields does not count."""
    mark = f"_clears_{id(label)}"

    def clear(*_args: object) -> None:
        if not shiboken_valid(label) or not label.text():
            return
        if label.property("message_kind") in (None, "", "error"):
            label.setText("")
            label.setVisible(False)
            label.setProperty("message_kind", "")

    def clear_if_focused(widget: QWidget) -> Callable[..., None]:
        return lambda *_args: clear() if widget.hasFocus() else None

    for top in inputs:
        for widget in [top, *top.findChildren(QWidget)]:
            if widget.property(mark):
                continue
            if isinstance(widget, QLineEdit):
                widget.textEdited.connect(clear)  # by the counselor only, inside spin, date and list boxes too
            elif isinstance(widget, QCheckBox | QRadioButton):
                widget.clicked.connect(clear)
            elif isinstance(widget, QComboBox):
                widget.activated.connect(clear)
            elif isinstance(widget, QPlainTextEdit | QTextEdit) and not widget.isReadOnly():
                widget.textChanged.connect(clear_if_focused(widget))
            elif isinstance(widget, QAbstractSpinBox):
                widget.editingFinished.connect(clear_if_focused(widget))
            else:
                continue
            widget.setProperty(mark, True)


def shiboken_valid(obj: QObject) -> bool:
    import shiboken6

    return bool(shiboken6.isValid(obj))


def monospace_font(point_scale: float = 1.0) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSizeF(max(font.pointSizeF(), 10.0) * point_scale)
    return font


def caps_lock_is_on() -> bool | None:
    """The caps-lock state where the platform tells it cheaply (Windows); None where it does not."""
    if sys.platform == "win32":
        try:
            import ctypes

            return bool(ctypes.WinDLL("user32").GetKeyState(0x14) & 1)  # type: ignore[attr-defined]
        except (OSError, AttributeError):
            return None
    return None


class PassphraseEdit(QLineEdit):
    """A passphrase field without echo that warns when caps lock seems to be on.

    Qt cannot read the caps-lock state, so besides asking the platform where that is cheap, the field
    infers it from what is typed: a capital letter without Shift, or a small one with Shift."""

    caps_lock_changed = Signal(bool)

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.setAccessibleName(accessible_name)
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, True)  # Chinese passphrases
        self.caps_lock = False

    def _set_caps(self, on: bool) -> None:
        if on != self.caps_lock:
            self.caps_lock = on
            self.caps_lock_changed.emit(on)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_CapsLock:
            state = caps_lock_is_on()
            self._set_caps(not self.caps_lock if state is None else state)
        text = event.text()
        if len(text) == 1 and text.isascii() and text.isalpha():
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self._set_caps(text.isupper() != shift)
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt's name
        state = caps_lock_is_on()
        if state is not None:
            self._set_caps(state)
        super().focusInEvent(event)


class CapsLockWarning(QLabel):
    def __init__(self, *fields: PassphraseEdit) -> None:
        super().__init__(tr("Caps Lock is on."))
        self.setStyleSheet("color: #8a5a00;")
        self.setVisible(False)
        self._fields = fields
        for f in fields:
            f.caps_lock_changed.connect(self._update)

    def _update(self, _on: bool) -> None:
        self.setVisible(any(f.caps_lock for f in self._fields))


STRENGTH_LABELS = (N_("Very weak"), N_("Weak"), N_("Acceptable"), N_("Strong"), N_("Very strong"))


class NewPassphraseBox(QWidget):
    """A new passphrase typed twice, with live strength feedback from the passphrase policy.

    `acceptable` says whether the passphrase passes the policy and both copies match."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = PassphraseEdit(tr("New passphrase"))
        self.first.setPlaceholderText(tr("New passphrase"))
        self.second = PassphraseEdit(tr("Repeat the new passphrase"))
        self.second.setPlaceholderText(tr("Repeat the new passphrase"))
        self.meter = QProgressBar()
        self.meter.setRange(0, 5)  # score 0..4 shown as 1..5 chunks, so "very weak" is visible too
        self.meter.setTextVisible(True)
        self.meter.setAccessibleName(tr("Passphrase strength"))
        self.meter.setMaximumHeight(self.fontMetrics().height() + 6)
        self.reasons = message_label()
        self.reasons.setAccessibleName(tr("Why the passphrase is not accepted"))
        self.caps = CapsLockWarning(self.first, self.second)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        first_label = QLabel(tr("&New passphrase"))
        first_label.setBuddy(self.first)
        second_label = QLabel(tr("&Repeat it"))
        second_label.setBuddy(self.second)
        for w in (first_label, self.first, second_label, self.second, self.caps, self.meter, self.reasons):
            layout.addWidget(w)
        self.first.textChanged.connect(self._update)
        self.second.textChanged.connect(self._update)
        self._update()

    def passphrase(self) -> str:
        return self.first.text()

    @property
    def acceptable(self) -> bool:
        text = self.first.text()
        return bool(text) and passphrase_policy.check(text).ok and text == self.second.text()

    def clear(self) -> None:
        self.first.clear()
        self.second.clear()

    def _update(self) -> None:
        text = self.first.text()
        if not text:
            self.meter.setValue(0)
            self.meter.setFormat(tr("Strength"))
            set_message(self.reasons, "")
            self.changed.emit()
            return
        result = passphrase_policy.check(text)
        self.meter.setValue(result.score + 1)
        self.meter.setFormat(tr("Strength: {label}", label=tr(STRENGTH_LABELS[result.score])))
        colour = "#ef9a9a" if not result.ok else "#a5d6a7" if result.score >= 3 else "#ffcc80"
        self.meter.setStyleSheet("QProgressBar { border: 1px solid #999; border-radius: 3px; text-align: center; "
                                 f"color: #111; }} QProgressBar::chunk {{ background: {colour}; }}")
        if not result.ok:
            set_message(self.reasons, "\n".join(result.reasons))
        elif self.second.text() and self.second.text() != text:
            set_message(self.reasons, tr("The two passphrases are not the same."))
        else:
            set_message(self.reasons, "")
        self.changed.emit()


class RecordTable(QTableView):
    """A read-only, single-row-selection table that opens the current row on Enter as on double-click."""

    open_requested = Signal(QModelIndex)

    def __init__(self, accessible_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setTabKeyNavigation(False)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.horizontalHeader()
        # Columns fit their content when rows arrive, up to MAX_COLUMN_WIDTH, and the counselor may widen
        # them; no column takes the table: a long text (a summary, a snippet, a name) is cut there with "…",
        # and its cell shows the whole text as a tooltip; the last column takes what is left. A page may
        # narrow a column further after its rows are set (setColumnWidth keeps working).
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.doubleClicked.connect(self.open_requested)

    MAX_COLUMN_WIDTH = 360

    def setModel(self, model: QAbstractItemModel | None) -> None:  # noqa: N802 - Qt's name
        old = self.model()
        if old is not None:
            for signal in (old.modelReset, old.layoutChanged, old.rowsInserted):
                with contextlib.suppress(RuntimeError, TypeError):
                    signal.disconnect(self.fit_columns)
        super().setModel(model)
        if model is not None:
            for signal in (model.modelReset, model.layoutChanged, model.rowsInserted):
                signal.connect(self.fit_columns)  # at once, before the page's own column widths
        self.fit_columns()

    def fit_columns(self, *_args: object) -> None:
        """Each column as wide as its header and content, at most MAX_COLUMN_WIDTH (the last one stretches)."""
        model = self.model()
        if model is None:
            return
        header = self.horizontalHeader()
        for column in range(header.count()):
            if not self.isColumnHidden(column):
                self.resizeColumnToContents(column)
                if self.columnWidth(column) > self.MAX_COLUMN_WIDTH:
                    self.setColumnWidth(column, self.MAX_COLUMN_WIDTH)

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """A cell whose text is cut shows all of it as a tooltip (unless the model gives its own)."""
        if event.type() == QEvent.Type.ToolTip:
            index = self.indexAt(event.pos())  # type: ignore[attr-defined]
            model = self.model()
            if index.isValid() and model is not None and not model.data(index, Qt.ItemDataRole.ToolTipRole):
                text = model.data(index, Qt.ItemDataRole.DisplayRole)
                if isinstance(text, str) and text and \
                        self.fontMetrics().horizontalAdvance(text) + 12 > self.visualRect(index).width():
                    QToolTip.showText(event.globalPos(), text, self.viewport())  # type: ignore[attr-defined]
                    return True
        return super().viewportEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)


class Task(QObject):
    """Run a slow call (key derivation takes about a second) on a worker thread; `done` or `failed`
    arrives on the GUI thread. Failures are logged by type only: messages may name files or values.

    The worker thread never touches a Qt object: the GUI thread polls the future on a timer, so every
    signal is emitted on the GUI thread and no cross-thread Qt machinery is involved."""

    done = Signal(object)
    failed = Signal(object)
    POLL_MS = 15

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self._future: Future[Any] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(self.POLL_MS)
        self._timer.timeout.connect(self._poll)

    @property
    def running(self) -> bool:
        return self._future is not None and not self._future.done()

    def start(self) -> None:
        future: Future[Any] = Future()
        self._future = future
        fn = self._fn

        def run() -> None:
            try:
                future.set_result(fn())
            except BaseException as e:  # noqa: BLE001 - handed to the GUI thread, which shows it
                future.set_exception(e)

        threading.Thread(target=run, name="counselroom-task", daemon=True).start()
        self._timer.start()

    def _poll(self) -> None:
        future = self._future
        if future is None or not future.done():
            return
        self._timer.stop()
        self._future = None
        error = future.exception()
        if error is not None:
            log.debug("background task failed: %s", type(error).__name__)
            self.failed.emit(error)
        else:
            self.done.emit(future.result())


def with_busy_cursor(start: bool) -> None:
    if start:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    else:
        QApplication.restoreOverrideCursor()


class StoreWatcher(QObject):
    """Keep a page in step with changes committed to the store, anywhere in the program.

    A change the page `wants` (entity, id) marks it stale; it is refreshed at once (after the current
    event, so a burst of changes costs one refresh) when `visible()` (by default: the owner is visible),
    and otherwise when the owner is next shown. With `refresh_on_show` the owner is refreshed every time
    it is shown, stale or not (for what goes out of date with time). The page's own refresh calls
    `mark_fresh()`; `stop()` (shutdown before locking) stops listening, as does destroying the owner."""

    def __init__(self, owner: QWidget, store: Store, refresh: Callable[[], None],
                 wants: Callable[[str, int | None], bool] = lambda *_: True,
                 visible: Callable[[], bool] | None = None, refresh_on_show: bool = False) -> None:
        super().__init__(owner)
        self.stale = False
        self._owner = owner
        self._refresh = refresh
        self._wants = wants
        self._visible = visible or owner.isVisible
        self._refresh_on_show = refresh_on_show
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh_if_visible)
        listener = self._on_store_changed
        store.subscribe(listener)
        owner.destroyed.connect(lambda *_: store.unsubscribe(listener))
        self._unsubscribe = lambda: store.unsubscribe(listener)
        owner.installEventFilter(self)

    def mark_fresh(self) -> None:
        self.stale = False

    def mark_stale(self) -> None:
        self.stale = True

    def refresh_if_visible(self) -> None:
        if self.stale and self._visible():
            self.stale = False
            self._refresh()

    def stop(self) -> None:
        self._unsubscribe()
        self._timer.stop()

    def _on_store_changed(self, entity: str, entity_id: int | None) -> None:
        if self._wants(entity, entity_id):
            self.stale = True
            self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self._owner and event.type() == QEvent.Type.Show:
            if self._refresh_on_show:
                self.stale = False
                self._refresh()
            else:
                self.refresh_if_visible()
        return False
