"""The relationship check at intake (issue 12.11): the choices on the new-client form, the box on the client's
overview that shows the latest check and asks for a decision, and the decision dialog.

A "yes" suggests referral, is kept on the file and in the audit trail, and stays on the dashboard until the
counselor decides (refer, or continue with the reason why).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ...i18n import N_, tr
from ...records.relationships import DECISION_LABELS, DECISIONS, KIND_LABELS, KINDS, REFERRAL_SUGGESTION
from ...records.services import Services
from ..common.widgets import decided_by_row, message_label, paragraph, plain_label, save_cancel_buttons, saved

SHORT_LABELS = {"teaches": N_("I teach or grade the client"), "relative": N_("Relative or friend"),
                "colleague": N_("Colleague"), "economic": N_("Economic interest"), "other": N_("Other (describe)")}
WARN_STYLE = ("QLabel { background: #fff4ce; color: #3b2f00; border: 1px solid #d8b24a; border-radius: 4px;"
              " padding: 4px 8px; }")


class RelationshipChoices(QGroupBox):
    """Which other relationships exist between the counselor and the client (none ticked: none)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("Other relationship with you (practice code 5)"), parent)
        layout = QVBoxLayout(self)
        self.setToolTip(tr("Tick each that applies; none ticked: no other relationship."))
        grid = QGridLayout()
        self.boxes: dict[str, QCheckBox] = {}
        for n, kind in enumerate(KINDS):
            box = QCheckBox(tr(SHORT_LABELS[kind]))
            box.setAccessibleName(tr(KIND_LABELS[kind]))
            box.setToolTip(tr(KIND_LABELS[kind]))
            box.toggled.connect(lambda _on: self._changed())
            self.boxes[kind] = box
            grid.addWidget(box, n // 2, n % 2)
        layout.addLayout(grid)
        self.details = QLineEdit()
        self.details.setPlaceholderText(tr("What the relationship is (needed for “another relationship”)"))
        self.details.setAccessibleName(tr("Details of the other relationship"))
        layout.addWidget(self.details)
        self.suggestion = plain_label(tr(REFERRAL_SUGGESTION))
        self.suggestion.setWordWrap(True)
        self.suggestion.setStyleSheet(WARN_STYLE)
        layout.addWidget(self.suggestion)
        self._changed()

    def chosen(self) -> list[str]:
        return [k for k, box in self.boxes.items() if box.isChecked()]

    def _changed(self) -> None:
        self.suggestion.setVisible(bool(self.chosen()))
        self.details.setVisible("other" in self.chosen() or bool(self.details.text()))


class RelationshipCheckDialog(QDialog):
    """Record a (new) relationship check for a client already on file."""

    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.client_id = services, client_id
        self.setWindowTitle(tr("Relationship check"))
        layout = QVBoxLayout(self)
        self.choices = RelationshipChoices()
        layout.addWidget(self.choices)
        self.message = message_label()
        layout.addWidget(self.message)
        box, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)
        layout.addWidget(box)

    def save(self) -> None:
        if saved(self.message, lambda: self.services.relationships.record_check(
                self.client_id, self.choices.chosen(), self.choices.details.text(),
                self.services.profile.get().name)):
            self.accept()


class RelationshipDecisionDialog(QDialog):
    """Refer the client, or continue with the reason why: the counselor's decision about a "yes"."""

    def __init__(self, services: Services, check_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.check_id = services, check_id
        self.setWindowTitle(tr("Decide about the other relationship"))
        layout = QVBoxLayout(self)
        layout.addWidget(paragraph(tr(REFERRAL_SUGGESTION)))
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for decision in DECISIONS:
            button = QRadioButton(tr(DECISION_LABELS[decision]))
            self.group.addButton(button)
            self.buttons[decision] = button
            layout.addWidget(button)
        self.buttons["refer"].setChecked(True)
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setAccessibleName(tr("Reason for the decision"))
        self.reason.setPlaceholderText(tr("Why: e.g. referred to a colleague; or why continuing is right (talked it "
                                          "over with a supervisor, I no longer grade the client …)"))
        self.reason.setMinimumHeight(self.fontMetrics().lineSpacing() * 4)
        layout.addWidget(self.reason)
        self.name, row = decided_by_row(services.profile.get().name)
        layout.addLayout(row)
        self.message = message_label()
        layout.addWidget(self.message)
        box, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)
        layout.addWidget(box)
        self.resize(560, self.sizeHint().height())

    def decision(self) -> str:
        return next(d for d, b in self.buttons.items() if b.isChecked())

    def save(self) -> None:
        if saved(self.message, lambda: self.services.relationships.decide(
                self.check_id, self.decision(), self.reason.toPlainText(), self.name.text())):
            self.accept()


class RelationshipBox(QGroupBox):
    """The client's overview: the latest relationship check and, for a "yes" not decided yet, the decision."""

    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(tr("Other relationship (intake check)"), parent)
        self.services, self.client_id = services, client_id
        layout = QVBoxLayout(self)
        self.status = paragraph("")
        layout.addWidget(self.status)
        row = QHBoxLayout()
        self.check_button = QPushButton(tr("Record a &relationship check…"))
        self.check_button.clicked.connect(self.record_check)
        self.decide_button = QPushButton(tr("&Decide…"))
        self.decide_button.setAccessibleName(tr("Decide about the other relationship"))
        self.decide_button.clicked.connect(self.decide)
        row.addWidget(self.check_button)
        row.addWidget(self.decide_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.refresh()

    def refresh(self) -> None:
        check = self.services.relationships.latest(self.client_id)
        self.decide_button.setVisible(check is not None and check.undecided)
        if check is None:
            self.status.setText(tr("No relationship check recorded yet."))
            self.status.setStyleSheet("")
            return
        if not check.any:
            self.status.setText(tr("Checked on {date}: no other relationship.", date=check.checked_on.isoformat()))
            self.status.setStyleSheet("")
            return
        kinds = "; ".join(tr(KIND_LABELS[k]) for k in check.relationships)
        text = tr("Checked on {date}: {kinds}", date=check.checked_on.isoformat(), kinds=kinds)
        if check.details:
            text += "\n" + check.details
        if check.decision is None:
            text += "\n" + tr("Not decided yet: refer the client, or continue with the reason why.")
            self.status.setStyleSheet(WARN_STYLE)
        else:
            d = check.decision
            text += "\n" + tr("Decision ({name}, {date}): {decision} — {reason}", name=d.decided_by,
                              date=d.decided_at[:10], decision=tr(DECISION_LABELS[d.decision]), reason=d.reason)
            self.status.setStyleSheet("")
        self.status.setText(text)

    def record_check(self) -> None:
        dialog = RelationshipCheckDialog(self.services, self.client_id, self)
        try:
            if dialog.exec():
                self.refresh()
        finally:
            dialog.deleteLater()

    def decide(self) -> None:
        check = self.services.relationships.latest(self.client_id)
        if check is None or not check.undecided:
            return
        dialog = RelationshipDecisionDialog(self.services, check.id, self)
        try:
            if dialog.exec():
                self.refresh()
        finally:
            dialog.deleteLater()
