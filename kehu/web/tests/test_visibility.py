"""Each page route that names a record responds to an outsider as it does to a missing one."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern

from kehu.assignment import services as assignment_services
from kehu.assignment.models import AssignmentRule
from kehu.audit.models import AuditEntry
from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import sharing
from kehu.customers.models import Contact, Customer, CustomerShare
from kehu.fields.models import CustomField
from kehu.org.models import Department, User
from kehu.pool.models import CustomerLock, Pool, PoolEntry, PoolOpen
from kehu.pool.tests.fixtures import PlaceCustomer, Pools
from kehu.sales import contracts, payments, pipelines, quotes
from kehu.sales import services as sales_services
from kehu.sales.models import (
    Contract,
    ContractFile,
    Deal,
    PaymentPlan,
    Pipeline,
    Product,
    Quote,
    Receipt,
    Stage,
)
from kehu.service import services as ticket_services
from kehu.service.models import Ticket, TicketReply
from kehu.timeline import services as timeline_services
from kehu.timeline.models import Attachment, FollowUp
from kehu.web.models import SavedView
from kehu.web.tests.conftest import ClientFor, MakeCustomer
from kehu.web.views import pages_urls, pools_urls

# Route name -> the status an outsider gets: 404 where the record is out of scope, 403 where
# the whole page is for the boss only.
OUTSIDER_STATUS = {
    "customer_detail": 404,
    "customer_edit": 404,
    "contact_create": 404,
    "follow_up_create": 404,
    "contact_edit": 404,
    "customer_reveal": 404,
    "contact_reveal": 404,
    "follow_up_edit": 404,
    "attachment_download": 404,
    "saved_view_delete": 404,
    "field_edit": 403,
    "field_deactivate": 403,
    "field_reactivate": 403,
    "customer_sharing": 404,
    "customer_agent_assign": 404,
    "customer_agent_remove": 404,
    "share_end": 404,
    "settings_user_edit": 403,
    "settings_user_password": 403,
    "settings_user_deactivate": 403,
    "settings_user_reactivate": 403,
    "settings_department_rename": 403,
    "settings_department_move": 403,
    "settings_role_edit": 403,
    "deal_detail": 404,
    "deal_edit": 404,
    "deal_lines": 404,
    "deal_move": 404,
    "deal_create": 404,
    "quote_detail": 404,
    "quote_pdf": 404,
    "quote_revise": 404,
    "quote_status": 404,
    "quote_create": 404,
    "product_edit": 403,
    "settings_pipeline_rename": 403,
    "settings_pipeline_default": 403,
    "settings_pipeline_delete": 403,
    "settings_stage_create": 403,
    "settings_stage_reorder": 403,
    "settings_stage_update": 403,
    "settings_stage_remove": 403,
    "contract_detail": 404,
    "contract_revise": 404,
    "contract_renew": 404,
    "contract_add_file": 404,
    "contract_plans": 404,
    "contract_submit": 404,
    # Only roles that may assign approve: the rep is turned away before any record is read.
    "contract_decide": 403,
    "contract_receipt": 404,
    "contract_receipt_void": 404,
    "contract_file": 404,
    "contract_create": 404,
    "ticket_detail": 404,
    "ticket_edit": 404,
    "ticket_reply": 404,
    "ticket_status": 404,
    "ticket_assign": 404,
    "ticket_create": 404,
    "settings_assignment_edit": 403,
    "settings_assignment_delete": 403,
    "settings_assignment_move": 403,
    "settings_assignment_switch": 403,
    "pool_list": 404,
    "pool_customer": 404,
    # Gone from the user's pools: "already claimed", the same for any id.
    "pool_claim": 409,
    "pool_assign": 404,
    "customer_return": 404,
    "customer_lock": 404,
    "settings_pool_edit": 403,
    "settings_pool_delete": 403,
}


def _routes_with_ids() -> dict[str, URLPattern]:
    return {
        pattern.name: pattern
        for pattern in [*pages_urls.urlpatterns, *pools_urls.urlpatterns]
        if pattern.name and "public_id" in str(pattern.pattern)
    }


def _state() -> list[object]:
    """Return everything an outsider's request could change."""
    return [
        list(Customer.objects.order_by("pk").values_list("name", "version")),
        list(Contact.objects.order_by("pk").values_list("name", "version")),
        list(FollowUp.objects.order_by("pk").values_list("content", "version")),
        Attachment.objects.count(),
        list(SavedView.objects.order_by("pk").values_list("name", "query")),
        list(CustomField.objects.order_by("pk").values_list("label", "is_active")),
        AuditEntry.objects.count(),
        list(CustomerShare.objects.order_by("pk").values_list("user_id", "access")),
        list(User.objects.order_by("pk").values_list("is_active", "role_id", "department_id")),
        list(Department.objects.order_by("pk").values_list("name", "parent_id")),
        list(Deal.objects.order_by("pk").values_list("name", "version")),
        list(Product.objects.order_by("pk").values_list("name", "list_price")),
        list(Pipeline.objects.order_by("pk").values_list("name", "is_default")),
        list(Stage.objects.order_by("pk").values_list("name", "position", "win_probability")),
        list(Quote.objects.order_by("pk").values_list("status", "current_version")),
        list(Contract.objects.order_by("pk").values_list("status", "current_version")),
        ContractFile.objects.count(),
        PaymentPlan.objects.count(),
        list(Receipt.objects.order_by("pk").values_list("amount", "voided_at")),
        list(Ticket.objects.order_by("pk").values_list("status", "version", "assignee_id")),
        TicketReply.objects.count(),
        list(AssignmentRule.objects.order_by("pk").values_list("name", "position", "is_active")),
        list(PoolEntry.objects.order_by("pk").values_list("customer_id", "pool_id")),
        list(Pool.objects.order_by("pk").values_list("name", "claim_limit")),
        CustomerLock.objects.count(),
        PoolOpen.objects.count(),
    ]


def test_every_record_route_is_listed() -> None:
    assert sorted(_routes_with_ids()) == sorted(OUTSIDER_STATUS)


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_same_answer_as_missing(
    personas: Personas,
    client_for: ClientFor,
    make_customer: MakeCustomer,
    pools: Pools,
    place: PlaceCustomer,
    method: str,
) -> None:
    customer = make_customer(
        "宁波海风贸易有限公司", owner=personas.rep2, contacts=[{"name": "赵强"}]
    )
    follow_up = timeline_services.add_follow_up(
        personas.rep2, customer, {"kind": "call", "content": "电话"}
    )
    attachment = timeline_services.add_attachment(
        personas.rep2, customer, SimpleUploadedFile("合同.pdf", b"secret")
    )
    saved_view = SavedView.objects.create(
        owner=personas.rep2, name="我的", query="q=x", created_at=clock.now()
    )
    field = CustomField.objects.create(
        target="customer", key="level", label="层级", field_type="text", is_active=False
    )
    share = sharing.share_customer(personas.rep2, customer, personas.manager, "read", None)
    deal = sales_services.create_deal(personas.rep2, customer, {"name": "海风商机"})
    product = sales_services.create_product(personas.boss, {"name": "闸阀", "code": "GV-1"})
    quote = quotes.create_quote(
        personas.rep2,
        customer,
        {"title": "海风报价"},
        [{"description": "闸阀", "quantity": "1", "unit_price": "10"}],
        deal=deal,
    )
    contract = contracts.create_contract(
        personas.rep2,
        customer,
        {"title": "海风合同", "amount": "10", "start_on": "2026-01-01"},
        files=[SimpleUploadedFile("海风合同.pdf", b"signed")],
    )
    paid = contracts.create_contract(
        personas.rep2, customer, {"title": "海风续约", "amount": "10", "start_on": "2026-01-01"}
    )
    contracts.submit_contract(personas.rep2, paid)
    contracts.approve_contract(personas.manager, paid)
    receipt = payments.record_receipt(
        personas.rep2, paid, {"received_on": "2026-01-02", "amount": "10", "method": "cash"}
    )
    ticket = ticket_services.open_ticket(
        personas.rep2, customer, {"subject": "海风报修", "category": "repair"}
    )
    pipeline = pipelines.create_pipeline(personas.boss, "项目型销售")
    rule = assignment_services.create_rule(
        personas.boss, {"name": "华东规则", "route": "user", "user": personas.rep2}
    )
    in_south_pool = place("华南公海客户有限公司", pools.south)
    stage = pipeline.stages.get(name="需求确认")
    assert personas.rep2.department is not None and personas.rep2.role is not None
    ids = {
        "customer_detail": customer.public_id,
        "customer_edit": customer.public_id,
        "contact_create": customer.public_id,
        "follow_up_create": customer.public_id,
        "contact_edit": customer.contacts.get().public_id,
        "customer_reveal": customer.public_id,
        "contact_reveal": customer.contacts.get().public_id,
        "follow_up_edit": follow_up.public_id,
        "attachment_download": attachment.public_id,
        "saved_view_delete": saved_view.public_id,
        "field_edit": field.public_id,
        "field_deactivate": field.public_id,
        "field_reactivate": field.public_id,
        "customer_sharing": customer.public_id,
        "customer_agent_assign": customer.public_id,
        "customer_agent_remove": customer.public_id,
        "share_end": share.public_id,
        "settings_user_edit": personas.rep2.public_id,
        "settings_user_password": personas.rep2.public_id,
        "settings_user_deactivate": personas.rep2.public_id,
        "settings_user_reactivate": personas.rep2.public_id,
        "settings_department_rename": personas.rep2.department.public_id,
        "settings_department_move": personas.rep2.department.public_id,
        "settings_role_edit": personas.rep2.role.public_id,
        "deal_detail": deal.public_id,
        "deal_edit": deal.public_id,
        "deal_lines": deal.public_id,
        "deal_move": deal.public_id,
        "deal_create": customer.public_id,
        "quote_detail": quote.public_id,
        "quote_pdf": quote.public_id,
        "quote_revise": quote.public_id,
        "quote_status": quote.public_id,
        "quote_create": customer.public_id,
        "product_edit": product.public_id,
        "settings_pipeline_rename": pipeline.public_id,
        "settings_pipeline_default": pipeline.public_id,
        "settings_pipeline_delete": pipeline.public_id,
        "settings_stage_create": pipeline.public_id,
        "settings_stage_reorder": pipeline.public_id,
        "settings_stage_update": stage.public_id,
        "settings_stage_remove": stage.public_id,
        "contract_detail": contract.public_id,
        "contract_revise": contract.public_id,
        "contract_renew": contract.public_id,
        "contract_add_file": contract.public_id,
        "contract_plans": contract.public_id,
        "contract_submit": contract.public_id,
        "contract_decide": contract.public_id,
        "contract_receipt": contract.public_id,
        "contract_receipt_void": paid.public_id,
        "contract_file": ContractFile.objects.get().public_id,
        "contract_create": customer.public_id,
        "ticket_detail": ticket.public_id,
        "ticket_edit": ticket.public_id,
        "ticket_reply": ticket.public_id,
        "ticket_status": ticket.public_id,
        "ticket_assign": ticket.public_id,
        "ticket_create": customer.public_id,
        "settings_assignment_edit": rule.public_id,
        "settings_assignment_delete": rule.public_id,
        "settings_assignment_move": rule.public_id,
        "settings_assignment_switch": rule.public_id,
        "pool_list": pools.south.public_id,
        "pool_customer": in_south_pool.public_id,
        "pool_claim": in_south_pool.public_id,
        "pool_assign": in_south_pool.public_id,
        "customer_return": customer.public_id,
        "customer_lock": customer.public_id,
        "settings_pool_edit": pools.south.public_id,
        "settings_pool_delete": pools.south.public_id,
    }
    client = client_for(personas.rep)
    before = _state()
    post_data = {"name": "改名", "content": "越权", "kind": "call", "expected_version": "1"}

    for name, expected in OUTSIDER_STATUS.items():
        route = str(_routes_with_ids()[name].pattern).replace("<slug:key>", "mobile")
        route = route.replace("<uuid:receipt_id>", str(receipt.public_id))
        existing = "/" + route.replace("<uuid:public_id>", str(ids[name]))
        missing = "/" + route.replace("<uuid:public_id>", str(uuid.uuid4()))
        send = getattr(client, method)
        hidden_response = send(existing, post_data) if method == "post" else send(existing)
        missing_response = send(missing, post_data) if method == "post" else send(missing)

        allowed = (expected, 405)
        assert hidden_response.status_code in allowed, name
        assert hidden_response.status_code == missing_response.status_code, name
        if expected == 404:
            assert hidden_response.content == missing_response.content, name

    assert _state() == before
