"""Raising the risk flag (重点关注) with its reason and review date, and reviewing it: keep it with the next
review date, or clear it with the reason."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtWidgets import QButtonGroup, QDialog, QHBoxLayout, QRadioButton, QVBoxLayout, QWidget

from ...i18n import tr
from ...records.clients import ValidationError
from ...records.risk import RiskFlag
from ...records.services import Services
from ..clients.client_form import plain_label
from ..common.widgets import save_cancel_buttons
from ..sessions.note_editor import SectionEdit
from .risk_widgets import FieldErrors, bold, date_edit, labelled, selectable, to_date, to_qdate


class RaiseFlagDialog(QDialog):
    """After accept(), `flag` holds the client's flag."""

    def __init__(self, services: Services, client_id: int, reason: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.flag: RiskFlag | None = None
        self.setWindowTitle(tr("Flag for close attention"))
        self.errors = FieldErrors()
        intro = selectable(tr("A flagged client shows a red badge on the client page and on the dashboard until "
                              "the flag is reviewed. Choose when you will review it."))
        self.reason = SectionEdit(tr("Why the client needs close attention"))
        self.reason.set_lines(3, 10)
        self.reason.setPlainText(reason)
        self.review_on = date_edit(tr("Review the flag by"), services.risk.default_review_on())
        self.review_on.setMinimumDate(to_qdate(date.today() + timedelta(days=1)))
        days = plain_label(tr("(in {days} days by default)", days=services.risk.review_days()))
        row = QWidget()
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.review_on)
        row_layout.addWidget(days)
        row_layout.addStretch(1)
        buttons, self.save_button, _cancel = save_cancel_buttons(self, self.save)
        self.save_button.setText(tr("Raise flag"))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(labelled(tr("&Reason"), self.reason, self.errors.line("reason")))
        layout.addWidget(labelled(tr("Re&view by"), row, self.errors.line("review_on")))
        layout.addWidget(self.errors.general)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(560, 380)

    def save(self) -> None:
        try:
            self.flag = self.services.risk.raise_flag(self.client_id, self.reason.toPlainText(),
                                                      to_date(self.review_on.date()))
        except ValidationError as e:
            self.errors.show({k: tr(m) for k, m in e.errors.items()})
            return
        self.accept()


class ReviewFlagDialog(QDialog):
    """After accept(), `cleared` says whether the flag was cleared."""

    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.client_id = client_id
        self.cleared = False
        self.setWindowTitle(tr("Review the risk flag"))
        self.errors = FieldErrors()
        flag = services.risk.flagged(client_id)
        recorded = flag is not None and flag.recorded
        if flag is not None and flag.recorded and flag.raised_on is not None:
            lines = [tr("Flagged on {date}.", date=flag.raised_on.isoformat()),
                     tr("Reason: {reason}", reason=flag.reason)]
            if flag.last_review is not None:
                lines.append(tr("Last review on {date}: {text}", date=flag.last_review.on_date.isoformat(),
                                text=flag.last_review.text))
            if flag.review_on is not None:
                lines.append(tr("Review due by {date}.", date=flag.review_on.isoformat()))
        else:
            lines = [tr("This client was flagged in the client file, without a recorded reason or review date. "
                        "To keep the flag, raise it with its reason and review date instead.")]
        summary = selectable("\n".join(lines), tr("The flag being reviewed"))
        self.note = SectionEdit(tr("What the review found"))
        self.note.set_lines(3, 10)
        self.keep = QRadioButton(tr("&Keep the flag; next review by"))
        self.clear = QRadioButton(tr("C&lear the flag: the client no longer needs close attention"))
        group = QButtonGroup(self)
        group.addButton(self.keep)
        group.addButton(self.clear)
        self.next_review = date_edit(tr("Next review by"), services.risk.default_review_on())
        self.next_review.setMinimumDate(to_qdate(date.today() + timedelta(days=1)))
        self.keep.toggled.connect(self.next_review.setEnabled)
        self.keep.setEnabled(recorded)
        (self.keep if recorded else self.clear).setChecked(True)
        self.next_review.setEnabled(recorded)
        keep_row = QHBoxLayout()
        keep_row.addWidget(self.keep)
        keep_row.addWidget(self.next_review)
        keep_row.addStretch(1)
        buttons, self.save_button, _cancel = save_cancel_buttons(self, self.save)
        self.save_button.setText(tr("Record review"))
        layout = QVBoxLayout(self)
        layout.addWidget(bold(plain_label(tr("The flag"))))
        layout.addWidget(summary)
        layout.addWidget(labelled(tr("&What the review found and decided"), self.note, self.errors.line("note")))
        layout.addLayout(keep_row)
        layout.addWidget(self.errors.line("review_on"))
        layout.addWidget(self.clear)
        layout.addWidget(self.errors.line("clear_reason"))
        layout.addWidget(self.errors.general)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(600, 440)

    def save(self) -> None:
        text = self.note.toPlainText()
        try:
            if self.clear.isChecked():
                self.services.risk.clear_flag(self.client_id, text)
                self.cleared = True
            else:
                self.services.risk.review_flag(self.client_id, text, to_date(self.next_review.date()))
        except ValidationError as e:
            errors = {k: tr(m) for k, m in e.errors.items()}
            if "clear_reason" in errors:
                errors["note"] = errors.pop("clear_reason")
            self.errors.show(errors)
            return
        self.accept()
