"""Every page, tab and dialog of the demo vault, in both languages, on the room's screens (issue 13).

On a 1366x768 screen at 100% and a 1920x1080 screen at 150%, nothing may need more room than the screen
has, no text may be cut off, no English may show in the Chinese window, and no two buttons of one window
may share an &-letter. The sweep opens every section and tab, the files of a few clients with every tab
(and of every client whose critical test answer still waits for a risk assessment: the banner and badge),
every dialog an enabled button opens and every dialog those dialogs open in turn (see screen_sweep.py).

The full sweep (both languages, both screens, every dialog) is marked slow; the quick test checks the
sections and a client's file in Chinese on the laptop screen. A subprocess run with QT_SCALE_FACTOR=1.5
shows that the 150% screen is the logical 1280x720 the in-process check assumes.

Problems a page still has are listed in KNOWN with who fixes them; a problem that is gone from the
sweep must leave the list too (the test says so), so the list stays true.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QApplication, QFileDialog, QWidget

from counselroom.app import install_qt_translations, make_demo_vault
from counselroom.config import AppConfig
from counselroom.gui.shell.main_window import SECTIONS, AppContext, MainWindow
from counselroom.i18n import set_language, tr
from counselroom.vault.media import FakeVolumes
from counselroom.vault.vault import Vault

from . import screen_sweep as sweep
from .screen_sweep import FULL_HD_150, LAPTOP, DialogCatcher, Findings, Screen

# Problems the sweep finds that belong to a page (issue 13, the other half): each is a substring of a
# problem line. Remove a line when the page is fixed; the test fails while a listed problem is gone.
SOMETIMES = " (not in every sweep: not checked for being gone)"
# Empty since the sweep opens each language's own demo (the Chinese demo has no English record left).
KNOWN: dict[str, str] = {}


@pytest.fixture(scope="module")
def demo() -> Iterator[dict[str, tuple[Vault, str, Path]]]:
    """A demo vault in each language, as the window makes it (Chinese records in Chinese, English in English)."""
    import shutil

    made: dict[str, tuple[Vault, str, Path]] = {}
    for lang in ("zh_CN", "en"):
        folder = Path(tempfile.mkdtemp(prefix=f"counselroom-sweep-{lang}-"))
        vault, passphrase = make_demo_vault(folder, lang)
        made[lang] = (vault, passphrase, folder)
    yield made
    for _vault, _passphrase, folder in made.values():
        shutil.rmtree(folder, ignore_errors=True)


def open_window(demo: dict[str, tuple[Vault, str, Path]], lang: str, screen: Screen) -> MainWindow:
    vault, passphrase, folder = demo[lang]
    set_language(lang)
    install_qt_translations(lang)
    ctx = AppContext(vault=vault, config=AppConfig(language=lang), config_path=folder / "settings.json",
                     remind_backup=False, volumes=FakeVolumes(), demo_passphrase=passphrase)
    window = MainWindow(ctx)
    width, height = screen.usable
    window.resize(width, height)
    window.show()
    return window


class Sweep:
    def __init__(self, window: MainWindow, lang: str, screen: Screen, dialogs: bool) -> None:
        self.window = window
        self.screen = screen
        self.chinese = lang == "zh_CN"
        self.ids = sweep.english_ids()
        self.findings = Findings()
        self.dialogs = dialogs
        self.catcher = DialogCatcher(self._dialog)
        self.inner_catcher = DialogCatcher(self._inner_dialog)
        self.critical_banners: list[QWidget] = []  # each seen on screen while its tab was checked

    def check(self, root: QWidget, label: str) -> None:
        sweep.check(root, self.screen, self.chinese, self.ids, self.findings, label)

    def _dialog(self, w: QWidget) -> None:
        self._look_at(w, "dialog", inside=True)

    def _inner_dialog(self, w: QWidget) -> None:
        self._look_at(w, "inner dialog", inside=False)

    def _look_at(self, w: QWidget, kind: str, inside: bool) -> None:
        """Check a caught window and each of its tabs; with `inside`, also what its own buttons open."""
        sweep.settle(0.02)
        label = f"{kind} {w.windowTitle() or type(w).__name__}"
        self.check(w, label)
        for _tabs, _i in sweep.each_tab(w):
            self.check(w, f"{label} tab")
            if inside:
                self.click_inside(w, label)
        if inside:
            self.click_inside(w, label)

    def click_inside(self, dialog: QWidget, label: str) -> None:
        """The dialogs a dialog opens (a file chooser, a preview, a question), caught by a catcher of their own,
        and the dialog itself after each click (the export wizard's next page, a list with a row added)."""
        sweep.select_first_rows(dialog)
        clicked: set[str] = set()
        for button in sweep.clickable_inside(dialog):
            if not shiboken6.isValid(button) or not button.isVisible() or not button.isEnabled() \
                    or button.text() in clicked:
                continue
            clicked.add(button.text())
            self.inner_catcher.arm()
            try:
                button.click()
                sweep.settle(0.03)
            finally:
                self.inner_catcher.disarm()
            if not shiboken6.isValid(dialog) or not dialog.isVisible():
                return
            self.check(dialog, f"{label} after {sweep.strip_mnemonic(button.text())}")

    def unlock(self) -> None:
        screen = self.window.unlock_screen
        assert screen is not None
        self.check(self.window, "unlock")
        screen.try_unlock()
        end = 200
        while not self.window.is_unlocked and end:
            sweep.settle(0.05)
            end -= 1
        assert self.window.is_unlocked

    def page(self, root: QWidget, label: str) -> None:
        sweep.settle(0.02)
        self.check(self.window, label)
        sweep.select_first_rows(root)  # buttons that wait for a selection take part too
        sweep.settle(0.02)
        self.check(self.window, f"{label} with a row chosen")
        for _tabs, i in sweep.each_tab(root):
            self.check(self.window, f"{label} tab {i}")
            if any(shiboken6.isValid(b) and b.isVisible() for b in self.critical_banners):
                self.findings.seen.append(f"{label} tab {i}: the critical-answer banner")
            if self.dialogs:
                self.click_all(root, f"{label} tab {i}")
        if self.dialogs:
            self.click_all(root, label)

    def click_all(self, root: QWidget, label: str) -> None:
        sweep.select_first_rows(root)
        clicked: set[str] = set()
        for button in sweep.clickable(root):
            if not shiboken6.isValid(button) or not button.isVisible() or not button.isEnabled():
                continue
            text = button.text()
            if text in clicked:
                continue
            clicked.add(text)
            self.click(button)
            if not shiboken6.isValid(root):
                return

    def click(self, button: QAbstractButton) -> None:
        self.catcher.arm()
        try:
            button.click()
            sweep.settle(0.03)
        finally:
            self.catcher.disarm()

    def run(self, clients: int = 3) -> Findings:
        self.unlock()
        shell = self.window.shell
        assert shell is not None
        for key, _label, _shortcut in SECTIONS:
            self.window.go(key)
            self.page(shell.pages[key], key)
            if self.window.shell is not shell:  # a dialog's button locked or rebuilt the window
                break
        self.client_files(clients)
        return self.findings

    def client_files(self, count: int) -> None:
        shell = self.window.shell
        services = self.window.services
        assert shell is not None and services is not None, f"the window locked after {self.findings.seen[-8:]}"
        everyone = services.clients.list(include_archived=True)

        def weight(c: object) -> int:
            cid = c.id or 0  # type: ignore[attr-defined]
            return (len(services.notes.for_client(cid)) + len(services.psychtests.for_client(cid))
                    + 3 * bool(services.risk.flagged(cid)) + 3 * len(services.referrals.for_client(cid)))

        chosen = sorted(everyone, key=weight, reverse=True)[:count]
        # and every client with a critical answer still waiting for a risk assessment (issue 12.1): their file
        # shows the banner on the Tests tab and the badge in the header, which no other client shows
        pending = {p.client_id for p in services.critical.pending()}
        chosen += [c for c in everyone if c.id in pending and c not in chosen]
        clients = shell.pages["clients"]
        for client in chosen:
            self.window.go("clients")
            clients.open_client(client.id)  # type: ignore[attr-defined]
            page = clients.client_page  # type: ignore[attr-defined]
            label = f"client {client.code}"
            if client.id in pending:
                label += " with a critical answer pending"
                banner = page.findChild(QWidget, "critical_banner")
                assert banner is not None, label
                self.critical_banners.append(banner)
            self.page(page, label)
            if self.window.shell is not shell:
                break
            clients.show_list()  # type: ignore[attr-defined]


def sweep_wizard(qtbot, folder: Path, lang: str, screen: Screen) -> Findings:  # type: ignore[no-untyped-def]
    """The first-run wizard's five pages, filled in as a counselor would, and the unlock screen's recovery
    page."""
    from counselroom.gui.shell.first_run_wizard import CHECK, KEY
    from counselroom.gui.vault.recovery_key_dialog import key_tail
    from counselroom.vault.kdf import FLOOR

    emulate(screen)
    set_language(lang)
    install_qt_translations(lang)
    ctx = AppContext(vault=Vault(folder / f"new-{lang}-{screen.width}", state_dir=folder / "state"),
                     config=AppConfig(language=lang), config_path=folder / "settings.json", kdf_params=FLOOR,
                     remind_backup=False)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(*screen.usable)
    window.show()
    s = Sweep(window, lang, screen, dialogs=False)
    wizard = window.wizard
    assert wizard is not None
    s.check(window, "wizard language")
    wizard.next()
    for key, value in {"name": "林晓雯", "qualifications": "国家二级心理咨询师", "certificate_no": "CN-2019-0042",
                       "institution": "示例大学心理健康教育中心", "room": "3号楼204", "contact": "010-0000"}.items():
        wizard.profile_form.fields[key].setText(value)
    s.check(window, "wizard profile")
    wizard.next()
    wizard.new_passphrase.first.setText("password1")
    s.check(window, "wizard passphrase refused")
    wizard.new_passphrase.first.setText("Seven green lanterns by the lake")
    wizard.new_passphrase.second.setText("Seven green lanterns by the lake")
    wizard.next()
    qtbot.waitUntil(lambda: wizard.index == KEY, timeout=20_000)
    s.check(window, "wizard recovery key")
    wizard.written_down.setChecked(True)
    s.check(window, "wizard recovery key ticked")
    wizard.next()
    assert wizard.index == CHECK
    wizard.key_check.field.setText(key_tail(wizard.recovery_key))
    s.check(window, "wizard check")
    wizard.next()
    qtbot.waitUntil(lambda: window.is_unlocked, timeout=20_000)
    s.check(window, "first unlock")
    window.lock()
    unlock = window.unlock_screen
    assert unlock is not None
    s.check(window, "unlock")
    unlock.pages.setCurrentIndex(1)
    s.check(window, "unlock with the recovery key")
    unlock.pages.setCurrentIndex(0)
    return s.findings


def menu_dialogs(s: Sweep) -> None:
    """Help's keyboard shortcuts and About, which open from the menu bar."""
    for open_box in (s.window.show_shortcuts, s.window.show_about):
        s.catcher.arm()
        open_box()
        sweep.settle(0.05)
        s.catcher.disarm()


def report(findings: Findings) -> list[str]:
    """The problems not listed in KNOWN, and the KNOWN entries no problem matches any more."""
    new = [p for p in findings.problems if not any(k in p for k in KNOWN)]
    gone = [k for k, why in KNOWN.items() if not why.endswith(SOMETIMES) and not any(k in p for p in findings.problems)]
    return new + [f"fixed, remove from KNOWN: {k!r}" for k in gone]


@pytest.fixture(autouse=True)
def _emulated_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows fit the screen the sweep emulates (application.WindowFitter), not the offscreen one."""
    from counselroom.gui.shell import application

    monkeypatch.setattr(application, "EMULATED_SCREEN", None)


def emulate(screen: Screen) -> None:
    from counselroom.gui.shell import application

    application.EMULATED_SCREEN = screen.usable


def sweep_window(qtbot, demo, lang: str, screen: Screen, dialogs: bool, clients: int) -> Findings:  # type: ignore[no-untyped-def]
    emulate(screen)
    window = open_window(demo, lang, screen)
    qtbot.addWidget(window)
    s = Sweep(window, lang, screen, dialogs)
    try:
        findings = s.run(clients)
        if dialogs:
            menu_dialogs(s)
    finally:
        window.close_other_windows()
        window.lock()
        sweep.settle(0.02)
    return findings


def test_sections_and_a_client_file_fit_the_laptop_in_chinese(qtbot, demo) -> None:  # type: ignore[no-untyped-def]
    findings = sweep_window(qtbot, demo, "zh_CN", LAPTOP, dialogs=False, clients=1)
    assert len(findings.seen) > 20, findings.seen
    assert [label for label in findings.seen if label.endswith("the critical-answer banner")], findings.seen
    problems = [p for p in report(findings) if not p.startswith("fixed, remove")]
    assert not problems, "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("screen", [LAPTOP, FULL_HD_150], ids=["1366x768", "1920x1080-150pct"])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_page_tab_and_dialog(qtbot, demo, lang: str, screen: Screen) -> None:  # type: ignore[no-untyped-def]
    findings = sweep_window(qtbot, demo, lang, screen, dialogs=True, clients=3)
    assert sum(label.startswith("dialog") for label in findings.seen) >= 15, findings.seen
    assert sum(label.startswith("inner dialog") for label in findings.seen) >= 5, findings.seen
    assert [label for label in findings.seen if label.endswith("the critical-answer banner")], findings.seen
    problems = report(findings) if (lang, screen) == ("zh_CN", FULL_HD_150) else \
        [p for p in report(findings) if not p.startswith("fixed, remove")]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_first_run_wizard_and_the_unlock_screen(qtbot, demo, lang: str) -> None:  # type: ignore[no-untyped-def]
    findings = sweep_wizard(qtbot, demo[lang][2], lang, FULL_HD_150)
    findings.problems += sweep_wizard(qtbot, demo[lang][2], lang, LAPTOP).problems
    assert len(findings.seen) >= 9
    problems = [p for p in report(findings) if not p.startswith("fixed, remove")]
    assert not problems, "\n".join(problems)


def test_the_client_files_tabs_leave_the_letters_to_their_buttons(qtbot, demo) -> None:  # type: ignore[no-untyped-def]
    """The tabs of a client's file have no &-letter (the buttons inside them need the letters); Alt+1, Alt+2,
    ... bring them forward, as their tooltips say."""
    window = open_window(demo, "zh_CN", LAPTOP)
    qtbot.addWidget(window)
    try:
        Sweep(window, "zh_CN", LAPTOP, dialogs=False).unlock()
        assert window.shell is not None and window.services is not None
        clients = window.shell.pages["clients"]
        window.go("clients")
        clients.open_client(window.services.clients.list()[0].id)  # type: ignore[attr-defined]
        page = clients.client_page  # type: ignore[attr-defined]
        tabs = page.tabs
        assert tabs.count() >= 8
        assert not [tabs.tabText(i) for i in range(tabs.count()) if "&" in tabs.tabText(i)]
        assert [tabs.tabToolTip(i) for i in range(3)] == ["Alt+1", "Alt+2", "Alt+3"]
        tabs.setCurrentIndex(0)
        page.setFocus()
        qtbot.keyClick(page, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
        assert tabs.currentIndex() == 2
    finally:
        window.lock()


def test_the_checks_see_what_they_should(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Each check fails on a widget built to fail it, so the sweep cannot pass by seeing nothing."""
    from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

    dialog = QDialog()
    qtbot.addWidget(dialog)
    layout = QVBoxLayout(dialog)
    label = QLabel("Save")
    tight = QPushButton("Restore from a backup…")
    tight.setFixedWidth(40)
    row = QHBoxLayout()
    first, second = QPushButton("&Open"), QPushButton("&Other")
    row.addWidget(first)
    row.addWidget(second)
    layout.addWidget(label)
    layout.addWidget(tight)
    layout.addLayout(row)
    dialog.setMinimumSize(1400, 500)
    dialog.show()
    ids = sweep.english_ids()
    findings = Findings()
    sweep.check(dialog, LAPTOP, True, ids, findings, "test")
    text = "\n".join(findings.problems)
    assert "minimum size 1400x500 exceeds" in text
    assert "text cut off" in text and "Restore from a backup" in text
    assert "English in Chinese" in text and "'Save'" in text
    assert "mnemonic O twice" in text
    assert sweep.untranslated_phrase_found("previous_status: pending")
    assert not sweep.untranslated_phrase_found("PHQ-9")


def test_the_150_percent_screen_is_the_logical_screen_checked() -> None:
    """Under QT_SCALE_FACTOR=1.5 a window needs the same logical room as at 100% (so checking 1280x720
    logical pixels in-process is checking 1920x1080 at 150%)."""
    code = (
        "import os, sys, json\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from PySide6.QtGui import QGuiApplication\n"
        "app = QApplication([])\n"
        "from counselroom.gui.shell.application import prepare_application\n"
        "prepare_application(app)\n"
        "from PySide6.QtWidgets import QPushButton, QLabel, QLineEdit, QVBoxLayout, QWidget\n"
        "w = QWidget(); lay = QVBoxLayout(w)\n"
        "for t in ('Restore from a backup…', '从备份恢复（&E）…', 'Session notes'):\n"
        "    lay.addWidget(QPushButton(t)); lay.addWidget(QLabel(t)); lay.addWidget(QLineEdit(t))\n"
        "hint = w.minimumSizeHint()\n"
        "print(json.dumps([QGuiApplication.primaryScreen().devicePixelRatio(), hint.width(), hint.height()]))\n"
    )
    sizes = {}
    for factor in ("1", "1.5"):
        env = {**os.environ, "QT_SCALE_FACTOR": factor, "QT_QPA_PLATFORM": "offscreen"}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                             check=True).stdout.strip().splitlines()[-1]
        sizes[factor] = json.loads(out)
    assert sizes["1"][0] == 1.0 and sizes["1.5"][0] == 1.5
    assert abs(sizes["1"][1] - sizes["1.5"][1]) <= 2 and abs(sizes["1"][2] - sizes["1.5"][2]) <= 2, sizes


def test_qt_file_dialog_speaks_chinese(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Qt's own dialogs come with Qt's Chinese catalogue: the folder chooser reads 查找范围, not Look in."""
    from PySide6.QtWidgets import QLabel

    set_language("zh_CN")
    install_qt_translations("zh_CN")
    dialog = QFileDialog(None, "", str(Path.home()))
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(dialog)
    dialog.show()
    texts = {label.text() for label in dialog.findChildren(QLabel)}
    assert any("查找范围" in t for t in texts), texts
    from PySide6.QtGui import QKeySequence

    # The words Qt's catalogue has still come from it (the supplement answers only for its own words).
    assert QKeySequence("Alt+1").toString(QKeySequence.SequenceFormat.NativeText) == "Alt+1"
    assert QKeySequence("F12").toString(QKeySequence.SequenceFormat.NativeText) == "F12"
    assert not any("Look in" in t for t in texts), texts
    ids = sweep.english_ids()
    findings = Findings()
    sweep.check(dialog, LAPTOP, True, ids, findings, "file dialog")
    assert not [p for p in findings.problems if "English" in p], findings.problems
    QApplication.processEvents()
    assert QGuiApplication.primaryScreen() is not None


@pytest.mark.parametrize("screen", [LAPTOP, FULL_HD_150], ids=["1366x768", "1920x1080-150pct"])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_questions_asked_inside_editors(qtbot, demo, lang: str, screen: Screen) -> None:  # type: ignore[no-untyped-def]
    """The questions a counselor meets only halfway through typing, which clicking buttons never reaches: the
    note editor's "Sign and lock?", the addendum's "keep what you typed?", an appointment booked a year back,
    the risk prompt after a critical answer. Each is answered with its safe choice, so the demo is unchanged."""
    from PySide6.QtCore import QDate

    from counselroom.gui.psychtests.administration_dialog import ask_about_risk
    from counselroom.gui.sessions.appointment_dialog import AppointmentDialog
    from counselroom.gui.sessions.note_editor import NoteEditor
    from counselroom.records.services import Services

    emulate(screen)
    set_language(lang)
    install_qt_translations(lang)
    vault, passphrase, _folder = demo[lang]
    findings = Findings()
    chinese, ids = lang == "zh_CN", sweep.english_ids()
    asked: list[str] = []

    def inner(w: QWidget) -> None:
        sweep.settle(0.02)
        asked.append(w.windowTitle())
        sweep.check(w, screen, chinese, ids, findings, f"question {w.windowTitle()}")

    def addendum(w: QWidget) -> None:  # the addendum dialog: type, then the window's close button
        inner(w)
        w.edit.setPlainText("—")  # type: ignore[attr-defined]
        question = DialogCatcher(inner)
        question.arm()
        w.close()
        sweep.settle(0.05)
        question.disarm()

    def asking(on_window, act) -> None:  # type: ignore[no-untyped-def]
        catcher = DialogCatcher(on_window)
        catcher.arm()
        try:
            act()
            sweep.settle(0.05)
        finally:
            catcher.disarm()

    with vault.unlock(passphrase) as session:
        services = Services.open(session)
        from counselroom.records.consent import ConsentRequired

        signed = next(n for c in services.clients.list() for n in services.notes.for_client(c.id or 0)
                      if n.is_signed)
        draft = None
        for c in services.clients.list():  # a client whose consent is complete (deleted again below)
            try:
                draft = services.notes.create_draft(c.id or 0)
                break
            except ConsentRequired:
                continue
        assert draft is not None
        editor = NoteEditor(services, draft.id or 0)
        qtbot.addWidget(editor)
        editor.resize(*screen.usable)
        editor.show()
        editor._all_edits()[0].setPlainText("—")
        asking(inner, editor.sign_button.click)
        assert not services.notes.get(draft.id or 0).is_signed  # Cancel: nothing signed
        editor.shutdown()
        services.notes.delete_draft(draft.id or 0)
        done = NoteEditor(services, signed.id or 0)
        qtbot.addWidget(done)
        done.show()
        asking(addendum, done.addendum_button.click)
        done.shutdown()
        client = services.clients.get(draft.client_id)
        dialog = AppointmentDialog(services, client_id=client.id)
        qtbot.addWidget(dialog)
        dialog.show()
        for back in range(365, 400):  # a day a year back when nothing else was booked at that hour (the demo's
            dialog.date.setDate(QDate.currentDate().addDays(-back))  # days move with today's date)
            if not services.appointments.overlapping(dialog.appointment()):
                break
        before = len(services.appointments.for_client(client.id or 0))
        asking(inner, dialog.save_button.click)
        assert len(services.appointments.for_client(client.id or 0)) == before  # Go back: nothing booked
        dialog.reject()
        phq9 = services.psychtests.instrument("phq9")
        asking(inner, lambda: ask_about_risk(editor, phq9, [(phq9.critical_items[0], 2)]))
    assert asked == [tr("Sign and lock the note?"), tr("Add an addendum"), tr("Discard what you typed?"),
                     tr("Unusual appointment"), tr("Critical answer: assess the risk")], asked
    assert not findings.problems, "\n".join(findings.problems)
