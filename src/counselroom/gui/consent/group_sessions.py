"""Group sessions on the Groups page (issue 12.5): the group's sessions, booking one for the whole roster (refused
until every member's confidentiality agreement is recorded), attendance per member, and the one group note kept
with the session, not in any member's file."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QDate, Qt, QTime
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from ...i18n import N_, language, tr
from ...records.appointments import HELD, LATE_AFTER
from ...records.clients import ValidationError
from ...records.group_sessions import AgreementMissing, GroupSession
from ...records.services import Services
from ...records.templates import template
from ...vault.errors import VaultError
from ..common.widgets import message_label, paragraph, save_cancel_buttons, set_message
from ..sessions.note_editor import SectionEdit

ATTENDANCE_CHOICES = (("attended", N_("Attended")), ("late", N_("Arrived late")), ("no_show", N_("No-show")),
                      ("cancelled_client", N_("Cancelled by client")), ("scheduled", N_("Not recorded yet")))
DEFAULT_MINUTES = 90


def launch(dialog: QDialog) -> int:
    """Run a modal dialog. Tests replace this to answer the dialog without a screen."""
    return dialog.exec()


def _errors(e: ValidationError) -> str:
    if isinstance(e, AgreementMissing):
        return tr("No group confidentiality agreement recorded for: {names}. Confidentiality standards are set "
                  "before the group: record the agreements first.", names=e.names())
    return "\n".join(tr(m) for m in e.errors.values())


class GroupAttendanceDialog(QDialog):
    """Attendance per member of one group session, and when the session itself started (a late start by the
    counselor is the counselor's, not the members')."""

    def __init__(self, services: Services, session: GroupSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.session = services, session
        self.setWindowTitle(tr("Attendance at the group session"))
        self.members = services.groups.appointments_of(session.id)
        layout = QVBoxLayout(self)
        layout.addWidget(paragraph(tr("{day}, planned {start}–{end}", day=session.planned_start.date().isoformat(),
                                      start=session.planned_start.strftime("%H:%M"),
                                      end=session.planned_end.strftime("%H:%M"))))
        self.started = QTimeEdit(QTime(session.planned_start.hour, session.planned_start.minute))
        self.started.setDisplayFormat("HH:mm")
        self.started.setAccessibleName(tr("When the session started"))
        self.ended = QTimeEdit(QTime(session.planned_end.hour, session.planned_end.minute))
        self.ended.setDisplayFormat("HH:mm")
        self.ended.setAccessibleName(tr("When the session ended"))
        form = QFormLayout()
        form.addRow(tr("Session &started:"), self.started)
        form.addRow(tr("Session &ended:"), self.ended)
        layout.addLayout(form)
        self.choices: dict[int, QComboBox] = {}
        self.late_minutes: dict[int, QSpinBox] = {}
        grid = QFormLayout()
        for a in self.members:
            client = services.clients.get(a.client_id)
            combo = QComboBox()
            combo.setAccessibleName(tr("Attendance of {name}", name=client.display_name))
            for value, label in ATTENDANCE_CHOICES:
                combo.addItem(tr(label), value)
            combo.setCurrentIndex(max(0, combo.findData(a.attendance if a.attendance != "scheduled" else "attended")))
            minutes = QSpinBox()
            minutes.setRange(6, 180)
            minutes.setSuffix(tr(" min late"))
            minutes.setAccessibleName(tr("Minutes {name} arrived late", name=client.display_name))
            minutes.setValue(max(6, a.minutes_late) if a.client_late else 10)
            combo.currentIndexChanged.connect(lambda _i, c=combo, m=minutes: m.setVisible(c.currentData() == "late"))
            minutes.setVisible(combo.currentData() == "late")
            row = QWidget()
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            row_layout.addWidget(combo, 1)
            row_layout.addWidget(minutes)
            grid.addRow(f"{client.code} {client.name}".strip(), row)
            self.choices[a.client_id], self.late_minutes[a.client_id] = combo, minutes
        layout.addLayout(grid)
        self.message = message_label()
        layout.addWidget(self.message)
        box, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)
        layout.addWidget(box)

    def save(self) -> None:
        day = self.session.planned_start.date()
        start = datetime.combine(day, time(self.started.time().hour(), self.started.time().minute()))
        end = datetime.combine(day, time(self.ended.time().hour(), self.ended.time().minute()))
        counselor_late = start - self.session.planned_start > LATE_AFTER
        try:
            for a in self.members:
                choice = self.choices[a.client_id].currentData()
                if choice == "scheduled":
                    continue
                if choice == "cancelled_client":
                    if a.id is not None and not a.cancelled:
                        self.services.appointments.cancel(a.id, "client")
                    continue
                if choice == "no_show":
                    self.services.groups.record_attendance(self.session.id, a.client_id, "no_show")
                    continue
                arrived = start
                late_by = "counselor" if counselor_late else None
                if choice == "late":
                    arrived = max(start, self.session.planned_start
                                  + timedelta(minutes=self.late_minutes[a.client_id].value()))
                    late_by = "both" if counselor_late else "client"
                self.services.groups.record_attendance(self.session.id, a.client_id, "attended", arrived, end,
                                                       late_by)
        except ValidationError as e:
            set_message(self.message, _errors(e))
            return
        except VaultError as e:
            set_message(self.message, e.message())
            return
        self.accept()


class GroupNoteDialog(QDialog):
    """The session's group note: kept with the group. Save keeps a draft; Sign locks it with its fingerprint."""

    def __init__(self, services: Services, note_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.note_id = services, note_id
        note = services.groups.note(note_id)
        session = services.groups.session(note.group_session_id)
        group = services.consent.group(session.group_id)
        self.setWindowTitle(tr("Group note"))
        tpl = template(note.template)
        lang = language()
        layout = QVBoxLayout(self)
        layout.addWidget(paragraph(tr("{group}, {day}. This note is kept with the group, not in any member's file; "
                                      "a member's export carries it only when chosen, with the other members' "
                                      "names replaced.", group=group.name,
                                      day=session.planned_start.date().isoformat())))
        content = QWidget()
        form = QVBoxLayout(content)
        self.edits: dict[str, SectionEdit] = {}
        for section in tpl.sections:
            label = QLabel(section.title(lang))
            edit = SectionEdit(section.title(lang))
            edit.set_lines(3, 10)
            edit.setPlainText(note.content.get(section.key, ""))
            edit.setReadOnly(note.is_signed)
            label.setBuddy(edit)
            form.addWidget(label)
            form.addWidget(edit)
            self.edits[section.key] = edit
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        layout.addWidget(scroll, 1)
        self.signed_label = paragraph(tr("Signed by {name} on {date}; fingerprint {fingerprint}",
                                         name=note.signed_by or "", date=(note.signed_at or "")[:10],
                                         fingerprint=note.short_fingerprint) if note.is_signed else "")
        layout.addWidget(self.signed_label)
        self.message = message_label()
        layout.addWidget(self.message)
        self.sign_button = QPushButton(tr("Si&gn and lock"))
        self.sign_button.clicked.connect(self.sign)
        self.sign_button.setEnabled(not note.is_signed)
        box, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)
        self.save_button.setEnabled(not note.is_signed)
        row = QHBoxLayout()
        row.addWidget(self.sign_button)
        row.addStretch(1)
        row.addWidget(box)
        layout.addLayout(row)
        self.resize(720, 620)

    def content(self) -> dict[str, str]:
        return {key: edit.toPlainText() for key, edit in self.edits.items()}

    def save(self) -> None:
        try:
            self.services.groups.save_note_draft(self.note_id, self.content())
        except (ValidationError, VaultError) as e:
            set_message(self.message, e.message() if isinstance(e, VaultError) else _errors(e))
            return
        self.accept()

    def sign(self) -> None:
        try:
            self.services.groups.save_note_draft(self.note_id, self.content())
            self.services.groups.sign_note(self.note_id, self.services.profile.get().name)
        except (ValidationError, VaultError) as e:
            set_message(self.message, e.message() if isinstance(e, VaultError) else _errors(e))
            return
        self.accept()


class GroupSessionsBox(QGroupBox):
    """The selected group's sessions: book one for the roster, record attendance, write the group note."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(tr("Group sessions"), parent)
        self.services = services
        self.group_id: int | None = None
        self.sessions: list[GroupSession] = []
        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName(tr("Sessions of the group"))
        self.table.setHorizontalHeaderLabels([tr("Date"), tr("Time"), tr("Attendance"), tr("Group note")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(self.fontMetrics().lineSpacing() * 5)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _i: self.open_note())
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setAccessibleName(tr("Date of the new group session"))
        self.start = QTimeEdit(QTime(15, 0))
        self.start.setDisplayFormat("HH:mm")
        self.start.setAccessibleName(tr("Start of the new group session"))
        self.minutes = QSpinBox()
        self.minutes.setRange(15, 240)
        self.minutes.setSingleStep(15)
        self.minutes.setValue(DEFAULT_MINUTES)
        self.minutes.setSuffix(tr(" min"))
        self.minutes.setAccessibleName(tr("Length of the new group session"))
        self.book_button = QPushButton(tr("&Book session"))
        self.book_button.setAccessibleName(tr("Book a group session for every member"))
        self.book_button.clicked.connect(self.book)
        self.attendance_button = QPushButton(tr("A&ttendance…"))
        self.attendance_button.clicked.connect(self.record_attendance)
        self.note_button = QPushButton(tr("&Write group note…"))
        self.note_button.clicked.connect(self.open_note)
        self.message = message_label()
        book_row = QHBoxLayout()
        for w in (self.date, self.start, self.minutes, self.book_button):
            book_row.addWidget(w)
        book_row.addStretch(1)
        book_row.addWidget(self.attendance_button)
        book_row.addWidget(self.note_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(book_row)
        layout.addWidget(self.message)
        self._update_buttons()

    def show_group(self, group_id: int | None) -> None:
        self.group_id = group_id
        self.sessions = self.services.groups.sessions(group_id) if group_id is not None else []
        self.sessions.reverse()  # newest first
        self.table.setRowCount(len(self.sessions))
        for row, s in enumerate(self.sessions):
            members = self.services.groups.appointments_of(s.id)
            held = sum(1 for a in members if a.attendance in HELD)
            recorded = any(a.attendance != "scheduled" for a in members)
            attendance = (tr("{held} of {count} attended", held=held, count=len(members)) if recorded
                          else tr("{count} booked", count=len(members)))
            note = self.services.groups.note_for_session(s.id)
            status = tr("Signed") if note is not None and note.is_signed else tr("Draft") if note is not None \
                else (tr("Not written") if recorded and held else "—")
            values = (s.planned_start.date().isoformat(),
                      f"{s.planned_start.strftime('%H:%M')}–{s.planned_end.strftime('%H:%M')}", attendance, status)
            for col, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if col == 3 and value == tr("Not written"):
                    cell.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(row, col, cell)
        self._update_buttons()

    def selected(self) -> GroupSession | None:
        rows = self.table.selectionModel().selectedRows()
        return self.sessions[rows[0].row()] if rows and rows[0].row() < len(self.sessions) else None

    def _update_buttons(self) -> None:
        session = self.selected()
        self.book_button.setEnabled(self.group_id is not None)
        self.attendance_button.setEnabled(session is not None)
        self.note_button.setEnabled(session is not None and session.planned_start.date() <= date.today())

    def book(self) -> None:
        if self.group_id is None:
            return
        day = self.date.date()
        start = datetime(day.year(), day.month(), day.day(), self.start.time().hour(), self.start.time().minute())
        end = start + timedelta(minutes=self.minutes.value())
        try:
            self.services.groups.book(self.group_id, start, end)
        except ValidationError as e:
            set_message(self.message, _errors(e))
            return
        except VaultError as e:
            set_message(self.message, e.message())
            return
        set_message(self.message, tr("Group session booked for every member. It shows in the appointment book."),
                    "ok")
        self.show_group(self.group_id)

    def record_attendance(self) -> None:
        session = self.selected()
        if session is None:
            return
        dialog = GroupAttendanceDialog(self.services, session, self)
        try:
            launch(dialog)
        finally:
            dialog.deleteLater()
        self.show_group(self.group_id)

    def open_note(self) -> None:
        session = self.selected()
        if session is None:
            return
        note = self.services.groups.note_for_session(session.id)
        if note is None:
            try:
                note = self.services.groups.start_note(session.id)
            except ValidationError as e:
                set_message(self.message, _errors(e))
                return
            except VaultError as e:
                set_message(self.message, e.message())
                return
        dialog = GroupNoteDialog(self.services, note.id, self)
        try:
            launch(dialog)
        finally:
            dialog.deleteLater()
        self.show_group(self.group_id)
