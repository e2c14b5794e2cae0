"""A visitor fills in a campaign's public form; the lead lands with the owner a rule chose."""

import pytest
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from conftest import OpenBrowser
from kehu.assignment import services as assignment
from kehu.conftest import Personas
from kehu.leads import campaigns
from kehu.leads.models import Lead
from tests.browser.test_first_day import log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_form_submission_is_routed_by_a_rule(
    live_server: LiveServer, personas: Personas, open_browser: OpenBrowser
) -> None:
    campaign = campaigns.create_campaign(
        personas.manager,
        {
            "name": "2026 杭州工业展",
            "fields": ["name", "company", "mobile", "province", "message"],
            "required_fields": ["name", "mobile"],
            "consent_text": "我同意贵公司就本次咨询与我联系。",
            "thank_you_text": "感谢您的关注，我们会尽快联系您。",
            "source": "exhibition",
        },
    )
    assignment.create_rule(
        personas.boss,
        {
            "name": "江苏线索",
            "applies_to": "lead",
            "regions": "江苏",
            "route": "user",
            "user": personas.rep,
        },
    )
    assignment.create_rule(
        personas.boss,
        {
            "name": "浙江线索",
            "applies_to": "lead",
            "regions": "浙江",
            "route": "user",
            "user": personas.rep2,
        },
    )

    visitor = open_browser().new_page()
    visitor.goto(f"{live_server.url}/f/{campaign.token}/")
    expect(visitor.locator("h1")).to_have_text("2026 杭州工业展")
    visitor.fill("#id_name", "冯雪")
    visitor.fill("#id_company", "杭州青禾科技有限公司")
    visitor.fill("#id_mobile", "138 1111 2222")
    visitor.select_option("#id_province", label="浙江省")
    visitor.fill("#id_message", "想了解贵司的仓储方案。")
    visitor.get_by_label("我同意").check()
    visitor.get_by_role("button", name="提交").click()
    expect(visitor.locator("body")).to_contain_text("感谢您的关注，我们会尽快联系您。")

    lead = Lead.objects.get()
    assert (lead.name, lead.mobile, lead.province_code) == ("冯雪", "13811112222", "33")
    assert lead.owner == personas.rep2
    assert lead.consent_given

    rep2 = open_browser().new_page()
    log_in(rep2, live_server, "rep2", "test-pass-123")
    rep2.get_by_role("link", name="线索", exact=True).click()
    rep2.get_by_role("link", name="冯雪").click()
    expect(rep2.locator("#history")).to_contain_text("按分配规则“浙江线索”分给 张销售")
