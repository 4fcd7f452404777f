"""The one window: first-run wizard, unlock screen, or the unlocked shell (navigation and pages).

Locking — by menu, Ctrl+L, idle time or the panic key — closes every other window and dialog, shuts the
pages down (their Qt models are cleared and the widgets destroyed), closes the vault session and shows
only the unlock screen. The pages exist only between unlock and lock.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ... import __version__
from ...config import AppConfig
from ...i18n import N_, language, set_language, tr
from ...vault.media import VolumeSource
from ...vault.vault import Vault, VaultSession
from ..common.icons import SECTION_ICONS, icon
from ..common.widgets import confirm_destructive, paragraph, set_message
from .idle_lock import CHECK_INTERVAL_MS, IdleWatcher
from .unlock_screen import UnlockScreen

# The unlock screen is all the window shows at start: what only the unlocked window, the first-run wizard or
# the recovery sheet needs (the records services with pypinyin, reportlab, pikepdf) is imported where it is
# first used, so the start pays only for PySide6 and the vault (tests/unit/test_startup_imports.py).
if TYPE_CHECKING:
    from ...records.services import Services
    from ...vault.kdf import KdfParams
    from ..clients.client_page import ClientPage
    from ..vault.recovery_key_dialog import RecoveryKeyDialog
    from .first_run_wizard import FirstRunWizard

RECOVERY_KEY_DIALOG_MODULE = "counselroom.gui.vault.recovery_key_dialog"

log = logging.getLogger(__name__)

SECTIONS = [("dashboard", N_("Today"), "Ctrl+1"), ("clients", N_("Clients"), "Ctrl+2"),
            ("appointments", N_("Appointments"), "Ctrl+3"), ("overdue", N_("Notes due"), "Ctrl+4"),
            ("search", N_("Search"), "Ctrl+5"), ("groups", N_("Groups"), "Ctrl+6"),
            ("instruments", N_("Test instruments"), "Ctrl+7"), ("training", N_("Training"), "Ctrl+8"),
            ("retention", N_("Retention"), "Ctrl+9"), ("exports", N_("Export register"), "Ctrl+Shift+X"),
            ("audit", N_("Audit trail"), "Ctrl+Shift+A"), ("backup", N_("Backup"), "Ctrl+Shift+B"),
            ("consent_form", N_("Consent form"), "Ctrl+Shift+F"),
            ("screening", N_("Cohort screening"), "Ctrl+Shift+P"), ("statistics", N_("Statistics"), "Ctrl+Shift+T"),
            ("settings", N_("Settings"), "Ctrl+0")]
SECTION_KEYS = frozenset(key for key, _label, _shortcut in SECTIONS)
LOCK_KEY = "Ctrl+L"
PANIC_KEYS = "F12, Ctrl+Shift+L"


@dataclass
class AppContext:
    """What the window needs from outside; tests inject fast key derivation and a fake clock here."""

    vault: Vault
    config: AppConfig = field(default_factory=AppConfig)
    config_path: Path | None = None
    kdf_params: KdfParams | None = None
    idle_clock: Callable[[], float] = time.monotonic
    idle_check_ms: int = CHECK_INTERVAL_MS
    demo_passphrase: str | None = None
    on_language: Callable[[str], None] | None = None  # installs Qt's own translations
    volumes: VolumeSource | None = None  # removable media; tests give a fake
    remind_backup: bool = True  # ask at close when the last verified backup is old


def make_page(key: str, services: Services, ctx: AppContext) -> QWidget:  # noqa: C901, PLR0911 - one branch a page
    if key == "clients":
        from ..clients.clients_page import ClientsPage

        return ClientsPage(services)
    if key == "dashboard":
        from ..practice.dashboard_page import DashboardPage

        return DashboardPage(services)
    if key == "instruments":
        from ..psychtests.instruments_page import InstrumentsPage

        return InstrumentsPage(services)
    if key == "training":
        from ..practice.training_page import TrainingPage

        return TrainingPage(services)
    if key == "retention":
        from ..practice.retention_page import RetentionPage

        return RetentionPage(services)
    if key == "audit":
        from ..practice.audit_page import AuditPage

        return AuditPage(services)
    if key == "appointments":
        from ..sessions.appointments_page import AppointmentsPage

        return AppointmentsPage(services)
    if key == "overdue":
        from ..sessions.overdue_page import OverduePage

        return OverduePage(services)
    if key == "search":
        from .search_page import SearchPage

        return SearchPage(services)
    if key == "groups":
        from ..consent.groups_page import GroupsPage

        return GroupsPage(services)
    if key == "exports":
        from ..practice.export_register_page import ExportRegisterPage

        return ExportRegisterPage(services)
    if key == "consent_form":
        from ..consent.consent_template_page import ConsentTemplatePage

        return ConsentTemplatePage(services)
    if key == "backup":
        from ..vault.backup_page import BackupPage

        return BackupPage(services, ctx.vault, volumes=ctx.volumes)
    if key == "screening":  # issue 15: cohort screenings and the flagged list; the room's statistics
        from ..screening.screening_page import ScreeningPage

        return ScreeningPage(services)
    if key == "statistics":
        from ..screening.statistics_page import StatisticsPage

        return StatisticsPage(services)
    from .settings_page import SettingsPage

    return SettingsPage(services, ctx.config, ctx.config_path)


class LazyPages(dict[str, QWidget]):
    """The shell's pages by section key; a page not built yet is built when asked for (`pages[key]` or
    `pages.get(key)`). Iterating gives the pages built so far."""

    def __init__(self, build: Callable[[str], QWidget]) -> None:
        super().__init__()
        self._build = build

    def __missing__(self, key: str) -> QWidget:
        if key not in SECTION_KEYS:
            raise KeyError(key)
        page = self._build(key)
        self[key] = page
        return page

    def get(self, key: str, default: QWidget | None = None) -> QWidget | None:  # type: ignore[override]
        return self[key] if key in self or key in SECTION_KEYS else default


class Shell(QWidget):
    """Navigation on the left, the chosen page on the right; a demo banner and notices on top."""

    def __init__(self, services: Services, ctx: AppContext, parent: QWidget | None = None,
                 on_page_built: Callable[[str, QWidget], None] | None = None) -> None:
        super().__init__(parent)
        self.services = services
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        if ctx.demo_passphrase:
            banner = QLabel(tr("DEMO DATA: made-up records in a throwaway vault, deleted when counselroom "
                               "closes."))
            banner.setObjectName("demoBanner")
            banner.setWordWrap(True)
            banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
            banner.setStyleSheet("background: #f0b400; color: #222; font-weight: bold; padding: 6px;")
            layout.addWidget(banner)
        self.notice = QFrame()
        self.notice.setStyleSheet("QFrame { background: #fdecea; } QLabel { color: #7a1010; }")
        notice_row = QHBoxLayout(self.notice)
        self.notice_text = paragraph("")
        dismiss = QPushButton(tr("&Dismiss"))
        dismiss.clicked.connect(self.notice.hide)
        notice_row.addWidget(self.notice_text, 1)
        notice_row.addWidget(dismiss)
        self.notice.hide()
        layout.addWidget(self.notice)

        body = QHBoxLayout()
        body.setContentsMargins(8, 8, 8, 8)
        self.nav = QListWidget()
        self.nav.setAccessibleName(tr("Sections"))
        self.nav.setFrameShape(QFrame.Shape.NoFrame)
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setStyleSheet("QListWidget { background: transparent; font-size: 11pt; } "
                               "QListWidget::item { padding: 8px 12px; }")
        self.stack = QStackedWidget()
        self._services, self._ctx = services, ctx
        self.on_page_built = on_page_built
        # A page is built the first time it is shown or asked for: unlocking builds only the dashboard.
        self.pages: LazyPages = LazyPages(self._build_page)
        for _key, label, shortcut in SECTIONS:
            item = QListWidgetItem(icon(SECTION_ICONS.get(_key, "")), tr(label))
            item.setToolTip(f"{tr(label)} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})")
            self.nav.addItem(item)
        width = max(self.nav.sizeHintForColumn(0) + 32, 140)
        self.nav.setFixedWidth(width)
        self.nav.currentRowChanged.connect(self._show_row)
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        layout.addLayout(body, 1)
        self.nav.setCurrentRow(0)

    def _show_row(self, row: int) -> None:
        if 0 <= row < len(SECTIONS):
            self.stack.setCurrentWidget(self.pages[SECTIONS[row][0]])

    def _build_page(self, key: str) -> QWidget:
        page = make_page(key, self._services, self._ctx)
        self.stack.addWidget(page)
        self._connect_page(page)
        if self.on_page_built is not None:
            self.on_page_built(key, page)
        return page

    def _connect_page(self, page: QWidget) -> None:
        """Pages that point at a client's file open it on the Clients page; the dashboard opens what it counts."""
        for name, slot in (("open_client", self.open_client), ("write_note", self.write_note),
                           ("open_note", self.open_note), ("open_client_tab", self.open_client_tab),
                           ("go_section", self.open_section)):
            signal = getattr(type(page), name, None)
            if isinstance(signal, Signal):
                getattr(page, name).connect(slot)

    def open_client(self, client_id: int) -> ClientPage | None:
        from ..clients.clients_page import ClientsPage

        clients = self.pages.get("clients")
        if not isinstance(clients, ClientsPage):
            return None
        self.go("clients")
        clients.open_client(client_id)
        return clients.client_page

    def open_section(self, key: str) -> None:
        """Go to a page to see what a dashboard line counts: the appointment book opens on today."""
        self.go(key)
        if key == "appointments":
            self.pages["appointments"].show_date(date.today())  # type: ignore[attr-defined]

    def open_client_tab(self, client_id: int, tab: str) -> None:
        page = self.open_client(client_id)
        if page is not None:
            page.show_tab(tab)

    def write_note(self, client_id: int, appointment_id: int) -> None:
        page = self.open_client(client_id)
        if page is not None:
            page.show_notes()
            page.notes_tab.new_note_for_appointment(appointment_id)

    def open_note(self, client_id: int, note_id: int, words: str = "") -> None:
        """Open a note; with `words` (a search's), at the first place they are found, marked."""
        page = self.open_client(client_id)
        if page is not None:
            page.show_notes()
            if page.notes_tab.open_note(note_id) and words and page.notes_tab.editor is not None:
                page.notes_tab.editor.show_words(words)

    def go(self, key: str) -> None:
        keys = [k for k, _, _ in SECTIONS]
        self.nav.setCurrentRow(keys.index(key))
        page = self.stack.currentWidget()
        if page is not None:
            page.setFocus()

    @property
    def current(self) -> str:
        return SECTIONS[self.nav.currentRow()][0]

    def show_notice(self, text: str) -> None:
        self.notice_text.setText(text)
        self.notice.show()

    def shutdown(self) -> None:
        """Let each page drop its rows and stop listening before the session closes."""
        for page in self.pages.values():
            stop = getattr(page, "shutdown", None)
            if callable(stop):
                try:
                    stop()
                except Exception as e:  # noqa: BLE001 - locking must go on whatever a page does
                    log.error("a page failed to shut down: %s", type(e).__name__)


@dataclass(frozen=True)
class Place:
    """Where the counselor was: the section, and in a client's file the tab and the note open. Ids only."""

    section: str
    client_id: int | None = None
    tab: str = ""
    note_id: int | None = None

    @staticmethod
    def of(shell: Shell) -> Place:
        section = shell.current
        clients = dict.get(shell.pages, "clients")  # without building the page
        page: ClientPage | None = getattr(clients, "client_page", None) if section == "clients" else None
        if page is None:
            return Place(section)
        editor = page.notes_tab.editor
        note_id = editor.note_id if editor is not None and page.tabs.currentWidget() is page.notes_tab else None
        return Place(section, page.client_id, page.current_tab(), note_id)

    def go_back(self, shell: Shell) -> None:
        if self.client_id is None:
            shell.go(self.section)
            return
        try:
            shell.services.clients.get(self.client_id)
        except (KeyError, LookupError):  # the file is gone (destroyed meanwhile): the list
            shell.go("clients")
            return
        page = shell.open_client(self.client_id)
        if page is None:
            return
        page.show_tab(self.tab)
        if self.note_id is not None:
            page.notes_tab.open_note(self.note_id)


class MainWindow(QMainWindow):
    locked = Signal()
    unlocked = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.services: Services | None = None
        self.shell: Shell | None = None
        self.wizard: FirstRunWizard | None = None
        self.unlock_screen: UnlockScreen | None = None
        self.key_dialog: RecoveryKeyDialog | None = None
        self.screens = QStackedWidget()
        self.setCentralWidget(self.screens)
        self.where: Place | None = None  # where the counselor was when the window locked (no record data)
        self.idle = IdleWatcher(ctx.config.auto_lock_minutes, ctx.idle_clock, ctx.idle_check_ms, self)
        self.idle.idle.connect(self.lock)
        self.idle.panic.connect(self.panic)
        self.idle.lock_requested.connect(self.lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)
        self.resize(1100, 720)
        # X11 drops a close request for a window a dialog blocks without a word: say why (blocked_close.py)
        from .blocked_close import install

        self.close_watcher = install(lambda: QApplication.activeModalWidget() not in (None, self),
                                     self._close_blocked)
        self._build_menus()
        self._update_title()
        if ctx.vault.exists():
            self.show_unlock()
        else:
            self.show_wizard()

    # --- chrome ---------------------------------------------------------------------------------
    def _update_title(self) -> None:
        """"DEMO DATA — counselroom": where the counselor is first, the program's name last. Qt adds the
        application's name to a title that does not end with it, which gave "counselroom — 演示数据 —
        counselroom"."""
        parts = []
        if self.ctx.demo_passphrase:
            parts.append(tr("DEMO DATA"))
        if self.wizard is not None and self.screens.currentWidget() is self.wizard:
            parts.append(tr("Welcome"))  # the first-run wizard: the title says where the counselor is
        self.setWindowTitle(" — ".join([*parts, "counselroom"]))

    def _build_menus(self) -> None:
        bar = self.menuBar()
        bar.clear()
        vault_menu = bar.addMenu(tr("&Vault"))
        self.lock_action = QAction(tr("&Lock"), self)
        self.lock_action.setShortcut(QKeySequence(LOCK_KEY))
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.lock_action.triggered.connect(self.lock)
        vault_menu.addAction(self.lock_action)
        panic = QAction(tr("&Hide everything and lock"), self)
        panic.setShortcut(QKeySequence("F12"))
        panic.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # the idle watcher handles the key
        panic.triggered.connect(self.panic)
        vault_menu.addAction(panic)
        self.restore_action = QAction(tr("&Restore from a backup…"), self)
        self.restore_action.triggered.connect(self.restore_backup)
        vault_menu.addAction(self.restore_action)
        vault_menu.addSeparator()
        quit_action = QAction(tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        vault_menu.addAction(quit_action)
        self.go_menu = bar.addMenu(tr("&Go"))
        for key, label, shortcut in SECTIONS:
            action = QAction(tr(label), self)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(lambda _checked=False, k=key: self.go(k))
            self.go_menu.addAction(action)
        help_menu = bar.addMenu(tr("&Help"))
        self.guide_action = QAction(tr("&User guide"), self)
        self.guide_action.setShortcut(QKeySequence("F1"))
        self.guide_action.triggered.connect(self.show_guide)
        help_menu.addAction(self.guide_action)
        keys = QAction(tr("&Keyboard shortcuts"), self)
        keys.setShortcut(QKeySequence("Shift+F1"))
        keys.triggered.connect(self.show_shortcuts)
        help_menu.addAction(keys)
        about = QAction(tr("&About counselroom"), self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)
        self._update_menus()

    def _update_menus(self) -> None:
        unlocked = self.services is not None
        self.lock_action.setEnabled(unlocked)
        self.go_menu.menuAction().setVisible(unlocked)
        for action in self.go_menu.actions():
            action.setEnabled(unlocked)

    def show_shortcuts(self) -> QDialog:
        """The keyboard shortcuts in two aligned columns (a tab-separated message did not line up)."""
        rows = [(LOCK_KEY, tr("Lock")), (PANIC_KEYS, tr("Hide everything and lock")),
                *[(s, tr(label)) for _k, label, s in SECTIONS], ("Ctrl+Q", tr("Quit")),
                ("F1", tr("User guide")), ("Shift+F1", tr("Keyboard shortcuts"))]
        box = QDialog(self)
        box.setWindowTitle(tr("Keyboard shortcuts"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(box.fontMetrics().averageCharWidth() * 4)
        for row, (keys, what) in enumerate(rows):
            shown = QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText) or keys
            key_label, what_label = QLabel(shown), QLabel(what)
            for label in (key_label, what_label):
                label.setTextFormat(Qt.TextFormat.PlainText)
            font = key_label.font()
            font.setBold(True)
            key_label.setFont(font)
            grid.addWidget(key_label, row, 0, Qt.AlignmentFlag.AlignLeft)
            grid.addWidget(what_label, row, 1, Qt.AlignmentFlag.AlignLeft)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("Close"))
        buttons.rejected.connect(box.reject)
        layout = QVBoxLayout(box)
        layout.addLayout(grid)
        layout.addWidget(buttons)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def show_guide(self) -> None:
        """The user guide, in a window of its own; it holds no records, so it opens while locked too."""
        from .help_viewer import open_guide

        open_guide(self)

    def show_about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, tr("About counselroom"),
                          tr("counselroom {version}\nEncrypted, offline records for a psychological counseling "
                             "room. It never connects to a network.", version=__version__),
                          QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.open()

    def _set_screen(self, widget: QWidget) -> None:
        if self.screens.indexOf(widget) < 0:
            self.screens.addWidget(widget)
        self.screens.setCurrentWidget(widget)
        self._update_title()

    def _drop(self, widget: QWidget | None) -> None:
        if widget is None:
            return
        self.screens.removeWidget(widget)
        widget.hide()
        widget.deleteLater()

    # --- first run ------------------------------------------------------------------------------
    def show_wizard(self, page: int = 0) -> None:
        vault = self.wizard.vault if self.wizard is not None else self.ctx.vault  # a folder chosen stays chosen
        self._drop(self.wizard)
        from .first_run_wizard import FirstRunWizard

        self.wizard = FirstRunWizard(vault, self.ctx.kdf_params)
        self.wizard.language_chosen.connect(self._wizard_language)
        self.wizard.completed.connect(self._wizard_completed)
        self._set_screen(self.wizard)

    def _wizard_language(self, lang: str) -> None:
        self.ctx.config.language = lang
        with contextlib.suppress(OSError):
            self.ctx.config.save(self.ctx.config_path)
        self.apply_language(lang)
        self.show_wizard()

    def _wizard_completed(self, session: VaultSession) -> None:
        wizard, self.wizard = self.wizard, None
        self._drop(wizard)
        if session.vault.path != self.ctx.vault.path:  # the counselor chose another folder: remember it
            self.ctx.vault = session.vault
            self.ctx.config.vault_folder = str(session.vault.path)
            try:
                self.ctx.config.save(self.ctx.config_path)
            except OSError as e:
                log.error("the vault folder could not be remembered: %s", type(e).__name__)
        self.show_unlock(build_only=True)
        self._open(session, None)

    # --- unlock and lock ------------------------------------------------------------------------
    def show_unlock(self, build_only: bool = False) -> None:
        if self.unlock_screen is None:
            self.unlock_screen = UnlockScreen(self.ctx.vault, self.ctx.demo_passphrase)
            self.unlock_screen.unlocked.connect(self._open)
            self.screens.addWidget(self.unlock_screen)
        if not build_only:
            self._set_screen(self.unlock_screen)
            self.unlock_screen.focus_passphrase()

    def _open(self, session: VaultSession, new_recovery_key: str | None) -> None:
        from ...records.services import Services

        self.services = Services.open(session)
        self._build_shell()
        self.idle.set_minutes(self.ctx.config.auto_lock_minutes)
        self.idle.arm()
        notices = []
        if session.failed_attempts:
            notices.append(tr(
                "There were {count} failed attempts to unlock since the vault was last opened. If that was not "
                "you, someone may have tried to open the records: consider changing the passphrase.",
                count=session.failed_attempts))
        notices += session.unlock_notices()  # an older vault put back; a key file repaired or not proven by the key
        if notices:
            assert self.shell is not None
            self.shell.show_notice("\n".join(notices))
        self._update_menus()
        self.unlocked.emit()
        if new_recovery_key:
            self._show_recovery_key(new_recovery_key)
        else:
            self._ask_about_critical_answers()

    def _ask_about_critical_answers(self) -> None:
        """Issue 12.1: a critical answer given on the client screen (perhaps while the window locked) and not yet
        followed up is asked about again after the unlock."""
        from ..psychtests.critical_widgets import prompt_after_unlock

        assert self.services is not None
        self.critical_prompt = prompt_after_unlock(self, self.services, self._open_client_tests)

    def _open_client_tests(self, client_id: int) -> None:
        if self.shell is None:
            return
        page = self.shell.open_client(client_id)
        if page is not None:
            page.show_tab("tests")

    def _build_shell(self, section: str = "dashboard") -> None:
        assert self.services is not None
        self.shell = Shell(self.services, self.ctx, on_page_built=self._page_built)
        self._set_screen(self.shell)
        self.shell.go(section)
        where, self.where = self.where, None
        if where is not None:
            where.go_back(self.shell)

    def _page_built(self, key: str, page: QWidget) -> None:
        if key == "backup":
            page.restore_requested.connect(self.restore_backup)  # type: ignore[attr-defined]
            page.rotate_requested.connect(self.rotate_key)  # type: ignore[attr-defined]
        elif key == "settings":
            page.language_changed.connect(self._settings_language)  # type: ignore[attr-defined]
            page.auto_lock_changed.connect(self.idle.set_minutes)  # type: ignore[attr-defined]

    def rotate_key(self) -> None:
        """Re-encrypt the vault under a new data key (gui/vault/rotate_dialog.py); the vault file is replaced, so
        the window locks, then shows the new recovery key once and what the old backups still open with."""
        from ...documents.recovery_sheet import RecoverySheet
        from ..vault import rotate_dialog
        from ..vault.recovery_key_dialog import RecoveryKeyDialog

        if self.services is None:
            return
        profile = self.services.profile.get()
        session = self.services.session
        result = rotate_dialog.rotate(self, self.services)
        if result is None and session.is_open:
            return
        self.lock()
        if result is None:
            return
        sheet = RecoverySheet(recovery_key=result.recovery_key, vault_folder=str(self.ctx.vault.path),
                              lang=language(), counselor=profile.name, room=profile.room,
                              institution=profile.institution)
        self.key_dialog = RecoveryKeyDialog(sheet, self)
        self.key_dialog.open()
        if self.unlock_screen is not None:
            set_message(self.unlock_screen.message, rotate_dialog.done_text(result), "notice")

    def _show_recovery_key(self, key: str) -> None:
        from ...documents.recovery_sheet import RecoverySheet
        from ..vault.recovery_key_dialog import RecoveryKeyDialog

        assert self.services is not None
        profile = self.services.profile.get()
        sheet = RecoverySheet(recovery_key=key, vault_folder=str(self.ctx.vault.path), lang=language(),
                              counselor=profile.name, room=profile.room, institution=profile.institution)
        self.key_dialog = RecoveryKeyDialog(sheet, self)
        self.key_dialog.open()

    @property
    def is_unlocked(self) -> bool:
        return self.services is not None

    def go(self, key: str) -> None:
        """Show a section. Its key pressed again on a page showing one record (a client's file) goes back to
        the section's list, as Back does."""
        if self.shell is not None:
            if self.shell.current == key:
                back = getattr(self.shell.stack.currentWidget(), "show_list", None)
                if callable(back):
                    back()
            self.shell.go(key)

    def close_other_windows(self, keep: QWidget | None = None) -> None:
        """Close and destroy every dialog and other window (closing alone would keep the data they
        show in memory); close menus, popups and tooltips."""
        QToolTip.hideText()
        popup = QApplication.activePopupWidget()
        while popup is not None:
            popup.close()
            next_popup = QApplication.activePopupWidget()
            if next_popup is popup:
                break
            popup = next_popup
        # A recovery key dialog is closed without its question; none exists unless its module was imported.
        key_dialog_type = getattr(sys.modules.get(RECOVERY_KEY_DIALOG_MODULE), "RecoveryKeyDialog", None)
        for w in QApplication.topLevelWidgets():
            if w is self or w is keep:
                continue
            if key_dialog_type is not None and isinstance(w, key_dialog_type):
                w.force_close()
            elif isinstance(w, QDialog):
                if w.isVisible():
                    w.reject()
            elif w.isVisible():
                w.close()
            if isinstance(w, QDialog) or (w.parentWidget() is None and w.isWindow()
                                           and not w.inherits("QTipLabel")):
                w.deleteLater()

    def lock(self, keep: QWidget | None = None) -> None:
        if self.services is None:
            return
        self.idle.disarm()
        self.close_other_windows(keep)
        if self.shell is not None:
            self.where = Place.of(self.shell)
        self.show_unlock()
        shell, self.shell = self.shell, None
        if shell is not None:
            shell.shutdown()
            self._drop(shell)
        services, self.services = self.services, None
        try:
            services.session.close()
        except Exception as e:  # noqa: BLE001 - the screen is locked either way
            log.error("closing the vault failed: %s", type(e).__name__)
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None and clipboard.ownsClipboard():
            clipboard.clear()
        self.key_dialog = None
        self._update_menus()
        log.info("locked")
        self.locked.emit()

    def panic(self) -> None:
        """Hide everything at once, then lock; the window goes to the task bar."""
        self.close_other_windows()
        if self.wizard is not None:
            self.showMinimized()  # the wizard may show a recovery key not yet written down: keep it
            return
        if self.unlock_screen is not None:
            self.screens.setCurrentWidget(self.unlock_screen)
        self.lock()
        if self.unlock_screen is not None:
            self.unlock_screen.reset()
        self.showMinimized()

    # --- restore --------------------------------------------------------------------------------
    def restore_backup(self) -> None:
        """Restore replaces the vault: the window locks first (keeping only the restore dialog), and shows the
        unlock screen of whatever vault is in place afterwards. Also offered while locked, for a vault that
        no longer opens."""
        from ..vault.restore_dialog import RestoreDialog

        dialog = RestoreDialog(self.ctx.vault, self, before_restore=lambda: self.lock(keep=dialog))
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()
        if self.services is None:
            self.show_unlock()

    # --- language -------------------------------------------------------------------------------
    def apply_language(self, lang: str) -> None:
        set_language(lang or None)
        if self.ctx.on_language is not None:
            self.ctx.on_language(language())
        self._build_menus()
        self._update_title()

    def _settings_language(self, lang: str) -> None:
        """Rebuild every widget in the new language; the session stays open."""
        self.apply_language(lang)
        old_unlock, self.unlock_screen = self.unlock_screen, None
        self._drop(old_unlock)
        self.show_unlock(build_only=True)
        if self.shell is not None and self.services is not None:
            old = self.shell
            old.shutdown()
            self._build_shell("settings")
            self._drop(old)
        self._update_menus()

    # --- quitting -------------------------------------------------------------------------------
    def _close_blocked(self, window_id: int) -> None:
        if window_id == int(self.winId()):
            self.explain_blocked_close()

    def explain_blocked_close(self) -> QMessageBox | None:
        """The counselor closed the window while a dialog is open: say which, and bring it forward."""
        modal = QApplication.activeModalWidget()
        if modal is None or modal is self:
            return None
        box = QMessageBox(QMessageBox.Icon.Information, tr("A window is still open"),
                          tr("“{title}” is still open. Finish it or close it first; then counselroom can be "
                             "closed.", title=modal.windowTitle() or tr("A dialog")),
                          QMessageBox.StandardButton.Ok, modal)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        modal.raise_()
        return box

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.wizard is not None and self.wizard.key_unconfirmed and not confirm_destructive(
                self, tr("Quit"), tr("The vault is created, but you have not confirmed that the recovery key is "
                                     "written down. It will not be shown again. Quit anyway?"), tr("Quit")):
            event.ignore()
            return
        if self.services is not None and self.ctx.remind_backup:
            from ..vault.backup_page import ask_backup_before_closing

            answer = ask_backup_before_closing(self, self.services)
            if answer != "close":
                event.ignore()
                if answer == "backup":
                    self.go("backup")
                return
        self.lock()
        if self.wizard is not None:
            self.wizard.discard()
        if self.unlock_screen is not None:
            self.unlock_screen.reset()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle)
        super().closeEvent(event)
