"""A client's informed consent: the checklist (each item ticked as explained, with the client's questions),
the separate recording opt-in, the status, printing the form from memory, signing on paper or on screen,
withdrawal, and re-consent when the room's form has changed."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...i18n import language, tr
from ...records.clients import ValidationError
from ...records.consent import (
    COMPLETE,
    GUARDIAN_UNSIGNED,
    OUT_OF_DATE,
    PENDING,
    SCOPE_LABELS,
    SCOPES,
    SIGNED,
    STATUS_LABELS,
    WITHDRAWN,
    ConsentState,
    fill,
)
from ...records.services import Services
from ...vault.errors import VaultError
from ..common import pdf_printing
from ..common.widgets import StoreWatcher, guard_typed_text, message_label, set_message
from .signature_pad import SignatureDialog

STATUS_STYLES = {
    PENDING: ("#fff4ce", "#d8b24a", "#3b2f00"), COMPLETE: ("#e8f1fb", "#7aa7d9", "#0f2f57"),
    SIGNED: ("#e6f4ea", "#6aa875", "#123d1c"), WITHDRAWN: ("#eceff3", "#9aa5b1", "#1f2a36"),
    OUT_OF_DATE: ("#fde7e7", "#d77a7a", "#5c1111"), GUARDIAN_UNSIGNED: ("#fff4ce", "#d8b24a", "#3b2f00")}
FORM_LANGUAGES = (("zh_CN", "中文"), ("en", "English"))
SAVE_DELAY_MS = 600


def launch(dialog: QDialog) -> int:
    """Run a modal dialog. Tests replace this to answer the dialog without a screen."""
    return dialog.exec()


def qdate_to_date(qd: QDate) -> date:
    return date(qd.year(), qd.month(), qd.day())


def date_edit(accessible: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setAccessibleName(accessible)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMaximumDate(QDate.currentDate())
    edit.setDate(QDate.currentDate())
    return edit


class WithdrawDialog(QDialog):
    def __init__(self, recording_allowed: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Record a withdrawal"))
        self.scope = QComboBox()
        self.scope.setAccessibleName(tr("What the withdrawal covers"))
        for scope in SCOPES:
            if scope == "recording" and not recording_allowed:
                continue
            self.scope.addItem(tr(SCOPE_LABELS[scope]), scope)
        self.date = date_edit(tr("Date of the withdrawal"))
        self.note = QLineEdit()
        self.note.setAccessibleName(tr("Note about the withdrawal"))
        form = QFormLayout()
        for text, widget in ((tr("&Covers:"), self.scope), (tr("&Date:"), self.date), (tr("&Note:"), self.note)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Cancel"))
        buttons.addButton(tr("Record withdrawal"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(guard_typed_text(self).cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 56)


class ConsentTab(QWidget):
    """Public: `refresh()`, `flush()`, `shutdown()`, `focus_first_missing()`, `print_form()`,
    `record_signed_on_paper()`, `sign_on_screen()`, `withdraw()`, `start_reconsent()`; `state` is the client's
    ConsentState; `checks` and `questions` map item ids to their tick box and question box."""

    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.state: ConsentState | None = None
        self.checks: dict[str, QCheckBox] = {}
        self.questions: dict[str, QPlainTextEdit] = {}
        self._shown_for: tuple[int, bool, str] | None = None
        self._dirty_questions: set[str] = set()

        self.status_frame = QFrame()
        self.status_frame.setObjectName("consentStatus")
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setAccessibleName(tr("Consent status"))
        font = self.status_label.font()
        font.setBold(True)
        self.status_label.setFont(font)
        self.status_details = QLabel()
        self.status_details.setWordWrap(True)
        self.status_details.setTextFormat(Qt.TextFormat.PlainText)
        self.reconsent_button = QPushButton(tr("Start &re-consent"))
        self.reconsent_button.setAccessibleName(tr("Start a new consent checklist under the current form"))
        self.reconsent_button.clicked.connect(self.start_reconsent)
        # The frame keeps its height as the status changes (issue 13: the first tick added a line and the
        # checklist dropped under the mouse): the form version has a line of its own from the start, and the
        # re-consent button keeps its room when hidden.
        self.version_label = QLabel()
        self.version_label.setTextFormat(Qt.TextFormat.PlainText)
        self.version_label.setAccessibleName(tr("Consent form version"))
        policy = self.reconsent_button.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.reconsent_button.setSizePolicy(policy)
        status_layout = QVBoxLayout(self.status_frame)
        status_layout.addWidget(self.status_label)
        status_layout.addWidget(self.status_details)
        row = QHBoxLayout()
        row.addWidget(self.version_label, 1)
        row.addWidget(self.reconsent_button)
        status_layout.addLayout(row)

        self.checklist_box = QGroupBox(tr("Checklist: tick each item once it has been explained"))
        self.checklist_layout = QVBoxLayout(self.checklist_box)

        self.recording_box = QGroupBox(tr("Audio and video recording (a separate choice)"))
        self.recording_check = QCheckBox(tr("The client &agrees to audio or video recording of sessions"))
        self.recording_check.setAccessibleName(tr("The client agrees to audio or video recording of sessions"))
        self.recording_check.toggled.connect(self._recording_toggled)
        self.recording_note = QLabel()
        self.recording_note.setWordWrap(True)
        self.recording_note.setTextFormat(Qt.TextFormat.PlainText)
        rec_layout = QVBoxLayout(self.recording_box)
        rec_layout.addWidget(self.recording_check)
        rec_layout.addWidget(self.recording_note)

        self.sign_box = QGroupBox(tr("The form and signatures"))
        self.form_language = QComboBox()
        self.form_language.setAccessibleName(tr("Language of the printed form"))
        for code, name in FORM_LANGUAGES:
            self.form_language.addItem(name, code)
        self.form_language.setCurrentIndex(0 if language() == "zh_CN" else 1)
        self.print_button = QPushButton(tr("&Print form…"))
        self.print_button.setAccessibleName(tr("Preview and print the consent form"))
        self.print_button.clicked.connect(self.print_form)
        self.paper_date = date_edit(tr("Date the form was signed on paper"))
        self.paper_button = QPushButton(tr("Signed on &paper"))
        self.paper_button.setAccessibleName(tr("Record that the printed form was signed on paper on this date"))
        self.paper_button.clicked.connect(self.record_signed_on_paper)
        self.screen_button = QPushButton(tr("Sign on &screen…"))
        self.screen_button.setAccessibleName(tr("Let the client sign on the screen"))
        self.screen_button.clicked.connect(self.sign_on_screen)
        self.withdraw_button = QPushButton(tr("&Withdrawal…"))
        self.withdraw_button.setAccessibleName(tr("Record that the client withdraws consent"))
        self.withdraw_button.clicked.connect(self.withdraw)
        self.sign_message = message_label()
        lang_label = QLabel(tr("Form &language:"))
        lang_label.setTextFormat(Qt.TextFormat.PlainText)
        lang_label.setBuddy(self.form_language)
        date_label = QLabel(tr("Signed &on:"))
        date_label.setTextFormat(Qt.TextFormat.PlainText)
        date_label.setBuddy(self.paper_date)
        top = QHBoxLayout()
        w: QWidget
        for w in (lang_label, self.form_language, self.print_button):
            top.addWidget(w)
        top.addStretch(1)
        middle = QHBoxLayout()
        for w in (date_label, self.paper_date, self.paper_button, self.screen_button):
            middle.addWidget(w)
        middle.addStretch(1)
        middle.addWidget(self.withdraw_button)
        # A client under 18: the guardian signs on their own, on paper or on screen (issue 12.7).
        self.guardian_row = QWidget()
        guardian = QHBoxLayout(self.guardian_row)
        guardian.setContentsMargins(0, 0, 0, 0)
        self.guardian_name = QLineEdit()
        self.guardian_name.setAccessibleName(tr("Name of the guardian who signs"))
        self.guardian_name.setMinimumWidth(self.fontMetrics().averageCharWidth() * 14)
        guardian_label = QLabel(tr("&Guardian:"))
        guardian_label.setTextFormat(Qt.TextFormat.PlainText)
        guardian_label.setBuddy(self.guardian_name)
        self.guardian_paper_button = QPushButton(tr("Guardian signed on pape&r"))
        self.guardian_paper_button.setAccessibleName(tr("Record that the guardian signed the printed form on "
                                                        "this date"))
        self.guardian_paper_button.clicked.connect(self.guardian_signed_on_paper)
        self.guardian_screen_button = QPushButton(tr("Guardian signs on scree&n…"))
        self.guardian_screen_button.setAccessibleName(tr("Let the guardian sign on the screen"))
        self.guardian_screen_button.clicked.connect(self.guardian_sign_on_screen)
        for w in (guardian_label, self.guardian_name, self.guardian_paper_button, self.guardian_screen_button):
            guardian.addWidget(w)
        guardian.addStretch(1)
        sign_layout = QVBoxLayout(self.sign_box)
        sign_layout.addLayout(top)
        sign_layout.addLayout(middle)
        sign_layout.addWidget(self.guardian_row)
        sign_layout.addWidget(self.sign_message)

        self.history_label = QLabel()
        self.history_label.setWordWrap(True)
        self.history_label.setTextFormat(Qt.TextFormat.PlainText)
        self.history_label.setAccessibleName(tr("Earlier consents"))

        content = QWidget()
        column = QVBoxLayout(content)
        for w in (self.status_frame, self.sign_box, self.checklist_box, self.recording_box, self.history_label):
            column.addWidget(w)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        self.scroll_area = scroll
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.flush)
        self.watcher = StoreWatcher(self, services.store, self.refresh, self._wants)
        self.refresh()

    # -- showing ----------------------------------------------------------------------------------------------------

    @property
    def editable(self) -> bool:
        return self.state is not None and self.state.status in (PENDING, COMPLETE)

    def refresh(self) -> None:
        self.watcher.mark_fresh()
        self.state = state = self.services.consent.state(self.client_id)
        consent = state.consent
        signed_promise = consent.retention_promise.get(language()) if consent is not None else None
        key = (state.template.version, state.minor,
               signed_promise or self.services.consent.retention_promise(language()))  # the words shown
        if key != self._shown_for:
            self._build_checklist()
            self._shown_for = key
        explained = set(consent.explained) if consent else set()
        for item_id, box in self.checks.items():
            box.blockSignals(True)
            box.setChecked(item_id in explained)
            box.setEnabled(self.editable)
            box.blockSignals(False)
        for item_id, edit in self.questions.items():
            edit.setReadOnly(not self.editable)
            if item_id not in self._dirty_questions and not edit.hasFocus():
                text = consent.questions.get(item_id, "") if consent else ""
                if edit.toPlainText() != text:
                    edit.blockSignals(True)
                    edit.setPlainText(text)
                    edit.blockSignals(False)
        self.recording_check.blockSignals(True)
        self.recording_check.setChecked(bool(consent and consent.recording))
        self.recording_check.setEnabled(self.editable)
        self.recording_check.blockSignals(False)
        self._show_status()
        self._show_history()

    def _build_checklist(self) -> None:
        while self.checklist_layout.count():
            child = self.checklist_layout.takeAt(0)
            widget = child.widget() if child is not None else None
            if widget is not None:
                widget.deleteLater()
        self.checks.clear()
        self.questions.clear()
        state = self.state
        assert state is not None
        lang = language()
        profile = self.services.profile.get()
        # What the form promises about keeping records: as signed, or from the room's rules now (issue 12.8).
        signed_promise = state.consent.retention_promise.get(lang) if state.consent is not None else None
        retention = signed_promise or self.services.consent.retention_promise(lang)
        for n, item in enumerate(state.items, start=1):
            holder = QWidget()
            holder_layout = QVBoxLayout(holder)
            holder_layout.setContentsMargins(0, 4, 0, 8)
            box = QCheckBox(f"{n}. {item.title(lang)}")
            box.setAccessibleName(tr("Explained: {item}", item=item.title(lang)))
            font = box.font()
            font.setBold(True)
            box.setFont(font)
            box.toggled.connect(lambda on, item_id=item.id: self._tick(item_id, on))
            text = QLabel(fill(item.text(lang), profile, retention))
            text.setWordWrap(True)
            text.setTextFormat(Qt.TextFormat.PlainText)
            text.setContentsMargins(24, 0, 0, 0)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            question = QPlainTextEdit()
            question.setAccessibleName(tr("The client's questions about: {item}", item=item.title(lang)))
            question.setPlaceholderText(tr("The client's questions about this item, and your answers (optional)"))
            question.setTabChangesFocus(True)
            line = question.fontMetrics().lineSpacing()
            question.setFixedHeight(line * 3 + 12)
            question.textChanged.connect(lambda item_id=item.id: self._question_changed(item_id))
            question_row = QHBoxLayout()
            question_row.setContentsMargins(24, 0, 0, 0)
            question_row.addWidget(question)
            holder_layout.addWidget(box)
            holder_layout.addWidget(text)
            holder_layout.addLayout(question_row)
            self.checklist_layout.addWidget(holder)
            self.checks[item.id] = box
            self.questions[item.id] = question

    def _show_status(self) -> None:
        state = self.state
        assert state is not None
        consent = state.consent
        background, border, colour = STATUS_STYLES[state.status]
        self.status_frame.setStyleSheet(f"QFrame#consentStatus {{ background: {background}; border: 1px solid "
                                        f"{border}; border-radius: 6px; }} QLabel {{ color: {colour}; }}")
        self.status_label.setText(tr("Consent: {status}", status=tr(STATUS_LABELS[state.status])))
        lines = []
        if state.status == PENDING:
            lines.append(tr("{count} of {total} items still to explain. No session note can be written until "
                            "every item is ticked.", count=len(state.missing), total=len(state.items)))
        elif state.status == COMPLETE:
            lines.append(tr("Every item is explained but the form is not signed yet: no session note and no test "
                            "until it is. Print the form for signing on paper, or let the client sign on screen."))
            if state.minor:
                lines.append(tr("The client is under 18: the guardian signs too, on paper or on screen."))
        elif state.status in (SIGNED, GUARDIAN_UNSIGNED) and consent is not None and consent.signed_on is not None:
            how = tr("on paper") if consent.signed_how == "paper" else tr("on screen")
            lines.append(tr("Signed {how} on {date}.", how=how, date=consent.signed_on.isoformat()))
            if consent.guardian is not None:
                g = consent.guardian
                how = tr("on paper") if g.signed_how == "paper" else tr("on screen")
                lines.append(tr("The guardian ({name}) signed {how} on {date}.", name=g.guardian_name, how=how,
                                date=g.signed_on.isoformat()))
            elif state.status == GUARDIAN_UNSIGNED:
                lines.append(tr("The client is under 18: the guardian's signature is still missing. No session note "
                                "and no test until the guardian has signed, on paper or on screen."))
        elif state.status == OUT_OF_DATE:
            lines.append(tr("The room's consent form changed after this consent was given (version {old}; the form "
                            "is now version {new}). Go through the new form with the client: start the "
                            "re-consent.", old=state.template.version, new=state.current_version))
        elif state.status == WITHDRAWN and consent is not None and consent.withdrawn_all is not None:
            lines.append(tr("The client withdrew consent on {date}. No session note can be written.",
                            date=consent.withdrawn_all.withdrawn_on.isoformat()))
        if consent is not None:
            self.version_label.setText(tr("Form version {version} · document no. {number}",
                                          version=consent.template_version, number=consent.document_no))
        else:
            self.version_label.setText(tr("Form version {version} · the document number is given at the first "
                                          "tick", version=state.template.version))
        self.status_details.setText("\n".join(lines))
        self.reconsent_button.setVisible(state.status in (OUT_OF_DATE, WITHDRAWN))
        self.reconsent_button.setText(tr("Start &re-consent") if state.status == OUT_OF_DATE
                                      else tr("Start a &new consent"))
        signed_or_over = state.status in (SIGNED, WITHDRAWN, OUT_OF_DATE)
        self.paper_button.setEnabled(state.status == COMPLETE)
        self.paper_date.setEnabled(state.status == COMPLETE)
        self.screen_button.setEnabled(state.status == COMPLETE)
        self.withdraw_button.setEnabled(consent is not None and consent.withdrawn_all is None
                                        and (signed_or_over or state.status in (COMPLETE, GUARDIAN_UNSIGNED)))
        guardian_can_sign = (state.minor and consent is not None and consent.guardian is None
                             and state.status in (COMPLETE, GUARDIAN_UNSIGNED))
        self.guardian_row.setVisible(state.minor)
        for w in (self.guardian_name, self.guardian_paper_button, self.guardian_screen_button):
            w.setEnabled(guardian_can_sign)
        if state.minor and not self.guardian_name.text() and not self.guardian_name.hasFocus():
            self.guardian_name.setText(self.services.clients.get(self.client_id).guardian_name)
        note = ""
        if consent is not None and consent.recording and consent.recording_withdrawn is not None:
            note = tr("The client withdrew the recording consent on {date}: do not record sessions.",
                      date=consent.recording_withdrawn.withdrawn_on.isoformat())
        elif consent is not None and not consent.recording:
            note = tr("No recording: the client has not agreed to it.")
        self.recording_note.setText(note)

    def _show_history(self) -> None:
        earlier = self.services.consent.history(self.client_id)[:-1]
        lines = []
        for c in reversed(earlier):
            if c.withdrawn_all is not None:
                what = tr("withdrawn on {date}", date=c.withdrawn_all.withdrawn_on.isoformat())
            elif c.signed_on is not None:
                what = tr("signed on {date}", date=c.signed_on.isoformat())
            else:
                what = tr("not signed")
            lines.append(tr("Version {version}, {what} (document no. {number})", version=c.template_version,
                            what=what, number=c.document_no))
        self.history_label.setVisible(bool(lines))
        self.history_label.setText(tr("Earlier consents:") + "\n" + "\n".join(lines) if lines else "")

    def focus_first_missing(self) -> None:
        """Show the first item still to explain (the notes refusal brings the counselor here)."""
        state = self.state
        if state and state.missing and state.missing[0] in self.checks:
            box = self.checks[state.missing[0]]
            self.scroll_area.ensureWidgetVisible(box)
            box.setFocus()

    # -- acting -----------------------------------------------------------------------------------------------------

    def _consent_id(self) -> int | None:
        """The consent being worked on, started on first use."""
        state = self.state
        if state is None or state.status not in (PENDING, COMPLETE):
            return None
        if state.consent is not None:
            return state.consent.id
        return self.services.consent.start(self.client_id).id

    def _run(self, action: str, call: object) -> bool:
        try:
            call()  # type: ignore[operator]
        except ValidationError as e:
            set_message(self.sign_message, "\n".join(tr(m) for m in e.errors.values()))
            return False
        except VaultError as e:
            set_message(self.sign_message, e.message())
            return False
        set_message(self.sign_message, action, "ok" if action else "error")
        return True

    def _tick(self, item_id: str, on: bool) -> None:
        consent_id = self._consent_id()
        if consent_id is not None:
            self._run("", lambda: self.services.consent.set_explained(consent_id, item_id, on))
        self.refresh()

    def _recording_toggled(self, on: bool) -> None:
        consent_id = self._consent_id()
        if consent_id is not None:
            self._run("", lambda: self.services.consent.set_recording(consent_id, on))
        self.refresh()

    def _question_changed(self, item_id: str) -> None:
        self._dirty_questions.add(item_id)
        self._save_timer.start()

    def flush(self) -> None:
        """Save the questions typed since the last save."""
        self._save_timer.stop()
        dirty, self._dirty_questions = self._dirty_questions, set()
        if not dirty:
            return
        consent_id = self._consent_id()
        if consent_id is None:
            return
        for item_id in sorted(dirty):
            edit = self.questions.get(item_id)
            if edit is not None:
                text = edit.toPlainText()
                self._run("", lambda item_id=item_id, text=text:
                          self.services.consent.set_question(consent_id, item_id, text))

    def print_form(self) -> bool:
        self.flush()
        state = self.services.consent.state(self.client_id)
        if state.consent is not None and state.status in (SIGNED, WITHDRAWN, OUT_OF_DATE):
            consent_id = state.consent.id  # a copy of the form as it was given
        else:
            consent_id = self.services.consent.start(self.client_id).id
        lang = self.form_language.currentData()
        pdf = self.services.consent.form_pdf(consent_id, lang)
        printed = pdf_printing.preview_pdf(self, pdf, tr("Consent form"))
        if printed:
            self.services.consent.record_printed(consent_id, lang, client_id=self.client_id)
        self.refresh()
        return printed

    def record_signed_on_paper(self) -> None:
        self.flush()
        consent_id = self._consent_id()
        if consent_id is None:
            return
        signed_on = qdate_to_date(self.paper_date.date())
        self._run(tr("Recorded: signed on paper on {date}. Keep the paper form in the locked cabinet.",
                     date=signed_on.isoformat()),
                  lambda: self.services.consent.sign_on_paper(consent_id, signed_on))
        self.refresh()

    def sign_on_screen(self) -> None:
        self.flush()
        consent_id = self._consent_id()
        if consent_id is None:
            return
        dialog = SignatureDialog(tr("Ask the client to read the form and sign in the box below."), self)
        try:
            if launch(dialog) != QDialog.DialogCode.Accepted or not dialog.png:
                return
            png = dialog.png
        finally:
            dialog.deleteLater()
        self._run(tr("Signed on screen. The signature is kept in the vault and printed on the form."),
                  lambda: self.services.consent.sign_on_screen(consent_id, png))
        self.refresh()

    def guardian_signed_on_paper(self) -> None:
        state = self.state
        if state is None or state.consent is None:
            return
        consent_id, name = state.consent.id, self.guardian_name.text()
        signed_on = qdate_to_date(self.paper_date.date())
        self._run(tr("Recorded: the guardian signed on paper on {date}. Keep the paper form in the locked cabinet.",
                     date=signed_on.isoformat()),
                  lambda: self.services.consent.guardian_sign_on_paper(consent_id, name, signed_on))
        self.refresh()

    def guardian_sign_on_screen(self) -> None:
        state = self.state
        if state is None or state.consent is None:
            return
        consent_id, name = state.consent.id, self.guardian_name.text()
        if not name.strip():
            set_message(self.sign_message, tr("Write the name of the guardian who signs."))
            self.guardian_name.setFocus()
            return
        dialog = SignatureDialog(tr("Ask the guardian to read the form and sign in the box below."), self)
        try:
            if launch(dialog) != QDialog.DialogCode.Accepted or not dialog.png:
                return
            png = dialog.png
        finally:
            dialog.deleteLater()
        self._run(tr("The guardian signed on screen. The signature is kept in the vault and printed on the form."),
                  lambda: self.services.consent.guardian_sign_on_screen(consent_id, name, png))
        self.refresh()

    def withdraw(self) -> None:
        state = self.state
        if state is None or state.consent is None:
            return
        consent = state.consent
        dialog = WithdrawDialog(consent.recording_allowed, self)
        try:
            if launch(dialog) != QDialog.DialogCode.Accepted:
                return
            scope, when, note = dialog.scope.currentData(), qdate_to_date(dialog.date.date()), dialog.note.text()
        finally:
            dialog.deleteLater()
        self._run(tr("Withdrawal recorded."),
                  lambda: self.services.consent.withdraw(consent.id, scope, when, note))
        self.refresh()

    def start_reconsent(self) -> None:
        self.services.consent.start(self.client_id)
        self.refresh()
        self.focus_first_missing()

    # -- changes made elsewhere -----------------------------------------------------------------------------------

    def _wants(self, entity: str, entity_id: int | None) -> bool:
        return entity in ("consent", "consent_template", "profile", "settings") or (entity == "client"
                                                                         and entity_id == self.client_id)

    def shutdown(self) -> None:
        """Save what was typed, stop listening and clear what is shown (the window calls this before locking)."""
        self.flush()
        self.watcher.stop()
        for edit in self.questions.values():
            edit.blockSignals(True)
            edit.clear()
        self._save_timer.stop()
        for label in (self.status_label, self.status_details, self.recording_note, self.history_label):
            label.clear()
