"""Deactivating a user ends their sessions and API tokens at once and keeps their records."""

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from kehu.api import services as api_services
from kehu.api.models import ApiToken
from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.org import services
from kehu.org.models import User
from kehu.org.tests.conftest import org_state
from kehu.timeline import services as timeline_services


def _signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_django_rejects_inactive_users_session(personas: Personas) -> None:
    # Without the service: the session row stays, yet the next request is anonymous.
    client = _signed_in(personas.rep)
    assert client.get("/").status_code == 200

    User.objects.filter(pk=personas.rep.pk).update(is_active=False)

    assert Session.objects.count() == 1
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_deactivation_ends_session_on_next_request(personas: Personas) -> None:
    rep_client = _signed_in(personas.rep)
    boss_client = _signed_in(personas.boss)
    assert rep_client.get("/").status_code == 200

    services.deactivate_user(personas.boss, personas.rep)

    response = rep_client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert Session.objects.count() == 1
    assert boss_client.get("/").status_code == 200
    entry = AuditEntry.objects.get()
    assert entry.action == AuditAction.USER_DEACTIVATED
    assert entry.detail == {"sessions_ended": 1}


def test_deactivation_revokes_api_tokens(personas: Personas) -> None:
    _token, secret = api_services.issue_token(None, personas.rep, "ERP")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/customers").status_code == 200

    services.deactivate_user(personas.boss, personas.rep)

    assert api.get("/api/v1/customers").status_code == 401
    token = ApiToken.objects.get()
    assert token.revoked_at is not None
    services.reactivate_user(personas.boss, personas.rep)
    assert api.get("/api/v1/customers").status_code == 401


def test_deactivated_users_records_stay(personas: Personas) -> None:
    customer = customer_services.create_customer(
        personas.rep, {"name": "宁波海风贸易有限公司"}, [{"name": "赵强"}]
    )
    follow_up = timeline_services.add_follow_up(
        personas.rep, customer, {"kind": "call", "content": "电话沟通"}
    )

    services.deactivate_user(personas.boss, personas.rep)

    customer.refresh_from_db()
    follow_up.refresh_from_db()
    assert customer.owner_id == personas.rep.pk
    assert customer.creator_id == personas.rep.pk
    assert follow_up.author_id == personas.rep.pk
    assert User.objects.filter(pk=personas.rep.pk, is_active=False).exists()


def test_user_cannot_deactivate_themselves(personas: Personas) -> None:
    before = org_state()

    with pytest.raises(PermissionDenied):
        services.deactivate_user(personas.boss, personas.boss)

    assert org_state() == before


def test_last_user_manager_cannot_be_deactivated(personas: Personas) -> None:
    operator = User.objects.create_superuser(username="operator", password="x")
    before = org_state()

    with pytest.raises(ValidationError):
        services.deactivate_user(operator, personas.boss)

    assert org_state() == before


def test_rep_cannot_deactivate_anyone(personas: Personas) -> None:
    client = _signed_in(personas.rep2)
    before = org_state()

    with pytest.raises(PermissionDenied):
        services.deactivate_user(personas.rep, personas.rep2)

    assert org_state() == before
    assert client.get("/").status_code == 200


def test_reactivated_user_signs_in_again(personas: Personas) -> None:
    services.deactivate_user(personas.boss, personas.rep)
    services.deactivate_user(personas.boss, personas.rep)

    services.reactivate_user(personas.boss, personas.rep)

    client = Client()
    signed_in = client.post("/login/", {"username": "rep", "password": "test-pass-123"})
    assert signed_in.status_code == 302
    assert client.get("/").status_code == 200
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [AuditAction.USER_DEACTIVATED, AuditAction.USER_REACTIVATED]
