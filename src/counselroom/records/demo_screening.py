"""Demo cohort screening, liaison records and the clients' school details (issue 15), all made up.

One autumn screening of a first-year cohort (a few hundred students) with the room's own questionnaire, whose
rules the room gave levels for the cohort screening (version 2 of the example definition: a critical item is
red, class 1 orange, class 2 yellow); a handful of students is flagged at each level. One flagged student was
made a client at once, interviewed and given an outcome; another's interview is booked. A few liaison
contacts (a 辅导员 by consent, a class teacher, a parent under a confidentiality exception), and a grade with
presenting concerns on most clients, so that the Cohort screening and Statistics pages have something to
show. Every text is a (Chinese, English) pair drawn with the same random draws in both languages.

The cohort's size does not grow with the demo's size: the benchmarks' large vaults get the same few hundred
rows, and the school details are one small row per client.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from .clients import Client
from .demo_text import person, say
from .instruments import EXAMPLE_FILE
from .liaison import Liaison
from .screening_import import ColumnMapping, Table
from .services import Services

COHORT = 360
# students drawn for each kind of answers (the rules decide the level): an item-12 "yes", many difficulties
# (class 1), some difficulties (class 2); everyone else answers mostly "never"
CRITICAL, HIGH, MODERATE = 4, 8, 13
_REVERSED = (7, 9)  # the example questionnaire's reversed items
SHARE_WITH_DETAILS = 0.7  # clients with a grade and presenting concerns
_CONCERN_WEIGHTS = {"emotions": 30, "study": 25, "relationships": 20, "adjustment": 12, "family": 10,
                    "romance": 10, "career": 8, "other": 3}
_DEPARTMENTS = [("计算机学院", "School of Computing"), ("外国语学院", "School of Foreign Languages"),
                ("经济管理学院", "School of Economics and Management"),
                ("机械工程学院", "School of Mechanical Engineering"),
                ("文学院", "School of Chinese Literature"), ("医学院", "School of Medicine")]
_HEADERS = {"student_no": ("学号", "Student no."), "name": ("姓名", "Name"), "gender": ("性别", "Gender"),
            "grade": ("年级", "Grade"), "department": ("院系", "Department"), "class_name": ("班级", "Class")}
_COHORT = ("{year}级新生", "First-year students, {year} intake")
_CONSENT = ("本次新生心理普查用于了解同学们入学后的适应情况。问卷结果严格保密，仅心理咨询中心使用，不记入档案；"
            "心理中心可能会邀请部分同学面谈。你可以不作答。",
            "This first-year survey asks how you are settling in. The answers are confidential, used only by the "
            "counseling centre and never put in your student file; the centre may invite some students for a talk. "
            "You may choose not to answer.")
_REMARK = ("心理普查约谈", "Screening interview")
_OUTCOME = ("面谈后同意开始个体咨询，每周一次。", "After the talk the student agreed to weekly counseling.")
_LIAISONS = [
    ("fudaoyuan", ("王老师（辅导员）", "Ms Wang (counselor-adviser)"), "phone",
     ("请辅导员关注其近期作息和出勤，未透露谈话内容。",
      "Asked the adviser to keep an eye on sleep and attendance; nothing said in the sessions was shared."),
     "consent", None,
     ("来访者在咨询中口头同意，并在同意书上签字。", "The client agreed in the session and signed the form.")),
    ("class_teacher", ("刘老师（班主任）", "Mr Liu (class teacher)"), "in_person",
     ("商定期末考试期间可在安静教室单独应考。", "Agreed that the client may sit the finals in a quiet room."),
     "consent", None,
     ("来访者书面同意只告知考试安排的需要。", "The client agreed in writing to share the exam arrangement only.")),
    ("guardian", ("母亲", "Mother"), "phone",
     ("告知有自伤风险，建议当天陪同就医。",
      "Told her of a risk of self-harm and advised taking the client to hospital today."),
     "exception", "danger_self",
     ("来访者当晚有明确自伤计划。", "The client had a definite plan to self-harm that night.")),
    ("hospital", ("校医院心理门诊", "Campus hospital psychology clinic"), "letter",
     ("转介信：转介原因与近期评估结果。", "Referral letter: the reason and the latest assessment."),
     "consent", None, ("来访者签署了转介同意书。", "The client signed the referral consent.")),
]


def give_school_details(services: Services, rng: random.Random, client: Client) -> None:
    """A grade (the intake year in the client's code) and one or two presenting concerns for most clients."""
    if client.id is None or rng.random() >= SHARE_WITH_DETAILS:
        return
    year = client.code.split("-")[0]
    grade = say((f"{year}级", f"{year} intake")) if year.isdigit() else ""
    ids, weights = list(_CONCERN_WEIGHTS), list(_CONCERN_WEIGHTS.values())
    concerns = rng.choices(ids, weights=weights, k=rng.choice((1, 1, 2)))
    services.liaison.set_school_details(client.id, grade, concerns)


def autumn(today: date) -> date:
    """The day of this autumn's screening (last autumn's before the end of September)."""
    year = today.year if today >= date(today.year, 9, 28) else today.year - 1
    return date(year, 9, 18)


def _answers(rng: random.Random, kind: str) -> dict[int, int]:
    weights = {"critical": (20, 40, 30, 10), "high": (5, 20, 45, 30), "moderate": (25, 45, 25, 5),
               "low": (72, 26, 2, 0)}[kind]
    answers = {n: rng.choices((0, 1, 2, 3), weights=weights)[0] for n in range(1, 12)}
    for n in _REVERSED:  # "getting on well", "satisfied": a distressed student answers them low
        answers[n] = 3 - answers[n]
    answers[12] = 1 if kind == "critical" else 0
    return answers


def cohort_table(rng: random.Random, year: int, chinese_name: Callable[[random.Random], str]
                 ) -> tuple[Table, ColumnMapping]:
    """The cohort's answers as a survey tool's spreadsheet would give them: a header row, one row a student
    (names from the demo's own generator, passed in: this module does not import demo.py, which imports it)."""
    kinds = ["low"] * COHORT
    chosen = rng.sample(range(COHORT), CRITICAL + HIGH + MODERATE)
    for i in chosen[:CRITICAL]:
        kinds[i] = "critical"
    for i in chosen[CRITICAL:CRITICAL + HIGH]:
        kinds[i] = "high"
    for i in chosen[CRITICAL + HIGH:]:
        kinds[i] = "moderate"
    headers = {k: say(v) for k, v in _HEADERS.items()}
    items = {n: say((f"第{n}题", f"Q{n}")) for n in range(1, 13)}
    rows = []
    for i, kind in enumerate(kinds):
        department = rng.randrange(len(_DEPARTMENTS))
        number = rng.randrange(1, 5)
        cells = (f"{year}{department + 1:02d}{number}{i + 1:03d}", person(chinese_name(rng)),
                 rng.choice(("男", "女")), say((f"{year}级", f"{year} intake")), say(_DEPARTMENTS[department]),
                 say((f"{year % 100:02d}级{number}班", f"Class {number}, {year} intake")))
        answers = _answers(rng, kind)
        rows.append((i + 2, cells + tuple(str(answers[n]) for n in range(1, 13))))
    table = Table("xlsx", tuple(headers.values()) + tuple(items.values()), tuple(rows))
    return table, ColumnMapping(headers, items)


def _room_levels_definition() -> bytes:
    """The room's questionnaire, version 2: its rules name the room's levels for the cohort screening."""
    doc = json.loads(EXAMPLE_FILE.read_text("utf-8"))
    doc["version"] = int(doc.get("version", 1)) + 1
    for rule, level in zip(doc["scoring"]["screening"], (2, 3), strict=True):
        rule["level"] = level
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def populate_screening(services: Services, rng: random.Random, client_ids: list[int], today: date,
                       chinese_name: Callable[[random.Random], str]) -> None:
    """This autumn's cohort screening with its follow-up, and a few liaison contacts."""
    held_on = autumn(min(today, date.today()))  # never a screening in the future
    with services.store.write():
        instrument = services.psychtests.import_definition(_room_levels_definition()).instrument
        table, mapping = cohort_table(rng, held_on.year, chinese_name)
        screening = services.screening.import_screening(
            table, instrument.id, mapping, say(_COHORT).format(year=held_on.year), held_on, say(_CONSENT))
        flagged = services.screening.flagged(screening.id)
        first = next((r for r in flagged if r.level == 1), flagged[0] if flagged else None)
        if first is not None:  # made a client at once, interviewed, counseling agreed
            interview = datetime.combine(held_on + timedelta(days=3), time(10, 0))
            row = services.screening.make_client(first.id, f"{held_on.year}-S0001", interview, remarks=say(_REMARK))
            assert row.client_id is not None and row.appointment_id is not None
            services.appointments.record_attendance(row.appointment_id, "attended", interview,
                                                    interview + timedelta(minutes=50))
            services.screening.record_outcome(first.id, "counseling", say(_OUTCOME))
            services.liaison.set_school_details(row.client_id, row.grade, ["adjustment", "emotions"])
            client_ids = [row.client_id, *client_ids]
        waiting = next((r for r in flagged if r.level == 2 and r.client_id is None), None)
        if waiting is not None:  # the interview booked, still ahead
            at = datetime.combine(max(today, date.today()) + timedelta(days=1), time(15, 0))
            services.screening.make_client(waiting.id, f"{held_on.year}-S0002", at, remarks=say(_REMARK))
        _liaisons(services, rng, client_ids, today)


def _liaisons(services: Services, rng: random.Random, client_ids: list[int], today: date) -> None:
    statuses = {c.id: c.status for c in services.clients.list(include_archived=True)}
    seen = [c for c in client_ids if statuses.get(c) in ("active", "intake", "referred")]
    if not seen:
        return
    counselor = services.profile.get().name
    latest = min(today, date.today())
    for k, (party, who, method, shared, basis, exception, note) in enumerate(_LIAISONS):
        client_id = seen[0] if k == 0 else rng.choice(seen)
        when = datetime.combine(latest - timedelta(days=rng.randint(1, 60)), time(rng.choice((9, 11, 14, 16)), 0))
        services.liaison.record(Liaison(client_id, when, party, say(who), method, say(shared), basis, say(note),
                                        exception, counselor))
