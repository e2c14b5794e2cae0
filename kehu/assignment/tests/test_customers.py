"""Creating customers whose owner the rules choose: the service and the importer."""

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from kehu.assignment import customers
from kehu.assignment.models import AssignmentRule
from kehu.assignment.tests.conftest import MakeRule
from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers.models import Customer
from kehu.imports import services as import_services
from kehu.imports import tasks
from kehu.imports.tests.helpers import check, counts, prepare, write_csv
from kehu.pool.membership import company_pool
from kehu.pool.models import EntryCause, PoolEntry
from kehu.timeline.models import EventKind


def test_rule_chooses_owner(personas: Personas, make_rule: MakeRule) -> None:
    rule = make_rule(name="浙江", user=personas.rep2, regions="浙江")

    customer = customers.create_customer(
        personas.manager, {"name": "杭州星星科技有限公司", "province": "浙江", "city": "杭州"}
    )

    assert customer.owner == personas.rep2
    assert customer.creator == personas.manager
    created = customer.events.get(kind=EventKind.CREATED)
    assert created.data == {"routing": "rule", "rule": str(rule.public_id), "rule_name": "浙江"}
    assert not PoolEntry.objects.exists()


def test_rule_may_route_outside_actors_reach(personas: Personas, make_rule: MakeRule) -> None:
    make_rule(user=personas.other_rep)

    customer = customers.create_customer(personas.manager, {"name": "广州南风贸易有限公司"})

    assert customer.owner == personas.other_rep


def test_no_match_enters_pool(personas: Personas, make_rule: MakeRule) -> None:
    make_rule(user=personas.rep2, regions="江苏")

    customer = customers.create_customer(personas.boss, {"name": "杭州星星科技有限公司"})

    assert customer.owner is None
    entry = PoolEntry.objects.get(customer=customer)
    assert entry.pool == company_pool()
    assert entry.cause == EntryCause.PLACED
    kinds = list(customer.events.order_by("pk").values_list("kind", "data"))
    assert kinds[0] == (EventKind.CREATED, {"routing": "pool"})
    assert kinds[1][0] == EventKind.POOL_PLACED
    assert AuditEntry.objects.filter(action=AuditAction.POOL_PLACED).count() == 1


def test_rep_may_not_leave_owner_to_rules(personas: Personas, make_rule: MakeRule) -> None:
    make_rule(route="round_robin", users=[personas.rep, personas.rep2])

    with pytest.raises(PermissionDenied):
        customers.create_customer(personas.rep, {"name": "杭州星星科技有限公司"})

    assert not Customer.objects.exists()
    assert AssignmentRule.objects.get().cursor is None


def test_duplicate_uses_no_turn(personas: Personas, make_rule: MakeRule) -> None:
    customer_services.create_customer(personas.rep, {"name": "杭州星星科技有限公司"})
    rule = make_rule(route="round_robin", users=[personas.rep, personas.rep2])

    with pytest.raises(customer_services.DuplicateCustomer):
        customers.create_customer(personas.boss, {"name": "杭州星星科技有限公司"})

    rule.refresh_from_db()
    assert rule.cursor is None
    assert not PoolEntry.objects.exists()


def test_import_by_rules(personas: Personas, make_rule: MakeRule, tmp_path: Path) -> None:
    rule = make_rule(route="round_robin", users=[personas.rep, personas.rep2], regions="浙江")
    path = write_csv(
        tmp_path / "客户.csv",
        [
            ["客户名称", "地区", "负责人"],
            ["杭州一号科技有限公司", "浙江杭州", ""],
            ["杭州二号科技有限公司", "浙江杭州", ""],
            ["南京三号科技有限公司", "江苏南京", ""],
            ["杭州四号科技有限公司", "浙江杭州", "王经理"],
        ],
    )
    job = prepare(personas.manager, path)
    job = import_services.set_mapping(
        personas.manager,
        job,
        [str(entry.get("target", "")) for entry in job.mapping],
        owner_by_rules=True,
    )
    assert job.owner_by_rules and job.owner is None
    job = check(personas.manager, job)
    tasks.run(job.pk, import_services.claim_for_command(personas.manager, job))
    job.refresh_from_db()

    assert counts(job)["created"] == 4
    owners = dict(Customer.objects.values_list("name", "owner"))
    pair = sorted([personas.rep.pk, personas.rep2.pk])
    assert sorted([owners["杭州一号科技有限公司"], owners["杭州二号科技有限公司"]]) == pair
    assert owners["南京三号科技有限公司"] is None
    assert owners["杭州四号科技有限公司"] == personas.manager.pk
    assert list(PoolEntry.objects.values_list("customer__name", flat=True)) == [
        "南京三号科技有限公司"
    ]
    first = Customer.objects.get(name="杭州一号科技有限公司").events.get(kind=EventKind.IMPORTED)
    assert first.data["routing"] == "rule"
    assert first.data["rule"] == str(rule.public_id)


def test_import_by_rules_needs_assign(personas: Personas, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "客户.csv", [["客户名称"], ["杭州一号科技有限公司"]])
    job = prepare(personas.rep, path)

    with pytest.raises(PermissionDenied):
        import_services.set_mapping(
            personas.rep,
            job,
            [str(entry.get("target", "")) for entry in job.mapping],
            owner_by_rules=True,
        )

    job.refresh_from_db()
    assert not job.owner_by_rules
