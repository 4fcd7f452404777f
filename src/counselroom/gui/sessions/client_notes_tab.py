"""A client's session notes: the list (date, form, status, fingerprint), a new note from a template and
optionally for an attended appointment, and the note editor in place of the list until Back."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...i18n import tr
from ...records.appointments import KIND_LABELS, Appointment
from ...records.clients import ValidationError
from ...records.consent import ConsentRequired
from ...records.notes import Note
from ...records.services import Services
from ...records.templates import templates
from ...vault.errors import VaultError
from ..clients.client_form import plain_label
from ..common.qt_models import ID_ROLE
from ..common.widgets import RecordTable, StoreWatcher, message_label, set_message
from .note_editor import NoteEditor
from .note_models import NotesTableModel


def appointment_text(a: Appointment) -> str:
    return tr("{date} {time} · {kind}", date=a.planned_start.date().isoformat(),
              time=a.planned_start.strftime("%H:%M"), kind=tr(KIND_LABELS.get(a.kind, a.kind)))


def appointments_without_note(services: Services, client_id: int, notes: list[Note] | None = None) \
        -> list[Appointment]:
    """The client's attended sessions that have no note yet, latest first."""
    notes = services.notes.for_client(client_id) if notes is None else notes
    linked = {n.appointment_id for n in notes if n.appointment_id is not None}
    held = [a for a in services.appointments.for_client(client_id) if a.held and a.id not in linked]
    return sorted(held, key=lambda a: a.planned_start, reverse=True)


class NewNoteDialog(QDialog):
    """Choose the form and, optionally, the attended session the note is for; creates the draft.
    After accept(), `created` is the new note."""

    def __init__(self, services: Services, client_id: int, appointment_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.created: Note | None = None
        self.setWindowTitle(tr("New session note"))
        self.setModal(True)

        self.template_combo = QComboBox()
        self.template_combo.setAccessibleName(tr("Note form"))
        for tpl in templates().values():
            self.template_combo.addItem(tpl.title(), tpl.id)
        self.appointment_combo = QComboBox()
        self.appointment_combo.setAccessibleName(tr("Appointment this note is for"))
        self.appointment_combo.addItem(tr("Not linked to an appointment"), None)
        self._appointments = {a.id: a for a in appointments_without_note(services, client_id)}
        for a in self._appointments.values():
            self.appointment_combo.addItem(appointment_text(a), a.id)
        if appointment_id is not None:
            index = self.appointment_combo.findData(appointment_id)
            if index < 0:  # not attended or already noted: show it anyway so the records layer can say why
                try:
                    a = services.appointments.get(appointment_id)
                    self._appointments[appointment_id] = a
                    self.appointment_combo.addItem(appointment_text(a), appointment_id)
                    index = self.appointment_combo.count() - 1
                except KeyError:
                    index = 0
            self.appointment_combo.setCurrentIndex(index)
        elif len(self._appointments) >= 1:
            self.appointment_combo.setCurrentIndex(1)  # the latest attended session without a note
        self.date_edit = QDateEdit()
        self.date_edit.setAccessibleName(tr("Session date"))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setMaximumDate(QDate.currentDate())
        self.date_edit.setDate(QDate.currentDate())
        self.appointment_combo.currentIndexChanged.connect(self._appointment_changed)
        self._appointment_changed()

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for text, widget in ((tr("&Form:"), self.template_combo), (tr("&Appointment:"), self.appointment_combo),
                             (tr("Session &date:"), self.date_edit)):
            label = plain_label(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.error = message_label()
        buttons = QDialogButtonBox()
        self.create_button = buttons.addButton(tr("Create note"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setDefault(True)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(tr("Cancel"))
        buttons.accepted.connect(self._create)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        self.template_combo.setFocus()

    def _appointment_changed(self) -> None:
        a = self._appointments.get(self.appointment_combo.currentData())
        if a is not None:
            d = a.planned_start.date()
            self.date_edit.setDate(QDate(d.year, d.month, d.day))
        self.date_edit.setEnabled(a is None)

    def _create(self) -> None:
        qd = self.date_edit.date()
        try:
            self.created = self.services.notes.create_draft(
                self.client_id, self.template_combo.currentData(), date(qd.year(), qd.month(), qd.day()),
                self.appointment_combo.currentData())
        except ValidationError as e:
            set_message(self.error, "\n".join(tr(m) for m in e.errors.values()))
            return
        except VaultError as e:  # e.g. consent not complete
            set_message(self.error, e.message())
            return
        self.accept()


class ClientNotesTab(QWidget):
    """The Session notes tab of a client's page.

    Signals: `note_opened(note_id)`. Public: `open_note(note_id)`, `new_note(appointment_id=None)`,
    `new_note_for_appointment(appointment_id)`, `show_list()`, `refresh()`, `flush()`, `shutdown()`;
    `editor` is the open NoteEditor or None."""

    note_opened = Signal(int)
    consent_needed = Signal(str)

    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.editor: NoteEditor | None = None
        self.dialog: NewNoteDialog | None = None

        self.new_button = QPushButton(tr("&New note…"))
        self.new_button.setAccessibleName(tr("New session note"))
        self.new_button.clicked.connect(lambda: self.new_note())
        self.open_button = QPushButton(tr("&Open"))
        self.open_button.setAccessibleName(tr("Open the selected note"))
        self.open_button.clicked.connect(self._open_current)
        self.pending_label = plain_label()
        self.pending_label.setWordWrap(True)
        self.pending_label.setStyleSheet("color: #8a5a00;")
        self.pending_label.setAccessibleName(tr("Sessions without a note"))

        self.model = NotesTableModel(self)
        self.table = RecordTable(tr("Session notes"))
        self.table.setModel(self.model)
        self.table.open_requested.connect(self._open_index)
        self.empty_label = plain_label()
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = message_label()

        bar = QHBoxLayout()
        bar.addWidget(self.new_button)
        bar.addWidget(self.open_button)
        bar.addWidget(self.pending_label, 1)
        self.list_widget = QWidget()
        list_layout = QVBoxLayout(self.list_widget)
        list_layout.addLayout(bar)
        list_layout.addWidget(self.message)
        list_layout.addWidget(self.table, 1)
        list_layout.addWidget(self.empty_label)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.list_widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.setFocusProxy(self.table)

        # The list is refreshed when it is shown: not while a note is open in its place.
        self._watcher = StoreWatcher(self, services.store, self.refresh,
                                     wants=lambda entity, _id: entity in ("note", "addendum", "appointment"),
                                     visible=self.list_widget.isVisible)
        self.refresh()

    # -- the list ---------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._watcher.mark_fresh()
        selected = self.selected_note_id()
        notes = self.services.notes.for_client(self.client_id)
        counts = {n.id or 0: len(self.services.notes.addenda(n.id or 0)) for n in notes if n.is_signed}
        self.model.set_notes(notes, counts)
        pending = appointments_without_note(self.services, self.client_id, notes)
        if pending:
            self.pending_label.setText(
                tr("1 attended session has no note yet.") if len(pending) == 1
                else tr("{count} attended sessions have no note yet.", count=len(pending)))
        self.pending_label.setVisible(bool(pending))
        self.open_button.setEnabled(bool(notes))
        self.empty_label.setVisible(not notes)
        self.empty_label.setText(tr("No session notes yet. Write the first with “New note”."))
        row = self.model.row_of(selected) if selected is not None else -1
        self.table.selectRow(row if row >= 0 else 0)

    def selected_note_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        value = index.siblingAtColumn(0).data(ID_ROLE)
        return int(value) if value is not None else None

    # -- opening and creating ---------------------------------------------------------------------------------

    def _open_index(self, index: QModelIndex) -> None:
        value = index.siblingAtColumn(0).data(ID_ROLE)
        if value is not None:
            self.open_note(int(value))

    def _open_current(self) -> None:
        note_id = self.selected_note_id()
        if note_id is not None:
            self.open_note(note_id)

    def open_note(self, note_id: int) -> bool:
        """Show the note in the editor. False when it is not one of this client's notes."""
        try:
            note = self.services.notes.get(note_id)
        except KeyError:
            return False
        if note.client_id != self.client_id:
            return False
        self.close_editor()
        set_message(self.message, "")
        editor = NoteEditor(self.services, note_id)
        editor.closed.connect(self.show_list)
        self.editor = editor
        self.stack.addWidget(editor)
        self.stack.setCurrentWidget(editor)
        self.setFocusProxy(editor)
        first = next(iter(editor.edits.values()), None)
        target = first if first is not None and not note.is_signed else editor.back_button
        target.setFocus()
        # after the New note dialog, Qt gives focus back to the button that opened it: take it again
        QTimer.singleShot(0, lambda: target.setFocus() if self.editor is editor else None)
        self.note_opened.emit(note_id)
        return True

    def new_note(self, appointment_id: int | None = None) -> int | None:
        """Ask for the form (and the appointment), create the draft and open it. Returns its id. When the
        client's consent is not complete, no form is offered: `consent_needed` tells the client page, which
        says why and shows the consent checklist."""
        if self.dialog is not None:
            return None
        gate = self.services.notes.before_new_note
        if gate is not None:
            try:
                gate(self.client_id)
            except ConsentRequired as e:
                self.consent_needed.emit(e.message())
                return None
            except VaultError:
                pass  # the New note dialog shows it where the counselor acts
        self.flush()
        dialog = NewNoteDialog(self.services, self.client_id, appointment_id, self)
        self.dialog = dialog
        try:
            dialog.exec()
        finally:
            self.dialog = None
            dialog.deleteLater()
        if dialog.created is None or dialog.created.id is None:
            return None
        self.refresh()
        self.open_note(dialog.created.id)
        return dialog.created.id

    def new_note_for_appointment(self, appointment_id: int) -> int | None:
        """Open the appointment's note if it has one; otherwise offer a new note linked to it."""
        existing = self.services.notes.for_appointment(appointment_id)
        if existing is not None and existing.id is not None:
            return existing.id if self.open_note(existing.id) else None
        return self.new_note(appointment_id)

    def close_editor(self) -> None:
        editor, self.editor = self.editor, None
        if editor is not None:
            editor.shutdown()
            self.stack.removeWidget(editor)
            editor.deleteLater()
        self.setFocusProxy(self.table)

    def show_list(self) -> None:
        was_open = self.editor.note_id if self.editor is not None else None
        self.close_editor()
        self.stack.setCurrentWidget(self.list_widget)
        self.refresh()
        if was_open is not None:
            row = self.model.row_of(was_open)
            if row >= 0:
                self.table.selectRow(row)
        self.table.setFocus()

    def flush(self) -> bool:
        """Save the open draft now (the window calls this before lock and close)."""
        return self.editor.flush() if self.editor is not None else True

    def shutdown(self) -> None:
        """Save, stop listening and drop every row (the window calls this before locking)."""
        if self.dialog is not None:
            self.dialog.reject()
        self.close_editor()
        self._watcher.stop()
        self.model.clear()

