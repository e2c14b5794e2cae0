"""API test helpers: callers that send real requests through the URL conf with a token."""

import dataclasses
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from pytest_django.live_server_helper import LiveServer

from kehu.api import services
from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers.models import Contact, Customer
from kehu.org.models import User
from kehu.timeline.models import Event, FollowUp, FollowUpRevision

API = "/api/v1"


@dataclasses.dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str]


@dataclasses.dataclass
class Caller:
    """Sends API requests as one user, authenticated by a bearer token."""

    client: Client
    token: str
    language: str = "zh-hans"

    def request(
        self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None
    ) -> Response:
        headers = {"Accept-Language": self.language}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = "" if body is None else json.dumps(body)
        response = self.client.generic(
            method,
            API + path,
            payload,
            content_type="application/json",
            headers=headers,
            query_params=query,
        )
        content = response.content.decode()
        if response["Content-Type"].startswith("application/json"):
            return Response(response.status_code, json.loads(content), dict(response.headers))
        return Response(response.status_code, content, dict(response.headers))

    def get(self, path: str, **query: Any) -> Response:
        return self.request("GET", path, query=query)

    def post(self, path: str, body: Any) -> Response:
        return self.request("POST", path, body)

    def patch(self, path: str, body: Any) -> Response:
        return self.request("PATCH", path, body)


@pytest.fixture
def call_as(client: Client, personas: Personas) -> Callable[..., Caller]:
    """Return a function that gives a Caller for a user, issuing one token per user."""
    issued: dict[int, str] = {}

    def make(user: User, language: str = "zh-hans") -> Caller:
        if user.pk not in issued:
            issued[user.pk] = services.issue_token(None, user, "tests")[1]
        return Caller(client, issued[user.pk], language)

    return make


def make_customer(
    owner: User, name: str = "杭州星星科技有限公司", mobile: str = "13812345678", **values: Any
) -> Customer:
    return customer_services.create_customer(
        owner, {"name": name, **values}, [{"name": "王芳", "mobile": mobile}], owner=owner
    )


def snapshot() -> dict[str, list[Any]]:
    """Return every row the API can write, to prove a denied request changed nothing."""
    return {
        "customers": list(Customer.objects.order_by("pk").values()),
        "contacts": list(Contact.objects.order_by("pk").values()),
        "follow_ups": list(FollowUp.objects.order_by("pk").values()),
        "revisions": list(FollowUpRevision.objects.order_by("pk").values()),
        "events": list(Event.objects.order_by("pk").values()),
        "tags": list(Customer.tags.through.objects.order_by("pk").values()),
    }


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """pytest-django's live server, bound to 127.0.0.1 instead of whatever localhost resolves to."""
    server = LiveServer("127.0.0.1:0")
    yield server
    server.stop()
