"""The contract pages: create with a file, approve, plan, receive, list sums, and money policy."""

import json
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kehu.conftest import Personas, field_errors
from kehu.customers.choices import CustomerStatus
from kehu.customers.models import Customer
from kehu.org.models import User
from kehu.sales import contracts, payments, services
from kehu.sales.models import Contract, ContractFile, ContractStatus, PaymentPlan, Receipt
from kehu.sales.tests.conftest import Shop, call_api

TERMS = {"title": "阀门年度供货合同", "amount": "120000", "start_on": "2026-01-01"}


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _signed(personas: Personas, shop: Shop) -> Contract:
    contract = contracts.create_contract(
        personas.rep,
        shop.customer,
        TERMS,
        files=[SimpleUploadedFile("合同.pdf", b"%PDF-1.4 scan")],
    )
    contracts.submit_contract(personas.rep, contract)
    return contracts.approve_contract(personas.manager, contract, signed_on="2025-12-20")


def test_rep_creates_contract_from_deal(personas: Personas, shop: Shop) -> None:
    deal = services.create_deal(
        personas.rep, shop.customer, {"name": "阀门改造", "amount": "88000"}
    )
    url = f"/customers/{shop.customer.public_id}/contracts/new/?deal={deal.public_id}"

    form = _client(personas.rep).get(url)
    response = _client(personas.rep).post(
        url,
        {**TERMS, "files": SimpleUploadedFile("草稿.docx", b"draft")},
    )

    assert form.status_code == 200
    assert 'value="阀门改造"' in form.text
    assert 'value="88000.00"' in form.text
    contract = Contract.objects.get()
    assert response.status_code == 302
    assert response["Location"] == contract.get_absolute_url()
    assert contract.deal == deal
    assert ContractFile.objects.get().original_name == "草稿.docx"
    deal_page = _client(personas.rep).get(deal.get_absolute_url())
    assert contract.number in deal_page.text


def test_form_errors_keep_values(personas: Personas, shop: Shop) -> None:
    url = f"/customers/{shop.customer.public_id}/contracts/new/"

    response = _client(personas.rep).post(url, {**TERMS, "end_on": "2025-01-01"})

    assert response.status_code == 400
    assert "结束日期 2025-01-01 早于开始日期 2026-01-01。" in response.text
    assert 'value="阀门年度供货合同"' in response.text
    assert not Contract.objects.exists()


def test_create_form_shows_errors_beside_fields(personas: Personas, shop: Shop) -> None:
    url = f"/customers/{shop.customer.public_id}/contracts/new/"

    response = _client(personas.rep).post(
        url,
        {"title": "", "amount": "十二万", "start_on": "2026-02-30", "notes": "按季度供货"},
    )

    errors = field_errors(response.text)
    assert response.status_code == 400
    assert errors["title"] == ["此字段为必填项。"]
    assert errors["amount"] == ["“十二万”不是数字。"]
    assert errors["start_on"] == [
        "“2026-02-30”不是有效的日期，请使用 2024-03-05 或 2024年3月5日 这样的格式。"
    ]
    assert errors["end_on"] == []
    assert errors["files"] == []
    assert 'value="十二万"' in response.text
    assert 'value="2026-02-30"' in response.text
    assert ">按季度供货</textarea>" in response.text
    assert 'class="alert error"' not in response.text
    assert not Contract.objects.exists()


def test_revise_form_shows_errors_beside_fields(personas: Personas, shop: Shop) -> None:
    contract = contracts.create_contract(personas.rep, shop.customer, TERMS)

    response = _client(personas.rep).post(
        f"/contracts/{contract.public_id}/edit/",
        {
            **TERMS,
            "end_on": "2025-01-01",
            "signed_on": "昨天",
            "change_note": "改结束日期",
            "version": "1",
        },
    )

    errors = field_errors(response.text)
    assert response.status_code == 400
    assert errors["signed_on"] == [
        "“昨天”不是有效的日期，请使用 2024-03-05 或 2024年3月5日 这样的格式。"
    ]
    assert errors["title"] == []
    assert 'value="改结束日期"' in response.text
    assert 'name="version" value="1"' in response.text
    contract.refresh_from_db()
    assert contract.current_version == 1


def test_form_error_without_field_shows_above(personas: Personas, shop: Shop) -> None:
    contract = contracts.create_contract(personas.rep, shop.customer, TERMS)
    contracts.revise_contract(personas.rep, contract, {**TERMS, "title": "新标题"})

    response = _client(personas.rep).post(
        f"/contracts/{contract.public_id}/edit/", {**TERMS, "version": "1"}
    )

    assert response.status_code == 400
    assert 'class="alert error"' in response.text
    assert all(not messages for messages in field_errors(response.text).values())


def test_submit_and_approve_through_pages(personas: Personas, shop: Shop) -> None:
    contract = contracts.create_contract(personas.rep, shop.customer, TERMS)

    _client(personas.rep).post(f"/contracts/{contract.public_id}/submit/", {"comment": "请审批"})
    page = _client(personas.manager).get(contract.get_absolute_url())
    _client(personas.manager).post(
        f"/contracts/{contract.public_id}/decide/",
        {"decision": "approve", "comment": "同意", "signed_on": "2026-01-05"},
    )

    assert "批准" in page.text
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    assert str(contract.signed_on) == "2026-01-05"
    assert Customer.objects.get(pk=shop.customer.pk).status == CustomerStatus.WON
    timeline = _client(personas.rep).get(shop.customer.get_absolute_url())
    assert "合同审批通过并签订" in timeline.text


def test_reject_without_comment_shows_error(personas: Personas, shop: Shop) -> None:
    contract = contracts.submit_contract(
        personas.rep, contracts.create_contract(personas.rep, shop.customer, TERMS)
    )

    response = _client(personas.manager).post(
        f"/contracts/{contract.public_id}/decide/", {"decision": "reject"}, follow=True
    )

    assert "此字段为必填项。" in response.text
    assert Contract.objects.get().status == ContractStatus.PENDING


def test_plan_and_receipt_show_sums(personas: Personas, shop: Shop) -> None:
    contract = _signed(personas, shop)
    client = _client(personas.rep)

    client.post(
        f"/contracts/{contract.public_id}/plans/",
        {
            "rows": "3",
            "due_on_1": "2026-01-31",
            "amount_1": "40000",
            "due_on_2": "2026-02-28",
            "amount_2": "80000",
        },
    )
    client.post(
        f"/contracts/{contract.public_id}/receipts/",
        {"received_on": "2026-01-20", "amount": "30000", "method": "bank_transfer"},
    )

    assert PaymentPlan.objects.count() == 2
    assert Receipt.objects.get().amount == Decimal("30000.00")
    listing = _client(personas.manager).get("/contracts/")
    assert "¥30,000.00" in listing.text
    assert "¥90,000.00" in listing.text
    overdue = _client(personas.manager).get("/contracts/?overdue=1")
    assert contract.number in overdue.text
    detail = client.get(contract.get_absolute_url())
    assert "¥10,000.00" in detail.text


def test_receipt_error_keeps_typed_values(personas: Personas, shop: Shop) -> None:
    contract = _signed(personas, shop)
    typed = {
        "received_on": "2999-01-05",
        "amount": "30000",
        "method": "alipay",
        "reference": "ZFB-20260120-7",
        "note": "首付款",
    }

    response = _client(personas.rep).post(f"/contracts/{contract.public_id}/receipts/", typed)

    errors = field_errors(response.text)
    assert response.status_code == 400
    assert errors["received_on"] == ["日期 2999-01-05 晚于今天。"]
    assert errors["amount"] == []
    assert 'name="received_on" id="id_received_on" value="2999-01-05"' in response.text
    assert 'name="amount" id="id_received_amount" value="30000"' in response.text
    assert '<option value="alipay" selected>' in response.text
    assert 'value="ZFB-20260120-7"' in response.text
    assert 'name="note" id="id_receipt_note" value="首付款"' in response.text
    assert not Receipt.objects.exists()


def test_receipt_over_amount_error_beside_amount(personas: Personas, shop: Shop) -> None:
    contract = _signed(personas, shop)

    response = _client(personas.rep).post(
        f"/contracts/{contract.public_id}/receipts/",
        {"received_on": "2026-01-20", "amount": "130000", "method": "cash"},
    )

    errors = field_errors(response.text)
    assert response.status_code == 400
    assert errors["amount"] == [
        "加上 130000.00 后，回款合计将为 130000.00，超过合同金额 120000.00。"
    ]
    assert 'name="amount" id="id_received_amount" value="130000"' in response.text
    assert '<option value="cash" selected>' in response.text
    assert not Receipt.objects.exists()


def test_receipt_on_draft_shows_error(personas: Personas, shop: Shop) -> None:
    contract = contracts.create_contract(personas.rep, shop.customer, TERMS)

    response = _client(personas.rep).post(
        f"/contracts/{contract.public_id}/receipts/",
        {"received_on": "2026-01-20", "amount": "1000", "method": "cash"},
    )

    assert response.status_code == 400
    assert "只有已签订的合同才能登记回款。" in response.text
    assert 'id="receipt-form"' not in response.text
    assert not Receipt.objects.exists()


def test_plan_over_amount_names_the_sums(personas: Personas, shop: Shop) -> None:
    contract = _signed(personas, shop)

    response = _client(personas.rep).post(
        f"/contracts/{contract.public_id}/plans/",
        {"rows": "1", "due_on_1": "2026-01-31", "amount_1": "120000.01"},
    )

    assert response.status_code == 400
    assert "回款计划合计 120000.01，超过合同金额 120000.00。" in response.text
    assert not PaymentPlan.objects.exists()


def test_agent_sees_contract_without_money_or_files(personas: Personas, shop: Shop) -> None:
    contract = _signed(personas, shop)
    payments.record_receipt(
        personas.rep,
        contract,
        {"received_on": "2026-01-20", "amount": "30000", "method": "cash"},
    )
    stored = ContractFile.objects.get()

    page = _client(personas.agent).get(contract.get_absolute_url())
    listing = _client(personas.agent).get("/contracts/")
    download = _client(personas.agent).get(f"/contract-files/{stored.public_id}/")
    timeline = _client(personas.agent).get(shop.customer.get_absolute_url())

    assert page.status_code == 200
    assert contract.number in page.text
    for text in (page.text, listing.text, timeline.text):
        assert "120,000" not in text
        assert "30,000" not in text
    assert "合同.pdf" not in page.text
    assert download.status_code == 404
    assert _client(personas.rep).get(f"/contract-files/{stored.public_id}/").status_code == 200


def test_outsider_gets_404_and_changes_nothing(personas: Personas, shop: Shop) -> None:
    contract = contracts.submit_contract(
        personas.rep, contracts.create_contract(personas.rep, shop.customer, TERMS)
    )
    client = _client(personas.other_manager)

    assert client.get(contract.get_absolute_url()).status_code == 404
    decide = client.post(f"/contracts/{contract.public_id}/decide/", {"decision": "approve"})
    plans = client.post(
        f"/contracts/{contract.public_id}/plans/",
        {"rows": "1", "due_on_1": "2026-01-31", "amount_1": "1"},
    )

    assert (decide.status_code, plans.status_code) == (404, 404)
    assert Contract.objects.get().status == ContractStatus.PENDING
    assert not PaymentPlan.objects.exists()
    assert contract.number not in client.get("/contracts/").text


def test_contract_file_name_hidden_from_agent_timeline(personas: Personas, shop: Shop) -> None:
    contract = _signed(personas, shop)
    contracts.add_file(
        personas.rep, contract, SimpleUploadedFile("盖章版 77777.77元.pdf", b"%PDF-1.4")
    )
    page = shop.customer.get_absolute_url()
    api_path = f"/customers/{shop.customer.public_id}/timeline"

    agent_page = _client(personas.agent).get(page).text
    rep_page = _client(personas.rep).get(page).text
    agent_api = call_api(personas.agent, "GET", api_path)
    rep_api = call_api(personas.rep, "GET", api_path)

    assert "77777.77" not in agent_page
    assert "77777.77" in rep_page
    assert agent_api[0] == 200
    assert "77777.77" not in json.dumps(agent_api[1], ensure_ascii=False)
    assert "77777.77" in json.dumps(rep_api[1], ensure_ascii=False)
