"""Offboarding and handover pages: the pending list, starting an offboarding, the plan form, the
preview and the execution.

Every page needs the assign capability and returns 403 without it. A user or a handover outside
the actor's reach is a 404, the same as a missing one.
"""

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.core import clock
from kehu.customers.models import Customer
from kehu.customers.queries import role_reach_customers
from kehu.handover import offboarding as offboarding_services
from kehu.handover.execute import RECORD_TYPES, count_records, execute_handover, locks_dropped
from kehu.handover.models import HandoverStatus, OffboardingStatus, SuccessorMode
from kehu.handover.plan import PlanChoice, build_plan
from kehu.handover.queries import reachable_users, visible_handovers, visible_offboardings
from kehu.handover.readiness import readiness
from kehu.org.models import User
from kehu.web.views.common import FORM_ERRORS, error_dict, signed_in_user

# Customers the plan form lists with a per-customer choice; the rest follow the mode.
LISTED_CUSTOMERS = 200
POOL_CHOICE = "pool"


def _require_handover_role(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not offboarding_services.may_hand_over(user):
        raise PermissionDenied(_("Your role may not hand over customers."))
    return user


def record_type_labels() -> dict[str, str]:
    return {
        "customers": _("Customers"),
        "contacts": _("Contacts"),
        "deals": _("Deals"),
        "quotes": _("Quotes"),
        "contracts": _("Contracts"),
        "payment_plans": _("Payment plans"),
        "tickets": _("Active tickets"),
        "follow_ups": _("Past follow-ups (authors kept)"),
        "follow_up_dates": _("Open follow-up dates"),
        "locks": _("Pool locks"),
        "shares": _("Shares received"),
        "pool": _("Customers back to the public pool"),
    }


def _counted(counts: dict[str, int]) -> list[tuple[str, int]]:
    labels = record_type_labels()
    return [(labels[key], counts.get(key, 0)) for key in RECORD_TYPES]


@login_required
@require_GET
def handover_home(request: HttpRequest) -> HttpResponse:
    """List the users waiting for a handover, open offboardings and recent handovers."""
    user = _require_handover_role(request)

    return render(request, "web/handover/home.html", _home_context(user, {}))


def _home_context(user: User, errors: dict[str, list[str]]) -> dict[str, Any]:
    offboardings = (
        visible_offboardings(user)
        .filter(status=OffboardingStatus.OPEN)
        .select_related("user", "started_by")
        .order_by("last_day")
    )
    handovers = (
        visible_handovers(user)
        .select_related("predecessor", "created_by")
        .annotate(item_count=Count("items"))
        .order_by("-created_at")[:20]
    )
    return {
        "pending": list(offboarding_services.pending_handovers(user)),
        "offboardings": offboardings,
        "handovers": handovers,
        "people": reachable_users(user)
        .filter(is_active=True, leaving_on__isnull=True)
        .order_by("display_name", "username"),
        "errors": [message for messages in errors.values() for message in messages],
        "readiness": [
            {
                "user": row.user,
                "customers": row.customers,
                "percents": [
                    row.percent(count)
                    for count in (
                        row.phone_contact,
                        row.decision_maker,
                        row.recent_follow_up,
                        row.next_step,
                    )
                ],
                "stale_deals": row.stale_deals,
            }
            for row in readiness(user)
        ],
        "today": clock.today().isoformat(),
    }


@login_required
@require_POST
def offboarding_start(request: HttpRequest) -> HttpResponse:
    """Start the offboarding of the posted user with the posted last working day."""
    actor = _require_handover_role(request)
    leaver = _posted_person(actor, request.POST.get("user", ""))

    raw_day = request.POST.get("last_day", "").strip()
    last_day = parse_date(raw_day) if raw_day else None
    try:
        if last_day is None:
            raise ValidationError({"last_day": [_("Enter the last working day.")]})
        offboarding_services.start_offboarding(actor, leaver, last_day)
    except ValidationError as error:
        context = _home_context(actor, error_dict(error))
        return render(request, "web/handover/home.html", context, status=400)

    return HttpResponseRedirect(reverse("web:handover_plan", args=[leaver.public_id]))


@login_required
@require_POST
def offboarding_cancel(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Cancel an open offboarding, which gives the user their rights back."""
    actor = _require_handover_role(request)
    offboarding = get_object_or_404(
        visible_offboardings(actor).select_related("user"), public_id=public_id
    )

    offboarding_services.cancel_offboarding(actor, offboarding)

    return HttpResponseRedirect(reverse("web:handover_home"))


def _posted_person(actor: User, raw: str) -> User:
    """Return the user a form names if the actor may hand over their records, or raise Http404."""
    try:
        public_id = uuid.UUID(raw.strip())
    except ValueError:
        raise Http404 from None
    return get_object_or_404(reachable_users(actor).select_related("role"), public_id=public_id)


@login_required
@require_http_methods(["GET", "POST"])
def handover_plan(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Show the plan form for a user's records, and build the plan it posts."""
    actor = _require_handover_role(request)
    predecessor = get_object_or_404(
        reachable_users(actor).select_related("role", "department"), public_id=public_id
    )

    candidates = list(offboarding_services.successor_choices(actor, predecessor))
    customers = list(
        role_reach_customers(actor)
        .filter(owner_id=predecessor.pk)
        .order_by("name", "pk")[:LISTED_CUSTOMERS]
    )
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            choice = _posted_choice(request.POST, candidates, customers)
            handover = build_plan(actor, predecessor, choice)
        except ValidationError as error:
            errors = error_dict(error)
        else:
            return HttpResponseRedirect(reverse("web:handover_preview", args=[handover.public_id]))

    context: dict[str, Any] = {
        "predecessor": predecessor,
        "offboarding": offboarding_services.open_offboarding(predecessor),
        "candidates": candidates,
        "customers": customers,
        "owned_count": role_reach_customers(actor).filter(owner_id=predecessor.pk).count(),
        "listed_limit": LISTED_CUSTOMERS,
        "modes": SuccessorMode.choices,
        "posted": request.POST if request.method == "POST" else QueryDict(),
        "posted_successors": request.POST.getlist("successors"),
        "posted_customers": request.POST.getlist("customers"),
        "errors": errors,
        "general_errors": [
            message
            for key, messages in errors.items()
            if key not in ("mode", "successors", "fallback", "read_only_until")
            for message in messages
        ]
        if errors
        else [],
        "pool_choice": POOL_CHOICE,
    }
    return render(request, "web/handover/plan.html", context, status=400 if errors else 200)


def _posted_choice(
    post: QueryDict, candidates: list[User], customers: list[Customer]
) -> PlanChoice:
    """Return the PlanChoice a plan form posted; raise ValidationError for unknown values."""
    people = {str(user.public_id): user for user in candidates}
    unknown = [raw for raw in post.getlist("successors") if raw not in people]
    fallback_raw = post.get("fallback", "")
    if fallback_raw and fallback_raw not in people:
        unknown.append(fallback_raw)
    if unknown:
        raise ValidationError({"successors": [_("Choose successors from the list.")]})
    listed = {str(customer.public_id): customer for customer in customers}
    overrides: dict[int, User | None] = {}
    for key, customer in listed.items():
        raw = post.get(f"to_{key}", "")
        if raw == POOL_CHOICE:
            overrides[customer.pk] = None
        elif raw in people:
            overrides[customer.pk] = people[raw]
    customer_ids = None
    if post.get("scope") == "chosen":
        customer_ids = [listed[raw].pk for raw in post.getlist("customers") if raw in listed]
        if not customer_ids:
            raise ValidationError({FORM_ERRORS: [_("Tick the customers to transfer.")]})
        overrides = {pk: user for pk, user in overrides.items() if pk in customer_ids}
    until_raw = post.get("read_only_until", "").strip()
    until = parse_date(until_raw) if until_raw else None
    if until_raw and until is None:
        raise ValidationError({"read_only_until": [_("Enter a date such as 2026-12-31.")]})
    return PlanChoice(
        mode=post.get("mode", ""),
        successors=[people[raw] for raw in post.getlist("successors")],
        fallback=people.get(fallback_raw),
        customer_ids=customer_ids,
        overrides=overrides,
        read_only_until=until,
    )


@login_required
@require_GET
def handover_preview(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Show exactly what a handover moves to whom, or what it moved."""
    actor = _require_handover_role(request)
    handover = get_object_or_404(
        visible_handovers(actor).select_related("predecessor", "created_by", "executed_by"),
        public_id=public_id,
    )

    # NOTE: item labels are the names and numbers stored at planning, shown without the
    # viewer's field policy. Every preset role with the assign capability may read them.
    # An executed handover lists the items that did not move apart from those that did.
    is_planned = handover.status == HandoverStatus.PLANNED
    by_successor: dict[str, dict[str, list[str]]] = {}
    skipped_by_successor: dict[str, dict[str, list[str]]] = {}
    items = handover.items.select_related("successor").order_by("successor_id", "kind", "label")
    for item in items[:2000]:
        name = str(item.successor) if item.successor else _("Public pool")
        grouped = by_successor if is_planned or item.moved else skipped_by_successor
        grouped.setdefault(name, {}).setdefault(item.get_kind_display(), []).append(item.label)
    result = handover.result or {}
    totals = result.get("totals")
    context = {
        "handover": handover,
        "counts": _counted(totals if totals is not None else count_records(handover)),
        "by_successor": by_successor,
        "skipped_by_successor": skipped_by_successor,
        "is_planned": is_planned,
        "skipped": result.get("skipped", 0),
        "locks_dropped": locks_dropped(handover) if is_planned else result.get("locks_dropped", 0),
    }
    return render(request, "web/handover/preview.html", context)


@login_required
@require_POST
def handover_execute(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Execute a planned handover. Executing it again changes nothing."""
    actor = _require_handover_role(request)
    handover = get_object_or_404(
        visible_handovers(actor).select_related("predecessor"), public_id=public_id
    )

    execute_handover(actor, handover)

    return HttpResponseRedirect(reverse("web:handover_preview", args=[handover.public_id]))
