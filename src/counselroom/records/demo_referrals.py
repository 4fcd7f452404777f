"""Demo referrals and a demo training log (synthetic, for `counselroom demo` and the benchmarks).

A few percent of the clients are referred (most of them those whose status is "referred"); older
referrals have their outcome, recent ones are open, some of them past their follow-up date. The training
log has entries in each year, the earlier years about at the target, this year part way to it.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from .demo_text import say
from .referrals import ReferralDraft
from .services import Services

SHARE_OF_CLIENTS = 0.04
_RECIPIENTS = [(("王医生", "Dr Wang"), ("北京大学第六医院", "Peking University Sixth Hospital"),
                ("精神科", "Psychiatry"), "010-8280 1984"),
               (("", ""), ("北京安定医院", "Beijing Anding Hospital"), ("心理科", "Clinical Psychology"),
                "010-5830 3000"),
               (("刘主任", "Director Liu"), ("市精神卫生中心", "City Mental Health Centre"),
                ("青少年心理门诊", "Adolescent clinic"), ""),
               (("陈老师", "Ms Chen"), ("市心理援助热线", "City psychological assistance hotline"), ("", ""),
                "010-8295 1332"),
               (("", ""), ("校医院", "Campus hospital"), ("心理门诊", "Psychology clinic"), "校内 6123"),
               (("米勒医生", "Dr Miller"), ("国际医疗中心", "International Medical Center"), ("精神科", "Psychiatry"),
                "+86 10 6465 1561"),
               (("赵老师", "Mr Zhao"), ("家乡市中学心理咨询室", "Counseling room of a school in the home town"),
                ("", ""), "")]
_REASONS = [("beyond_competence", ("进食问题，超出我的胜任力范围", "An eating problem, beyond my competence")),
            ("medical_assessment", ("持续失眠与情绪低落，需评估是否用药",
                                    "Lasting insomnia and low mood: medication to be assessed")),
            ("medical_assessment", ("疑似双相情感障碍，需精神科诊断",
                                    "Possible bipolar disorder: needs a psychiatric diagnosis")),
            ("client_request", ("来访者希望接受长程咨询", "The client wants long-term therapy")),
            ("dual_relationship", ("来访者是我任课班级的学生", "The client is a student in a class I teach")),
            ("client_leaving", ("毕业离校，回家乡继续咨询", "Graduating; counseling continues in the home town")),
            ("other", ("需要家庭治疗", "Family therapy needed"))]
_SCOPES = [("转介原因与近两月咨询概况", "Reason for referral and the last two months of counseling in brief"),
           ("评估结果与风险评估", "Test results and the risk assessment"), ("转介原因", "Reason for referral"),
           ("转介原因和简要概况", "Reason for referral and a short summary")]
_OUTCOMES = [("attended", ("已按时就诊，开始治疗", "Went to the appointment; treatment has begun")),
             ("attended", ("已就诊，医生建议继续在咨询室随访",
                           "Seen; the doctor advises follow-up in the counseling room")),
             ("not_attended", ("来访者决定暂不前往", "The client decided not to go for now")),
             ("unknown", ("多次联系未果", "Could not be reached after several tries"))]
_WAITING = ("医院排队中，约两周后就诊", "On the hospital's waiting list; seen in about two weeks")
_TRAINING = [("course", ("认知行为疗法（CBT）连续培训", "Cognitive behavioural therapy (CBT), continuing course"),
              ("中国心理学会", "Chinese Psychological Society"), ("继续教育学分 8", "8 continuing education credits")),
             ("course", ("危机干预与自杀风险评估", "Crisis intervention and suicide risk assessment"),
              ("北京心理危机研究与干预中心", "Beijing Suicide Research and Prevention Center"),
              ("结业证书", "Certificate")),
             ("course", ("动机式访谈入门", "Motivational interviewing basics"), ("网络课程", "Online course"),
              ("结业证书", "Certificate")),
             ("conference", ("全国高校心理健康教育学术年会", "National conference on student mental health education"),
              ("教育部高校心理健康教育专家指导委员会", "Ministry of Education expert committee"),
              ("参会证明", "Certificate of attendance")),
             ("conference", ("家庭治疗研讨会", "Family therapy symposium"),
              ("中国心理卫生协会", "Chinese Mental Health Association"), ("", "")),
             ("supervision_individual", ("个案督导：焦虑个案", "Case supervision: an anxiety case"),
              ("张督导（注册督导师）", "Dr Zhang (registered supervisor)"), ("", "")),
             ("supervision_group", ("团体督导：危机个案讨论", "Group supervision: crisis cases"),
              ("李督导", "Dr Li"), ("", "")),
             ("peer_supervision", ("同辈督导：本校咨询师案例研讨", "Peer supervision: case discussion with colleagues"),
              ("咨询中心同事", "Colleagues at the counseling centre"), ("", "")),
             ("personal_therapy", ("个人体验", "Personal therapy"), ("", ""), ("", "")),
             ("other", ("专业书籍读书会", "Professional reading group"), ("", ""), ("", ""))]


def populate_referrals(services: Services, rng: random.Random, client_ids: list[int], today: date) -> None:
    """Refer a few percent of these clients: older referrals followed up to their outcome, recent ones open
    (some awaiting follow-up, some still waiting after a first follow-up)."""
    if not client_ids:
        return
    statuses = {c.id: c.status for c in services.clients.list(include_archived=True) if c.id is not None}
    wanted = max(1, round(len(client_ids) * SHARE_OF_CLIENTS))
    referred = [c for c in client_ids if statuses.get(c) == "referred"]
    rng.shuffle(referred)
    others = [c for c in client_ids if statuses.get(c) != "referred"]
    chosen = referred[:wanted]
    if len(chosen) < wanted and others:
        chosen += rng.sample(others, min(len(others), wanted - len(chosen)))
    with services.store.write():
        for client_id in chosen:
            _referral(services, rng, client_id, today)


def _referral(services: Services, rng: random.Random, client_id: int, today: date) -> None:
    who, where, unit, contact = rng.choice(_RECIPIENTS)
    recipient, institution, department = say(who), say(where), say(unit)
    reason, reason_words = rng.choice(_REASONS)
    reason_text = say(reason_words)
    age = rng.choice((rng.randint(0, 30), rng.randint(30, 120), rng.randint(120, 900)))
    referred_on = today - timedelta(days=age)
    share = rng.random() < 0.6
    consent = share or rng.random() < 0.3
    follow_up = referred_on + timedelta(days=rng.choice((7, 14, 14, 21, 30))) if rng.random() < 0.9 else None
    referral = services.referrals.create(client_id, ReferralDraft(
        referred_on=referred_on, reason=reason, recipient=recipient, institution=institution, department=department,
        contact=contact, reason_text=reason_text, share_info=share, consent=consent,
        consent_scope=say(rng.choice(_SCOPES)) if consent else "",
        consent_on=referred_on - timedelta(days=rng.randint(0, 3)) if consent else None,
        follow_up_on=follow_up), today=today)
    due = referral.due_on or today
    if due > today:
        return  # follow-up still ahead
    if age > 45 or rng.random() < 0.3:
        if rng.random() < 0.2:  # a first follow-up found the client on a waiting list
            waited = due + timedelta(days=rng.randint(0, 5))
            if waited < today:
                services.referrals.record_outcome(referral.id, "waiting", say(_WAITING), waited,
                                                  waited + timedelta(days=14), today=today)
                if waited + timedelta(days=14) > today:
                    return
                due = waited + timedelta(days=14)
        outcome, words = rng.choice(_OUTCOMES)
        text = say(words)
        learned = min(today, due + timedelta(days=rng.randint(0, 7)))
        services.referrals.record_outcome(referral.id, outcome, text, learned, today=today)
    # otherwise: open and due, for the dashboard


def populate_training(services: Services, rng: random.Random, today: date, years: int) -> None:
    """Entries for each of the last `years` years (this one included): earlier years near the yearly target,
    this year part way to it, in proportion to how far the year has gone."""
    target = services.training.target() or 40.0
    with services.store.write():
        for year in range(today.year - max(1, years) + 1, today.year + 1):
            start = date(year, 1, 1)
            end = today if year == today.year else date(year, 12, 31)
            if year == today.year:
                span = (today - start).days / 365
                goal = target * span * rng.uniform(0.55, 0.9)
            else:
                goal = target * rng.uniform(0.8, 1.25)
            done = 0.0
            while done < goal:
                kind, *texts = rng.choice(_TRAINING)
                title, provider, certificate = (say(t) for t in texts)
                hours = {"course": rng.choice((3, 6, 7.5, 8)), "conference": rng.choice((4, 6, 8)),
                         "supervision_individual": rng.choice((1, 1, 1.5)),
                         "supervision_group": rng.choice((1.5, 2, 3)), "peer_supervision": rng.choice((1, 1.5, 2)),
                         "personal_therapy": 1, "other": rng.choice((1.5, 2))}[kind]
                day = start + timedelta(days=rng.randint(0, max(0, (end - start).days)))
                services.training.add(day, kind, title, hours, provider, certificate, today=today)
                done += hours
