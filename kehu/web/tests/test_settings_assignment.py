"""The assignment rule pages, the owner choice of the customer form and of the import mapping."""

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from kehu.assignment import services
from kehu.assignment.models import AssignmentRule, RoutingDefault
from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.customers.models import Customer
from kehu.fields.models import CustomField
from kehu.imports.models import ImportJob
from kehu.imports.tests.test_views import xlsx_upload
from kehu.pool.models import PoolEntry
from kehu.web.tests.conftest import ClientFor

LIST = "/settings/assignment/"


def _state() -> list[object]:
    return [
        list(
            AssignmentRule.objects.order_by("pk").values_list(
                "name", "position", "is_active", "route", "user_id", "regions"
            )
        ),
        list(RoutingDefault.objects.values_list("target", "owner_id")),
        AuditEntry.objects.count(),
    ]


def _rule(personas: Personas, name: str = "浙江客户", **values: Any) -> AssignmentRule:
    return services.create_rule(
        personas.boss, {"name": name, "route": "user", "user": personas.rep, **values}
    )


def _routes(rule: AssignmentRule) -> list[tuple[str, str]]:
    base = f"{LIST}{rule.public_id}"
    return [
        ("get", LIST),
        ("get", f"{LIST}new/"),
        ("post", f"{LIST}new/"),
        ("post", f"{LIST}default-owner/"),
        ("get", f"{base}/edit/"),
        ("post", f"{base}/edit/"),
        ("post", f"{base}/delete/"),
        ("post", f"{base}/move/"),
        ("post", f"{base}/switch/"),
    ]


@pytest.mark.parametrize("persona", ["rep", "agent"])
def test_roles_without_manage_pools_are_refused(
    personas: Personas, client_for: ClientFor, persona: str
) -> None:
    rule = _rule(personas)
    _rule(personas, "第二条")
    client = client_for(getattr(personas, persona))
    before = _state()
    form = {
        "name": "越权",
        "route": "user",
        "user": str(personas.rep2.public_id),
        "direction": "down",
        "active": "0",
        "target": "customer",
        "owner": str(personas.rep2.public_id),
    }

    for method, url in _routes(rule):
        response = client.post(url, form) if method == "post" else client.get(url)
        assert response.status_code == 403, (method, url)

    assert _state() == before


def test_manager_opens_the_pages(personas: Personas, client_for: ClientFor) -> None:
    CustomField.objects.create(target="customer", key="channel", label="渠道", field_type="text")
    rule = _rule(
        personas,
        regions="浙江",
        industries=["it"],
        custom_conditions=[{"field": "channel", "values": "展会"}],
    )
    client = client_for(personas.manager)

    listing = client.get(LIST)
    form = client.get(f"{LIST}{rule.public_id}/edit/")

    assert listing.status_code == 200
    assert "浙江客户" in listing.text
    assert "地区：浙江省" in listing.text
    assert "行业：IT/软件" in listing.text
    assert "渠道: 展会" in listing.text
    assert form.status_code == 200
    assert 'value="浙江省"' in form.text


def test_boss_creates_a_round_robin_rule(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.boss).post(
        f"{LIST}new/",
        {
            "name": "华东轮流",
            "applies_to": "both",
            "is_active": "1",
            "regions": "浙江、苏州",
            "industries": ["it", "finance"],
            "grades": ["A"],
            "route": "round_robin",
            "users": [str(personas.rep.public_id), str(personas.rep2.public_id)],
        },
    )

    assert response.status_code == 302
    rule = AssignmentRule.objects.get()
    assert (rule.name, rule.route, rule.regions) == ("华东轮流", "round_robin", ["33", "3205"])
    assert (rule.industries, rule.grades, rule.is_active) == (["it", "finance"], ["A"], True)
    assert set(rule.users.all()) == {personas.rep, personas.rep2}
    assert AuditEntry.objects.get().action == AuditAction.ASSIGNMENT_RULES_CHANGED


def test_rejected_form_explains_and_saves_nothing(
    personas: Personas, client_for: ClientFor
) -> None:
    response = client_for(personas.boss).post(
        f"{LIST}new/", {"name": "坏规则", "route": "round_robin", "regions": "火星"}
    )

    assert response.status_code == 400
    assert "“火星”不是省份或城市。" in response.text
    assert "请选择用户，或选择一个部门，由其成员轮流接收。" in response.text
    assert 'value="坏规则"' in response.text
    assert not AssignmentRule.objects.exists()


def test_move_switch_delete_and_default(personas: Personas, client_for: ClientFor) -> None:
    first = _rule(personas, "第一条")
    second = _rule(personas, "第二条")
    client = client_for(personas.boss)

    moved = client.post(f"{LIST}{second.public_id}/move/", {"direction": "up"})
    switched = client.post(f"{LIST}{first.public_id}/switch/", {"active": "0"})
    deleted = client.post(f"{LIST}{second.public_id}/delete/")
    defaulted = client.post(
        f"{LIST}default-owner/", {"target": "customer", "owner": str(personas.rep2.public_id)}
    )

    assert [r.status_code for r in (moved, switched, deleted, defaulted)] == [302] * 4
    assert list(AssignmentRule.objects.values_list("name", "is_active")) == [("第一条", False)]
    assert RoutingDefault.objects.get(target="customer").owner == personas.rep2


def test_agent_as_default_owner_is_rejected(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.boss).post(
        f"{LIST}default-owner/", {"target": "customer", "owner": str(personas.agent.public_id)}
    )

    assert response.status_code == 400
    assert "外部代理 不能拥有客户：该用户已停用或是外部协作者。" in response.text
    assert not RoutingDefault.objects.exists()


def test_customer_form_by_rules(personas: Personas, client_for: ClientFor) -> None:
    _rule(personas, user=personas.rep2)
    client = client_for(personas.manager)

    page = client.get("/customers/new/")
    response = client.post("/customers/new/", {"name": "杭州星星科技有限公司", "owner": ""})

    assert '<option value="">按分配规则</option>' in page.text
    assert response.status_code == 302
    assert Customer.objects.get().owner == personas.rep2


def test_customer_form_by_rules_to_pool(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.manager).post(
        "/customers/new/", {"name": "杭州星星科技有限公司", "owner": ""}
    )

    assert response.status_code == 302
    customer = Customer.objects.get()
    assert customer.owner is None
    assert PoolEntry.objects.get().customer == customer


def test_rep_form_has_no_owner_choice(personas: Personas, client_for: ClientFor) -> None:
    _rule(personas, user=personas.rep2)
    client = client_for(personas.rep)

    page = client.get("/customers/new/")
    response = client.post("/customers/new/", {"name": "杭州星星科技有限公司", "owner": ""})

    assert 'name="owner"' not in page.text
    assert response.status_code == 302
    assert Customer.objects.get().owner == personas.rep


def test_customer_form_owner_outside_reach(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.manager).post(
        "/customers/new/",
        {"name": "杭州星星科技有限公司", "owner": str(personas.other_rep.public_id)},
    )

    assert response.status_code == 400
    assert "请从列表中选择负责人。" in response.text
    assert not Customer.objects.exists()


def test_import_mapping_offers_rules(client: Client, personas: Personas, tmp_path: Path) -> None:
    client.force_login(personas.manager)
    client.post("/imports/", {"file": xlsx_upload(tmp_path), "kind": "customers"})
    job = ImportJob.objects.get()
    client.post(
        f"/imports/{job.public_id}/sheet/",
        {"sheet_name": "Sheet1", "header_row": "2", "header_rows": "1"},
    )

    page = client.get(f"/imports/{job.public_id}/mapping/")
    response = client.post(
        f"/imports/{job.public_id}/mapping/",
        {
            "column_0": "customer.name",
            "column_1": "contact.name",
            "column_2": "contact.mobile",
            "owner": "rules",
            "on_duplicate": "skip",
            "action": "save",
        },
    )

    assert 'value="rules"' in page.text
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.owner_by_rules, job.assign_owner, job.owner) == (True, False, None)


def test_timeline_names_the_rule(personas: Personas, client_for: ClientFor) -> None:
    _rule(personas, "浙江客户", user=personas.rep2)
    client = client_for(personas.manager)
    client.post("/customers/new/", {"name": "杭州星星科技有限公司", "owner": ""})
    customer = Customer.objects.get()

    page = client.get(f"/customers/{customer.public_id}/")

    assert "由规则“浙江客户”分配。" in page.text
