"""Issue 12.3: an addendum being typed was thrown away when its dialog was closed with the window's close
button. Every dialog where record text is typed asks first (Keep editing is the default); locking, which
closes dialogs itself, is never held up."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from counselroom.gui.sessions.note_editor import AddendumDialog

from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..helpers import when_modal


def _answer(label: str, seen: list[str]):  # type: ignore[no-untyped-def]
    def run(box) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(box, QMessageBox)
        seen.append(box.defaultButton().text().replace("&", ""))
        next(b for b in box.buttons() if b.text().replace("&", "") == label).click()
    return run


def test_closing_an_addendum_with_text_asks_and_keeps_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = AddendumDialog("Wang Li")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.edit.setPlainText("Correction: the session ended at 15:10, not 15:00.")
    seen: list[str] = []
    when_modal(_answer("Keep editing", seen), exclude=dialog)
    dialog.close()  # the window's close button
    QApplication.processEvents()
    assert seen == ["Keep editing"] and dialog.isVisible()
    assert dialog.text().startswith("Correction")
    when_modal(_answer("Keep editing", seen), exclude=dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and len(seen) == 2
    when_modal(_answer("Discard", seen), exclude=dialog)
    dialog.close()
    QApplication.processEvents()
    assert not dialog.isVisible()


def test_an_empty_dialog_closes_without_a_question_and_locking_never_asks(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = AddendumDialog("Wang Li")
    qtbot.addWidget(dialog)
    dialog.show()
    asked: list[str] = []
    when_modal(_answer("Keep editing", asked), exclude=dialog)
    dialog.close()
    QApplication.processEvents()
    assert not dialog.isVisible() and asked == []
    typed = AddendumDialog("Wang Li")
    qtbot.addWidget(typed)
    typed.show()
    typed.edit.setPlainText("half a sentence")
    typed.reject()  # what locking does: no question, the lock goes through
    assert not typed.isVisible() and asked == []

