"""Settings: language (applies at once), automatic lock, the counselor's profile, the passphrase and the
recovery key. Program settings live in AppConfig (no record content); the profile lives in the vault."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...config import AppConfig
from ...documents.recovery_sheet import RecoverySheet
from ...i18n import N_, language, sentences, tr
from ...records.profile import Profile
from ...records.services import Services
from ...vault.errors import Throttled, VaultError, WrongSecret, wait_text
from ..common.widgets import (
    NewPassphraseBox,
    PassphraseEdit,
    StoreWatcher,
    Task,
    confirm_destructive,
    heading,
    message_label,
    paragraph,
    set_message,
)
from ..vault.recovery_key_dialog import RecoveryKeyDialog

log = logging.getLogger(__name__)

# Language names are shown in their own language, so anyone can find theirs.
LANGUAGE_CHOICES = [("zh_CN", "简体中文"), ("en", "English")]
MAX_AUTO_LOCK_MINUTES = 240

PROFILE_LABELS = [
    ("name", N_("Na&me"), N_("Counselor's name")),
    ("qualifications", N_("&Qualifications"), N_("Qualifications")),
    ("certificate_no", N_("Certificate num&ber"), N_("Certificate number")),
    ("institution", N_("&Institution"), N_("Institution")),
    ("room", N_("Co&unseling room"), N_("Counseling room")),
    ("contact", N_("C&ontact"), N_("Contact")),
]


class ProfileForm(QWidget):
    """The counselor's profile, printed on consent forms and letters."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.fields: dict[str, QLineEdit] = {}
        hints = {"qualifications": tr("e.g. Registered counselor, national level 2"),
                 "room": tr("e.g. Psychological counseling room, Building 3, Room 204"),
                 "contact": tr("Phone or e-mail clients may use")}
        for key, label, accessible in PROFILE_LABELS:
            edit = QLineEdit()
            edit.setAccessibleName(tr(accessible))
            edit.setPlaceholderText(hints.get(key, ""))
            edit.setMaxLength(200)
            self.fields[key] = edit
            form.addRow(tr(label), edit)

    def profile(self) -> Profile:
        return Profile(**{k: e.text().strip() for k, e in self.fields.items()})

    def set_profile(self, profile: Profile) -> None:
        for k, e in self.fields.items():
            e.setText(getattr(profile, k))


def language_combo(current: str, include_system: bool = True) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(tr("Language"))
    if include_system:
        combo.addItem(tr("Follow the system setting"), "")
    for code, name in LANGUAGE_CHOICES:
        combo.addItem(name, code)
    index = combo.findData(current)
    combo.setCurrentIndex(max(index, 0))
    return combo


class SettingsPage(QWidget):
    language_changed = Signal(str)
    auto_lock_changed = Signal(int)

    def __init__(self, services: Services, config: AppConfig, config_path: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.config = config
        self.config_path = config_path
        self._task: Task | None = None

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        body = QWidget()
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        column = QVBoxLayout(body)
        column.addWidget(heading(tr("Settings")))
        for box in (self._program_box(), self._profile_box(), self._dependency_box(), self._crisis_box(),
                    self._retention_box(), self._passphrase_box(), self._recovery_box()):
            box.setMaximumWidth(760)
            column.addWidget(box)
        column.addStretch(1)

    def _dependency_box(self) -> QGroupBox:
        from ..practice.dependency_settings import DependencySettings

        box = QGroupBox(tr("Dependency alerts"))
        layout = QVBoxLayout(box)
        self.dependency = DependencySettings(self.services)
        layout.addWidget(self.dependency)
        return box

    def _crisis_box(self) -> QGroupBox:
        box = QGroupBox(tr("Crisis contacts"))
        layout = QHBoxLayout(box)
        layout.addWidget(paragraph(tr("The room's crisis contacts (duty phone, hospital, hotline) appear on every "
                                      "safety plan and in each client's emergency contacts.")), 1)
        self.crisis_button = QPushButton(tr("&Crisis contacts…"))
        self.crisis_button.clicked.connect(self.change_crisis_contacts)
        layout.addWidget(self.crisis_button, 0, Qt.AlignmentFlag.AlignTop)
        return box

    def change_crisis_contacts(self) -> None:
        from ..risk.safety_plan_editor import CrisisContactsDialog

        dialog = CrisisContactsDialog(self.services, self)
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()

    def _retention_box(self) -> QGroupBox:
        box = QGroupBox(tr("Retention of records"))
        layout = QHBoxLayout(box)
        self.retention_label = paragraph("")
        self._show_retention_rules()
        self.retention_button = QPushButton(tr("R&etention rules…"))
        self.retention_button.clicked.connect(self.change_retention_rules)
        layout.addWidget(self.retention_label, 1)
        layout.addWidget(self.retention_button, 0, Qt.AlignmentFlag.AlignTop)
        # The rules may also change on the Retention page.
        StoreWatcher(box, self.services.store, self._show_retention_rules,
                     wants=lambda entity, _id: entity in ("settings", "retention_rule"))
        return box

    def _show_retention_rules(self) -> None:
        from ...records.retention_promise import GUIDANCE
        from ..practice.retention_rules_dialog import rule_text

        # The rules, which guidance the default follows and how schools differ (issue 12.8), and what the consent
        # form says from them.
        lines = [rule_text(r) for r in self.services.retention.rules().values()]
        lines += ["", tr(GUIDANCE), "",
                  tr("The consent form says: {promise}", promise=self.services.consent.retention_promise(language()))]
        self.retention_label.setText("\n".join(lines))

    def change_retention_rules(self) -> None:
        from ..practice.retention_rules_dialog import RetentionRulesDialog

        dialog = RetentionRulesDialog(self.services, self)
        if dialog.exec() and dialog.saved:
            self._show_retention_rules()

    # --- program settings -----------------------------------------------------------------------
    def _program_box(self) -> QGroupBox:
        box = QGroupBox(tr("This computer"))
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.language = language_combo(self.config.language)
        self.language.currentIndexChanged.connect(self._language_chosen)
        form.addRow(tr("&Language"), self.language)
        self.auto_lock = QSpinBox()
        self.auto_lock.setRange(0, MAX_AUTO_LOCK_MINUTES)
        self.auto_lock.setSpecialValueText(tr("Off (not recommended)"))
        self.auto_lock.setSuffix(tr(" min"))
        self.auto_lock.setValue(self.config.auto_lock_minutes)
        self.auto_lock.setAccessibleName(tr("Lock after this many minutes without use"))
        self.auto_lock.valueChanged.connect(self._auto_lock_chosen)
        form.addRow(tr("Lock automaticall&y after"), self.auto_lock)
        form.addRow(paragraph(tr("The language changes at once. Lock at any time with Ctrl+L; F12 (or "
                                 "Ctrl+Shift+L) hides everything and locks immediately.")))
        return box

    def _save_config(self) -> None:
        try:
            self.config.save(self.config_path)
        except OSError as e:
            log.error("could not save the program settings: %s", type(e).__name__)

    def _language_chosen(self) -> None:
        lang = str(self.language.currentData())
        if lang == self.config.language:
            return
        self.config.language = lang
        self._save_config()
        self.language_changed.emit(lang)

    def _auto_lock_chosen(self, minutes: int) -> None:
        self.config.auto_lock_minutes = minutes
        self._save_config()
        self.auto_lock_changed.emit(minutes)

    # --- profile --------------------------------------------------------------------------------
    def _profile_box(self) -> QGroupBox:
        box = QGroupBox(tr("Counselor profile"))
        layout = QVBoxLayout(box)
        layout.addWidget(paragraph(tr("Printed on consent forms and letters.")))
        self.profile_form = ProfileForm()
        self.profile_form.set_profile(self.services.profile.get())
        self.profile_message = message_label()
        save = QPushButton(tr("Save the pro&file"))
        save.clicked.connect(self.save_profile)
        layout.addWidget(self.profile_form)
        layout.addWidget(self.profile_message)
        layout.addWidget(save, 0, Qt.AlignmentFlag.AlignLeft)
        return box

    def save_profile(self) -> None:
        self.services.profile.save(self.profile_form.profile())
        set_message(self.profile_message, tr("The profile is saved."), "ok")

    # --- passphrase -----------------------------------------------------------------------------
    def _passphrase_box(self) -> QGroupBox:
        box = QGroupBox(tr("Change the passphrase"))
        layout = QVBoxLayout(box)
        layout.addWidget(paragraph(tr("The recovery key stays the same when the passphrase changes.")))
        form = QFormLayout()
        self.old_passphrase = PassphraseEdit(tr("Current passphrase"))
        form.addRow(tr("Current &passphrase"), self.old_passphrase)
        layout.addLayout(form)
        self.new_passphrase = NewPassphraseBox()
        layout.addWidget(self.new_passphrase)
        self.passphrase_message = message_label()
        layout.addWidget(self.passphrase_message)
        self.change_button = QPushButton(tr("Change &the passphrase"))
        self.change_button.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.change_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.new_passphrase.changed.connect(self._update_change_button)
        self.old_passphrase.textChanged.connect(self._update_change_button)
        self.change_button.clicked.connect(self.change_passphrase)
        self.new_passphrase.second.returnPressed.connect(self.change_passphrase)
        return box

    def _update_change_button(self) -> None:
        self.change_button.setEnabled(bool(self.old_passphrase.text()) and self.new_passphrase.acceptable
                                      and self._task is None)

    def _run(self, fn: Callable[[], Any], done: Callable[[Any], None],
             failed: Callable[[BaseException], None]) -> None:
        task = Task(fn, self)
        self._task = task

        def finish() -> None:
            # From self, not from this closure (see export_dialog: a slot must not own the task).
            finished, self._task = self._task, None
            if finished is not None:
                finished.deleteLater()
            self._update_change_button()
            self.recovery_button.setEnabled(True)

        def on_done(result: object) -> None:
            finish()
            done(result)

        def on_failed(error: BaseException) -> None:
            finish()
            failed(error)

        task.done.connect(on_done)
        task.failed.connect(on_failed)
        self.change_button.setEnabled(False)
        self.recovery_button.setEnabled(False)
        task.start()

    def change_passphrase(self) -> None:
        if self._task is not None or not self.old_passphrase.text() or not self.new_passphrase.acceptable:
            return
        old, new = self.old_passphrase.text(), self.new_passphrase.passphrase()
        session = self.services.session
        set_message(self.passphrase_message, tr("Changing the passphrase..."), "notice")
        self._run(lambda: session.change_passphrase(old, new), self._passphrase_changed, self._passphrase_failed)

    def _passphrase_changed(self, _result: object) -> None:
        self.old_passphrase.clear()
        self.new_passphrase.clear()
        set_message(self.passphrase_message, tr("The passphrase is changed. Use the new one from now on."), "ok")

    def _passphrase_failed(self, error: BaseException) -> None:
        if isinstance(error, Throttled):
            text = error.message()
        elif isinstance(error, WrongSecret):
            text = tr("The current passphrase is not correct.")
            if error.retry_after > 0:
                text = sentences(text, wait_text(error.retry_after))
        elif isinstance(error, VaultError):
            text = error.message()
        else:
            log.error("passphrase change failed: %s", type(error).__name__)
            text = tr("The passphrase could not be changed. It is unchanged; try again.")
        set_message(self.passphrase_message, text)
        self.old_passphrase.selectAll()
        self.old_passphrase.setFocus()

    # --- recovery key ---------------------------------------------------------------------------
    def _recovery_box(self) -> QGroupBox:
        box = QGroupBox(tr("Recovery key"))
        layout = QVBoxLayout(box)
        layout.addWidget(paragraph(tr("Make a new recovery key if the recovery sheet is lost or may have been "
                                      "seen. The old key and sheet no longer open this vault at once; backups "
                                      "made before still open with them until the vault is re-encrypted under "
                                      "a new key (Backup page).")))
        self.recovery_message = message_label()
        layout.addWidget(self.recovery_message)
        self.recovery_button = QPushButton(tr("Make a new recovery &key..."))
        self.recovery_button.clicked.connect(self.make_new_recovery_key)
        layout.addWidget(self.recovery_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.recovery_dialog: RecoveryKeyDialog | None = None
        return box

    def make_new_recovery_key(self) -> None:
        if self._task is not None:
            return
        if not confirm_destructive(self, tr("New recovery key"),
                                   tr("The recovery key on the current recovery sheet will no longer open this "
                                      "vault. Backups made before still open with it. Make a new one?"),
                                   tr("Make a new key")):
            return
        session = self.services.session
        set_message(self.recovery_message, tr("Making a new recovery key..."), "notice")
        self._run(session.new_recovery_key, self._show_new_key, self._recovery_failed)

    def _show_new_key(self, key: str) -> None:
        set_message(self.recovery_message, "")
        profile = self.services.profile.get()
        sheet = RecoverySheet(recovery_key=key, vault_folder=str(self.services.session.vault.path),
                              lang=language(), counselor=profile.name, room=profile.room,
                              institution=profile.institution)
        self.recovery_dialog = RecoveryKeyDialog(sheet, self)
        self.recovery_dialog.open()

    def _recovery_failed(self, error: BaseException) -> None:
        log.error("new recovery key failed: %s", type(error).__name__)
        text = error.message() if isinstance(error, VaultError) else tr(
            "A new recovery key could not be made. The old one still works.")
        set_message(self.recovery_message, text)
