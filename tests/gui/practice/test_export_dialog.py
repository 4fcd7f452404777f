"""The export dialog as a counselor drives it: no basis, no way on; an expired authorization refused; a new
authorization recorded in place; private notes ask a second time; the passphrase is re-entered; the file
dialog (injected) picks the place; only the encrypted file lands on disk; the password is shown once."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from counselroom import i18n
from counselroom.gui.practice import export_dialog
from counselroom.gui.practice.export_dialog import ExportDialog, PasswordDialog
from counselroom.records.clients import Client
from counselroom.records.profile import Profile
from counselroom.records.services import Services
from counselroom.vault.errors import StorageFailure
from counselroom.vault.vault import Vault

from ..conftest import commit_text
from ..sessions.test_note_editor import click_button

PASSPHRASE = "Quiet river 2026 lantern"  # the shared fixtures' vault passphrase (tests/conftest.py)
NOTE_TEXT = "来访者主诉失眠两周，考试前焦虑明显 distinctive-note-words"
PRIVATE_TEXT = "移情反应强烈 private-hunch-words"
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("qpdf"),
                                   reason="needs poppler-utils and qpdf")


@pytest.fixture
def vault(new_vault: tuple[Vault, str]) -> Vault:
    return new_vault[0]


@pytest.fixture
def client_id(services: Services) -> int:
    services.profile.save(Profile(name="林晓雯", room="心理咨询室 204"))
    client_id = services.clients.create(Client(code="A-001", name="张小明", status="active")).id or 0
    consent = getattr(services, "consent", None)
    if consent is not None:
        consent.record_signed(client_id, date(2015, 1, 1), guardian_name="监护人")
    note = services.notes.create_draft(client_id, "standard", session_date=date.today() - timedelta(days=2))
    assert note.id is not None
    services.notes.save_draft(note.id, {next(iter(note.content)): NOTE_TEXT}, PRIVATE_TEXT)
    services.notes.sign(note.id, "林晓雯")
    return client_id


@pytest.fixture
def authorization(services: Services, client_id: int):  # type: ignore[no-untyped-def]
    return services.exports.record_authorization(client_id, "Dr. Wang, Sixth Hospital", "Referral assessment",
                                                 "Notes of this term", date.today() + timedelta(days=30),
                                                 date.today())


@pytest.fixture
def target(tmp_path: Path) -> Path:
    folder = tmp_path / "usb"
    folder.mkdir()
    return folder


@pytest.fixture
def make_dialog(qtbot, services: Services, vault: Vault, target: Path):  # type: ignore[no-untyped-def]
    chosen: list[str] = []

    def make(client_id: int, path: Path | None = None) -> ExportDialog:
        dialog = ExportDialog(services, vault, client_id)
        qtbot.addWidget(dialog)

        def choose(_parent: QWidget, suggested: str) -> Path | None:
            chosen.append(suggested)
            return path if path is not None else None

        dialog.choose_path = choose  # type: ignore[method-assign, assignment]
        dialog.chosen = chosen  # type: ignore[attr-defined]
        with qtbot.waitExposed(dialog):
            dialog.show()
        return dialog

    return make


def go_to_passphrase(dialog: ExportDialog) -> None:
    for step in ("contents", "recipient", "passphrase"):
        dialog.next_button.click()
        assert dialog.step == step, (dialog.step, dialog.basis_error.text(), dialog.contents_error.text(),
                                     [e.text() for e in dialog.recipient_errors.values()])


def when_shown(kind: type[QWidget], callback: Callable[[QWidget], None], timeout: float = 20.0) -> None:
    """Run `callback` on the next visible top-level widget of `kind` (the export dialog itself is modal, so
    the next modal widget is not necessarily the one wanted); close it if the callback fails."""
    deadline = time.monotonic() + timeout

    def poll() -> None:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
        if found:
            try:
                callback(found[0])
            finally:
                if found[0].isVisible():
                    found[0].close()
        elif time.monotonic() < deadline:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)


def export_and_read_password(qtbot, dialog: ExportDialog, passphrase: str = PASSPHRASE) -> str:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def on_password(box: QWidget) -> None:
        assert isinstance(box, PasswordDialog)
        seen.append(box.password_field.text())
        box.copy_button.click()
        assert QGuiApplication.clipboard().text() == seen[0]
        box.close_button.click()

    when_shown(PasswordDialog, on_password)
    qtbot.keyClicks(dialog.passphrase_edit, passphrase)
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible(), timeout=20000)
    assert len(seen) == 1
    return seen[0]


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_no_basis_no_way_on(services: Services, client_id: int, make_dialog: Callable[..., ExportDialog]) -> None:
    dialog = make_dialog(client_id)
    assert dialog.step == "basis"
    assert dialog.authorization_combo.currentText() == "No authorization recorded for this client"
    dialog.next_button.click()
    assert dialog.step == "basis"
    assert dialog.basis_error.text().startswith("Nothing leaves the room without a basis")
    dialog.exception_combo.setCurrentIndex(dialog.exception_combo.findData("danger_self"))
    assert dialog.use_exception.isChecked()
    dialog.next_button.click()  # an exception needs its justification
    assert dialog.step == "basis" and "Write why the exception applies" in dialog.basis_error.text()


def test_an_expired_authorization_is_marked_and_refused(services: Services, client_id: int, authorization,  # type: ignore[no-untyped-def]
                                                        make_dialog: Callable[..., ExportDialog]) -> None:
    with services.store.write() as conn:  # it ran out yesterday
        conn.execute("UPDATE release_authorizations SET expires_on = ?, signed_on = ? WHERE id = ?",
                     ((date.today() - timedelta(days=1)).isoformat(), (date.today() - timedelta(days=90)).isoformat(),
                      authorization.id))
    dialog = make_dialog(client_id)
    assert dialog.authorization_combo.currentText().startswith("Expired: Dr. Wang, Sixth Hospital")
    dialog.use_authorization.setChecked(True)
    dialog.next_button.click()
    assert dialog.step == "basis"
    assert "has expired" in dialog.basis_error.text()


def test_a_new_authorization_is_recorded_in_place(services: Services, client_id: int,
                                                  make_dialog: Callable[..., ExportDialog]) -> None:
    dialog = make_dialog(client_id)
    dialog.new_authorization_button.click()
    assert dialog.auth_form.isVisible()
    dialog.auth_record_button.click()  # empty: told beside each field, nothing recorded
    assert dialog.auth_errors["recipient"].text().startswith("Write who receives the records")
    assert dialog.auth_errors["scope"].isVisible()
    assert services.exports.authorizations(client_id) == []
    commit_text(dialog.auth_recipient, "北京大学第六医院 王医生")
    commit_text(dialog.auth_purpose, "转介评估")
    commit_text(dialog.auth_scope, "本学期的咨询记录")
    dialog.auth_record_button.click()
    assert not dialog.auth_form.isVisible()
    [auth] = services.exports.authorizations(client_id)
    assert auth.recipient == "北京大学第六医院 王医生" and auth.expires_on > date.today()
    assert dialog.use_authorization.isChecked() and dialog.chosen_authorization() == auth
    assert "本学期的咨询记录" in dialog.authorization_details.text()
    dialog.next_button.click()
    assert dialog.step == "contents"
    assert dialog.scope_reminder.text() == "The authorization releases: 本学期的咨询记录"
    assert dialog.plan_label.text() == "1 signed note will be included. No test results. No group notes."
    dialog.next_button.click()
    assert dialog.recipient_edit.text() == "北京大学第六医院 王医生" and dialog.recipient_edit.isReadOnly()
    assert dialog.purpose_edit.text() == "转介评估" and dialog.purpose_edit.isReadOnly()


def test_private_notes_ask_a_second_time_and_cancel_is_the_default(client_id: int, authorization,  # type: ignore[no-untyped-def]
                                                                   make_dialog: Callable[..., ExportDialog]) -> None:
    dialog = make_dialog(client_id)
    dialog.next_button.click()
    assert dialog.step == "contents"
    assert not dialog.include_private.isChecked() and not dialog.include_raw_tests.isChecked()
    asked: list[str] = []

    def keep_out(box: QWidget) -> None:
        asked.append(box.windowTitle())
        default = box.defaultButton()  # type: ignore[attr-defined]
        assert default.text() == "Keep them out"
        default.click()

    when_shown(QMessageBox, keep_out)
    dialog.include_private.click()
    assert asked == ["Include private process notes?"]
    assert not dialog.include_private.isChecked()
    when_shown(QMessageBox, lambda box: click_button(box, "Include them"))
    dialog.include_private.click()
    assert dialog.include_private.isChecked()
    assert dialog.contents().include_private and dialog.contents().sensitive_confirmed
    dialog.include_private.click()  # unticking asks nothing
    assert not dialog.include_private.isChecked()
    assert not dialog.include_raw_tests.isEnabled()  # raw answers only with the results they belong to
    dialog.include_tests.click()
    assert dialog.include_raw_tests.isEnabled()
    when_shown(QMessageBox, lambda box: click_button(box, "Include them"))
    dialog.include_raw_tests.click()
    assert dialog.include_raw_tests.isChecked()
    assert dialog.contents().include_tests and dialog.contents().include_raw_tests
    dialog.include_tests.click()  # taking the results out takes the answers out too
    assert not dialog.include_raw_tests.isChecked() and not dialog.contents().include_raw_tests


def test_test_results_are_off_by_default_and_the_plan_counts_those_in_the_period(  # type: ignore[no-untyped-def]
        client_id: int, authorization, services: Services, make_dialog: Callable[..., ExportDialog]) -> None:
    from datetime import UTC, datetime, timedelta

    answers = dict.fromkeys(range(1, 8), 1)
    for days in (400, 5):
        at = datetime.now(UTC) - timedelta(days=days)
        services.psychtests.record_completed(client_id, "gad7", answers, "Explained what the test is for.",
                                             started_at=at, feedback="Talked the result through.")
    dialog = make_dialog(client_id)
    dialog.next_button.click()
    assert not dialog.include_tests.isChecked() and not dialog.contents().include_tests
    dialog.include_tests.click()
    dialog.date_from.setDate(dialog.date_to.date().addDays(-30))
    assert dialog.plan_label.text().endswith("1 test result. No group notes.")
    dialog.include_notes.click()  # the period still limits the tests without notes
    assert dialog.date_from.isEnabled() and dialog.contents().date_from is not None


@needs_poppler
def test_export_writes_only_the_encrypted_file_and_shows_the_password_once(
        qtbot, tmp_path: Path, services: Services, client_id: int, authorization, target: Path,  # type: ignore[no-untyped-def]
        make_dialog: Callable[..., ExportDialog]) -> None:
    before = set(files_under(tmp_path))
    dialog = make_dialog(client_id, target / "for-dr-wang")
    go_to_passphrase(dialog)
    assert "1 signed note will be included." in dialog.summary_label.text()
    password = export_and_read_password(qtbot, dialog)
    written = target / "for-dr-wang.pdf"
    assert files_under(target) == [written]  # no temporary file or plaintext copy left beside it
    assert (written.stat().st_mode & 0o777) == 0o600
    data = written.read_bytes()
    shown = subprocess.run(["qpdf", "--show-encryption", f"--password={password}", str(written)],
                           capture_output=True, text=True).stdout
    assert "R = 6" in shown and "AESv3" in shown
    text = subprocess.run(["pdftotext", "-upw", password, str(written), "-"], capture_output=True,
                          check=True).stdout.decode()
    assert "distinctive-note-words" in text and "张小明" in text
    assert "private-hunch-words" not in text
    assert subprocess.run(["pdftotext", str(written), "-"], capture_output=True).returncode != 0
    # Nothing new anywhere in the test's folders (its TMPDIR included) holds the record in plain text.
    new_files = set(files_under(tmp_path)) - before
    for path in new_files:
        content = path.read_bytes()
        for needle in (b"distinctive-note-words", "张小明".encode(), "distinctive".encode("utf-16-be"),
                       password.encode()):
            assert needle not in content, path
    [entry] = services.exports.register()
    assert entry.number == dialog.exported and entry.recipient == "Dr. Wang, Sixth Hospital"
    import hashlib
    assert entry.sha256 == hashlib.sha256(data).hexdigest()
    assert [e.detail["number"] for e in services.audit.entries(kinds=["export.made"])] == [entry.number]
    assert dialog.chosen[0].endswith(".pdf") and "张小明" not in dialog.chosen[0] and "A-001" not in dialog.chosen[0]
    assert QGuiApplication.clipboard().text() == password  # copied; cleared after a minute


def test_a_wrong_passphrase_exports_nothing(qtbot, services: Services, client_id: int, authorization,  # type: ignore[no-untyped-def]
                                            target: Path, make_dialog: Callable[..., ExportDialog]) -> None:
    dialog = make_dialog(client_id, target / "x.pdf")
    go_to_passphrase(dialog)
    qtbot.keyClicks(dialog.passphrase_edit, "not the passphrase")
    dialog.export_button.click()
    qtbot.waitUntil(lambda: "not the passphrase of this vault" in dialog.passphrase_error.text(), timeout=20000)
    assert dialog.passphrase_edit.text() == ""
    assert dialog.chosen == []  # the file dialog never opened
    assert files_under(target) == [] and services.exports.register() == []
    assert dialog.isVisible()


def test_cancelling_the_file_dialog_exports_nothing(qtbot, services: Services, client_id: int, authorization,  # type: ignore[no-untyped-def]
                                                    target: Path, make_dialog: Callable[..., ExportDialog]) -> None:
    dialog = make_dialog(client_id, None)
    go_to_passphrase(dialog)
    qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
    dialog.export_button.click()
    qtbot.waitUntil(lambda: "Nothing was saved" in dialog.passphrase_error.text(), timeout=20000)
    assert len(dialog.chosen) == 1
    assert files_under(target) == [] and services.exports.register() == []
    assert not services.audit.entries(kinds=["export.made"])


def test_an_unwritable_place_leaves_no_register_row(qtbot, monkeypatch: pytest.MonkeyPatch, services: Services,  # type: ignore[no-untyped-def]
                                                    client_id: int, authorization, target: Path,
                                                    make_dialog: Callable[..., ExportDialog]) -> None:
    errors: list[str] = []
    monkeypatch.setattr(export_dialog, "show_error", lambda _p, _t, text: errors.append(text))
    dialog = make_dialog(client_id, target / "missing-folder" / "x.pdf")
    go_to_passphrase(dialog)
    qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
    dialog.export_button.click()
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    assert errors[0].startswith("The file could not be written there")
    assert services.exports.register() == [] and not services.audit.entries(kinds=["export.made"])
    assert dialog.isVisible()


@needs_poppler
def test_exception_basis_in_chinese_with_private_notes(qtbot, services: Services, client_id: int,  # type: ignore[no-untyped-def]
                                                       target: Path, make_dialog: Callable[..., ExportDialog]) -> None:
    i18n.set_language("zh_CN")
    dialog = make_dialog(client_id, target / "crisis.pdf")
    assert dialog.step_label.text() == "第 1 步，共 4 步：依据"
    dialog.exception_combo.setCurrentIndex(dialog.exception_combo.findData("danger_self"))
    commit_text(dialog.justification_edit, "来访者表达了明确的自杀计划，需通知监护人并转介医院。")
    dialog.next_button.click()
    assert dialog.step == "contents"
    when_shown(QMessageBox, lambda box: click_button(box, "附入(I)"))
    dialog.include_private.click()
    assert dialog.include_private.isChecked()
    dialog.next_button.click()
    assert not dialog.recipient_edit.isReadOnly()
    dialog.next_button.click()  # no recipient yet
    assert dialog.step == "recipient" and dialog.recipient_errors["recipient"].text() == "请写明接收方。"
    commit_text(dialog.recipient_edit, "张小明的监护人 张先生")
    commit_text(dialog.purpose_edit, "危机干预")
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("transfer_summary"))
    dialog.lang_combo.setCurrentIndex(dialog.lang_combo.findData("zh_CN"))
    commit_text(dialog.letter_edit, "来访者目前处于危机状态。")
    dialog.next_button.click()
    assert dialog.step == "passphrase"
    password = export_and_read_password(qtbot, dialog)
    text = subprocess.run(["pdftotext", "-upw", password, str(target / "crisis.pdf"), "-"], capture_output=True,
                          check=True).stdout.decode()
    flat = "".join(text.split())
    for phrase in ("个案移交摘要", "来访者目前处于危机状态。", "private-hunch-words", "私人过程记录", "保密例外"):
        assert phrase in flat, phrase
    [entry] = services.exports.register()
    assert (entry.basis_kind, entry.exception, entry.kind, entry.lang) == ("exception", "danger_self",
                                                                            "transfer_summary", "zh_CN")
    assert entry.contents["private"] is True


def test_print_form_paints_from_memory_and_is_audited(qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      services: Services, client_id: int,
                                                      make_dialog: Callable[..., ExportDialog]) -> None:
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

    painted: list[QImage] = []

    def fake_print(_parent: QWidget, title: str, paint: Callable[[QPainter, QRectF], None]) -> bool:
        image = QImage(595, 842, QImage.Format.Format_RGB32)
        image.fill(0xFFFFFFFF)
        painter = QPainter(image)
        paint(painter, QRectF(0, 0, 595, 842))
        painter.end()
        painted.append(image)
        assert title == "Authorization to release counseling records"
        return True

    before = set(files_under(tmp_path))
    monkeypatch.setattr(export_dialog.printing, "print_pages", fake_print)
    dialog = make_dialog(client_id)
    dialog.new_authorization_button.click()
    commit_text(dialog.auth_recipient, "北京大学第六医院")
    form = dialog.release_form()
    assert (form.client_name, form.recipient, form.counselor) == ("张小明", "北京大学第六医院", "林晓雯")
    dialog.print_form_button.click()
    assert len(painted) == 1
    image = painted[0]
    dark = sum(1 for y in range(0, 842, 6) for x in range(0, 595, 6) if image.pixelColor(x, y).lightness() < 128)
    assert dark > 50  # the form's text was painted
    assert set(files_under(tmp_path)) == before  # printing wrote no file
    assert services.audit.entries(kinds=["export.release_form_printed"])
    assert services.exports.register() == []


def test_back_keeps_what_was_chosen(client_id: int, authorization,  # type: ignore[no-untyped-def]
                                    make_dialog: Callable[..., ExportDialog]) -> None:
    dialog = make_dialog(client_id)
    dialog.next_button.click()
    dialog.include_contacts.click()
    dialog.next_button.click()
    dialog.back_button.click()
    assert dialog.step == "contents" and dialog.include_contacts.isChecked()
    dialog.back_button.click()
    assert dialog.step == "basis" and not dialog.back_button.isEnabled()
    dialog.cancel_button.click()
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert QApplication.activeModalWidget() is None


def test_a_failure_after_the_file_was_written_removes_it(qtbot, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                         services: Services, client_id: int, authorization,
                                                         target: Path,
                                                         make_dialog: Callable[..., ExportDialog]) -> None:
    """The file is written inside the export's transaction; when the vault then fails (here: right after the
    write), the transaction rolls back and the window removes the file, so no unregistered export remains."""
    errors: list[str] = []
    monkeypatch.setattr(export_dialog, "show_error", lambda _p, _t, text: errors.append(text))
    real_export = services.exports.export

    def export_failing_after_delivery(*args, deliver, **kwargs):  # type: ignore[no-untyped-def]
        def deliver_then_fail(data: bytes) -> None:
            deliver(data)
            raise StorageFailure()  # as if the register's commit failed on a full disk

        return real_export(*args, deliver=deliver_then_fail, **kwargs)

    monkeypatch.setattr(services.exports, "export", export_failing_after_delivery)
    dialog = make_dialog(client_id, target / "x.pdf")
    go_to_passphrase(dialog)
    qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
    dialog.export_button.click()
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    assert errors == [StorageFailure().message()]
    assert files_under(target) == []
    assert services.exports.register() == [] and not services.audit.entries(kinds=["export.made"])
