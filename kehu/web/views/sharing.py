"""The sharing panel of a customer: shares with colleagues and assigned outside agents.

The customer page loads the panel with htmx, and its forms swap the panel in place. Without
JavaScript the same views render a page of their own and redirect back to it.
"""

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kehu.core import clock
from kehu.customers import sharing
from kehu.customers.models import Customer, CustomerShare, ShareAccess
from kehu.customers.queries import visible_customers
from kehu.fields.values import parse_date
from kehu.org.models import DataScope, User
from kehu.web.views.common import error_dict, is_htmx, load_customer, signed_in_user, vary_on_htmx
from kehu.web.views.settings_common import posted_id

PANEL = "web/customers/sharing_panel.html#panel"


def _choices(people: Any) -> list[tuple[str, str]]:
    return [(str(person.public_id), f"{person} ({person.username})") for person in people]


def panel_context(
    user: User,
    customer: Customer,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Return what the panel shows; `allowed` is False for users who may not share."""
    if not sharing.may_share(user, customer):
        return {"customer": customer, "allowed": False}
    shares = [
        {"share": share, "active": sharing.is_active_share(share)}
        for share in sharing.shares_of(user, customer)
    ]
    may_assign = sharing.may_assign(user, customer)
    agents = list(sharing.agents_of(user, customer))
    people = User.objects.filter(is_active=True, role__isnull=False).order_by(
        "display_name", "username"
    )
    colleagues = people.exclude(role__data_scope=DataScope.ASSIGNED).exclude(
        pk__in=[user.pk, customer.owner_id or 0]
    )
    free_agents = people.filter(role__data_scope=DataScope.ASSIGNED).exclude(
        pk__in=[agent.pk for agent in agents]
    )
    return {
        "customer": customer,
        "allowed": True,
        "shares": shares,
        "agents": agents,
        "may_assign": may_assign,
        "colleague_choices": _choices(colleagues),
        "agent_choices": _choices(free_agents) if may_assign else [],
        "access_choices": ShareAccess.choices,
        "today": clock.today(),
        "errors": errors or {},
        "values": values or {"access": ShareAccess.READ},
    }


def _respond(
    request: HttpRequest,
    user: User,
    customer: Customer,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
) -> HttpResponse:
    """Render the panel for htmx, or the sharing page (400 when a form was rejected)."""
    context = panel_context(user, customer, errors, values)
    if is_htmx(request):
        # htmx swaps only 2xx responses by default, so a rejected form comes back as a 200
        # panel that shows the errors.
        return vary_on_htmx(render(request, PANEL, context))
    if not context["allowed"]:
        raise PermissionDenied(_("Only the owner or a manager may share this customer."))
    status = 400 if errors else 200
    return vary_on_htmx(render(request, "web/sharing/page.html", context, status=status))


def _after_write(request: HttpRequest, user: User, customer: Customer) -> HttpResponse:
    if is_htmx(request):
        return _respond(request, user, customer)
    return HttpResponseRedirect(reverse("web:customer_sharing", args=[customer.public_id]))


@login_required
@require_http_methods(["GET", "POST"])
def customer_sharing(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Show the panel, or share the customer with the posted colleague, access and end date."""
    user = signed_in_user(request)

    customer = load_customer(user, public_id)
    if request.method == "GET":
        return _respond(request, user, customer)

    # The right comes before the posted id, so a refused user learns nothing about the id.
    sharing.check_share_right(user, customer)
    values = {key: request.POST.get(key, "").strip() for key in ("user", "access", "until")}
    try:
        colleague_id = posted_id(values["user"], "user")
        if colleague_id is None:
            raise ValidationError({"user": [_("Choose a colleague.")]})
        colleague = sharing.find_colleague(user, customer, colleague_id)
        try:
            until = parse_date(values["until"])
        except ValueError as error:
            raise ValidationError({"until": [str(error)]}) from None
        sharing.share_customer(user, customer, colleague, values["access"], until)
    except ValidationError as error:
        return _respond(request, user, customer, error_dict(error), values)

    return _after_write(request, user, customer)


@login_required
@require_POST
def share_end(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """End a share at once; the colleague loses the customer with their next request."""
    user = signed_in_user(request)

    share = (
        CustomerShare.objects.select_related("customer__owner", "user")
        .filter(public_id=public_id, customer__in=visible_customers(user).values("pk"))
        .first()
    )
    if share is None:
        raise Http404
    sharing.unshare(user, share)

    return _after_write(request, user, share.customer)


@login_required
@require_POST
def agent_assign(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Assign the posted outside agent to the customer."""
    user = signed_in_user(request)

    customer = load_customer(user, public_id)
    sharing.check_assign_right(user, customer)
    try:
        agent_id = posted_id(request.POST.get("agent", "").strip(), "agent")
        if agent_id is None:
            raise ValidationError({"agent": [_("Choose an outside agent.")]})
        agent = sharing.find_agent(user, customer, agent_id)
        sharing.assign_agent(user, customer, agent)
    except ValidationError as error:
        return _respond(request, user, customer, error_dict(error))

    return _after_write(request, user, customer)


@login_required
@require_POST
def agent_remove(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Take the customer away from the posted outside agent."""
    user = signed_in_user(request)

    customer = load_customer(user, public_id)
    sharing.check_assign_right(user, customer)
    try:
        agent_id = posted_id(request.POST.get("agent", "").strip(), "agent")
        agent = sharing.find_agent(user, customer, agent_id) if agent_id else None
    except ValidationError as error:
        return _respond(request, user, customer, error_dict(error))
    if agent is not None:
        sharing.unassign_agent(user, customer, agent)

    return _after_write(request, user, customer)
