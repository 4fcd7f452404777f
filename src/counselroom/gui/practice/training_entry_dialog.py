"""The dialogs of the training log: one entry (new or changed), and the yearly targets."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QComboBox, QDateEdit, QFormLayout, QLayout, QLineEdit, QVBoxLayout, QWidget

from ...i18n import tr
from ...records.clients import ValidationError
from ...records.services import Services
from ...records.training import KIND_LABELS, KINDS, TrainingEntry, format_hours
from ...vault.errors import VaultError
from ..common.widgets import paragraph, save_cancel_buttons, show_error
from ..referrals.referral_dialog import FormDialog, date_edit, pydate, qdate


def kind_label(kind: str) -> str:
    return tr(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


class TrainingEntryDialog(FormDialog):
    """Add an entry (entry=None) or change one. After accept(), `saved` holds it."""

    def __init__(self, services: Services, entry: TrainingEntry | None = None, parent: QWidget | None = None,
                 day: date | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.entry = entry
        self.saved: TrainingEntry | None = None
        self.setWindowTitle(tr("New training entry") if entry is None else tr("Training entry"))
        today = date.today()
        self.held_on: QDateEdit = date_edit(tr("Date"), min(day or today, today))
        self.held_on.setMaximumDate(qdate(today))
        self.kind = QComboBox()
        self.kind.setAccessibleName(tr("Kind of training"))
        self.kind.addItem(tr("Choose the kind…"), None)
        for key in KINDS:
            self.kind.addItem(kind_label(key), key)
        self.title = QLineEdit()
        self.title.setAccessibleName(tr("Title or topic"))
        self.provider = QLineEdit()
        self.provider.setAccessibleName(tr("Provider or supervisor"))
        self.provider.setPlaceholderText(tr("organizer, teacher or supervisor"))
        self.hours = QLineEdit()
        self.hours.setAccessibleName(tr("Hours"))
        self.hours.setPlaceholderText(tr("for example 1.5"))
        self.hours.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 10)
        self.certificate = QLineEdit()
        self.certificate.setAccessibleName(tr("Certificate or credit"))
        self.certificate.setPlaceholderText(tr("optional: certificate number, credit hours"))
        form = QFormLayout()
        self._row(form, "held_on", tr("&Date:"), self.held_on)
        self._row(form, "kind", tr("&Kind:"), self.kind)
        self._row(form, "title", tr("&Title or topic:"), self.title)
        self._row(form, "provider", tr("&Provider or supervisor:"), self.provider)
        self._row(form, "hours", tr("&Hours:"), self.hours)
        self._row(form, "certificate", tr("&Certificate or credit:"), self.certificate)
        box, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # grows when messages appear
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(box)
        if entry is not None:
            self.held_on.setDate(qdate(entry.held_on))
            self.kind.setCurrentIndex(max(0, self.kind.findData(entry.kind)))
            self.title.setText(entry.title)
            self.provider.setText(entry.provider)
            self.hours.setText(format_hours(entry.hours))
            self.certificate.setText(entry.certificate)
        self.resize(self.fontMetrics().horizontalAdvance("M") * 46, self.sizeHint().height())
        self.fit_height()
        (self.kind if entry is None else self.title).setFocus()

    def save(self) -> None:
        args = (pydate(self.held_on.date()), self.kind.currentData(), self.title.text(), self.hours.text(),
                self.provider.text(), self.certificate.text())
        try:
            if self.entry is None:
                self.saved = self.services.training.add(*args)
            else:
                self.saved = self.services.training.update(self.entry.id, *args)
        except ValidationError as e:
            self.show_errors(e.errors)
            return
        except VaultError as e:
            show_error(self, tr("Training entry"), e.message())
            return
        self.accept()


class TargetDialog(FormDialog):
    """The yearly targets: all training hours, and (optionally) supervision received."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle(tr("Yearly training targets"))
        target = services.training.target()
        supervision = services.training.supervision_target()
        self.intro = paragraph(tr("How many hours of training you aim for each year. Leave a field empty for no "
                                  "target."))
        self.target = QLineEdit(format_hours(target) if target is not None else "")
        self.target.setAccessibleName(tr("Yearly target in hours"))
        self.target.setPlaceholderText(tr("no target"))
        self.supervision_target = QLineEdit(format_hours(supervision) if supervision is not None else "")
        self.supervision_target.setAccessibleName(tr("Yearly supervision target in hours"))
        self.supervision_target.setPlaceholderText(tr("no target"))
        self.supervision_note = paragraph(tr("Supervision received (individual or group) counts towards both."))
        form = QFormLayout()
        self._row(form, "target", tr("All &training, hours a year:"), self.target)
        self._row(form, "supervision_target", tr("&Supervision received, hours a year:"), self.supervision_target)
        box, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.supervision_note)
        layout.addWidget(self.general_error)
        layout.addWidget(box)
        self.resize(self.fontMetrics().horizontalAdvance("M") * 48, self.sizeHint().height())
        self.fit_height()
        self.target.setFocus()

    def save(self) -> None:
        try:
            self.services.training.set_targets(self.target.text(), self.supervision_target.text())
        except ValidationError as e:
            self.show_errors(e.errors)
            return
        except VaultError as e:
            show_error(self, tr("Yearly training targets"), e.message())
            return
        self.accept()


__all__ = ["TargetDialog", "TrainingEntryDialog", "kind_label"]
