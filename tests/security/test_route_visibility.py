"""Every route that takes a record id answers an out-of-scope record exactly like a missing one.

The routes are enumerated from the URL configuration, so a view added later is covered without
editing this test. For each route and method, a second rep requests the first rep's records and a
random id; both answers must match (same status), never succeed, and change nothing.
"""

import itertools
import re
import uuid
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers.models import Contact, Customer
from kehu.timeline import services as timeline_services
from kehu.timeline.models import Attachment, Event, FollowUp

# Record ids in routes: Django's <uuid:public_id> and django-ninja's <customer_id>.
ID_PARAM = re.compile(r"<(?:uuid:)?(\w*id)>")


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(list(pattern.url_patterns), route)
        else:
            yield route.lstrip("^").rstrip("$")


def _id_routes() -> list[str]:
    return sorted(
        {route for route in _routes(get_resolver().url_patterns) if ID_PARAM.search(route)}
    )


def _fill(route: str, ids: list[str]) -> str:
    values = iter(ids)
    path = ID_PARAM.sub(lambda _match: next(values), route)
    return "/" + re.sub(r"<\w+:\w+>|<\w+>", "x", path)


def _snapshot() -> tuple[int, ...]:
    return (
        Customer.objects.count(),
        Contact.objects.count(),
        FollowUp.objects.count(),
        Attachment.objects.count(),
        Event.objects.count(),
        sum(Customer.objects.values_list("version", flat=True)),
        sum(Contact.objects.values_list("version", flat=True)),
        sum(FollowUp.objects.values_list("version", flat=True)),
    )


@pytest.mark.django_db
def test_out_of_scope_ids_look_missing(personas: Personas, tmp_path: object) -> None:
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        customer = customer_services.create_customer(
            personas.rep,
            {"name": "温州瓯江阀门有限公司"},
            [{"name": "周杰", "mobile": "13905770001"}],
            owner=personas.rep,
        )
        follow_up = timeline_services.add_follow_up(
            personas.rep, customer, {"kind": "call", "content": "确认报价"}
        )
        attachment = timeline_services.add_attachment(
            personas.rep, customer, SimpleUploadedFile("报价.pdf", b"%PDF-1.4"), follow_up
        )
    contact = customer.contacts.get()
    record_ids = [
        str(customer.public_id),
        str(contact.public_id),
        str(follow_up.public_id),
        str(attachment.public_id),
    ]
    routes = _id_routes()
    assert any(route.startswith("api/") for route in routes), routes
    assert any(route.startswith("customers/") for route in routes), routes

    owner = Client()
    owner.force_login(personas.rep)
    assert owner.get(f"/customers/{customer.public_id}/").status_code == 200
    assert owner.get(f"/api/v1/customers/{customer.public_id}").status_code == 200

    outsider = Client()
    outsider.force_login(personas.rep2)
    before = _snapshot()
    checked = 0
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        for route in routes:
            count = len(ID_PARAM.findall(route))
            missing_path = _fill(route, [str(uuid.uuid4()) for _ in range(count)])
            for combination in itertools.product(record_ids, repeat=count):
                path = _fill(route, list(combination))
                for method in ("get", "post", "patch"):
                    real = getattr(outsider, method)(path)
                    missing = getattr(outsider, method)(missing_path)
                    assert real.status_code == missing.status_code, (method, path)
                    assert real.status_code >= 400 or real.status_code in (301, 302), (method, path)
                    checked += 1
    assert _snapshot() == before
    assert checked >= 4
    assert outsider.get(f"/customers/{customer.public_id}/").status_code == 404
    assert outsider.get(f"/api/v1/customers/{customer.public_id}").status_code == 404
