"""Destroying records past their retention period: what will go (client code, kind, counts), a plain warning
that it cannot be undone, the client's code (or the word DESTROY) typed to confirm, and the passphrase.
Cancel is the default button; Destroy stays disabled until the typed confirmation matches."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...i18n import tr
from ...records.clients import ValidationError
from ...records.retention import CONFIRM_WORD, EVENT_LABELS, KIND_LABELS, DisposalEntry, RetentionItem, table_label
from ...records.services import Services
from ...vault.errors import VaultError
from ..clients.client_form import plain_label
from ..common.widgets import (
    PassphraseEdit,
    Task,
    heading,
    message_label,
    paragraph,
    set_message,
    show_error,
    with_busy_cursor,
)

log = logging.getLogger(__name__)
WARNING_STYLE = ("QFrame#destructionWarning { background: #fdecea; border: 1px solid #b3261e; border-radius: 6px; }"
                 " QLabel { color: #410e0b; }")


def records_text(total: int) -> str:
    return tr("1 record") if total == 1 else tr("{count} records", count=total)


def plan_lines(item: RetentionItem, counts: dict[str, int]) -> list[str]:
    """One item of the plan in words: who, what, why now, and how many records of each sort."""
    head = tr("{code} — {kind}", code=item.client_code, kind=tr(KIND_LABELS[item.kind]))
    when = tr("{event} {date}; retention ended {due}", event=tr(EVENT_LABELS[item.anchor_event]),
              date=item.anchor_date.isoformat(), due=item.due_date.isoformat())
    merged: dict[str, int] = {}
    for table, n in counts.items():
        label = tr(table_label(table))
        merged[label] = merged.get(label, 0) + n
    parts = "; ".join(tr("{label}: {count}", label=label, count=n)
                      for label, n in sorted(merged.items(), key=lambda kv: -kv[1]))
    return [head, "    " + when, "    " + records_text(sum(counts.values())) + (f": {parts}" if parts else "")]


class DestructionDialog(QDialog):
    """Public: `confirm_edit`, `passphrase_edit`, `destroy_button`, `cancel_button`, `start()`;
    `disposals` holds the disposal register entries after accept()."""

    def __init__(self, services: Services, items: list[RetentionItem], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.items = list(items)
        self.disposals: list[DisposalEntry] = []
        self._task: Task | None = None
        self.setWindowTitle(tr("Destroy records past retention"))
        codes = sorted({i.client_code for i in self.items})
        self.single_code = codes[0] if len(codes) == 1 else None

        layout = QVBoxLayout(self)
        layout.addWidget(heading(tr("Destroy records past retention"), 1.2))
        layout.addWidget(paragraph(
            tr("These records will be destroyed:") if len(self.items) == 1
            else tr("These records of {count} clients will be destroyed:", count=len(codes))))
        self.plan_view = QPlainTextEdit()
        self.plan_view.setReadOnly(True)
        self.plan_view.setAccessibleName(tr("What will be destroyed"))
        plan = services.retention.plan(self.items)
        lines: list[str] = []
        for item in self.items:
            lines += [*plan_lines(item, plan.get(item.key, {})), ""]
        self.plan_view.setPlainText("\n".join(lines).strip())
        self.plan_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        line = self.plan_view.fontMetrics().lineSpacing()
        self.plan_view.setFixedHeight(min(16, len(lines) + 2) * line + 12)
        layout.addWidget(self.plan_view)

        warning = QFrame()
        warning.setObjectName("destructionWarning")
        warning.setStyleSheet(WARNING_STYLE)
        warning_layout = QVBoxLayout(warning)
        title = plain_label(tr("This cannot be undone."))
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        warning_layout.addWidget(title)
        for text in (
                tr("The records are erased from the vault and from search, and no one can get them back from "
                   "this program: not you, not a technician."),
                tr("Backups made before today still hold them until newer backups replace them. Restoring such a "
                   "backup would bring them back."),
                tr("The disposal register keeps the client code, what was destroyed, how many records and under "
                   "which rule; never the name or any content. The export register keeps its record of what left "
                   "the room, without the link to the client.")):
            warning_layout.addWidget(paragraph(text))
        layout.addWidget(warning)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        word = tr(CONFIRM_WORD)
        prompt = (tr("To confirm, type the client code {code} (or the word {word}):", code=self.single_code, word=word)
                  if self.single_code else tr("To confirm, type the word {word}:", word=word))
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setAccessibleName(tr("Confirmation"))
        self.confirm_edit.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, True)
        confirm_label = plain_label(prompt)
        confirm_label.setBuddy(self.confirm_edit)
        form.addRow(confirm_label, self.confirm_edit)
        self.passphrase_edit = PassphraseEdit(tr("Your passphrase"))
        pass_label = plain_label(tr("Your &passphrase:"))
        pass_label.setBuddy(self.passphrase_edit)
        form.addRow(pass_label, self.passphrase_edit)
        layout.addLayout(form)
        self.message = message_label()
        layout.addWidget(self.message)
        layout.addStretch(1)

        buttons = QDialogButtonBox()
        self.destroy_button = QPushButton(tr("Destroy permanently"))
        self.destroy_button.setAutoDefault(False)
        self.destroy_button.setEnabled(False)
        self.destroy_button.setStyleSheet("QPushButton:enabled { color: #ffffff; background: #b3261e; "
                                          "border-radius: 4px; padding: 4px 12px; }")
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setDefault(True)
        buttons.addButton(self.destroy_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.destroy_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.confirm_edit.textChanged.connect(self._update)
        self.passphrase_edit.textChanged.connect(self._update)
        self.resize(640, self.sizeHint().height())
        self.cancel_button.setFocus()

    def _confirmed(self) -> bool:
        return self.services.retention.confirmation_method(self.items, self.confirm_edit.text()) is not None

    def _update(self) -> None:
        self.destroy_button.setEnabled(self._task is None and self._confirmed() and bool(self.passphrase_edit.text()))

    def start(self) -> None:
        """Check the passphrase (off the window's thread: it takes about a second), then destroy."""
        if self._task is not None or not self._confirmed() or not self.passphrase_edit.text():
            return
        passphrase = self.passphrase_edit.text()
        vault = self.services.session.vault
        set_message(self.message, tr("Checking the passphrase…"), "notice")
        # The task's signals go to this dialog's methods, never to closures holding the task itself: the
        # task is deleted later, and a slot owning its last reference would crash in its destructor.
        self._task = Task(lambda: vault.check_passphrase(passphrase), self)
        self._task.done.connect(self._checked)
        self._task.failed.connect(self._check_failed)
        self.destroy_button.setEnabled(False)
        self._task.start()

    def _finish_check(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.deleteLater()
        self.passphrase_edit.clear()
        self._update()

    def _checked(self, ok: object) -> None:
        self._finish_check()
        if ok is True:
            self._destroy()
        else:
            set_message(self.message, tr("That is not the passphrase of this vault. Nothing was destroyed."))

    def _check_failed(self, error: BaseException) -> None:
        self._finish_check()
        set_message(self.message, error.message() if isinstance(error, VaultError)
                    else tr("The passphrase could not be checked. Nothing was destroyed."))

    def _destroy(self) -> None:
        with_busy_cursor(True)  # a few seconds for many large files
        try:
            self.disposals = self.services.retention.destroy(self.items, self.confirm_edit.text(), passphrase_ok=True)
            problem: Exception | None = None
        except (ValidationError, VaultError) as e:
            problem = e
        finally:
            with_busy_cursor(False)
        if isinstance(problem, ValidationError):
            set_message(self.message, "\n".join(tr(m) for m in problem.errors.values()))
        elif isinstance(problem, VaultError):
            show_error(self, tr("Destroy records past retention"),
                       tr("Nothing was destroyed. {reason}", reason=problem.message()))
        else:
            self.accept()
