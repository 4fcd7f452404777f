"""Demo records of the risk part: assessments for a few percent of the clients, some of them flagged with a
safety plan, one flagged without a safety plan, one whose review is overdue, a flag reviewed and one cleared,
and one emergency measure. Every name and number here is made up."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from .demo_text import say, says
from .risk import (
    PROTECTIVE_FACTORS,
    RISK_FACTORS,
    Contact,
    EmergencyMeasure,
    Notification,
    RiskAssessment,
    SafetyPlanContent,
)
from .services import Services

_PLANS = [("每周两次咨询，两周后再评估；与来访者共同制定安全计划。",
           "Twice-weekly sessions, reassess in two weeks; a safety plan made with the client."),
          ("每周咨询；已约定安全计划；两周后再评估。", "Weekly sessions; safety plan agreed; reassess in two weeks."),
          ("建议到医院心理科就诊；征得同意后告知辅导员。",
           "Advised to see a hospital's psychology clinic; the class adviser told with the client's consent."),
          ("同意去校医院看医生；周五电话回访。", "Agreed to see the campus doctor; check in by phone on Friday.")]
_REASONS = [("PHQ-9 第9题得2分，近两周有自杀想法。",
             "PHQ-9 item 9 scored 2: thoughts of suicide in the last two weeks."),
            ("上个月有自伤（割伤）行为。", "Disclosed self-harm (cutting) last month."),
            ("与室友冲突后多次表达想伤害对方。",
             "Said several times after a quarrel that they want to hurt the room-mate."),
            ("在宿舍受到欺凌，感到不安全。", "Reports being bullied in the dormitory; feels unsafe.")]
_SIGNS = [(("整夜睡不着", "Awake all night"), ("不想回宿舍，一个人待着", "Avoiding the dormitory, staying alone")),
          (("整天躺在床上", "Staying in bed all day"), ("觉得没人会想念我", "Thinking nobody would miss me")),
          (("反复想考试失败的事", "Going over the failed exam again and again"), ("不想吃饭", "Not wanting to eat"))]
_COPING = [(("去操场走两圈", "Walk two laps of the sports ground"), ("听喜欢的歌", "Listen to favourite songs"),
            ("洗个热水澡", "Take a hot shower")),
           (("去跑步", "Go for a run"), ("画画", "Draw"), ("给姐姐打电话", "Call my sister"))]
_PLACES = [(("去图书馆三楼自习室", "The study room on the library's third floor"),
            ("找室友一起吃饭", "Have a meal with a room-mate")),
           (("校园咖啡馆", "The campus café"), ("周三的合唱排练", "Choir practice on Wednesday"))]
_HELPERS = [("妈妈", "Mum"), ("爸爸", "Dad"), ("室友小李", "Room-mate Xiao Li"), ("梅阿姨", "Aunt Mei")]


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def _assessment(rng: random.Random, client_id: int, when: datetime, high: bool, counselor: str) -> RiskAssessment:
    if high:
        self_harm = rng.choice(("high", "high", "moderate", "imminent"))
        others = rng.choice(("none", "none", "low", "high"))
    else:
        self_harm = rng.choice(("none", "low", "low", "moderate"))
        others = rng.choice(("none", "none", "low"))
    harmed = rng.choice(("none", "none", "none", "low", "moderate"))
    levels = ("none", "low", "moderate", "high", "imminent")
    overall = max((self_harm, others, harmed), key=levels.index)
    return RiskAssessment(client_id, when, self_harm, others, harmed,
                          tuple(rng.sample(sorted(RISK_FACTORS), rng.randint(1, 4))), "",
                          tuple(rng.sample(sorted(PROTECTIVE_FACTORS), rng.randint(1, 3))), "", overall,
                          say(rng.choice(_PLANS)) if overall != "none" else "", counselor)


def _plan(rng: random.Random, agreed_on: date) -> SafetyPlanContent:
    return SafetyPlanContent(
        warning_signs=says(rng.choice(_SIGNS)), coping_steps=says(rng.choice(_COPING)),
        distractions=says(rng.choice(_PLACES)),
        help_people=(Contact(say(rng.choice(_HELPERS)), _phone(rng)),),
        professionals=(Contact(say(("心理咨询中心值班电话", "Counseling centre duty phone")), "010-0000 0001"),
                       Contact(say(("林老师（心理咨询师）", "Ms Lin (counselor)")), "010-0000 0000")),
        environment=(say(("把药交给室友保管", "Medicines kept by a room-mate")),), agreed_on=agreed_on)


def populate_risk(services: Services, rng: random.Random, client_ids: list[int], today: date) -> None:
    """Risk records for a few percent of `client_ids` (fast enough for the 2,000 clients of `decade`)."""
    if not client_ids:
        return
    risk = services.risk
    counselor = services.profile.get().name or say(("林晓雯（演示）", "Lin Xiaowen (demo)"))
    ids = sorted(client_ids)
    already = [c.id for c in services.clients.list(include_archived=True) if c.risk_flag and c.id in set(ids)]
    count = max(8, len(ids) * 3 // 100)
    others = [i for i in ids if i not in set(already)]
    chosen = sorted(set(rng.sample(others, min(count, len(others)))))
    # the clients flagged in the client file get their reason and review date; a few more are flagged
    flagged = [i for i in already if i is not None] + chosen[: max(5, len(chosen) // 3)]
    flagged_set = set(flagged)
    with services.store.write():
        services.settings.set("risk.crisis_contacts", [  # made-up numbers: a room enters its own
            {"name": say(("学校心理咨询中心值班电话", "School counseling centre duty phone")),
             "phone": "010-0000 0001"},
            {"name": say(("心理援助热线（示例号码）", "Psychological assistance hotline (example number)")),
             "phone": "010-0000 0002"}])
        for client_id in chosen:
            if client_id in flagged_set:
                continue
            when = datetime.combine(today - timedelta(days=rng.randint(10, 300)), time(rng.randint(9, 16), 0))
            risk.save_assessment(_assessment(rng, client_id, when, False, counselor), now=when)
        for n, client_id in enumerate(flagged):
            raised = today - timedelta(days=rng.randint(5, 40))
            when = datetime.combine(raised, time(rng.randint(9, 16), 0))
            risk.save_assessment(_assessment(rng, client_id, when, True, counselor), now=when)
            overdue = n == 1
            review_on = today - timedelta(days=2) if overdue else today + timedelta(days=rng.randint(2, 20))
            if review_on <= raised:
                raised = review_on - timedelta(days=14)
            risk.raise_flag(client_id, say(rng.choice(_REASONS)), review_on, today=raised)
            if n != 0:  # the first flagged client has no safety plan yet
                risk.save_safety_plan(client_id, _plan(rng, raised), counselor, today=raised)
            if n == 2:
                risk.review_flag(client_id, say(("情绪较前平稳，继续每周咨询。", "Calmer; weekly sessions go on.")),
                                 today + timedelta(days=10), today=today - timedelta(days=1))
            if n == 3 and len(flagged) > 4:
                risk.clear_flag(client_id, say(("连续四周评估为低风险。", "Low risk at four weekly assessments.")),
                                today=today - timedelta(days=1))
            if n == 4:
                _measure(services, client_id, when + timedelta(hours=1), counselor)


def _measure(services: Services, client_id: int, when: datetime, counselor: str) -> None:
    client = services.clients.get(client_id)
    guardian = client.guardian_name or client.emergency_name or say(("家长", "Parent"))
    services.risk.record_measure(EmergencyMeasure(
        client_id, when, say(("咨询中表达明确的自杀计划", "Disclosed a specific suicide plan in session")),
        say(("陪伴来访者，陪同到校医院急诊，与家长一起制定安全计划。",
             "Stayed with the client, went with them to the campus hospital, agreed a safety plan with the "
             "parent.")),
        (Notification("guardian", guardian, when + timedelta(minutes=20)),
         Notification("school", say(("王老师（辅导员）", "Ms Wang, class adviser")), when + timedelta(minutes=30)),
         Notification("hospital", say(("校医院急诊值班医生", "Campus hospital, doctor on duty")),
                      when + timedelta(minutes=50))),
        "danger_self",
        say(("来访者有明确的计划和手段，存在紧迫的自杀风险。", "A specific plan and the means: imminent risk.")),
        say(("次日上午复诊；每周两次咨询。", "Seen again the next morning; twice-weekly sessions.")), counselor),
        now=when + timedelta(hours=2))
