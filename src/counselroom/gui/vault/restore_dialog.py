"""Restore from a backup, in four steps on one dialog:

1. pick the backup file, and open it with the passphrase or the recovery key (checked completely, off
   the GUI thread; a wrong secret or a damaged file is said in place and nothing changes);
2. see what it holds (when made, by which version, schema, audit entries, records per kind, fingerprint);
3. Restore (asked with Cancel as the default): `before_restore()` lets the window lock the vault first,
   then the backup is restored beside the vault and the current vault set aside;
4. unlock the restored vault to prove it opens, then keep it (the set-aside vault is deleted) or undo
   (the previous vault is put back).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...i18n import N_, tr
from ...vault import backup, restore
from ...vault.errors import VaultError
from ...vault.vault import Vault, VaultSession
from ..common.widgets import PassphraseEdit, Task, confirm_destructive, heading, message_label, paragraph, set_message

TABLE_LABELS = [("clients", N_("Clients")), ("appointments", N_("Appointments")), ("notes", N_("Session notes")),
                ("addenda", N_("Addenda")), ("case_closures", N_("Case closures")),
                ("export_register", N_("Exports")), ("audit_log", N_("Audit trail entries"))]


class RestoreDialog(QDialog):
    """`restored` is True once a restore was kept; `undone` once it was undone."""

    def __init__(self, vault: Vault, parent: QWidget | None = None, *,
                 before_restore: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.before_restore = before_restore
        self.info: backup.BackupInfo | None = None
        self.result_: restore.RestoreResult | None = None
        self.session: VaultSession | None = None
        self.restored = False
        self.undone = False
        self._secret = ""
        self.task: Task | None = None
        self.setWindowTitle(tr("Restore from a backup"))
        self.setMinimumWidth(560)

        self.stack = QStackedWidget()
        # step 1
        self.file_edit = QLineEdit()
        self.file_edit.setAccessibleName(tr("Backup file"))
        self.browse = QPushButton(tr("&Choose file…"))
        self.use_passphrase = QRadioButton(tr("with the &passphrase"))
        self.use_recovery = QRadioButton(tr("with the recovery &key"))
        self.use_passphrase.setChecked(True)
        self.secret = PassphraseEdit(tr("Passphrase or recovery key"))
        self.open_button = QPushButton(tr("&Open and check"))
        self.open_message = message_label()
        step1 = QWidget()
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.browse)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.use_passphrase)
        kind_row.addWidget(self.use_recovery)
        kind_row.addStretch(1)
        l1 = QVBoxLayout(step1)
        l1.addWidget(heading(tr("Which backup?"), 1.2))
        l1.addWidget(paragraph(tr("Choose the backup file, then open it with the passphrase the vault had when "
                                  "the backup was made, or with the recovery key. Nothing is changed yet.")))
        l1.addLayout(file_row)
        l1.addLayout(kind_row)
        l1.addWidget(self.secret)
        l1.addWidget(self.open_message)
        l1.addStretch(1)
        l1.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignRight)
        # step 2
        self.facts = QFormLayout()
        self.restore_button = QPushButton(tr("&Restore this backup…"))
        self.restore_message = message_label()
        step2 = QWidget()
        l2 = QVBoxLayout(step2)
        l2.addWidget(heading(tr("What this backup holds"), 1.2))
        l2.addLayout(self.facts)
        l2.addWidget(paragraph(tr("Restoring replaces the records in this vault with the backup's. The current "
                                  "vault is kept aside until you have checked that the restored one opens.")))
        l2.addWidget(self.restore_message)
        l2.addStretch(1)
        l2.addWidget(self.restore_button, 0, Qt.AlignmentFlag.AlignRight)
        # step 3
        self.check_secret = PassphraseEdit(tr("Passphrase or recovery key of the restored vault"))
        self.unlock_button = QPushButton(tr("&Unlock the restored vault"))
        self.unlock_message = message_label()
        self.keep_button = QPushButton(tr("&Keep the restored vault"))
        self.undo_button = QPushButton(tr("U&ndo: put the previous vault back"))
        self.keep_button.setEnabled(False)
        step3 = QWidget()
        l3 = QVBoxLayout(step3)
        l3.addWidget(heading(tr("Check the restored vault"), 1.2))
        self.step3_text = paragraph("")
        l3.addWidget(self.step3_text)
        l3.addWidget(self.check_secret)
        l3.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignLeft)
        l3.addWidget(self.unlock_message)
        l3.addStretch(1)
        buttons3 = QHBoxLayout()
        buttons3.addWidget(self.undo_button)
        buttons3.addStretch(1)
        buttons3.addWidget(self.keep_button)
        l3.addLayout(buttons3)
        # done
        self.done_text = paragraph("")
        self.close_button = QPushButton(tr("Close"))
        step4 = QWidget()
        l4 = QVBoxLayout(step4)
        l4.addWidget(self.done_text)
        l4.addStretch(1)
        l4.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)
        for w in (step1, step2, step3, step4):
            self.stack.addWidget(w)
        outer = QVBoxLayout(self)
        outer.addWidget(self.stack)

        self.browse.clicked.connect(self._browse)
        self.open_button.clicked.connect(self.open_backup)
        self.secret.returnPressed.connect(self.open_backup)
        self.restore_button.clicked.connect(self.do_restore)
        self.unlock_button.clicked.connect(self.unlock_restored)
        self.check_secret.returnPressed.connect(self.unlock_restored)
        self.keep_button.clicked.connect(self.keep)
        self.undo_button.clicked.connect(self.undo)
        self.close_button.clicked.connect(self.accept)

    # ------------------------------------------------------------ step 1

    def _ask_file(self) -> str:
        """The file dialog (tests replace this method)."""
        path, _filter = QFileDialog.getOpenFileName(self, tr("Choose a backup file"), "",
                                                    tr("counselroom backups (*.crbackup)"))
        return path

    def _browse(self) -> None:
        path = self._ask_file()
        if path:
            self.file_edit.setText(path)
            self.secret.setFocus()

    def _run(self, fn: Callable[[], object], done: Callable[[object], None], label: QLabel) -> None:
        self.task = Task(fn, self)
        self.task.done.connect(done)
        self.task.failed.connect(lambda e: self._failed(e, label))
        for b in (self.open_button, self.restore_button, self.unlock_button, self.keep_button, self.undo_button):
            b.setEnabled(False)
        set_message(label, tr("Working…"), "notice")
        self.task.start()

    def _enable(self) -> None:
        for b in (self.open_button, self.restore_button, self.unlock_button, self.undo_button):
            b.setEnabled(True)
        self.keep_button.setEnabled(self.session is not None)

    def _failed(self, error: BaseException, label: QLabel) -> None:
        self._enable()
        text = error.message() if isinstance(error, VaultError) else tr(
            "This step could not be finished ({kind}). Nothing was changed.", kind=type(error).__name__)
        set_message(label, text)

    def open_backup(self) -> None:
        path = Path(self.file_edit.text().strip())
        secret = self.secret.text()
        if not self.file_edit.text().strip() or not path.is_file():
            set_message(self.open_message, tr("Choose a backup file first."))
            return
        if not secret:
            set_message(self.open_message, tr("Enter the passphrase or the recovery key."))
            return
        recovery = self.use_recovery.isChecked()

        def opened(info: object) -> None:
            assert isinstance(info, backup.BackupInfo)
            self._enable()
            set_message(self.open_message, "")
            self.info = info
            self._secret = secret
            self.secret.clear()
            self._show_facts(info)
            self.stack.setCurrentIndex(1)
            self.restore_button.setFocus()

        self._run(lambda: backup.verify_backup(path, secret, recovery=recovery), opened, self.open_message)

    def _show_facts(self, info: backup.BackupInfo) -> None:
        while self.facts.rowCount():
            self.facts.removeRow(0)

        def row(label: str, value: str) -> None:
            v = QLabel(value)
            v.setTextFormat(Qt.TextFormat.PlainText)
            v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.facts.addRow(label, v)

        row(tr("File:"), info.path.name)
        row(tr("Made:"), info.made_at.astimezone().strftime("%Y-%m-%d %H:%M"))
        row(tr("Made by:"), tr("counselroom {version}, schema version {schema}", version=info.app_version,
                               schema=info.schema_version))
        for table, label in TABLE_LABELS:
            if table in info.counts:
                row(tr(label) + tr(":"), str(info.counts[table]))
        row(tr("Content fingerprint:"), info.fingerprint[:32])

    # ------------------------------------------------------------ step 2

    def do_restore(self) -> None:
        if self.info is None:
            return
        if not confirm_destructive(self, tr("Restore from a backup"),
                                   tr("Replace the records in this vault with the backup made {when}? The current "
                                      "vault is kept aside until you confirm.",
                                      when=self.info.made_at.astimezone().strftime("%Y-%m-%d %H:%M")),
                                   tr("&Restore")):
            return
        if self.before_restore is not None:
            self.before_restore()
        path, secret, recovery = self.info.path, self._secret, self.use_recovery.isChecked()
        vault_path = self.vault.path

        def restored(result: object) -> None:
            assert isinstance(result, restore.RestoreResult)
            self._enable()
            self._secret = ""
            set_message(self.restore_message, "")
            self.result_ = result
            self.step3_text.setText(tr("The backup was restored. Unlock the restored vault now, with the same "
                                       "passphrase or recovery key, to check that it opens. The previous vault "
                                       "is kept aside until you keep the restored one."))
            self.stack.setCurrentIndex(2)
            self.check_secret.setFocus()

        self._run(lambda: restore.restore_backup(path, secret, vault_path, recovery=recovery), restored,
                  self.restore_message)

    # ------------------------------------------------------------ step 3

    def unlock_restored(self) -> None:
        secret = self.check_secret.text()
        if not secret:
            set_message(self.unlock_message, tr("Enter the passphrase or the recovery key."))
            return
        recovery = self.use_recovery.isChecked()
        vault = self.vault

        def unlocked(session: object) -> None:
            assert isinstance(session, VaultSession)
            self.check_secret.clear()
            if self.session is not None:
                self.session.close()
            self.session = session
            self._enable()
            set_message(self.unlock_message, tr("The restored vault opens. Keep it, or undo the restore."), "ok")
            self.keep_button.setFocus()

        self._run(lambda: vault.unlock_with_recovery(secret) if recovery else vault.unlock(secret), unlocked,
                  self.unlock_message)

    def keep(self) -> None:
        if self.session is None:
            return
        try:
            restore.confirm_restore(self.session)
        except VaultError as e:
            set_message(self.unlock_message, e.message())
            return
        finally:
            self._close_session()
        self.restored = True
        self.done_text.setText(tr("The restored vault is kept and the previous one was deleted. Unlock the vault "
                                  "to go on working."))
        self.stack.setCurrentIndex(3)

    def undo(self) -> None:
        self._close_session()
        try:
            restore.undo_restore(self.vault.path)
        except (VaultError, OSError) as e:
            set_message(self.unlock_message, e.message() if isinstance(e, VaultError) else tr(
                "The previous vault could not be put back. It is still kept aside next to the vault folder."))
            return
        self.undone = True
        self.done_text.setText(tr("The previous vault is back in place, as it was before the restore."))
        self.stack.setCurrentIndex(3)

    def _close_session(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def done(self, r: int) -> None:  # noqa: D401 - Qt's name; closing never leaves a session open
        self._close_session()
        self._secret = ""
        super().done(r)
