#!/usr/bin/env python3
"""Drive the real windows offscreen and save screenshots into docs/screenshots/.

    python3 dev.py screenshots            both languages at 100%, and a few at 200% (QT_SCALE_FACTOR=2)

Uses a throwaway demo vault (synthetic records) in a private temporary folder, deleted afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT / "src"))

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from counselroom.app import install_qt_translations, make_demo_vault  # noqa: E402
from counselroom.config import AppConfig  # noqa: E402
from counselroom.gui.first_run_wizard import CHECK, KEY, PASSPHRASE  # noqa: E402
from counselroom.gui.main_window import AppContext, MainWindow  # noqa: E402
from counselroom.gui.recovery_key_dialog import key_tail  # noqa: E402
from counselroom.i18n import set_language  # noqa: E402
from counselroom.vault.kdf import FLOOR  # noqa: E402
from counselroom.vault.media import FakeVolumes  # noqa: E402
from counselroom.vault.vault import Vault  # noqa: E402

SIZE = (1100, 720)
PROFILES = {
    "zh_CN": {"name": "林晓雯", "qualifications": "国家二级心理咨询师", "certificate_no": "CN-2019-0042",
              "institution": "示例大学心理健康教育中心", "room": "心理咨询室 3号楼204", "contact": "010-0000 0000"},
    "en": {"name": "Lin Xiaowen", "qualifications": "Registered counselor", "certificate_no": "CN-2019-0042",
           "institution": "Example University Counseling Centre", "room": "Counseling room, Building 3, 204",
           "contact": "010-0000 0000"},
}
PASSPHRASES = {"zh_CN": "湖边七盏绿灯笼 2026", "en": "Seven green lanterns by the lake"}


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    app = QApplication.instance()
    assert app is not None
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()


def save(widget: QWidget, name: str) -> None:
    wait_for(lambda: True)
    path = OUT / f"{name}.png"
    widget.grab().save(str(path))
    print("saved", path.relative_to(ROOT))


def window(ctx: AppContext) -> MainWindow:
    w = MainWindow(ctx)
    w.resize(*SIZE)
    w.show()
    return w


def wizard_shots(lang: str, tmp: Path, suffix: str = "", only: tuple[int, ...] = (0, 1, 2, 3, 4)) -> None:
    ctx = AppContext(vault=Vault(tmp / f"new-{lang}{suffix}", state_dir=tmp / "state"), remind_backup=False,
                     config=AppConfig(language=lang), config_path=tmp / "settings.json", kdf_params=FLOOR)
    w = window(ctx)
    wizard = w.wizard
    assert wizard is not None
    if 0 in only:
        save(w, f"{lang}-wizard-1-language{suffix}")
    wizard.next()
    for key, value in PROFILES[lang].items():
        wizard.profile_form.fields[key].setText(value)
    if 1 in only:
        save(w, f"{lang}-wizard-2-profile{suffix}")
    wizard.next()
    assert wizard.index == PASSPHRASE
    wizard.new_passphrase.first.setText("password1")
    wizard.new_passphrase.second.setText("password1")
    if 2 in only:
        save(w, f"{lang}-wizard-3-passphrase-refused{suffix}")
    wizard.new_passphrase.first.setText(PASSPHRASES[lang])
    wizard.new_passphrase.second.setText(PASSPHRASES[lang])
    if 2 in only:
        save(w, f"{lang}-wizard-3-passphrase{suffix}")
    wizard.next()
    wait_for(lambda: wizard.index == KEY)
    if 3 in only:
        save(w, f"{lang}-wizard-4-recovery-key{suffix}")
    wizard.written_down.setChecked(True)
    wizard.next()
    assert wizard.index == CHECK
    wizard.key_check.field.setText(key_tail(wizard.recovery_key))
    if 4 in only:
        save(w, f"{lang}-wizard-5-check{suffix}")
    wizard.next()
    wait_for(lambda: w.is_unlocked)
    w.close()


def app_shots(lang: str, vault: Vault, passphrase: str, tmp: Path, suffix: str = "",
              only: tuple[str, ...] = ("unlock", "dashboard", "clients", "client", "consent", "notes", "tests",
                                       "risk", "referrals", "appointments", "overdue", "search", "groups",
                                       "instruments", "training", "retention", "exports", "audit", "backup",
                                       "consent_form", "settings")) -> None:
    ctx = AppContext(vault=vault, config=AppConfig(language=lang), config_path=tmp / "settings.json",
                     remind_backup=False, volumes=FakeVolumes(),
                     demo_passphrase=passphrase)
    w = window(ctx)
    if "unlock" in only:
        save(w, f"{lang}-unlock{suffix}")
    assert w.unlock_screen is not None
    w.unlock_screen.try_unlock()
    wait_for(lambda: w.is_unlocked)
    assert w.shell is not None and w.services is not None
    clients = w.shell.pages["clients"]
    if "dashboard" in only:
        save(w, f"{lang}-dashboard{suffix}")
        dashboard = w.shell.pages["dashboard"]
        dashboard.open_line("consent")  # type: ignore[attr-defined]
        save(w, f"{lang}-dashboard-consent{suffix}")
        w.go("clients")
    if "clients" in only:
        save(w, f"{lang}-clients{suffix}")
    if "client" in only:
        named = [c for c in w.services.clients.list() if c.name and c.risk_flag] or w.services.clients.list()
        clients.open_client(named[0].id)  # type: ignore[attr-defined]
        save(w, f"{lang}-client{suffix}")
    if "consent" in only:
        services = w.services
        pending = [c for c in services.clients.list() if services.consent.status(c.id or 0) != "signed"]
        clients.open_client((pending or services.clients.list())[0].id)  # type: ignore[attr-defined]
        page = clients.client_page  # type: ignore[attr-defined]
        page.tabs.setCurrentWidget(page.consent_tab)
        save(w, f"{lang}-client-consent{suffix}")
        clients.show_list()  # type: ignore[attr-defined]
    if "notes" in only:
        services = w.services
        with_addendum = [n for c in services.clients.list() for n in services.notes.for_client(c.id or 0)
                         if n.is_signed and services.notes.addenda(n.id or 0)]
        signed = with_addendum or [n for c in services.clients.list() for n in services.notes.for_client(c.id or 0)
                                   if n.is_signed]
        note = signed[0]
        clients.open_client(note.client_id)  # type: ignore[attr-defined]
        page = clients.client_page  # type: ignore[attr-defined]
        page.show_notes()
        save(w, f"{lang}-client-notes{suffix}")
        page.notes_tab.open_note(note.id)
        save(w, f"{lang}-note-signed{suffix}")
        drafts = [n for c in services.clients.list() for n in services.notes.for_client(c.id or 0) if not n.is_signed]
        if drafts:
            clients.open_client(drafts[0].client_id)  # type: ignore[attr-defined]
            page = clients.client_page  # type: ignore[attr-defined]
            page.show_notes()
            page.notes_tab.open_note(drafts[0].id)
            save(w, f"{lang}-note-draft{suffix}")
            page.notes_tab.show_list()
        clients.show_list()  # type: ignore[attr-defined]
    if {"tests", "risk", "referrals"} & set(only):
        record_tab_shots(w, lang, suffix, only)
    if "appointments" in only:
        w.go("appointments")
        w.shell.pages["appointments"].set_view("week")  # type: ignore[attr-defined]
        save(w, f"{lang}-appointments-week{suffix}")
    if "overdue" in only:
        w.go("overdue")
        save(w, f"{lang}-notes-due{suffix}")
    if "search" in only:
        w.go("search")
        search = w.shell.pages["search"]
        search.search.setText("焦虑" if lang == "zh_CN" else "sleep")  # type: ignore[attr-defined]
        search.search_now()  # type: ignore[attr-defined]
        save(w, f"{lang}-search{suffix}")
    for section in ("groups", "instruments", "training", "retention", "exports"):
        if section in only:
            w.go(section)
            save(w, f"{lang}-{section}{suffix}")
    if "audit" in only:
        w.go("audit")
        save(w, f"{lang}-audit{suffix}")
    for section in ("backup", "consent_form"):
        if section in only:
            w.go(section)
            save(w, f"{lang}-{section.replace('_', '-')}{suffix}")
    if "settings" in only:
        w.go("settings")
        save(w, f"{lang}-settings{suffix}")
    w.lock()
    if "locked" in only:
        save(w, f"{lang}-locked{suffix}")
    w.close()


def record_tab_shots(w: MainWindow, lang: str, suffix: str, only: tuple[str, ...]) -> None:
    """The tests, risk and referrals tabs of demo clients that have such records."""
    services = w.services
    assert services is not None and w.shell is not None
    clients = w.shell.pages["clients"]
    everyone = services.clients.list(include_archived=True)
    if "tests" in only:
        tested = max(everyone, key=lambda c: len(services.psychtests.for_client(c.id or 0)))
        clients.open_client(tested.id)  # type: ignore[attr-defined]
        page = clients.client_page  # type: ignore[attr-defined]
        page.show_tab("tests")
        save(w, f"{lang}-client-tests{suffix}")
    if "risk" in only:
        flagged = [c for c in everyone if services.risk.flagged(c.id or 0) and services.risk.safety_plan(c.id or 0)]
        if flagged:
            clients.open_client(flagged[0].id)  # type: ignore[attr-defined]
            page = clients.client_page  # type: ignore[attr-defined]
            page.show_tab("risk")
            save(w, f"{lang}-client-risk{suffix}")
    if "referrals" in only:
        referred = [c for c in everyone if services.referrals.for_client(c.id or 0)]
        if referred:
            clients.open_client(referred[0].id)  # type: ignore[attr-defined]
            page = clients.client_page  # type: ignore[attr-defined]
            page.show_tab("referrals")
            save(w, f"{lang}-client-referrals{suffix}")
    clients.show_list()  # type: ignore[attr-defined]


def client_screen_shots(lang: str, suffix: str = "", laptop: tuple[int, int] = (1366, 768)) -> None:
    """The client-facing questionnaire (the built-in PHQ-9) as a client sees it full screen on a 1366x768
    laptop (683x384 logical pixels at 200%): an item with an answer, the thank-you view, the counselor's
    passphrase view."""
    from PySide6.QtGui import QGuiApplication

    from counselroom.gui.client_screen import ClientScreen
    from counselroom.gui.test_administration_dialog import screen_items
    from counselroom.records.instruments import builtin, text_in

    phq9 = builtin("phq9")
    assert phq9 is not None
    screen = ClientScreen(phq9.title_in(lang), text_in(phq9.instructions, lang), screen_items(phq9, lang),
                          {1: 1, 2: 0}, lambda _n, _v: None, lambda _p: False)
    screen.start()  # full screen on the first unanswered item, 3
    screen.showNormal()  # the offscreen screen is 800x600: take the laptop's size instead
    ratio = QGuiApplication.primaryScreen().devicePixelRatio()
    screen.resize(round(laptop[0] / ratio), round(laptop[1] / ratio))
    screen.choose_key(2)
    save(screen, f"{lang}-client-screen{suffix}")
    while not screen.thanking:
        screen.next()
    save(screen, f"{lang}-client-screen-thanks{suffix}")
    screen.show_counselor()
    save(screen, f"{lang}-client-screen-counselor{suffix}")
    screen.force_close()
    screen.deleteLater()


def run(scaled: bool) -> None:
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("counselroom")
    tmp = Path(tempfile.mkdtemp(prefix="counselroom-shots-"))
    try:
        vault, passphrase = make_demo_vault(tmp / "demo")
        if scaled:
            set_language("zh_CN")
            install_qt_translations("zh_CN")
            wizard_shots("zh_CN", tmp, "-200pct", only=(2,))
            app_shots("zh_CN", vault, passphrase, tmp, "-200pct", only=("unlock", "dashboard", "clients"))
            client_screen_shots("zh_CN", "-200pct")
            return
        for lang in ("zh_CN", "en"):
            set_language(lang)
            install_qt_translations(lang)
            wizard_shots(lang, tmp)
            app_shots(lang, vault, passphrase, tmp)
            client_screen_shots(lang)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    if "--scaled" in argv:
        run(scaled=True)
        return 0
    run(scaled=False)
    # 200% needs QT_SCALE_FACTOR before the QApplication exists: a second process.
    env = dict(os.environ, QT_SCALE_FACTOR="2")
    return subprocess.run([sys.executable, __file__, "--scaled"], env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
