import datetime as dt
import hashlib
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from kehu.api import services
from kehu.api.models import ApiToken
from kehu.api.tests.conftest import Caller, make_customer, snapshot
from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers.models import Customer

UNAUTHENTICATED = "需要身份验证：请以“Authorization: Bearer <token>”发送有效的 API 令牌，或先登录。"


def test_valid_token_reads_customers(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep)

    response = call_as(personas.rep).get("/customers")

    assert response.status == 200
    assert [item["id"] for item in response.body["items"]] == [str(customer.public_id)]


def test_missing_token_is_401_in_chinese(personas: Personas, client: Client) -> None:
    response = Caller(client, token="").get("/customers")

    assert response.status == 401
    assert response.body == {"detail": UNAUTHENTICATED}
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nonsense",
        "Bearer kehu_0123456789_" + "A" * 43,
        "Token kehu_0123456789_" + "A" * 43,
        "Bearer",
    ],
)
def test_malformed_or_unknown_token_is_401(personas: Personas, client: Client, header: str) -> None:
    response = client.get("/api/v1/customers", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json() == {"detail": UNAUTHENTICATED}


def test_wrong_secret_with_known_prefix_is_401(personas: Personas, client: Client) -> None:
    token, text = services.issue_token(None, personas.rep, "ERP")
    forged = text[:-4] + ("AAAA" if not text.endswith("AAAA") else "BBBB")

    response = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {forged}"})

    assert response.status_code == 401
    token.refresh_from_db()
    assert token.last_used_at is None


def test_revoked_token_is_401(personas: Personas, client: Client) -> None:
    token, text = services.issue_token(None, personas.rep, "ERP")
    headers = {"Authorization": f"Bearer {text}"}
    assert client.get("/api/v1/customers", headers=headers).status_code == 200

    services.revoke_token(personas.rep, token)

    assert client.get("/api/v1/customers", headers=headers).status_code == 401


def test_deactivated_users_token_stops_at_once(personas: Personas, client: Client) -> None:
    _token, text = services.issue_token(None, personas.rep, "ERP")
    headers = {"Authorization": f"Bearer {text}"}
    assert client.get("/api/v1/customers", headers=headers).status_code == 200

    personas.rep.is_active = False
    personas.rep.save(update_fields=["is_active"])

    assert client.get("/api/v1/customers", headers=headers).status_code == 401


def test_token_stored_only_as_digest(personas: Personas) -> None:
    token, text = services.issue_token(None, personas.rep, " ERP 同步 ")

    prefix, secret = text.removeprefix("kehu_").split("_", 1)
    assert token.prefix == prefix
    assert token.name == "ERP 同步"
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert secret not in str(stored)


def test_use_recorded_at_most_once_a_minute(personas: Personas, client: Client) -> None:
    token, text = services.issue_token(None, personas.rep, "ERP")
    headers = {"Authorization": f"Bearer {text}"}
    start = dt.datetime(2025, 3, 5, 1, 0, tzinfo=dt.UTC)
    try:
        clock.freeze(start)
        client.get("/api/v1/customers", headers=headers)
        clock.freeze(start + dt.timedelta(seconds=30))
        client.get("/api/v1/customers", headers=headers)
        token.refresh_from_db()
        assert token.last_used_at == start

        clock.freeze(start + dt.timedelta(seconds=90))
        client.get("/api/v1/customers", headers=headers)
        token.refresh_from_db()
        assert token.last_used_at == start + dt.timedelta(seconds=90)
    finally:
        clock.freeze(None)


def test_rep_cannot_issue_token_for_other_rep(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.issue_token(personas.rep, personas.rep2, "ERP")

    assert ApiToken.objects.count() == 0


def test_boss_may_issue_token_for_rep(personas: Personas) -> None:
    token, _text = services.issue_token(personas.boss, personas.rep, "ERP")

    assert token.user == personas.rep


def test_session_reads_without_csrf_token(personas: Personas) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.rep)
    make_customer(personas.rep)

    response = browser.get("/api/v1/customers")

    assert response.status_code == 200
    assert len(response.json()["items"]) == 1


def test_session_write_without_csrf_403(personas: Personas) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.rep)
    before = snapshot()

    response = browser.post(
        "/api/v1/customers", {"name": "宁波海风贸易有限公司"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF 校验失败：请发送 X-CSRFToken 请求头。"}
    assert snapshot() == before


def test_session_write_with_csrf_token_succeeds(personas: Personas) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.rep)
    browser.get("/api/v1/docs")
    csrf_token = browser.cookies["csrftoken"].value

    response = browser.post(
        "/api/v1/customers",
        {"name": "宁波海风贸易有限公司"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token},
    )

    assert response.status_code == 201
    assert Customer.objects.get().owner == personas.rep


def test_bad_token_not_rescued_by_session(personas: Personas) -> None:
    browser = Client()
    browser.force_login(personas.rep)

    response = browser.get("/api/v1/customers", headers={"Authorization": "Bearer wrong"})

    assert response.status_code == 401


def test_deactivated_users_session_is_401(personas: Personas) -> None:
    browser = Client()
    browser.force_login(personas.rep)
    personas.rep.is_active = False
    personas.rep.save(update_fields=["is_active"])

    response = browser.get("/api/v1/customers")

    assert response.status_code == 401
