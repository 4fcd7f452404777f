"""The screening window (issue 15) as a counselor uses it: the import wizard maps the columns, names every bad
row by row and column and imports nothing until the named rows are skipped; the flagged list by level and
class turns a row into a client with the interview booked and shows the outcome; a liaison contact on the
client's file; the statistics page and its PDF; the screens at 1366x768 in both languages."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from counselroom import i18n
from counselroom.gui.screening.import_wizard import ImportWizard
from counselroom.gui.screening.liaison_tab import LiaisonDialog, LiaisonTab
from counselroom.gui.screening.screening_page import InterviewDialog, OutcomeDialog, ScreeningPage
from counselroom.gui.screening.statistics_page import StatisticsPage
from counselroom.records.clients import Client
from counselroom.records.services import Services
from counselroom.shipped import resource

from ..conftest import commit_text
from ..helpers import _stop_polls as _stop_polls  # noqa: F401 - the autouse fixture
from ..helpers import when_modal

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import pdf_text  # noqa: E402
from screening_files import make_cohort, write_xlsx  # noqa: E402

CONSENT = "本次普查结果保密，仅心理中心使用。"


def _upi(services: Services) -> str:
    example = resource("instruments", "examples", "upi-style-rules.json").read_bytes()
    return services.psychtests.import_definition(example).instrument.id


def _wizard(qtbot, services: Services, path: Path) -> ImportWizard:  # type: ignore[no-untyped-def]
    instrument_id = _upi(services)
    wizard = ImportWizard(services)
    qtbot.addWidget(wizard)
    wizard.instrument_combo.setCurrentIndex(wizard.instrument_combo.findData(instrument_id))
    commit_text(wizard.cohort_edit, "2026级新生")
    wizard.consent_edit.setPlainText(CONSENT)
    wizard.load_file(path)
    wizard.wait_until_read()
    return wizard


def test_the_wizard_names_bad_rows_and_imports_only_after_they_are_skipped(qtbot, services: Services,  # type: ignore[no-untyped-def]
                                                                          tmp_path: Path) -> None:
    cohort = make_cohort(60, bad_every=20)
    wizard = _wizard(qtbot, services, write_xlsx(cohort, tmp_path / "answers.xlsx"))
    assert wizard.table is not None and len(wizard.table.rows) == 60
    assert "answers.xlsx: 60 rows" in wizard.file_label.text()
    wizard.next_step()
    assert wizard.step == 1
    assert wizard.mapping().fields["student_no"] == "学号" and len(wizard.mapping().items) == 60
    wizard.set_column("student_no", "")  # the counselor clears the student number: refused with a reason
    wizard.next_step()
    assert wizard.step == 1 and "student number" in wizard.message.text()
    wizard.set_column("student_no", "学号")
    wizard.next_step()
    assert wizard.step == 2
    texts = [wizard.problem_list.item(i).text() for i in range(wizard.problem_list.count())]
    assert texts == ["Row 21, column J “3、第3题”: “7” is not an answer to item 3 (its answers are 0, 1).",
                     "Row 41, column B “学号”: The student number is empty.",
                     "Row 61, column D “性别”: “x” is not a gender: write 男/女, male/female, or leave it empty."]
    assert not wizard.next_button.isEnabled()  # nothing imported while rows have problems
    assert not wizard.skip_box.isHidden() and "3 rows" in wizard.skip_box.text()
    wizard.skip_box.setChecked(True)
    assert wizard.next_button.isEnabled() and wizard.next_button.text() == "&Import"
    wizard.next_step()
    assert wizard.screening is not None and wizard.screening.rows_imported == 57
    assert wizard.progress.value() == 57
    # the mapping is saved for next time
    assert services.screening.saved_mapping("upi-style") == wizard.mapping()


def test_the_wizard_says_the_file_is_not_kept_and_refuses_an_unreadable_one(qtbot, services: Services,  # type: ignore[no-untyped-def]
                                                                           tmp_path: Path) -> None:
    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
    wizard = _wizard(qtbot, services, tmp_path / "broken.xlsx")
    assert wizard.table is None and not wizard.next_button.isEnabled()
    assert wizard.message.text().startswith("The file could not be read as an Excel workbook")
    page_text = " ".join(w.text() for w in wizard.findChildren(QWidget) if hasattr(w, "text")
                         and isinstance(w.text(), str))
    assert "neither kept nor copied" in page_text


def _imported(services: Services, tmp_path: Path) -> int:
    from counselroom.records.screening_import import read_table, suggest_mapping

    instrument_id = _upi(services)
    table = read_table(write_xlsx(make_cohort(120, seed=4), tmp_path / "c.xlsx"))
    mapping = suggest_mapping(table, services.psychtests.instrument(instrument_id))
    return services.screening.import_screening(table, instrument_id, mapping, "2026级新生", date.today(), CONSENT).id


def test_a_flagged_row_becomes_a_client_with_an_interview_and_its_outcome(qtbot, services: Services,  # type: ignore[no-untyped-def]
                                                                         tmp_path: Path) -> None:
    _imported(services, tmp_path)
    page = ScreeningPage(services)
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    flagged = services.screening.flagged()
    assert page.model.rowCount() == len(flagged) > 0
    assert page.model.level_text(flagged[0]).startswith("Red (level 1)")
    page.level_combo.setCurrentIndex(page.level_combo.findData(2))
    page._show_rows()
    assert {page.model.row_at(i).level for i in range(page.model.rowCount())} == {2}  # type: ignore[union-attr]
    page.level_combo.setCurrentIndex(0)
    page._show_rows()
    page.table.setCurrentIndex(page.model.index(0, 0))
    assert page.make_button.isEnabled() and not page.outcome_button.isEnabled()
    row = page.selected()
    assert row is not None

    def make(dialog: QWidget) -> None:
        assert isinstance(dialog, InterviewDialog)
        dialog.code.setText("S-0042")
        dialog.save_button.click()

    problems = when_modal(make)
    page.make_client()
    assert problems == []
    saved = services.screening.row(row.id)
    assert saved.client_id is not None and saved.appointment_id is not None
    page.select_row(row.id)
    assert page.model.data(page.model.index(page.table.currentIndex().row(), 7)) == "S-0042"
    assert page.model.data(page.model.index(page.table.currentIndex().row(), 8)).startswith("booked ")
    assert page.outcome_button.isEnabled()

    def outcome(dialog: QWidget) -> None:
        assert isinstance(dialog, OutcomeDialog)
        dialog.outcome.setCurrentIndex(dialog.outcome.findData("monitoring"))
        dialog.save_button.click()

    problems = when_modal(outcome)
    page.record_outcome()
    assert problems == []
    page.select_row(row.id)
    assert page.model.data(page.model.index(page.table.currentIndex().row(), 9)) == "Kept on the list of concern"
    opened: list[int] = []
    page.open_client.connect(opened.append)
    page.open_button.click()
    assert opened == [saved.client_id]


def test_a_liaison_contact_is_recorded_on_the_clients_file(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    client = services.clients.create(Client(code="L-9", name="周同学"))
    assert client.id is not None
    tab = LiaisonTab(services, client.id)
    qtbot.addWidget(tab)
    tab.show()

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, LiaisonDialog)
        dialog.party.setCurrentIndex(dialog.party.findData("guardian"))
        commit_text(dialog.who, "母亲")
        dialog.method.setCurrentIndex(dialog.method.findData("phone"))
        dialog.shared.setPlainText("告知自伤风险，建议陪同就医")
        dialog.by_exception.setChecked(True)
        dialog.save_button.click()
        assert dialog.isVisible()  # no exception chosen, no reason given
        assert dialog.errors["basis_kind"].text() == "Choose the confidentiality exception that applied."
        assert dialog.errors["basis_note"].text() == "Write why the exception applied."
        dialog.exception.setCurrentIndex(dialog.exception.findData("danger_self"))
        commit_text(dialog.basis_note, "当晚有明确自伤计划")
        dialog.save_button.click()

    problems = when_modal(fill)
    tab.add_button.click()
    assert problems == []
    tab.refresh()
    assert tab.model.rowCount() == 1
    assert tab.model.data(tab.model.index(0, 5)) == "Danger to the client's own life or safety: 当晚有明确自伤计划"
    tab.grade.setText("2025级")
    tab.concern_boxes["emotions"].setChecked(True)
    tab.save_details()
    assert services.liaison.school_details(client.id).concerns == ("emotions",)


def test_the_statistics_page_shows_charts_and_saves_a_deidentified_pdf(qtbot, services: Services,  # type: ignore[no-untyped-def]
                                                                       tmp_path: Path) -> None:
    _imported(services, tmp_path)
    services.clients.create(Client(code="SECRET-CODE", name="保密姓名"))
    page = StatisticsPage(services)
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    assert page.report is not None and len(page.report.screenings) == 1
    page.pdf_lang.setCurrentIndex(page.pdf_lang.findData("zh_CN"))
    number = page.save_pdf(tmp_path / "report.pdf", "学生工作部")
    assert number is not None and page.message.text().startswith(f"Report {number} saved")
    text = pdf_text.flat((tmp_path / "report.pdf").read_bytes())
    assert number in text and "心理普查“2026级新生”" in text
    assert "SECRET-CODE" not in text and "保密姓名" not in text
    assert services.statistics.register()[0][4] == "学生工作部"
    from counselroom.gui.practice.export_register_page import ExportRegisterPage

    register = ExportRegisterPage(services)
    qtbot.addWidget(register)
    table = register.statistics_register.table
    assert table.rowCount() == 1 and table.item(0, 0).text() == number and table.item(0, 3).text() == "学生工作部"


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_screens_fit_1366x768_in_both_languages(lang: str, tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools"))
    import screenshots

    i18n.set_language(lang)
    saved = screenshots.screening_shots(lang, tmp_path)
    assert [p.name for p in saved] == [f"{lang}-screening-{name}.png" for name in
                                       ("import-rows", "flagged", "liaison", "statistics")]
    from PySide6.QtGui import QImage

    for path in saved:
        image = QImage(str(path))
        assert (image.width(), image.height()) in ((1366, 768), (900, 640), (1366, 700))


def test_a_rule_example_becomes_the_rooms_questionnaire_with_its_item_text(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    from counselroom.gui.screening.screening_page import RuleExampleDialog

    page = ScreeningPage(services)
    qtbot.addWidget(page)

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, RuleExampleDialog)
        dialog.items.setPlainText("\n".join(f"{n}、第{n}题" for n in range(1, 60)))
        dialog.save_button.click()
        assert dialog.isVisible()
        assert dialog.message.text() == "The file: The text file holds 59 items, one a line; the questionnaire has 60."
        dialog.items.setPlainText("\n".join(f"{n}、本室第{n}题" for n in range(1, 61)))
        dialog.save_button.click()

    problems = when_modal(fill)
    page.rules_button.click()
    assert problems == []
    instrument = services.psychtests.instrument("upi-style")
    assert instrument.item(1).text_in("zh_CN") == "本室第1题"  # type: ignore[union-attr]


def test_reading_a_large_xlsx_shows_the_rows_read(qtbot, services: Services, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The file is read on a worker thread; the first page shows how many rows are read so far (of the total the
    sheet gives), then the bar goes and the file's size is said."""
    from openpyxl import Workbook

    cohort = make_cohort(3000, seed=8)
    book = Workbook()  # as Excel saves it: the sheet gives its size
    for row in cohort.table:
        book.active.append(row)  # type: ignore[union-attr]
    path = tmp_path / "big.xlsx"
    book.save(path)
    # How long the reading takes depends on the machine (a fast one reads 3,000 rows between two ticks of the
    # 100 ms timer), so the reading thread is held once after its first report, until the window has shown it:
    # the test proves what the counselor sees mid-read without guessing at the speed.
    import threading

    from counselroom.gui.screening import import_wizard

    seen_mid_read = threading.Event()
    real_read_table = import_wizard.read_table

    def held_read_table(path: Path, progress):  # type: ignore[no-untyped-def]
        def held(done: int, total: int) -> None:
            progress(done, total)
            if done and not seen_mid_read.is_set():
                seen_mid_read.wait(30)
        return real_read_table(path, held)

    monkeypatch.setattr(import_wizard, "read_table", held_read_table)
    wizard = ImportWizard(services)
    qtbot.addWidget(wizard)
    wizard.show()
    shown: list[tuple[int, int, str]] = []
    bar = wizard.read_progress

    def record() -> None:  # after each of the wizard's own updates (slots run in the order they were connected)
        shown.append((bar.value(), bar.maximum(), bar.format()))
        if 0 < bar.value() < 3001:
            seen_mid_read.set()

    wizard._read_timer.timeout.connect(record)
    wizard.load_file(path)
    assert bar.isVisible() and not wizard.choose_button.isEnabled()
    qtbot.waitUntil(seen_mid_read.is_set, timeout=30_000)
    wizard.wait_until_read()
    assert wizard.table is not None and len(wizard.table.rows) == 3000
    assert not bar.isVisible() and "big.xlsx: 3000 rows" in wizard.file_label.text()
    during = [s for s in shown if 0 < s[0] < 3001]
    assert during, shown
    assert all(m == 3001 and f == f"{v} of 3001 rows read" for v, m, f in during)
    assert [v for v, _m, _f in during] == sorted(v for v, _m, _f in during)
