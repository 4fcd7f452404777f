"""The training log: yearly totals (year boundaries, decimals summed exactly, by kind, supervision apart),
the counselor's targets, validation messages a counselor understands, and changes in the audit trail."""

from __future__ import annotations

from datetime import date

import pytest

from counselroom.records.clients import ValidationError
from counselroom.records.services import Services
from counselroom.records.training import DEFAULT_TARGET, format_hours, parse_hours

TODAY = date(2026, 5, 20)


def add(services: Services, day: date, hours: float | str, kind: str = "course", title: str = "认知行为疗法") -> int:
    return services.training.add(day, kind, title, hours, "中国心理学会", "证书 2026-17", today=TODAY).id


def test_yearly_totals_respect_the_year_boundaries(services: Services) -> None:
    add(services, date(2025, 12, 31), 7)
    add(services, date(2026, 1, 1), 1.5)
    add(services, date(2026, 5, 20), "2.25", kind="supervision_individual")
    add(services, date(2026, 3, 3), "0.1", kind="supervision_group")
    add(services, date(2026, 3, 4), "0.2", kind="conference")
    year = services.training.year_summary(2026)
    assert year.year == 2026 and year.entries == 4
    assert year.hours == 4.05  # 1.5 + 2.25 + 0.1 + 0.2, exactly
    assert year.by_kind == {"course": 1.5, "conference": 0.2, "supervision_individual": 2.25,
                            "supervision_group": 0.1}
    assert year.supervision_hours == 2.35
    assert services.training.year_summary(2025).hours == 7
    assert services.training.year_summary(2024).hours == 0 and services.training.year_summary(2024).by_kind == {}
    assert [e.held_on for e in services.training.entries(2026)] == [date(2026, 5, 20), date(2026, 3, 4),
                                                                    date(2026, 3, 3), date(2026, 1, 1)]
    assert len(services.training.entries()) == 5
    assert services.training.years(TODAY) == [2026, 2025]


def test_many_tenths_add_up_exactly(services: Services) -> None:
    for day in range(1, 31):
        add(services, date(2026, 4, day), "0.1")
    assert services.training.year_summary(2026).hours == 3.0
    assert format_hours(services.training.year_summary(2026).hours) == "3"


def test_the_target_is_forty_hours_until_the_counselor_sets_it(services: Services) -> None:
    assert services.training.year_summary(2026).target == DEFAULT_TARGET == 40
    services.training.set_target("60")
    assert services.training.year_summary(2026).target == 60
    services.training.set_target(31.5)
    assert services.training.target() == 31.5
    services.training.set_target(None)  # no target at all
    assert services.training.year_summary(2026).target is None
    services.training.set_target("")
    assert services.training.target() is None
    for bad, message in (("0", "The hours must be more than zero."), ("abc", "Write the hours as a number, for "
                                                                             "example 1.5 or 0.25."),
                         ("2001", "A yearly target can be at most 2,000 hours.")):
        with pytest.raises(ValidationError) as caught:
            services.training.set_target(bad)
        assert caught.value.errors == {"target": message}
    assert [e.detail for e in services.audit.entries(kinds=["settings.updated"])][0] == {
        "key": "training.target_hours"}


def test_supervision_has_its_own_optional_target(services: Services) -> None:
    add(services, date(2026, 2, 2), 1, kind="supervision_individual")
    add(services, date(2026, 2, 3), 2, kind="peer_supervision")  # peer supervision is not supervision received
    assert services.training.year_summary(2026).supervision_target is None
    services.training.set_supervision_target("12")
    year = services.training.year_summary(2026)
    assert year.supervision_target == 12 and year.supervision_hours == 1 and year.hours == 3


def test_progress_against_the_target(services: Services) -> None:
    add(services, date(2026, 2, 1), 24, kind="course")
    add(services, date(2026, 2, 2), 7, kind="conference")
    add(services, date(2026, 2, 3), "0.5")
    year = services.training.year_summary(2026)
    assert (year.hours, year.target, year.remaining, year.target_met) == (31.5, 40, 8.5, False)
    add(services, date(2026, 2, 4), 9)
    assert services.training.year_summary(2026).target_met


@pytest.mark.parametrize(("hours", "message"), [
    ("", "Write the number of hours, for example 1.5."),
    ("一小时", "Write the hours as a number, for example 1.5 or 0.25."),
    ("0", "The hours must be more than zero."),
    ("-2", "The hours must be more than zero."),
    ("24.01", "One entry can hold at most 24 hours: enter a course of several days as one entry a day."),
    ("1.333", "Give the hours to at most two decimals, for example 1.25."),
    ("nan", "Write the hours as a number, for example 1.5 or 0.25."),
])
def test_hours_are_refused_with_a_message(services: Services, hours: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.training.add(date(2026, 2, 2), "course", "督导", hours, today=TODAY)
    assert caught.value.errors == {"hours": message}
    assert services.training.entries() == []


def test_hours_as_typed(services: Services) -> None:
    assert parse_hours("1,5") == parse_hours("１.５") == parse_hours(" 1.50 ") == parse_hours(1.5)
    assert services.training.add(date(2026, 2, 2), "course", "x", "24", today=TODAY).hours == 24


def test_other_fields_are_checked(services: Services) -> None:
    with pytest.raises(ValidationError) as caught:
        services.training.add(None, None, "  ", "1", today=TODAY)
    assert caught.value.errors == {"held_on": "Give the date of the training.", "kind": "Choose the kind of training.",
                                   "title": "Write the title or topic."}
    with pytest.raises(ValidationError) as caught:
        services.training.add(date(2026, 5, 21), "course", "x", "1", today=TODAY)
    assert caught.value.errors == {"held_on": "This date is in the future: log training once it has taken place."}


def test_edit_and_delete_are_audited(services: Services) -> None:
    entry_id = add(services, date(2026, 2, 2), 3, title="家庭治疗工作坊 private-title")
    changed = services.training.update(entry_id, date(2026, 2, 2), "conference", "家庭治疗工作坊 private-title", "3.5",
                                       "中国心理学会", "证书 2026-17", today=TODAY)
    assert changed.kind == "conference" and changed.hours == 3.5
    assert services.training.year_summary(2026).by_kind == {"conference": 3.5}
    services.training.delete(entry_id)
    assert services.training.entries() == [] and services.training.year_summary(2026).hours == 0
    entries = sorted(services.audit.entries(kinds=["training.entry_added", "training.entry_changed",
                                                   "training.entry_deleted"]), key=lambda e: e.seq)
    assert [(e.kind, e.entity, e.entity_id) for e in entries] == [
        ("training.entry_added", "training_entry", entry_id), ("training.entry_changed", "training_entry", entry_id),
        ("training.entry_deleted", "training_entry", entry_id)]
    assert entries[1].detail == {"fields": ["kind", "hours"], "year": 2026}
    assert "private-title" not in str([e.detail for e in entries])
    with pytest.raises(KeyError):
        services.training.get(entry_id)
