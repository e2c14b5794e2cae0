"""Contract pages: the list with collection sums, the contract page, approval and files.

Every contract read starts from `visible_contracts`; a contract outside the user's scope is a
404 like a missing one. Money follows the contract and payment field policy
(kehu.web.contract_display).
"""

import dataclasses
import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kehu.core import clock
from kehu.fields.models import FieldTarget
from kehu.org.models import Capability, User
from kehu.org.policy import FieldPolicy, policy_for
from kehu.sales import contract_listing, contracts, payments, services
from kehu.sales.models import ZERO, Contract, ContractFile, ContractStatus, PaymentMethod
from kehu.sales.queries import visible_contracts
from kehu.web.contract_display import collection_view, contract_row, receipt_rows, sums_shown
from kehu.web.deal_display import customer_name, shown_value
from kehu.web.display import format_datetime
from kehu.web.views.common import (
    error_dict,
    form_errors,
    is_htmx,
    signed_in_user,
    vary_on_htmx,
)

PAGE_SIZE = 50
RECEIPT_KEYS = ("received_on", "amount", "method", "reference", "note")


def load_contract(user: User, public_id: uuid.UUID) -> Contract:
    """Return a contract the user may see; anything else is a 404, the same as a missing one."""
    queryset = visible_contracts(user).select_related(
        "customer", "deal", "owner", "creator", "renewal_of", "decided_by", "submitted_by"
    )
    return get_object_or_404(queryset, public_id=public_id)


@login_required
@require_GET
def contract_list(request: HttpRequest) -> HttpResponse:
    """List the contracts the user may see with collected and outstanding sums."""
    user = signed_in_user(request)
    policy = policy_for(user)

    query = {key: request.GET.get(key, "") for key in contract_listing.QUERY_KEYS}
    paginator = Paginator(contract_listing.list_contracts(user, query), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows_on_page = list(page.object_list)
    sums = payments.collection_sums(
        Contract.objects.filter(pk__in=[contract.pk for contract in rows_on_page])
    )
    zero = (ZERO, ZERO)
    rows = [
        contract_row(policy, contract, *sums.get(contract.pk, zero)) for contract in rows_on_page
    ]
    shows_collected, shows_outstanding = sums_shown(policy)
    filled = {key: value for key, value in query.items() if value}
    context: dict[str, Any] = {
        "rows": rows,
        "page": page,
        "values": query,
        "statuses": ContractStatus.choices,
        "query_without_page": urlencode(filled),
        "shows_amount": shown_value(policy, FieldTarget.CONTRACT, "amount", 0) is not None,
        "shows_collected": shows_collected,
        "shows_outstanding": shows_outstanding,
        "filters_overdue": contract_listing.may_filter_overdue(user),
        "ending_days": contract_listing.ENDING_DAYS,
    }
    template = "web/contracts/list.html#results" if is_htmx(request) else "web/contracts/list.html"
    return vary_on_htmx(render(request, template, context))


def _terms(policy: FieldPolicy, contract: Any) -> list[tuple[str, str]]:
    """Return the readable terms of a contract or version as (label, text) pairs."""
    target = FieldTarget.CONTRACT
    labels = {
        "amount": _("Contract amount"),
        "start_on": _("Start date"),
        "end_on": _("End date"),
        "signed_on": _("Signing date"),
    }
    terms = []
    for key, label in labels.items():
        text = shown_value(policy, target, key, getattr(contract, key))
        if text:
            terms.append((label, text))
    return terms


@dataclasses.dataclass(frozen=True)
class ReceiptForm:
    """The receipt form as posted: the typed values and the errors by field."""

    values: dict[str, str]
    errors: dict[str, list[str]]


@dataclasses.dataclass(frozen=True)
class VoidForm:
    """A receipt's void form as posted: the receipt, the typed reason and the errors by field."""

    receipt: uuid.UUID
    reason: str
    errors: dict[str, list[str]]


@login_required
@require_GET
def contract_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Show a contract: terms, approval, versions with files, instalments and receipts."""
    user = signed_in_user(request)
    contract = load_contract(user, public_id)
    return _render_detail(request, user, contract)


def _render_detail(
    request: HttpRequest,
    user: User,
    contract: Contract,
    *,
    receipt_form: ReceiptForm | None = None,
    void_form: VoidForm | None = None,
) -> HttpResponse:
    """Render the contract page, with status 400 and the form refilled when `receipt_form` or
    `void_form` failed."""
    policy = policy_for(user)
    versions = list(contract.versions.select_related("author").prefetch_related("files"))
    writable = contracts.may_write_contracts(user, contract.customer)
    state = payments.collection(contract)
    renewal = Contract.objects.filter(renewal_of=contract).first()
    target = FieldTarget.CONTRACT
    receipt_values = (
        receipt_form.values if receipt_form else {"received_on": clock.today().isoformat()}
    )
    receipt_errors = receipt_form.errors if receipt_form else {}
    can_receive = (
        writable
        and contract.status == ContractStatus.SIGNED
        and _may(payments.check_payment_writer, user, contract, "received")
    )
    action_errors = request.session.pop("contract_errors", [])
    if not can_receive:
        # The contract takes no receipts (it is not signed), so no form shows these errors.
        action_errors += [message for messages in receipt_errors.values() for message in messages]
    void_errors = void_form.errors if void_form else {}
    action_errors += form_errors(void_errors, {"reason"})
    context: dict[str, Any] = {
        "contract": contract,
        "title": shown_value(policy, target, "title", contract.title),
        "number": shown_value(policy, target, "number", contract.number),
        "status": shown_value(policy, target, "status", contract.get_status_display()),
        "notes": shown_value(policy, target, "notes", contract.notes),
        "owner": shown_value(policy, target, "owner", str(contract.owner)),
        "terms": _terms(policy, contract),
        "customer_name": customer_name(policy, contract.customer),
        "deal_name": shown_value(policy, FieldTarget.DEAL, "name", contract.deal.name)
        if contract.deal
        else None,
        "versions": [
            {
                "version": version,
                "terms": _terms(policy, version),
                "created_at": format_datetime(version.created_at),
            }
            for version in reversed(versions)
        ],
        "renewal": renewal,
        "shows_files": shows_files(policy),
        "can_write": writable,
        "can_edit_terms": writable and contract.is_editable,
        "can_submit": writable and contract.is_editable,
        "can_decide": contract.status == ContractStatus.PENDING
        and contracts.may_approve(user, contract),
        "can_renew": writable and contract.status == ContractStatus.SIGNED and renewal is None,
        "can_plan": writable and _may(payments.check_payment_writer, user, contract, "plan_amount"),
        "can_receive": can_receive,
        "collection": collection_view(policy, state),
        "receipts": receipt_rows(
            policy, list(contract.receipts.select_related("recorded_by", "voided_by"))
        ),
        # Voiding needs the right to record receipts, and receipts exist only on signed contracts.
        "can_void": can_receive and contracts.has_approver_role(user),
        "void_form": void_form,
        "void_reason_errors": void_errors.get("reason", []),
        "methods": PaymentMethod.choices,
        "receipt_values": receipt_values,
        "receipt_errors": receipt_errors,
        "receipt_form_errors": form_errors(receipt_errors, set(RECEIPT_KEYS)),
        "action_errors": action_errors,
    }
    status = 400 if receipt_errors or void_errors else 200
    return render(request, "web/contracts/detail.html", context, status=status)


def _may(check: Any, *args: Any) -> bool:
    try:
        check(*args)
    except PermissionDenied:
        return False
    return True


def _act(request: HttpRequest, contract: Contract, action: Any, *args: Any) -> HttpResponse:
    """Run a service action; its validation errors go back to the contract page."""
    try:
        action(*args)
    except ValidationError as error:
        request.session["contract_errors"] = [
            message for messages in error_dict(error).values() for message in messages
        ]
    return HttpResponseRedirect(contract.get_absolute_url())


@login_required
@require_POST
def contract_submit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = signed_in_user(request)
    services.check_deal_role(user)
    contract = load_contract(user, public_id)
    contracts.check_contract_writer(user, contract.customer)
    comment = request.POST.get("comment", "")
    return _act(request, contract, contracts.submit_contract, user, contract, comment)


@login_required
@require_POST
def contract_decide(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Approve or reject a contract awaiting approval: the posted "decision" is "approve" or
    anything else for a rejection."""
    user = signed_in_user(request)
    if not user.has_capability(Capability.ASSIGN):
        raise PermissionDenied(_("Only a manager may approve or reject contracts."))
    contract = load_contract(user, public_id)
    contracts.check_contract_approver(user, contract)
    comment = request.POST.get("comment", "")
    if request.POST.get("decision") == "approve":
        signed_on = request.POST.get("signed_on", "")
        return _act(
            request,
            contract,
            lambda: contracts.approve_contract(user, contract, comment, signed_on=signed_on),
        )
    return _act(request, contract, contracts.reject_contract, user, contract, comment)


@login_required
@require_POST
def contract_receipt(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Record a payment received from the form on the contract page."""
    user = signed_in_user(request)
    services.check_deal_role(user)
    contract = load_contract(user, public_id)
    payments.check_payment_writer(user, contract, "received")
    values = {key: request.POST.get(key, "") for key in RECEIPT_KEYS}

    try:
        payments.record_receipt(user, contract, values)
    except ValidationError as error:
        form = ReceiptForm(values, error_dict(error))
        return _render_detail(request, user, contract, receipt_form=form)
    return HttpResponseRedirect(contract.get_absolute_url())


@login_required
@require_POST
def contract_receipt_void(
    request: HttpRequest, public_id: uuid.UUID, receipt_id: uuid.UUID
) -> HttpResponse:
    """Void a payment received from its row on the contract page, with the required reason."""
    user = signed_in_user(request)
    services.check_deal_role(user)
    contract = load_contract(user, public_id)
    payments.check_payment_writer(user, contract, "received")
    receipt = get_object_or_404(contract.receipts.all(), public_id=receipt_id)
    reason = request.POST.get("reason", "")

    try:
        payments.void_receipt(user, receipt, reason)
    except ValidationError as error:
        form = VoidForm(receipt.public_id, reason, error_dict(error))
        return _render_detail(request, user, contract, void_form=form)
    return HttpResponseRedirect(contract.get_absolute_url())


def shows_files(policy: FieldPolicy) -> bool:
    """Return whether the viewer may open contract files: a scan shows the amount."""
    return shown_value(policy, FieldTarget.CONTRACT, "amount", 0) is not None


@login_required
@require_GET
def contract_file(request: HttpRequest, public_id: uuid.UUID) -> FileResponse:
    """Send a contract file to a user who may see its contract and read its amount."""
    user = signed_in_user(request)
    if not shows_files(policy_for(user)):
        raise Http404
    stored = get_object_or_404(
        ContractFile.objects.filter(version__contract__in=visible_contracts(user).values("pk")),
        public_id=public_id,
    )
    return FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=stored.original_name,
        content_type=stored.content_type,
    )
