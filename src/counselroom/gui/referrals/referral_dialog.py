"""The dialogs of a referral: recording (or correcting) one, and recording its follow-up or outcome.

Validation is the records layer's; each message is shown under the field it concerns."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ...i18n import tr
from ...records.clients import ValidationError
from ...records.referrals import (
    DEFAULT_FOLLOW_UP_DAYS,
    OUTCOME_LABELS,
    OUTCOMES,
    REASON_LABELS,
    REASONS,
    Referral,
    ReferralDraft,
)
from ...records.services import Services
from ...vault.errors import VaultError
from ..clients.client_form import plain_label
from ..common.widgets import message_label, paragraph, save_cancel_buttons, set_message, show_error

NOTICE_STYLE = "QLabel { background: #fff4ce; color: #3b2f00; padding: 4px 8px; }"


def qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def date_edit(accessible_name: str, value: date) -> QDateEdit:
    edit = QDateEdit(qdate(value))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setAccessibleName(accessible_name)
    return edit


def text_edit(accessible_name: str, lines: int) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setAccessibleName(accessible_name)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 12)
    return edit


def reason_label(reason: str) -> str:
    return tr(REASON_LABELS[reason]) if reason in REASON_LABELS else reason


def outcome_label(outcome: str | None) -> str:
    if outcome is None:
        return tr("Open")
    return tr(OUTCOME_LABELS[outcome]) if outcome in OUTCOME_LABELS else outcome


class FormDialog(QDialog):
    """A form whose rows carry their error message beneath the field."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.errors: dict[str, QLabel] = {}
        self.general_error = message_label()

    def _row(self, form: QFormLayout, key: str, text: str, widget: QWidget) -> QWidget:
        label = plain_label(text)
        label.setBuddy(widget)
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(widget)
        error = message_label()
        box.addWidget(error)
        self.errors[key] = error
        form.addRow(label, holder)
        return holder

    def show_errors(self, errors: dict[str, str]) -> None:
        """Messages by field (msgids, translated here); those without a field go to the general label."""
        for key, label in self.errors.items():
            set_message(label, tr(errors[key]) if key in errors else "")
        set_message(self.general_error, "\n".join(tr(m) for k, m in errors.items() if k not in self.errors))
        self.fit_height()

    def fit_height(self) -> None:
        """Grow to show every message: wrapped labels need more height than the minimum size says."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        wanted = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() \
            else layout.totalSizeHint().height()
        if wanted > self.height():
            self.resize(self.width(), wanted)


class ReferralDialog(FormDialog):
    """Record a referral of one client (referral=None) or correct one. After accept(), `saved` holds it."""

    def __init__(self, services: Services, client_id: int, referral: Referral | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.referral = referral
        self.saved: Referral | None = None
        client = services.clients.get(client_id)
        who = client.code + (f" {client.name}" if client.name else "")
        self.setWindowTitle(tr("New referral — {client}", client=who) if referral is None
                            else tr("Referral — {client}", client=who))
        today = date.today()

        self.referred_on = date_edit(tr("Referral date"), today)
        self.referred_on.setMaximumDate(qdate(today))
        self.recipient = QLineEdit()
        self.recipient.setAccessibleName(tr("Person referred to"))
        self.recipient.setPlaceholderText(tr("for example Dr. Wang"))
        self.institution = QLineEdit()
        self.institution.setAccessibleName(tr("Institution"))
        self.institution.setPlaceholderText(tr("a hospital or counseling center"))
        self.department = QLineEdit()
        self.department.setAccessibleName(tr("Department"))
        self.department.setPlaceholderText(tr("for example psychiatry"))
        self.contact = QLineEdit()
        self.contact.setAccessibleName(tr("Contact (optional)"))
        self.contact.setPlaceholderText(tr("optional: phone or address"))
        self.reason = QComboBox()
        self.reason.setAccessibleName(tr("Reason for the referral"))
        self.reason.addItem(tr("Choose a reason…"), None)
        for key in REASONS:
            self.reason.addItem(reason_label(key), key)
        self.reason_text = text_edit(tr("The reason in your words"), 3)

        self.share_info = QCheckBox(tr("Information about the client is &shared with the recipient"))
        self.consent = QCheckBox(tr("The client &consented to sharing information"))
        self.consent_scope = text_edit(tr("What may be shared"), 2)
        self.consent_scope.setPlaceholderText(tr("for example: the reason for referral and a summary of the last "
                                                 "two months"))
        self.consent_on = date_edit(tr("Date of the client's consent"), today)
        self.consent_on.setMaximumDate(qdate(today))
        self.export_note = paragraph(tr("The consent recorded here is not a release authorization: a referral "
                                        "letter leaves the room only through the locked export, with the client's "
                                        "written release authorization."))
        self.export_note.setStyleSheet(NOTICE_STYLE)

        self.plan_follow_up = QCheckBox(tr("&planned for"))
        self.plan_follow_up.setChecked(True)
        self.follow_up_on = date_edit(tr("Follow-up date"), today + timedelta(days=DEFAULT_FOLLOW_UP_DAYS))
        self.follow_up_note = plain_label(tr("Without a date, the follow-up comes due {days} days after the "
                                             "referral.", days=DEFAULT_FOLLOW_UP_DAYS))
        self.follow_up_note.setWordWrap(True)

        whom = QGroupBox(tr("To whom"))
        whom_form = QFormLayout(whom)
        self._row(whom_form, "recipient", tr("P&erson:"), self.recipient)
        self._row(whom_form, "institution", tr("&Institution:"), self.institution)
        self._row(whom_form, "department", tr("Dep&artment:"), self.department)
        self._row(whom_form, "contact", tr("Co&ntact:"), self.contact)

        why = QGroupBox(tr("Why and when"))
        why_form = QFormLayout(why)
        self._row(why_form, "referred_on", tr("Referral &date:"), self.referred_on)
        self._row(why_form, "reason", tr("&Reason:"), self.reason)
        self._row(why_form, "reason_text", tr("In your &words:"), self.reason_text)
        follow_row = QWidget()
        follow_layout = QHBoxLayout(follow_row)
        follow_layout.setContentsMargins(0, 0, 0, 0)
        follow_layout.addWidget(self.plan_follow_up)
        follow_layout.addWidget(self.follow_up_on)
        follow_layout.addStretch(1)
        self._row(why_form, "follow_up_on", tr("Follow-up:"), follow_row)
        why_form.addRow("", self.follow_up_note)

        sharing = QGroupBox(tr("Sharing information"))
        sharing_layout = QVBoxLayout(sharing)
        sharing_layout.addWidget(self.share_info)
        sharing_layout.addWidget(self.consent)
        self.errors["consent"] = message_label()
        sharing_layout.addWidget(self.errors["consent"])
        consent_form = QFormLayout()
        self._row(consent_form, "consent_scope", tr("What may be s&hared:"), self.consent_scope)
        self._row(consent_form, "consent_on", tr("Consented &on:"), self.consent_on)
        sharing_layout.addLayout(consent_form)
        sharing_layout.addWidget(self.export_note)

        box, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)
        columns = QHBoxLayout()
        columns.addWidget(whom, 1)
        columns.addWidget(why, 1)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # grows when messages appear
        layout.addLayout(columns)
        layout.addWidget(sharing)
        layout.addWidget(self.general_error)
        layout.addWidget(box)

        self.consent.toggled.connect(self._consent_toggled)
        self.share_info.toggled.connect(lambda _on: set_message(self.errors["consent"], ""))
        self.plan_follow_up.toggled.connect(self.follow_up_on.setEnabled)
        self.referred_on.dateChanged.connect(self._referral_date_changed)
        if referral is not None:
            self._fill(referral)
        self._consent_toggled(self.consent.isChecked())
        self.resize(self.fontMetrics().horizontalAdvance("M") * 84, self.sizeHint().height())
        self.fit_height()
        (self.recipient if referral is None else self.reason_text).setFocus()

    def _fill(self, r: Referral) -> None:
        self.referred_on.setDate(qdate(r.referred_on))
        for edit, value in ((self.recipient, r.recipient), (self.institution, r.institution),
                            (self.department, r.department), (self.contact, r.contact)):
            edit.setText(value)
        self.reason.setCurrentIndex(max(0, self.reason.findData(r.reason)))
        self.reason_text.setPlainText(r.reason_text)
        self.share_info.setChecked(r.share_info)
        self.consent.setChecked(r.consent)
        self.consent_scope.setPlainText(r.consent_scope)
        if r.consent_on:
            self.consent_on.setDate(qdate(r.consent_on))
        self.plan_follow_up.setChecked(r.follow_up_on is not None)
        if r.follow_up_on:
            self.follow_up_on.setDate(qdate(r.follow_up_on))

    def _consent_toggled(self, on: bool) -> None:
        self.consent_scope.setEnabled(on)
        self.consent_on.setEnabled(on)
        set_message(self.errors["consent"], "")

    def _referral_date_changed(self, new: QDate) -> None:
        # keep the proposed follow-up the same distance after the referral, as long as it is only a proposal
        if self.referral is None and self.plan_follow_up.isChecked():
            self.follow_up_on.setDate(new.addDays(DEFAULT_FOLLOW_UP_DAYS))

    def draft(self) -> ReferralDraft:
        return ReferralDraft(
            referred_on=pydate(self.referred_on.date()), reason=self.reason.currentData(),
            recipient=self.recipient.text(), institution=self.institution.text(), department=self.department.text(),
            contact=self.contact.text(), reason_text=self.reason_text.toPlainText(),
            share_info=self.share_info.isChecked(), consent=self.consent.isChecked(),
            consent_scope=self.consent_scope.toPlainText() if self.consent.isChecked() else "",
            consent_on=pydate(self.consent_on.date()) if self.consent.isChecked() else None,
            follow_up_on=pydate(self.follow_up_on.date()) if self.plan_follow_up.isChecked() else None)

    def save(self) -> None:
        try:
            if self.referral is None:
                self.saved = self.services.referrals.create(self.client_id, self.draft())
            else:
                self.saved = self.services.referrals.update(self.referral.id, self.draft())
        except ValidationError as e:
            self.show_errors(e.errors)
            return
        except VaultError as e:
            show_error(self, tr("Referral"), e.message())
            return
        self.accept()


class OutcomeDialog(FormDialog):
    """Record the follow-up of a referral: its outcome, or "still waiting" with the next follow-up date."""

    def __init__(self, services: Services, referral: Referral, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.referral = referral
        self.saved: Referral | None = None
        self.setWindowTitle(tr("Referral follow-up"))
        today = date.today()
        self.summary = paragraph(tr("Referral of {date} to {recipient}", date=referral.referred_on.isoformat(),
                                    recipient=referral.recipient_label))
        self.outcome = QComboBox()
        self.outcome.setAccessibleName(tr("Outcome"))
        self.outcome.addItem(tr("Choose the outcome…"), None)
        for key in OUTCOMES:
            self.outcome.addItem(outcome_label(key), key)
        self.recorded_on = date_edit(tr("Date of this follow-up"), today)
        self.recorded_on.setMaximumDate(qdate(today))
        self.text = text_edit(tr("What you learned"), 4)
        self.next_follow_up = date_edit(tr("Next follow-up"), today + timedelta(days=DEFAULT_FOLLOW_UP_DAYS))
        self.waiting_note = plain_label(tr("The referral stays open until the next follow-up."))
        self.waiting_note.setWordWrap(True)
        self.closing_note = plain_label(tr("Recording this outcome closes the referral."))
        self.closing_note.setWordWrap(True)
        form = QFormLayout()
        self._row(form, "outcome", tr("&Outcome:"), self.outcome)
        self._row(form, "recorded_on", tr("&Date:"), self.recorded_on)
        self._row(form, "text", tr("&What you learned:"), self.text)
        self.next_row = self._row(form, "next_follow_up", tr("&Next follow-up:"), self.next_follow_up)
        form.addRow("", self.waiting_note)
        form.addRow("", self.closing_note)
        self._form = form
        box, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(box)
        self.outcome.currentIndexChanged.connect(self._outcome_changed)
        self._outcome_changed()
        self.resize(self.fontMetrics().horizontalAdvance("M") * 44, self.sizeHint().height())
        self.fit_height()
        self.outcome.setFocus()

    def _outcome_changed(self, _index: int = 0) -> None:
        outcome = self.outcome.currentData()
        waiting = outcome == "waiting"
        self._form.setRowVisible(self.next_row, waiting)
        self.waiting_note.setVisible(waiting)
        self.closing_note.setVisible(outcome is not None and not waiting)
        set_message(self.errors["outcome"], "")

    def save(self) -> None:
        outcome = self.outcome.currentData()
        try:
            self.saved = self.services.referrals.record_outcome(
                self.referral.id, outcome, self.text.toPlainText(), pydate(self.recorded_on.date()),
                pydate(self.next_follow_up.date()) if outcome == "waiting" else None)
        except ValidationError as e:
            self.show_errors(e.errors)
            return
        except VaultError as e:
            show_error(self, tr("Referral follow-up"), e.message())
            return
        self.accept()
