"""One client's referrals and their follow-up: the list (a due follow-up stands out), the selected
referral's details, and the actions: a new referral (then, if the counselor agrees, the client's status
becomes "referred"), its follow-up or outcome, a correction, and the referral letter, which leaves the
room only through the locked export dialog, preset with the recipient, purpose and a drafted text."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QPushButton, QVBoxLayout, QWidget

from ...i18n import N_, language, tr
from ...records.clients import STATUS_LABELS, ValidationError
from ...records.referrals import Referral
from ...records.services import Services
from ...vault.errors import VaultError
from ..clients.client_form import plain_label
from ..common.qt_models import ID_ROLE, RowTableModel
from ..common.widgets import RecordTable, StoreWatcher, message_label, paragraph, set_message, show_error
from ..practice.export_dialog import ExportDialog
from .referral_dialog import OutcomeDialog, ReferralDialog, outcome_label, reason_label

DUE_BACKGROUND = QColor("#fff4ce")
DUE_FOREGROUND = QColor("#6b3f00")
CLOSED_FOREGROUND = QColor("#5f6368")


def consent_text(r: Referral) -> str:
    if not r.consent:
        return tr("No")
    when = r.consent_on.isoformat() if r.consent_on else ""
    return tr("Yes, {date} (shared)", date=when) if r.share_info else tr("Yes, {date}", date=when)


def status_text(r: Referral, today: date) -> str:
    if not r.is_open:
        return outcome_label(r.outcome)
    if r.follow_up_due(today):
        return tr("Follow-up due")
    return outcome_label("waiting") if r.outcome == "waiting" else tr("Open")


class ReferralTableModel(RowTableModel[Referral]):
    COLUMNS = ("referred_on", "recipient", "reason", "consent", "follow_up_on", "status")
    HEADERS = {"referred_on": N_("Date"), "recipient": N_("Referred to"), "reason": N_("Reason"),
               "consent": N_("Consent to share"), "follow_up_on": N_("Follow-up date"), "status": N_("Outcome")}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.today = date.today()

    def set_referrals(self, referrals: list[Referral], today: date) -> None:
        self.today = today
        self._set_rows(referrals)

    def _text(self, r: Referral, column: str) -> str:
        if column == "referred_on":
            return r.referred_on.isoformat()
        if column == "recipient":
            return r.recipient_label
        if column == "reason":
            return reason_label(r.reason)
        if column == "consent":
            return consent_text(r)
        if column == "follow_up_on":
            if not r.is_open:
                return ""
            if r.follow_up_on is None:
                due = r.due_on.isoformat() if r.due_on else ""
                return tr("{date} (no date set)", date=due)
            return r.follow_up_on.isoformat()
        return status_text(r, self.today)

    def cell(self, r: Referral, column: str, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(r, column)
        if role == ID_ROLE:
            return r.id
        due = r.follow_up_due(self.today)
        if due and role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(DUE_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole:
            if due:
                return QBrush(DUE_FOREGROUND)
            if not r.is_open:
                return QBrush(CLOSED_FOREGROUND)
        if due and role == Qt.ItemDataRole.FontRole and column in ("follow_up_on", "status"):
            font = QFont()
            font.setBold(True)
            return font
        return None


class ReferralsTab(QWidget):
    """Public: `refresh()`, `new_referral()`, `record_outcome()`, `edit_referral()`, `write_letter()`,
    `selected()`, `shutdown()`."""

    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.referrals: list[Referral] = []
        self.letter_dialog: ExportDialog | None = None

        self.intro = paragraph(tr("Refer in time when what the client needs is beyond your competence. Record to "
                                  "whom and why, the client's consent to share information, and follow the "
                                  "referral up until you know its outcome."))
        self.new_button = QPushButton(tr("&New referral…"))
        self.new_button.clicked.connect(self.new_referral)
        self.outcome_button = QPushButton(tr("Record &outcome…"))
        self.outcome_button.setAccessibleName(tr("Record the follow-up or outcome of the selected referral"))
        self.outcome_button.clicked.connect(self.record_outcome)
        self.letter_button = QPushButton(tr("Write referral &letter…"))
        self.letter_button.setAccessibleName(tr("Write a referral letter for the selected referral"))
        self.letter_button.setToolTip(tr("The letter leaves the room only as a locked export, with a recorded basis "
                                         "and your passphrase."))
        self.letter_button.clicked.connect(self.write_letter)
        self.edit_button = QPushButton(tr("&Edit…"))
        self.edit_button.setAccessibleName(tr("Correct the selected referral"))
        self.edit_button.clicked.connect(self.edit_referral)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.outcome_button)
        buttons.addWidget(self.letter_button)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)

        self.model = ReferralTableModel(self)
        self.table = RecordTable(tr("Referrals, newest first"))
        self.table.setModel(self.model)
        self.table.open_requested.connect(lambda _index: self.record_outcome())
        self.table.selectionModel().currentRowChanged.connect(self._selection_changed)
        self.empty_label = plain_label(tr("No referral recorded for this client."))
        self.details = plain_label()
        self.details.setWordWrap(True)
        self.details.setAccessibleName(tr("The selected referral"))
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                             | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.details.setStyleSheet("QLabel { border: 1px solid palette(mid); border-radius: 4px; padding: 6px; }")
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.notice = message_label()

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(buttons)
        layout.addWidget(self.notice)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.details, 1)
        # With no referral the table and the details are hidden: this takes the space below instead of the
        # intro, the buttons and the empty line spreading over the page.
        self.filler = QWidget()
        layout.addWidget(self.filler, 3)

        self._watcher = StoreWatcher(self, services.store, self.refresh,
                                     wants=lambda entity, _id: entity == "referral")
        self.refresh()

    # showing
    def refresh(self, select: int | None = None) -> None:
        self._watcher.mark_fresh()
        current = self.selected()
        keep = select if select is not None else (current.id if current is not None else None)
        try:
            self.referrals = self.services.referrals.for_client(self.client_id)
        except VaultError as e:
            set_message(self.notice, e.message())
            return
        self.model.set_referrals(self.referrals, date.today())
        self.empty_label.setVisible(not self.referrals)
        self.filler.setVisible(not self.referrals)
        self.table.setVisible(bool(self.referrals))
        row = self.model.row_of(keep) if keep is not None else -1
        if row < 0 and self.referrals:
            row = 0
        if row >= 0:
            self.table.selectRow(row)
        self._selection_changed()

    def selected(self) -> Referral | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _selection_changed(self, *_args: QModelIndex) -> None:
        r = self.selected()
        for button in (self.outcome_button, self.letter_button, self.edit_button):
            button.setEnabled(r is not None)
        self.details.setVisible(r is not None)
        self.details.setText(self._details(r) if r is not None else "")

    def _details(self, r: Referral) -> str:
        lines = [tr("Referred to: {recipient}", recipient=r.recipient_label)]
        if r.contact:
            lines.append(tr("Contact: {contact}", contact=r.contact))
        reason = reason_label(r.reason) + (f" — {r.reason_text}" if r.reason_text else "")
        lines.append(tr("Reason: {reason}", reason=reason))
        if r.share_info:
            lines.append(tr("Information shared with the client's consent of {date}: {scope}",
                            date=r.consent_on.isoformat() if r.consent_on else "", scope=r.consent_scope))
        elif r.consent:
            lines.append(tr("The client consented on {date} to share: {scope}. Nothing shared so far.",
                            date=r.consent_on.isoformat() if r.consent_on else "", scope=r.consent_scope))
        else:
            lines.append(tr("No information shared: the client contacts the service directly."))
        for f in self.services.referrals.follow_ups(r.id):
            line = tr("Follow-up {date}: {outcome}", date=f.recorded_on.isoformat(), outcome=outcome_label(f.outcome))
            if f.text:
                line += f" — {f.text}"
            if f.next_follow_up_on:
                line += " " + tr("(next follow-up {date})", date=f.next_follow_up_on.isoformat())
            lines.append(line)
        if r.is_open and r.due_on is not None:
            due = r.due_on.isoformat()
            lines.append(tr("Follow-up due since {date}", date=due) if r.follow_up_due(date.today())
                         else tr("Next follow-up: {date}", date=due))
        for number in r.letters:
            lines.append(tr("Referral letter exported as {number}", number=number))
        return "\n".join(lines)

    # acting
    def _client_text(self) -> str:
        client = self.services.clients.get(self.client_id)
        return client.code + (f" {client.name}" if client.name else "")

    def new_referral(self) -> None:
        dialog = ReferralDialog(self.services, self.client_id, parent=self)
        try:
            if not dialog.exec() or dialog.saved is None:
                return
            saved = dialog.saved
        finally:
            dialog.deleteLater()
        self.refresh(select=saved.id)
        set_message(self.notice, tr("Referral recorded."), "ok")
        self.offer_referred_status()

    def offer_referred_status(self) -> None:
        """Ask (never silently) whether the client's status becomes "referred"."""
        client = self.services.clients.get(self.client_id)
        if client.status not in ("intake", "active"):
            return
        current = tr(STATUS_LABELS[client.status])
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(tr("Client status"))
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(tr("Set the status of {client} to “{referred}”? It is now “{status}”.",
                       client=self._client_text(), referred=tr(STATUS_LABELS["referred"]), status=current))
        change = box.addButton(tr("Set to “{referred}”", referred=tr(STATUS_LABELS["referred"])),
                               QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton(tr("Keep “{status}”", status=current), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(change)
        box.setEscapeButton(keep)
        box.exec()
        if box.clickedButton() is not change:
            return
        try:
            self.services.clients.update(replace(client, status="referred"))
        except ValidationError as e:
            set_message(self.notice, tr("The status could not be changed: {reason}",
                                        reason=" ".join(tr(m) for m in e.errors.values())))
            return
        except VaultError as e:
            show_error(self, tr("Client status"), e.message())
            return
        set_message(self.notice, tr("Referral recorded. The client's status is now “{referred}”.",
                                    referred=tr(STATUS_LABELS["referred"])), "ok")

    def record_outcome(self) -> None:
        r = self.selected()
        if r is None:
            return
        dialog = OutcomeDialog(self.services, r, self)
        try:
            if dialog.exec() and dialog.saved is not None:
                self.refresh(select=r.id)
                set_message(self.notice, tr("Follow-up recorded.") if dialog.saved.is_open
                            else tr("Outcome recorded; the referral is closed."), "ok")
        finally:
            dialog.deleteLater()

    def edit_referral(self) -> None:
        r = self.selected()
        if r is None:
            return
        dialog = ReferralDialog(self.services, self.client_id, r, self)
        try:
            if dialog.exec() and dialog.saved is not None:
                self.refresh(select=r.id)
                set_message(self.notice, tr("Referral saved."), "ok")
        finally:
            dialog.deleteLater()

    def write_letter(self) -> None:
        """Open the locked export, preset for this referral's letter; note the export number on the referral."""
        r = self.selected()
        if r is None:
            return
        text = self.services.referrals.draft_letter(r, self.services.profile.get(), language())
        dialog = ExportDialog(self.services, self.services.session.vault, self.client_id, self,
                              kind="referral_letter", recipient=r.recipient_label, purpose=tr("Referral"),
                              letter_text=text)
        dialog.include_notes.setChecked(False)  # the letter says what is needed; notes only if chosen
        drafts = {language(): text}

        def language_chosen(_index: int) -> None:
            # The draft follows the document's language until the counselor edits it.
            lang = dialog.lang_combo.currentData() or "en"
            if dialog.letter_edit.toPlainText() in drafts.values():
                drafts.setdefault(lang, self.services.referrals.draft_letter(r, self.services.profile.get(), lang))
                dialog.letter_edit.setPlainText(drafts[lang])

        dialog.lang_combo.currentIndexChanged.connect(language_chosen)
        self.letter_dialog = dialog
        try:
            dialog.exec()
            number = dialog.exported
        finally:
            self.letter_dialog = None
            dialog.deleteLater()
        if not number:
            return
        try:
            self.services.referrals.record_letter(r.id, number)
        except (ValidationError, VaultError) as e:
            reason = " ".join(tr(m) for m in e.errors.values()) if isinstance(e, ValidationError) else e.message()
            set_message(self.notice, tr("The letter was exported as {number}, but it could not be noted on the "
                                        "referral: {reason}", number=number, reason=reason))
            return
        self.refresh(select=r.id)
        set_message(self.notice, tr("Referral letter exported as {number} and noted on the referral.",
                                    number=number), "ok")

    def shutdown(self) -> None:
        """Stop listening and drop what is shown (called before the window locks)."""
        self._watcher.stop()
        if self.letter_dialog is not None:
            self.letter_dialog.reject()
        self.referrals = []
        self.model.set_referrals([], date.today())
        self.details.clear()
        set_message(self.notice, "")
