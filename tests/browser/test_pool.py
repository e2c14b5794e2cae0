"""Public pool in a browser: a rep claims, a second rep is refused, a manager assigns."""

import pytest
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from conftest import OpenBrowser
from kehu.conftest import Personas
from kehu.customers.models import Customer
from kehu.pool.tests.fixtures import PlaceCustomer, Pools
from tests.browser.test_first_day import log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pool_claim_and_assign(
    live_server: LiveServer,
    personas: Personas,
    pools: Pools,
    place: PlaceCustomer,
    open_browser: OpenBrowser,
) -> None:
    pools.east.masked_fields = ["contact.mobile"]
    pools.east.save()
    wanted = place("青禾科技有限公司", pools.east)
    wanted.contacts.create(
        name="王芳",
        mobile="13812345678",
        created_at=wanted.created_at,
        updated_at=wanted.created_at,
    )
    spare = place("远山物流有限公司", pools.east)

    # Each user gets a browser of their own, so their sessions stay apart.
    first = open_browser().new_page()
    log_in(first, live_server, "rep", "test-pass-123")
    second = open_browser().new_page()
    log_in(second, live_server, "rep2", "test-pass-123")

    # Both reps open the preview before either claims.
    for page in (first, second):
        page.get_by_role("link", name="公海", exact=True).click()
        page.get_by_role("link", name="华东公海").click()
        page.get_by_role("link", name="青禾科技有限公司").click()
        expect(page.locator("#contacts")).to_contain_text("138****5678")
        expect(page.locator("#contacts")).not_to_contain_text("13812345678")

    first.get_by_role("button", name="领取").click()
    expect(first.locator("h1")).to_have_text("青禾科技有限公司")
    expect(first.locator("#contacts")).to_contain_text("13812345678")

    second.get_by_role("button", name="领取").click()
    expect(second.locator(".alert.error")).to_contain_text("该客户已被他人领取")
    assert Customer.objects.get(pk=wanted.pk).owner_id == personas.rep.pk

    manager = open_browser().new_page()
    log_in(manager, live_server, "manager", "test-pass-123")
    manager.goto(f"{live_server.url}/pool/customers/{spare.public_id}/")
    manager.select_option("#id_user", label="张销售")
    manager.get_by_role("button", name="分配").click()
    expect(manager.locator("body")).to_contain_text("该客户已分配给 张销售")
    assert Customer.objects.get(pk=spare.pk).owner_id == personas.rep2.pk
