"""The public pool (公海) pages: a pool's customers, a pool customer's preview, claim and assign,
and returning, locking and unlocking an owned customer from its page."""

import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kehu.core import regions
from kehu.customers.choices import Grade, Industry
from kehu.customers.models import Customer
from kehu.fields.models import FieldTarget
from kehu.fields.registry import FieldSpec, field_map
from kehu.org.models import User
from kehu.org.visibility import may_own_customers
from kehu.pool import listing, queries, services
from kehu.pool.membership import governed_owner_ids, member_ids
from kehu.pool.models import CustomerLock, EntryCause, Pool, PoolEntry, ReturnReason
from kehu.web.display import record_name, shown_text
from kehu.web.views.common import error_dict, is_htmx, load_customer, signed_in_user, vary_on_htmx

# Customer fields a pool list and preview show, in this order; the rest wait for a claim.
PREVIEW_FIELDS = ("grade", "industry", "size", "region", "source", "status", "address", "notes")
CONTACT_FIELDS = ("title", "mobile", "phone", "email", "wechat")


def _messages_of(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, PermissionDenied):
        return [str(error)]
    return [message for items in error_dict(error).values() for message in items]


@login_required
@require_GET
def pool_home(request: HttpRequest) -> HttpResponse:
    """Open the first pool the user belongs to, or show that there is none."""
    user = signed_in_user(request)
    queries.check_pool_user(user)

    first = queries.visible_pools(user).first()

    if first is not None:
        return HttpResponseRedirect(reverse("web:pool_list", args=[first.public_id]))
    return render(request, "web/pools/list.html", {"pools": [], "pool": None})


def _row(
    policy: queries.PoolPolicy, specs: Mapping[str, FieldSpec], entry: PoolEntry
) -> dict[str, Any]:
    customer = entry.customer
    cells = []
    for key in ("grade", "industry", "region"):
        spec = specs.get(key)
        text = shown_text(policy, FieldTarget.CUSTOMER, spec, customer) if spec else None
        cells.append(text if text is not None else "")
    return {
        "entry": entry,
        "name": record_name(policy, FieldTarget.CUSTOMER, specs, customer),
        "url": reverse("web:pool_customer", args=[customer.public_id]),
        "cells": cells,
    }


def _previous_owners(pool: Pool) -> list[User]:
    """Return the users whose customers enter this pool, for the previous-owner filter."""
    return list(
        User.objects.filter(pk__in=governed_owner_ids(pool)).order_by("display_name", "username")
    )


@login_required
@require_GET
def pool_list(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """List a pool's customers, newest entries first, with filters and a next-page link."""
    user = signed_in_user(request)
    queries.check_pool_user(user)
    pool = queries.load_pool(user, public_id)

    filters = listing.parse_filters(request.GET)
    page = listing.pool_page(user, pool, filters, request.GET.get("cursor", ""))

    policy = queries.PoolPolicy(user, pool)
    specs = field_map(FieldTarget.CUSTOMER)
    base = reverse("web:pool_list", args=[pool.public_id])
    params = filters.as_params()
    next_url = ""
    if page.next_cursor:
        next_url = f"{base}?{urlencode({**params, 'cursor': page.next_cursor})}"
    context = {
        "pools": list(queries.visible_pools(user)),
        "pool": pool,
        "rows": [_row(policy, specs, entry) for entry in page.entries],
        "count": min(page.count, listing.COUNT_CAP),
        "count_capped": page.count_capped,
        "filters": filters,
        "filters_active": bool(set(params) - {"q"}),
        "first_url": f"{base}?{urlencode(params)}" if request.GET.get("cursor") else "",
        "next_url": next_url,
        "grades": Grade.choices,
        "industries": Industry.choices,
        "provinces": regions.provinces(),
        "causes": EntryCause.choices,
        "previous_owners": _previous_owners(pool),
        "is_admin": queries.administers(user, pool),
    }
    template = "web/pools/list.html#results" if is_htmx(request) else "web/pools/list.html"
    return vary_on_htmx(render(request, template, context))


def _preview_context(user: User, entry: PoolEntry) -> dict[str, Any]:
    policy = queries.PoolPolicy(user, entry.pool)
    customer = entry.customer
    customer_specs = field_map(FieldTarget.CUSTOMER)
    contact_specs = field_map(FieldTarget.CONTACT)
    facts = []
    for key in PREVIEW_FIELDS:
        spec = customer_specs.get(key)
        text = shown_text(policy, FieldTarget.CUSTOMER, spec, customer) if spec else None
        if spec is not None and text:
            facts.append((spec.label_text, text))
    contacts = []
    for contact in customer.contacts.all():
        contact_facts = []
        for key in CONTACT_FIELDS:
            spec = contact_specs.get(key)
            text = shown_text(policy, FieldTarget.CONTACT, spec, contact) if spec else None
            if spec is not None and text:
                contact_facts.append((spec.label_text, text))
        name = record_name(policy, FieldTarget.CONTACT, contact_specs, contact)
        contacts.append({"name": name, "facts": contact_facts})
    is_admin = queries.administers(user, entry.pool)
    assignees: list[User] = []
    if is_admin:
        candidates = list(
            User.objects.filter(is_active=True, role__isnull=False)
            .select_related("role")
            .order_by("display_name", "username")
        )
        members = member_ids(entry.pool, candidates)
        assignees = [
            candidate
            for candidate in candidates
            if candidate.pk in members and may_own_customers(candidate)
        ]
    return {
        "entry": entry,
        "pool": entry.pool,
        "customer": customer,
        "name": record_name(policy, FieldTarget.CUSTOMER, customer_specs, customer),
        "facts": facts,
        "contacts": contacts,
        "can_claim": services.may_claim(user),
        "is_admin": is_admin,
        "assignees": assignees,
    }


@login_required
@require_GET
def pool_customer(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Preview a pool customer: basic fields, masked contacts, why it is in the pool.

    Counts against the pool's daily open limit; past the limit the page says so instead.
    """
    user = signed_in_user(request)
    queries.check_pool_user(user)
    entry = queries.load_entry(user, public_id)

    try:
        services.open_pool_customer(user, entry)
    except ValidationError as error:
        context = {"pool": entry.pool, "errors": _messages_of(error)}
        return render(request, "web/pools/preview.html", context, status=429)

    return render(request, "web/pools/preview.html", _preview_context(user, entry))


def _rejected(
    request: HttpRequest, user: User, entry: PoolEntry, error: ValidationError | PermissionDenied
) -> HttpResponse:
    """Show why a claim or an assignment failed (409), on the preview when the user may open it.

    A PermissionDenied is raised again as a plain 403, so a denied request shows nothing of the
    customer. The preview counts as an open, so a refused claim cannot show customers past the
    daily open limit; past it only the messages show.
    """
    if isinstance(error, PermissionDenied):
        raise error
    errors = _messages_of(error)
    try:
        services.open_pool_customer(user, entry)
    except (ValidationError, PermissionDenied) as refusal:
        extra = [message for message in _messages_of(refusal) if message not in errors]
        context = {"pool": entry.pool, "errors": errors + extra}
        return render(request, "web/pools/preview.html", context, status=409)
    context = {**_preview_context(user, entry), "errors": errors}
    return render(request, "web/pools/preview.html", context, status=409)


@login_required
@require_POST
def pool_claim(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Claim a pool customer and open its page; a refusal shows on the preview.

    A customer no longer in the user's pools gets the "already claimed" message, the same for
    a customer someone claimed a moment ago and for an id that was never there.
    """
    user = signed_in_user(request)
    queries.check_pool_user(user)
    try:
        entry = queries.load_entry(user, public_id)
    except Http404:
        message = services.AlreadyClaimed().messages
        return render(request, "web/pools/gone.html", {"errors": message}, status=409)

    try:
        claimed = services.claim(user, entry.customer)
    except (ValidationError, PermissionDenied) as error:
        return _rejected(request, user, entry, error)

    messages.success(request, _("You now own this customer."))
    return HttpResponseRedirect(reverse("web:customer_detail", args=[claimed.public_id]))


@login_required
@require_POST
def pool_assign(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Give a pool customer to the posted member; for the pool's administrators."""
    user = signed_in_user(request)
    queries.check_pool_user(user)
    entry = queries.load_entry(user, public_id)
    pool_url = reverse("web:pool_list", args=[entry.pool.public_id])

    try:
        assignee_id = uuid.UUID(request.POST.get("user", ""))
    except ValueError:
        assignee = None
    else:
        assignee = User.objects.select_related("role").filter(public_id=assignee_id).first()
    try:
        if assignee is None:
            raise ValidationError({"user": [_("Choose the member who receives the customer.")]})
        services.assign(user, entry.customer, assignee)
    except (ValidationError, PermissionDenied) as error:
        return _rejected(request, user, entry, error)

    messages.success(request, _("The customer now belongs to %(user)s.") % {"user": assignee})
    return HttpResponseRedirect(pool_url)


@login_required
@require_POST
def customer_return(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Return the customer to the pool with the posted reason and note.

    A user who may not return it gets a 403; a rejected reason or note shows on its page.
    """
    user = signed_in_user(request)
    customer = load_customer(user, public_id)
    detail_url = reverse("web:customer_detail", args=[customer.public_id])

    reason = None
    reason_id = request.POST.get("reason", "")
    if reason_id.isdigit():
        reason = ReturnReason.objects.filter(pk=int(reason_id), is_active=True).first()
    try:
        if reason_id and reason is None:
            raise ValidationError({"reason": [_("Choose a reason from the list.")]})
        entry = services.return_to_pool(user, customer, reason, request.POST.get("note", ""))
    except ValidationError as error:
        for message in _messages_of(error):
            messages.error(request, message)
        return HttpResponseRedirect(detail_url)

    messages.success(request, _("The customer is back in %(pool)s.") % {"pool": entry.pool.name})
    if queries.visible_entries(user).filter(pk=entry.pk).exists():
        return HttpResponseRedirect(reverse("web:pool_customer", args=[customer.public_id]))
    return HttpResponseRedirect(reverse("web:pool_home"))


@login_required
@require_POST
def customer_lock(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Lock the customer against reclaiming, or unlock it when "unlock" is posted.

    A user who may not gets a 403; a refusal under the pool's rules shows on its page.
    """
    user = signed_in_user(request)
    customer = load_customer(user, public_id)

    try:
        if request.POST.get("unlock"):
            services.unlock_customer(user, customer)
        else:
            services.lock_customer(user, customer)
    except ValidationError as error:
        for message in _messages_of(error):
            messages.error(request, message)

    return HttpResponseRedirect(reverse("web:customer_detail", args=[customer.public_id]))


def pool_panel(user: User, customer: Customer) -> dict[str, Any]:
    """Return what the customer page's pool panel shows: the lock and the return form."""
    if customer.owner is None:
        return {"pool_panel": None}
    may_return = services.may_return(user, customer)
    lock = CustomerLock.objects.filter(customer=customer).first()
    lock_on = customer.owner_id == user.pk and services.lock_rules(customer.owner).lock_on
    return {
        "pool_panel": {
            "may_return": may_return,
            "reasons": services.active_reasons() if may_return else [],
            "lock": lock,
            "may_lock": lock_on and lock is None,
            "may_unlock": lock is not None and services.may_unlock(user, customer),
        }
    }
