from typing import Any

import pytest

from kehu.assignment import services
from kehu.assignment.routing import Router, route
from kehu.assignment.tests.conftest import MakeRule
from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.fields.models import CustomField
from kehu.org.models import Preset, User
from kehu.org.presets import preset_role

HANGZHOU = {"province_code": "33", "city_code": "3301", "industry": "it", "grade": "A"}


def owner_of(values: dict[str, Any], target: str = "customer") -> User | None:
    return route(values, target=target).owner  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        ({"regions": "浙江"}, {"province_code": "33", "city_code": "3301"}, True),
        ({"regions": "杭州"}, {"province_code": "33", "city_code": "3301"}, True),
        ({"regions": "3302"}, {"province_code": "33", "city_code": "3301"}, False),
        ({"regions": "江苏、上海"}, {"province_code": "33", "city_code": "3301"}, False),
        ({"regions": "浙江"}, {}, False),
        ({"industries": ["it", "finance"]}, {"industry": "finance"}, True),
        ({"industries": ["it"]}, {"industry": "retail"}, False),
        ({"sources": ["website"]}, {"source": "website"}, True),
        ({"sources": ["website"]}, {"source": ""}, False),
        ({"grades": ["A", "B"]}, {"grade": "B"}, True),
        ({"grades": ["A"]}, {"grade": "C"}, False),
        ({}, {}, True),
    ],
)
def test_condition_matches(
    personas: Personas,
    make_rule: MakeRule,
    condition: dict[str, Any],
    values: dict[str, Any],
    expected: bool,
) -> None:
    make_rule(user=personas.rep, **condition)

    owner = owner_of(values)

    assert (owner == personas.rep) is expected


@pytest.mark.parametrize(
    ("field_type", "choices", "listed", "value", "expected"),
    [
        ("text", [], "展会、官网", "展会", True),
        ("text", [], "展会", "电话", False),
        ("text", [], "展会", None, False),
        ("choice", ["华东", "华南"], "华东", "华东", True),
        ("choice", ["华东", "华南"], "华东", "华南", False),
    ],
)
def test_custom_field_condition(
    personas: Personas,
    make_rule: MakeRule,
    field_type: str,
    choices: list[str],
    listed: str,
    value: str | None,
    expected: bool,
) -> None:
    CustomField.objects.create(
        target="customer", key="channel", label="渠道", field_type=field_type, choices=choices
    )
    make_rule(user=personas.rep, custom_conditions=[{"field": "channel", "values": listed}])
    custom = {} if value is None else {"channel": value}

    owner = owner_of({"custom": custom})

    assert (owner == personas.rep) is expected


def test_all_conditions_must_hold(personas: Personas, make_rule: MakeRule) -> None:
    make_rule(user=personas.rep, regions="浙江", industries=["it"], grades=["A"])

    assert owner_of(HANGZHOU) == personas.rep
    assert owner_of({**HANGZHOU, "grade": "B"}) is None


def test_first_match_wins(personas: Personas, make_rule: MakeRule) -> None:
    make_rule(user=personas.rep, regions="浙江")
    make_rule(user=personas.rep2)

    assert owner_of(HANGZHOU) == personas.rep
    assert owner_of({"province_code": "32"}) == personas.rep2


def test_moving_a_rule_changes_the_winner(personas: Personas, make_rule: MakeRule) -> None:
    make_rule(user=personas.rep, regions="浙江")
    catch_all = make_rule(user=personas.rep2)

    services.move_rule(personas.boss, catch_all, -1)

    assert owner_of(HANGZHOU) == personas.rep2


def test_inactive_rule_is_ignored(personas: Personas, make_rule: MakeRule) -> None:
    first = make_rule(user=personas.rep)
    make_rule(user=personas.rep2)

    services.set_rule_active(personas.boss, first, False)

    assert owner_of(HANGZHOU) == personas.rep2


def test_rule_for_leads_skips_customers(personas: Personas, make_rule: MakeRule) -> None:
    make_rule(user=personas.rep, applies_to="lead")
    make_rule(user=personas.rep2, applies_to="customer")

    assert owner_of(HANGZHOU, "customer") == personas.rep2
    assert owner_of(HANGZHOU, "lead") == personas.rep


def test_deactivated_user_passes_to_next_rule(personas: Personas, make_rule: MakeRule) -> None:
    make_rule(user=personas.rep)
    make_rule(user=personas.rep2)
    personas.rep.is_active = False
    personas.rep.save(update_fields=["is_active"])

    assert owner_of(HANGZHOU) == personas.rep2


def test_agent_is_skipped_in_a_set(personas: Personas, make_rule: MakeRule) -> None:
    rule = make_rule(route="round_robin", users=[personas.rep])
    # The form refuses agents, but a user may become one after the rule was made.
    rule.users.add(personas.agent)
    personas.rep.role = preset_role(Preset.AGENT)
    personas.rep.save(update_fields=["role"])

    assert owner_of(HANGZHOU) is None


def test_full_users_are_skipped(
    personas: Personas, make_rule: MakeRule, full_users: set[int]
) -> None:
    make_rule(route="round_robin", users=[personas.rep, personas.rep2])
    make_rule(user=personas.manager)
    full_users.update({personas.rep.pk})

    assert [owner_of(HANGZHOU) for _ in range(2)] == [personas.rep2, personas.rep2]
    full_users.add(personas.rep2.pk)
    assert owner_of(HANGZHOU) == personas.manager


def test_router_counts_what_it_handed_out(
    personas: Personas, make_rule: MakeRule, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kehu.customers import ownership

    def two_each(owner: User, adding: int) -> None:
        from django.core.exceptions import ValidationError

        if adding > 2:
            raise ValidationError({"owner": ["full"]})

    monkeypatch.setattr(ownership, "_checks", [two_each])
    make_rule(user=personas.rep)
    router = Router("customer")

    owners = [router.route(HANGZHOU).owner for _ in range(3)]

    assert owners == [personas.rep, personas.rep, None]


def test_round_robin_takes_turns(personas: Personas, make_rule: MakeRule) -> None:
    make_rule(route="round_robin", users=[personas.rep2, personas.rep, personas.manager])
    ordered = sorted([personas.rep, personas.rep2, personas.manager], key=lambda user: user.pk)

    owners = [owner_of(HANGZHOU) for _ in range(5)]

    assert owners == [*ordered, *ordered[:2]]


def test_round_robin_over_department_members(personas: Personas, make_rule: MakeRule) -> None:
    assert personas.rep.department is not None
    make_rule(route="round_robin", department=personas.rep.department)
    members = sorted([personas.manager, personas.rep, personas.rep2], key=lambda user: user.pk)

    owners = [owner_of(HANGZHOU) for _ in range(3)]

    assert owners == members


def test_least_loaded_picks_fewest_customers(personas: Personas, make_rule: MakeRule) -> None:
    for name in ("甲公司", "乙公司"):
        customer_services.create_customer(personas.rep, {"name": name})
    customer_services.create_customer(personas.rep2, {"name": "丙公司"})
    make_rule(route="least_loaded", users=[personas.rep, personas.rep2, personas.manager])
    router = Router("customer")

    owners = [router.route(HANGZHOU).owner for _ in range(4)]

    # Loads start at rep 2, rep2 1, manager 0; ties go in round-robin order.
    assert owners == [personas.manager, personas.rep2, personas.manager, personas.rep]


def test_least_loaded_uses_the_load_function(personas: Personas, make_rule: MakeRule) -> None:
    make_rule(route="least_loaded", users=[personas.rep, personas.rep2])
    asked: list[list[int]] = []

    def open_leads(user_ids: list[int]) -> dict[int, int]:
        asked.append(sorted(user_ids))
        return {personas.rep.pk: 0, personas.rep2.pk: 5}

    result = route(HANGZHOU, target="lead", load=open_leads)

    assert result.owner == personas.rep
    assert asked == [sorted([personas.rep.pk, personas.rep2.pk])]


def test_default_owner_takes_unmatched(personas: Personas, make_rule: MakeRule) -> None:
    make_rule(user=personas.rep, regions="江苏")
    services.set_default_owner(personas.boss, "customer", personas.rep2)

    result = route(HANGZHOU, target="customer")

    assert result.owner == personas.rep2
    assert result.rule is None
    assert result.event_data() == {"routing": "default"}


def test_inactive_default_owner_means_pool(personas: Personas) -> None:
    services.set_default_owner(personas.boss, "customer", personas.rep2)
    personas.rep2.is_active = False
    personas.rep2.save(update_fields=["is_active"])

    result = route(HANGZHOU, target="customer")

    assert result.owner is None
    assert result.event_data() == {"routing": "pool"}


def test_default_owner_is_per_target(personas: Personas) -> None:
    services.set_default_owner(personas.boss, "lead", personas.rep2)

    assert owner_of(HANGZHOU, "lead") == personas.rep2
    assert owner_of(HANGZHOU, "customer") is None


def test_route_records_the_rule(personas: Personas, make_rule: MakeRule) -> None:
    rule = make_rule(name="浙江客户", user=personas.rep, regions="浙江")

    result = route(HANGZHOU, target="customer")

    assert result.rule == rule
    assert result.event_data() == {
        "routing": "rule",
        "rule": str(rule.public_id),
        "rule_name": "浙江客户",
    }
