"""The consent tab: ticking the checklist (pending until every item is explained, then notes may be written),
the client's questions typed in Chinese, the recording opt-in, signing on paper and on screen, withdrawal,
re-consent after the form changes, and printing from memory (no file is written)."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QEvent, QIODevice, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QPdfWriter, QTextCursor
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget
from PySide6.QtWidgets import QApplication, QDialog

from counselroom import i18n
from counselroom.gui.common import pdf_printing
from counselroom.gui.consent import consent_tab as consent_tab_module
from counselroom.gui.consent.consent_tab import ConsentTab, WithdrawDialog
from counselroom.gui.consent.signature_pad import SignatureDialog, SignaturePad
from counselroom.records.clients import Client
from counselroom.records.consent import COMPLETE, OUT_OF_DATE, PENDING, SIGNED, WITHDRAWN, ConsentRequired
from counselroom.records.profile import Profile
from counselroom.records.services import Services

from ..conftest import commit_text


@pytest.fixture
def client_id(services: Services) -> int:
    services.profile.save(Profile(name="林晓雯", qualifications="国家二级心理咨询师", certificate_no="ZX-0815",
                                  institution="示例大学", room="心理咨询室 204", contact="010-6275 0000"))
    return services.clients.create(Client(code="A-001", name="张小明", date_of_birth=date(2003, 4, 5))).id or 0


@pytest.fixture
def make_tab(qtbot, services: Services):  # type: ignore[no-untyped-def]
    def make(client_id: int) -> ConsentTab:
        tab = ConsentTab(services, client_id)
        qtbot.addWidget(tab)
        tab.resize(900, 800)
        with qtbot.waitExposed(tab):
            tab.show()
        return tab

    return make


def draw(pad: SignaturePad) -> None:
    """A stroke with the mouse, as a person signs."""
    points = [QPointF(40 + 12 * i, 80 + (18 if i % 2 else -18)) for i in range(20)]
    QApplication.sendEvent(pad, QMouseEvent(QEvent.Type.MouseButtonPress, points[0], points[0],
                                            Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton,
                                            Qt.KeyboardModifier.NoModifier))
    for p in points[1:]:
        QApplication.sendEvent(pad, QMouseEvent(QEvent.Type.MouseMove, p, p, Qt.MouseButton.NoButton,
                                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    QApplication.sendEvent(pad, QMouseEvent(QEvent.Type.MouseButtonRelease, points[-1], points[-1],
                                            Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton,
                                            Qt.KeyboardModifier.NoModifier))


def tick_all(tab: ConsentTab) -> None:
    for box in tab.checks.values():
        box.click()


def test_ticking_every_item_completes_the_checklist_and_opens_the_notes(services, client_id, make_tab) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab(client_id)
    assert tab.state.status == PENDING and "Pending" in tab.status_label.text()
    assert "guardian" not in tab.checks  # an adult
    assert not tab.paper_button.isEnabled() and not tab.screen_button.isEnabled()
    with pytest.raises(ConsentRequired):
        services.notes.create_draft(client_id)
    boxes = list(tab.checks.values())
    for box in boxes[:-1]:
        box.click()
    assert tab.state.status == PENDING
    assert tab.status_details.text().startswith("1 of 11 items still to explain")
    boxes[-1].click()
    assert tab.state.status == COMPLETE and tab.paper_button.isEnabled() and tab.screen_button.isEnabled()
    with pytest.raises(ConsentRequired):  # ticked is not signed (issue 12.7)
        services.notes.create_draft(client_id)
    assert "not signed yet" in tab.status_details.text()
    boxes[0].click()  # unticked: pending again
    assert services.consent.status(client_id) == PENDING


def test_questions_in_chinese_and_the_recording_choice_are_kept(qtbot, services, client_id, make_tab) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab(client_id)
    commit_text(tab.questions["exceptions"], "如果我告诉老师我失眠，会通知家长吗？")
    tab.recording_check.click()
    tab.flush()
    consent = services.consent.current(client_id)
    assert consent is not None and consent.recording
    assert consent.questions == {"exceptions": "如果我告诉老师我失眠，会通知家长吗？"}
    again = make_tab(client_id)
    assert again.questions["exceptions"].toPlainText() == "如果我告诉老师我失眠，会通知家长吗？"
    assert again.recording_check.isChecked()
    tab.shutdown()  # clearing the boxes on lock must not save them empty
    assert services.consent.current(client_id).questions["exceptions"]


def test_signed_on_paper_with_the_date(services, client_id, make_tab) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab(client_id)
    tick_all(tab)
    day = date.today() - timedelta(days=2)
    tab.paper_date.setDate(day)
    tab.paper_button.click()
    assert tab.state.status == SIGNED
    assert f"Signed on paper on {day.isoformat()}." in tab.status_details.text()
    assert not any(box.isEnabled() for box in tab.checks.values()) and not tab.recording_check.isEnabled()
    assert all(edit.isReadOnly() for edit in tab.questions.values())
    assert services.consent.current(client_id).signed_how == "paper"


def test_sign_on_screen_keeps_the_image_in_the_vault(monkeypatch, services, client_id, make_tab) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab(client_id)
    tick_all(tab)

    def sign(dialog: QDialog) -> int:
        assert isinstance(dialog, SignatureDialog) and not dialog.save_button.isEnabled()  # nothing drawn yet
        draw(dialog.pad)
        assert dialog.save_button.isEnabled()
        dialog.save_button.click()
        return dialog.result()

    monkeypatch.setattr(consent_tab_module, "launch", sign)
    tab.screen_button.click()
    consent = services.consent.current(client_id)
    assert tab.state.status == SIGNED and consent.signed_how == "screen"
    png = services.consent.signature(consent.id)
    assert png and png.startswith(b"\x89PNG")


def test_withdrawal_of_recording_then_of_everything(monkeypatch, services, client_id, make_tab) -> None:  # type: ignore[no-untyped-def]
    tab = make_tab(client_id)
    tick_all(tab)
    tab.recording_check.click()
    tab.paper_button.click()
    choices = iter(["recording", "all"])

    def answer(dialog: QDialog) -> int:
        assert isinstance(dialog, WithdrawDialog)
        wanted = next(choices)
        dialog.scope.setCurrentIndex(dialog.scope.findData(wanted))
        commit_text(dialog.note, "来访者不再希望录音")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(consent_tab_module, "launch", answer)
    tab.withdraw_button.click()
    assert tab.state.status == SIGNED and "withdrew the recording consent" in tab.recording_note.text()
    tab.withdraw_button.click()
    assert tab.state.status == WITHDRAWN and "withdrew consent" in tab.status_details.text()
    assert tab.reconsent_button.isVisible() and tab.reconsent_button.text() == "Start a &new consent"
    with pytest.raises(ConsentRequired):
        services.notes.create_draft(client_id)


def test_re_consent_after_the_form_changed(services, client_id, make_tab) -> None:  # type: ignore[no-untyped-def]
    consent = services.consent.sign_on_paper(services.consent.record_checklist(client_id).id, date.today())
    template = services.consent.template()
    services.consent.save_template(replace(template, titles={**template.titles, "en": "Consent to counseling"}))
    tab = make_tab(client_id)
    assert tab.state.status == OUT_OF_DATE and "Out of date" in tab.status_label.text()
    v = template.version  # the built-in form's version (2 since its retention promise follows the rules)
    assert f"version {v}" in tab.status_details.text() and f"version {v + 1}" in tab.status_details.text()
    assert tab.reconsent_button.isVisible() and not any(b.isEnabled() for b in tab.checks.values())
    tab.reconsent_button.click()
    assert tab.state.status == PENDING and tab.state.consent.id != consent.id
    assert all(b.isEnabled() and not b.isChecked() for b in tab.checks.values())
    assert f"Version {v}, signed on" in tab.history_label.text()


@pytest.fixture
def watched_writes() -> Iterator[list[str]]:
    """Every file Python opens for writing while the fixture is active (an audit hook cannot be removed, so it
    checks a flag), plus the temporary folders compared before and after."""
    writes: list[str] = []
    active = [True]

    def hook(event: str, args: tuple[object, ...]) -> None:
        if active[0] and event == "open" and len(args) >= 2:
            mode, flags = args[1], args[2] if len(args) > 2 else 0
            if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                    isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)):
                writes.append(str(args[0]))

    folders = {Path(tempfile.gettempdir()), Path("/tmp"), Path("/var/tmp")}
    before = {f: set(f.iterdir()) for f in folders if f.is_dir()}
    sys.addaudithook(hook)
    yield writes
    active[0] = False
    for folder, entries in before.items():
        new = set(folder.iterdir()) - entries
        writes += [str(p) for p in new if "pytest" not in p.name]


def test_printing_the_form_writes_no_file(monkeypatch, services, client_id, make_tab, watched_writes) -> None:  # type: ignore[no-untyped-def]
    """The honest check: the print preview paints every page (through the same code that paints on a printer)
    while no Python file API opens anything for writing and no new file appears in the temporary folders; and
    the painted pages, captured by a QPdfWriter into a QBuffer, are the form's pages."""
    tab = make_tab(client_id)
    tick_all(tab)
    pdf = services.consent.form_pdf(services.consent.current(client_id).id, "en")
    pages = len(pdf_printing.render_pages(pdf, dpi=30))
    shown: list[int] = []

    def preview(dialog: QDialog) -> int:
        widget = dialog.findChild(QPrintPreviewWidget)
        widget.updatePreview()
        shown.append(widget.pageCount())
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(pdf_printing, "launch", preview)
    assert tab.print_form() is True
    assert shown == [pages] and pages >= 2
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(72)
    assert pdf_printing.paint_pdf(writer, pdf, pdf_printing.render_pages(pdf, dpi=72))
    del writer
    buffer.close()
    captured = bytes(buffer.data())
    assert captured.startswith(b"%PDF") and len(pdf_printing.render_pages(captured, dpi=10)) == pages
    assert watched_writes == []
    assert [e.detail["lang"] for e in services.audit.entries(["consent.form_printed"])] == ["en"]


def test_a_printer_that_would_write_a_file_is_refused(monkeypatch, tmp_path, qtbot) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "form.pdf"

    def choose_file(dialog: QDialog) -> int:
        dialog.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        dialog.printer().setOutputFileName(str(target))
        return QDialog.DialogCode.Accepted

    refused: list[str] = []
    monkeypatch.setattr(pdf_printing, "printers_available", lambda: True)
    monkeypatch.setattr(pdf_printing, "launch", choose_file)
    monkeypatch.setattr(pdf_printing, "show_error", lambda _p, _t, text: refused.append(text))
    from counselroom.records.consent import blank_form_pdf

    assert pdf_printing.print_pdf(None, blank_form_pdf("en"), "Consent form") is False
    assert not target.exists() and "never saved to a file" in refused[0]
    printer = QPrinter()
    printer.setOutputFileName(str(target))
    assert pdf_printing.paint_pdf(printer, blank_form_pdf("en")) is False and not target.exists()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_screenshot_of_the_checklist(qtbot, services, client_id, lang, tmp_path) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language(lang)
    consent = services.consent.record_checklist(client_id, ["qualifications", "purpose", "arrangements",
                                                            "confidentiality"],
                                                questions={"confidentiality": "我的辅导员会知道我来咨询吗？"
                                                           if lang == "zh_CN" else
                                                           "Will my tutor know that I come here?"})
    assert consent.id
    tab = ConsentTab(services, client_id)
    qtbot.addWidget(tab)
    tab.resize(900, 1000)
    with qtbot.waitExposed(tab):
        tab.show()
    assert tab.state.status == PENDING
    if lang == "zh_CN":
        assert tab.status_label.text() == "知情同意：待完成"
        assert tab.checks["exceptions"].text() == "5. 保密例外"
    assert tab.grab().save(str(tmp_path / f"consent-checklist-{lang}.png"))  # tests never write tracked files


def test_adapting_the_template_page_makes_a_new_version_and_asks_for_re_consent(
        monkeypatch, qtbot, services, client_id) -> None:  # type: ignore[no-untyped-def]
    from counselroom.gui.consent import consent_template_page as page_module
    from counselroom.gui.consent.consent_template_page import ConsentTemplatePage

    services.consent.sign_on_paper(services.consent.record_checklist(client_id).id, date.today())
    page = ConsentTemplatePage(services)
    qtbot.addWidget(page)
    page.show()
    v = services.consent.current_version()
    assert not page.save_button.isEnabled() and page.version_label.text().startswith(f"Version {v}")
    page.items_list.setCurrentRow(2)  # session arrangements
    page.text_edits["zh_CN"].moveCursor(QTextCursor.MoveOperation.End)
    commit_text(page.text_edits["zh_CN"], "寒暑假期间不安排咨询。")
    assert page.dirty and page.save_button.isEnabled()
    asked: list[str] = []
    monkeypatch.setattr(page_module, "confirm_destructive", lambda _p, _t, text, _a: asked.append(text) or True)
    assert page.save()
    assert "1 clients signed the current version" in asked[0]
    assert services.consent.current_version() == v + 1 and page.version_label.text().startswith(f"Version {v + 1}")
    assert services.consent.template().item("arrangements").text("zh_CN").endswith("寒暑假期间不安排咨询。")
    assert services.consent.status(client_id) == OUT_OF_DATE
    page.items_list.setCurrentRow(0)
    page.title_edits["en"].clear()
    page.title_edits["en"].textEdited.emit("")
    assert page.save() is False and "both Chinese and English" in page.message.text()


def test_a_minors_guardian_signs_on_their_own_and_the_form_promises_the_rooms_rule(  # type: ignore[no-untyped-def]
        services, make_tab, monkeypatch) -> None:
    """Issue 12.7 and 12.8: for a client under 18 the guardian's signature is its own (paper or screen) and the
    notes stay closed until it is there; the records item shows the retention rule the room set."""
    from counselroom.gui.consent import consent_tab as tab_module
    from counselroom.records.clients import Client
    from counselroom.records.consent import GUARDIAN_UNSIGNED

    services.retention.set_rule("case_file", 10, "left")
    dob = date.today().replace(year=date.today().year - 15) - timedelta(days=3)
    minor = services.clients.create(Client(code="M-12", name="小雨", date_of_birth=dob, guardian_name="王芳")).id
    tab = make_tab(minor)
    assert "10 years after counseling ends or after you leave the school" in "\n".join(
        label.text() for label in tab.findChildren(tab_module.QLabel))
    assert tab.guardian_row.isVisibleTo(tab) and not tab.guardian_paper_button.isEnabled()
    tick_all(tab)
    tab.paper_button.click()
    assert tab.state.status == GUARDIAN_UNSIGNED and "guardian's signature is still missing" in \
        tab.status_details.text()
    with pytest.raises(ConsentRequired):
        services.notes.create_draft(minor)
    assert tab.guardian_name.text() == "王芳" and tab.guardian_screen_button.isEnabled()

    class Pad:
        png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16

        def __init__(self, *_a: object) -> None:
            pass

        def deleteLater(self) -> None:  # noqa: N802 - Qt's name
            pass

    monkeypatch.setattr(tab_module, "SignatureDialog", Pad)
    monkeypatch.setattr(tab_module, "launch", lambda _d: tab_module.QDialog.DialogCode.Accepted)
    tab.guardian_screen_button.click()
    assert tab.state.status == SIGNED and "The guardian (王芳) signed on screen" in tab.status_details.text()
    assert services.notes.create_draft(minor).id
