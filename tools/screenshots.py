#!/usr/bin/env python3
"""Drive the real windows offscreen and save screenshots into docs/screenshots/, and the user guide's few
images into resources/guide/images/.

    python3 dev.py screenshots            both languages at 100%, and a few at 200% (QT_SCALE_FACTOR=2)
    python3 dev.py screenshots --guide    only the user guide's images

The guide's images ship in every package, so they are few, taken at a laptop-sized window and stored as
palette PNGs (a screenshot of flat widgets loses nothing visible at 128 colours).

Uses a throwaway demo vault (synthetic records) in a private temporary folder, deleted afterwards.
"""

from __future__ import annotations

import io
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
GUIDE_OUT = ROOT / "resources" / "guide" / "images"
sys.path.insert(0, str(ROOT / "src"))

from PySide6.QtCore import QBuffer, QIODevice  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from counselroom.app import install_qt_translations, make_demo_vault  # noqa: E402
from counselroom.config import AppConfig  # noqa: E402
from counselroom.gui.shell.application import prepare_application  # noqa: E402
from counselroom.gui.shell.first_run_wizard import CHECK, KEY, PASSPHRASE  # noqa: E402
from counselroom.gui.shell.main_window import AppContext, MainWindow  # noqa: E402
from counselroom.gui.vault.recovery_key_dialog import key_tail  # noqa: E402
from counselroom.i18n import set_language  # noqa: E402
from counselroom.records.clients import ValidationError  # noqa: E402
from counselroom.records.consent import ConsentRequired  # noqa: E402
from counselroom.records.notes import Note  # noqa: E402
from counselroom.records.services import Services  # noqa: E402
from counselroom.vault.kdf import FLOOR  # noqa: E402
from counselroom.vault.media import FakeVolumes, Volume  # noqa: E402
from counselroom.vault.vault import Vault  # noqa: E402

SIZE = (1100, 720)
GUIDE_SIZE = (1024, 640)  # fits a 1366x768 laptop's guide window without scaling
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


def save_guide(widget: QWidget, name: str) -> None:
    """A guide image: a palette PNG without dithering, small enough to ship in every package."""
    from PIL import Image

    wait_for(lambda: True)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    widget.grab().toImage().save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs want bytes, Qt a str
    image = Image.open(io.BytesIO(bytes(buffer.data().data()))).convert("RGB")
    path = GUIDE_OUT / f"{name}.png"
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
    print("saved", path.relative_to(ROOT), f"{path.stat().st_size // 1024} KB")


def window(ctx: AppContext, size: tuple[int, int] = SIZE) -> MainWindow:
    w = MainWindow(ctx)
    w.resize(*size)
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


GUIDE_VOLUME = {"zh_CN": "U盘", "en": "USB DISK"}
GUIDE_NOTE = {
    "zh_CN": {"concerns": "近两周入睡困难，担心期末考试。",
              "discussed": "梳理了作息和考试压力的来源，讨论了遇到困难时可以找谁帮忙。",
              "interventions": "放松训练；识别并调整“考不好就全完了”的想法。",
              "state": "情绪平稳，配合，能主动表达。"},
    "en": {"concerns": "Trouble falling asleep for two weeks; worried about the final exams.",
           "discussed": "Went through the daily routine and where the exam pressure comes from; whom to ask for help.",
           "interventions": "Relaxation training; noticing and reframing \"if I fail, everything is lost\".",
           "state": "Calm, cooperative, speaks up readily."},
}


def guide_draft(services: Services, lang: str) -> Note | None:
    """A session note half written, as a counselor leaves it between two sessions: the demo signs its notes,
    so the guide's picture of the editor gets a draft of its own, for a session still without a note."""
    for due in services.notes.overdue():
        appointment = due.appointment
        if due.draft_id is not None or appointment.id is None:
            continue
        try:
            note = services.notes.create_draft(appointment.client_id, "standard", appointment_id=appointment.id)
        except (ValidationError, ConsentRequired):  # no consent yet: the program refuses the note, as it should
            continue
        assert note.id is not None
        services.notes.save_draft(note.id, {**note.content, **GUIDE_NOTE[lang]})
        return services.notes.get(note.id)
    return None


def guide_shots(lang: str, vault: Vault, passphrase: str, tmp: Path) -> None:
    """The user guide's images: the wizard's passphrase and recovery-key steps, the unlock screen, today's
    page, a client's file, a note being written, and the backup page after a verified backup. No demo
    banner and no passphrase hint: the windows look as they do on a counselor's own vault."""
    ctx = AppContext(vault=Vault(tmp / f"guide-new-{lang}", state_dir=tmp / "state"), remind_backup=False,
                     config=AppConfig(language=lang), config_path=tmp / "settings.json", kdf_params=FLOOR)
    w = window(ctx, GUIDE_SIZE)
    wizard = w.wizard
    assert wizard is not None
    wizard.next()
    for key, value in PROFILES[lang].items():
        wizard.profile_form.fields[key].setText(value)
    wizard.next()
    wizard.new_passphrase.first.setText(PASSPHRASES[lang])
    wizard.new_passphrase.second.setText(PASSPHRASES[lang])
    save_guide(w, f"{lang}-wizard-passphrase")
    wizard.next()
    wait_for(lambda: wizard.index == KEY)
    save_guide(w, f"{lang}-wizard-recovery-key")
    wizard.discard()
    w.close()

    medium = tmp / f"media-{lang}" / GUIDE_VOLUME[lang]  # named as its label: the list shows the label alone
    medium.mkdir(parents=True)
    ctx = AppContext(vault=vault, config=AppConfig(language=lang), config_path=tmp / "settings.json",
                     remind_backup=False, volumes=FakeVolumes([Volume(medium, GUIDE_VOLUME[lang], True)]))
    w = window(ctx, GUIDE_SIZE)
    assert w.unlock_screen is not None
    w.unlock_screen.passphrase.setText(passphrase)
    save_guide(w, f"{lang}-unlock")
    w.unlock_screen.try_unlock()
    wait_for(lambda: w.is_unlocked)
    assert w.shell is not None and w.services is not None
    services = w.services
    save_guide(w, f"{lang}-dashboard")
    w.go("clients")
    clients = w.shell.pages["clients"]
    named = [c for c in services.clients.list() if c.name and c.risk_flag] or services.clients.list()
    clients.open_client(named[0].id)  # type: ignore[attr-defined]
    save_guide(w, f"{lang}-client")
    draft = guide_draft(services, lang)
    if draft is not None:
        clients.open_client(draft.client_id)  # type: ignore[attr-defined]
        page = clients.client_page  # type: ignore[attr-defined]
        page.show_notes()
        page.notes_tab.open_note(draft.id)
        save_guide(w, f"{lang}-note-editor")
        page.notes_tab.show_list()
    clients.show_list()  # type: ignore[attr-defined]
    w.go("backup")
    backup_page = w.shell.pages["backup"]
    backup_page.back_up()  # type: ignore[attr-defined]
    wait_for(lambda: not backup_page.busy, timeout=60)  # type: ignore[attr-defined]
    save_guide(w, f"{lang}-backup")
    w.lock()
    w.close()


def client_screen_shots(lang: str, suffix: str = "", laptop: tuple[int, int] = (1366, 768)) -> None:
    """The client-facing questionnaire (the built-in PHQ-9) as a client sees it full screen on a 1366x768
    laptop (683x384 logical pixels at 200%): an item with an answer, the thank-you view, the counselor's
    passphrase view."""
    from PySide6.QtGui import QGuiApplication

    from counselroom.gui.psychtests.administration_dialog import screen_items
    from counselroom.gui.psychtests.client_screen import ClientScreen
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


def screening_shots(lang: str, out: Path, size: tuple[int, int] = (1366, 768)) -> list[Path]:
    """Issue 15's screens at a laptop's 1366x768 in `out` (tests pass their tmp_path): the import wizard naming bad
    rows, the flagged list, the liaison tab on a client's file and the statistics page. Its own demo vault."""
    sys.path.insert(0, str(ROOT / "tests"))
    from datetime import date, timedelta

    from counselroom.gui.screening.import_wizard import ImportWizard
    from counselroom.shipped import resource
    from screening_files import make_cohort, write_xlsx

    set_language(lang)
    saved: list[Path] = []

    def shot(widget: QWidget, name: str) -> None:
        wait_for(lambda: True)
        path = out / f"{lang}-screening-{name}.png"
        widget.grab().save(str(path))
        saved.append(path)

    tmp = Path(tempfile.mkdtemp(prefix="counselroom-screening-shots-"))
    from counselroom.gui.shell import application

    emulated = application.EMULATED_SCREEN
    # dialogs are fitted to the laptop's screen, not to the offscreen platform's 800x600
    application.EMULATED_SCREEN = (size[0], size[1] - application.FRAME_ALLOWANCE)
    try:
        vault, passphrase = make_demo_vault(tmp / "demo", lang)  # the demo speaks the window's language
        w = window(AppContext(vault=vault, config=AppConfig(language=lang), config_path=tmp / "settings.json",
                              remind_backup=False, volumes=FakeVolumes(), demo_passphrase=passphrase), size)
        assert w.unlock_screen is not None
        w.unlock_screen.try_unlock()
        wait_for(lambda: w.is_unlocked)
        services = w.services
        assert w.shell is not None and services is not None
        example = resource("instruments", "examples", "upi-style-rules.json").read_bytes()
        instrument_id = services.psychtests.import_definition(example).instrument.id
        wizard = ImportWizard(services, w)
        wizard.instrument_combo.setCurrentIndex(wizard.instrument_combo.findData(instrument_id))
        wizard.cohort_edit.setText("2026级新生")
        wizard.date_edit.setDate(date.today() - timedelta(days=7))  # type: ignore[call-overload]
        wizard.consent_edit.setPlainText("本次普查用于了解同学们的心理状况；结果保密，仅心理中心使用。")
        wizard.load_file(write_xlsx(make_cohort(1200, seed=26, bad_every=300), tmp / "answers.xlsx"))
        wizard.wait_until_read()
        wizard.show()
        wizard.next_step()
        wizard.next_step()
        shot(wizard, "import-rows")
        wizard.reject()  # not imported: the demo holds this autumn's screening with its follow-up
        wizard.deleteLater()
        (screening,) = services.screening.screenings()
        flagged = services.screening.flagged(screening.id)
        first = next(r for r in flagged if r.outcome is not None)  # made a client, interviewed, an outcome
        assert first.client_id is not None
        w.go("screening")
        flagged_page = w.shell.pages["screening"]
        flagged_page.refresh()  # type: ignore[attr-defined]
        flagged_page.select_row(flagged[1].id)  # type: ignore[attr-defined]
        shot(w, "flagged")
        page = w.shell.open_client(first.client_id)
        assert page is not None
        page.show_tab("liaison")
        shot(w, "liaison")
        w.go("statistics")
        w.shell.pages["statistics"].show_report()  # type: ignore[attr-defined]
        shot(w, "statistics")
        w.lock()
        w.close()
    finally:
        application.EMULATED_SCREEN = emulated
        shutil.rmtree(tmp, ignore_errors=True)
    return saved


def issue12_shots(lang: str, out: Path, size: tuple[int, int] = (1366, 768)) -> list[Path]:
    """Issue 12's changed screens at a laptop's 1366x768 in `out` (tests pass their tmp_path): the dashboard's new
    lines, a critical answer's banner on the Tests tab, the relationship check (new-client form, the file's
    badge and box), a minor's guardian signature, the retention rules with the consent form's promise, who was
    late, the counselor's punctuality, group sessions with their note, and group notes in the export. Its own
    demo vault."""
    from datetime import date, datetime, time, timedelta

    from counselroom.gui.clients.client_form import ClientForm
    from counselroom.gui.consent.group_sessions import GroupAttendanceDialog, GroupNoteDialog
    from counselroom.gui.practice.export_dialog import ExportDialog
    from counselroom.gui.practice.retention_rules_dialog import RetentionRulesDialog
    from counselroom.gui.sessions.attendance_dialog import AttendanceDialog
    from counselroom.records.appointments import Appointment
    from counselroom.records.clients import Client

    set_language(lang)
    saved: list[Path] = []

    def shot(widget: QWidget, name: str) -> None:
        wait_for(lambda: True)
        path = out / f"{lang}-issue12-{name}.png"
        widget.grab().save(str(path))
        saved.append(path)

    tmp = Path(tempfile.mkdtemp(prefix="counselroom-issue12-shots-"))
    try:
        vault, passphrase = make_demo_vault(tmp / "demo")
        w = window(AppContext(vault=vault, config=AppConfig(language=lang), config_path=tmp / "settings.json",
                              remind_backup=False, volumes=FakeVolumes(), demo_passphrase=passphrase), size)
        assert w.unlock_screen is not None
        w.unlock_screen.try_unlock()
        wait_for(lambda: w.is_unlocked)
        services = w.services
        assert w.shell is not None and services is not None
        today = date.today()
        active = [c for c in services.clients.list(status="active") if services.consent.status(c.id or 0) == "signed"]
        # another relationship found at intake, not decided yet
        teaches = active[-1]
        assert teaches.id is not None
        services.relationships.record_check(teaches.id, ["teaches"], "我担任该生《心理健康教育》课的任课老师"
                                            if lang == "zh_CN" else "I teach and grade the student's wellbeing "
                                            "course", services.profile.get().name)
        # a group session held two days ago, the missing agreement recorded first
        group = services.consent.groups()[0]
        for m in services.consent.roster(group.id):
            if m.agreement is None:
                services.consent.record_agreement(group.id, m.client_id, today - timedelta(days=7))
        start = datetime.combine(today - timedelta(days=2), time(15, 0))
        session = services.groups.book(group.id, start, start + timedelta(minutes=90), "团辅室 / Group room")
        roster = services.groups.appointments_of(session.id)
        for n, a in enumerate(roster):
            if n == 1:
                services.groups.record_attendance(session.id, a.client_id, "attended", start + timedelta(minutes=12),
                                                  start + timedelta(minutes=90), "client")
            elif n == len(roster) - 1:
                services.groups.record_attendance(session.id, a.client_id, "no_show")
            else:
                services.groups.record_attendance(session.id, a.client_id, "attended", start,
                                                  start + timedelta(minutes=90))
        w.go("dashboard")
        w.shell.pages["dashboard"].refresh()  # type: ignore[attr-defined]
        shot(w, "dashboard")
        w.shell.pages["dashboard"].open_line("critical")  # type: ignore[attr-defined]
        shot(w, "dashboard-critical")
        critical = services.critical.pending(open_cases_only=True)
        if critical:
            page = w.shell.open_client(critical[0].client_id)
            assert page is not None
            page.show_tab("tests")
            shot(w, "tests-critical")
        page = w.shell.open_client(teaches.id)
        assert page is not None
        page.show_tab("overview")
        shot(w, "client-relationship")
        form = ClientForm(services, None, w)
        form.edits["code"].setText("2026-0999")
        form.edits["name"].setText("周雨桐" if lang == "zh_CN" else "Zhou Yutong")
        assert form.relationship is not None
        form.relationship.boxes["relative"].setChecked(True)
        form.resize(min(form.width(), size[0] - 40), min(form.height(), size[1] - 40))
        form.show()
        shot(form, "client-form-relationship")
        form.reject()
        form.deleteLater()
        # a minor: signed by the client, the guardian's signature still missing
        dob = today.replace(year=today.year - 15) - timedelta(days=40)
        minor = services.clients.create(Client(code="2026-0998", name="小雨" if lang == "zh_CN" else "Xiao Yu",
                                               date_of_birth=dob, guardian_name="王芳" if lang == "zh_CN" else
                                               "Wang Fang", status="intake"))
        assert minor.id is not None
        consent = services.consent.record_checklist(minor.id)
        services.consent.sign_on_paper(consent.id, today)
        page = w.shell.open_client(minor.id)
        assert page is not None
        page.show_tab("consent")
        shot(w, "consent-guardian")
        # the retention rules with their guidance and the consent form's promise
        rules = RetentionRulesDialog(services, w)
        rules.years["case_file"].setValue(10)
        rules.anchors["case_file"].setCurrentIndex(rules.anchors["case_file"].findData("left"))
        rules.show()
        shot(rules, "retention-rules")
        rules.reject()
        rules.deleteLater()
        # who was late
        client = active[0]
        assert client.id is not None
        planned = datetime.combine(today, time(8, 0))
        late = services.appointments.create(Appointment(client.id, planned, planned + timedelta(minutes=50)))
        attendance = AttendanceDialog(services, late, w)
        attendance.actual_start.setTime(attendance.actual_start.time().addSecs(14 * 60))
        attendance.late_by.setCurrentIndex(attendance.late_by.findData("counselor"))
        attendance.show()
        shot(attendance, "attendance-late")
        attendance.save()
        attendance.deleteLater()
        w.go("training")
        w.shell.pages["training"].refresh()  # type: ignore[attr-defined]
        shot(w, "training-punctuality")
        # group sessions and the group note
        w.go("groups")
        groups_page = w.shell.pages["groups"]
        groups_page.refresh()  # type: ignore[attr-defined]
        groups_page.select_group(group.id)  # type: ignore[attr-defined]
        groups_page.sessions_box.table.selectRow(0)  # type: ignore[attr-defined]
        shot(w, "groups-sessions")
        dialog = GroupAttendanceDialog(services, session, w)
        dialog.show()
        shot(dialog, "group-attendance")
        dialog.reject()
        dialog.deleteLater()
        note = services.groups.start_note(session.id)
        services.groups.save_note_draft(note.id, {
            "theme": "考试焦虑的应对：识别担忧，练习放松" if lang == "zh_CN" else "Coping with exam stress",
            "members": "成员轮流分享了考试前的担忧，彼此给予支持。" if lang == "zh_CN" else
            "Members took turns to share their worries before exams and supported each other."})
        note_dialog = GroupNoteDialog(services, note.id, w)
        note_dialog.resize(min(note_dialog.width(), size[0] - 40), min(note_dialog.height(), size[1] - 40))
        note_dialog.show()
        shot(note_dialog, "group-note")
        note_dialog.sign()
        note_dialog.deleteLater()
        member = roster[0].client_id
        export = ExportDialog(services, vault, member, w)
        export.show()
        export.exception_combo.setCurrentIndex(export.exception_combo.findData("danger_self"))
        export.justification_edit.setPlainText("来访者表达了明确的自杀计划，需要转介医院。" if lang == "zh_CN" else
                                               "The client described a plan to end their life: referral to hospital.")
        export.next_button.click()
        export.include_group_notes.setChecked(True)
        shot(export, "export-group-notes")
        export.reject()
        export.deleteLater()
        w.lock()
        w.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return saved


def run(scaled: bool, guide_only: bool = False) -> None:
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    prepare_application(app)  # as the program does: the shipped Chinese font where the system has none
    tmp = Path(tempfile.mkdtemp(prefix="counselroom-shots-"))
    try:
        if scaled:
            vault, passphrase = make_demo_vault(tmp / "demo", "zh_CN")
            set_language("zh_CN")
            install_qt_translations("zh_CN")
            wizard_shots("zh_CN", tmp, "-200pct", only=(2,))
            app_shots("zh_CN", vault, passphrase, tmp, "-200pct", only=("unlock", "dashboard", "clients"))
            client_screen_shots("zh_CN", "-200pct")
            return
        for lang in ("zh_CN", "en"):
            set_language(lang)
            install_qt_translations(lang)
            vault, passphrase = make_demo_vault(tmp / f"demo-{lang}", lang)  # Chinese records in Chinese
            guide_shots(lang, vault, passphrase, tmp)
            if guide_only:
                continue
            wizard_shots(lang, tmp)
            app_shots(lang, vault, passphrase, tmp)
            client_screen_shots(lang)
            screening_shots(lang, OUT)
            issue12_shots(lang, OUT)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    GUIDE_OUT.mkdir(parents=True, exist_ok=True)
    if "--scaled" in argv:
        run(scaled=True)
        return 0
    if "--guide" in argv:
        run(scaled=False, guide_only=True)
        return 0
    run(scaled=False)
    # 200% needs QT_SCALE_FACTOR before the QApplication exists: a second process.
    env = dict(os.environ, QT_SCALE_FACTOR="2")
    return subprocess.run([sys.executable, __file__, "--scaled"], env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
