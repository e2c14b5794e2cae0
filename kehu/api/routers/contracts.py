"""Contracts: list, read, create, change terms, approval, renewal, files, instalments, receipts
and voiding a receipt.

Each endpoint calls the service the contract pages call (kehu.sales.contracts and
kehu.sales.payments). A contract outside the caller's scope is a 404 like a missing one.
"""

import uuid

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Status
from ninja.files import UploadedFile
from pydantic import MISSING

from kehu.api import present, present_contracts
from kehu.api import schemas_contracts as schemas
from kehu.api.auth import request_user
from kehu.api.errors import rows_from_zero
from kehu.api.routers.common import ERRORS
from kehu.customers.queries import visible_customers
from kehu.fields.models import FieldTarget
from kehu.org.models import Capability, User
from kehu.sales import contract_listing, contracts, payments, services
from kehu.sales.models import ZERO, Contract, ContractFile
from kehu.sales.queries import visible_contracts, visible_deals

router = Router(tags=["contracts"])
PAGE_SIZE = 50


def _loaded(user: User) -> QuerySet[Contract]:
    """Return the user's visible contracts with what a full contract body reads."""
    return (
        visible_contracts(user)
        .select_related(
            "customer", "deal", "owner", "renewal_of", "submitted_by", "decided_by", "creator"
        )
        .prefetch_related(
            "versions__files", "versions__author", "receipts__recorded_by", "receipts__voided_by"
        )
    )


def _contract(user: User, public_id: uuid.UUID) -> Contract:
    found = _loaded(user).filter(public_id=public_id).first()
    if found is None:
        raise Http404
    return found


def _out(user: User, contract: Contract) -> schemas.ContractOut:
    return present_contracts.contract(present.viewer_for(user), _contract(user, contract.public_id))


@router.get("/contracts", response={200: schemas.ContractPage, **ERRORS}, summary="List contracts")
def list_contracts(
    request: HttpRequest,
    status: str = "",
    mine: bool = False,
    q: str = "",
    ending: bool = False,
    overdue: bool = False,
    page: int = 1,
) -> schemas.ContractPage:
    """List the contracts of the customers you can see, newest first, 50 per page.

    `status` is draft, pending, rejected or signed. `ending` keeps signed contracts that end
    within 30 days without a signed renewal. `overdue` keeps signed contracts with instalments
    due before today that the receipts do not cover. A role that does not read amounts and
    receipts gets `overdue` ignored.
    """
    user = request_user(request)
    query = {
        "status": status,
        "mine": "1" if mine else "",
        "q": q,
        "ending": "1" if ending else "",
        "overdue": "1" if overdue else "",
    }
    paginator = Paginator(contract_listing.list_contracts(user, query), PAGE_SIZE)
    current = paginator.get_page(page)
    rows = list(current.object_list)
    sums = payments.collection_sums(Contract.objects.filter(pk__in=[row.pk for row in rows]))
    viewer = present.viewer_for(user)
    return schemas.ContractPage(
        items=[
            present_contracts.summary(viewer, row, *sums.get(row.pk, (ZERO, ZERO))) for row in rows
        ],
        next_page=current.next_page_number() if current.has_next() else None,
    )


@router.get(
    "/customers/{customer_id}/contracts",
    response={200: list[schemas.ContractOut], **ERRORS},
    summary="List a customer's contracts",
)
def customer_contracts(request: HttpRequest, customer_id: uuid.UUID) -> list[schemas.ContractOut]:
    """Return the customer's contracts, newest first, each with collection and versions."""
    user = request_user(request)
    customer = visible_customers(user).filter(public_id=customer_id).first()
    if customer is None:
        raise Http404
    records = _loaded(user).filter(customer=customer).order_by("-created_at", "-pk")
    viewer = present.viewer_for(user)
    return [present_contracts.contract(viewer, record) for record in records]


@router.post(
    "/contracts", response={201: schemas.ContractOut, **ERRORS}, summary="Create a contract"
)
def create_contract(
    request: HttpRequest, payload: schemas.ContractIn
) -> Status[schemas.ContractOut]:
    """Create a draft contract, version 1, for a customer you may change; files come after."""
    user = request_user(request)
    # Refused roles get 403 before the customer is looked up, for any customer id.
    services.check_deal_role(user)
    customer = visible_customers(user).filter(public_id=payload.customer).first()
    if customer is None:
        raise Http404
    deal = None
    if payload.deal is not None:
        deal = visible_deals(user).filter(public_id=payload.deal).first()
        if deal is None:
            raise Http404
    values = payload.model_dump(exclude_none=True, exclude={"customer", "deal"})

    created = contracts.create_contract(user, customer, values, deal=deal)

    return Status(201, _out(user, created))


@router.get(
    "/contracts/{contract_id}",
    response={200: schemas.ContractOut, **ERRORS},
    summary="Read a contract",
)
def contract_detail(request: HttpRequest, contract_id: uuid.UUID) -> schemas.ContractOut:
    user = request_user(request)
    return present_contracts.contract(present.viewer_for(user), _contract(user, contract_id))


@router.post(
    "/contracts/{contract_id}/versions",
    response={201: schemas.ContractOut, **ERRORS},
    summary="Change a contract's terms",
)
def revise_contract(
    request: HttpRequest, contract_id: uuid.UUID, payload: schemas.ContractTermsIn
) -> Status[schemas.ContractOut]:
    """Add a version with these terms to a draft or rejected contract (422 otherwise)."""
    user = request_user(request)
    services.check_deal_role(user)
    record = _contract(user, contract_id)
    values = payload.model_dump(exclude_none=True, exclude={"change_note", "expected_version"})

    revised = contracts.revise_contract(
        user,
        record,
        values,
        change_note=payload.change_note or "",
        expected_version=payload.expected_version,
    )

    return Status(201, _out(user, revised))


@router.post(
    "/contracts/{contract_id}/files",
    response={201: schemas.ContractOut, **ERRORS},
    summary="Attach a file to a contract",
)
def add_contract_file(
    request: HttpRequest, contract_id: uuid.UUID, file: File[UploadedFile]
) -> Status[schemas.ContractOut]:
    """Attach a file (multipart field "file") to the contract's current version."""
    user = request_user(request)
    services.check_deal_role(user)
    record = _contract(user, contract_id)

    contracts.add_file(user, record, file)

    return Status(201, _out(user, record))


@router.get(
    "/contract-files/{file_id}",
    response={200: None, **ERRORS},
    summary="Download a contract file",
)
def contract_file(request: HttpRequest, file_id: uuid.UUID) -> FileResponse:
    """Send the file; 404 unless you may see its contract and read contract amounts."""
    user = request_user(request)
    viewer = present.viewer_for(user)
    if viewer.shown(FieldTarget.CONTRACT, "amount", "0") is MISSING:
        raise Http404
    stored = (
        ContractFile.objects.filter(version__contract__in=visible_contracts(user).values("pk"))
        .filter(public_id=file_id)
        .first()
    )
    if stored is None:
        raise Http404
    return FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=stored.original_name,
        content_type=stored.content_type,
    )


@router.post(
    "/contracts/{contract_id}/submit",
    response={200: schemas.ContractOut, **ERRORS},
    summary="Submit a contract for approval",
)
def submit_contract(
    request: HttpRequest, contract_id: uuid.UUID, payload: schemas.CommentIn
) -> schemas.ContractOut:
    user = request_user(request)
    services.check_deal_role(user)
    record = _contract(user, contract_id)

    submitted = contracts.submit_contract(user, record, payload.comment or "")

    return _out(user, submitted)


def _require_approver_role(user: User) -> None:
    # Roles that may never approve get 403 before the contract is looked up.
    if not user.has_capability(Capability.ASSIGN):
        raise PermissionDenied(_("Only a manager may approve or reject contracts."))


@router.post(
    "/contracts/{contract_id}/approve",
    response={200: schemas.ContractOut, **ERRORS},
    summary="Approve a contract",
)
def approve_contract(
    request: HttpRequest, contract_id: uuid.UUID, payload: schemas.ApprovalIn
) -> schemas.ContractOut:
    """Approve a contract awaiting approval; it counts as signed and the customer as signed."""
    user = request_user(request)
    _require_approver_role(user)
    record = _contract(user, contract_id)

    approved = contracts.approve_contract(
        user, record, payload.comment or "", signed_on=payload.signed_on
    )

    return _out(user, approved)


@router.post(
    "/contracts/{contract_id}/reject",
    response={200: schemas.ContractOut, **ERRORS},
    summary="Reject a contract",
)
def reject_contract(
    request: HttpRequest, contract_id: uuid.UUID, payload: schemas.RejectionIn
) -> schemas.ContractOut:
    user = request_user(request)
    _require_approver_role(user)
    record = _contract(user, contract_id)

    rejected = contracts.reject_contract(user, record, payload.comment)

    return _out(user, rejected)


@router.post(
    "/contracts/{contract_id}/renewal",
    response={201: schemas.ContractOut, **ERRORS},
    summary="Renew a contract",
)
def renew_contract(
    request: HttpRequest, contract_id: uuid.UUID, payload: schemas.RenewalIn
) -> Status[schemas.ContractOut]:
    """Create the draft renewal of a signed contract; a contract is renewed once (422 after)."""
    user = request_user(request)
    services.check_deal_role(user)
    record = _contract(user, contract_id)

    renewal = contracts.renew_contract(user, record, payload.model_dump(exclude_none=True))

    return Status(201, _out(user, renewal))


@router.put(
    "/contracts/{contract_id}/plans",
    response={200: schemas.ContractOut, **ERRORS},
    summary="Set a contract's payment plan",
)
def set_plans(
    request: HttpRequest, contract_id: uuid.UUID, payload: schemas.PlansIn
) -> schemas.ContractOut:
    """Replace the instalments; they may not add up to more than the contract amount."""
    user = request_user(request)
    services.check_deal_role(user)
    record = _contract(user, contract_id)
    plans = [plan.model_dump(exclude_none=True) for plan in payload.plans]

    with rows_from_zero("plans"):
        payments.set_payment_plans(user, record, plans)

    return _out(user, record)


@router.post(
    "/contracts/{contract_id}/receipts",
    response={201: schemas.ContractOut, **ERRORS},
    summary="Record a payment received",
)
def record_receipt(
    request: HttpRequest, contract_id: uuid.UUID, payload: schemas.ReceiptIn
) -> Status[schemas.ContractOut]:
    """Record a payment for a signed contract; receipts may not exceed the contract amount."""
    user = request_user(request)
    services.check_deal_role(user)
    record = _contract(user, contract_id)

    payments.record_receipt(user, record, payload.model_dump(exclude_none=True))

    return Status(201, _out(user, record))


@router.post(
    "/contracts/{contract_id}/receipts/{receipt_id}/void",
    response={200: schemas.ContractOut, **ERRORS},
    summary="Void a payment received",
)
def void_receipt(
    request: HttpRequest,
    contract_id: uuid.UUID,
    receipt_id: uuid.UUID,
    payload: schemas.ReceiptVoidIn,
) -> schemas.ContractOut:
    """Void a receipt recorded by mistake, with the reason. It stays in `receipts` with
    `voided` true but no longer counts in the collected, outstanding and overdue sums."""
    user = request_user(request)
    services.check_deal_role(user)
    record = _contract(user, contract_id)
    receipt = record.receipts.filter(public_id=receipt_id).first()
    if receipt is None:
        raise Http404

    payments.void_receipt(user, receipt, payload.reason)

    return _out(user, record)
