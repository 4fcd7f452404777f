"""Every dashboard rule asks the vault the same number of questions for 30 clients as for 60: a rule that
reads each client (or each thing it counts) on its own would take seconds on a vault of 10,000 clients.
Statements are counted with SQLite's trace callback (FTS5's own reads of its index, shown as "-- ...", left
out); the demo generator fills both vaults alike."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from unittest.mock import patch

import pytest

from conftest import PASSPHRASE
from counselroom.records import demo
from counselroom.records.appointments import Appointment
from counselroom.records.dashboard import KEYS
from counselroom.records.retention import add_years, latest_due
from counselroom.records.services import Services
from counselroom.vault.kdf import FLOOR
from counselroom.vault.vault import Vault

SIZES = (30, 60)
NOW = datetime.now().replace(microsecond=0)


@pytest.fixture(scope="module")
def asked(tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict[str, tuple[int, int]]]:
    """clients -> rule -> (statements, what the line counts)."""
    out: dict[int, dict[str, tuple[int, int]]] = {}
    for n in SIZES:
        folder = tmp_path_factory.mktemp(f"clients{n}")
        vault, _key = Vault.create(folder / "vault", PASSPHRASE, kdf_params=FLOOR, state_dir=folder / "state")
        with vault.unlock(PASSPHRASE) as session, patch.dict(demo.SIZES, {f"n{n}": n}):
            services = Services.open(session)
            demo.populate(services, f"n{n}", seed=7)
            services.dashboard.lines(NOW)  # templates and settings read once, as after the first paint
            found: dict[str, tuple[int, int]] = {}
            for key in KEYS:
                seen: list[str] = []
                session.conn.set_trace_callback(seen.append)
                try:
                    line = services.dashboard.line(key, NOW)
                finally:
                    session.conn.set_trace_callback(None)
                assert not line.failed, key
                found[key] = (len([s for s in seen if not s.startswith("--")]), line.count)
            out[n] = found
    return out


@pytest.mark.parametrize("key", KEYS)
def test_a_rule_asks_as_many_questions_for_60_clients_as_for_30(asked: dict[int, dict[str, tuple[int, int]]],
                                                                key: str) -> None:
    (few, _), (many, _) = asked[SIZES[0]][key], asked[SIZES[1]][key]
    assert many == few, f"{key}: {few} statements for {SIZES[0]} clients, {many} for {SIZES[1]}"


def test_the_rules_that_read_every_client_have_more_to_count_in_the_larger_vault(
        asked: dict[int, dict[str, tuple[int, int]]]) -> None:
    """Otherwise the test above would prove nothing for them."""
    for key in ("consent", "retention", "dependency"):
        assert asked[SIZES[1]][key][1] > asked[SIZES[0]][key][1] > 0, key


def test_the_consent_rule_gives_what_the_per_client_status_gives(services: Services) -> None:
    with patch.dict(demo.SIZES, {"n20": 20}):
        demo.populate(services, "n20", seed=3)
    expected = [(c.id, services.consent.status(c.id)) for c in services.clients.list()
                if c.status != "closed" and c.id is not None]
    assert services.consent.needing_attention() == [(i, s) for i, s in expected if s not in ("complete", "signed")]
    assert services.consent.needing_attention()


def test_the_dashboards_retention_count_is_the_retention_pages(services: Services, tmp_path: Path) -> None:
    with patch.dict(demo.SIZES, {"n20": 20}):
        demo.populate(services, "n20", seed=3)
    today = NOW.date()
    full = services.retention.past_retention(today)
    quick = services.retention.past_retention(today, counts=False)
    assert [(i.client_id, i.kind, i.due_date) for i in quick] == [(i.client_id, i.kind, i.due_date) for i in full]
    assert full and all(i.counts for i in full if i.kind == "case_file")


def test_a_lines_count_is_what_it_lists_when_opened(services: Services) -> None:
    """The count comes from SQL, the items only when the counselor opens the line: they must agree."""
    with patch.dict(demo.SIZES, {"n20": 20}):
        demo.populate(services, "n20", seed=3)
    for key in KEYS:
        line = services.dashboard.line(key, NOW)
        if line.section is None:
            assert line.count == len(line.load_items()) == len(services.dashboard.items(key, NOW)), key
            assert line.has_items == (line.count > 0), key
    assert services.dashboard.line("consent", NOW).count > 0
    assert services.dashboard.line("dependency", NOW).count > 0


def test_the_retention_count_is_the_pages_under_every_rule(services: Services) -> None:
    with patch.dict(demo.SIZES, {"n20": 20}):
        demo.populate(services, "n20", seed=3)
    seen = set()
    for case_anchor in ("closed", "left"):
        for tests_anchor in ("closed", "left", "administered"):
            for years in (1, 3, 10):
                services.retention.set_rule("case_file", max(years, 3), case_anchor)
                services.retention.set_rule("tests", years, tests_anchor)
                for today in (NOW.date(), date(2028, 2, 29), date(2031, 3, 1)):
                    n = len(services.retention.past_retention(today, counts=False))
                    assert services.retention.count_past_retention(today) == n, (case_anchor, tests_anchor, today)
                    seen.add(n)
    assert len(seen) > 2  # the rules and days chosen give different answers


def test_latest_due_is_the_last_day_add_years_reaches_today() -> None:
    for today in (date(2028, 2, 29), date(2027, 3, 1), date(2027, 2, 28), date(2026, 12, 31), date(2024, 1, 1)):
        for years in (1, 3, 4, 10):
            cut = latest_due(today, years)
            assert add_years(cut, years) <= today < add_years(cut + timedelta(days=1), years), (today, years)


def test_the_punctuality_count_is_the_full_readings(services: Services, consented_client) -> None:  # type: ignore[no-untyped-def]
    """The dashboard's punctuality line is counted in SQL: a group session once, late with the minutes of its
    first appointment the counselor was late for; one's own sessions each with their minutes."""
    from datetime import time

    today = NOW.date()
    ids = [consented_client("G-1", name="张小明"), consented_client("G-2", name="李华"),
           consented_client("G-3", name="Emily Chen")]
    g = services.consent.create_group("考试焦虑团体")
    for client_id in ids:
        services.consent.add_member(g.id, client_id, today - timedelta(days=30))
        services.consent.record_agreement(g.id, client_id, today - timedelta(days=20))
    start = datetime.combine(today - timedelta(days=7), time(15, 0))
    session = services.groups.book(g.id, start, start + timedelta(minutes=90))
    end = start + timedelta(minutes=90)
    services.groups.record_attendance(session.id, ids[0], "attended", start + timedelta(minutes=2), end)
    services.groups.record_attendance(session.id, ids[1], "attended", start + timedelta(minutes=15), end,
                                      late_by="counselor")
    services.groups.record_attendance(session.id, ids[2], "attended", start + timedelta(minutes=20), end,
                                      late_by="both")
    ap = services.appointments
    for day, minutes, who in ((3, 12, "counselor"), (2, 0, None), (1, 7, "client")):
        s = datetime.combine(today - timedelta(days=day), time(9, 0))
        a = ap.create(Appointment(ids[0], s, s + timedelta(minutes=50)))
        ap.record_attendance(a.id or 0, "attended", s + timedelta(minutes=minutes), s + timedelta(minutes=50),
                             **({"late_by": who} if who else {}))
    since = today - timedelta(days=89)
    full, counted = ap.counselor_punctuality(since, today), ap.counselor_punctuality_counts(since, today)
    assert (counted.held, counted.counselor_late, counted.average_minutes_late) == (
        full.held, full.counselor_late, full.average_minutes_late) == (4, 2, 13.5)
    assert services.dashboard.line("punctuality", NOW).params == {"late": 2, "held": 4, "days": 90, "minutes": 14}
    empty = ap.counselor_punctuality_counts(today + timedelta(days=1), today + timedelta(days=2))
    assert (empty.held, empty.counselor_late, empty.average_minutes_late) == (0, 0, 0.0)
