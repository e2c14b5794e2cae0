"""The sharing panel in Debian's chromium: htmx loads it into the customer page and swaps it."""

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import OpenBrowser
from kehu.conftest import Personas
from kehu.customers.models import CustomerShare
from kehu.web.tests.conftest import MakeCustomer

PASSWORD = "test-pass-123"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(browser: BrowserContext, server: LiveServer, username: str) -> Page:
    page = browser.new_page()
    page.goto(f"{server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator("#id_q")).to_be_visible()
    return page


def test_owner_shares_and_stops_in_place(
    live_server: LiveServer,
    personas: Personas,
    open_browser: OpenBrowser,
    make_customer: MakeCustomer,
) -> None:
    customer = make_customer("宁波海风贸易有限公司", owner=personas.rep2)
    page = _log_in(open_browser(), live_server, "rep2")
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    panel = page.locator("section#sharing-panel")
    expect(panel.get_by_role("heading", name="共享与外部协作者")).to_be_visible()
    page.evaluate("window.kehuTestMark = 'kept'")

    panel.get_by_label("同事").select_option(str(personas.rep.public_id))
    panel.get_by_label("权限").select_option("write")
    panel.get_by_label("截止日期（可选）").fill("2099-06-30")
    panel.get_by_role("button", name="共享").click()

    item = page.locator("section#sharing-panel .shares li").first
    expect(item).to_contain_text("李销售")
    expect(item).to_contain_text("读写")
    expect(item).to_contain_text("截至 2099-06-30")
    assert CustomerShare.objects.get().access == "write"

    item.get_by_role("button", name="停止共享").click()

    expect(page.locator("section#sharing-panel")).to_contain_text("尚未共享给任何人。")
    assert not CustomerShare.objects.exists()
    assert page.evaluate("window.kehuTestMark === 'kept'")
