"""The permission matrix's entries for the deal and product pages and API endpoints.

Statuses read boss, manager, rep, outside agent, signed out. A deal is in a persona's scope
when its customer is: the in-scope deal belongs to the east rep's customer, which is assigned to
the outside agent and shared read-only with the second rep (the reader). Outside agents may read
deals but never change them. The pages reject their writes with 403 before loading any record.
The API looks the deal up first, so there an outside deal is a 404. Products are
a catalogue without scope: only the boss's role manages them.
"""

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from kehu.sales.stages import default_pipeline
from tests.security.matrix import Entry, every, expect
from tests.security.world import Records, World

READ = expect("200", "200/404", "200/404", "200/404", "302")
EDIT_FORM = expect("200", "200/404", "200/404", "403/403", "302")
EDIT_POST = expect("302", "302/404", "302/404", "403/403", "302")
BOSS_ONLY = expect("200", "403", "403", "403", "302")
BOSS_ONLY_POST = expect("302", "403", "403", "403", "302")

V1 = "api/v1/"
DEAL = V1 + "deals/<deal_id>"
PRODUCT = V1 + "products/<product_id>"
QUOTE = V1 + "quotes/<quote_id>"
CONTRACT = V1 + "contracts/<contract_id>"
# Contract writes turn away roles that may not change deals before looking the contract up.
API_CONTRACT_WRITE = expect("200", "200/404", "200/404", "403/403", "401")
API_CONTRACT_CREATE = expect("201", "201/404", "201/404", "403/403", "401")
API_APPROVE = expect("200", "200/404", "403/403", "403/403", "401")
API_READ = expect("200", "200/404", "200/404", "200/404", "401")
API_EDIT = expect("200", "200/404", "200/404", "403/404", "401")


def _second_stage(world: World, role: str, records: Records) -> dict[str, Any]:
    stage = default_pipeline().stages.get(position=2)
    return {"stage": str(stage.public_id)}


def _deal_form(world: World, role: str, records: Records) -> dict[str, Any]:
    return {
        "name": "瓯江阀门框架采购（修订）",
        "amount": "90000",
        "expected_close_on": "2026-06-30",
    }


def _new_deal(world: World, role: str, records: Records) -> dict[str, Any]:
    return {
        "name": "新商机",
        "amount": "1000",
        "stage": _second_stage(world, role, records)["stage"],
    }


def _lines_form(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"rows": "1", "product_1": records.product, "quantity_1": "2", "unit_price_1": "400"}


def _product_form(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"name": "不锈钢球阀（新款）", "code": "BV-316", "list_price": "450", "is_active": "1"}


def _new_product(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"name": "闸阀", "code": "GV-100", "unit": "个", "list_price": "88"}


def _api_new_deal(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"customer": records.customer, "name": "接口商机", "amount": "5000.50"}


def _api_lines(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"lines": [{"product": records.product, "quantity": "3"}]}


def _quote_form(world: World, role: str, records: Records) -> dict[str, Any]:
    return {
        "title": "阀门报价（修订）",
        "rows": "1",
        "description_1": "球阀",
        "quantity_1": "3",
        "unit_price_1": "400",
        "tax_percent_1": "13",
    }


def _api_quote_lines() -> list[dict[str, str]]:
    return [{"description": "球阀", "quantity": "3", "unit_price": "400", "tax_percent": "13"}]


def _api_new_quote(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"customer": records.customer, "title": "接口报价", "lines": _api_quote_lines()}


def _api_revision(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"title": "接口报价（修订）", "lines": _api_quote_lines()}


def _contract_form(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"title": "框架合同（修订）", "amount": "90000", "start_on": "2026-02-01"}


def _renewal_form(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"title": "续签合同", "amount": "90000", "start_on": "2027-01-01"}


def _plans_form(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"rows": "2", "due_on_1": "2026-02-28", "amount_1": "40000"}


def _receipt_form(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"received_on": "2026-01-15", "amount": "1000", "method": "bank_transfer"}


def _file_form(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("盖章版.txt", b"stamped")}


def _api_new_contract(world: World, role: str, records: Records) -> dict[str, Any]:
    return {
        "customer": records.customer,
        "title": "接口合同",
        "amount": "5000.50",
        "start_on": "2026-03-01",
    }


def _api_terms(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"title": "接口合同（修订）", "amount": "6000", "start_on": "2026-03-01"}


def _api_plans(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"plans": [{"due_on": "2026-04-30", "amount": "6000"}]}


def _api_receipt(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"received_on": "2026-01-15", "amount": "1000", "method": "cash"}


def _constant(values: dict[str, Any]) -> Any:
    def build(world: World, role: str, records: Records) -> dict[str, Any]:
        return dict(values)

    return build


SALES_PAGE_ENTRIES = [
    Entry("deals/", "web:deal_list", "GET", every("200", "302"), shows="deal", reader="200"),
    Entry("deals/board/", "web:deal_board", "GET", every("200", "302"), shows="deal", reader="200"),
    Entry(
        "deals/<uuid:public_id>/",
        "web:deal_detail",
        "GET",
        READ,
        target="deal",
        shows="deal",
        reader="200",
    ),
    Entry(
        "deals/<uuid:public_id>/edit/",
        "web:deal_edit",
        "GET",
        EDIT_FORM,
        target="deal",
        shows="deal",
        reader="403",
    ),
    Entry(
        "deals/<uuid:public_id>/edit/",
        "web:deal_edit",
        "POST",
        EDIT_POST,
        target="deal",
        data=_deal_form,
        writes=True,
        reader="403",
    ),
    Entry(
        "deals/<uuid:public_id>/lines/",
        "web:deal_lines",
        "GET",
        EDIT_FORM,
        target="deal",
        shows="deal",
        reader="403",
    ),
    Entry(
        "deals/<uuid:public_id>/lines/",
        "web:deal_lines",
        "POST",
        EDIT_POST,
        target="deal",
        data=_lines_form,
        writes=True,
        reader="403",
    ),
    Entry(
        "deals/<uuid:public_id>/move/",
        "web:deal_move",
        "POST",
        EDIT_POST,
        target="deal",
        data=_second_stage,
        writes=True,
        reader="403",
    ),
    Entry(
        "customers/<uuid:public_id>/deals/new/",
        "web:deal_create",
        "GET",
        EDIT_FORM,
        target="customer",
        shows="name",
        reader="403",
    ),
    Entry(
        "customers/<uuid:public_id>/deals/new/",
        "web:deal_create",
        "POST",
        EDIT_POST,
        target="customer",
        data=_new_deal,
        writes=True,
        reader="403",
    ),
    Entry(
        "quotes/<uuid:public_id>/",
        "web:quote_detail",
        "GET",
        READ,
        target="quote",
        shows="deal",
        reader="200",
    ),
    Entry(
        "quotes/<uuid:public_id>/pdf/",
        "web:quote_pdf",
        "GET",
        READ,
        target="quote",
        shows="deal",
        reader="200",
    ),
    Entry(
        "quotes/<uuid:public_id>/revise/",
        "web:quote_revise",
        "GET",
        EDIT_FORM,
        target="quote",
        shows="name",
        reader="403",
    ),
    Entry(
        "quotes/<uuid:public_id>/revise/",
        "web:quote_revise",
        "POST",
        EDIT_POST,
        target="quote",
        data=_quote_form,
        writes=True,
        reader="403",
    ),
    Entry(
        "quotes/<uuid:public_id>/status/",
        "web:quote_status",
        "POST",
        EDIT_POST,
        target="quote",
        data=_constant({"status": "sent"}),
        writes=True,
        reader="403",
    ),
    Entry(
        "customers/<uuid:public_id>/quotes/new/",
        "web:quote_create",
        "GET",
        EDIT_FORM,
        target="customer",
        shows="name",
        reader="403",
    ),
    Entry(
        "customers/<uuid:public_id>/quotes/new/",
        "web:quote_create",
        "POST",
        EDIT_POST,
        target="customer",
        data=_quote_form,
        writes=True,
        reader="403",
    ),
    Entry(
        "contracts/", "web:contract_list", "GET", every("200", "302"), shows="name", reader="200"
    ),
    Entry(
        "contracts/<uuid:public_id>/",
        "web:contract_detail",
        "GET",
        READ,
        target="contract",
        shows="name",
        reader="200",
    ),
    Entry(
        "contracts/<uuid:public_id>/edit/",
        "web:contract_revise",
        "GET",
        EDIT_FORM,
        target="draft_contract",
        shows="name",
        reader="403",
    ),
    Entry(
        "contracts/<uuid:public_id>/edit/",
        "web:contract_revise",
        "POST",
        EDIT_POST,
        target="draft_contract",
        data=_contract_form,
        writes=True,
        reader="403",
    ),
    Entry(
        "contracts/<uuid:public_id>/renew/",
        "web:contract_renew",
        "GET",
        EDIT_FORM,
        target="contract",
        shows="name",
        reader="403",
    ),
    Entry(
        "contracts/<uuid:public_id>/renew/",
        "web:contract_renew",
        "POST",
        EDIT_POST,
        target="contract",
        data=_renewal_form,
        writes=True,
        reader="403",
    ),
    Entry(
        "contracts/<uuid:public_id>/files/",
        "web:contract_add_file",
        "POST",
        EDIT_POST,
        target="contract",
        data=_file_form,
        writes=True,
        reader="403",
    ),
    Entry(
        "contracts/<uuid:public_id>/plans/",
        "web:contract_plans",
        "GET",
        EDIT_FORM,
        target="contract",
        shows="name",
        reader="403",
    ),
    Entry(
        "contracts/<uuid:public_id>/plans/",
        "web:contract_plans",
        "POST",
        EDIT_POST,
        target="contract",
        data=_plans_form,
        writes=True,
        reader="403",
    ),
    Entry(
        "contracts/<uuid:public_id>/submit/",
        "web:contract_submit",
        "POST",
        EDIT_POST,
        target="draft_contract",
        data=_constant({"comment": "请审批"}),
        writes=True,
        reader="403",
    ),
    # Only roles that may assign approve; the rep submitted the in-scope contract.
    Entry(
        "contracts/<uuid:public_id>/decide/",
        "web:contract_decide",
        "POST",
        expect("302", "302/404", "403/403", "403/403", "302"),
        target="pending_contract",
        data=_constant({"decision": "approve", "comment": "同意"}),
        writes=True,
        reader="403",
    ),
    Entry(
        "contracts/<uuid:public_id>/receipts/",
        "web:contract_receipt",
        "POST",
        EDIT_POST,
        target="contract",
        data=_receipt_form,
        writes=True,
        reader="403",
    ),
    # Voiding a receipt needs the right to record one and a role that approves contracts.
    Entry(
        "contracts/<uuid:public_id>/receipts/<uuid:receipt_id>/void/",
        "web:contract_receipt_void",
        "POST",
        expect("302", "302/404", "403/404", "403/403", "302"),
        target="contract",
        data=_constant({"reason": "重复登记"}),
        writes=True,
        reader="403",
    ),
    # A contract's files show its amount, which the outside agent may not read.
    Entry(
        "contract-files/<uuid:public_id>/",
        "web:contract_file",
        "GET",
        expect("200", "200/404", "200/404", "404/404", "302"),
        target="contract_file",
        shows="file",
        reader="200",
    ),
    Entry(
        "customers/<uuid:public_id>/contracts/new/",
        "web:contract_create",
        "GET",
        EDIT_FORM,
        target="customer",
        shows="name",
        reader="403",
    ),
    Entry(
        "customers/<uuid:public_id>/contracts/new/",
        "web:contract_create",
        "POST",
        EDIT_POST,
        target="customer",
        data=_contract_form,
        writes=True,
        reader="403",
    ),
    Entry("settings/products/", "web:product_list", "GET", BOSS_ONLY),
    Entry("settings/products/new/", "web:product_create", "GET", BOSS_ONLY),
    Entry(
        "settings/products/new/",
        "web:product_create",
        "POST",
        BOSS_ONLY_POST,
        data=_new_product,
        writes=True,
    ),
    Entry(
        "settings/products/<uuid:public_id>/edit/",
        "web:product_edit",
        "GET",
        BOSS_ONLY,
        target="product",
    ),
    Entry(
        "settings/products/<uuid:public_id>/edit/",
        "web:product_edit",
        "POST",
        BOSS_ONLY_POST,
        target="product",
        data=_product_form,
        writes=True,
    ),
]

SALES_API_ENTRIES = [
    Entry(
        V1 + "deals",
        "api-v1:list_deals_",
        "GET",
        every("200", "401"),
        shows="deal",
        reader="200",
    ),
    # The customer is named in the body: an outside one is a 404 like a missing one.
    Entry(
        V1 + "deals",
        "api-v1:create_deal",
        "POST",
        expect("201", "201/404", "201/404", "403/403", "401"),
        data=_api_new_deal,
        writes=True,
        reader="403",
    ),
    Entry(DEAL, "api-v1:deal_detail", "GET", API_READ, shows="deal", reader="200"),
    Entry(
        DEAL,
        "api-v1:update_deal",
        "PATCH",
        API_EDIT,
        data=_constant({"name": "接口改名", "amount": "12.34"}),
        writes=True,
        reader="403",
    ),
    Entry(
        DEAL + "/lines",
        "api-v1:set_lines",
        "PUT",
        API_EDIT,
        data=_api_lines,
        writes=True,
        reader="403",
    ),
    Entry(
        DEAL + "/stage",
        "api-v1:move_stage",
        "POST",
        API_EDIT,
        data=_second_stage,
        writes=True,
        reader="403",
    ),
    Entry(
        V1 + "customers/<customer_id>/quotes",
        "api-v1:customer_quotes",
        "GET",
        API_READ,
        shows="deal",
        reader="200",
    ),
    Entry(
        V1 + "quotes",
        "api-v1:create_quote",
        "POST",
        expect("201", "201/404", "201/404", "403/403", "401"),
        data=_api_new_quote,
        writes=True,
        reader="403",
    ),
    Entry(QUOTE, "api-v1:quote_detail", "GET", API_READ, shows="deal", reader="200"),
    Entry(QUOTE + "/pdf", "api-v1:quote_pdf", "GET", API_READ, shows="deal", reader="200"),
    Entry(
        QUOTE + "/versions",
        "api-v1:revise_quote",
        "POST",
        expect("201", "201/404", "201/404", "403/404", "401"),
        data=_api_revision,
        writes=True,
        reader="403",
    ),
    Entry(
        QUOTE + "/status",
        "api-v1:quote_status",
        "POST",
        API_EDIT,
        data=_constant({"status": "sent"}),
        writes=True,
        reader="403",
    ),
    Entry(V1 + "products", "api-v1:list_products", "GET", every("200", "401")),
    Entry(
        V1 + "products",
        "api-v1:create_product",
        "POST",
        expect("201", "403", "403", "403", "401"),
        data=_constant({"name": "闸阀", "code": "GV-100", "list_price": "88"}),
        writes=True,
    ),
    Entry(PRODUCT, "api-v1:product_detail", "GET", every("200", "401")),
    Entry(
        PRODUCT,
        "api-v1:update_product",
        "PATCH",
        expect("200", "403", "403", "403", "401"),
        data=_constant({"list_price": "430.00"}),
        writes=True,
    ),
    Entry(
        V1 + "contracts",
        "api-v1:list_contracts",
        "GET",
        every("200", "401"),
        shows="name",
        reader="200",
    ),
    Entry(
        V1 + "customers/<customer_id>/contracts",
        "api-v1:customer_contracts",
        "GET",
        API_READ,
        shows="name",
        reader="200",
    ),
    Entry(
        V1 + "contracts",
        "api-v1:create_contract",
        "POST",
        API_CONTRACT_CREATE,
        data=_api_new_contract,
        writes=True,
        reader="403",
    ),
    Entry(CONTRACT, "api-v1:contract_detail", "GET", API_READ, shows="name", reader="200"),
    Entry(
        CONTRACT + "/versions",
        "api-v1:revise_contract",
        "POST",
        API_CONTRACT_CREATE,
        target="draft_contract",
        data=_api_terms,
        writes=True,
        reader="403",
    ),
    Entry(
        CONTRACT + "/files",
        "api-v1:add_contract_file",
        "POST",
        API_CONTRACT_CREATE,
        data=_file_form,
        writes=True,
        reader="403",
    ),
    # A contract's files show its amount, which the outside agent may not read.
    Entry(
        V1 + "contract-files/<file_id>",
        "api-v1:contract_file",
        "GET",
        expect("200", "200/404", "200/404", "404/404", "401"),
        target="contract_file",
        shows="file",
        reader="200",
    ),
    Entry(
        CONTRACT + "/submit",
        "api-v1:submit_contract",
        "POST",
        API_CONTRACT_WRITE,
        target="draft_contract",
        data=_constant({"comment": "请审批"}),
        writes=True,
        reader="403",
    ),
    Entry(
        CONTRACT + "/approve",
        "api-v1:approve_contract",
        "POST",
        API_APPROVE,
        target="pending_contract",
        data=_constant({"comment": "同意"}),
        writes=True,
        reader="403",
    ),
    Entry(
        CONTRACT + "/reject",
        "api-v1:reject_contract",
        "POST",
        API_APPROVE,
        target="pending_contract",
        data=_constant({"comment": "金额不对"}),
        writes=True,
        reader="403",
    ),
    Entry(
        CONTRACT + "/renewal",
        "api-v1:renew_contract",
        "POST",
        API_CONTRACT_CREATE,
        data=_api_terms,
        writes=True,
        reader="403",
    ),
    Entry(
        CONTRACT + "/plans",
        "api-v1:set_plans",
        "PUT",
        API_CONTRACT_WRITE,
        data=_api_plans,
        writes=True,
        reader="403",
    ),
    Entry(
        CONTRACT + "/receipts",
        "api-v1:record_receipt",
        "POST",
        API_CONTRACT_CREATE,
        data=_api_receipt,
        writes=True,
        reader="403",
    ),
    Entry(
        CONTRACT + "/receipts/<receipt_id>/void",
        "api-v1:void_receipt",
        "POST",
        expect("200", "200/404", "403/404", "403/403", "401"),
        data=_constant({"reason": "重复登记"}),
        writes=True,
        reader="403",
    ),
]
