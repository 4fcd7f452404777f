"""A client with a record of every kind the vault keeps, for the retention tests (unit and reliability).

`fill_case_file()` goes through the services, as the window would, and writes a given word into every
free-text field it can: the destruction tests then look for that word. `client_rows()` finds, from the
schema alone, every row that names a client directly or through a chain of foreign keys; the tests use it
independently of the retention code. A table that holds client records but that `fill_case_file()` does
not fill makes `unfilled_client_tables()` name it, and the tests that use it fail until it is filled here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from counselroom.records.appointments import Appointment
from counselroom.records.clients import Client
from counselroom.records.exports import Basis, ExportContents
from counselroom.records.services import Services

NOT_RECORDS = {"disposal_guard", "disposal_register", "audit_log", "audit_head", "meta", "settings"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def tables(services: Services) -> list[str]:
    conn = services.store.conn
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")
    entries = [(str(n), str(s or "")) for n, s in rows]
    virtual = [n for n, s in entries if s.upper().startswith("CREATE VIRTUAL")]
    return [n for n, _ in entries if n not in virtual and n not in NOT_RECORDS
            and not any(n.startswith(v + "_") for v in virtual)]


def client_rows(services: Services, client_id: int) -> dict[str, set[int]]:
    """Rowids, by table, of every row that names the client in a `client_id` column (or is the client),
    or references such a row through a foreign key, transitively."""
    conn = services.store.conn
    names = tables(services)
    found: dict[str, set[int]] = {"clients": {int(r[0]) for r in conn.execute(
        "SELECT id FROM clients WHERE id = ?", (client_id,))}}
    for t in names:
        cols = [str(r[0]) for r in conn.execute("SELECT name FROM pragma_table_info(?)", (t,))]
        if "client_id" in cols:
            found.setdefault(t, set()).update(
                int(r[0]) for r in conn.execute(f"SELECT rowid FROM {_q(t)} WHERE client_id = ?", (client_id,)))
    fks = [(t, str(fk[2]), str(fk[1]), fk[3]) for t in names
           for fk in conn.execute("SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?)", (t,))]
    grew = True
    while grew:
        grew = False
        for table, column, parent, to in fks:
            ids = sorted(found.get(parent, set()))
            if not ids:
                continue
            key = "rowid" if to is None else _q(str(to))
            marks = ", ".join("?" * len(ids))
            rows = {int(r[0]) for r in conn.execute(
                f"SELECT rowid FROM {_q(table)} WHERE {_q(column)} IN (SELECT {key} FROM {_q(parent)} "
                f"WHERE rowid IN ({marks}))", tuple(ids))}
            if rows - found.get(table, set()):
                found.setdefault(table, set()).update(rows)
                grew = True
    return {t: ids for t, ids in found.items() if ids}


def client_linked_tables(services: Services) -> list[str]:
    """Tables with a client_id column, or a foreign key into clients or into such a table (transitively)."""
    conn = services.store.conn
    names = tables(services)
    linked = {"clients"} | {t for t in names if "client_id" in
                            [str(r[0]) for r in conn.execute("SELECT name FROM pragma_table_info(?)", (t,))]}
    parents = {t: {str(fk[0]) for fk in conn.execute("SELECT \"table\" FROM pragma_foreign_key_list(?)", (t,))}
               for t in names}
    grew = True
    while grew:
        grew = False
        for t, ps in parents.items():
            if t not in linked and ps & linked:
                linked.add(t)
                grew = True
    return sorted(linked)


def unfilled_client_tables(services: Services, client_id: int) -> list[str]:
    rows = client_rows(services, client_id)
    return [t for t in client_linked_tables(services) if not rows.get(t)]


def give_test(services: Services, client_id: int, when: datetime, word: str = "") -> int:
    """A PHQ-9 given on paper at `when`, explained before and with feedback after (holding the word)."""
    done = services.psychtests.record_completed(
        client_id, "phq9", {n: 1 for n in range(1, 10)}, f"测验说明 {word}".strip(), started_at=when,
        completed_at=when + timedelta(minutes=15), feedback=f"测验反馈 {word}".strip(),
        feedback_at=when + timedelta(minutes=30))
    return int(done.id)


def fill_case_file(services: Services, code: str, word: str, closed_on: date, *, chinese: str = "",
                   today: date | None = None) -> int:
    """A client whose every record holds `word` (and `chinese`, when given), closed on `closed_on`."""
    today = today or date.today()
    text = f"{word} {chinese}".strip()
    born = today.replace(year=today.year - 17) - timedelta(days=40)  # under 18: the guardian signs too (issue 12.7)
    cid = services.clients.create(Client(code=code, name=f"{chinese or '张'}同学 {word}", school=f"{word} 学院",
                                         phone="13800000000", guardian_name=f"{word} 家长", date_of_birth=born,
                                         emergency_name=f"{word} 朋友", notes=f"来访 {text}")).id
    assert cid is not None
    day = closed_on - timedelta(days=120)
    consent = services.consent.record_checklist(cid, recording=True, questions={"exceptions": f"问题 {text}"})
    services.consent.sign_on_paper(consent.id, day)
    services.consent.guardian_sign_on_paper(consent.id, f"{word} 家长", day)
    check = services.relationships.record_check(cid, ["other"], f"关系 {text}", "林老师", day)  # issue 12.11
    services.relationships.decide(check.id, "continue", f"理由 {text}", "林老师")
    services.consent.withdraw(consent.id, "recording", day + timedelta(days=2), f"不录音 {text}")
    start = datetime.combine(day + timedelta(days=7), time(9, 0))
    a = services.appointments.create(Appointment(cid, start, start + timedelta(minutes=50), remarks=f"备注 {text}"))
    assert a.id is not None
    services.appointments.record_attendance(a.id, "attended", start, start + timedelta(minutes=50))
    note = services.notes.create_draft(cid, "standard", appointment_id=a.id)
    assert note.id is not None
    services.notes.save_draft(note.id, {k: f"会谈 {text} 焦虑" for k in note.content}, private_text=f"过程 {text}")
    services.notes.sign(note.id, "林老师")
    services.notes.add_addendum(note.id, f"补充 {text}", "林老师")
    draft = services.notes.create_draft(cid, "soap", session_date=day + timedelta(days=20))
    assert draft.id is not None
    services.notes.save_draft(draft.id, {k: f"草稿 {text}" for k in draft.content}, private_text=f"草稿过程 {text}")
    services.dependency.record_review(cid, f"评估 {text}", datetime.combine(day + timedelta(days=30), time(17)))
    group = services.consent.create_group(f"团体 {code}", "")
    services.consent.add_member(group.id, cid, day)
    services.consent.record_agreement(group.id, cid, day)
    auth = services.exports.record_authorization(cid, "第三医院 心理科", "继续治疗", f"范围 {text}",
                                                 today + timedelta(days=60), today)
    services.exports.export(cid, Basis.authorized(auth.id), ExportContents(), "第三医院 心理科", "继续治疗",
                            passphrase_ok=True)
    letter = services.exports.export(
        cid, Basis.exceptional("danger_self", f"理由 {text} 有风险"),
        ExportContents(kind="referral_letter", letter_text=f"信 {text}"), "市精神卫生中心", "转介",
        passphrase_ok=True)
    _try_risk(services, cid, text, today)
    _try_referral(services, cid, text, day, letter.number, today)
    test_id = give_test(services, cid, datetime.combine(day, time(10)), text)  # item 9 answered 1: critical
    services.critical.decide_no_assessment(test_id, f"无需评估 {text}，已当面核实。", "林老师")
    _try_screening(services, cid, code, text, day)
    services.retention.set_departure(cid, closed_on - timedelta(days=10), "graduated", today=today)
    services.closures.close(cid, "goals_met", f"结案 {text}", closed_on)
    return cid


def _try_screening(services: Services, cid: int, code: str, text: str, day: date) -> None:
    """Issue 15: the client's screening row (flagged, linked, interview booked), a liaison contact, the grade."""
    from counselroom.records.liaison import Liaison
    from counselroom.records.screening_import import ColumnMapping, Table
    from counselroom.shipped import resource

    if getattr(services, "screening", None) is None:
        return
    example = resource("instruments", "examples", "upi-style-rules.json").read_bytes()
    instrument_id = services.psychtests.import_definition(example).instrument.id
    headers = ("学号", "姓名", *(str(n) for n in range(1, 61)))
    answers = tuple("1" if n == 25 else "0" for n in range(1, 61))  # the critical item: level 1
    table = Table("csv", headers, ((2, (f"S{code}", f"学生 {text}", *answers)),))
    mapping = ColumnMapping({"student_no": "学号", "name": "姓名"}, {n: str(n) for n in range(1, 61)})
    # The screening itself (cohort, consent text) is the cohort's, not the client's: it stays, so no word of hers
    screening = services.screening.import_screening(table, instrument_id, mapping, "新生普查", day, "普查知情同意")
    row = services.screening.rows(screening.id)[0]
    services.screening.link_client(row.id, cid, datetime.combine(day + timedelta(days=1), time(9)))
    services.screening.record_outcome(row.id, "counseling", f"约谈 {text}")
    services.liaison.record(Liaison(cid, datetime.combine(day, time(15)), "fudaoyuan", f"王老师 {text}", "phone",
                                    f"告知 {text}", "consent", f"同意 {text}"))
    services.liaison.set_school_details(cid, "2025级", ["study"])


def _try_risk(services: Services, cid: int, text: str, today: date) -> None:
    from counselroom.records import risk

    services.risk.save_assessment(risk.RiskAssessment(
        cid, datetime.now() - timedelta(days=1), self_harm="high", plan=f"计划 {text}", counselor="林老师",
        risk_notes=f"风险 {text}", overall="high"))
    services.risk.raise_flag(cid, f"重点关注 {text}", today + timedelta(days=14), today=today)
    services.risk.save_safety_plan(cid, risk.SafetyPlanContent(warning_signs=(f"信号 {text}",),
                                                               coping_steps=("深呼吸",), agreed_on=today),
                                   today=today)
    measure = services.risk.record_measure(risk.EmergencyMeasure(
        cid, datetime.now() - timedelta(hours=2), f"情况 {text}", f"措施 {text}", exception="danger_self",
        exception_reason=f"原因 {text}",
        notified=(risk.Notification("guardian", f"家长 {text}", datetime.now() - timedelta(hours=1)),)))
    assert measure.id is not None
    services.risk.add_followup(measure.id, f"随访 {text}")
    services.risk.clear_flag(cid, f"解除 {text}", today=today)


def _try_referral(services: Services, cid: int, text: str, day: date, letter_number: str, today: date) -> None:
    from counselroom.records.referrals import ReferralDraft

    referral = services.referrals.create(cid, ReferralDraft(
        referred_on=today - timedelta(days=3), reason="beyond_competence", institution="第三医院",
        reason_text=f"转介 {text}", follow_up_on=today + timedelta(days=7)), today=today)
    services.referrals.record_outcome(referral.id, "attended", f"结果 {text}", recorded_on=today, today=today)
    services.referrals.record_letter(referral.id, letter_number)
