"""Changing rules: validation errors in Chinese, permission, order and the audit log."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from kehu.assignment import services
from kehu.assignment.models import AssignmentRule, RoutingDefault
from kehu.assignment.tests.conftest import MakeRule
from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.fields.models import CustomField


def errors_of(personas: Personas, values: dict[str, Any]) -> dict[str, list[str]]:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        services.create_rule(personas.boss, {"route": "user", **values})
    return caught.value.message_dict


def test_missing_name_and_user(personas: Personas) -> None:
    errors = errors_of(personas, {"route": "user"})

    assert errors == {"name": ["请输入规则名称。"], "user": ["请选择接收此规则所匹配记录的用户。"]}


def test_unknown_region_named(personas: Personas) -> None:
    errors = errors_of(personas, {"name": "甲", "user": personas.rep, "regions": "浙江、火星"})

    assert errors["regions"] == [
        "“火星”不是省份或城市。请输入名称（如 浙江 或 杭州）或代码（如 33 或 3301）。"
    ]


def test_unknown_grade_named(personas: Personas) -> None:
    errors = errors_of(personas, {"name": "甲", "user": personas.rep, "grades": ["Z"]})

    assert errors["grades"][0].startswith("“Z”不是可选值之一：")


def test_set_needs_users_or_department(personas: Personas) -> None:
    assert personas.rep.department is not None
    neither = errors_of(personas, {"name": "甲", "route": "round_robin"})
    both = errors_of(
        personas,
        {
            "name": "甲",
            "route": "least_loaded",
            "users": [personas.rep],
            "department": personas.rep.department,
        },
    )

    assert neither == {"users": ["请选择用户，或选择一个部门，由其成员轮流接收。"]}
    assert both == {"users": ["请选择用户或部门，不能同时选择。"]}


def test_agent_cannot_receive(personas: Personas) -> None:
    errors = errors_of(personas, {"name": "甲", "user": personas.agent})

    assert errors == {"user": ["外部代理 是外部协作者，不能拥有客户。"]}


def test_custom_condition_checks_field_and_choice(personas: Personas) -> None:
    CustomField.objects.create(
        target="customer", key="area", label="大区", field_type="choice", choices=["华东"]
    )
    CustomField.objects.create(target="customer", key="budget", label="预算", field_type="money")

    errors = errors_of(
        personas,
        {
            "name": "甲",
            "user": personas.rep,
            "custom_conditions": [
                {"field": "area", "values": "华北"},
                {"field": "budget", "values": "100"},
            ],
        },
    )

    assert errors["cf_area"] == ["“华北”不是 大区 的可选值之一：华东。"]
    assert errors["custom_conditions"] == ["“budget”不是客户的有效文本或选项自定义字段。"]


def test_duplicate_name(personas: Personas, make_rule: MakeRule) -> None:
    make_rule(name="浙江", user=personas.rep)

    errors = errors_of(personas, {"name": "浙江", "user": personas.rep})

    assert errors == {"name": ["已有规则名为“浙江”。"]}


def test_manager_without_manage_pools_is_refused(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.create_rule(personas.rep, {"name": "甲", "route": "user", "user": personas.rep})

    assert not AssignmentRule.objects.exists()
    assert not AuditEntry.objects.exists()


def test_changes_are_audited(personas: Personas, make_rule: MakeRule) -> None:
    first = make_rule(name="甲", user=personas.rep)
    second = make_rule(name="乙", user=personas.rep2)
    services.update_rule(
        personas.boss, first, {"name": "甲改", "route": "user", "user": personas.rep2}
    )
    services.move_rule(personas.boss, second, -1)
    services.set_rule_active(personas.boss, second, False)
    services.delete_rule(personas.boss, first)
    services.set_default_owner(personas.boss, "customer", personas.rep)

    entries = AuditEntry.objects.filter(action=AuditAction.ASSIGNMENT_RULES_CHANGED)
    changes = [entry.detail["change"] for entry in entries.order_by("pk")]
    assert changes == [
        "created",
        "created",
        "changed",
        "moved",
        "deactivated",
        "deleted",
        "default_owner",
    ]
    assert RoutingDefault.objects.get(target="customer").owner == personas.rep


def test_move_renumbers_and_stops_at_ends(personas: Personas, make_rule: MakeRule) -> None:
    rules = [make_rule(user=personas.rep) for _ in range(3)]

    services.move_rule(personas.boss, rules[2], -5)
    services.move_rule(personas.boss, rules[2], -1)

    ordered = list(AssignmentRule.objects.values_list("pk", "position"))
    assert ordered == [(rules[2].pk, 0), (rules[0].pk, 1), (rules[1].pk, 2)]
