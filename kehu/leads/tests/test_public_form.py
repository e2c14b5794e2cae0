"""The public web form: allowlist, consent, honeypot, rate limit, size limit, duplicates."""

import re
from ipaddress import ip_network

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from kehu.conftest import Personas, field_errors
from kehu.customers import services as customer_services
from kehu.leads import campaigns
from kehu.leads.models import Campaign, Lead, LeadEventKind
from kehu.timeline.models import Event, EventKind

pytestmark = pytest.mark.django_db
# Django masks the CSRF token differently in every response.
CSRF_TOKEN = re.compile(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+"')


def _post(client: Client, campaign: Campaign, **values: str) -> tuple[int, str]:
    data = {"name": "郑洁", "mobile": "13812345678", "consent": "1", **values}
    response = client.post(f"/f/{campaign.token}/", data, REMOTE_ADDR="203.0.113.7")
    return response.status_code, CSRF_TOKEN.sub(r"\1CSRF\"", response.content.decode())


def test_form_page_shows_allowlisted_fields(campaign: Campaign) -> None:
    page = Client().get(f"/f/{campaign.token}/").content.decode()

    assert 'name="company"' in page
    assert 'name="title"' not in page
    assert 'name="website"' in page
    assert campaign.consent_text in page


def test_submission_creates_pool_lead(campaign: Campaign) -> None:
    status, page = _post(Client(), campaign, company="宁波甬江贸易有限公司", title="总监")

    assert status == 200
    assert "感谢您的关注" in page
    lead = Lead.objects.get()
    assert (lead.name, lead.company, lead.title) == ("郑洁", "宁波甬江贸易有限公司", "")
    assert lead.owner is None
    assert lead.campaign == campaign
    assert lead.source == "exhibition"
    assert lead.channel == "form"
    assert lead.consent_given
    assert lead.consent_text == campaign.consent_text
    assert lead.consent_address == "203.0.113.7"


def test_unlisted_keys_ignored(campaign: Campaign) -> None:
    _post(Client(), campaign, owner="1", status="converted", title="CEO", source="referral")

    lead = Lead.objects.get()
    assert lead.status == "new"
    assert lead.owner is None
    assert lead.title == ""
    assert lead.source == "exhibition"


def test_consent_required(campaign: Campaign) -> None:
    status, page = _post(Client(), campaign, consent="")

    assert status == 400
    assert "请" in page or "agree" in page
    assert Lead.objects.count() == 0


def test_invalid_mobile_names_value(campaign: Campaign) -> None:
    status, page = _post(Client(), campaign, mobile="12345")

    assert status == 400
    assert "12345" in page
    assert Lead.objects.count() == 0


def test_honeypot_answers_like_success(campaign: Campaign) -> None:
    real_status, real_page = _post(Client(), campaign, mobile="13812340000")
    bot_status, bot_page = _post(Client(), campaign, mobile="13812340001", website="http://spam")

    assert bot_status == real_status == 200
    assert bot_page == real_page
    assert list(Lead.objects.values_list("mobile", flat=True)) == ["13812340000"]


def test_known_person_gets_same_answer(campaign: Campaign, personas: Personas) -> None:
    customer_services.create_customer(
        personas.rep, {"name": "杭州西溪科技有限公司"}, [{"name": "郑洁", "mobile": "13812345678"}]
    )
    known_status, known_page = _post(Client(), campaign)
    new_status, new_page = _post(Client(), campaign, mobile="13812349999")
    again_status, again_page = _post(Client(), campaign, mobile="13812349999", message="再次咨询")

    assert known_status == new_status == again_status == 200
    assert known_page == new_page == again_page
    assert Lead.objects.count() == 1
    lead = Lead.objects.get()
    again = lead.events.get(kind=LeadEventKind.SUBMITTED_AGAIN)
    assert again.data["message"] == "再次咨询"
    assert Event.objects.filter(kind=EventKind.LEAD_SUBMITTED).count() == 1


def test_rate_limit_per_address(campaign: Campaign, settings: Settings) -> None:
    settings.KEHU_LEAD_FORM_RATE = 2
    client = Client()

    statuses = [_post(client, campaign, mobile=f"1381234000{index}")[0] for index in range(3)]
    other = client.post(
        f"/f/{campaign.token}/",
        {"name": "他人", "mobile": "13900000009", "consent": "1"},
        REMOTE_ADDR="198.51.100.1",
    )

    assert statuses == [200, 200, 429]
    assert other.status_code == 200
    assert Lead.objects.count() == 3


def test_oversized_body_rejected(campaign: Campaign) -> None:
    status, page = _post(Client(), campaign, message="长" * 20000)

    assert status == 413
    assert "16 KB" in page
    assert Lead.objects.count() == 0


def test_csrf_required(campaign: Campaign) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post(f"/f/{campaign.token}/", {"name": "郑洁", "mobile": "13812345678"})

    assert response.status_code == 403
    assert Lead.objects.count() == 0


def test_inactive_campaign_is_404(campaign: Campaign) -> None:
    Campaign.objects.filter(pk=campaign.pk).update(is_active=False)

    assert Client().get(f"/f/{campaign.token}/").status_code == 404
    assert Client().get("/f/no-such-token/").status_code == 404


def test_reach_error_shows_beside_email(personas: Personas) -> None:
    email_only = campaigns.create_campaign(
        personas.manager,
        {"name": "邮件咨询", "fields": ["name", "email"], "required_fields": ["name"]},
    )

    response = Client().post(f"/f/{email_only.token}/", {"name": "郑洁", "email": ""})

    assert response.status_code == 400
    assert field_errors(response.content.decode()) == {
        "name": [],
        "email": ["请至少填写手机、电话、邮箱或微信号中的一项，以便联系。"],
    }
    assert Lead.objects.count() == 0


def test_rate_limit_keys_on_forwarded_client(campaign: Campaign, settings: Settings) -> None:
    settings.KEHU_LEAD_FORM_RATE = 1
    settings.KEHU_TRUSTED_PROXIES = [ip_network("10.0.0.0/8")]
    client = Client()

    def post(forwarded: str, mobile: str) -> int:
        response = client.post(
            f"/f/{campaign.token}/",
            {"name": "郑洁", "mobile": mobile, "consent": "1"},
            REMOTE_ADDR="10.0.0.5",
            headers={"X-Forwarded-For": forwarded},
        )
        return response.status_code

    statuses = [
        post("203.0.113.7", "13812340001"),
        post("198.51.100.1", "13812340002"),
        post("203.0.113.7", "13812340003"),
    ]

    assert statuses == [200, 200, 429]
    addresses = Lead.objects.order_by("consent_address").values_list("consent_address", flat=True)
    assert list(addresses) == ["198.51.100.1", "203.0.113.7"]
