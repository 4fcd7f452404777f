"""A critical test answer is not forgotten (issue 12.1): the banner on the Tests tab that stays until a risk
assessment is recorded for the answer or the counselor records a reasoned decision that none is needed, the
decision dialog (reason, name; the time is recorded), and the question repeated after an unlock when a client
answered on the client screen while the window was locked."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...i18n import language, tr
from ...records.critical import PendingCritical
from ...records.services import Services
from ..common.widgets import decided_by_row, message_label, paragraph, save_cancel_buttons, saved
from .administration_dialog import answer_text

BANNER_STYLE = ("QFrame#critical_banner { background: #fdecea; border: 1px solid #b3261e; border-left: 6px solid "
                "#b3261e; border-radius: 4px; } QLabel { color: #5f1410; }")


def describe(services: Services, pending: PendingCritical) -> str:
    """'PHQ-9 item 9 answered Several days (1)' for the first critical answer of a test."""
    instrument = services.psychtests.instrument_of(pending.administration)
    lang = language()
    hit = pending.hits[0]
    value = pending.administration.answers.get(hit.item)
    answer = answer_text(instrument, hit.item, value, lang) if value is not None else "—"
    return tr("{instrument} item {number} answered {answer}", instrument=instrument.short_in(lang), number=hit.item,
              answer=answer)


class NoAssessmentDialog(QDialog):
    """The counselor's reasoned decision that a critical answer needs no risk assessment."""

    def __init__(self, services: Services, pending: PendingCritical, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.pending = services, pending
        self.setWindowTitle(tr("No risk assessment needed"))
        layout = QVBoxLayout(self)
        layout.addWidget(paragraph(tr("Critical answer: {what}", what=describe(services, pending))))
        layout.addWidget(paragraph(tr("Record why no risk assessment is needed, for example what the client said "
                                      "about the answer and what you checked. Your name and the time are kept with "
                                      "it, and the audit trail records the decision.")))
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setAccessibleName(tr("Why no risk assessment is needed"))
        self.reason.setMinimumHeight(self.fontMetrics().lineSpacing() * 5)
        layout.addWidget(self.reason)
        self.name, row = decided_by_row(services.profile.get().name)
        layout.addLayout(row)
        self.message = message_label()
        layout.addWidget(self.message)
        box, self.save_button, self.cancel_button = save_cancel_buttons(self, self.save)
        layout.addWidget(box)
        self.resize(560, self.sizeHint().height())

    def save(self) -> None:
        if saved(self.message, lambda: self.services.critical.decide_no_assessment(
                self.pending.administration.id, self.reason.toPlainText(), self.name.text())):
            self.accept()


class CriticalBanner(QFrame):
    """Shown on the Tests tab while a critical answer of this client waits for an assessment or a decision."""

    assess_requested = Signal(str)  # the context line for the risk assessment

    def __init__(self, services: Services, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.client_id = services, client_id
        self.pending: list[PendingCritical] = []
        self.setObjectName("critical_banner")
        self.setStyleSheet(BANNER_STYLE)
        layout = QHBoxLayout(self)
        self.text = paragraph("")
        self.text.setAccessibleName(tr("Critical answer waiting for a risk assessment"))
        self.assess_button = QPushButton(tr("Assess risk no&w…"))
        self.assess_button.clicked.connect(self.assess)
        self.decide_button = QPushButton(tr("No a&ssessment needed…"))
        self.decide_button.setAccessibleName(tr("Record why no risk assessment is needed"))
        self.decide_button.clicked.connect(self.decide)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.assess_button)
        layout.addWidget(self.decide_button)
        self.refresh()

    def refresh(self) -> None:
        self.pending = self.services.critical.pending(self.client_id)
        self.setVisible(bool(self.pending))
        if not self.pending:
            return
        first = self.pending[0]
        text = tr("A critical answer waits for a risk assessment: {what} ({date}). It stays on the dashboard until "
                  "you record an assessment or why none is needed.", what=describe(self.services, first),
                  date=first.administration.day.isoformat())
        if len(self.pending) > 1:
            text += " " + tr("({count} tests in all)", count=len(self.pending))
        self.text.setText(text)

    def assess(self) -> None:
        if self.pending:
            self.assess_requested.emit(describe(self.services, self.pending[0]))

    def decide(self) -> None:
        if not self.pending:
            return
        dialog = NoAssessmentDialog(self.services, self.pending[0], self)
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()
        self.refresh()


def prompt_after_unlock(parent: QWidget, services: Services,
                        open_client: Callable[[int], None]) -> QMessageBox | None:
    """After an unlock: critical answers given on the client screen with no assessment yet are asked about
    again (the window may have locked while the client answered). The question is window-modal and does not
    block; "Open the client's tests" calls `open_client`. None when there is nothing to ask."""
    found = [p for p in services.critical.pending(open_cases_only=True) if p.on_client_screen]
    if not found:
        return None
    lines = []
    for p in found[:5]:
        client = services.clients.get(p.client_id)
        lines.append(f"{client.code} {client.name}".strip() + " — " + describe(services, p))
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(tr("Critical answer on the client screen"))
    box.setText(tr("A client gave a critical answer on the client screen and no risk assessment is recorded for "
                   "it yet:"))
    box.setInformativeText("\n".join(lines))
    open_button = box.addButton(tr("Open the client's tests"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(tr("Later (it stays on the dashboard)"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(open_button)
    client_id = found[0].client_id
    box.finished.connect(lambda _r: open_client(client_id) if box.clickedButton() is open_button else None)
    box.open()
    return box
