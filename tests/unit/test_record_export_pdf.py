"""The locked export's PDF as a recipient meets it: AES-256 (R6) by qpdf's account, opens with the generated
password in an ordinary reader (poppler) and not without, text in Chinese and English, every page
watermarked with recipient, purpose, date and export number, fonts embedded; and the release form."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from counselroom.documents import release_form
from counselroom.documents.record_export import (
    DocAddendum,
    DocNote,
    ExportDocument,
    encrypt_pdf,
    locked_pdf,
    render_pdf,
)
from counselroom.records.clients import Client
from counselroom.records.exports import Basis, ExportContents, generate_password
from counselroom.records.profile import Profile
from counselroom.records.services import Services
from counselroom.records.templates import template

pytestmark = pytest.mark.skipif(not all(shutil.which(t) for t in ("pdftotext", "pdffonts", "pdfinfo", "qpdf")),
                                reason="needs poppler-utils and qpdf")
TODAY = date.today()
RECIPIENT = "北京大学第六医院 王医生"
PURPOSE = "Referral assessment 转介评估"


def _doc(lang: str, notes: int = 1, private: str | None = None) -> ExportDocument:
    long_text = "来访者主诉失眠两周，考试前焦虑明显。The client reports poor sleep before exams. " * 30
    return ExportDocument(
        lang=lang, kind="record_copy", number="EXP-2026-0007", made_on=date(2026, 3, 9), recipient=RECIPIENT,
        purpose=PURPOSE, basis="Written authorization", counselor=[("Counselor", "林晓雯")], room="心理咨询室 204",
        institution="Example University", client=[("Name", "张小明"), ("Client code", "A-001")],
        letter_text="请评估是否需要药物治疗。",
        notes=[DocNote(date(2026, 3, i + 1), "Standard counseling record", [("Presenting concern", long_text)],
                       "2026-03-01T10:00:00", "林晓雯", "ABCD-EF01-2345-6789-ABCD",
                       [DocAddendum("补充：母亲来电。", "2026-03-02T09:00:00", "林晓雯", "1111-2222-3333-4444-5555")],
                       private) for i in range(notes)])


def _run(*args: str, data: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(list(args), input=data, capture_output=True)


def _text(pdf: bytes, password: str, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    done = _run("pdftotext", "-upw", password, *pages, "-", "-", data=pdf)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode("utf-8")


def _pages(pdf: bytes, password: str) -> int:
    out = _run("pdfinfo", "-upw", password, "-", data=pdf).stdout.decode()
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def _flat(text: str) -> str:
    return "".join(text.split())


def test_aes_256_r6_and_opens_only_with_the_password(tmp_path: Path) -> None:
    password = generate_password()
    pdf = locked_pdf(_doc("en"), password)
    path = tmp_path / "export.pdf"
    path.write_bytes(pdf)
    shown = subprocess.run(["qpdf", "--show-encryption", f"--password={password}", str(path)],
                           capture_output=True, text=True).stdout
    assert "R = 6" in shown
    assert "file encryption method: AESv3" in shown  # qpdf's name for AES-256
    assert "modify anything: not allowed" in shown and "print high resolution: allowed" in shown
    assert "张小明" in _text(pdf, password)
    for wrong in ("", "WRONG-PASS", password.lower()):
        done = _run("pdftotext", "-upw", wrong, "-", "-", data=pdf) if wrong else _run("pdftotext", "-", "-", data=pdf)
        assert done.returncode != 0 and "张小明" not in done.stdout.decode("utf-8", "replace")
    # no plaintext inside the file itself
    for needle in ("张小明".encode(), b"A-001", b"Presenting concern", "王医生".encode("utf-16-be")):
        assert needle not in pdf


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ["Copy of counseling record", "Export number", "Released to", "Session records", "Fingerprint",
            "Addendum signed by", "Page 1"]),
    ("zh_CN", ["咨询记录副本", "导出编号", "提供给", "咨询记录", "内容指纹", "补充说明", "第 1 页"]),
])
def test_text_in_both_languages_and_fonts_embedded(lang: str, expected: list[str]) -> None:
    password = generate_password()
    pdf = locked_pdf(_doc(lang), password)
    text = _text(pdf, password)
    for phrase in [*expected, "张小明", "A-001", "EXP-2026-0007", "请评估是否需要药物治疗。", "补充：母亲来电。",
                   "The client reports poor sleep before exams."]:
        assert _flat(phrase) in _flat(text), phrase
    out = _run("pdffonts", "-upw", password, "-", data=pdf).stdout.decode()
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert rows
    for row in rows:
        assert row[-4] == "yes", f"font not embedded: {row[0]}"
    assert any("Vera" not in row[0] for row in rows)  # a CJK font is among them


def test_every_page_carries_the_watermark() -> None:
    password = generate_password()
    pdf = locked_pdf(_doc("zh_CN", notes=4), password)
    pages = _pages(pdf, password)
    assert pages >= 3
    for page in range(1, pages + 1):
        text = _flat(_text(pdf, password, page))
        for part in (RECIPIENT, PURPOSE, "2026-03-09", "EXP-2026-0007"):
            assert _flat(part) in text, (page, part)


def test_private_notes_only_when_given() -> None:
    password = generate_password()
    assert "私人" not in _text(locked_pdf(_doc("en"), password), password)
    text = _text(locked_pdf(_doc("en", private="私人过程：对父亲的愤怒"), password), password)
    assert "私人过程：对父亲的愤怒" in text and "Private process notes" in text


def test_encryption_keeps_every_page() -> None:
    plain = render_pdf(_doc("en", notes=3))
    password = generate_password()
    assert _pages(encrypt_pdf(plain, password), password) == _pages(plain, "")


def test_exported_through_the_service_in_chinese(services: Services, tmp_path: Path) -> None:
    services.profile.save(Profile(name="林晓雯", room="心理咨询室 204", institution="示例大学"))
    client_id = services.clients.create(Client(code="A-001", name="张小明", gender="male",
                                               date_of_birth=date(2006, 5, 1))).id or 0
    consent = getattr(services, "consent", None)
    if consent is not None:
        consent.record_signed(client_id, date(2015, 1, 1), guardian_name="监护人")
    note = services.notes.create_draft(client_id, "soap", session_date=TODAY - timedelta(days=2))
    assert note.id is not None
    services.notes.save_draft(note.id, {k: f"{k} 的内容 — text" for k in note.content})
    services.notes.sign(note.id, "林晓雯")
    result = services.exports.export(client_id, Basis.exceptional("danger_self", "来访者表达了明确的自杀计划。"),
                                     ExportContents(kind="referral_letter", letter_text="建议住院评估。"),
                                     "北京安定医院急诊科", "危机转介", passphrase_ok=True, lang="zh_CN")
    text = _flat(_text(result.pdf_bytes, result.password))
    for phrase in ("转介信", "转介原因", "建议住院评估。", "致：北京安定医院急诊科",
                   "保密例外：来访者可能危及自身生命或安全", "来访者表达了明确的自杀计划。", "男", "2006-05-01",
                   "附咨询记录", "示例大学", result.number):
        assert _flat(phrase) in text, phrase
    # section titles come from the note form in the document's language
    for section in template("soap").sections:
        assert _flat(section.title("zh_CN")) in text


@pytest.mark.parametrize(("lang", "title"), [("en", "Authorization to release counseling records"),
                                             ("zh_CN", "咨询记录提供授权书")])
def test_release_form_prints_what_was_filled_in_and_lines_for_the_rest(lang: str, title: str) -> None:
    form = release_form.ReleaseForm(lang=lang, counselor="林晓雯", room="心理咨询室 204", client_name="张小明",
                                    recipient=RECIPIENT, purpose="", scope="本学期的咨询记录",
                                    expires_on=date(2026, 12, 31))
    pdf = release_form.render_pdf(form)
    assert pdf.startswith(b"%PDF")
    text = _flat(_run("pdftotext", "-", "-", data=pdf).stdout.decode())
    for phrase in (title, "张小明", RECIPIENT, "本学期的咨询记录", "2026-12-31", "____"):
        assert _flat(phrase) in text
    assert _run("pdfinfo", "-", data=pdf).stdout.decode().count("Encrypted:       no") == 1
    rows = [line.split() for line in _run("pdffonts", "-", data=pdf).stdout.decode().splitlines()[2:] if line]
    assert rows and all(row[-4] == "yes" for row in rows)


def test_an_empty_counselor_profile_still_makes_a_document() -> None:
    doc = _doc("en")
    empty = ExportDocument(**{**doc.__dict__, "counselor": [], "room": "", "institution": "", "letter_text": ""})
    password = generate_password()
    text = _text(locked_pdf(empty, password), password)
    assert "Counselor" in text and "Signature:" in text
