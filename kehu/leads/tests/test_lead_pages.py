"""Lead pages: list filters, claiming, converting and the customer's timeline afterwards."""

import pytest
from django.test import Client

from kehu.conftest import Personas, field_errors
from kehu.customers import services as customer_services
from kehu.leads import services
from kehu.leads.models import Lead, LeadStatus

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_pool_filter(personas: Personas) -> None:
    services.create_lead(personas.rep, {"name": "自有线索", "mobile": "13900000001"})
    services.create_lead(personas.boss, {"name": "池中线索", "mobile": "13900000002"}, owner=None)

    page = _client(personas.rep).get("/leads/", {"pool": "1"}).content.decode()

    assert "池中线索" in page
    assert "自有线索" not in page


def test_claim_button_claims(personas: Personas) -> None:
    lead = services.create_lead(
        personas.boss, {"name": "池中线索", "mobile": "13900000002"}, owner=None
    )
    client = _client(personas.rep)

    response = client.post(f"/leads/{lead.public_id}/claim/")
    second = _client(personas.rep2).post(f"/leads/{lead.public_id}/claim/")

    assert response.status_code == 302
    assert second.status_code == 404
    lead.refresh_from_db()
    assert lead.owner == personas.rep


def test_duplicate_asks_to_confirm(personas: Personas) -> None:
    services.create_lead(personas.rep, {"name": "周敏", "mobile": "13900000001"})
    client = _client(personas.rep2)
    values = {"name": "周敏", "mobile": "13900000001"}

    refused = client.post("/leads/new/", values)
    confirmed = client.post("/leads/new/", {**values, "confirm_duplicate": "1"})

    assert refused.status_code == 409
    assert "已存在相同手机号的线索（负责人：李销售）" in refused.content.decode()
    assert confirmed.status_code == 302
    assert Lead.objects.count() == 2


def test_convert_page_to_timeline(personas: Personas) -> None:
    lead = services.create_lead(
        personas.rep,
        {"name": "周敏", "company": "常州武进电机有限公司", "mobile": "13900000001"},
    )
    services.add_lead_note(personas.rep, lead, {"content": "展会上交换了名片"})
    client = _client(personas.rep)

    response = client.post(
        f"/leads/{lead.public_id}/convert/",
        {"name": "常州武进电机有限公司", "deal_name": "电机采购", "deal_amount": "12000"},
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    page = client.get(response["Location"]).content.decode()
    assert "由线索转化" in page
    assert "展会上交换了名片" in page


def test_convert_duplicate_offers_existing(personas: Personas) -> None:
    existing = customer_services.create_customer(
        personas.rep, {"name": "常州武进电机有限公司"}, [{"name": "钱工"}]
    )
    lead = services.create_lead(
        personas.rep,
        {"name": "周敏", "company": "常州武进电机有限公司", "mobile": "13900000001"},
    )
    client = _client(personas.rep)

    refused = client.post(f"/leads/{lead.public_id}/convert/", {"name": "常州武进电机有限公司"})
    merged = client.post(
        f"/leads/{lead.public_id}/convert/",
        {"name": "常州武进电机有限公司", "existing": str(existing.public_id)},
    )

    assert refused.status_code == 409
    assert str(existing.public_id) in refused.content.decode()
    assert merged.status_code == 302
    assert sorted(existing.contacts.values_list("name", flat=True)) == ["周敏", "钱工"]


def test_assign_to_deactivated_names_them(personas: Personas) -> None:
    lead = services.create_lead(
        personas.boss, {"name": "池中线索", "mobile": "13900000002"}, owner=None
    )
    personas.rep2.is_active = False
    personas.rep2.save(update_fields=["is_active"])

    response = _client(personas.manager).post(
        f"/leads/{lead.public_id}/assign/", {"owner": str(personas.rep2.public_id)}
    )

    assert response.status_code == 400
    assert "张销售 已停用，不能成为客户负责人。请选择其他用户。" in response.content.decode()
    lead.refresh_from_db()
    assert lead.owner is None


def test_convert_errors_show_beside_inputs(personas: Personas) -> None:
    lead = services.create_lead(
        personas.rep,
        {"name": "周敏", "company": "常州武进电机有限公司", "mobile": "13900000001"},
    )
    client = _client(personas.rep)
    url = f"/leads/{lead.public_id}/convert/"

    unnamed = client.post(url, {"name": "", "deal_name": "电机采购", "deal_amount": "1"})
    bad_amount = client.post(
        url, {"name": "常州武进电机有限公司", "deal_name": "电机采购", "deal_amount": "abc"}
    )

    assert unnamed.status_code == 400
    assert field_errors(unnamed.content.decode())["name"] == ["客户名称为必填项。"]
    assert bad_amount.status_code == 400
    errors = field_errors(bad_amount.content.decode())
    assert errors["name"] == []
    assert errors["deal_name"] == []
    assert errors["deal_amount"] == ["“abc”不是数字。"]
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_lead_form_shows_source_error_beside_it(personas: Personas) -> None:
    response = _client(personas.rep).post(
        "/leads/new/", {"name": "周敏", "mobile": "13900000001", "source": "nope"}
    )

    assert response.status_code == 400
    errors = field_errors(response.content.decode())
    assert len(errors["source"]) == 1
    assert errors["source"][0].startswith("“nope”不是可选值之一")
    assert Lead.objects.count() == 0


def test_pool_lead_contacts_masked_until_claimed(personas: Personas) -> None:
    lead = services.create_lead(
        personas.boss,
        {"name": "池中线索", "mobile": "13900000002", "email": "chi@example.cn"},
        owner=None,
    )
    rep = _client(personas.rep)
    detail_url = f"/leads/{lead.public_id}/"

    listed = rep.get("/leads/", {"pool": "1"}).content.decode()
    detail = rep.get(detail_url).content.decode()
    api = rep.get(f"/api/v1/leads/{lead.public_id}").json()
    api_page = rep.get("/api/v1/leads", {"pool": "true"}).json()
    manager_api = _client(personas.manager).get(f"/api/v1/leads/{lead.public_id}").json()

    for page in (listed, detail):
        assert "139****0002" in page
        assert "13900000002" not in page
        assert "chi@example.cn" not in page
    assert api["mobile"] == "139****0002"
    assert api["email"] != "chi@example.cn"
    assert api_page["items"][0]["mobile"] == "139****0002"
    assert manager_api["mobile"] == "13900000002"
    services.claim_lead(personas.rep, lead)
    assert "13900000002" in rep.get(detail_url).content.decode()
    assert rep.get(f"/api/v1/leads/{lead.public_id}").json()["mobile"] == "13900000002"
