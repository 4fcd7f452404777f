"""The printed consent form: every item with its text, the counselor's details, the recording choice, the
signature lines (the guardian's for a minor), version, document number and fingerprint on every page; fonts
embedded; text that extracts in Chinese and in English; the on-screen signature placed on the client's line."""

from __future__ import annotations

import io
import re
import shutil
from datetime import date, timedelta

import pypdfium2
import pytest
from PIL import Image

from counselroom.documents import consent_form
from counselroom.records.clients import Client
from counselroom.records.consent import blank_form_data, blank_form_pdf, builtin_template
from counselroom.records.profile import Profile
from counselroom.records.services import Services
from pdf_text import flat as _flat
from pdf_text import fonts as _fonts
from pdf_text import pages as _pages

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdffonts"),
                                reason="needs poppler-utils")
TODAY = date.today()


@pytest.fixture
def signed_minor(services: Services) -> tuple[Services, int]:
    services.profile.save(Profile(name="林晓雯", qualifications="国家二级心理咨询师", certificate_no="ZX-2026-0815",
                                  institution="示例大学", room="心理咨询室 204", contact="010-6275 0000"))
    dob = TODAY.replace(year=TODAY.year - 16)
    client_id = services.clients.create(Client(code="M-7", name="周雨桐", date_of_birth=dob,
                                               guardian_name="周建国")).id or 0
    consent = services.consent.record_checklist(client_id, recording=True)
    return services, consent.id


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_form_has_every_item_details_and_signature_lines(signed_minor: tuple[Services, int], lang: str) -> None:
    services, consent_id = signed_minor
    pdf = services.consent.form_pdf(consent_id, lang)
    text = _flat(pdf)
    template = builtin_template()
    for item in template.items:  # a minor: the guardian item too
        assert re.sub(r"\s+", "", item.title(lang)) in text
        first_line = item.text(lang).split("\n")[0]
        for key, value in (("{counselor}", "林晓雯"), ("{qualifications}", "国家二级心理咨询师"),
                           ("{certificate_no}", "ZX-2026-0815"), ("{institution}", "示例大学"),
                           ("{room}", "心理咨询室204"),
                           ("{retention}", services.consent.retention_promise(lang))):  # from the rules (12.8)
            first_line = first_line.replace(key, value)
        filled = first_line
        assert re.sub(r"\s+", "", filled)[:60] in text
    for value in ("林晓雯", "ZX-2026-0815", "示例大学", "心理咨询室204", "010-62750000", "周雨桐", "M-7", "周建国"):
        assert value in text
    labels = {"zh_CN": ["来访者签名", "监护人签名", "咨询师签名", "我同意对我的咨询进行录音或录像"],
              "en": ["Client'ssignature", "Guardian'ssignature", "Counselor'ssignature",
                     "Iagreetoaudioorvideorecordingofmysessions"]}[lang]
    for label in labels:
        assert label in text
    consent = services.consent.get(consent_id)
    data = services.consent.form_data(consent_id, lang)
    short = consent_form.short_fingerprint(consent_form.fingerprint(data))
    pages = _pages(pdf)
    assert len(pages) >= 2
    for page in pages:  # version, document number and fingerprint on every page
        flat = re.sub(r"\s+", "", page)
        assert consent.document_no in flat and short.replace(" ", "") in flat
        version = template.version
        assert (f"表单版本{version}" if lang == "zh_CN" else f"Formversion{version}") in flat


def test_fonts_are_embedded_in_both_languages(signed_minor: tuple[Services, int]) -> None:
    services, consent_id = signed_minor
    for lang in ("zh_CN", "en"):
        fonts = _fonts(services.consent.form_pdf(consent_id, lang))
        assert fonts and all(row[-5] == "yes" for row in fonts), fonts  # the "emb" column


def test_an_adult_form_has_no_guardian_line_and_the_fingerprint_follows_the_content(services: Services) -> None:
    client_id = services.clients.create(Client(code="A-2", name="Emily Chen", date_of_birth=date(1999, 1, 2))).id
    assert client_id
    consent = services.consent.record_checklist(client_id)
    text = _flat(services.consent.form_pdf(consent.id, "en"))
    assert "Guardian" not in text and "Iagreetoaudio" in text
    first = consent_form.fingerprint(services.consent.form_data(consent.id, "en"))
    services.consent.set_recording(consent.id, True)
    assert consent_form.fingerprint(services.consent.form_data(consent.id, "en")) != first


def test_the_on_screen_signature_is_placed_on_the_client_line(signed_minor: tuple[Services, int]) -> None:
    services, consent_id = signed_minor
    image = Image.new("RGB", (400, 120), "white")
    for x in range(40, 360):
        image.putpixel((x, 60 + (x % 20) - 10), (0, 0, 0))
    png = io.BytesIO()
    image.save(png, "PNG")
    before = services.consent.form_pdf(consent_id, "en")
    services.consent.sign_on_screen(consent_id, png.getvalue(), TODAY - timedelta(days=1))
    after = services.consent.form_pdf(consent_id, "en")
    assert b"/Subtype /Image" in after and b"/Subtype /Image" not in before
    assert "capturedonscreenon" + (TODAY - timedelta(days=1)).isoformat() in _flat(after)
    doc = pypdfium2.PdfDocument(after)
    last = doc[len(doc) - 1]
    assert any(obj.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE for obj in last.get_objects())


def test_the_blank_form_holds_no_client_data_and_leaves_lines_to_fill() -> None:
    for lang, words in (("zh_CN", ["心理咨询知情同意书", "保密例外", "空白表单",
                                   "监护人签名（来访者未满十八周岁时）"]),
                        ("en", ["Informedconsenttocounseling", "Exceptionstoconfidentiality", "Blankform",
                                "Guardian'ssignature(iftheclientisunder18)"])):
        pdf = blank_form_pdf(lang)
        text = _flat(pdf)
        for word in words:
            assert word in text
        assert "________" in text  # the counselor's details are written in by hand
    data = blank_form_data("en")
    assert data.blank and data.recording is None and not data.client_name


def test_the_group_agreement_form(services: Services) -> None:
    client_id = services.clients.create(Client(code="G-1", name="李雷")).id or 0
    group = services.consent.create_group("人际交往成长小组")
    services.consent.add_member(group.id, client_id)
    text = _flat(services.consent.agreement_form_pdf(group.id, client_id, "zh_CN"))
    for word in ("团体辅导保密协议", "人际交往成长小组", "李雷", "为其他成员保密", "成员签名"):
        assert word in text
    assert "监护人签名" not in text and "来访者签名" not in text
