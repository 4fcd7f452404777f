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
from .demo_screening import give_school_details
from .demo_text import current, demo_language, person, say
from .profile import Profile
from .services import Services

SIZES = {"small": 40, "decade": 2000, "large": 10000}
DEMO_PASSPHRASE = "demo-vault-passphrase"

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉婷雪琳晨欣怡宇浩然子涵梓轩雨桐思远佳琪嘉怡若曦"
# An international student in the English demo; in the Chinese demo the same draws give a Chinese name.
_EN_FIRST = [("雨萱", "Emily"), ("浩宇", "James"), ("诗涵", "Olivia"), ("子轩", "Liam"), ("梓涵", "Sophia"),
             ("宇航", "Noah"), ("欣妍", "Ava"), ("俊杰", "Ethan"), ("可馨", "Mia"), ("博文", "Lucas"),
             ("雅琪", "Grace"), ("志强", "Henry"), ("佳怡", "Chloe"), ("建国", "Daniel"), ("紫萱", "Zoe"),
             ("文涛", "Samuel"), ("丽华", "Lily"), ("晓东", "Jack"), ("慧敏", "Hannah"), ("天佑", "Leo")]
_EN_LAST = [("陈", "Chen"), ("王", "Wang"), ("史", "Smith"), ("李", "Li"), ("鲍", "Brown"), ("张", "Zhang"),
            ("戴", "Taylor"), ("刘", "Liu"), ("魏", "Wilson"), ("黄", "Huang"), ("伊", "Evans"), ("周", "Zhou"),
            ("韦", "Walker"), ("吴", "Wu"), ("胡", "Hughes"), ("林", "Lin"), ("葛", "Green"), ("赵", "Zhao"),
            ("何", "Hall"), ("徐", "Xu")]
_SCHOOLS = [(("心理学院", "School of Psychology"), ("应用心理学", "Applied Psychology")),
            (("计算机学院", "School of Computer Science"), ("软件工程", "Software Engineering")),
            (("外国语学院", "School of Foreign Languages"), ("英语", "English")),
            (("医学院", "School of Medicine"), ("临床医学", "Clinical Medicine")),
            (("工学院", "School of Engineering"), ("机械工程", "Mechanical Engineering")),
            (("经济管理学院", "School of Economics and Management"), ("会计学", "Accounting")),
            (("艺术学院", "School of Arts"), ("音乐学", "Music")),
            (("文学院", "School of Chinese Language and Literature"), ("汉语言文学", "Chinese Literature")),
            (("数学科学学院", "School of Mathematical Sciences"), ("统计学", "Statistics"))]
_NOTES = [("由辅导员转介，近期睡眠不好。", "Referred by the class adviser; sleeping badly lately."),
          ("自行预约，学业压力大。", "Self-referred; under heavy study pressure."),
          ("考试压力大，由宿舍辅导老师转介。", "Referred by the residence tutor after exam stress."),
          ("自行预约，正在适应大学生活。", "Self-referred; adjusting to university life."),
          ("家长陪同来访，情绪低落两周。", "Came with a parent; low mood for two weeks."), ("", "")]


def _chinese_name(rng: random.Random) -> str:
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(_SURNAMES) + given


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def make_client(rng: random.Random, n: int, today: date) -> Client:
    english = rng.random() < 0.2
    pseudonymous = rng.random() < 0.05
    if pseudonymous:
        name = ""
    elif english:
        first, last = rng.choice(_EN_FIRST), rng.choice(_EN_LAST)
        english_name = f"{first[1]} {last[1]}"
        name = english_name if current() == "mixed" else say((last[0] + first[0], english_name))
    else:
        name = person(_chinese_name(rng))
    intake_year = today.year - rng.randrange(0, 10)
    age_at_intake = rng.choice((16, 17, 18, 18, 19, 19, 20, 21, 22, 23, 25))
    dob = date(intake_year - age_at_intake, rng.randrange(1, 13), rng.randrange(1, 29))
    school, department = (say(p) for p in rng.choice(_SCHOOLS))
    minor = (today - dob).days < 18 * 365
    status = rng.choices(STATUSES, weights=(1, 2, 1, 6) if intake_year < today.year - 1 else (3, 6, 1, 2))[0]
    return Client(
        code=f"{intake_year}-{n:05d}", name=name,
        gender=rng.choice(("female", "female", "male", "male", "other", "")),
        date_of_birth=dob, phone=_phone(rng), school=school, department=department,
        class_name=_class_name(rng, intake_year),
        guardian_name=person(_chinese_name(rng)) if minor or rng.random() < 0.1 else "",
        guardian_phone=_phone(rng) if minor else "",
        emergency_name=person(_chinese_name(rng)), emergency_phone=_phone(rng), status=status,
        notes=say(rng.choice(_NOTES)))


def _class_name(rng: random.Random, intake_year: int) -> str:
    number = rng.randrange(1, 9)
    return say((f"{intake_year % 100:02d}级{number}班", f"Class {number}, {intake_year} intake"))


_PHRASES = {
    "concerns": [("近两周入睡困难，白天注意力下降。", "Trouble falling asleep for two weeks; poor concentration by day."),
                 ("期末考试临近，焦虑明显，担心挂科。", "Finals are near; clearly anxious, afraid of failing a course."),
                 ("与室友关系紧张，常感到孤独。", "Tension with the room-mates; often feels lonely."),
                 ("近三周情绪低落，对事情失去兴趣。", "Reports low mood and loss of interest for about three weeks."),
                 ("担心考研，每晚只睡五个小时。", "Worried about the graduate entrance exam; sleeping five hours a night."),
                 ("父母离异后情绪波动较大。", "Mood swings since the parents' divorce."),
                 ("想家，在新城市很难交到朋友。", "Feels homesick and finds it hard to make friends in the new city.")],
    "discussed": [("讨论了最近一周的睡眠日记和作息安排。", "Went through last week's sleep diary and daily routine."),
                  ("回顾了与导师沟通的经过，识别自动化思维。",
                   "Reviewed the talk with the supervisor; identified automatic thoughts."),
                  ("探讨了惊恐发作前发生了什么、持续多久。",
                   "We explored what happens before the panic starts and how long it lasts."),
                  ("谈到对未来职业方向的迷茫，以及家庭的期待。",
                   "Talked about being unsure of a career and the family's expectations."),
                  ("梳理了与室友的冲突以及可以怎么做。", "Talked through the conflict with the room-mate and options."),
                  ("来访者讲述了上周的一次争吵，情绪激动时哭泣。",
                   "The client told of a quarrel last week and cried when upset.")],
    "interventions": [("认知重构：挑战“我必须完美”的信念。", "Cognitive restructuring: challenging \"I must be perfect\"."),
                      ("放松训练：腹式呼吸与渐进式肌肉放松。",
                       "Relaxation training: abdominal breathing and progressive muscle relaxation."),
                      ("围绕学习习惯的动机式访谈。", "Motivational interviewing around study routines."),
                      ("问题解决训练，列出可行步骤。", "Problem-solving training; listed workable steps."),
                      ("睡眠卫生与焦虑循环的心理教育。", "Psychoeducation about sleep hygiene and the anxiety cycle."),
                      ("空椅子技术，处理未完成事件。", "Empty-chair work on unfinished business.")],
    "state": [("情绪平稳，语速正常，能主动表达。", "Calm; normal speech; speaks up readily."),
              ("神情疲惫，眼神交流少，偶有沉默。", "Looks tired; little eye contact; some silences."),
              ("投入、善于反思，情感与内容一致。", "Engaged and reflective; affect congruent."),
              ("焦虑明显，双手不停搓动。", "Clearly anxious; keeps rubbing the hands."),
              ("比上周平静，时有微笑。", "Calmer than last week; smiled at times.")],
    "risk": [("否认自伤、自杀想法。", "Denies thoughts of self-harm or suicide."),
             ("未报告自伤想法；保护因素：家人、朋友。",
              "No thoughts of self-harm reported; protective factors: family, friends."),
             ("偶有“活着没意思”的念头，无计划，无行为，已约定安全计划。",
              "At times feels \"life is pointless\"; no plan, no act; a safety plan agreed."),
             ("否认伤害自己或他人的想法。", "Denies harm to self or others.")],
    "homework": [("每天记录睡眠日记。", "Keep a sleep diary every day."),
                 ("每天练习放松训练十分钟。", "Practise relaxation for ten minutes a day."),
                 ("每天写下三件顺利的事。", "Write down three things that went well each day."),
                 ("主动约一位同学一起吃饭。", "Ask a classmate to have a meal together."),
                 ("睡不着时试试“20分钟规则”。", "Try the 20-minute rule when unable to sleep.")],
    "plan": [("下周同一时间继续咨询。", "Next session at the same time next week."),
             ("两周后复诊，评估睡眠改善情况。", "See again in two weeks; assess how the sleep has improved."),
             ("下周继续咨询，回顾思维记录表。", "Next session in one week; review the thought record."),
             ("如症状加重，建议转介至医院心理科。", "If symptoms worsen, refer to a hospital's psychology clinic."),
             ("计划改为两周一次咨询。", "Plan to space sessions to fortnightly.")],
}
_PRIVATE = [("咨询师感受：对来访者的无助感有较强共鸣，需在督导中讨论。",
             "My feelings: strongly moved by the client's helplessness; take to supervision."),
            ("假设：完美主义源于家庭。", "Hypothesis: perfectionism learned in the family."),
            ("反移情：我有想替他做决定的冲动。", "Countertransference: I feel an urge to decide for the client."),
            ("注意到自己在本次咨询中很疲惫，带到督导中。", "Notice my own fatigue in this session; bring to supervision.")]
_REVIEWS = [("讨论了咨询频率，改为两周一次。", "Discussed how often to meet; now once a fortnight."),
            ("与来访者讨论了依赖风险，约定了结束日期。",
             "Reviewed the dependence risk with the client; agreed on an ending date.")]
_CLOSURE = [("咨询目标基本达成，来访者睡眠和情绪明显改善。",
             "Goals largely met; the client's sleep and mood clearly better."),
            ("来访者决定考试后结束咨询，欢迎随时再来。", "Client chose to end after the exams; door left open."),
            ("已转介至医院心理科继续治疗。", "Referred to a hospital's psychology clinic for further treatment."),
            ("毕业离校，结束咨询。", "Graduated and left; counseling ended.")]
_QUESTION = ("如果我告诉老师我失眠，会被通知家长吗？", "If I tell a teacher I can't sleep, will my parents be told?")
_NO_RECORDING = ("不再希望录音。", "No longer wishes to be recorded.")
_ADDENDUM = ("补充：", "Addendum: ")


def _note_text(rng: random.Random, keys: list[str]) -> dict[str, str]:
    """About 1.5 KB per note, in the demo's language."""
    out = {}
    for key in keys:
        bank = _PHRASES.get(key) or _PHRASES["discussed"]
        out[key] = "".join(_sentence(say(rng.choice(bank)), rng.random()) for _ in range(rng.randint(3, 6))).strip()
    return out


def _sentence(text: str, _draw: float) -> str:
    """A sentence as written in its language: Chinese ones run on after "。", English ones take a space (the
    draw that used to choose the space is still taken, so a seed gives the same records)."""
    return text if text.endswith(("。", "！", "？", "”")) else text + " "


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
        questions={"exceptions": say(_QUESTION)} if rng.random() < 0.1 else None)
    if rng.random() < 0.9:
        signed_on = min(date.today(), date(int(client.code.split("-")[0]), 1, 1) + timedelta(days=rng.randint(0, 300)))
        services.consent.sign_on_paper(consent.id, signed_on)
        if services.consent.status(client.id) == "guardian_unsigned":  # under 18: the guardian signs too
            services.consent.guardian_sign_on_paper(consent.id, client.guardian_name or "监护人", signed_on)
        if consent.recording and rng.random() < 0.1:
            services.consent.withdraw(consent.id, "recording", min(date.today(), signed_on + timedelta(days=30)),
                                      say(_NO_RECORDING))


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
                private = say(rng.choice(_PRIVATE)) if rng.random() < 0.2 else None
                services.notes.save_draft(note.id, _note_text(rng, list(note.content)), private_text=private)
                if (today - day).days > 7 or rng.random() < 0.5:
                    services.notes.sign(note.id, counselor)
                    if rng.random() < 0.02:
                        services.notes.add_addendum(note.id, say(_ADDENDUM) + say(rng.choice(_PHRASES["state"])),
                                                    counselor)
        day += timedelta(days=7 * rng.choice((1, 1, 1, 2)))
    if planned > 12 and rng.random() < 0.3:
        services.dependency.record_review(client.id, say(rng.choice(_REVIEWS)),
                                          datetime.combine(min(day, today), time(17, 0)))
    if client.status == "closed" and day < today:
        reason = rng.choice(("goals_met", "client_ended", "referred", "graduated_left"))
        services.closures.close(client.id, reason, say(rng.choice(_CLOSURE)), min(day, today))
    return planned


def populate(services: Services, size: str = "small", seed: int = 1,
             progress: Callable[[int, int], None] | None = None, today: date | None = None,
             lang: str = "mixed") -> None:
    """Made-up records of `size`, written in `lang`: zh_CN or en (the same records in either language), or
    mixed (both, for measuring; see demo_text.py)."""
    with demo_language(lang):
        _populate(services, size, seed, progress, today)


def _populate(services: Services, size: str, seed: int, progress: Callable[[int, int], None] | None,
              today: date | None) -> None:
    if size not in SIZES:
        raise ValueError(f"unknown demo size: {size}")
    rng = random.Random(seed)
    school_rng = random.Random(seed * 7919 + 15)  # its own draws: the other records stay as they were for a seed
    today = today or date.today()
    total = SIZES[size]
    counselor = say(("林晓雯（演示）", "Lin Xiaowen (demo)"))
    with services.store.write():
        services.profile.save(Profile(
            name=counselor, qualifications=say(("国家二级心理咨询师", "Registered counselor, national level 2")),
            certificate_no="DEMO-0000", institution=say(("示例大学", "Example University")),
            room=say(("心理咨询室 204", "Counseling room 204")), contact="010-0000 0000"))
        for n in range(1, total + 1):
            client = services.clients.create(make_client(rng, n, today))
            _consent(services, rng, client)
            give_school_details(services, school_rng, client)  # before the sessions: a closure confirms them
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
    from .demo_screening import populate_screening
    from .demo_tests import populate_tests

    ids = [c.id for c in services.clients.list(include_archived=True) if c.id is not None]
    populate_tests(services, rng, ids, today)
    populate_risk(services, rng, ids, today)
    populate_referrals(services, rng, ids, today)
    populate_training(services, rng, today, years=10)
    from .demo_retention import populate_retention

    populate_retention(services, rng, today)
    populate_screening(services, rng, ids, today, _chinese_name)


def _group(services: Services, rng: random.Random, today: date) -> None:
    """One group with a roster; one member has not signed the group confidentiality agreement yet."""
    members = [c for c in services.clients.list(status="active") if c.id is not None][:6]
    if len(members) < 3:
        return
    group = services.consent.create_group(say(("考试焦虑团体辅导", "Exam stress group")),
                                          say(("每周四下午，共六次", "Thursday afternoons, six sessions")))
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
