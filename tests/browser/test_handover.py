"""Offboarding in a browser: a manager hands a leaving rep's book to a successor, who reads it."""

import datetime as dt

import pytest
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from conftest import OpenBrowser
from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import services as customer_services
from kehu.customers.models import Customer
from kehu.handover.models import Handover, HandoverStatus
from kehu.sales import services as sales_services
from kehu.timeline import services as timeline_services
from tests.browser.test_first_day import log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_offboarding_to_briefing(
    live_server: LiveServer, personas: Personas, open_browser: OpenBrowser
) -> None:
    customer = customer_services.create_customer(
        personas.rep,
        {"name": "温州瓯江阀门有限公司"},
        [{"name": "王建国", "title": "采购总监", "mobile": "13800138001"}],
    )
    sales_services.create_deal(personas.rep, customer, {"name": "阀门年度采购", "amount": "180000"})
    timeline_services.add_follow_up(
        personas.rep,
        customer,
        {"kind": "call", "content": "客户要求下周报价", "next_step": "发送二期报价"},
    )
    last_day = (clock.today() + dt.timedelta(days=14)).isoformat()

    manager = open_browser().new_page()
    log_in(manager, live_server, "manager", "test-pass-123")
    manager.get_by_role("link", name="交接", exact=True).click()
    manager.locator("#offboardings select[name=user]").select_option(label="李销售")
    manager.locator("#offboardings input[name=last_day]").fill(last_day)
    manager.get_by_role("button", name="启动离职交接").click()

    # The plan form: one successor for everything the rep owns.
    manager.select_option("#mode", "users")
    manager.select_option("#successors", label="张销售")
    manager.get_by_role("button", name="预览交接").click()
    expect(manager.locator("body")).to_contain_text("温州瓯江阀门有限公司")
    expect(manager.locator("body")).to_contain_text("张销售")
    assert Customer.objects.get(pk=customer.pk).owner_id == personas.rep.pk

    manager.get_by_role("button", name="执行交接").click()
    expect(manager.locator("#counts h2")).to_have_text("已移交的内容")
    assert Handover.objects.get().status == HandoverStatus.EXECUTED
    assert Customer.objects.get(pk=customer.pk).owner_id == personas.rep2.pk

    successor = open_browser().new_page()
    log_in(successor, live_server, "rep2", "test-pass-123")
    successor.get_by_role("link", name="交接收件箱").click()
    expect(successor.locator("#inbox")).to_contain_text("温州瓯江阀门有限公司")
    expect(successor.locator("#inbox")).to_contain_text("李销售")
    successor.get_by_role("link", name="阅读交接简报").click()

    expect(successor.locator("h1")).to_have_text("交接简报：温州瓯江阀门有限公司")
    expect(successor.locator("#contacts")).to_contain_text("王建国")
    expect(successor.locator("#contacts")).to_contain_text("采购总监")
    expect(successor.locator("#next-step")).to_contain_text("发送二期报价")
    expect(successor.locator("#follow-ups")).to_contain_text("客户要求下周报价")
    expect(successor.locator("#deals")).to_contain_text("阀门年度采购")
    expect(successor.locator("#deals")).to_contain_text("¥180,000.00")
    expect(successor.locator("#gaps")).to_contain_text("联系人中没有记录决策人。")
