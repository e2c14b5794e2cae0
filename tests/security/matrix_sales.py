"""The permission matrix's entries for the deal and product pages and API endpoints.

Statuses read boss, manager, rep, outside agent, signed out. A deal is in a persona's scope
when its customer is: the in-scope deal belongs to the east rep's customer, which is assigned to
the outside agent and shared read-only with the second rep (the reader). Outside agents may read
deals but never change them. The pages reject their writes with 403 before loading any record.
The API looks the deal up first, so there an outside deal is a 404. Products are
a catalogue without scope: only the boss's role manages them.
"""

from typing import Any

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
]
