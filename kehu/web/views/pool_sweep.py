"""The due-soon list of coming reclaims and the preview of the next pool sweep."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kehu.core import clock
from kehu.customers.models import Customer
from kehu.fields.registry import FieldTarget, field_map
from kehu.org.policy import FieldPolicy, policy_for
from kehu.pool import due, membership, sweep
from kehu.pool.models import EntryCause
from kehu.web.display import record_name, shown_text
from kehu.web.views.common import signed_in_user

PAGE_SIZE = 50


def _customer_cells(policy: FieldPolicy, customer: Customer) -> dict[str, Any]:
    """Return the name, owner and last follow-up of a customer as the user may see them."""
    specs = field_map(FieldTarget.CUSTOMER)
    target = FieldTarget.CUSTOMER
    return {
        "customer": customer,
        "name": record_name(policy, target, specs, customer),
        "owner": shown_text(policy, target, specs["owner"], customer),
        "last_follow_up": shown_text(policy, target, specs["last_follow_up_at"], customer),
    }


@login_required
@require_GET
def due_soon(request: HttpRequest) -> HttpResponse:
    """List the customers in the user's reach that a pool rule reclaims within days."""
    user = signed_in_user(request)
    policy = policy_for(user)

    found = due.due_soon(user)
    page = Paginator(found.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            **_customer_cells(policy, row.customer),
            "pool": row.pool,
            "rule": EntryCause(row.cause).label,
            "due_on": row.due_on,
            "overdue": row.overdue,
        }
        for row in page.object_list
    ]
    context = {
        "rows": rows,
        "page": page,
        "capped": found.capped,
        "cap": due.DUE_SOON_CAP,
        "may_preview": due.previewable_pools(user).exists(),
    }
    return render(request, "web/pool_sweep/due.html", context)


@login_required
@require_GET
def sweep_preview(request: HttpRequest) -> HttpResponse:
    """Show pool administrators what the next sweep would do, as counts and customers."""
    user = signed_in_user(request)
    pools = list(due.previewable_pools(user))
    if not pools and not membership.administers_all(user):
        raise PermissionDenied(_("Only pool administrators may preview the sweep."))

    today = clock.today()
    previews = due.preview(user, today)
    selected_pool = request.GET.get("pool", "")
    selected_rule = request.GET.get("rule", "")
    listing: dict[str, Any] | None = None
    if selected_pool or selected_rule:
        pool = next((p for p in pools if str(p.public_id) == selected_pool), None)
        if pool is None or selected_rule not in sweep.RULES or not sweep.is_on(pool, selected_rule):
            raise Http404(_("No such pool or rule."))
        customers = due.preview_customers(user, pool, selected_rule, today)
        page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
        policy = policy_for(user)
        listing = {
            "pool": pool,
            "rule": EntryCause(selected_rule).label,
            "page": page,
            "rows": [
                {**_customer_cells(policy, customer), "due_on": sweep.due_on(customer, pool)}
                for customer in page.object_list
            ],
            "query": urlencode({"pool": selected_pool, "rule": selected_rule}),
        }

    context = {
        "previews": [
            {
                "pool": preview.pool,
                "results": [
                    {
                        "rule": EntryCause(result.cause).label,
                        "cause": result.cause,
                        "reclaimed": result.reclaimed,
                        "warned": result.warned,
                    }
                    for result in preview.results
                ],
            }
            for preview in previews
        ],
        "listing": listing,
        "today": today,
    }
    return render(request, "web/pool_sweep/preview.html", context)
