"""Control characters and lone surrogates in request text: a clear 422, never a 500."""

from collections.abc import Callable

from kehu.api.tests.conftest import Caller
from kehu.conftest import Personas
from kehu.customers.models import Contact, Customer


def test_line_breaks_in_a_name_become_spaces(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    response = call_as(personas.rep).request(
        "POST",
        "/customers",
        {"name": "杭州星星\n科技有限公司", "notes": "第一行\n第二行"},
    )

    assert response.status == 201, response.body
    customer = Customer.objects.get()
    assert (customer.name, customer.notes) == ("杭州星星 科技有限公司", "第一行\n第二行")


def test_nul_in_a_name_is_rejected(personas: Personas, call_as: Callable[..., Caller]) -> None:
    response = call_as(personas.rep).request("POST", "/customers", {"name": "杭州\u0000星星"})

    assert response.status == 422
    assert response.body["errors"]["name"] == [
        "该值在第 3 个字符处含有不可见的控制字符（U+0000），请删除后重试。"
    ]
    assert not Customer.objects.exists()


def test_lone_surrogate_is_rejected(personas: Personas, call_as: Callable[..., Caller]) -> None:
    caller = call_as(personas.rep)

    customer = caller.request("POST", "/customers", {"name": "星星\ud800科技"})
    contact = caller.request(
        "POST",
        "/customers",
        {"name": "明月贸易", "contacts": [{"name": "王\ud83d芳"}]},
    )

    assert customer.status == 422
    assert "U+D800" in customer.body["errors"]["name"][0]
    assert contact.status == 422
    assert not Customer.objects.exists()
    assert not Contact.objects.exists()


def test_deal_and_follow_up_texts_are_checked(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    caller = call_as(personas.rep)
    customer = caller.request("POST", "/customers", {"name": "温州瓯江阀门有限公司"}).body

    deal = caller.request("POST", "/deals", {"customer": customer["id"], "name": "阀门\ud800"})
    follow_up = caller.request(
        "POST",
        f"/customers/{customer['id']}/follow-ups",
        {"kind": "call", "content": "电话\u0000沟通"},
    )

    assert (deal.status, follow_up.status) == (422, 422)
    assert "U+0000" in follow_up.body["errors"]["content"][0]
