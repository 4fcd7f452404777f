from dataclasses import replace
from datetime import date, timedelta

import pytest

from counselroom.records.clients import Client, ValidationError, pinyin_keys
from counselroom.records.profile import Profile
from counselroom.records.services import Services


def test_create_edit_archive_and_audit(services: Services) -> None:
    c = services.clients.create(Client(code="2026-001", name="张小明", date_of_birth=date(2009, 9, 1),
                                       guardian_name="张大山", school="示例中学"))
    assert c.id and c.created_at and c.status == "intake"
    assert c.age(date(2026, 11, 25)) == 17 and c.is_minor(date(2026, 11, 25))
    c.status, c.risk_flag = "active", True
    c = services.clients.update(c)
    assert (c.status, c.risk_flag) == ("active", False)  # the flag is raised on the risk tab, with a reason
    services.clients.archive(c.id)
    assert services.clients.list() == []
    assert [x.code for x in services.clients.list(include_archived=True)] == ["2026-001"]
    services.clients.unarchive(c.id)
    assert [x.code for x in services.clients.list()] == ["2026-001"]
    kinds = [e.kind for e in services.audit.entries(kinds=None)][::-1]
    assert kinds[-4:] == ["client.created", "client.updated", "client.archived", "client.unarchived"]
    assert services.audit.entries(kinds=["client.updated"])[0].detail == {"fields": ["status"]}


def test_pseudonymous_client_needs_only_a_code(services: Services) -> None:
    c = services.clients.create(Client(code="P-7"))
    assert c.display_name == "P-7" and c.name == ""


@pytest.mark.parametrize(("client", "field"), [
    (Client(code=""), "code"),
    (Client(code="has space"), "code"),
    (Client(code="A1", date_of_birth=date(2999, 1, 1)), "date_of_birth"),
    (Client(code="A1", phone="call me"), "phone"),
    (Client(code="A1", status="unknown"), "status"),
])
def test_validation_names_the_field(services: Services, client: Client, field: str) -> None:
    with pytest.raises(ValidationError) as e:
        services.clients.create(client)
    assert field in e.value.errors


def test_codes_are_unique_whatever_the_case(services: Services) -> None:
    services.clients.create(Client(code="abc-1"))
    with pytest.raises(ValidationError) as e:
        services.clients.create(Client(code="ABC-1"))
    assert e.value.errors["code"] == "Another client already has this code."


def test_warnings_for_likely_duplicates_and_minors_without_guardian(services: Services) -> None:
    services.clients.create(Client(code="A1", name="李娜", date_of_birth=date(2000, 1, 2)))
    twin = Client(code="A2", name="李娜", date_of_birth=date(2000, 1, 2))
    assert services.clients.warnings(twin) == [
        "A client with the same name and date of birth or phone may already exist."]
    assert services.clients.warnings(Client(code="A3", name="李娜", date_of_birth=date(2001, 1, 2))) == []
    minor = Client(code="A4", date_of_birth=date(2015, 1, 1))
    assert services.clients.warnings(minor, today=date(2026, 1, 1)) == [
        "This client is a minor and has no guardian recorded."]


def test_search_by_name_code_and_pinyin(services: Services) -> None:
    services.clients.create(Client(code="2026-010", name="张小明"))
    services.clients.create(Client(code="2026-011", name="Emily Chen"))
    services.clients.create(Client(code="X_1", name="王芳", status="closed"))

    def found(q: str, **kw: object) -> list[str]:
        return [c.code for c in services.clients.list(query=q, **kw)]  # type: ignore[arg-type]

    assert found("张小") == ["2026-010"]
    assert found("zxm") == ["2026-010"]
    assert found("zhangxiao") == ["2026-010"]
    assert found("emily") == ["2026-011"]
    assert found("2026-01") == ["2026-010", "2026-011"]
    assert found("x_") == ["X_1"]  # '_' is matched literally, not as a wildcard
    assert found("", status="closed") == ["X_1"]
    assert found("%") == []


def test_pinyin_keys() -> None:
    assert pinyin_keys("张小明") == ("zhangxiaoming", "zxm")
    assert pinyin_keys("Emily Chen") == ("emilychen", "ec")


def test_profile_round_trip_and_audit(services: Services) -> None:
    services.profile.save(Profile(name="林晓雯", qualifications="二级心理咨询师", certificate_no="123"))
    assert services.profile.get().qualifications == "二级心理咨询师"
    assert services.audit.entries(kinds=["profile.updated"])[0].detail == {
        "fields": ["name", "qualifications", "certificate_no"]}


def test_change_notices_reach_listeners_after_commit(services: Services) -> None:
    seen: list[tuple[str, int | None]] = []
    services.store.subscribe(lambda entity, entity_id: seen.append((entity, entity_id)))
    c = services.clients.create(Client(code="N1"))
    assert seen == [("client", c.id)]
    with pytest.raises(ValidationError):
        services.clients.create(Client(code="N1"))
    assert seen == [("client", c.id)]


def test_saving_the_client_form_never_clears_a_raised_risk_flag(services: Services) -> None:
    # A form opened before the flag was raised on the risk tab must not undo it on save.
    c = services.clients.create(Client(code="2026-002"))
    assert c.id
    services.risk.raise_flag(c.id, "reported self-harm last week", date.today() + timedelta(days=14))
    stale = replace(c, notes="the form was opened before the flag was raised")
    assert services.clients.update(stale).risk_flag is True
