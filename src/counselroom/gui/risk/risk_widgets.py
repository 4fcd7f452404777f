"""Pieces the risk and safety dialogs share: date and time fields, labelled form rows with their error
line, rows of contacts (name and phone), and selectable read-only values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...i18n import tr
from ...records.risk import LEVEL_LABELS, Contact
from ..clients.client_form import plain_label
from ..common.widgets import message_label, set_message

LEVEL_COLOURS = {"none": "#1b6e20", "low": "#4d6b00", "moderate": "#8a5a00", "high": "#b3261e",
                 "imminent": "#7a0010"}
FLAG_STYLE = ("QFrame#riskFlag { background: #fdecea; border: 1px solid #d9827b; border-radius: 6px; } "
              "QFrame#riskFlag QLabel { color: #4a0f0a; }")
OVERDUE_STYLE = "color: #b00020; font-weight: bold;"


def launch(dialog: QDialog) -> int:
    """Run a modal dialog. Tests replace this to answer the dialog without a screen."""
    return dialog.exec()


def level_text(level: str) -> str:
    return tr(LEVEL_LABELS[level]) if level in LEVEL_LABELS else level


def to_date(qd: QDate) -> date:
    return date(qd.year(), qd.month(), qd.day())


def to_qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def to_datetime(qdt: QDateTime) -> datetime:
    d, t = qdt.date(), qdt.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())


def date_edit(accessible: str, value: date | None = None) -> QDateEdit:
    edit = QDateEdit()
    edit.setAccessibleName(accessible)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(to_qdate(value or date.today()))
    return edit


def datetime_edit(accessible: str, value: datetime | None = None) -> QDateTimeEdit:
    """A date and time to the minute, not later than now."""
    edit = QDateTimeEdit()
    edit.setAccessibleName(accessible)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd HH:mm")
    moment = (value or datetime.now()).replace(second=0, microsecond=0)
    edit.setDateTime(QDateTime(to_qdate(moment.date()), QTime(moment.hour, moment.minute)))
    edit.setMaximumDate(QDate.currentDate())
    return edit


def value_field(text: str, accessible: str) -> QLineEdit:
    """A read-only, selectable value (a phone number to copy, a name)."""
    edit = QLineEdit(text)
    edit.setReadOnly(True)
    edit.setAccessibleName(accessible)
    edit.setFrame(False)
    edit.setCursorPosition(0)
    edit.setStyleSheet("QLineEdit { background: transparent; }")
    return edit


def selectable(text: str = "", accessible: str = "") -> QLabel:
    label = plain_label(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                  | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    if accessible:
        label.setAccessibleName(accessible)
    return label


def bold(label: QLabel) -> QLabel:
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class FieldErrors:
    """An error line under each field of a form, keyed by the service's field names; errors for fields
    without a line go to the form's general line."""

    def __init__(self, general: QLabel | None = None) -> None:
        self.lines: dict[str, QLabel] = {}
        self.general = general or message_label()

    def line(self, key: str) -> QLabel:
        self.lines[key] = message_label()
        return self.lines[key]

    def show(self, errors: dict[str, str]) -> None:
        """Show errors (already translated); the rest are cleared."""
        for key, label in self.lines.items():
            set_message(label, errors.get(key, ""))
        set_message(self.general, "\n".join(m for k, m in errors.items() if k not in self.lines))


def labelled(text: str, widget: QWidget, error: QLabel | None = None, hint: str = "") -> QWidget:
    """A label above its field (with a mnemonic buddy), an optional hint and the field's error line."""
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 4, 0, 0)
    layout.setSpacing(2)
    label = plain_label(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setBuddy(widget)
    bold(label)
    layout.addWidget(label)
    if hint:
        note = plain_label(hint)
        note.setTextFormat(Qt.TextFormat.PlainText)
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(note)
    if isinstance(widget, (QDateEdit, QDateTimeEdit, QComboBox)):
        layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignLeft)
    else:
        layout.addWidget(widget)
    if error is not None:
        layout.addWidget(error)
    return holder


class ContactRows(QWidget):
    """Rows of (name, phone) with a Remove button each and an Add button below."""

    def __init__(self, what: str, name_placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = what
        self.name_placeholder = name_placeholder
        self.rows: list[tuple[QLineEdit, QLineEdit, QPushButton]] = []
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setColumnStretch(0, 3)
        self.grid.setColumnStretch(1, 2)
        self.add_button = QPushButton(tr("Add a contact"))
        self.add_button.setAccessibleName(tr("Add a contact to: {list}", list=what))
        self.add_button.clicked.connect(lambda: self.add_row(focus=True))
        bottom = QHBoxLayout()
        bottom.addWidget(self.add_button)
        bottom.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.grid)
        layout.addLayout(bottom)
        self.changed: Callable[[], None] | None = None

    def add_row(self, contact: Contact | None = None, focus: bool = False) -> None:
        n = len(self.rows) + 1
        name = QLineEdit(contact.name if contact else "")
        name.setPlaceholderText(self.name_placeholder)
        name.setAccessibleName(tr("{list}: name {n}", list=self.what, n=n))
        phone = QLineEdit(contact.phone if contact else "")
        phone.setPlaceholderText(tr("Phone, e.g. 0xx-xxxx xxxx"))
        phone.setAccessibleName(tr("{list}: phone {n}", list=self.what, n=n))
        remove = QPushButton(tr("Remove row"))
        remove.setAccessibleName(tr("Remove contact {n}", n=n))
        row = (name, phone, remove)
        remove.clicked.connect(lambda: self.remove_row(row))
        index = self.grid.rowCount()
        self.grid.addWidget(name, index, 0)
        self.grid.addWidget(phone, index, 1)
        self.grid.addWidget(remove, index, 2)
        self.rows.append(row)
        if focus:
            name.setFocus()

    def remove_row(self, row: tuple[QLineEdit, QLineEdit, QPushButton]) -> None:
        if row not in self.rows:
            return
        self.rows.remove(row)
        for w in row:
            self.grid.removeWidget(w)
            w.hide()
            w.deleteLater()

    def set_contacts(self, contacts: tuple[Contact, ...] | list[Contact], blank_rows: int = 1) -> None:
        for row in list(self.rows):
            self.remove_row(row)
        for c in contacts:
            self.add_row(c)
        if not contacts:
            for _ in range(blank_rows):
                self.add_row()

    def contacts(self) -> tuple[Contact, ...]:
        return tuple(Contact(n.text(), p.text()) for n, p, _r in self.rows if n.text().strip() or p.text().strip())
