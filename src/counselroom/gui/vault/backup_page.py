"""The backup page: where to back up (removable volumes found, or a chosen folder), Back up now with its
progress and verified result, the age of the last verified backup, generations and reminder settings,
and the backups in the chosen folder. Also the reminder the window shows at close.

The snapshot is taken on the GUI thread (it uses the session's connection, a fraction of a second);
writing to the medium and reading it back run on a worker thread (`Task`), which touches no Qt object
and no session; the result is recorded on the GUI thread again. When that recording also compacts the vault
(vault/compaction.py: monthly, seconds on a vault of ten years, on the session's thread), the page first
says so and shows itself busy, so the window's pause is announced rather than a silent freeze.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...i18n import tr
from ...records.services import Services
from ...vault import backup, compaction
from ...vault.errors import VaultError
from ...vault.media import Volume, VolumeSource, is_removable, removable, system_volumes
from ...vault.vault import Vault
from ..common.folders import start_folder
from ..common.widgets import Task, heading, message_label, paragraph, set_message

log = logging.getLogger(__name__)
PROGRESS_MS = 50
COMPACTING_PAINT_MS = 60  # the "Compacting" state is painted before the compaction holds the GUI thread


def age_text(services: Services, now: datetime | None = None) -> str:
    """'Last verified backup: …' in words, for this page and for the window's status line."""
    last = backup.last_verified_backup(services.session)
    if last is None:
        return tr("No verified backup yet.")
    days = backup.backup_age_days(services.session, now) or 0
    when = last.verified_at.astimezone().strftime("%Y-%m-%d %H:%M")
    if days == 0:
        return tr("Last verified backup: today ({when}).", when=when)
    return tr("Last verified backup: {days} day(s) ago ({when}).", days=days, when=when)


def ask_backup_before_closing(parent: QWidget | None, services: Services, now: datetime | None = None) -> str:
    """At close: "close" when backups are recent enough or the counselor closes anyway, "backup" when they
    choose to back up first (the window then shows this page), "cancel" to stay. Cancel is the default."""
    reminder = backup.backup_reminder(services.session, now)
    if reminder is None:
        return "close"
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(tr("Back up before closing?"))
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(tr(reminder.msgid(), days=reminder.age_days) if reminder.age_days is not None
                else tr(reminder.msgid()))
    back_up = box.addButton(tr("&Back up now"), QMessageBox.ButtonRole.AcceptRole)
    close = box.addButton(tr("Close &without backup"), QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    cancel.setText(tr("Cancel"))
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    return "backup" if clicked is back_up else "close" if clicked is close else "cancel"


class _Progress:
    """Written by the worker thread, read by the GUI thread's timer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value: tuple[str, int, int] = ("", 0, 0)

    def __call__(self, stage: str, done: int, total: int) -> None:
        with self._lock:
            self.value = (stage, done, total)

    def read(self) -> tuple[str, int, int]:
        with self._lock:
            return self.value


class BackupPage(QWidget):
    """`backup_done(BackupResult)` after a verified backup; `restore_requested()` when the counselor asks
    to restore (the window locks the vault and opens the RestoreDialog)."""

    backup_done = Signal(object)
    restore_requested = Signal()
    rotate_requested = Signal()  # re-encrypt the vault under a new key (the window runs it: it locks after)

    def __init__(self, services: Services, vault: Vault, parent: QWidget | None = None, *,
                 volumes: VolumeSource | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.vault = vault
        self.volumes = volumes or system_volumes()
        self.chosen_folder: Path | None = None  # a folder picked by hand (used as is)
        self.task: Task | None = None
        self.compacting = False  # the verified backup is being recorded and the vault compacted
        self.snapshot: backup.Snapshot | None = None
        self.progress_state = _Progress()

        self.title = heading(tr("Backup"), 1.3)
        self.intro = paragraph(tr("A backup is one encrypted file on your removable medium. It opens only with "
                                  "your passphrase or the recovery key, and it is read back and checked before "
                                  "it counts as done."))
        self.last_label = heading("", 1.0)
        self.last_label.setAccessibleName(tr("Last verified backup"))

        self.volume_box = QComboBox()
        self.volume_box.setAccessibleName(tr("Removable media found"))
        self.volume_box.setMinimumContentsLength(24)
        self.refresh_button = QPushButton(tr("&Refresh"))
        self.refresh_button.setToolTip(tr("Look again for removable media (after plugging one in)"))
        self.choose_button = QPushButton(tr("Choose &folder…"))
        self.choose_button.setToolTip(tr("Back up into a folder of your choice instead"))
        self.target_label = paragraph("")
        self.target_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning = message_label()

        self.backup_button = QPushButton(tr("&Back up now"))
        self.backup_button.setAccessibleName(tr("Back up now"))
        self.backup_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setTextVisible(True)
        self.result = message_label()
        self.result.setAccessibleName(tr("Backup result"))

        self.generations = QSpinBox()
        self.generations.setRange(1, backup.MAX_GENERATIONS)
        self.generations.setAccessibleName(tr("Backups to keep in the folder"))
        self.remind = QSpinBox()
        self.remind.setRange(1, 365)
        self.remind.setSuffix(tr(" days"))
        self.remind.setAccessibleName(tr("Remind me when the last backup is older than"))

        self.list = QListWidget()
        self.list.setAccessibleName(tr("Backups in this folder"))
        self.restore_button = QPushButton(tr("R&estore from a backup…"))
        self.rotate_button = QPushButton(tr("Re-encrypt under a ne&w key…"))
        self.rotate_button.setToolTip(tr("After a passphrase may have been seen, or with a new recovery key: old "
                                         "backups keep their old secrets"))

        where = QGroupBox(tr("Where to back up"))
        where_row = QHBoxLayout()
        where_row.addWidget(self.volume_box, 1)
        where_row.addWidget(self.refresh_button)
        where_row.addWidget(self.choose_button)
        where_layout = QVBoxLayout(where)
        where_layout.addLayout(where_row)
        where_layout.addWidget(self.target_label)
        where_layout.addWidget(self.warning)
        run_row = QHBoxLayout()
        run_row.addWidget(self.backup_button)
        run_row.addWidget(self.progress, 1)
        run_row.addStretch(0)
        where_layout.addLayout(run_row)
        where_layout.addWidget(self.result)

        settings = QGroupBox(tr("Settings"))
        form = QFormLayout(settings)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(tr("&Keep this many backups in a folder:"), self.generations)
        form.addRow(tr("Re&mind me at closing when the last backup is older than:"), self.remind)

        listed = QGroupBox(tr("Backups in this folder"))
        listed_layout = QVBoxLayout(listed)
        listed_layout.addWidget(self.list)
        bottom = QHBoxLayout()
        bottom.addWidget(self.rotate_button)
        bottom.addStretch(1)
        bottom.addWidget(self.restore_button)
        listed_layout.addLayout(bottom)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addWidget(self.last_label)
        layout.addWidget(where)
        layout.addWidget(settings)
        layout.addWidget(listed, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(PROGRESS_MS)
        self.timer.timeout.connect(self._show_progress)
        self.refresh_button.clicked.connect(self.refresh_volumes)
        self.choose_button.clicked.connect(self.choose_folder)
        self.volume_box.currentIndexChanged.connect(self._volume_changed)
        self.backup_button.clicked.connect(self.back_up)
        self.restore_button.clicked.connect(self.restore_requested.emit)
        self.rotate_button.clicked.connect(self.rotate_requested.emit)
        self._load_settings()
        self.generations.valueChanged.connect(
            lambda v: self._save_setting(backup.SETTING_GENERATIONS, v))
        self.remind.valueChanged.connect(lambda v: self._save_setting(backup.SETTING_REMIND_DAYS, v))
        self.refresh_volumes()
        self.refresh_age()

    # ------------------------------------------------------------ where

    def _load_settings(self) -> None:
        self.generations.setValue(backup.generations(self.services.session))
        self.remind.setValue(backup.remind_days(self.services.session))

    def _save_setting(self, key: str, value: int) -> None:
        try:
            self.services.settings.set(key, int(value))
        except VaultError as e:
            set_message(self.result, e.message())

    def refresh_volumes(self) -> None:
        current = self.volume_box.currentData()
        self.volume_box.blockSignals(True)
        self.volume_box.clear()
        found: list[Volume] = removable(self.volumes)
        for v in found:
            label = v.label if v.label == v.path.name else f"{v.label} ({v.path})"
            self.volume_box.addItem(label, str(v.path))
        if not found:
            self.volume_box.addItem(tr("No removable medium found: plug one in and press Refresh"), None)
        if self.chosen_folder is not None:
            self.volume_box.addItem(tr("Chosen folder: {path}", path=self.chosen_folder), str(self.chosen_folder))
        index = self.volume_box.findData(current) if current is not None else -1
        if index < 0 and self.chosen_folder is not None and not found:
            index = self.volume_box.count() - 1
        self.volume_box.setCurrentIndex(max(0, index))
        self.volume_box.blockSignals(False)
        self._volume_changed()

    def _ask_folder(self) -> str:
        """The folder dialog (tests replace this method)."""
        return QFileDialog.getExistingDirectory(self, tr("Choose a folder for backups"),
                                                str(start_folder(self.chosen_folder)))

    def choose_folder(self) -> None:
        picked = self._ask_folder()
        if not picked:
            return
        self.chosen_folder = Path(picked)
        self.refresh_volumes()
        self.volume_box.setCurrentIndex(self.volume_box.findData(str(self.chosen_folder)))

    def target_folder(self) -> Path | None:
        """The folder the backup goes to: the chosen folder as is, or `counselroom-backups` on a volume."""
        data = self.volume_box.currentData()
        if data is None:
            return None
        path = Path(data)
        if self.chosen_folder is not None and path == self.chosen_folder:
            return path
        return path / backup.FOLDER_ON_VOLUME

    def _volume_changed(self) -> None:
        folder = self.target_folder()
        self.backup_button.setEnabled(folder is not None and not self.busy)
        if folder is None:
            self.target_label.setText("")
            set_message(self.warning, "")
        else:
            self.target_label.setText(tr("Backups go to: {path}", path=folder))
            if self.chosen_folder is not None and folder == self.chosen_folder \
                    and not is_removable(folder, self.volumes):
                set_message(self.warning, tr("This folder is not on a removable medium. A backup kept on the "
                                             "same computer is lost with it (theft, fire, a dead disk): keep "
                                             "your backups on a medium you can lock away."), "notice")
            else:
                set_message(self.warning, "")
        self.refresh_list()

    def refresh_list(self) -> None:
        self.list.clear()
        folder = self.target_folder()
        if folder is None:
            return
        vault_id = self._vault_id()
        for b in backup.list_backups(folder):
            when = b.made.strftime("%Y-%m-%d %H:%M") if b.made else "?"
            size = f"{b.size / (1 << 20):.1f} MB"
            if b.vault_id is None:
                note = tr("does not read as a backup")
            elif b.vault_id != vault_id:
                note = tr("another vault")
            else:
                note = ""
            text = f"{when}    {size}    {b.path.name}" + (f"    ({note})" if note else "")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, str(b.path))
            self.list.addItem(item)
        if self.list.count() == 0:
            item = QListWidgetItem(tr("No backups in this folder yet."))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(item)

    def _vault_id(self) -> str:
        try:
            return self.services.session._slot_file().vault_id
        except VaultError:
            return ""

    def refresh_age(self, now: datetime | None = None) -> None:
        try:
            self.last_label.setText(age_text(self.services, now))
        except VaultError as e:
            self.last_label.setText(e.message())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self.busy:
            self.refresh_volumes()
            self.refresh_age()

    # ------------------------------------------------------------ backing up

    @property
    def busy(self) -> bool:
        return self.compacting or (self.task is not None and self.task.running)

    def back_up(self) -> None:
        if self.busy:
            return
        set_message(self.result, "")
        data = self.volume_box.currentData()
        if data is None:
            return
        try:
            if self.chosen_folder is not None and Path(data) == self.chosen_folder:
                folder = self.chosen_folder
            else:
                folder = backup.folder_on_volume(Path(data))
            # every target here is the counselor's own choice (a listed medium, or a folder chosen and warned about)
            self.snapshot = backup.prepare(self.services.session, folder, same_disk_ok=True)
        except VaultError as e:
            backup.record_failure(self.services.session, e)
            set_message(self.result, e.message())
            self.refresh_age()
            return
        snapshot = self.snapshot
        self.progress_state = _Progress()
        progress = self.progress_state
        self.task = Task(lambda: snapshot.write_and_verify(progress), self)
        self.task.done.connect(self._finished)
        self.task.failed.connect(self._failed)
        self.backup_button.setEnabled(False)
        self.choose_button.setEnabled(False)
        self.refresh_button.setEnabled(False)
        self.volume_box.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        set_message(self.result, tr("Backing up…"), "notice")
        self.timer.start()
        self.task.start()

    def _show_progress(self) -> None:
        stage, done, total = self.progress_state.read()
        if total <= 0:
            return
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(1000 * done / total))
        self.progress.setFormat(tr("Writing… %p%") if stage == "writing" else tr("Reading back and checking… %p%"))

    def _end(self) -> None:
        self.timer.stop()
        if self.snapshot is not None:
            self.snapshot.discard()
            self.snapshot = None
        self.progress.setVisible(False)
        for w in (self.choose_button, self.refresh_button, self.volume_box):
            w.setEnabled(True)
        self._volume_changed()

    def _finished(self, result: backup.BackupResult) -> None:
        if self.services.session.is_open and compaction.due_after_backup(self.services.session):
            self.compacting = True
            self._end()
            for w in (self.choose_button, self.refresh_button, self.volume_box):
                w.setEnabled(False)
            self.progress.setRange(0, 0)
            self.progress.setFormat("")
            self.progress.setVisible(True)
            set_message(self.result, tr("Compacting the vault: its file is rebuilt, every record kept. The window "
                                        "answers again in a few seconds…"), "notice")
            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
            QTimer.singleShot(COMPACTING_PAINT_MS, self, lambda: self._record(result))
            return
        self._end()
        self._record(result)

    def _record(self, result: backup.BackupResult) -> None:
        try:
            self._record_success(result)
        finally:
            if self.compacting:
                self.compacting = False
                QApplication.restoreOverrideCursor()
                self.progress.setVisible(False)
                for w in (self.choose_button, self.refresh_button, self.volume_box):
                    w.setEnabled(True)
                self._volume_changed()

    def _record_success(self, result: backup.BackupResult) -> None:
        if not self.services.session.is_open:  # locked meanwhile: the file is verified, but not recorded
            return
        try:
            backup.record_success(self.services.session, result)
        except VaultError as e:
            set_message(self.result, e.message())
            return
        text = tr("Backup verified: {name}. It was read back from the medium and matches the vault.",
                  name=result.path.name)
        if result.removed:
            text += " " + tr("{count} older backup(s) removed, as the setting asks.", count=len(result.removed))
        set_message(self.result, text, "ok")
        self.refresh_list()
        self.refresh_age()
        self.backup_done.emit(result)

    def _failed(self, error: BaseException) -> None:
        self._end()
        if not self.services.session.is_open:
            return
        backup.record_failure(self.services.session, error)
        if isinstance(error, VaultError):
            set_message(self.result, error.message())
        else:
            set_message(self.result, tr("The backup could not be made ({kind}). Earlier backups are untouched.",
                                        kind=type(error).__name__))
        self.refresh_list()

    def shutdown(self) -> None:
        """The window is locking: a running backup finishes on its own; its snapshot is discarded. A backup
        verified but not recorded yet stays unrecorded (the vault is closed), and the page is no longer busy."""
        self.timer.stop()
        if self.compacting:
            self.compacting = False
            QApplication.restoreOverrideCursor()
