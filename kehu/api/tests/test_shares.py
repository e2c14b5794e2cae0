"""Shares of a customer through the API: list, add or change, and end."""

import datetime as dt
import uuid
from collections.abc import Callable

import pytest
from django.utils import timezone, translation
from pytest_django.fixtures import Settings

from kehu.api.tests.conftest import API, Caller, make_customer, snapshot
from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import sharing
from kehu.customers.models import CustomerShare


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    """Hash the personas' passwords with a fast hasher; Argon2 costs seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _delete(caller: Caller, path: str) -> tuple[int, bytes]:
    """Send DELETE and return the status and raw body; a 204 has no JSON to decode."""
    response = caller.client.delete(API + path, headers={"Authorization": f"Bearer {caller.token}"})
    return response.status_code, response.content


def test_owner_shares_lists_and_ends(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep2)
    owner = call_as(personas.rep2)
    path = f"/customers/{customer.public_id}/shares"

    created = owner.post(path, {"user": str(personas.rep.public_id), "access": "write"})
    listed = owner.get(path)
    reader = call_as(personas.rep).get(f"/customers/{customer.public_id}")

    assert created.status == 201
    share = CustomerShare.objects.get()
    assert created.body["id"] == str(share.public_id)
    assert created.body["user"] == {"id": str(personas.rep.public_id), "name": "李销售"}
    assert created.body["shared_by"]["name"] == "张销售"
    assert (created.body["access"], created.body["until"], created.body["active"]) == (
        "write",
        None,
        True,
    )
    assert listed.status == 200
    assert [item["id"] for item in listed.body] == [str(share.public_id)]
    assert reader.status == 200

    ended = _delete(owner, f"{path}/{share.public_id}")

    assert ended == (204, b"")
    assert not CustomerShare.objects.exists()
    assert call_as(personas.rep).get(f"/customers/{customer.public_id}").status == 404


def test_sharing_again_changes_access(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep2)
    owner = call_as(personas.rep2)
    path = f"/customers/{customer.public_id}/shares"

    owner.post(path, {"user": str(personas.rep.public_id), "access": "write"})
    again = owner.post(
        path, {"user": str(personas.rep.public_id), "access": "read", "until": "2099-01-31"}
    )

    assert again.status == 201
    assert (again.body["access"], again.body["until"]) == ("read", "2099-01-31")
    assert CustomerShare.objects.count() == 1


def test_rep_cannot_share_someone_elses_customer(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep2)
    rep = call_as(personas.rep)
    path = f"/customers/{customer.public_id}/shares"
    body = {"user": str(personas.other_rep.public_id), "access": "write"}
    before = snapshot()

    hidden = rep.post(path, body)
    assert CustomerShare.objects.count() == 0
    sharing.share_customer(personas.rep2, customer, personas.rep, "write", None)
    shares_before = list(CustomerShare.objects.values())
    shared = rep.post(path, body)
    listed = rep.get(path)

    assert (hidden.status, hidden.body) == (404, {"detail": "未找到。"})
    assert shared.status == 403
    assert shared.body == {"detail": "只有负责人或经理可以共享此客户。"}
    assert listed.status == 403
    assert list(CustomerShare.objects.values()) == shares_before
    assert snapshot()["customers"] == before["customers"]


def test_agent_and_unknown_users_rejected(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep2)
    owner = call_as(personas.rep2)
    path = f"/customers/{customer.public_id}/shares"
    missing = uuid.uuid4()

    agent = owner.post(path, {"user": str(personas.agent.public_id)})
    unknown = owner.post(path, {"user": str(missing)})
    bad_date = owner.post(path, {"user": str(personas.rep.public_id), "until": "明天"})
    bad_access = owner.post(path, {"user": str(personas.rep.public_id), "access": "all"})

    # The owner may not assign outside agents, so an agent's id gets a missing id's answer.
    assert agent.status == 422
    with translation.override("zh-hans"):
        message = translation.gettext("No colleague you may share with has this id.")
    assert agent.body == {"errors": {"user": [message]}}
    assert unknown.status == 422
    assert unknown.body == agent.body
    assert bad_date.status == 422
    assert list(bad_date.body["errors"]) == ["until"]
    assert bad_access.body == {"errors": {"access": ["“all”不是有效的共享权限。"]}}
    assert not CustomerShare.objects.exists()


def test_ended_share_listed_inactive(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep2)
    clock.freeze(timezone.make_aware(dt.datetime(2026, 3, 10, 9, 0)))
    try:
        sharing.share_customer(personas.rep2, customer, personas.rep, "read", dt.date(2026, 3, 10))
        clock.freeze(timezone.make_aware(dt.datetime(2026, 3, 11, 9, 0)))

        listed = call_as(personas.rep2).get(f"/customers/{customer.public_id}/shares")
        reader = call_as(personas.rep).get(f"/customers/{customer.public_id}")
    finally:
        clock.freeze(None)

    assert [(item["until"], item["active"]) for item in listed.body] == [("2026-03-10", False)]
    assert reader.status == 404


def test_unknown_share_id_is_404(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep2)
    other = make_customer(personas.rep2, name="宁波海风贸易有限公司", mobile="13900001111")
    share = sharing.share_customer(personas.rep2, other, personas.rep, "read", None)
    owner = call_as(personas.rep2)

    missing = owner.request("DELETE", f"/customers/{customer.public_id}/shares/{uuid.uuid4()}")
    foreign = owner.request("DELETE", f"/customers/{customer.public_id}/shares/{share.public_id}")

    assert missing.status == 404
    assert foreign.status == 404
    assert CustomerShare.objects.count() == 1
