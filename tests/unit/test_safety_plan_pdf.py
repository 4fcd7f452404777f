"""The safety plan printed for the client: every section with the client's words, the contacts with their
numbers (a line to write on where a number is missing), in Chinese and in English, fonts embedded, no
client code, only a small document number; a section left empty leaves lines to write on."""

from __future__ import annotations

import shutil
from datetime import date

import pypdfium2
import pytest

from counselroom.documents.safety_plan import SafetyPlanDocument, render_pdf
from counselroom.records.clients import Client
from counselroom.records.profile import Profile
from counselroom.records.risk import Contact, SafetyPlanContent
from counselroom.records.services import Services
from pdf_text import flat as _flat
from pdf_text import fonts as _fonts
from pdf_text import pages as _pages

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdffonts"),
                                reason="needs poppler-utils")


@pytest.fixture
def client_plan(services: Services) -> tuple[Services, int]:
    services.profile.save(Profile(name="林晓雯", institution="示例大学", room="心理咨询室 204",
                                  contact="010-0000 0000"))
    cid = services.clients.create(Client(code="SP-CODE-77", name="张小明")).id or 0
    services.risk.save_safety_plan(cid, SafetyPlanContent(
        warning_signs=("整夜睡不着", "Avoiding my room-mates"), coping_steps=("去操场走两圈", "Listen to music"),
        distractions=("图书馆三楼自习室",), help_people=(Contact("妈妈", "13800000002"),),
        professionals=(Contact("学校心理咨询中心值班电话", ""), Contact("林老师（心理咨询师）", "010-0000 0001")),
        environment=("把药交给室友保管",), reasons_for_living="我的猫", agreed_on=date(2026, 3, 2)), "林晓雯")
    return services, cid


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_plan_has_every_section_the_client_words_and_the_numbers(client_plan: tuple[Services, int],
                                                                     lang: str) -> None:
    services, cid = client_plan
    pdf = services.risk.safety_plan_pdf(cid, lang)
    text = _flat(pdf)
    for words in ("张小明", "整夜睡不着", "Avoidingmyroom-mates", "去操场走两圈", "图书馆三楼自习室", "妈妈",
                  "13800000002", "学校心理咨询中心值班电话", "010-00000001", "把药交给室友保管", "我的猫",
                  "2026-03-02", "林晓雯"):
        assert words in text, words
    headings = {"zh_CN": ["我的安全计划", "提醒我难熬的时刻可能要来了的信号", "我可以求助的人",
                          "我可以联系的专业人员和危机热线", "让我身边的环境更安全", "我的签名", "最近的医院急诊"],
                "en": ["Mysafetyplan", "Signsthatahardtimemaybestarting", "PeopleIcanaskforhelp",
                       "ProfessionalsandcrisislinesIcancontact", "Makingmysurroundingssafer", "Mysignature",
                       "nearesthospitalemergency"]}[lang]
    for heading in headings:
        assert heading in text, heading
    plan = services.risk.safety_plan(cid)
    assert plan is not None
    assert plan.document_no in text and "SP-CODE-77" not in text  # a document number, never the client code
    assert len(_pages(pdf)) == 1


def test_fonts_are_embedded_in_both_languages(client_plan: tuple[Services, int]) -> None:
    services, cid = client_plan
    for lang in ("zh_CN", "en"):
        fonts = _fonts(services.risk.safety_plan_pdf(cid, lang))
        assert fonts and all(row[-5] == "yes" for row in fonts), fonts  # the "emb" column


def test_the_type_is_large_enough_to_read() -> None:
    pdf = render_pdf(SafetyPlanDocument(lang="en", client_name="Emily Chen", warning_signs=("Can't sleep",)))
    doc = pypdfium2.PdfDocument(pdf)
    page = doc[0].get_textpage()
    sizes = []
    for i in range(page.count_chars()):
        if page.get_text_range(i, 1).strip():
            sizes.append(pypdfium2.raw.FPDFText_GetFontSize(page.raw, i))
    body = sorted(sizes)[len(sizes) // 2]
    assert body >= 11.5  # the median character: the plan's own words and headings, not the footer


def test_an_empty_section_leaves_lines_and_a_nameless_client_a_line_for_the_name() -> None:
    for lang, words in (("en", ["Thisplanisfor:", "PeopleIcanaskforhelp", "Wemadethisplantogetheron:"]),
                        ("zh_CN", ["这份计划属于：", "我可以求助的人", "我们一起制定这份计划的日期："])):
        pdf = render_pdf(SafetyPlanDocument(lang=lang, coping_steps=("Walk",)))
        text = _flat(pdf)
        for word in words:
            assert word in text, word
        assert "______" in text
        doc = pypdfium2.PdfDocument(pdf)
        lines = [o for o in doc[0].get_objects() if o.type == pypdfium2.raw.FPDF_PAGEOBJ_PATH]
        assert len(lines) >= 10  # writing lines under the empty sections, not only the boxes
