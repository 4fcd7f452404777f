"""The locked export, step by step: the basis, what to include, for whom, the passphrase again; then the
encrypted PDF is written where the counselor chooses and its password is shown once.

Only the encrypted bytes ever reach the disk (written atomically by `records.export_files`, inside the service's
transaction, so a failed write leaves no register row). The release authorization form is
printed from memory: its PDF is rendered page by page with pypdfium2 and painted onto the printer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, QRectF, QTimer
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...documents import release_form
from ...i18n import language, tr
from ...records.clients import Client, ValidationError
from ...records.export_files import write_locked_export
from ...records.exports import (
    EXCEPTION_LABELS,
    EXCEPTIONS,
    KIND_LABELS,
    KINDS,
    Authorization,
    Basis,
    ExportContents,
    ExportPlan,
    ExportResult,
)
from ...records.services import Services
from ...vault.errors import VaultError
from ...vault.vault import Vault
from ..clients.client_form import plain_label
from ..common import printing
from ..common.widgets import (
    CapsLockWarning,
    PassphraseEdit,
    Task,
    confirm_destructive,
    heading,
    message_label,
    monospace_font,
    paragraph,
    set_message,
    show_error,
)

log = logging.getLogger(__name__)

STEPS = ("basis", "contents", "recipient", "passphrase")
CLIPBOARD_CLEAR_MS = 60_000
PathChooser = Callable[[QWidget, str], "Path | None"]


def choose_save_path(parent: QWidget, suggested: str) -> Path | None:
    """Ask where to save the encrypted PDF. Tests replace `ExportDialog.choose_path`."""
    name, _ = QFileDialog.getSaveFileName(parent, tr("Save the locked export"), suggested, tr("PDF files (*.pdf)"))
    return Path(name) if name else None


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def _add_row(form: QFormLayout, text: str, widget: QWidget, error: QLabel) -> None:
    """A form row whose label's mnemonic focuses the field, with its error message beneath the field."""
    label = QLabel(text)
    label.setBuddy(widget)
    box = QVBoxLayout()
    box.setContentsMargins(0, 0, 0, 0)
    box.addWidget(widget)
    box.addWidget(error)
    form.addRow(label, box)


def _same(a: str, b: str) -> bool:
    """The same name or purpose, whatever the spacing or case (as the export service compares them)."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def notes_count(count: int) -> str:
    return tr("1 signed note will be included.") if count == 1 else tr("{count} signed notes will be included.",
                                                                         count=count)


def pdf_page_painter(pdf: bytes) -> printing.Painter:
    """Paint the first page of a PDF (rendered in memory at 300 dpi) into the printer's page rectangle."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        bitmap = page.render(scale=300 / 72, rev_byteorder=True)
        image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                       QImage.Format.Format_RGB888 if bitmap.n_channels == 3 else QImage.Format.Format_RGBA8888).copy()
    finally:
        document.close()

    def paint(p: QPainter, rect: QRectF) -> None:
        scale = min(rect.width() / image.width(), rect.height() / image.height())
        target = QRectF(rect.x(), rect.y(), image.width() * scale, image.height() * scale)
        p.drawImage(target, image)

    return paint


class PasswordDialog(QDialog):
    """The generated password, shown once, with a copy button; the clipboard is cleared after a minute."""

    def __init__(self, result: ExportResult, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Export password"))
        self._password = result.password
        self.title = heading(tr("The locked export {number} is saved.", number=result.number), 1.2)
        self.where = paragraph(tr("File: {path}", path=str(path)))
        self.password_field = QLineEdit(result.password)
        self.password_field.setReadOnly(True)
        self.password_field.setFont(monospace_font(1.5))
        self.password_field.setAccessibleName(tr("Password of the exported file"))
        self.password_field.setMinimumWidth(self.password_field.fontMetrics().horizontalAdvance(result.password) + 40)
        self.copy_button = QPushButton(tr("&Copy the password"))
        self.copy_button.clicked.connect(self.copy)
        self.copied_label = message_label()
        self.advice = paragraph(tr("Give this password to the recipient separately — by phone or in person, never "
                                   "in the same message or on the same medium as the file. Type it exactly, with "
                                   "the dashes. It is not kept anywhere and cannot be shown again."))
        self.close_button = QPushButton(tr("I have noted the password, c&lose"))
        self.close_button.clicked.connect(self.accept)
        self.close_button.setDefault(True)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.password_field, 1)
        row.addWidget(self.copy_button)
        for w in (self.title, self.where):
            layout.addWidget(w)
        layout.addLayout(row)
        layout.addWidget(self.copied_label)
        layout.addWidget(self.advice)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

    def copy(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self._password)
        set_message(self.copied_label, tr("Copied. The clipboard is cleared in one minute."), "ok")
        password = self._password

        def clear() -> None:
            if clipboard.text() == password:
                clipboard.clear()

        QTimer.singleShot(CLIPBOARD_CLEAR_MS, clear)

    def done(self, result: int) -> None:
        self.password_field.clear()
        self._password = ""
        super().done(result)


class ExportDialog(QDialog):
    """Export one client's record as a locked PDF. `exported` holds the result's number once done.

    A caller may preset the document (`kind`, such as "referral_letter"), the `recipient`, the `purpose`
    and the `letter_text`; the basis is still chosen here, under the same rules."""

    choose_path: PathChooser = staticmethod(choose_save_path)

    def __init__(self, services: Services, vault: Vault, client_id: int, parent: QWidget | None = None, *,
                 kind: str | None = None, recipient: str = "", purpose: str = "", letter_text: str = "") -> None:
        super().__init__(parent)
        self.services = services
        self.vault = vault
        self.client_id = client_id
        self.client: Client = services.clients.get(client_id)
        self.authorization_list: list[Authorization] = []
        self.plan: ExportPlan | None = None
        self.exported: str | None = None
        self.saved_path: Path | None = None
        self.password_dialog: PasswordDialog | None = None
        self._task: Task | None = None
        self.setWindowTitle(tr("Export a record — {client}", client=self.client.code))
        self.setModal(True)

        self.step_label = heading("", 1.2)
        self.steps = QStackedWidget()
        self.steps.addWidget(self._basis_page())
        self.steps.addWidget(self._contents_page())
        self.steps.addWidget(self._recipient_page())
        self.steps.addWidget(self._passphrase_page())
        self.back_button = QPushButton(tr("< &Back"))
        self.back_button.clicked.connect(self.back)
        self.next_button = QPushButton(tr("&Next >"))
        self.next_button.clicked.connect(self.next)
        self.export_button = QPushButton(tr("&Export and save…"))
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        for b in (self.back_button, self.next_button, self.export_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        self.cancel_button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.step_label)
        layout.addWidget(self.steps, 1)
        layout.addLayout(buttons)
        self.resize(self.fontMetrics().horizontalAdvance("M") * 60, self.fontMetrics().height() * 34)
        self._fill_authorizations()
        self._preset(kind, recipient, purpose, letter_text)
        self._show_step(0)

    def _preset(self, kind: str | None, recipient: str, purpose: str, letter_text: str) -> None:
        if kind in KINDS:
            self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(kind)))
        for edit, value in ((self.recipient_edit, recipient), (self.purpose_edit, purpose),
                            (self.auth_recipient, recipient), (self.auth_purpose, purpose)):
            if value.strip():
                edit.setText(value.strip())
        if letter_text:
            self.letter_edit.setPlainText(letter_text)
        if recipient.strip():  # prefer a valid authorization for this very recipient
            match = next((a for a in self.authorization_list if not a.expired() and _same(a.recipient, recipient)
                          and (not purpose.strip() or _same(a.purpose, purpose))), None)
            if match is not None:
                self._fill_authorizations(select=match.id)
        if kind == "referral_letter":
            self.preset_notice.setText(tr("A referral letter needs the client's written release authorization for "
                                          "this recipient (record it below, or print the form for the client to "
                                          "sign), or a named confidentiality exception. The client's consent noted "
                                          "on the referral is not a release authorization."))
            self.preset_notice.setVisible(True)

    # step 1: the basis
    def _basis_page(self) -> QWidget:
        page = QWidget()
        intro = paragraph(tr("Records leave the room only for a recorded reason. Choose the basis of this export."))
        self.preset_notice = paragraph("")
        self.preset_notice.setStyleSheet("QLabel { background: #fff4ce; color: #3b2f00; padding: 4px 8px; }")
        self.preset_notice.setVisible(False)
        self.use_authorization = QRadioButton(tr("The client's written &release authorization"))
        self.use_exception = QRadioButton(tr("&A named confidentiality exception"))
        group = QButtonGroup(page)
        group.addButton(self.use_authorization)
        group.addButton(self.use_exception)
        self.authorization_combo = QComboBox()
        self.authorization_combo.setAccessibleName(tr("Recorded release authorizations"))
        self.authorization_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.authorization_combo.setMinimumContentsLength(30)
        self.authorization_details = plain_label()
        self.authorization_details.setWordWrap(True)
        self.new_authorization_button = QPushButton(tr("Record a ne&w authorization…"))
        self.new_authorization_button.setCheckable(True)
        self.print_form_button = QPushButton(tr("&Print the form to sign…"))

        self.auth_form = QGroupBox(tr("New authorization, as signed on paper"))
        form = QFormLayout(self.auth_form)
        self.auth_recipient = QLineEdit()
        self.auth_recipient.setAccessibleName(tr("Recipient"))
        self.auth_purpose = QLineEdit()
        self.auth_purpose.setAccessibleName(tr("Purpose"))
        self.auth_scope = QPlainTextEdit()
        self.auth_scope.setAccessibleName(tr("What is released"))
        self.auth_scope.setTabChangesFocus(True)
        self.auth_scope.setFixedHeight(self.fontMetrics().height() * 4)
        self.auth_signed = QDateEdit(_qdate(date.today()))
        self.auth_signed.setCalendarPopup(True)
        self.auth_signed.setDisplayFormat("yyyy-MM-dd")
        self.auth_signed.setAccessibleName(tr("Signed on"))
        self.auth_expires = QDateEdit(_qdate(date.today() + timedelta(days=90)))
        self.auth_expires.setCalendarPopup(True)
        self.auth_expires.setDisplayFormat("yyyy-MM-dd")
        self.auth_expires.setAccessibleName(tr("Valid until"))
        self.auth_errors = {k: message_label() for k in ("recipient", "purpose", "scope", "signed_on", "expires_on")}
        for label, widget, key in ((tr("Re&cipient"), self.auth_recipient, "recipient"),
                                   (tr("P&urpose"), self.auth_purpose, "purpose"),
                                   (tr("What is re&leased"), self.auth_scope, "scope"),
                                   (tr("&Signed on"), self.auth_signed, "signed_on"),
                                   (tr("&Valid until"), self.auth_expires, "expires_on")):
            _add_row(form, label, widget, self.auth_errors[key])
        self.auth_record_button = QPushButton(tr("Recor&d the authorization"))
        form.addRow("", self.auth_record_button)
        self.auth_form.setVisible(False)

        self.exception_combo = QComboBox()
        self.exception_combo.setAccessibleName(tr("Confidentiality exception"))
        self.exception_combo.addItem(tr("Choose the exception…"), None)
        for key in EXCEPTIONS:
            self.exception_combo.addItem(tr(EXCEPTION_LABELS[key]), key)
        self.justification_edit = QPlainTextEdit()
        self.justification_edit.setAccessibleName(tr("Justification"))
        self.justification_edit.setPlaceholderText(tr("What happened, what the risk is, and why this release is "
                                                      "needed"))
        self.justification_edit.setTabChangesFocus(True)
        self.justification_edit.setFixedHeight(self.fontMetrics().height() * 5)
        self.basis_error = message_label()

        auth_row = QHBoxLayout()
        auth_row.addWidget(self.authorization_combo, 1)
        auth_row.addWidget(self.new_authorization_button)
        auth_row.addWidget(self.print_form_button)
        exception_box = QFormLayout()
        exception_box.addRow(tr("E&xception"), self.exception_combo)
        exception_box.addRow(tr("&Justification"), self.justification_edit)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addWidget(self.preset_notice)
        layout.addWidget(self.use_authorization)
        layout.addLayout(auth_row)
        layout.addWidget(self.authorization_details)
        layout.addWidget(self.auth_form)
        layout.addWidget(self.use_exception)
        layout.addLayout(exception_box)
        layout.addWidget(self.basis_error)
        layout.addStretch(1)

        self.use_authorization.toggled.connect(self._basis_mode_changed)
        self.use_exception.toggled.connect(self._basis_mode_changed)
        self.authorization_combo.currentIndexChanged.connect(self._authorization_chosen)
        self.new_authorization_button.toggled.connect(self._toggle_auth_form)
        self.auth_record_button.clicked.connect(self.record_authorization)
        self.print_form_button.clicked.connect(self.print_form)
        self.exception_combo.currentIndexChanged.connect(lambda _i: self._choose_mode(exception=True))
        self.justification_edit.textChanged.connect(lambda: set_message(self.basis_error, ""))
        return page

    def _choose_mode(self, exception: bool) -> None:
        (self.use_exception if exception else self.use_authorization).setChecked(True)

    def _basis_mode_changed(self, _checked: bool) -> None:
        set_message(self.basis_error, "")

    def _toggle_auth_form(self, on: bool) -> None:
        self.auth_form.setVisible(on)
        if on:
            self._choose_mode(exception=False)
            self.auth_recipient.setFocus()

    def _fill_authorizations(self, select: int | None = None) -> None:
        self.authorization_list = self.services.exports.authorizations(self.client_id)
        combo = self.authorization_combo
        combo.blockSignals(True)
        combo.clear()
        if not self.authorization_list:
            combo.addItem(tr("No authorization recorded for this client"), None)
        for auth in self.authorization_list:
            text = tr("{recipient} — {purpose} (until {expires})", recipient=auth.recipient, purpose=auth.purpose,
                      expires=auth.expires_on.isoformat())
            if auth.expired():
                text = tr("Expired: {authorization}", authorization=text)
            combo.addItem(text, auth.id)
        valid = [a for a in self.authorization_list if not a.expired()]
        wanted = select if select is not None else (valid[0].id if valid else None)
        combo.setCurrentIndex(max(0, combo.findData(wanted)))
        combo.blockSignals(False)
        if valid and not self.use_exception.isChecked():
            self.use_authorization.setChecked(True)
        self._authorization_chosen()

    def _authorization_chosen(self, _index: int = 0) -> None:
        auth = self.chosen_authorization()
        if auth is None:
            self.authorization_details.setText("")
            return
        self._choose_mode(exception=False)
        self.authorization_details.setText(tr("Signed on {signed}, valid until {expires}. Releases: {scope}",
                                              signed=auth.signed_on.isoformat(), expires=auth.expires_on.isoformat(),
                                              scope=auth.scope))
        set_message(self.basis_error, "")

    def chosen_authorization(self) -> Authorization | None:
        auth_id = self.authorization_combo.currentData()
        return next((a for a in self.authorization_list if a.id == auth_id), None)

    def record_authorization(self) -> None:
        for label in self.auth_errors.values():
            set_message(label, "")
        try:
            auth = self.services.exports.record_authorization(
                self.client_id, self.auth_recipient.text(), self.auth_purpose.text(), self.auth_scope.toPlainText(),
                _pydate(self.auth_expires.date()), _pydate(self.auth_signed.date()))
        except ValidationError as e:
            for key, msgid in e.errors.items():
                set_message(self.auth_errors.get(key, self.basis_error), tr(msgid))
            return
        except VaultError as e:
            show_error(self, tr("Record the authorization"), e.message())
            return
        self.new_authorization_button.setChecked(False)
        for w in (self.auth_recipient, self.auth_purpose):
            w.clear()
        self.auth_scope.clear()
        self._fill_authorizations(select=auth.id)
        self.use_authorization.setChecked(True)

    def release_form(self) -> release_form.ReleaseForm:
        """The form as filled in so far (the new authorization's fields, or the chosen one's)."""
        profile = self.services.profile.get()
        auth = self.chosen_authorization() if not self.auth_form.isVisible() else None
        recipient = auth.recipient if auth else self.auth_recipient.text()
        purpose = auth.purpose if auth else self.auth_purpose.text()
        scope = auth.scope if auth else self.auth_scope.toPlainText()
        expires = auth.expires_on if auth else (_pydate(self.auth_expires.date()) if self.auth_form.isVisible()
                                                else None)
        return release_form.ReleaseForm(lang=language(), counselor=profile.name, room=profile.room,
                                        institution=profile.institution, client_name=self.client.display_name,
                                        recipient=recipient, purpose=purpose, scope=scope, expires_on=expires)

    def print_form(self) -> bool:
        form = self.release_form()
        pdf = release_form.render_pdf(form)
        title = release_form.form_text(form).title
        if not printing.print_pages(self, title, pdf_page_painter(pdf)):
            return False
        try:
            self.services.exports.record_form_printed(self.client_id)
        except VaultError as e:
            log.debug("could not record the printed form: %s", type(e).__name__)
        return True

    def basis(self) -> Basis | None:
        if self.use_authorization.isChecked():
            auth = self.chosen_authorization()
            return Basis.authorized(auth.id) if auth else None
        if self.use_exception.isChecked():
            return Basis.exceptional(self.exception_combo.currentData() or "", self.justification_edit.toPlainText())
        return None

    # step 2: what to include
    def _contents_page(self) -> QWidget:
        page = QWidget()
        self.scope_reminder = plain_label()
        self.scope_reminder.setWordWrap(True)
        self.scope_reminder.setStyleSheet("QLabel { background: #fff4ce; color: #3b2f00; padding: 4px 8px; }")
        self.include_notes = QCheckBox(tr("Signed session &notes"))
        self.include_notes.setChecked(True)
        self.date_from = QDateEdit()
        self.date_to = QDateEdit(_qdate(date.today()))
        for w, name in ((self.date_from, tr("From")), (self.date_to, tr("Until"))):
            w.setCalendarPopup(True)
            w.setDisplayFormat("yyyy-MM-dd")
            w.setAccessibleName(name)
        notes = self.services.notes.for_client(self.client_id)
        held = [a.planned_start.date() for a in self.services.appointments.for_client(self.client_id) if a.held]
        first = min([n.session_date for n in notes] + held, default=date.today())  # group sessions have no note here
        self.date_from.setDate(_qdate(first))
        self.include_addenda = QCheckBox(tr("Their &addenda"))
        self.include_addenda.setChecked(True)
        self.include_contacts = QCheckBox(tr("The client's contact &details (phone, guardian, emergency contact)"))
        self.include_tests = QCheckBox(tr("Psychological &test results in this period (scores and bands)"))
        # Group notes describe other members: only when chosen, with their names replaced (issue 12.5).
        self.include_group_notes = QCheckBox(tr("&Group notes of sessions the client attended in this period "
                                                "(other members' names replaced)"))
        sensitive = QGroupBox(tr("Kept out unless you choose them"))
        self.include_private = QCheckBox(tr("&Private process notes"))
        self.include_raw_tests = QCheckBox(tr("&Raw test answers"))
        box = QVBoxLayout(sensitive)
        box.addWidget(self.include_private)
        box.addWidget(self.include_raw_tests)
        self.plan_label = plain_label()
        self.plan_label.setWordWrap(True)
        self.contents_error = message_label()
        period = QHBoxLayout()
        from_label = plain_label(tr("&From"))
        from_label.setBuddy(self.date_from)
        to_label = plain_label(tr("&until"))
        to_label.setBuddy(self.date_to)
        for part in (from_label, self.date_from, to_label, self.date_to):
            period.addWidget(part)
        period.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addWidget(self.scope_reminder)
        layout.addWidget(self.include_notes)
        layout.addLayout(period)
        layout.addWidget(self.include_addenda)
        layout.addWidget(self.include_contacts)
        layout.addWidget(self.include_tests)
        layout.addWidget(self.include_group_notes)
        layout.addWidget(sensitive)
        layout.addWidget(self.plan_label)
        layout.addWidget(self.contents_error)
        layout.addStretch(1)
        self.include_private.toggled.connect(lambda on: self._confirm_sensitive(self.include_private, on))
        self.include_raw_tests.toggled.connect(lambda on: self._confirm_sensitive(self.include_raw_tests, on))
        for check in (self.include_notes, self.include_addenda, self.include_contacts, self.include_tests,
                      self.include_group_notes):
            check.toggled.connect(self._update_plan)
        self.include_tests.toggled.connect(self._tests_toggled)
        self.include_raw_tests.setEnabled(False)  # raw answers go only with the results they belong to
        self.date_from.dateChanged.connect(self._update_plan)
        self.date_to.dateChanged.connect(self._update_plan)
        self.include_notes.toggled.connect(self._notes_toggled)
        return page

    def _notes_toggled(self, on: bool) -> None:
        self.include_addenda.setEnabled(on)

    def _tests_toggled(self, on: bool) -> None:
        self.include_raw_tests.setEnabled(on)
        if not on and self.include_raw_tests.isChecked():
            self.include_raw_tests.setChecked(False)

    def _confirm_sensitive(self, box: QCheckBox, on: bool) -> None:
        if on:
            what = tr("private process notes") if box is self.include_private else tr("raw test answers")
            asked = confirm_destructive(
                self, tr("Include {what}?", what=what),
                tr("The {what} are kept apart and never leave the room by default. Include them only when the "
                   "authorization or the exception really covers them. The recipient will read them.", what=what),
                tr("&Include them"), tr("Keep them out"))
            if not asked:
                box.blockSignals(True)
                box.setChecked(False)
                box.blockSignals(False)
        self._update_plan()

    def contents(self) -> ExportContents:
        notes = self.include_notes.isChecked()
        sensitive = self.include_private.isChecked() or self.include_raw_tests.isChecked()
        return ExportContents(
            kind=self.kind_combo.currentData() or "record_copy",
            date_from=_pydate(self.date_from.date()),  # the period limits notes and test results alike
            date_to=_pydate(self.date_to.date()),
            include_notes=notes, include_addenda=self.include_addenda.isChecked(),
            include_contacts=self.include_contacts.isChecked(), include_private=self.include_private.isChecked(),
            include_tests=self.include_tests.isChecked(),
            include_raw_tests=self.include_tests.isChecked() and self.include_raw_tests.isChecked(),
            include_group_notes=self.include_group_notes.isChecked(),
            sensitive_confirmed=sensitive,  # each box was confirmed a second time when it was ticked
            letter_text=self.letter_edit.toPlainText())

    def _update_plan(self, *_args: object) -> None:
        set_message(self.contents_error, "")
        try:
            plan = self.services.exports.plan_export(self.client_id, self.basis(),
                                                     replace(self.contents(), letter_text="-"))
        except ValidationError as e:
            self.plan_label.setText(tr(next(iter(e.errors.values()))))
            return
        except VaultError as e:
            self.plan_label.setText(e.message())
            return
        text = notes_count(len(plan.notes))
        if plan.contents.include_tests:
            text += " " + (tr("1 test result.") if len(plan.tests) == 1
                           else tr("{count} test results.", count=len(plan.tests)))
        else:
            text += " " + tr("No test results.")
        if plan.contents.include_group_notes:
            text += " " + tr("Group notes: {count}, other members' names replaced.", count=len(plan.group_notes))
        else:
            text += " " + tr("No group notes.")
        if plan.drafts_left_out:
            text += " " + tr("Unsigned drafts left out: {count}.", count=plan.drafts_left_out)
        self.plan_label.setText(text)

    # step 3: for whom, in which form
    def _recipient_page(self) -> QWidget:
        page = QWidget()
        self.recipient_edit = QLineEdit()
        self.recipient_edit.setAccessibleName(tr("Recipient"))
        self.purpose_edit = QLineEdit()
        self.purpose_edit.setAccessibleName(tr("Purpose"))
        self.recipient_note = plain_label()
        self.recipient_note.setWordWrap(True)
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName(tr("Document"))
        for key in KINDS:
            self.kind_combo.addItem(tr(KIND_LABELS[key]), key)
        self.lang_combo = QComboBox()
        self.lang_combo.setAccessibleName(tr("Language of the document"))
        self.lang_combo.addItem("中文（简体）", "zh_CN")
        self.lang_combo.addItem("English", "en")
        self.lang_combo.setCurrentIndex(max(0, self.lang_combo.findData(language())))
        self.letter_edit = QPlainTextEdit()
        self.letter_edit.setAccessibleName(tr("Letter or summary text"))
        self.letter_edit.setPlaceholderText(tr("For a referral letter: the reason for referral. For a transfer "
                                               "summary: the summary. For a record copy: an optional covering note."))
        self.letter_edit.setTabChangesFocus(True)
        self.recipient_errors = {k: message_label() for k in ("recipient", "purpose", "contents")}
        form = QFormLayout(page)
        for label, widget, key in ((tr("Re&cipient"), self.recipient_edit, "recipient"),
                                   (tr("P&urpose"), self.purpose_edit, "purpose")):
            _add_row(form, label, widget, self.recipient_errors[key])
        form.addRow("", self.recipient_note)
        form.addRow(tr("&Document"), self.kind_combo)
        form.addRow(tr("&Language"), self.lang_combo)
        _add_row(form, tr("&Text"), self.letter_edit, self.recipient_errors["contents"])
        return page

    # step 4: the passphrase
    def _passphrase_page(self) -> QWidget:
        page = QWidget()
        self.summary_label = plain_label()
        self.summary_label.setWordWrap(True)
        self.passphrase_edit = PassphraseEdit(tr("Your passphrase"))
        self.caps_warning = CapsLockWarning(self.passphrase_edit)
        self.passphrase_error = message_label()
        label = QLabel(tr("Re-enter your &passphrase to export"))
        label.setBuddy(self.passphrase_edit)
        layout = QVBoxLayout(page)
        layout.addWidget(self.summary_label)
        layout.addSpacing(self.fontMetrics().height())
        layout.addWidget(label)
        layout.addWidget(self.passphrase_edit)
        layout.addWidget(self.caps_warning)
        layout.addWidget(self.passphrase_error)
        layout.addStretch(1)
        self.passphrase_edit.returnPressed.connect(self.start_export)
        return page

    # moving between steps
    def _show_step(self, index: int) -> None:
        self.steps.setCurrentIndex(index)
        titles = (tr("Step 1 of 4: the basis"), tr("Step 2 of 4: what to include"),
                  tr("Step 3 of 4: recipient and document"), tr("Step 4 of 4: confirm with your passphrase"))
        self.step_label.setText(titles[index])
        self.back_button.setEnabled(index > 0)
        self.next_button.setVisible(index < len(STEPS) - 1)
        self.export_button.setVisible(index == len(STEPS) - 1)
        self.next_button.setDefault(index < len(STEPS) - 1)
        if index == 1:
            self._enter_contents()
        elif index == 2:
            self._enter_recipient()
        elif index == 3:
            self._enter_passphrase()

    @property
    def step(self) -> str:
        return STEPS[self.steps.currentIndex()]

    def back(self) -> None:
        if self.steps.currentIndex() > 0 and self._task is None:
            self._show_step(self.steps.currentIndex() - 1)

    def next(self) -> None:
        index = self.steps.currentIndex()
        if index == 0 and not self._check_basis():
            return
        if index == 1 and not self._check_contents():
            return
        if index == 2 and not self._check_recipient():
            return
        if index < len(STEPS) - 1:
            self._show_step(index + 1)

    def _check_basis(self) -> bool:
        set_message(self.basis_error, "")
        try:
            self.services.exports.check_basis(self.client_id, self.basis())
        except ValidationError as e:
            set_message(self.basis_error, "\n".join(tr(m) for m in e.errors.values()))
            return False
        except VaultError as e:
            set_message(self.basis_error, e.message())
            return False
        return True

    def _enter_contents(self) -> None:
        auth = self.chosen_authorization() if self.use_authorization.isChecked() else None
        if auth is not None:
            self.scope_reminder.setText(tr("The authorization releases: {scope}", scope=auth.scope))
        else:
            self.scope_reminder.setText(tr("Exception: {exception}. Release only what the exception requires.",
                                           exception=self.exception_combo.currentText()))
        self._update_plan()

    def _check_contents(self) -> bool:
        set_message(self.contents_error, "")
        try:
            # The letter text comes in step 3; until then a period without signed notes is not an error.
            self.plan = self.services.exports.plan_export(self.client_id, self.basis(),
                                                          replace(self.contents(), letter_text="-"))
        except ValidationError as e:
            set_message(self.contents_error, "\n".join(tr(m) for m in e.errors.values()))
            return False
        return True

    def _enter_recipient(self) -> None:
        auth = self.chosen_authorization() if self.use_authorization.isChecked() else None
        for edit, value in ((self.recipient_edit, auth.recipient if auth else None),
                            (self.purpose_edit, auth.purpose if auth else None)):
            edit.setReadOnly(auth is not None)
            if value is not None:
                edit.setText(value)
        self.recipient_note.setText(tr("As written on the authorization; it releases to no one else.") if auth
                                    else tr("Name the person or office that receives it under the exception."))
        (self.letter_edit if auth else self.recipient_edit).setFocus()

    def _check_recipient(self) -> bool:
        for label in self.recipient_errors.values():
            set_message(label, "")
        ok = True
        if not self.recipient_edit.text().strip():
            set_message(self.recipient_errors["recipient"], tr("Write who receives the export."))
            ok = False
        if not self.purpose_edit.text().strip():
            set_message(self.recipient_errors["purpose"], tr("Write the purpose of the export."))
            ok = False
        if not ok:
            return False
        try:
            self.plan = self.services.exports.plan_export(self.client_id, self.basis(), self.contents())
        except ValidationError as e:
            set_message(self.recipient_errors["contents"], "\n".join(tr(m) for m in e.errors.values()))
            return False
        return True

    def _enter_passphrase(self) -> None:
        c = self.contents()
        parts = [tr("{document} for {recipient}, in {language}.", document=self.kind_combo.currentText(),
                    recipient=self.recipient_edit.text().strip(), language=self.lang_combo.currentText())]
        if self.plan is not None:
            parts.append(notes_count(len(self.plan.notes)))
        if c.include_private:
            parts.append(tr("Private process notes are included."))
        if c.include_raw_tests:
            parts.append(tr("Raw test answers are included."))
        if c.include_group_notes and self.plan is not None:
            parts.append(tr("Group notes: {count}, other members' names replaced.", count=len(self.plan.group_notes)))
        parts.append(tr("The PDF is encrypted; you will see its password once, after saving."))
        self.summary_label.setText("\n".join(parts))
        set_message(self.passphrase_error, "")
        self.passphrase_edit.setFocus()

    # the export
    def start_export(self) -> None:
        if self.step != "passphrase" or self._task is not None:
            return
        passphrase = self.passphrase_edit.text()
        if not passphrase:
            set_message(self.passphrase_error, tr("Re-enter your passphrase to export a record."))
            return
        set_message(self.passphrase_error, tr("Checking the passphrase…"), "notice")
        vault = self.vault
        task = Task(lambda: vault.check_passphrase(passphrase), self)
        self._task = task
        self.export_button.setEnabled(False)
        self.back_button.setEnabled(False)

        def finish() -> None:
            # Take the task from self, never from this closure: a slot holding the task's last reference
            # would crash PySide when the deleted task drops its connections.
            finished, self._task = self._task, None
            if finished is not None:
                finished.deleteLater()
            self.export_button.setEnabled(True)
            self.back_button.setEnabled(True)

        def done(ok: object) -> None:
            finish()
            self.passphrase_edit.clear()
            if ok is True:
                set_message(self.passphrase_error, "")
                self._save(passphrase_ok=True)
            else:
                set_message(self.passphrase_error, tr("That is not the passphrase of this vault. Nothing was "
                                                      "exported."))

        def failed(error: BaseException) -> None:
            finish()
            self.passphrase_edit.clear()
            set_message(self.passphrase_error, error.message() if isinstance(error, VaultError)
                        else tr("The passphrase could not be checked. Nothing was exported."))

        task.done.connect(done)
        task.failed.connect(failed)
        task.start()

    def _save(self, passphrase_ok: bool) -> None:
        suggested = str(Path.home() / f"counselroom-export-{date.today().isoformat()}.pdf")
        path = self.choose_path(self, suggested)
        if path is None:
            set_message(self.passphrase_error, tr("Nothing was saved. Re-enter the passphrase to try again."),
                        "notice")
            return
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")

        written: list[Path] = []

        def deliver(data: bytes) -> None:
            write_locked_export(path, data)
            written.append(path)

        try:
            result = self.services.exports.export(
                self.client_id, self.basis(), self.contents(), self.recipient_edit.text(), self.purpose_edit.text(),
                passphrase_ok=passphrase_ok, lang=self.lang_combo.currentData() or "en", deliver=deliver)
        except ValidationError as e:
            set_message(self.passphrase_error, "\n".join(tr(m) for m in e.errors.values()))
            return
        except VaultError as e:
            # The register could not be written after the file was: an unregistered export must not remain.
            for done in written:
                done.unlink(missing_ok=True)
            show_error(self, tr("Export"), e.message())
            return
        except OSError as e:
            log.debug("export file not written: %s", type(e).__name__)
            show_error(self, tr("Export"), tr("The file could not be written there ({reason}). Nothing was exported; "
                                              "choose another place.", reason=e.strerror or type(e).__name__))
            return
        self.exported = result.number
        self.saved_path = path
        self.password_dialog = PasswordDialog(result, path, self)
        self.password_dialog.exec()
        self.password_dialog = None
        self.accept()
