"""Campaign settings pages: who may open them, and the QR code images."""

import pytest
from django.test import Client

from kehu.conftest import Personas
from kehu.leads.models import Campaign

pytestmark = pytest.mark.django_db


def test_qr_png_is_a_png(campaign: Campaign, personas: Personas) -> None:
    client = Client()
    client.force_login(personas.manager)

    response = client.get(f"/settings/campaigns/{campaign.public_id}/qr.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_qr_svg_is_svg(campaign: Campaign, personas: Personas) -> None:
    client = Client()
    client.force_login(personas.manager)

    response = client.get(f"/settings/campaigns/{campaign.public_id}/qr.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert b"</svg>" in response.content


def test_campaign_page_shows_link(campaign: Campaign, personas: Personas) -> None:
    client = Client()
    client.force_login(personas.manager)

    page = client.get(f"/settings/campaigns/{campaign.public_id}/").content.decode()

    assert f"http://testserver/f/{campaign.token}/" in page


def test_rep_cannot_manage_campaigns(campaign: Campaign, personas: Personas) -> None:
    client = Client()
    client.force_login(personas.rep)

    assert client.get("/settings/campaigns/").status_code == 403
    assert client.get(f"/settings/campaigns/{campaign.public_id}/qr.png").status_code == 403
    response = client.post("/settings/campaigns/new/", {"name": "偷建", "fields": ["name"]})
    assert response.status_code == 403
    assert Campaign.objects.count() == 1


def test_manager_creates_campaign(personas: Personas) -> None:
    client = Client()
    client.force_login(personas.manager)

    response = client.post(
        "/settings/campaigns/new/",
        {
            "name": "官网咨询",
            "fields": ["name", "mobile", "message", "title"],
            "required_fields": ["name", "mobile"],
            "source": "website",
            "is_active": "1",
        },
    )

    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.fields == ["name", "title", "mobile", "message"]
    assert campaign.required_fields == ["name", "mobile"]
