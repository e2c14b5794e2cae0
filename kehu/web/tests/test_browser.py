"""The pages' htmx behaviour in Debian's chromium: partial updates happen without a page load.

Each test marks the window object before acting; the mark survives only if the page was updated
in place instead of being loaded again.
"""

import pytest
from playwright.sync_api import BrowserContext, FilePayload, Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import OpenBrowser
from kehu.conftest import Personas
from kehu.customers.models import Customer
from kehu.timeline import services as timeline_services
from kehu.timeline.models import FollowUp
from kehu.web.tests.conftest import MakeCustomer

PASSWORD = "test-pass-123"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(open_browser: OpenBrowser) -> BrowserContext:
    """Return a headless chromium at phone width with Chinese as its language."""
    return open_browser(viewport={"width": 390, "height": 844})


def _log_in(browser: BrowserContext, server: LiveServer, username: str) -> Page:
    page = browser.new_page()
    page.goto(f"{server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator("#id_q")).to_be_visible()
    # The list is visible before deferred scripts run; a change made earlier reaches no htmx.
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined")
    return page


def _mark(page: Page) -> None:
    page.evaluate("window.kehuTestMark = 'kept'")


def _mark_kept(page: Page) -> bool:
    return bool(page.evaluate("window.kehuTestMark === 'kept'"))


def test_search_updates_results_in_place(
    live_server: LiveServer,
    personas: Personas,
    browser: BrowserContext,
    make_customer: MakeCustomer,
) -> None:
    make_customer("杭州星星科技有限公司")
    make_customer("宁波海风贸易有限公司")
    page = _log_in(browser, live_server, "rep")
    rows = page.locator("#customer-results table.customers tbody th a")
    expect(rows).to_have_count(2)
    _mark(page)

    page.fill("#id_q", "海风贸易")

    expect(rows).to_have_count(1)
    expect(rows.first).to_have_text("宁波海风贸易有限公司")
    expect(page.locator("#customer-results .count")).to_have_text("共 1 个客户")
    assert "q=%E6%B5%B7%E9%A3%8E%E8%B4%B8%E6%98%93" in page.url
    assert _mark_kept(page)


def test_region_selects_cascade_on_create(
    live_server: LiveServer, personas: Personas, browser: BrowserContext
) -> None:
    page = _log_in(browser, live_server, "rep")
    page.goto(f"{live_server.url}/customers/new/")

    page.fill("#id_name", "杭州星星科技有限公司")
    page.select_option("#id_province", "33")
    expect(page.locator("#id_city option[value='3301']")).to_have_text("杭州市")
    page.select_option("#id_city", "3301")
    expect(page.locator("#id_district option[value='330106']")).to_have_text("西湖区")
    page.select_option("#id_district", "330106")
    page.click("form button.primary")
    expect(page.locator("h1")).to_have_text("杭州星星科技有限公司")

    customer = Customer.objects.get()
    assert (customer.province_code, customer.city_code, customer.district_code) == (
        "33",
        "3301",
        "330106",
    )
    expect(page.locator("#facts")).to_contain_text("浙江省杭州市西湖区")


def test_follow_up_form_errors_then_adds_in_place(
    live_server: LiveServer,
    personas: Personas,
    browser: BrowserContext,
    make_customer: MakeCustomer,
) -> None:
    customer = make_customer("杭州星星科技有限公司")
    page = _log_in(browser, live_server, "rep")
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    _mark(page)

    page.click("#follow-up-form button[type=submit]")
    expect(page.locator("#follow-up-form .error")).to_have_text("请填写跟进内容。")

    page.select_option("#id_kind", "wechat")
    page.fill("#id_content", "微信发送了报价单")
    quote = FilePayload(name="报价单.txt", mimeType="text/plain", buffer="单价 100 元".encode())
    page.set_input_files("#id_attachments", files=[quote])
    page.click("#follow-up-form button[type=submit]")

    entry = page.locator("#timeline-entries li.follow-up").first
    expect(entry).to_contain_text("微信发送了报价单")
    expect(entry.locator(".attachments a")).to_have_text("报价单.txt")
    expect(page.locator("#id_content")).to_have_value("")
    expect(page.locator("#follow-up-form .error")).to_have_count(0)
    assert _mark_kept(page)
    follow_up = FollowUp.objects.get()
    assert (follow_up.kind, follow_up.content) == ("wechat", "微信发送了报价单")
    assert follow_up.attachments.get().original_name == "报价单.txt"


def test_timeline_filter_in_place(
    live_server: LiveServer,
    personas: Personas,
    browser: BrowserContext,
    make_customer: MakeCustomer,
) -> None:
    customer = make_customer("杭州星星科技有限公司")
    timeline_services.add_follow_up(personas.rep, customer, {"kind": "call", "content": "电话沟通"})
    timeline_services.add_follow_up(
        personas.rep, customer, {"kind": "visit", "content": "上门拜访"}
    )
    page = _log_in(browser, live_server, "rep")
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    entries = page.locator("#timeline-entries li.entry")
    expect(entries).to_have_count(3)
    _mark(page)

    page.check(".kind-filter input[value='visit']")

    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("上门拜访")
    assert "kind=visit" in page.url
    assert _mark_kept(page)


def test_region_filter_resets_lower_levels(
    live_server: LiveServer,
    personas: Personas,
    browser: BrowserContext,
    make_customer: MakeCustomer,
) -> None:
    make_customer("杭州星星科技有限公司", province="浙江", city="杭州")
    make_customer("宁波海风贸易有限公司", province="浙江", city="宁波")
    make_customer("广州南方电子有限公司", province="广东", city="广州")
    page = _log_in(browser, live_server, "rep")
    rows = page.locator("#customer-results table.customers tbody th a")
    page.click("details.filters summary")

    page.select_option("#filter_province", "33")
    expect(rows).to_have_count(2)
    page.select_option("#filter_city", "3301")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_text("杭州星星科技有限公司")
    page.select_option("#filter_province", "44")

    expect(rows).to_have_count(1)
    expect(rows.first).to_have_text("广州南方电子有限公司")
    expect(page.locator("#filter_city")).to_have_value("")
    expect(page.locator("#filter_city option[value='4401']")).to_have_text("广州市")
    assert "f.province=44" in page.url
    assert "f.city" not in page.url
