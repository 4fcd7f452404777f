"""Giving a psychological test, in three steps: the pre-test explanation (recorded first: no answer before
it), the answers (entered by the counselor, or by the client on the client screen), and the result with the
feedback to the client.

A critical answer (such as PHQ-9 item 9 above zero) raises the risk prompt at once: when the counselor
chooses it, or, on the client screen, as soon as the counselor has taken the screen back (the client never
sees it; the answer is saved the moment it is given). "Assess risk now" closes the dialog and the tab opens
the client's risk assessment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...i18n import language, tr
from ...records.clients import ValidationError
from ...records.instruments import NOT_A_DIAGNOSIS, CriticalItem, Instrument, Number, show_number
from ...records.psychtests import Administration
from ...records.services import Services
from ...vault.errors import VaultError
from ..clients.client_form import plain_label
from ..common.widgets import heading, message_label, paragraph, set_message
from ..sessions.note_editor import SectionEdit

QUESTIONNAIRE_LANGUAGES = (("zh_CN", "中文"), ("en", "English"))
NOT_A_DIAGNOSIS_STYLE = ("QLabel { background: #fff4ce; color: #3b2f00; border: 1px solid #d8b24a; "
                         "border-radius: 4px; padding: 6px 8px; font-weight: bold; }")
CRITICAL_STYLE = "QLabel { color: #b3261e; font-weight: bold; }"
MAX_OPTIONS_IN_A_ROW = 5


def not_a_diagnosis_label() -> QLabel:
    label = plain_label(tr(NOT_A_DIAGNOSIS))
    label.setStyleSheet(NOT_A_DIAGNOSIS_STYLE)
    label.setWordWrap(True)
    label.setAccessibleName(tr(NOT_A_DIAGNOSIS))
    return label


def make_client_screen(title: str, instructions: str, items: list[Any], answers: dict[int, Any],
                       save_answer: Callable[[int, int], None], check_passphrase: Callable[[str], bool],
                       parent: QWidget | None) -> Any:
    """The client-facing screen (tests may put a fake in its place)."""
    from .client_screen import ClientScreen

    return ClientScreen(title, instructions, items, answers, save_answer, check_passphrase, parent)


def screen_items(instrument: Instrument, lang: str) -> list[Any]:
    from .client_screen import ScreenItem

    return [ScreenItem(i.number, i.text_in(lang), [(o.value, o.text(lang)) for o in i.options])  # type: ignore[misc]
            for i in instrument.items]


def client_screen_available() -> bool:
    try:
        from . import client_screen  # noqa: F401
    except ImportError:
        return False
    return True


def answer_text(instrument: Instrument, number: int, value: Number, lang: str) -> str:
    item = instrument.item(number)
    option = item.option(value) if item is not None else None
    label = option.text(lang) if option is not None else ""
    return f"“{label}” ({show_number(value)})" if label else show_number(value)


def ask_about_risk(parent: QWidget, instrument: Instrument, hits: list[tuple[CriticalItem, Number]]) -> bool:
    """The risk prompt: names each critical item and its answer. True when "Assess risk now" was chosen."""
    lang = language()
    parts = []
    for hit, value in hits:
        item = instrument.item(hit.item)
        parts.append(tr("Item {number}: “{text}”\nAnswer: {answer}", number=hit.item,
                        text=item.text_in(lang) if item else "", answer=answer_text(instrument, hit.item, value, lang))
                     + "\n" + hit.text(lang))
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(tr("Critical answer: assess the risk"))
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(tr("A critical answer was given in {instrument}.", instrument=instrument.short_in(lang)))
    box.setInformativeText("\n\n".join(parts))
    assess = box.addButton(tr("Assess risk now"), QMessageBox.ButtonRole.AcceptRole)
    later = box.addButton(tr("Continue the test"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(assess)
    box.setEscapeButton(later)
    box.exec()
    return box.clickedButton() is assess


class ItemRow(QFrame):
    """One question with its answers as radio buttons."""

    def __init__(self, number: int, text: str, options: list[tuple[Number, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.number = number
        self.label = paragraph(f"{number}. {text}")
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[Number, QRadioButton] = {}
        grid = QGridLayout()
        grid.setContentsMargins(18, 0, 0, 0)
        grid.setHorizontalSpacing(16)
        per_row = len(options) if len(options) <= MAX_OPTIONS_IN_A_ROW else 1
        for n, (value, label) in enumerate(options):
            button = QRadioButton(label)
            button.setAccessibleName(tr("Item {number}: {answer}", number=number, answer=label))
            self.group.addButton(button, n)
            self.buttons[value] = button
            grid.addWidget(button, n // per_row, n % per_row)
        if per_row > 1:
            grid.setColumnStretch(per_row, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 6)
        layout.addWidget(self.label)
        layout.addLayout(grid)

    def value_of(self, button: QAbstractButton) -> Number | None:
        return next((v for v, b in self.buttons.items() if b is button), None)

    def show_answer(self, value: Number | None) -> None:
        """Show a saved answer without answering again (the group signals a toggle whatever its buttons do)."""
        self.group.blockSignals(True)
        self.group.setExclusive(False)
        for v, button in self.buttons.items():
            button.setChecked(v == value)
        self.group.setExclusive(True)
        self.group.blockSignals(False)


class TestAdministrationDialog(QDialog):
    """Public: `administration` (None until the explanation is recorded), `page` ("explain", "answer",
    "result"), `risk_requested` (the context line, when "Assess risk now" was chosen), `rows` (item number ->
    ItemRow), `screen` (the client screen while it is up); `start_test()`, `finish()`, `record_feedback()`,
    `hand_to_client()`."""

    __test__ = False  # not a pytest test class

    def __init__(self, services: Services, client_id: int, administration_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.administration: Administration | None = None
        self.instrument: Instrument | None = None
        self.risk_requested: str | None = None
        self.rows: dict[int, ItemRow] = {}
        self.client_screen: Any = None
        self._pending_critical: list[tuple[CriticalItem, Number]] = []
        self._finished = False
        self._purpose_shown = ""
        client = services.clients.get(client_id)
        self.client_text = client.code + (f" {client.name}" if client.name else "")
        self.setWindowTitle(tr("Psychological test — {client}", client=self.client_text))

        self.pages = QStackedWidget()
        self.explain_page = self._build_explain_page()
        self.answer_page = self._build_answer_page()
        self.result_page = self._build_result_page()
        for page in (self.explain_page, self.answer_page, self.result_page):
            self.pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        chars = self.fontMetrics().averageCharWidth()
        self.resize(chars * 110, self.fontMetrics().lineSpacing() * 40)

        if administration_id is not None:
            self._resume(services.psychtests.get(administration_id))
        else:
            self._instrument_chosen()

    # -- building -----------------------------------------------------------------------------------------------

    def _build_explain_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(heading(tr("1. Explain the test"), 1.3))
        layout.addWidget(paragraph(tr("Before the test, explain its content and purpose to the client, and that "
                                      "the result is a screening result, not a diagnosis, kept confidential. "
                                      "Record what you said: answers can be entered only afterwards.")))
        self.instrument_combo = QComboBox()
        self.instrument_combo.setAccessibleName(tr("Questionnaire"))
        for info in self.services.psychtests.instruments():
            i = info.instrument
            text = f"{i.short_in(language())} — {i.title_in(language())}"
            if not info.builtin:
                text += " " + tr("(the room's own, version {version})", version=i.version)
            self.instrument_combo.addItem(text, i.id)
        self.instrument_combo.currentIndexChanged.connect(lambda _i: self._instrument_chosen())
        combo_label = plain_label(tr("&Questionnaire:"))
        combo_label.setBuddy(self.instrument_combo)
        row = QHBoxLayout()
        row.addWidget(combo_label)
        row.addWidget(self.instrument_combo, 1)
        layout.addLayout(row)
        self.instrument_info = paragraph("")
        self.instrument_info.setStyleSheet("color: #4a5263;")
        layout.addWidget(self.instrument_info)
        self.explanation_edit = SectionEdit(tr("Pre-test explanation"))
        self.explanation_edit.set_lines(6, 14)
        explanation_label = plain_label(tr("What you &explained (prefilled from the questionnaire's purpose; "
                                           "change it to what you said):"))
        explanation_label.setWordWrap(True)
        explanation_label.setBuddy(self.explanation_edit)
        layout.addWidget(explanation_label)
        layout.addWidget(self.explanation_edit)
        self.explain_message = message_label()
        layout.addWidget(self.explain_message)
        layout.addStretch(1)
        self.start_button = QPushButton(tr("Explanation given: &start the test"))
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start_test)
        cancel = QPushButton(tr("Cancel"))
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.start_button)
        layout.addLayout(buttons)
        return page

    def _build_answer_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.answer_heading = heading("", 1.3)
        layout.addWidget(self.answer_heading)
        self.hand_button = QPushButton(tr("&Hand the screen to the client…"))
        self.hand_button.setAccessibleName(tr("Let the client answer on a full screen that shows only this "
                                              "questionnaire"))
        self.hand_button.setToolTip(tr("The client answers on a full screen that shows only this questionnaire. "
                                       "You take the screen back with your passphrase."))
        self.hand_button.clicked.connect(self.hand_to_client)
        if not client_screen_available():
            self.hand_button.setEnabled(False)
        self.language_combo = QComboBox()
        self.language_combo.setAccessibleName(tr("Language of the questionnaire"))
        for code, name in QUESTIONNAIRE_LANGUAGES:
            self.language_combo.addItem(name, code)
        self.language_combo.setCurrentIndex(0 if language() == "zh_CN" else 1)
        self.language_combo.currentIndexChanged.connect(lambda _i: self._build_items())
        language_label = plain_label(tr("&Language:"))
        language_label.setBuddy(self.language_combo)
        top = QHBoxLayout()
        top.addWidget(paragraph(tr("Choose each answer as the client gives it, or let the client answer on the "
                                   "screen.")), 1)
        top.addWidget(language_label)
        top.addWidget(self.language_combo)
        top.addWidget(self.hand_button)
        layout.addLayout(top)
        self.instructions_label = paragraph("")
        self.instructions_label.setStyleSheet("font-style: italic;")
        layout.addWidget(self.instructions_label)
        self.items_holder = QWidget()
        self.items_layout = QVBoxLayout(self.items_holder)
        self.items_layout.setContentsMargins(4, 0, 4, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.StyledPanel)
        scroll.setWidget(self.items_holder)
        layout.addWidget(scroll, 1)
        self.answer_message = message_label()
        layout.addWidget(self.answer_message)
        self.progress_label = plain_label()
        later = QPushButton(tr("Close (&continue later)"))
        later.setAccessibleName(tr("Close; the answers so far are kept and the test can be continued later"))
        later.clicked.connect(self.reject)
        self.finish_button = QPushButton(tr("&Finish and score"))
        self.finish_button.setDefault(True)
        self.finish_button.clicked.connect(self.finish)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress_label)
        buttons.addStretch(1)
        buttons.addWidget(later)
        buttons.addWidget(self.finish_button)
        layout.addLayout(buttons)
        return page

    def _build_result_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.result_heading = heading("", 1.3)
        layout.addWidget(self.result_heading)
        layout.addWidget(not_a_diagnosis_label())
        self.result_label = paragraph("")
        self.result_label.setAccessibleName(tr("Result"))
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.critical_label = paragraph("")
        self.critical_label.setStyleSheet(CRITICAL_STYLE)
        layout.addWidget(self.result_label)
        layout.addWidget(self.critical_label)
        self.feedback_edit = SectionEdit(tr("Feedback to the client"))
        self.feedback_edit.set_lines(4, 10)
        feedback_label = plain_label(tr("3. &Feedback: what you explained to the client about the result:"))
        feedback_label.setWordWrap(True)
        feedback_label.setBuddy(self.feedback_edit)
        layout.addWidget(feedback_label)
        layout.addWidget(self.feedback_edit)
        self.feedback_message = message_label()
        layout.addWidget(self.feedback_message)
        layout.addStretch(1)
        self.close_button = QPushButton(tr("Close (record feedback &later)"))
        self.close_button.clicked.connect(self.accept)
        self.feedback_button = QPushButton(tr("&Record feedback"))
        self.feedback_button.setDefault(True)
        self.feedback_button.clicked.connect(self.record_feedback)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.feedback_button)
        layout.addLayout(buttons)
        return page

    # -- the steps ----------------------------------------------------------------------------------------------

    @property
    def page(self) -> str:
        current = self.pages.currentWidget()
        if current is self.explain_page:
            return "explain"
        return "answer" if current is self.answer_page else "result"

    def _resume(self, administration: Administration) -> None:
        self.administration = administration
        self.instrument = self.services.psychtests.instrument_of(administration)
        index = self.instrument_combo.findData(administration.instrument_id)
        if index >= 0:
            self.instrument_combo.setCurrentIndex(index)
        self.instrument_combo.setEnabled(False)
        if administration.explained_at is None:
            self._prefill(self.instrument)
            self.pages.setCurrentWidget(self.explain_page)
        elif administration.is_completed:
            self._show_result()
        else:
            self._show_answers()

    def _instrument_chosen(self) -> None:
        instrument_id = self.instrument_combo.currentData()
        if instrument_id is None or self.administration is not None:
            return
        self.instrument = self.services.psychtests.instrument(instrument_id)
        self._prefill(self.instrument)

    def _prefill(self, instrument: Instrument) -> None:
        lang = language()
        self.instrument_info.setText(tr("{count} items. {source}", count=len(instrument.items),
                                        source=instrument.source.get(lang) or instrument.source.get("en") or ""))
        current = self.explanation_edit.toPlainText()
        if not current.strip() or current == self._purpose_shown:
            self._purpose_shown = instrument.purpose.get(lang) or instrument.purpose.get("en") or ""
            self.explanation_edit.setPlainText(self._purpose_shown)

    def start_test(self) -> None:
        """Record the explanation (starting the test if it is new) and go on to the answers."""
        text = self.explanation_edit.toPlainText()
        tests = self.services.psychtests
        try:
            if self.administration is None:
                instrument_id = self.instrument_combo.currentData()
                self.administration = tests.start(self.client_id, instrument_id, text)
            else:
                self.administration = tests.record_explanation(self.administration.id, text)
        except ValidationError as e:
            set_message(self.explain_message, "\n".join(tr(m) for m in e.errors.values()))
            self.explanation_edit.setFocus()
            return
        except VaultError as e:
            set_message(self.explain_message, e.message())
            return
        self.instrument = tests.instrument_of(self.administration)
        self.instrument_combo.setEnabled(False)
        self._show_answers()

    def _show_answers(self) -> None:
        assert self.instrument is not None
        self.answer_heading.setText(tr("2. Answers — {title}", title=self.instrument.title_in(language())))
        self._build_items()
        self.pages.setCurrentWidget(self.answer_page)
        first = next(iter(self.rows.values()), None)
        if first is not None and first.buttons:
            next(iter(first.buttons.values())).setFocus()

    def _questionnaire_language(self) -> str:
        return str(self.language_combo.currentData() or language())

    def _build_items(self) -> None:
        if self.instrument is None or self.administration is None:
            return
        lang = self._questionnaire_language()
        self.instructions_label.setText(self.instrument.instructions.get(lang, ""))
        while self.items_layout.count():
            child = self.items_layout.takeAt(0)
            widget = child.widget() if child is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows.clear()
        for item in self.instrument.items:
            row = ItemRow(item.number, item.text_in(lang), [(o.value, o.text(lang)) for o in item.options])
            row.group.buttonToggled.connect(lambda button, on, r=row: self._toggled(r, button, on))
            self.items_layout.addWidget(row)
            self.rows[item.number] = row
        self.items_layout.addStretch(1)
        self._show_saved_answers()

    def _show_saved_answers(self) -> None:
        if self.administration is None:
            return
        self.administration = self.services.psychtests.get(self.administration.id)
        for number, row in self.rows.items():
            row.show_answer(self.administration.answers.get(number))
        self._update_progress()

    def _update_progress(self) -> None:
        if self.instrument is None or self.administration is None:
            return
        answered = len([n for n in self.administration.answers if self.instrument.item(n) is not None])
        total = len(self.instrument.items)
        self.progress_label.setText(tr("Answered: {answered} of {count}", answered=answered, count=total))
        self.finish_button.setEnabled(answered == total)

    def _toggled(self, row: ItemRow, button: QAbstractButton, on: bool) -> None:
        if not on or self.administration is None or self.instrument is None:
            return
        value = row.value_of(button)
        if value is None:
            return
        try:
            hit = self.services.psychtests.set_answer(self.administration.id, row.number, value)
        except (ValidationError, VaultError) as e:
            text = "\n".join(tr(m) for m in e.errors.values()) if isinstance(e, ValidationError) else e.message()
            set_message(self.answer_message, text)
            self._show_saved_answers()
            return
        set_message(self.answer_message, "")
        self.administration = self.services.psychtests.get(self.administration.id)
        self._update_progress()
        if hit is not None:
            self._prompt([(hit, value)])

    def _prompt(self, hits: list[tuple[CriticalItem, Number]]) -> None:
        """The risk prompt, at once. "Assess risk now" closes the dialog (the answers are saved; the test can
        be continued from the Tests tab) and the tab opens the risk assessment."""
        assert self.instrument is not None
        if ask_about_risk(self, self.instrument, hits) and not self._finished:
            lang = language()
            hit, value = hits[0]
            self.risk_requested = tr("{instrument} item {number} answered {answer}",
                                     instrument=self.instrument.short_in(lang), number=hit.item,
                                     answer=answer_text(self.instrument, hit.item, value, lang))
            self.accept()

    # -- the client screen ---------------------------------------------------------------------------------------

    def hand_to_client(self) -> None:
        if self.administration is None or self.instrument is None or self.client_screen is not None:
            return
        try:
            self.administration = self.services.psychtests.hand_to_client(self.administration.id)
        except (ValidationError, VaultError) as e:
            set_message(self.answer_message, e.message() if isinstance(e, VaultError) else
                        "\n".join(tr(m) for m in e.errors.values()))
            return
        lang = self._questionnaire_language()
        answers = dict(self.administration.answers)
        self._pending_critical = []
        self.client_screen = make_client_screen(
            self.instrument.title_in(lang), self.instrument.instructions.get(lang, ""),
            screen_items(self.instrument, lang), answers, self._save_from_screen,
            self.services.session.vault.check_passphrase, self)
        self.client_screen.returned.connect(self._screen_returned)
        self.client_screen.finished.connect(self._screen_closed)
        self.client_screen.start()

    def _save_from_screen(self, number: int, value: int) -> None:
        """An answer on the client screen: saved at once; a critical one is kept for the counselor only."""
        assert self.administration is not None
        hit = self.services.psychtests.set_answer(self.administration.id, number, value)
        self._pending_critical = [(h, v) for h, v in self._pending_critical if h.item != number]
        if hit is not None:
            self._pending_critical.append((hit, value))

    def _screen_closed(self, _result: int = 0) -> None:
        self.client_screen = None

    def _screen_returned(self) -> None:
        """The counselor has the screen back: show the answers, then the risk prompt if one is due."""
        self.client_screen = None
        if self._finished or self.administration is None:
            return
        try:
            self.services.psychtests.screen_returned(self.administration.id)
        except VaultError as e:
            set_message(self.answer_message, e.message())
        self._show_saved_answers()
        self.raise_()
        self.activateWindow()
        # once the screen's own code has finished closing it (a modal prompt inside its signal would run in the
        # middle of that)
        QTimer.singleShot(0, self, self._prompt_pending)

    def _prompt_pending(self) -> None:
        hits, self._pending_critical = self._pending_critical, []
        if hits and not self._finished:
            self._prompt(hits)

    # -- finishing ----------------------------------------------------------------------------------------------

    def finish(self) -> None:
        if self.administration is None:
            return
        try:
            self.administration = self.services.psychtests.complete(self.administration.id)
        except (ValidationError, VaultError) as e:
            set_message(self.answer_message, e.message() if isinstance(e, VaultError) else
                        "\n".join(tr(m) for m in e.errors.values()))
            return
        self._show_result()

    def _show_result(self) -> None:
        a = self.administration
        assert a is not None and a.result is not None and self.instrument is not None
        lang = language()
        self.result_heading.setText(tr("Result — {title}", title=self.instrument.title_in(lang)))
        self.result_label.setText("\n".join(result_lines(self.services, a)))
        critical = [c for c in self.instrument.critical_items if c.item in a.result.critical]
        self.critical_label.setText("\n".join(c.text(lang) for c in critical))
        self.critical_label.setVisible(bool(critical))
        recorded = a.feedback_at is not None
        self.feedback_edit.setReadOnly(recorded)
        if recorded:
            self.feedback_edit.setPlainText(a.feedback or "")
        self.feedback_button.setVisible(not recorded)
        self.close_button.setText(tr("Close") if recorded else tr("Close (record feedback &later)"))
        self.pages.setCurrentWidget(self.result_page)
        if not recorded:
            self.feedback_edit.setFocus()

    def record_feedback(self) -> None:
        if self.administration is None:
            return
        try:
            self.administration = self.services.psychtests.record_feedback(self.administration.id,
                                                                           self.feedback_edit.toPlainText())
        except (ValidationError, VaultError) as e:
            set_message(self.feedback_message, e.message() if isinstance(e, VaultError) else
                        "\n".join(tr(m) for m in e.errors.values()))
            self.feedback_edit.setFocus()
            return
        set_message(self.feedback_message, tr("Feedback recorded."), "ok")
        self._show_result()
        self.close_button.setFocus()

    def done(self, result: int) -> None:
        """Every closing passes here, locking too (which rejects every dialog): the client screen goes with it."""
        self._finished = True
        screen, self.client_screen = self.client_screen, None
        if screen is not None:
            try:
                screen.force_close()
            except RuntimeError:
                pass  # already deleted with the lock
        super().done(result)


def result_lines(services: Services, administration: Administration, dates: bool = True) -> list[str]:
    """A completed test's result in the window's language, without the heading line and the closing wording
    (the window shows those itself)."""
    lines = services.psychtests.result_lines(administration, language(), dates=dates)
    return [line for line in lines[1:] if line != tr(NOT_A_DIAGNOSIS)]
