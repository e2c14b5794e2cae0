"""A sales rep's first day: log in, import a spreadsheet, find a customer, record a visit."""

import io
import signal
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from kehu.conftest import Personas
from kehu.customers.models import Customer
from kehu.timeline.models import FollowUp

PHONE_SCREENSHOT = Path("/tmp/kehu-phone.png")

CUSTOMERS = [
    ("客户名称", "联系人", "职务", "手机", "邮箱", "省份", "城市", "备注"),
    (
        "杭州星星科技有限公司",
        "王芳",
        "总经理",
        "13812345678",
        "wangfang@xingxing.cn",
        "浙江",
        "杭州",
        "展会认识",
    ),
    (
        "上海明月贸易有限公司",
        "李强",
        "采购经理",
        "13923456789",
        "liqiang@mingyue.com",
        "上海",
        "上海",
        "",
    ),
    ("深圳海风电子有限公司", "陈静", "技术总监", "18634567890", "", "广东", "深圳", "老客户介绍"),
]


def write_workbook(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "客户"
    for row in CUSTOMERS:
        sheet.append(row)
    book.save(path)
    return path


def run_background_tasks() -> None:
    """Run every queued task with Kehu's worker command, then return.

    The worker installs its own signal handlers, so the previous ones are restored afterwards
    and Ctrl-C still stops pytest.
    """
    numbers = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    handlers = {number: signal.getsignal(number) for number in numbers}
    try:
        call_command(
            "db_worker",
            queue_name="*",
            batch=True,
            reload=False,
            startup_delay=False,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)


def log_in(page: Page, server: LiveServer, username: str, password: str) -> None:
    page.goto(f"{server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    expect(page.locator("#id_q")).to_be_visible()


def import_file(page: Page, server: LiveServer, path: Path) -> None:
    """Upload, accept the detected sheet and mapping, check, then import."""
    page.goto(f"{server.url}/imports/")
    page.set_input_files("#id_file", str(path))
    page.select_option("#id_kind", "customers")
    page.click("form[enctype='multipart/form-data'] button[type=submit]")

    expect(page.locator("#id_sheet_name")).to_have_value("客户")
    page.click("form button.primary")

    expect(page.locator("#id_column_0")).to_have_value("customer.name")
    page.click("button[name=action][value=check]")
    expect(page.locator("#import-progress")).to_be_visible()
    detail_url = page.url

    # The browser leaves the polling page while the worker runs. On SQLite the live server and
    # this thread share one in-memory connection, which must not be used by both at once.
    page.goto("about:blank")
    run_background_tasks()
    page.goto(detail_url)
    page.click("form[action$='/commit/'] button")
    expect(page.locator("#import-progress")).to_be_visible()

    page.goto("about:blank")
    run_background_tasks()
    page.goto(detail_url)
    expect(page.locator("form[action$='/undo/']")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_first_day(
    live_server: LiveServer, personas: Personas, browser: BrowserContext, tmp_path: Path
) -> None:
    page = browser.new_page()
    log_in(page, live_server, "rep", "test-pass-123")

    import_file(page, live_server, write_workbook(tmp_path / "客户名单.xlsx"))
    imported = Customer.objects.filter(owner=personas.rep).order_by("name")
    assert [customer.name for customer in imported] == [
        "上海明月贸易有限公司",
        "杭州星星科技有限公司",
        "深圳海风电子有限公司",
    ]
    star = Customer.objects.get(name="杭州星星科技有限公司")
    assert star.contacts.get().mobile == "13812345678"
    assert (star.province_code, star.city_code) == ("33", "3301")

    page.goto(live_server.url + "/")
    page.fill("#id_q", "hzxx")
    page.press("#id_q", "Enter")
    results = page.locator("#customer-results table.customers tbody th a")
    expect(results).to_have_count(1)
    expect(results.first).to_have_text("杭州星星科技有限公司")
    results.first.click()
    expect(page.locator("h1")).to_have_text("杭州星星科技有限公司")

    page.select_option("#id_kind", "visit")
    page.fill("#id_content", "上门拜访王芳，演示了客户管理系统。")
    page.fill("#id_purpose", "产品演示")
    page.fill("#id_result", "对手机端很满意，想先试用一个月")
    page.fill("#id_next_step", "下周一开通试用账号")
    page.click("#follow-up-form button[type=submit]")

    entry = page.locator("#timeline-entries li.follow-up").first
    expect(entry).to_contain_text("上门拜访王芳，演示了客户管理系统。")
    expect(entry).to_contain_text("拜访目的")
    expect(entry).to_contain_text("产品演示")
    expect(entry).to_contain_text("对手机端很满意，想先试用一个月")
    expect(entry).to_contain_text("下周一开通试用账号")
    visit = FollowUp.objects.get(customer=star)
    assert (visit.kind, visit.author, visit.purpose) == ("visit", personas.rep, "产品演示")
    assert visit.result == "对手机端很满意，想先试用一个月"
    assert visit.next_step == "下周一开通试用账号"

    page.reload()
    expect(page.locator("#timeline-entries li.follow-up").first).to_contain_text("产品演示")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(PHONE_SCREENSHOT), full_page=True)
