"""The first-run wizard: language and where the vault lives, the counselor's profile, the passphrase,
then the recovery key shown once (printable) and typed back in part before the program opens.

The first page shows the vault's folder and lets the counselor choose another; network shares and synced
folders are refused there (Next stays disabled), the system drive of a Windows computer is warned about
(`vault.location`).

The vault is created when the passphrase page is left (key derivation runs twice, about 1.5 s, on a
worker thread); from then on there is no way back to the passphrase, only forward to the key."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...documents.recovery_sheet import RecoverySheet
from ...i18n import N_, language, tr
from ...records.services import Services
from ...vault import location
from ...vault.errors import VaultError
from ...vault.kdf import KdfParams
from ...vault.vault import Vault, VaultSession, default_vault_path
from ..common.folders import start_folder
from ..common.widgets import NewPassphraseBox, Task, heading, message_label, paragraph, set_message
from ..vault.recovery_key_dialog import KeyCheck, RecoveryKeyView
from .settings_page import ProfileForm, language_combo

log = logging.getLogger(__name__)

STEP_TITLES = [N_("Welcome"), N_("Your profile"), N_("Passphrase"), N_("Recovery key"), N_("Check")]
LANGUAGE, PROFILE, PASSPHRASE, KEY, CHECK = range(5)


class FirstRunWizard(QWidget):
    """Emits `completed(session)` with the new vault open, and `language_chosen(lang)` on page one
    (the window then rebuilds the wizard in that language)."""

    completed = Signal(object)
    language_chosen = Signal(str)

    def __init__(self, vault: Vault, kdf_params: KdfParams | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.kdf_params = kdf_params
        self.session: VaultSession | None = None
        self.recovery_key = ""
        self._task: Task | None = None
        # Replaceable in tests, which never show a real dialog or depend on this machine's disks: the folder
        # dialog (given the folder it opens at; returns the chosen folder, '' when cancelled) and the facts
        # about this computer a folder is judged by.
        self.ask_folder: Callable[[Path], str] = self._ask_folder
        self.location_facts: Callable[[], location.PlatformFacts] = location.system_facts
        self.verdict = location.Verdict()
        self.folder_problem = ""  # a message id with {path}: the chosen folder holds a vault or other files

        self.step_label = QLabel()
        self.step_label.setStyleSheet("color: #555;")
        self.pages = QStackedWidget()
        for build in (self._language_page, self._profile_page, self._passphrase_page):
            self.pages.addWidget(build())
        self.pages.addWidget(QWidget())  # the key and check pages exist once the key does
        self.pages.addWidget(QWidget())
        self.message = message_label()
        self.check_folder()
        self.back_button = QPushButton(tr("Bac&k"))
        self.next_button = QPushButton(tr("&Next"))
        self.next_button.setDefault(True)
        self.next_button.setAutoDefault(True)
        self.back_button.setAutoDefault(True)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)

        column = QVBoxLayout()
        column.addWidget(self.step_label)
        column.addWidget(self.pages, 1)
        column.addWidget(self.message)
        column.addLayout(buttons)
        frame = QWidget()
        frame.setLayout(column)
        frame.setMaximumWidth(760)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(frame, 4)
        outer.addStretch(1)
        self._show(LANGUAGE)

    # --- pages ----------------------------------------------------------------------------------
    def _page(self, title: str, intro: str) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 8, 0, 8)
        layout.addWidget(heading(title, 1.6))
        layout.addWidget(paragraph(intro))
        return page, layout

    def _language_page(self) -> QWidget:
        page, layout = self._page(tr("Welcome to counselroom"), tr(
            "counselroom keeps your counseling room's records in one encrypted vault on this computer. "
            "Nothing is sent anywhere. Setting it up takes a few minutes: your profile, a passphrase, "
            "and a recovery key to print and keep in the locked cabinet."))
        label = QLabel(tr("&Language"))
        self.language = language_combo(language(), include_system=False)
        label.setBuddy(self.language)
        self.language.currentIndexChanged.connect(
            lambda: self.language_chosen.emit(str(self.language.currentData())))
        layout.addWidget(label)
        layout.addWidget(self.language)
        layout.addSpacing(12)
        where = QLabel(tr("The vault will be created in this f&older:"))
        self.folder_field = QLineEdit(str(self.vault.path))
        self.folder_field.setReadOnly(True)
        self.folder_field.setAccessibleName(tr("Vault folder"))
        self.folder_field.setCursorPosition(0)
        where.setBuddy(self.folder_field)
        self.choose_button = QPushButton(tr("&Choose another folder…"))
        self.choose_button.setAutoDefault(True)
        self.choose_button.clicked.connect(self.choose_folder)
        row = QHBoxLayout()
        row.addWidget(self.folder_field, 1)
        row.addWidget(self.choose_button)
        layout.addWidget(where)
        layout.addLayout(row)
        self.folder_message = message_label()
        layout.addWidget(self.folder_message)
        hint = paragraph(tr(
            "Keep it on this computer's own disk. Network shares and folders that OneDrive, 坚果云, 百度网盘 or "
            "another sync app watches are refused: they damage the database and take the records out of the "
            "room. Backups go to a removable medium later."))
        hint.setStyleSheet("color: #555;")
        layout.addWidget(hint)
        layout.addStretch(1)
        return page

    # --- where the vault lives ------------------------------------------------------------------
    def _ask_folder(self, start: Path) -> str:
        return QFileDialog.getExistingDirectory(self, tr("Choose the folder for the vault"), str(start),
                                                QFileDialog.Option.ShowDirsOnly)

    def choose_folder(self) -> None:
        """Ask for another folder, opening in the one chosen before, or in Documents (the default folder's
        parent is a hidden data folder; the counselor would have to find their way out of it first)."""
        start = self.vault.path.parent
        while not start.is_dir() and start.parent != start:
            start = start.parent  # a folder not made yet: its nearest existing parent
        picked = self.ask_folder(start_folder(start if self.vault.path != default_vault_path() else None))
        if picked:
            self.use_folder(Path(os.path.abspath(picked)))

    def use_folder(self, chosen: Path) -> None:
        """Make `chosen` (or a `counselroom` folder inside it) the new vault's folder, and judge it."""
        target, self.folder_problem = location.folder_for_new_vault(chosen)
        if target != self.vault.path:
            self.vault = Vault(target, state_dir=self.vault.state_dir, clock=self.vault.attempts.clock)
        self.folder_field.setText(str(target))
        self.folder_field.setCursorPosition(0)
        self.check_folder()
        self._update_buttons()
        if not self.folder_refused:
            self.next_button.setFocus()  # Enter goes on; on a refusal it stays on the button, to choose again

    def check_folder(self) -> None:
        """Judge the vault's folder and say why when it is refused or risky."""
        if self.folder_problem:
            self.verdict = location.Verdict()
            set_message(self.folder_message, tr(self.folder_problem, path=str(self.vault.path)))
            return
        self.verdict = location.check(self.vault.path, self.location_facts())
        set_message(self.folder_message, self.verdict.message(), "error" if self.verdict.refused else "notice")

    @property
    def folder_refused(self) -> bool:
        return self.verdict.refused or bool(self.folder_problem)

    def _profile_page(self) -> QWidget:
        page, layout = self._page(tr("Your profile"), tr(
            "These details are printed on consent forms, as the code of practice asks you to explain your "
            "qualifications before counseling begins. Only your name is needed now; you can change all of "
            "them later in Settings."))
        self.profile_form = ProfileForm()
        layout.addWidget(self.profile_form)
        layout.addStretch(1)
        return page

    def _passphrase_page(self) -> QWidget:
        page, layout = self._page(tr("Choose a passphrase"), tr(
            "You will type this passphrase every time you open counselroom. Several words you can remember "
            "work well, in Chinese or English. If you forget it, only the recovery key (next step) can open "
            "the records."))
        self.new_passphrase = NewPassphraseBox()
        self.new_passphrase.changed.connect(self._update_buttons)
        layout.addWidget(self.new_passphrase)
        layout.addStretch(1)
        return page

    def _build_key_pages(self) -> None:
        profile = self.profile_form.profile()
        sheet = RecoverySheet(recovery_key=self.recovery_key, vault_folder=str(self.vault.path), lang=language(),
                              counselor=profile.name, room=profile.room, institution=profile.institution)
        page, layout = self._page(tr("Your recovery key"), tr(
            "If the passphrase is ever forgotten, this key is the only way to open the records. It is shown "
            "only now. Print the recovery sheet, or write the key down on paper, and keep it in the room's "
            "locked cabinet. Do not photograph it or save it in a file."))
        self.key_view = RecoveryKeyView(sheet)
        self.written_down = QCheckBox(tr("I have printed the sheet or &written the key down"))
        self.written_down.setAccessibleName(tr("I have printed the sheet or written the key down"))
        self.written_down.toggled.connect(self._update_buttons)
        self.key_view.printed.connect(lambda: self.written_down.setChecked(True))
        layout.addWidget(self.key_view)
        layout.addWidget(self.written_down)
        layout.addStretch(1)
        self._replace(KEY, page)

        page, layout = self._page(tr("Check the recovery key"), tr(
            "Look at the sheet or your note, not at the screen before."))
        self.key_check = KeyCheck(self.recovery_key)
        self.key_check.changed.connect(self._update_buttons)
        layout.addWidget(self.key_check)
        layout.addStretch(1)
        self._replace(CHECK, page)

    def _replace(self, index: int, page: QWidget) -> None:
        old = self.pages.widget(index)
        self.pages.insertWidget(index, page)
        if old is not None:
            self.pages.removeWidget(old)
            old.deleteLater()

    # --- navigation -----------------------------------------------------------------------------
    @property
    def index(self) -> int:
        return self.pages.currentIndex()

    def _show(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.step_label.setText(tr("Step {n} of {total}: {title}", n=index + 1, total=len(STEP_TITLES),
                                   title=tr(STEP_TITLES[index])))
        set_message(self.message, "")
        focus = {LANGUAGE: lambda: self.language, PROFILE: lambda: self.profile_form.fields["name"],
                 PASSPHRASE: lambda: self.new_passphrase.first, KEY: lambda: self.key_view.print_button,
                 CHECK: lambda: self.key_check.field}[index]()
        focus.setFocus()
        self._update_buttons()

    def _update_buttons(self) -> None:
        index = self.index
        busy = self._task is not None
        self.back_button.setVisible(index in (PROFILE, PASSPHRASE, CHECK))
        self.back_button.setEnabled(not busy)
        labels = {PASSPHRASE: tr("&Create the vault"), CHECK: tr("&Open counselroom")}
        self.next_button.setText(tr("Creating the vault...") if busy else labels.get(index, tr("&Next")))
        ready = {LANGUAGE: not self.folder_refused,
                 PASSPHRASE: self.new_passphrase.acceptable,
                 KEY: self.index == KEY and self.written_down.isChecked(),
                 CHECK: self.index == CHECK and self.key_check.matches}.get(index, True)
        self.next_button.setEnabled(ready and not busy)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Enter anywhere on a page means Next, as in a dialog (a focused button handles its own)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not isinstance(
                self.focusWidget(), QAbstractButton):
            self.next()
            event.accept()
            return
        super().keyPressEvent(event)

    def back(self) -> None:
        if self._task is None and self.index in (PROFILE, PASSPHRASE, CHECK):
            self._show(self.index - 1)

    def next(self) -> None:
        if self._task is not None or not self.next_button.isEnabled():
            return
        index = self.index
        if index == PROFILE and not self.profile_form.fields["name"].text().strip():
            set_message(self.message, tr("Enter your name. It is printed on consent forms."))
            self.profile_form.fields["name"].setFocus()
            return
        if index == PASSPHRASE:
            self._create()
            return
        if index == CHECK:
            session, self.session = self.session, None
            self.completed.emit(session)
            return
        self._show(index + 1)

    # --- creating the vault ---------------------------------------------------------------------
    def _create(self) -> None:
        self.check_folder()  # again: a share may have been mounted since the first page
        if self.folder_refused:
            self._show(LANGUAGE)
            return
        passphrase = self.new_passphrase.passphrase()
        profile = self.profile_form.profile()
        vault, params = self.vault, self.kdf_params

        def work() -> tuple[VaultSession, str]:
            _created, key = Vault.create(vault.path, passphrase, kdf_params=params, state_dir=vault.state_dir)
            session = vault.unlock(passphrase)
            try:
                Services.open(session).profile.save(profile)
            except BaseException:
                session.close()
                raise
            return session, key

        self._task = Task(work, self)
        self._task.done.connect(self._created)
        self._task.failed.connect(self._create_failed)
        set_message(self.message, tr("Creating the encrypted vault. This takes a moment..."), "notice")
        self._task.start()
        self._update_buttons()

    def _created(self, result: tuple[VaultSession, str]) -> None:
        self._task = None
        self.session, self.recovery_key = result
        self.new_passphrase.clear()
        self._build_key_pages()
        self._show(KEY)

    def _create_failed(self, error: BaseException) -> None:
        self._task = None
        if isinstance(error, VaultError):
            text = error.message()
        else:
            log.error("vault creation failed: %s", type(error).__name__)
            text = tr("The vault could not be created in {path}. Check that the folder can be written to.",
                      path=str(Path(self.vault.path)))
        self._update_buttons()
        set_message(self.message, text)

    @property
    def key_unconfirmed(self) -> bool:
        """The vault exists but the counselor has not yet proved the key is written down."""
        return bool(self.recovery_key) and self.session is not None

    def discard(self) -> None:
        """Close the session held by the wizard (on quit or panic before it completes)."""
        if self.session is not None:
            self.session.close()
            self.session = None
