"""The contract API: the same services as the pages, exact money, approval, and money policy."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kehu.api import services as api_services
from kehu.conftest import Personas
from kehu.customers.choices import CustomerStatus
from kehu.customers.models import Customer
from kehu.sales.models import Contract, ContractStatus, PaymentPlan, Quote, Receipt
from kehu.sales.tests.conftest import Shop, call_api


def _create(personas: Personas, shop: Shop) -> dict[str, object]:
    status, body = call_api(
        personas.rep,
        "POST",
        "/contracts",
        {
            "customer": str(shop.customer.public_id),
            "title": "阀门年度供货合同",
            "amount": "100000.10",
            "start_on": "2026-01-01",
            "end_on": "2026-12-31",
        },
    )
    assert status == 201, body
    created: dict[str, object] = body
    return created


def _signed(personas: Personas, shop: Shop) -> str:
    contract_id = str(_create(personas, shop)["id"])
    call_api(personas.rep, "POST", f"/contracts/{contract_id}/submit", {"comment": "请审批"})
    status, body = call_api(
        personas.manager,
        "POST",
        f"/contracts/{contract_id}/approve",
        {"comment": "同意", "signed_on": "2025-12-28"},
    )
    assert status == 200, body
    return contract_id


def test_create_approve_plan_and_receive(personas: Personas, shop: Shop) -> None:
    contract_id = _signed(personas, shop)

    plans_status, _ = call_api(
        personas.rep,
        "PUT",
        f"/contracts/{contract_id}/plans",
        {
            "plans": [
                {"due_on": "2026-06-30", "amount": "60000.05"},
                {"due_on": "2026-01-31", "amount": "40000.05"},
            ]
        },
    )
    receipt_status, body = call_api(
        personas.rep,
        "POST",
        f"/contracts/{contract_id}/receipts",
        {"received_on": "2026-01-20", "amount": "40000.06", "method": "alipay"},
    )

    assert (plans_status, receipt_status) == (200, 201)
    assert body["status"] == "signed"
    assert body["signed_on"] == "2025-12-28"
    assert body["collection"]["planned"] == "100000.10"
    assert body["collection"]["collected"] == "40000.06"
    assert body["collection"]["outstanding"] == "60000.04"
    assert [(p["position"], p["due_on"], p["amount"], p["paid"]) for p in body["plans"]] == [
        (1, "2026-01-31", "40000.05", "40000.05"),
        (2, "2026-06-30", "60000.05", "0.01"),
    ]
    assert body["receipts"][0]["method"] == "alipay"
    assert Customer.objects.get(pk=shop.customer.pk).status == CustomerStatus.WON
    listed = call_api(personas.manager, "GET", "/contracts")[1]
    assert [item["collected"] for item in listed["items"]] == ["40000.06"]


def test_errors_are_422_and_change_nothing(personas: Personas, shop: Shop) -> None:
    contract_id = _signed(personas, shop)

    status, body = call_api(
        personas.rep,
        "POST",
        f"/contracts/{contract_id}/receipts",
        {"received_on": "2026-01-20", "amount": "100000.11", "method": "cash"},
    )
    revise_status, _ = call_api(
        personas.rep,
        "POST",
        f"/contracts/{contract_id}/versions",
        {"title": "改", "amount": "1", "start_on": "2026-01-01"},
    )

    assert status == 422
    assert "100000.11" in json.dumps(body, ensure_ascii=False)
    assert revise_status == 422
    assert not Receipt.objects.exists()
    assert Contract.objects.get().current_version == 1


def test_rep_cannot_approve_and_rejection_needs_comment(personas: Personas, shop: Shop) -> None:
    contract_id = str(_create(personas, shop)["id"])
    call_api(personas.rep, "POST", f"/contracts/{contract_id}/submit", {})

    rep_status, _ = call_api(personas.rep, "POST", f"/contracts/{contract_id}/approve", {})
    empty_status, _ = call_api(
        personas.manager, "POST", f"/contracts/{contract_id}/reject", {"comment": ""}
    )
    rejected = call_api(
        personas.manager, "POST", f"/contracts/{contract_id}/reject", {"comment": "金额不对"}
    )

    assert (rep_status, empty_status) == (403, 422)
    assert rejected[0] == 200
    assert rejected[1]["status"] == "rejected"
    assert rejected[1]["decision_comment"] == "金额不对"


def test_renewal_links_both_ways(personas: Personas, shop: Shop) -> None:
    contract_id = _signed(personas, shop)

    status, body = call_api(
        personas.rep,
        "POST",
        f"/contracts/{contract_id}/renewal",
        {"title": "2027 续签", "amount": "110000", "start_on": "2027-01-01"},
    )
    old = call_api(personas.rep, "GET", f"/contracts/{contract_id}")[1]

    assert status == 201
    assert body["renewal_of"] == contract_id
    assert old["renewed_by"] == body["id"]


def test_file_upload_and_download(personas: Personas, shop: Shop) -> None:
    contract_id = _signed(personas, shop)
    token = api_services.issue_token(None, personas.rep, "tests")[1]
    headers = {"Authorization": f"Bearer {token}"}

    uploaded = Client().post(
        f"/api/v1/contracts/{contract_id}/files",
        {"file": SimpleUploadedFile("盖章版.pdf", b"%PDF-1.4 stamped")},
        headers=headers,
    )
    file_id = uploaded.json()["versions"][0]["files"][0]["id"]
    downloaded = Client().get(f"/api/v1/contract-files/{file_id}", headers=headers)

    assert uploaded.status_code == 201
    assert downloaded.status_code == 200
    assert downloaded.getvalue() == b"%PDF-1.4 stamped"


def test_agent_reads_no_money(personas: Personas, shop: Shop) -> None:
    contract_id = _signed(personas, shop)
    call_api(
        personas.rep,
        "PUT",
        f"/contracts/{contract_id}/plans",
        {"plans": [{"due_on": "2026-01-31", "amount": "1000"}]},
    )

    status, body = call_api(personas.agent, "GET", f"/contracts/{contract_id}")
    listed = call_api(personas.agent, "GET", "/contracts")[1]
    write_status, _ = call_api(
        personas.agent,
        "PUT",
        f"/contracts/{contract_id}/plans",
        {"plans": []},
    )

    assert status == 200
    text = json.dumps([body, listed], ensure_ascii=False)
    assert "100000.10" not in text
    assert "1000.00" not in text
    assert "files" not in body["versions"][0]
    assert body["collection"] == {}
    assert write_status == 403
    assert PaymentPlan.objects.count() == 1


def test_outsider_gets_404(personas: Personas, shop: Shop) -> None:
    contract_id = _signed(personas, shop)

    status, _ = call_api(personas.other_rep, "GET", f"/contracts/{contract_id}")
    approve_status, _ = call_api(
        personas.other_manager, "POST", f"/contracts/{contract_id}/approve", {}
    )

    assert (status, approve_status) == (404, 404)
    assert Contract.objects.get().status == ContractStatus.SIGNED
    assert call_api(personas.other_rep, "GET", "/contracts")[1]["items"] == []


def test_largest_amount_reads_back_exactly(personas: Personas, shop: Shop) -> None:
    body = {"customer": str(shop.customer.public_id), "title": "大额", "start_on": "2026-01-01"}

    too_large = call_api(personas.rep, "POST", "/contracts", {**body, "amount": "1e13"})
    largest = call_api(personas.rep, "POST", "/contracts", {**body, "amount": "9999999999999.99"})
    listed = call_api(personas.rep, "GET", "/contracts")

    assert too_large[0] == 422
    assert too_large[1]["errors"]["amount"] == [
        "“1e13”太大，允许的最大数值为 9,999,999,999,999.99。"
    ]
    assert largest[0] == 201
    assert largest[1]["amount"] == "9999999999999.99"
    assert [item["amount"] for item in listed[1]["items"]] == ["9999999999999.99"]


def test_quote_and_deal_lines_past_the_largest_amount(personas: Personas, shop: Shop) -> None:
    line = {"description": "球阀", "quantity": "99999999999", "unit_price": "999999"}
    quote = call_api(
        personas.rep,
        "POST",
        "/quotes",
        {"customer": str(shop.customer.public_id), "title": "大额报价", "lines": [line]},
    )
    deal = call_api(
        personas.rep, "POST", "/deals", {"customer": str(shop.customer.public_id), "name": "大"}
    )[1]
    lines = call_api(
        personas.rep,
        "PUT",
        f"/deals/{deal['id']}/lines",
        {
            "lines": [
                {
                    "product": str(shop.valve.public_id),
                    "quantity": "99999999999",
                    "unit_price": "999999",
                }
            ]
        },
    )

    assert (quote[0], lines[0]) == (422, 422)
    assert "lines" in quote[1]["errors"]
    assert not Quote.objects.exists()


def test_signing_date_in_future_is_rejected(personas: Personas, shop: Shop) -> None:
    contract_id = str(_create(personas, shop)["id"])
    call_api(personas.rep, "POST", f"/contracts/{contract_id}/submit", {})

    status, body = call_api(
        personas.manager, "POST", f"/contracts/{contract_id}/approve", {"signed_on": "2999-01-01"}
    )

    assert status == 422
    assert body["errors"] == {"signed_on": ["日期 2999-01-01 晚于今天。"]}
    assert Contract.objects.get().status == ContractStatus.PENDING
