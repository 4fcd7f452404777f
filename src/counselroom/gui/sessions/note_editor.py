"""One session note: a box per template section, private process notes kept visibly apart, drafts saved
as the counselor types, sign-and-lock with the content fingerprint, and addenda below a signed note.

A draft is saved 1.5 s after the last keystroke, when a box loses focus, on Ctrl+S, when the editor is
hidden, and whenever the window calls `flush()` (before lock and close). A signed note is read-only here
as it is in the records layer: its boxes refuse input and there is no save path left to call.
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QHideEvent,
    QInputMethodEvent,
    QKeySequence,
    QShortcut,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from ...i18n import tr
from ...records.clients import ValidationError
from ...records.notes import Addendum, Note
from ...records.services import Services
from ...records.templates import templates
from ...vault.errors import RecordReadOnly, VaultError
from ..clients.client_form import plain_label
from ..common.qt_models import local_time
from ..common.widgets import (
    confirm_destructive,
    guard_typed_text,
    heading,
    message_label,
    monospace_font,
    set_message,
    show_error,
)
from .note_models import template_title

log = logging.getLogger(__name__)

SAVE_DELAY_MS = 1500
SIGN_KEYS = "Ctrl+Return"
PRIVATE_FRAME_STYLE = ("QFrame#privateFrame { background: #f1ebf8; border: 1px dashed #7b5ea7; "
                       "border-radius: 6px; }")
PRIVATE_LABEL_STYLE = "color: #4a2f73; font-weight: bold;"
SIGNED_FRAME_STYLE = ("QFrame#signatureFrame { background: #e8f3ea; border: 1px solid #8bbf94; "
                      "border-radius: 6px; } QLabel { color: #16361b; }")
ADDENDUM_FRAME_STYLE = ("QFrame#addendumFrame { background: #fffaf0; border: 1px solid #d9c9a3; "
                        "border-left: 4px solid #b8860b; border-radius: 4px; }")
DRAFT_BADGE_STYLE = ("QLabel { background: #fff4ce; color: #3b2f00; border-radius: 4px; padding: 2px 8px; }")
SIGNED_BADGE_STYLE = ("QLabel { background: #1b6e20; color: white; border-radius: 4px; padding: 2px 8px; "
                      "font-weight: bold; }")
FOUND_BACKGROUND = "#ffe58a"  # the words a search opened the note at
READ_ONLY_BOX_STYLE = "QPlainTextEdit { background: #f4f4f4; color: #1a1a1a; }"


class SectionEdit(QPlainTextEdit):
    """A plain-text box that says when it loses focus (the editor saves then) and lets Tab move on."""

    focus_lost = Signal()

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, True)
        self.min_lines, self.max_lines = 4, 18
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().documentLayout().documentSizeChanged.connect(lambda _size: self._fit())
        self._fit()

    def set_lines(self, fewest: int, most: int) -> None:
        self.min_lines, self.max_lines = fewest, most
        self._fit()

    def _fit(self) -> None:
        """Grow with the text (between a few lines and a screenful), so a short answer takes little room
        and a long one is read without a scroll bar inside a scroll bar."""
        # QPlainTextEdit's document size is counted in lines
        lines = int(self.document().documentLayout().documentSize().height())
        shown = max(self.min_lines, min(self.max_lines, lines + 1))
        margins = self.contentsMargins().top() + self.contentsMargins().bottom()
        height = shown * self.fontMetrics().lineSpacing() + int(self.document().documentMargin() * 2) + margins + 4
        if height != self.height() or self.minimumHeight() != height:
            self.setFixedHeight(height)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt's name
        super().focusOutEvent(event)
        self.focus_lost.emit()

    # A read-only QPlainTextEdit still inserts what an input method commits (measured with PySide6 6.x),
    # so a signed note's boxes refuse input-method text and pasted or dropped data themselves.
    def inputMethodEvent(self, event: QInputMethodEvent) -> None:  # noqa: N802 - Qt's name
        if self.isReadOnly():
            event.ignore()
            return
        super().inputMethodEvent(event)

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802 - Qt's name
        if not self.isReadOnly():
            super().insertFromMimeData(source)

    def setReadOnly(self, read_only: bool) -> None:  # noqa: N802 - Qt's name
        super().setReadOnly(read_only)
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, not read_only)


def ask_to_sign(parent: QWidget | None, signer: str) -> bool:
    """Signing cannot be undone, so Cancel is the default and Escape cancels."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(tr("Sign and lock the note?"))
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(tr("Sign and lock this note as {name}?", name=signer))
    box.setInformativeText(tr("After signing, the note and its private process notes can no longer be changed. "
                              "Corrections are added as addenda, each with its own time, signature and "
                              "fingerprint."))
    sign = box.addButton(tr("Sign and lock"), QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    cancel.setText(tr("Cancel"))
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is sign


class AddendumDialog(QDialog):
    """Write an addendum to a signed note. `text()` holds it after accept()."""

    def __init__(self, signer: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Add an addendum"))
        self.setModal(True)
        intro = plain_label(tr("The signed note stays exactly as it is. The addendum is shown below it and is "
                               "signed as {name}, with the time and its own fingerprint.", name=signer))
        intro.setWordWrap(True)
        self.edit = SectionEdit(tr("Addendum text"))
        self.edit.set_lines(8, 16)
        label = plain_label(tr("&Addendum:"))
        label.setBuddy(self.edit)
        self.error = message_label()
        buttons = QDialogButtonBox()
        self.sign_button = buttons.addButton(tr("Sign addendum"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_button.setAccessibleName(tr("Sign the addendum"))
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(tr("Cancel"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(guard_typed_text(self).cancel)
        layout = QVBoxLayout(self)
        for w in (intro, label, self.edit, self.error, buttons):
            layout.addWidget(w)
        self.resize(self.fontMetrics().averageCharWidth() * 70, self.sizeHint().height())
        self.edit.setFocus()

    def text(self) -> str:
        return self.edit.toPlainText()

    def _accept(self) -> None:
        if not self.text().strip():
            set_message(self.error, tr("Write the addendum before signing it."))
            self.edit.setFocus()
            return
        self.accept()


def ask_for_addendum(parent: QWidget | None, signer: str) -> str | None:
    dialog = AddendumDialog(signer, parent)
    try:
        return dialog.text() if dialog.exec() else None
    finally:
        dialog.deleteLater()


class NoteEditor(QWidget):
    """Edit a draft, or read a signed note with its addenda.

    Signals: `closed` (Back, or the draft was deleted), `saved(note_id)` after each draft save,
    `signed(note_id)`, `deleted(note_id)`. Public: `flush()`, `save_now()`, `sign()`, `add_addendum()`,
    `delete_draft()`, `shutdown()`."""

    closed = Signal()
    saved = Signal(int)
    signed = Signal(int)
    deleted = Signal(int)

    def __init__(self, services: Services, note_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.note_id = note_id
        self.note: Note = services.notes.get(note_id)
        self._dirty = False
        self._loading = False
        self._gone = False
        self._saved_once = False

        self.back_button = QPushButton(tr("← &Back to notes"))
        self.back_button.setAccessibleName(tr("Back to the list of notes"))
        self.back_button.clicked.connect(self.close_editor)
        self.title = heading("", 1.25)
        self.badge = plain_label()
        self.badge.setAccessibleName(tr("Note status"))
        self.save_status = plain_label()
        self.save_status.setAccessibleName(tr("Draft saving status"))
        self.message = message_label()

        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addSpacing(self.fontMetrics().averageCharWidth() * 2)
        top.addWidget(self.title, 1)
        status_row = QHBoxLayout()
        status_row.addWidget(self.badge)
        status_row.addWidget(self.save_status, 1)

        # the sections, then the addenda below the original, then the private notes, scroll together
        body = QWidget()
        self.body_layout = QVBoxLayout(body)
        self.edits: dict[str, SectionEdit] = {}
        self.section_labels: dict[str, QLabel] = {}
        for key, title in self._sections():
            label = plain_label(title)
            font = label.font()
            font.setBold(True)
            label.setFont(font)
            edit = SectionEdit(title)
            label.setBuddy(edit)
            self.edits[key] = edit
            self.section_labels[key] = label
            self.body_layout.addWidget(label)
            self.body_layout.addWidget(edit)

        self.addenda_heading = heading(tr("Addenda"), 1.1)
        self.addenda_box = QWidget()
        self.addenda_layout = QVBoxLayout(self.addenda_box)
        self.addenda_layout.setContentsMargins(0, 0, 0, 0)
        self.addendum_labels: list[QLabel] = []
        self.body_layout.addWidget(self.addenda_heading)
        self.body_layout.addWidget(self.addenda_box)

        self.private_frame = QFrame()
        self.private_frame.setObjectName("privateFrame")
        self.private_frame.setStyleSheet(PRIVATE_FRAME_STYLE)
        private_layout = QVBoxLayout(self.private_frame)
        self.private_label = plain_label(tr("Private process notes — kept apart, never exported or printed "
                                            "unless you choose so in an export"))
        self.private_label.setWordWrap(True)
        self.private_label.setStyleSheet(PRIVATE_LABEL_STYLE)
        self.private_edit = SectionEdit(tr("Private process notes"))
        self.private_edit.setAccessibleDescription(tr("Kept apart from the record; never exported or printed "
                                                      "unless you choose so in an export."))
        self.private_label.setBuddy(self.private_edit)
        private_layout.addWidget(self.private_label)
        private_layout.addWidget(self.private_edit)
        self.body_layout.addSpacing(self.fontMetrics().lineSpacing())
        self.body_layout.addWidget(self.private_frame)

        self.signature_frame = QFrame()
        self.signature_frame.setObjectName("signatureFrame")
        self.signature_frame.setStyleSheet(SIGNED_FRAME_STYLE)
        sig_layout = QVBoxLayout(self.signature_frame)
        self.signed_label = plain_label()
        self.signed_label.setWordWrap(True)
        self.signed_label.setAccessibleName(tr("Signature"))
        self.fingerprint_label = plain_label()
        self.fingerprint_label.setFont(monospace_font(1.1))
        self.fingerprint_label.setAccessibleName(tr("Fingerprint"))
        self.fingerprint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                                       | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.verified_label = plain_label()
        self.verified_label.setWordWrap(True)
        self.verified_label.setAccessibleName(tr("Fingerprint check"))
        for w in (self.signed_label, self.fingerprint_label, self.verified_label):
            sig_layout.addWidget(w)
        self.body_layout.addStretch(1)

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(body)

        self.save_button = QPushButton(tr("&Save now"))
        self.save_button.setAccessibleName(tr("Save the draft now"))
        self.save_button.setToolTip(tr("Save the draft now (Ctrl+S). Drafts are also saved as you type."))
        self.save_button.clicked.connect(self.save_now)
        self.sign_button = QPushButton(tr("Sign and &lock…"))
        self.sign_button.setAccessibleName(tr("Sign and lock the note"))
        self.sign_button.setToolTip(tr("Sign and lock the note (Ctrl+Enter). It cannot be changed afterwards."))
        self.sign_button.clicked.connect(self.sign)
        self.delete_button = QPushButton(tr("Delete dra&ft…"))
        self.delete_button.setAccessibleName(tr("Delete this draft"))
        self.delete_button.clicked.connect(self.delete_draft)
        self.addendum_button = QPushButton(tr("&Add addendum…"))
        self.addendum_button.setAccessibleName(tr("Add an addendum to the signed note"))
        self.addendum_button.clicked.connect(self.add_addendum)
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.addendum_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.sign_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(status_row)
        layout.addWidget(self.signature_frame)
        layout.addWidget(self.message)
        layout.addWidget(self.scroll_area, 1)
        layout.addLayout(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.save_now)
        for edit in self._all_edits():
            edit.textChanged.connect(self._edited)
            edit.focus_lost.connect(self._focus_lost)

        for keys, slot in ((QKeySequence.StandardKey.Save, self.save_now), (QKeySequence(SIGN_KEYS), self.sign),
                           (QKeySequence("Ctrl+Enter"), self.sign)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        # A change made elsewhere (signed from another view, deleted, an addendum) reloads this editor.
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(0)
        self._check_timer.timeout.connect(self._check_external)
        store = services.store
        listener = self._on_store_changed
        store.subscribe(listener)
        self.destroyed.connect(lambda *_: store.unsubscribe(listener))
        self._unsubscribe = lambda: store.unsubscribe(listener)

        self._load()

    # -- building ---------------------------------------------------------------------------------------------

    def _sections(self) -> list[tuple[str, str]]:
        tpl = templates().get(self.note.template)
        sections = [(s.key, s.title()) for s in tpl.sections] if tpl else []
        known = {k for k, _ in sections}
        # keys of an older template version still hold text: show them under their key
        sections += [(k, k) for k in self.note.content if k not in known]
        return sections

    def _all_edits(self) -> list[SectionEdit]:
        return [*self.edits.values(), self.private_edit]

    def _load(self) -> None:
        note = self.note
        self._loading = True
        try:
            for key, edit in self.edits.items():
                edit.setPlainText(note.content.get(key, ""))
            self.private_edit.setPlainText(self.services.notes.private_text(self.note_id))
        finally:
            self._loading = False
        self._dirty = False
        self.title.setText(tr("{form} — session of {date}", form=template_title(note.template),
                              date=note.session_date.isoformat()))
        self._apply_mode()

    def _apply_mode(self) -> None:
        signed = self.note.is_signed
        self.badge.setText(tr("Signed and locked") if signed else tr("Draft"))
        self.badge.setStyleSheet(SIGNED_BADGE_STYLE if signed else DRAFT_BADGE_STYLE)
        for edit in self._all_edits():
            edit.setReadOnly(signed)
            if signed:
                edit.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                             | Qt.TextInteractionFlag.TextSelectableByKeyboard)
                edit.setStyleSheet(READ_ONLY_BOX_STYLE)
        for w in (self.save_button, self.sign_button, self.delete_button):
            w.setVisible(not signed)
        self.addendum_button.setVisible(signed)
        self.signature_frame.setVisible(signed)
        if signed:
            self._timer.stop()
            self.save_status.setText("")
            self._show_signature()
        else:
            when = local_time(self.note.updated_at) if self.note.updated_at else ""
            self._set_status(tr("Draft last saved at {time}", time=when) if when else "")
        self._show_addenda()

    def _show_signature(self) -> None:
        note = self.note
        self.signed_label.setText(tr("Signed and locked by {name} on {time}", name=note.signed_by or "—",
                                     time=local_time(note.signed_at or "")))
        self.fingerprint_label.setText(tr("Fingerprint: {fingerprint}", fingerprint=note.short_fingerprint))
        self.fingerprint_label.setToolTip(note.fingerprint or "")
        if self.services.notes.verify(self.note_id):
            self.verified_label.setText(tr("✓ Fingerprint verified: the note is unchanged since it was signed."))
            self.verified_label.setStyleSheet("color: #1b6e20;")
        else:
            self.verified_label.setText(tr("✗ The fingerprint does not match: this note was changed after it was "
                                           "signed. Restore the vault from a backup."))
            self.verified_label.setStyleSheet("color: #b00020; font-weight: bold;")

    def _show_addenda(self) -> None:
        while self.addenda_layout.count():
            item = self.addenda_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.addendum_labels = []
        addenda = self.services.notes.addenda(self.note_id) if self.note.is_signed else []
        self.addenda_heading.setVisible(bool(addenda))
        for number, addendum in enumerate(addenda, 1):
            self.addenda_layout.addWidget(self._addendum_frame(number, addendum))

    def _addendum_frame(self, number: int, addendum: Addendum) -> QFrame:
        frame = QFrame()
        frame.setObjectName("addendumFrame")
        frame.setStyleSheet(ADDENDUM_FRAME_STYLE)
        layout = QVBoxLayout(frame)
        head = plain_label(tr("Addendum {number} — signed by {name} on {time}", number=number,
                              name=addendum.signed_by, time=local_time(addendum.signed_at)))
        head.setWordWrap(True)
        font = head.font()
        font.setBold(True)
        head.setFont(font)
        text = plain_label(addendum.text)
        text.setWordWrap(True)
        text.setAccessibleName(tr("Addendum {number}", number=number))
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        fingerprint = plain_label(tr("Fingerprint: {fingerprint}", fingerprint=addendum.short_fingerprint))
        fingerprint.setFont(monospace_font())
        fingerprint.setToolTip(addendum.fingerprint)
        for w in (head, text, fingerprint):
            layout.addWidget(w)
        self.addendum_labels.append(text)
        return frame

    # -- a search's words ---------------------------------------------------------------------------------------

    def show_words(self, query: str) -> bool:
        """Mark every place the words of a search occur (sections, addenda, private notes) and scroll to the
        first, with the cursor there (issue 13: the note opened at its top). False when none is found as typed."""
        words = [w for w in query.split() if w]
        marked = QTextCharFormat()
        marked.setBackground(QColor(FOUND_BACKGROUND))
        first: tuple[QWidget, int] | None = None  # the widget and the place in it
        edits: list[QWidget] = [*self.edits.values(), *self.addendum_labels, self.private_edit]
        for widget in edits:
            if isinstance(widget, QLabel):
                low = widget.text().lower()
                places = [(low.find(w.lower()), w) for w in words if low.find(w.lower()) >= 0]
                if places:
                    at, word = min(places)
                    widget.setSelection(at, len(word))
                    first = first or (widget, 0)
                continue
            assert isinstance(widget, QPlainTextEdit)
            selections = []
            starts = []
            document = widget.document()
            for word in words:
                cursor = document.find(word)
                while not cursor.isNull():
                    selection = QTextEdit.ExtraSelection()
                    selection.cursor = cursor
                    selection.format = marked
                    selections.append(selection)
                    starts.append(cursor.selectionStart())
                    cursor = document.find(word, cursor)
            widget.setExtraSelections(selections)
            if starts and first is None:
                first = (widget, min(starts))
        if first is None:
            return False
        widget, at = first
        if isinstance(widget, QPlainTextEdit):
            cursor = widget.textCursor()
            cursor.setPosition(at, QTextCursor.MoveMode.MoveAnchor)
            widget.setTextCursor(cursor)
            widget.ensureCursorVisible()
        widget.setFocus()
        self._scroll_to(widget)
        QTimer.singleShot(0, lambda: self._scroll_to(widget))  # again once the layout has settled
        return True

    def _scroll_to(self, widget: QWidget) -> None:
        body = self.scroll_area.widget()
        if body is None or not widget.isVisibleTo(body):
            return
        y = widget.height() // 2
        if isinstance(widget, QPlainTextEdit):
            y = widget.cursorRect().center().y()
        point = widget.mapTo(body, widget.rect().topLeft())
        margin = self.scroll_area.viewport().height() // 3
        self.scroll_area.ensureVisible(point.x(), point.y() + y, 0, margin)

    def _set_status(self, text: str, kind: str = "plain") -> None:
        colours = {"plain": "#444", "ok": "#1b6e20", "busy": "#8a5a00", "error": "#b00020"}
        self.save_status.setStyleSheet(f"color: {colours[kind]};")
        self.save_status.setText(text)

    # -- saving -------------------------------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        return self._dirty

    def _edited(self) -> None:
        if self._loading or self.note.is_signed or self._gone:
            return
        self._dirty = True
        self._set_status(tr("Saving…"), "busy")
        self._timer.start()

    def _focus_lost(self) -> None:
        if self._dirty:
            self.save_now()

    def content(self) -> dict[str, str]:
        return {key: edit.toPlainText() for key, edit in self.edits.items()}

    def save_now(self) -> bool:
        """Save what is typed now if anything changed. True when nothing is left unsaved."""
        self._timer.stop()
        if not self._dirty or self.note.is_signed or self._gone:
            return not self._dirty
        try:
            self.services.notes.save_draft(self.note_id, self.content(), self.private_edit.toPlainText())
        except RecordReadOnly as e:
            # signed meanwhile: what was typed cannot go into the note; show the note as it was signed
            self._dirty = False
            self._reload()
            set_message(self.message, e.message())
            return False
        except KeyError:
            self._deleted_elsewhere()
            return False
        except VaultError as e:
            log.error("draft save failed: %s", type(e).__name__)
            self._set_status(e.message(), "error")
            return False
        except Exception as e:  # noqa: BLE001 - the vault may be closing; keep the text and say so
            log.error("draft save failed: %s", type(e).__name__)
            self._set_status(tr("The draft could not be saved. What you typed is still here; try Save now."),
                             "error")
            return False
        self._dirty = False
        self._saved_once = True
        self._set_status(tr("Draft saved at {time}", time=datetime.now().strftime("%H:%M:%S")), "ok")
        self.saved.emit(self.note_id)
        return True

    def flush(self) -> bool:
        """Save at once whatever is typed (the window calls this before lock and close)."""
        return self.save_now()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        if self._dirty:
            self.save_now()
        super().hideEvent(event)

    # -- signing, addenda, deleting -----------------------------------------------------------------------------

    def _signer(self) -> str | None:
        name = self.services.profile.get().name.strip()
        if not name:
            show_error(self, tr("Your name is missing"),
                       tr("Enter your name in the counselor profile (Settings) first: a note is signed with it."))
            return None
        return name

    def sign(self) -> None:
        if self.note.is_signed or self._gone:
            return
        if not self.save_now():
            return
        if not any(text.strip() for text in self.content().values()):
            set_message(self.message, tr("The note is empty. Write the record before signing it."))
            return
        name = self._signer()
        if name is None or not ask_to_sign(self, name):
            return
        try:
            self.services.notes.sign(self.note_id, name)
        except ValidationError as e:
            set_message(self.message, "\n".join(tr(m) for m in e.errors.values()))
            return
        except VaultError as e:
            set_message(self.message, e.message())
            return
        set_message(self.message, "")
        self._reload()
        self.addendum_button.setFocus()
        self.signed.emit(self.note_id)

    def add_addendum(self) -> None:
        if not self.note.is_signed or self._gone:
            return
        name = self._signer()
        if name is None:
            return
        text = ask_for_addendum(self, name)
        if text is None:
            return
        try:
            self.services.notes.add_addendum(self.note_id, text, name)
        except ValidationError as e:
            set_message(self.message, "\n".join(tr(m) for m in e.errors.values()))
            return
        except VaultError as e:
            set_message(self.message, e.message())
            return
        set_message(self.message, "")
        self._show_addenda()
        if self.addendum_labels:
            last = self.addendum_labels[-1]
            QTimer.singleShot(0, lambda: self.scroll_area.ensureWidgetVisible(last))

    def delete_draft(self) -> None:
        if self.note.is_signed or self._gone:
            return
        if not confirm_destructive(self, tr("Delete draft?"),
                                   tr("Delete this draft note? Everything in it, its private process notes too, "
                                      "is removed from the vault and cannot be restored."),
                                   tr("Delete draft")):
            return
        self._timer.stop()
        self._dirty = False
        try:
            self.services.notes.delete_draft(self.note_id)
        except VaultError as e:
            set_message(self.message, e.message())
            return
        self._gone = True
        self.deleted.emit(self.note_id)
        self.closed.emit()

    def close_editor(self) -> None:
        self.flush()
        self.closed.emit()

    # -- changes made elsewhere ---------------------------------------------------------------------------------

    def _on_store_changed(self, entity: str, entity_id: int | None) -> None:
        if (entity == "note" and entity_id == self.note_id) or entity == "addendum":
            self._check_timer.start()

    def _check_external(self) -> None:
        if self._gone:
            return
        try:
            note = self.services.notes.get(self.note_id)
        except KeyError:
            self._deleted_elsewhere()
            return
        if note.status != self.note.status:
            self._reload()
        elif note.is_signed:
            self._show_addenda()

    def _reload(self) -> None:
        try:
            self.note = self.services.notes.get(self.note_id)
        except KeyError:
            self._deleted_elsewhere()
            return
        self._load()

    def _deleted_elsewhere(self) -> None:
        self._gone = True
        self._timer.stop()
        for edit in self._all_edits():
            edit.setReadOnly(True)
        for w in (self.save_button, self.sign_button, self.delete_button, self.addendum_button):
            w.setVisible(False)
        set_message(self.message, tr("This note no longer exists."))

    def shutdown(self) -> None:
        """Save, stop listening and clear every box (the window calls this before locking)."""
        self.flush()
        self._unsubscribe()
        self._timer.stop()
        self._check_timer.stop()
        self._gone = True
        self._loading = True
        for edit in self._all_edits():
            edit.clear()
        for label in self.addendum_labels:
            label.clear()
