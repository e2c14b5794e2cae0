"""The ticket list: filters and numbered pages over the tickets a user may see.

A filter on a field needs the whole value under the user's field policy, as in the customer and
deal lists: filtering on a hidden or masked status would let the user find it by probing. The
pages and the API read the same parameters.
"""

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import User
from kehu.org.policy import FieldPolicy, policy_for
from kehu.service import cleaning
from kehu.service.models import ACTIVE_STATUSES, Ticket
from kehu.service.queries import visible_tickets

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Query parameters that filter, and the ticket field whose access each needs.
FILTER_FIELDS = {
    "status": "status",
    "category": "category",
    "priority": "priority",
    "assignee": "assignee",
    "mine": "assignee",
    "active": "status",
}
# Values of the yes/no filters ("mine", "active") that switch them on.
_YES = ("1", "true", "yes", "on")


@dataclasses.dataclass(frozen=True)
class TicketParams:
    filters: Mapping[str, str] = dataclasses.field(default_factory=dict)
    page: int = 1
    page_size: int = PAGE_SIZE


def params_from_query(query: Mapping[str, Any]) -> TicketParams:
    """Read the list's parameters from a query string; unknown keys are ignored."""

    def first(key: str) -> str:
        value = query.get(key, "")
        if isinstance(value, list):
            value = value[0] if value else ""
        return str(value).strip()

    filters = {key: first(key) for key in FILTER_FIELDS if first(key)}
    page = int(first("page")) if first("page").isdigit() else 1
    size = int(first("page_size")) if first("page_size").isdigit() else PAGE_SIZE
    return TicketParams(filters, max(page, 1), min(max(size, 1), MAX_PAGE_SIZE))


def allowed_filters(policy: FieldPolicy) -> set[str]:
    """Return the filter parameters the user's field policy allows (whole values only)."""
    specs = field_map(FieldTarget.TICKET)
    return {
        key
        for key, field in FILTER_FIELDS.items()
        if policy.reads_whole(FieldTarget.TICKET, specs[field])
    }


def _condition(user: User, key: str, raw: str) -> Q:
    if key in ("status", "category", "priority"):
        return Q(**{key: cleaning.choice(key, raw)})
    if key == "assignee":
        if raw == "none":
            return Q(assignee__isnull=True)
        try:
            return Q(assignee__public_id=uuid.UUID(raw))
        except ValueError:
            raise ValueError(_("“%(value)s” is not a valid id.") % {"value": raw}) from None
    if raw.lower() not in _YES:
        return Q()
    if key == "mine":
        return Q(assignee=user)
    return Q(status__in=ACTIVE_STATUSES)


def filtered_tickets(user: User, params: TicketParams) -> QuerySet[Ticket]:
    """Return the visible tickets matching `params`, newest first; errors are keyed by filter."""
    allowed = allowed_filters(policy_for(user))
    queryset = visible_tickets(user)
    errors: dict[str, list[str]] = {}
    for key, raw in params.filters.items():
        if key not in allowed:
            errors[key] = [_("Unknown filter field “%(key)s”.") % {"key": key}]
            continue
        try:
            queryset = queryset.filter(_condition(user, key, raw))
        except ValueError as error:
            errors[key] = [str(error)]
    if errors:
        raise ValidationError(errors)
    return queryset.select_related("customer", "contact", "assignee", "created_by").order_by(
        "-opened_at", "-pk"
    )


def list_tickets(user: User, params: TicketParams) -> Page[Ticket]:
    """Return one page of the tickets `user` may see; a page past the last gives the last."""
    paginator = Paginator(filtered_tickets(user, params), params.page_size)
    return paginator.get_page(params.page)
