"""Every API route that names a record returns 404 for a record outside the caller's scope."""

from collections.abc import Callable
from typing import Any

from django.test import Client

from kehu.api.tests.conftest import Caller, make_customer, snapshot
from kehu.conftest import Personas
from kehu.customers import sharing
from kehu.customers.models import ShareAccess
from kehu.timeline import services

# A body each write route accepts, so the request reaches the visibility check instead of
# failing validation first.
BODIES: dict[tuple[str, str], Any] = {
    ("patch", "/api/v1/customers/{customer_id}"): {"grade": "A"},
    ("post", "/api/v1/customers/{customer_id}/owner"): {"owner": None},
    ("post", "/api/v1/customers/{customer_id}/contacts"): {"name": "李雷"},
    ("patch", "/api/v1/customers/{customer_id}/contacts/{contact_id}"): {"title": "总经理"},
    ("post", "/api/v1/customers/{customer_id}/follow-ups"): {"kind": "call", "content": "电话"},
    ("patch", "/api/v1/customers/{customer_id}/follow-ups/{follow_up_id}"): {"content": "改写"},
    ("post", "/api/v1/customers/{customer_id}/reveal"): {"field": "credit_code"},
    ("post", "/api/v1/customers/{customer_id}/contacts/{contact_id}/reveal"): {"field": "mobile"},
    ("post", "/api/v1/customers/{customer_id}/shares"): {"access": "read"},
    ("delete", "/api/v1/customers/{customer_id}/shares/{share_id}"): {},
    ("post", "/api/v1/customers/{customer_id}/claim"): {},
    ("post", "/api/v1/customers/{customer_id}/return"): {"note": "退回"},
    ("post", "/api/v1/customers/{customer_id}/lock"): {},
    ("delete", "/api/v1/customers/{customer_id}/lock"): {},
}


def test_every_record_route_hides_other_reps_records(
    personas: Personas, client: Client, call_as: Callable[..., Caller]
) -> None:
    hidden = make_customer(personas.rep2)
    follow_up = services.add_follow_up(
        personas.rep2, hidden, {"kind": "call", "content": "电话沟通"}
    )
    share = sharing.share_customer(personas.rep2, hidden, personas.manager, ShareAccess.READ, None)
    ids = {
        "customer_id": hidden.public_id,
        "contact_id": hidden.contacts.get().public_id,
        "follow_up_id": follow_up.public_id,
        "share_id": share.public_id,
    }
    caller = call_as(personas.rep)
    # A share names an existing user, so its body is completed here.
    bodies = {
        **BODIES,
        ("post", "/api/v1/customers/{customer_id}/shares"): {
            "user": str(personas.rep2.public_id),
            "access": "read",
        },
        ("post", "/api/v1/customers/{customer_id}/assign"): {"user": str(personas.rep.public_id)},
    }
    schema = client.get("/api/v1/openapi.json").json()
    before = snapshot()

    checked = []
    for template, operations in schema["paths"].items():
        if "{customer_id}" not in template:
            continue
        path = template.format(**ids).removeprefix("/api/v1")
        for method in operations:
            body = bodies.get((method, template)) if method != "get" else None
            assert method == "get" or body is not None, f"no body for {method} {template}"
            response = caller.request(method.upper(), path, body)
            assert (response.status, response.body) == (404, {"detail": "未找到。"}), (
                method,
                template,
            )
            checked.append((method, template))

    assert len(checked) == 24
    assert snapshot() == before
