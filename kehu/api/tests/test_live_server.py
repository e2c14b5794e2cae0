import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from pytest_django.live_server_helper import LiveServer

from kehu.api import services
from kehu.conftest import Personas
from kehu.customers.models import Customer


def _call(
    server: LiveServer, token: str, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{server.url}/api/v1{path}",
        data=data,
        method=method,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept-Language": "zh-hans",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.django_db(transaction=True)
def test_api_over_real_http(live_server: LiveServer, personas: Personas) -> None:
    assert live_server.url.startswith("http://127.0.0.1:")
    _token, text = services.issue_token(None, personas.rep, "live test")

    created = _call(live_server, text, "POST", "/customers", {"name": "杭州星星科技有限公司"})
    listed = _call(live_server, text, "GET", "/customers")
    denied = _call(live_server, "kehu_0123456789_" + "A" * 43, "GET", "/customers")

    assert created[0] == 201
    assert created[1]["name"] == "杭州星星科技有限公司"
    assert listed[0] == 200
    assert [item["id"] for item in listed[1]["items"]] == [created[1]["id"]]
    assert denied[0] == 401
    assert Customer.objects.get().owner == personas.rep
