"""The lead intake API: key scope, allowlist, size and rate limits, identical answers."""

import json
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from kehu.api.services import issue_token
from kehu.conftest import Personas
from kehu.leads import campaigns
from kehu.leads.models import Campaign, Lead, LeadEventKind

pytestmark = pytest.mark.django_db
URL = "/api/v1/leads/intake"


def _post(token: str, body: Any, url: str = URL) -> tuple[int, dict[str, Any]]:
    response = Client().post(
        url,
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status_code, response.json()


@pytest.fixture
def key(personas: Personas, campaign: Campaign) -> str:
    return campaigns.create_intake_key(
        personas.manager, "官网表单", campaign=campaign, source="website"
    )[1]


def test_intake_creates_lead(key: str, campaign: Campaign) -> None:
    status, body = _post(key, {"name": "冯雪", "mobile": "13811112222", "consent": True})

    assert status == 202
    assert body == {"detail": "已收到，谢谢。"}
    lead = Lead.objects.get()
    assert (lead.name, lead.mobile, lead.channel) == ("冯雪", "13811112222", "api")
    assert lead.campaign == campaign
    assert lead.consent_given
    assert lead.owner is None


def test_intake_ignores_unlisted_keys(key: str) -> None:
    _post(
        key,
        {"name": "冯雪", "mobile": "13811112222", "consent": True, "title": "CEO", "owner": "x"},
    )

    lead = Lead.objects.get()
    assert lead.title == ""
    assert lead.owner is None


def test_known_and_new_answer_alike(key: str) -> None:
    first = _post(key, {"name": "冯雪", "mobile": "13811112222", "consent": True})
    again = _post(key, {"name": "冯雪", "mobile": "13811112222", "consent": True})
    bot = _post(key, {"name": "机器", "mobile": "13800001111", "consent": True, "website": "x"})

    assert first == again == bot
    assert Lead.objects.count() == 1
    assert Lead.objects.get().events.filter(kind=LeadEventKind.SUBMITTED_AGAIN).count() == 1


def test_bad_value_is_422(key: str) -> None:
    status, body = _post(key, {"name": "冯雪", "mobile": "999", "consent": True})

    assert status == 422
    assert "999" in body["errors"]["mobile"][0]
    assert Lead.objects.count() == 0


def test_missing_consent_names_the_field(key: str) -> None:
    status, body = _post(key, {"name": "冯雪", "mobile": "13811112222"})

    assert status == 422
    assert body["errors"] == {
        "consent": [
            "consent 必须为 true：此密钥所属推广活动设有同意条款，提交此人的信息前须取得其同意。"
        ]
    }
    assert Lead.objects.count() == 0


def test_user_token_rejected_on_intake(personas: Personas) -> None:
    token = issue_token(None, personas.boss, "测试")[1]

    status, body = _post(token, {"name": "冯雪", "mobile": "13811112222"})

    assert status == 401
    assert body["detail"].startswith(
        "需要身份验证：请以“Authorization: Bearer kehu_lead_…”发送有效的接入密钥。"
    )
    assert Lead.objects.count() == 0


def test_missing_key_speaks_of_intake_keys() -> None:
    response = Client(headers={"Accept-Language": "en"}).post(
        URL, "{}", content_type="application/json"
    )

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication required: send an active intake key as “Authorization: "
        "Bearer kehu_lead_…”. Each integration has its own key, created on the intake keys "
        "page of the campaign settings; API tokens and sessions are not accepted here."
    }
    assert response["WWW-Authenticate"] == "Bearer"


def test_intake_key_rejected_elsewhere(key: str) -> None:
    client = Client()
    headers = {"Authorization": f"Bearer {key}"}

    assert client.get("/api/v1/leads", headers=headers).status_code == 401
    assert client.get("/api/v1/customers", headers=headers).status_code == 401
    status, _body = _post(key, {"name": "冯雪", "mobile": "13811112222"}, url="/api/v1/leads")
    assert status == 401
    assert Lead.objects.count() == 0


def test_inactive_key_rejected(key: str, personas: Personas) -> None:
    stored = campaigns.key_for_secret(key)
    assert stored is not None
    campaigns.set_intake_key_active(personas.manager, stored, False)

    status, _body = _post(key, {"name": "冯雪", "mobile": "13811112222", "consent": True})

    assert status == 401
    assert Lead.objects.count() == 0


def test_oversized_body_is_413(key: str) -> None:
    status, body = _post(key, {"name": "冯雪", "mobile": "13811112222", "message": "长" * 9000})

    assert status == 413
    assert "16384" in body["detail"]
    assert Lead.objects.count() == 0


def test_rate_limit_per_key(key: str, settings: Settings, personas: Personas) -> None:
    settings.KEHU_LEAD_INTAKE_RATE = 2
    other = campaigns.create_intake_key(personas.boss, "小程序", campaign=None, source="inquiry")[1]

    statuses = [
        _post(key, {"name": "冯雪", "mobile": f"1381111000{index}", "consent": True})[0]
        for index in range(3)
    ]
    other_status, _body = _post(other, {"name": "韩梅", "mobile": "13822220000"})

    assert statuses == [202, 202, 429]
    assert other_status == 202
    assert Lead.objects.count() == 3


def test_key_shown_once_stored_hashed(key: str) -> None:
    stored = campaigns.key_for_secret(key)

    assert stored is not None
    assert key.split("_")[-1] not in stored.key_hash
    assert key.startswith(f"kehu_lead_{stored.prefix}_")


def test_bad_mobile_keeps_the_name(key: str) -> None:
    status, body = _post(key, {"name": "接口三号", "mobile": "123", "consent": True})

    assert status == 422
    assert list(body["errors"]) == ["mobile"]
    assert "123" in body["errors"]["mobile"][0]
    assert not Lead.objects.exists()


@pytest.mark.parametrize("value", [["a"], 13800006666, {"text": "冯雪"}])
def test_values_must_be_text(key: str, value: object) -> None:
    status, body = _post(key, {"name": value, "mobile": "13800006666", "consent": True})

    assert status == 422
    assert list(body["errors"]) == ["name"]
    assert body["errors"]["name"][0].startswith("“姓名”必须是文本")
    assert not Lead.objects.exists()
