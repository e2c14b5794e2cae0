"""An outside agent sees assigned customers only, phones masked and amounts hidden."""

import pytest
from playwright.sync_api import BrowserContext, expect
from pytest_django.live_server_helper import LiveServer

from kehu.conftest import Personas
from kehu.customers import services
from kehu.fields.models import CustomField, FieldType
from kehu.timeline.models import FollowUp
from tests.browser.test_first_day import log_in

MOBILE = "13812345678"
AMOUNT_LABEL = "合同金额"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_outside_agent(
    live_server: LiveServer, personas: Personas, browser: BrowserContext
) -> None:
    CustomField.objects.create(
        target="customer", key="contract_amount", label=AMOUNT_LABEL, field_type=FieldType.MONEY
    )
    assigned = services.create_customer(
        personas.rep,
        {"name": "杭州星星科技有限公司", "cf_contract_amount": "880000.00"},
        [{"name": "王芳", "mobile": MOBILE, "email": "wangfang@xingxing.cn"}],
    )
    assigned.agents.add(personas.agent)
    other = services.create_customer(
        personas.rep, {"name": "宁波海风贸易有限公司"}, [{"name": "李强", "mobile": "13923456789"}]
    )
    page = browser.new_page()
    log_in(page, live_server, "agent", "test-pass-123")

    names = page.locator("#customer-results table.customers tbody th a")
    expect(names).to_have_count(1)
    expect(names.first).to_have_text("杭州星星科技有限公司")
    expect(page.locator("#customer-results .count")).to_have_text("共 1 个客户")
    expect(page.get_by_role("link", name="新建客户")).to_have_count(0)
    expect(page.get_by_role("link", name="导入")).to_have_count(0)

    page.fill("#id_q", "海风")
    page.press("#id_q", "Enter")
    expect(page.locator("#customer-results")).to_contain_text("没有符合条件的客户")
    page.fill("#id_q", MOBILE[-4:])
    page.press("#id_q", "Enter")
    expect(page.locator("#customer-results")).to_contain_text("没有符合条件的客户")

    page.goto(f"{live_server.url}{assigned.get_absolute_url()}")
    expect(page.locator("h1")).to_have_text("杭州星星科技有限公司")
    contacts = page.locator("#contacts")
    expect(contacts).to_contain_text("138****5678")
    expect(contacts).not_to_contain_text(MOBILE)
    expect(contacts).to_contain_text("wangfang@xingxing.cn")
    content = page.content()
    assert AMOUNT_LABEL not in content
    assert "880000" not in content
    assert "880,000" not in content
    expect(page.get_by_role("link", name="编辑", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="添加联系人")).to_have_count(0)

    page.select_option("#id_kind", "call")
    page.fill("#id_content", "电话回访，客户想看新报价。")
    page.click("#follow-up-form button[type=submit]")
    entry = page.locator("#timeline-entries li.follow-up").first
    expect(entry).to_contain_text("电话回访，客户想看新报价。")
    follow_up = FollowUp.objects.get(customer=assigned)
    assert (follow_up.author, follow_up.kind) == (personas.agent, "call")

    edit = page.goto(f"{live_server.url}/customers/{assigned.public_id}/edit/")
    assert edit is not None
    assert edit.status == 403
    missing = page.goto(f"{live_server.url}{other.get_absolute_url()}")
    assert missing is not None
    assert missing.status == 404
    assert "宁波海风贸易有限公司" not in page.content()
