"""Synthetic, realistic records for demonstration and measurement. Every name here is made up.

Sizes: `small` (a few dozen clients, for a first look), `decade` (a busy school room's ten years:
about 2,000 clients), `large` (five times that). The same seed always gives the same records.
Later record kinds add their own generators to `populate`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from .appointments import Appointment
from .clients import STATUSES, Client
from .profile import Profile
from .services import Services

SIZES = {"small": 40, "decade": 2000, "large": 10000}
DEMO_PASSPHRASE = "demo-vault-passphrase"

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉婷雪琳晨欣怡宇浩然子涵梓轩雨桐思远佳琪嘉怡若曦"
_EN_FIRST = ["Emily", "James", "Olivia", "Liam", "Sophia", "Noah", "Ava", "Ethan", "Mia", "Lucas", "Grace",
             "Henry", "Chloe", "Daniel", "Zoe", "Samuel", "Lily", "Jack", "Hannah", "Leo"]
_EN_LAST = ["Chen", "Wang", "Smith", "Li", "Brown", "Zhang", "Taylor", "Liu", "Wilson", "Huang", "Evans",
            "Zhou", "Walker", "Wu", "Hughes", "Lin", "Green", "Zhao", "Hall", "Xu"]
_SCHOOLS = [("心理学院", "应用心理学"), ("计算机学院", "软件工程"), ("外国语学院", "英语"), ("医学院", "临床医学"),
            ("School of Engineering", "Mechanical Engineering"), ("经济管理学院", "会计学"),
            ("School of Arts", "Music"), ("文学院", "汉语言文学"), ("数学科学学院", "统计学")]
_NOTES = ["由辅导员转介，近期睡眠不好。", "自行预约，学业压力大。",
          "Referred by the residence tutor after exam stress.",
          "Self-referred; adjusting to university life.", "家长陪同来访，情绪低落两周。", ""]


def _chinese_name(rng: random.Random) -> str:
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(_SURNAMES) + given


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def make_client(rng: random.Random, n: int, today: date) -> Client:
    english = rng.random() < 0.2
    pseudonymous = rng.random() < 0.05
    name = "" if pseudonymous else (f"{rng.choice(_EN_FIRST)} {rng.choice(_EN_LAST)}" if english
                                    else _chinese_name(rng))
    intake_year = today.year - rng.randrange(0, 10)
    age_at_intake = rng.choice((16, 17, 18, 18, 19, 19, 20, 21, 22, 23, 25))
    dob = date(intake_year - age_at_intake, rng.randrange(1, 13), rng.randrange(1, 29))
    school, department = rng.choice(_SCHOOLS)
    minor = (today - dob).days < 18 * 365
    status = rng.choices(STATUSES, weights=(1, 2, 1, 6) if intake_year < today.year - 1 else (3, 6, 1, 2))[0]
    return Client(
        code=f"{intake_year}-{n:05d}", name=name,
        gender=rng.choice(("female", "female", "male", "male", "other", "")),
        date_of_birth=dob, phone=_phone(rng), school=school, department=department,
        class_name=(f"Class {rng.randrange(1, 9)}" if english
                    else f"{intake_year % 100:02d}级{rng.randrange(1, 9)}班"),
        guardian_name=_chinese_name(rng) if minor or rng.random() < 0.1 else "",
        guardian_phone=_phone(rng) if minor else "",
        emergency_name=_chinese_name(rng), emergency_phone=_phone(rng), status=status,
        notes=rng.choice(_NOTES))


_PHRASES = {
    "concerns": ["近两周入睡困难，白天注意力下降。", "期末考试临近，焦虑明显，担心挂科。", "与室友关系紧张，常感到孤独。",
                 "Reports low mood and loss of interest for about three weeks.",
                 "Worried about the graduate entrance exam; sleeping five hours a night.", "父母离异后情绪波动较大。",
                 "Feels homesick and finds it hard to make friends in the new city."],
    "discussed": ["讨论了最近一周的睡眠日记和作息安排。", "回顾了与导师沟通的经过，识别自动化思维。",
                  "We explored what happens before the panic starts and how long it lasts.",
                  "谈到对未来职业方向的迷茫，以及家庭的期待。", "Talked through the conflict with the roommate and options.",
                  "来访者讲述了上周的一次争吵，情绪激动时哭泣。"],
    "interventions": ["认知重构：挑战“我必须完美”的信念。", "放松训练：腹式呼吸与渐进式肌肉放松。",
                      "Motivational interviewing around study routines.", "问题解决训练，列出可行步骤。",
                      "Psychoeducation about sleep hygiene and the anxiety cycle.", "空椅子技术，处理未完成事件。"],
    "state": ["情绪平稳，语速正常，能主动表达。", "神情疲惫，眼神交流少，偶有沉默。",
              "Engaged and reflective; affect congruent.", "焦虑明显，双手不停搓动。", "Calmer than last week; smiled at times."],
    "risk": ["否认自伤、自杀想法。", "No thoughts of self-harm reported; protective factors: family, friends.",
             "偶有“活着没意思”的念头，无计划，无行为，已约定安全计划。", "Denies harm to self or others."],
    "homework": ["每天记录睡眠日记。", "每天练习放松训练十分钟。", "Write down three things that went well each day.",
                 "主动约一位同学一起吃饭。", "Try the 20-minute rule when unable to sleep."],
    "plan": ["下周同一时间继续咨询。", "两周后复诊，评估睡眠改善情况。", "Next session in one week; review the thought record.",
             "如症状加重，建议转介至医院心理科。", "Plan to space sessions to fortnightly."],
}
_PRIVATE = ["咨询师感受：对来访者的无助感有较强共鸣，需在督导中讨论。", "Hypothesis: perfectionism learned in the family.",
            "反移情：我有想替他做决定的冲动。", "Notice my own fatigue in this session; bring to supervision."]
_REVIEWS = ["讨论了咨询频率，改为两周一次。", "Reviewed the dependence risk with the client; agreed on an ending date."]
_CLOSURE = ["咨询目标基本达成，来访者睡眠和情绪明显改善。", "Client chose to end after the exams; door left open.",
            "已转介至医院心理科继续治疗。", "毕业离校，结束咨询。"]


def _note_text(rng: random.Random, keys: list[str]) -> dict[str, str]:
    """About 1.5 KB of mixed Chinese and English per note."""
    out = {}
    for key in keys:
        bank = _PHRASES.get(key) or _PHRASES["discussed"]
        out[key] = "".join(rng.choice(bank) + ("" if rng.random() < 0.5 else " ") for _ in range(rng.randint(3, 6)))
    return out


def _consent(services: Services, rng: random.Random, client: Client) -> None:
    """Most clients consented and signed; some are still going through the checklist (pending)."""
    assert client.id is not None
    if client.status == "intake" and rng.random() < 0.5:
        first_items = [i.id for i in services.consent.state(client.id).items][:rng.randint(0, 5)]
        if first_items:
            services.consent.record_checklist(client.id, first_items)
        return
    consent = services.consent.record_checklist(
        client.id, recording=rng.random() < 0.3,
        questions={"exceptions": "如果我告诉老师我失眠，会被通知家长吗？"} if rng.random() < 0.1 else None)
    if rng.random() < 0.9:
        signed_on = min(date.today(), date(int(client.code.split("-")[0]), 1, 1) + timedelta(days=rng.randint(0, 300)))
        services.consent.sign_on_paper(consent.id, signed_on)
        if services.consent.status(client.id) == "guardian_unsigned":  # under 18: the guardian signs too
            services.consent.guardian_sign_on_paper(consent.id, client.guardian_name or "监护人", signed_on)
        if consent.recording and rng.random() < 0.1:
            services.consent.withdraw(consent.id, "recording", min(date.today(), signed_on + timedelta(days=30)),
                                      "不再希望录音。")


def _sessions(services: Services, rng: random.Random, client: Client, today: date, counselor: str) -> int:
    """A run of weekly sessions from the client's intake; returns how many were planned."""
    assert client.id is not None
    if services.consent.status(client.id) != "signed":
        return 0  # no sessions before a signed consent
    intake_year = int(client.code.split("-")[0])
    first = date(intake_year, rng.randint(1, 12), rng.randint(1, 28))
    if first >= today:
        first = today - timedelta(days=rng.randint(1, 60))
    first = max(first, services.consent.first_consent_day(client.id) or first)  # no session before it was signed
    count = max(1, int(rng.expovariate(1 / 19)))
    if client.status == "intake":
        count = 1
    day, planned = first, 0
    for n in range(count):
        start = datetime.combine(day, time(rng.choice((9, 10, 14, 15, 16)), rng.choice((0, 30))))
        end = start + timedelta(minutes=50)
        if n > 0 and day > today + timedelta(days=14):
            break
        a = services.appointments.create(Appointment(client.id, start, end, kind="first" if n == 0 else
                                                     rng.choice(("follow_up",) * 9 + ("test",))))
        assert a.id is not None
        planned += 1
        if day >= today:
            day += timedelta(days=7 * rng.choice((1, 1, 1, 2)))
            continue
        roll = rng.random()
        if roll < 0.05:
            services.appointments.record_attendance(a.id, "no_show")
        elif roll < 0.13:
            services.appointments.cancel(a.id, "client" if roll < 0.10 else "counselor")
        else:
            late = rng.random() < 0.08
            actual = start + timedelta(minutes=rng.randint(6, 25) if late else rng.randint(0, 3))
            who = ("counselor" if actual.minute % 5 == 0 else "client") if late else None  # no extra draw
            services.appointments.record_attendance(a.id, "attended", actual, actual + timedelta(minutes=50), who)
            if (today - day).days <= 3 and rng.random() < 0.6:
                pass  # a note not written yet: shows up as overdue
            else:
                tpl = rng.choices(("standard", "soap", "dap"), weights=(8, 1, 1))[0]
                note = services.notes.create_draft(client.id, tpl, appointment_id=a.id)
                assert note.id is not None
                private = rng.choice(_PRIVATE) if rng.random() < 0.2 else None
                services.notes.save_draft(note.id, _note_text(rng, list(note.content)), private_text=private)
                if (today - day).days > 7 or rng.random() < 0.5:
                    services.notes.sign(note.id, counselor)
                    if rng.random() < 0.02:
                        services.notes.add_addendum(note.id, "补充：" + rng.choice(_PHRASES["state"]), counselor)
        day += timedelta(days=7 * rng.choice((1, 1, 1, 2)))
    if planned > 12 and rng.random() < 0.3:
        services.dependency.record_review(client.id, rng.choice(_REVIEWS),
                                          datetime.combine(min(day, today), time(17, 0)))
    if client.status == "closed" and day < today:
        reason = rng.choice(("goals_met", "client_ended", "referred", "graduated_left"))
        services.closures.close(client.id, reason, rng.choice(_CLOSURE), min(day, today))
    return planned


def populate(services: Services, size: str = "small", seed: int = 1,
             progress: Callable[[int, int], None] | None = None, today: date | None = None) -> None:
    if size not in SIZES:
        raise ValueError(f"unknown demo size: {size}")
    rng = random.Random(seed)
    today = today or date.today()
    total = SIZES[size]
    counselor = "林晓雯 (demo)"
    with services.store.write():
        services.profile.save(Profile(
            name=counselor, qualifications="国家二级心理咨询师 / Counseling psychologist",
            certificate_no="DEMO-0000", institution="示例大学 Example University", room="心理咨询室 Room 204",
            contact="010-0000 0000"))
        for n in range(1, total + 1):
            client = services.clients.create(make_client(rng, n, today))
            _consent(services, rng, client)
            _sessions(services, rng, client, today, counselor)
            if progress and n % 100 == 0:
                progress(n, total)
        _adapt_consent_form(services)
        _this_week(services, rng, today)
        _group(services, rng, today)
        _practice_records(services, rng, today)


def _practice_records(services: Services, rng: random.Random, today: date) -> None:
    """Tests, risk records, referrals, the training log and retention (issue 7), each part's own generator."""
    from .demo_referrals import populate_referrals, populate_training
    from .demo_risk import populate_risk
    from .demo_tests import populate_tests

    ids = [c.id for c in services.clients.list(include_archived=True) if c.id is not None]
    populate_tests(services, rng, ids, today)
    populate_risk(services, rng, ids, today)
    populate_referrals(services, rng, ids, today)
    populate_training(services, rng, today, years=10)
    from .demo_retention import populate_retention

    populate_retention(services, rng, today)


def _group(services: Services, rng: random.Random, today: date) -> None:
    """One group with a roster; one member has not signed the group confidentiality agreement yet."""
    members = [c for c in services.clients.list(status="active") if c.id is not None][:6]
    if len(members) < 3:
        return
    group = services.consent.create_group("考试焦虑团体辅导 Exam stress group", "每周四下午，共六次 / Thursdays, six sessions")
    for n, client in enumerate(members):
        services.consent.add_member(group.id, client.id or 0, today - timedelta(days=14))
        if n:
            services.consent.record_agreement(group.id, client.id or 0, today - timedelta(days=rng.randint(7, 14)))


def _this_week(services: Services, rng: random.Random, today: date) -> None:
    """A full-looking appointment book around today, so that the day and week views have something to show;
    Monday's first sessions were held without a note yet, so they are overdue from Wednesday on."""
    active = [c for c in services.clients.list(status="active") if c.id is not None]
    rng.shuffle(active)
    monday = today - timedelta(days=today.weekday())
    rest = [(d, h) for d in range(5) for h in (9, 10, 14, 15, 16) if (d, h) not in ((0, 9), (0, 14))]
    rng.shuffle(rest)
    rest.sort(key=lambda slot: slot[0] != today.weekday())  # today's slots first: the dashboard opens on them
    for client, (d, h) in zip(active[:12], [(0, 9), (0, 14), *rest], strict=False):
        start = datetime.combine(monday + timedelta(days=d), time(h, 0))
        end = start + timedelta(minutes=50)
        taken = [a for a in services.appointments.for_client(client.id or 0) if a.planned_start.date() == start.date()]
        if taken or services.appointments.overlapping(Appointment(client.id or 0, start, end)):
            continue
        a = services.appointments.create(Appointment(client.id or 0, start, end))
        if start.date() < today and a.id is not None:
            services.appointments.record_attendance(a.id, "attended", start, end)


def _adapt_consent_form(services: Services) -> None:
    """The room adapted its form once (version 2): clients who signed version 1 and are still seen need to
    re-consent; the demo lets a few of them stay out of date and re-consents the rest."""
    from dataclasses import replace

    template = services.consent.template()
    items = tuple(replace(i, texts={**i.texts, "zh_CN": i.texts["zh_CN"] + "每学期开学第一周暂停咨询。",
                                    "en": i.texts["en"] + " There are no sessions in the first week of term."})
                  if i.id == "arrangements" else i for i in template.items)
    services.consent.save_template(replace(template, items=items))
    signed = [c for c in services.clients.list() if c.id is not None and c.status != "closed"
              and services.consent.status(c.id) == "out_of_date"]
    for n, client in enumerate(signed):
        assert client.id is not None
        if n % 4 == 0:
            continue  # out of date: the dashboard and the consent tab ask for re-consent
        services.consent.record_signed(client.id, date.today())
