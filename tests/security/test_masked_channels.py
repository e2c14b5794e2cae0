"""A masked value shows the same partial text on every channel: page, list, API and timeline.

The user's role masks money (a custom budget field), a custom number, the next follow-up date
and the tags. Each value is read from the customer page, the customer list, the API's customer
and list bodies, and the change events of the page's and the API's timelines.
"""

import html
import re

from django.test import Client

from kehu.conftest import Personas
from kehu.customers import services
from kehu.customers.models import Customer
from kehu.fields import services as field_services
from kehu.fields.models import FieldTarget
from kehu.org.models import Capability, DataScope, FieldAccess, Role, User
from kehu.web.models import ListPreference
from tests.security.callers import ApiCaller, PageCaller

BUDGET = "12345677.00"
NEW_BUDGET = "22345678.50"


def _masked_user(personas: Personas) -> User:
    role = Role.objects.create(
        name="金额遮盖销售",
        data_scope=DataScope.OWN,
        capabilities=[Capability.CREATE, Capability.EDIT, Capability.FOLLOW_UP],
        field_policy={
            "customer.cf_visits": FieldAccess.MASKED,
            "customer.next_follow_up_on": FieldAccess.MASKED,
            "customer.tags": FieldAccess.MASKED,
        },
        money_access=FieldAccess.MASKED,
    )
    return User.objects.create_user(
        username="masked",
        password="test-pass-123",
        display_name="孙销售",
        role=role,
        department=personas.rep.department,
    )


def _customer(personas: Personas, owner: User) -> Customer:
    for key, field_type, label in (("budget", "money", "预算"), ("visits", "number", "拜访次数")):
        field_services.create_custom_field(
            personas.boss,
            FieldTarget.CUSTOMER,
            {"key": key, "field_type": field_type, "label": label},
        )
    return services.create_customer(
        personas.boss,
        {
            "name": "杭州星星科技有限公司",
            "cf_budget": BUDGET,
            "cf_visits": "1234567",
            "next_follow_up_on": "2030-03-05",
            "tags": "重点客户, 华东",
        },
        owner=owner,
    )


def _fact(page: str, label: str) -> str:
    found = re.search(f"<dt>{label}</dt><dd>(.*?)</dd>", page)
    assert found is not None, label
    return html.unescape(found.group(1))


def test_masked_values_match_on_page_list_and_api(personas: Personas) -> None:
    user = _masked_user(personas)
    customer = _customer(personas, user)
    ListPreference.objects.create(user=user, columns=["name", "cf_budget", "cf_visits"])
    page_client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page_client.force_login(user)
    pages = PageCaller(page_client)
    api = ApiCaller.of(user)

    page = pages.get(customer.get_absolute_url()).body
    listing = pages.get("/").body
    body = api.get(f"/customers/{customer.public_id}").json()
    item = api.get("/customers").json()["items"][0]

    assert _fact(page, "预算") == body["custom"]["cf_budget"] == "****"
    assert _fact(page, "拜访次数") == body["custom"]["cf_visits"] == "12****67"
    assert _fact(page, "下次跟进日期") == body["next_follow_up_on"] == "20****05"
    assert _fact(page, "标签") == body["tags"] == "****"
    assert item["custom"] == body["custom"]
    assert "<td>****</td><td>12****67</td>" in listing
    for text in (page, listing):
        assert BUDGET not in text
        assert "12,345,677" not in text


def test_masked_money_change_matches_timelines(personas: Personas) -> None:
    user = _masked_user(personas)
    customer = _customer(personas, user)
    services.update_customer(personas.boss, customer, {"cf_budget": NEW_BUDGET})
    page_client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page_client.force_login(user)

    page = PageCaller(page_client).get(customer.get_absolute_url()).body
    events = (
        ApiCaller.of(user).get(f"/customers/{customer.public_id}/timeline", kinds="events").json()
    )

    changed = re.search(
        r'<span class="muted">预算</span> <del>(.*?)</del> → <ins>(.*?)</ins>', page
    )
    assert changed is not None
    api_change = events[0]["event"]["data"]["changes"]["cf_budget"]
    assert list(changed.groups()) == api_change == ["****", "****"]
    assert "22,345,678" not in page
    assert NEW_BUDGET not in str(events)


def test_masked_lists_do_not_show_their_length(personas: Personas) -> None:
    user = _masked_user(personas)
    role = user.role
    assert role is not None
    role.field_policy = {**role.field_policy, "customer.cf_regions": FieldAccess.MASKED}
    role.save(update_fields=["field_policy"])
    field_services.create_custom_field(
        personas.boss,
        FieldTarget.CUSTOMER,
        {
            "key": "regions",
            "field_type": "multi_choice",
            "label": "销售区域",
            "choices": ["华东", "华南", "华北"],
        },
    )
    one = services.create_customer(
        personas.boss,
        {"name": "杭州一号科技有限公司", "tags": "重点客户", "cf_regions": "华东"},
        owner=user,
    )
    three = services.create_customer(
        personas.boss,
        {
            "name": "杭州三号科技有限公司",
            "tags": "重点客户, 华东, 展会",
            "cf_regions": "华东, 华南",
        },
        owner=user,
    )
    services.update_customer(personas.boss, three, {"cf_regions": "华东, 华南, 华北"})
    page_client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page_client.force_login(user)
    pages = PageCaller(page_client)
    api = ApiCaller.of(user)

    shown = []
    for customer in (one, three):
        page = pages.get(customer.get_absolute_url()).body
        body = api.get(f"/customers/{customer.public_id}").json()
        shown.append(
            (
                _fact(page, "标签"),
                _fact(page, "销售区域"),
                body["tags"],
                body["custom"]["cf_regions"],
            )
        )
    events = api.get(f"/customers/{three.public_id}/timeline", kinds="events").json()
    page = pages.get(three.get_absolute_url()).body
    changed = re.search(
        r'<span class="muted">销售区域</span> <del>(.*?)</del> → <ins>(.*?)</ins>', page
    )

    assert shown == [("****", "****", "****", "****"), ("****", "****", "****", "****")]
    assert changed is not None
    assert list(changed.groups()) == ["****", "****"]
    assert events[0]["event"]["data"]["changes"]["cf_regions"] == ["****", "****"]
