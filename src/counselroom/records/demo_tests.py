"""Demo psychological tests: PHQ-9 and GAD-7 series for a realistic share of clients (a few long enough to
show a trend), the room's own first-year screening imported from the example file, one client whose PHQ-9
item 9 was answered above zero, a few tests still waiting for their feedback and one started without its
explanation. Every answer is made up."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from .clients import Client
from .demo_text import current, say
from .instruments import EXAMPLE_FILE
from .services import Services

SHARE_TESTED = 0.3  # clients given at least one PHQ-9
SHARE_SCREENED = 0.08  # clients given the room's first-year screening
_EXPLANATIONS = {
    "zh_CN": "向来访者说明了问卷的内容和目的：了解最近两周的情况；结果只是筛查结果，并非诊断，会保密；"
             "做完后一起看结果。",
    "en": "Explained what the questionnaire asks and why: how the last two weeks have been; the result is a screening "
          "result, not a diagnosis, and stays confidential; we look at it together afterwards.",
}
_FEEDBACK = [("和来访者一起看了结果，解释了分数的含义，强调这只是筛查，不是诊断。",
              "Went through the result with the client: what the score means, and that it is a screening, not a "
              "diagnosis."),
             ("结果比上次有所下降，来访者也感到睡眠有改善，约定继续每周咨询。",
              "Lower than last time; the client also sleeps better. Weekly sessions go on."),
             ("一起看了结果，来访者认为与最近几周的情况相符，计划不变。",
              "Went through the result together; the client agreed it matches the last weeks. Plan unchanged."),
             ("解释了结果处于中度范围，讨论了是否需要到医院心理科进一步评估，来访者愿意考虑。",
              "Explained that the result is in the moderate band; discussed a hospital assessment, which the client "
              "will consider."),
             ("解释了分数和所处范围；来访者问到药物，讨论了转介的选择。",
              "Explained the score and the band; the client asked about medication, discussed referral options.")]
_SCREENING = ("新生心理筛查：说明了问卷目的和保密原则，结果只是筛查结果，并非诊断。",
              "First-year screening: explained the questionnaire's purpose and confidentiality; the result is a "
              "screening result, not a diagnosis.")
_SCREENING_FEEDBACK = ("约谈时一起看了筛查结果。", "Went through the screening result at a meeting.")


def _language(client: Client) -> str:
    """The demo's language; in the mixed demo, the client's (an English name is explained to in English)."""
    if current() != "mixed":
        return current()
    return "en" if client.name and client.name.isascii() else "zh_CN"


def _intake(client: Client, today: date, rng: random.Random) -> date:
    try:
        year = int(client.code.split("-")[0])
    except ValueError:
        year = today.year - 1
    start = date(min(year, today.year), rng.randint(1, 12), rng.randint(1, 28))
    return min(start, today - timedelta(days=rng.randint(1, 120)))


def _answers(rng: random.Random, count: int, level: float, top: int = 3) -> dict[int, int]:
    return {n: max(0, min(top, round(rng.gauss(level, 0.7)))) for n in range(1, count + 1)}


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.choice((9, 10, 14, 15, 16)), rng.choice((0, 10, 20))))


def _series(services: Services, rng: random.Random, client: Client, today: date, item9: bool) -> bool:
    """A PHQ-9 series (with GAD-7 beside some of them); returns whether item 9 was answered above zero."""
    assert client.id is not None
    tests = services.psychtests
    length = rng.choices((1, 2, 3, 4, 5, 6), weights=(50, 18, 12, 10, 6, 4))[0]
    level = rng.uniform(0.4, 2.3)
    with_gad = rng.random() < 0.5
    day = _intake(client, today, rng)
    lang = _language(client)
    hit = False
    for k in range(length):
        if day > today:
            break
        at = _moment(day, rng)
        phq = _answers(rng, 9, level)
        phq[9] = 0
        if (item9 and k == 0) or rng.random() < 0.01:
            phq[9] = rng.choice((1, 1, 2))
            hit = True
        last = k == length - 1 or day + timedelta(weeks=3) > today
        recent = (today - day).days < 60
        missing_feedback = last and recent and rng.random() < 0.25
        feedback = None if missing_feedback else say(rng.choice(_FEEDBACK))
        mode = "client" if rng.random() < 0.3 else "counselor"
        tests.record_completed(client.id, "phq9", phq, _EXPLANATIONS[lang], started_at=at,
                               completed_at=at + timedelta(minutes=rng.randint(4, 9)), mode=mode, feedback=feedback,
                               feedback_at=at + timedelta(minutes=rng.randint(12, 30)))
        if with_gad:
            gad_at = at + timedelta(minutes=10)
            tests.record_completed(client.id, "gad7", _answers(rng, 7, level * rng.uniform(0.7, 1.2)),
                                   _EXPLANATIONS[lang], started_at=gad_at,
                                   completed_at=gad_at + timedelta(minutes=rng.randint(3, 6)), mode=mode,
                                   feedback=feedback, feedback_at=gad_at + timedelta(minutes=rng.randint(12, 30)))
        level = max(0.0, level * rng.uniform(0.55, 0.95) - 0.1)  # most clients improve
        day += timedelta(weeks=rng.randint(3, 6))
    return hit


def _screening(services: Services, rng: random.Random, client: Client, today: date, instrument_id: str) -> None:
    """The room's first-year screening, once, at intake."""
    assert client.id is not None
    level = rng.uniform(0.2, 1.8)
    answers = _answers(rng, 11, level)
    answers[12] = 1 if rng.random() < 0.03 else 0
    at = _moment(_intake(client, today, rng), rng)
    services.psychtests.record_completed(
        client.id, instrument_id, answers, say(_SCREENING),
        started_at=at, completed_at=at + timedelta(minutes=rng.randint(5, 10)), mode="client",
        feedback=say(_SCREENING_FEEDBACK), feedback_at=at + timedelta(days=rng.randint(1, 7)))


def populate_tests(services: Services, rng: random.Random, client_ids: list[int], today: date) -> None:
    """Tests for some of these clients; the room's screening is imported from the example definition file."""
    tests = services.psychtests
    with services.store.write():
        room = tests.import_definition(EXAMPLE_FILE.read_bytes()).instrument
        clients = {c.id: c for c in services.clients.list(include_archived=True)}
        item9_done = False
        unexplained_done = False
        tested: list[Client] = []
        for client_id in client_ids:
            client = clients.get(client_id)
            if client is None:
                continue
            if services.consent.status(client_id) != "signed":
                continue  # tests only after a signed consent
            if client.status != "intake" and rng.random() < SHARE_TESTED:
                item9_done = _series(services, rng, client, today, item9=not item9_done) or item9_done
                tested.append(client)
            if rng.random() < SHARE_SCREENED:
                _screening(services, rng, client, today, room.id)
            if not unexplained_done and client.status == "active" and rng.random() < 0.05:
                # started, then the session ran out before the explanation: the dashboard asks for it
                tests.start(client_id, "gad7", now=_moment(today - timedelta(days=2), rng))
                unexplained_done = True
        for client in [c for c in tested if c.status == "active"][:3]:
            # tested this week, the feedback not recorded yet: the dashboard lists them
            assert client.id is not None
            at = _moment(today - timedelta(days=rng.randint(1, 6)), rng)
            tests.record_completed(client.id, "phq9", _answers(rng, 8, rng.uniform(0.3, 1.5)) | {9: 0},
                                   _EXPLANATIONS[_language(client)], started_at=at,
                                   completed_at=at + timedelta(minutes=6))
