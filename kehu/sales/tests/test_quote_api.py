"""The quote endpoints: the same services as the pages, exact money text, errors by line."""

from kehu.conftest import Personas
from kehu.sales.models import Quote
from kehu.sales.tests.conftest import Shop, call_api

LINES = [
    {
        "description": "球阀",
        "quantity": "3",
        "unit_price": "120.50",
        "discount_percent": "5",
        "tax_percent": "13",
    },
]


def test_create_revise_and_send(personas: Personas, shop: Shop) -> None:
    status, created = call_api(
        personas.rep,
        "POST",
        "/quotes",
        {"customer": str(shop.customer.public_id), "title": "接口报价", "lines": LINES},
    )
    path = f"/quotes/{created['id']}"
    revised_status, revised = call_api(
        personas.rep, "POST", path + "/versions", {"title": "第二版", "lines": LINES * 2}
    )
    sent_status, sent = call_api(personas.rep, "POST", path + "/status", {"status": "sent"})
    _listed_status, listed = call_api(
        personas.rep, "GET", f"/customers/{shop.customer.public_id}/quotes"
    )

    assert status == 201
    assert created["number"] == Quote.objects.get().number
    first = created["versions"][0]
    assert (first["subtotal"], first["discount"], first["tax"], first["total"]) == (
        "361.50",
        "18.08",
        "44.64",
        "388.06",
    )
    assert first["lines"][0]["total"] == "388.06"
    assert revised_status == 201
    assert [v["total"] for v in revised["versions"]] == ["388.06", "776.12"]
    assert sent_status == 200
    assert sent["status"] == "sent"
    assert [quote["id"] for quote in listed] == [created["id"]]


def test_errors_name_the_line(personas: Personas, shop: Shop) -> None:
    bad = [LINES[0], {"description": "闸阀", "quantity": "1", "unit_price": "1.234"}]

    status, body = call_api(
        personas.rep,
        "POST",
        "/quotes",
        {"customer": str(shop.customer.public_id), "title": "报价", "lines": bad},
    )

    assert status == 422
    assert list(body["errors"]) == ["lines.1.unit_price"]
    assert not Quote.objects.exists()


def test_agent_reads_without_money_and_cannot_write(personas: Personas, shop: Shop) -> None:
    _status, created = call_api(
        personas.rep,
        "POST",
        "/quotes",
        {"customer": str(shop.customer.public_id), "title": "接口报价", "lines": LINES},
    )

    status, body = call_api(personas.agent, "GET", f"/quotes/{created['id']}")
    write_status, _body = call_api(
        personas.agent, "POST", f"/quotes/{created['id']}/status", {"status": "sent"}
    )
    other_status, _other = call_api(personas.other_rep, "GET", f"/quotes/{created['id']}")

    assert status == 200
    version = body["versions"][0]
    assert "total" not in version
    assert "unit_price" not in version["lines"][0]
    assert version["lines"][0]["description"] == "球阀"
    assert write_status == 403
    assert other_status == 404
    assert Quote.objects.get().status == "draft"
