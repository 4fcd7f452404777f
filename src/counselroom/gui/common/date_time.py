"""Date and time boxes that take what the counselor types.

Qt's date and time boxes edit one section at a time and put the cursor where the click landed, so
"2012-03-15" typed over 2008-01-01 gave 2008-03-15 (the year's digits were refused), and "14" typed into a
time box clicked near its minutes did nothing. `DateTimeTyping`, installed once for the whole application
(gui/shell/application.py), makes every QDateEdit, QTimeEdit and QDateTimeEdit behave alike:

- the first digit typed after the box gets focus (by click, Tab or a shortcut) starts a fresh value from
  the first section: "2012-03-15" gives 2012-03-15, "14" in a time box sets the hour;
- a separator typed right after a section filled itself (Qt then already moved on) is not counted twice,
  so "2012-3-5" and "2012-03-15" both work, as does "14:30".

`date_edit()` and `time_edit()` make boxes with the program's formats (ISO dates, 24-hour times, a
calendar to pick from) for new pages.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTime
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDateEdit, QDateTimeEdit, QTimeEdit, QWidget

DATE_FORMAT = "yyyy-MM-dd"
TIME_FORMAT = "HH:mm"
SEPARATORS = frozenset("-/.: ")


class DateTimeTyping(QObject):
    """The application-wide event filter described above (one instance, on the QApplication)."""

    FRESH = "_counselroom_fresh"
    ADVANCED = "_counselroom_advanced"

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.FocusIn, QEvent.Type.MouseButtonPress):
            return False
        box = watched if isinstance(watched, QDateTimeEdit) else None
        if box is None:
            parent = watched.parent() if isinstance(watched, QWidget) else None
            if not isinstance(parent, QDateTimeEdit):
                return False
            box = parent
        if kind == QEvent.Type.FocusIn or (kind == QEvent.Type.MouseButtonPress and not box.hasFocus()):
            box.setProperty(self.FRESH, True)
            box.setProperty(self.ADVANCED, False)
            return False
        if kind == QEvent.Type.KeyPress and watched is box and isinstance(event, QKeyEvent):
            return self._key(box, event)
        return False

    def _key(self, box: QDateTimeEdit, event: QKeyEvent) -> bool:
        text = event.text()
        if event.modifiers() & ~(Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier):
            return False
        if len(text) == 1 and text.isdigit():
            if box.property(self.FRESH) or box.lineEdit().selectedText() == box.text():
                box.setCurrentSectionIndex(0)
                box.setSelectedSection(box.sectionAt(0))
            box.setProperty(self.FRESH, False)
            before = box.currentSectionIndex()
            box.event(event)  # let Qt take the digit now, to see whether it moved on by itself
            box.setProperty(self.ADVANCED, box.currentSectionIndex() != before)
            return True
        if len(text) == 1 and text in SEPARATORS:
            advanced = bool(box.property(self.ADVANCED))
            box.setProperty(self.ADVANCED, False)
            box.setProperty(self.FRESH, False)
            return advanced  # Qt moved on when the section filled: this separator is already done
        box.setProperty(self.ADVANCED, False)
        if event.key() not in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt):
            box.setProperty(self.FRESH, False)
        return False


def date_edit(value: QDate | None = None, parent: QWidget | None = None) -> QDateEdit:
    box = QDateEdit(parent)
    box.setDisplayFormat(DATE_FORMAT)
    box.setCalendarPopup(True)
    if value is not None:
        box.setDate(value)
    return box


def time_edit(value: QTime | None = None, parent: QWidget | None = None) -> QTimeEdit:
    box = QTimeEdit(parent)
    box.setDisplayFormat(TIME_FORMAT)
    if value is not None:
        box.setTime(value)
    return box
