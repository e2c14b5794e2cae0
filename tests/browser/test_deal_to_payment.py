"""A deal from its first stage to a signed contract with one payment received, in a browser.

The rep opens a deal, moves it to won, drafts a contract from it with a scan attached and
submits it. Their manager approves it. The rep then plans two instalments and records the first
payment. Every step goes through the pages a user clicks.
"""

from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers.choices import CustomerStatus
from kehu.customers.models import Customer
from kehu.sales.models import Contract, ContractStatus, Deal, Receipt
from tests.browser.test_first_day import log_in


def log_out(page: Page) -> None:
    page.locator("details.user-menu summary").click()
    page.locator("details.user-menu button[type=submit]").click()
    expect(page.locator("#id_username")).to_be_visible()


def move_to(page: Page, stage: str) -> None:
    page.select_option("#id_stage", label=stage)
    page.locator("#move button[type=submit]").click()
    expect(page.locator("dl.facts").first).to_contain_text(stage)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_deal_to_first_payment(
    live_server: LiveServer, personas: Personas, browser: BrowserContext, tmp_path: Path
) -> None:
    customer = customer_services.create_customer(
        personas.rep, {"name": "温州瓯江阀门有限公司"}, owner=personas.rep
    )
    scan = tmp_path / "瓯江阀门供货合同.pdf"
    scan.write_bytes(b"%PDF-1.4 signed scan")
    page = browser.new_page()
    log_in(page, live_server, "rep", "test-pass-123")

    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    page.locator("#deals a.button").click()
    page.fill("input[name=name]", "瓯江阀门年度供货")
    page.fill("input[name=amount]", "120000")
    page.click("form button.primary")
    expect(page.locator("h1")).to_have_text("瓯江阀门年度供货")
    for stage in ("需求确认", "方案报价", "谈判审批", "赢单"):
        move_to(page, stage)
    deal = Deal.objects.get()
    assert deal.stage.name == "赢单"

    page.locator("#contracts a.button").click()
    expect(page.locator("#id_title")).to_have_value("瓯江阀门年度供货")
    expect(page.locator("#id_amount")).to_have_value("120000.00")
    page.fill("#id_start_on", "2026-01-01")
    page.fill("#id_end_on", "2026-12-31")
    page.set_input_files("#id_files", str(scan))
    page.click("form button.primary")
    expect(page.locator("h1")).to_contain_text("合同 HT")
    expect(page.locator("ul.files")).to_contain_text("瓯江阀门供货合同.pdf")
    contract_url = page.url
    page.fill("#id_submit_comment", "请经理审批")
    page.get_by_role("button", name="提交审批").click()
    expect(page.locator("dl.facts").first).to_contain_text("待审批")
    log_out(page)

    log_in(page, live_server, "manager", "test-pass-123")
    page.goto(contract_url)
    page.fill("#id_decide_comment", "同意签订")
    page.fill("#id_decide_signed_on", "2025-12-28")
    page.get_by_role("button", name="批准").click()
    expect(page.locator("dl.facts").first).to_contain_text("已签订")
    expect(page.locator("dl.facts").first).to_contain_text("2025-12-28")
    log_out(page)

    log_in(page, live_server, "rep", "test-pass-123")
    page.goto(contract_url)
    page.get_by_role("link", name="编辑回款计划").click()
    page.fill("#id_due_on_1", "2026-01-31")
    page.fill("#id_amount_1", "48000")
    page.fill("#id_note_1", "预付款")
    page.fill("#id_due_on_2", "2026-06-30")
    page.fill("#id_amount_2", "72000")
    page.click("form button.primary")
    page.fill("#id_received_on", "2026-01-20")
    page.fill("#id_received_amount", "48000")
    page.select_option("#id_method", "bank_transfer")
    page.fill("#id_reference", "ICBC-20260120-001")
    page.get_by_role("button", name="登记回款").click()

    collection = page.locator("section.card", has_text="回款计划").first
    expect(collection).to_contain_text("¥48,000.00")
    expect(collection).to_contain_text("¥72,000.00")
    expect(collection).to_contain_text("ICBC-20260120-001")
    contract = Contract.objects.get()
    assert (contract.status, contract.deal) == (ContractStatus.SIGNED, deal)
    assert str(contract.signed_on) == "2025-12-28"
    assert [str(receipt.amount) for receipt in Receipt.objects.all()] == ["48000.00"]
    assert Customer.objects.get(pk=customer.pk).status == CustomerStatus.WON

    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    timeline = page.locator("#timeline-entries")
    expect(timeline).to_contain_text("收到回款")
    expect(timeline).to_contain_text("合同审批通过并签订")
    expect(page.locator("#contracts")).to_contain_text(contract.number)
