"""The customer list: search, filters on every registry field, sorts, saved views and columns.

The user's field policy decides what the page offers: columns and the column picker show only
fields the user may read (masked ones masked), and filters and sorts only fields read whole.
"""

import dataclasses
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kehu.core import regions
from kehu.customers.listing import ListPage, count_customers, list_customers, params_from_query
from kehu.fields.models import FieldTarget, FieldType
from kehu.fields.registry import FieldSpec, fields_for
from kehu.org.models import Capability, User
from kehu.org.policy import FieldPolicy, policy_for
from kehu.org.visibility import owners_in_reach, reach
from kehu.web import services
from kehu.web.display import format_count, record_name, shown_text
from kehu.web.models import ListPreference, SavedView
from kehu.web.views.common import error_dict, is_htmx, signed_in_user, vary_on_htmx

DEFAULT_COLUMNS = ("name", "status", "grade", "owner", "last_follow_up_at", "next_follow_up_on")
DEFAULT_SORT = "-created_at"
# The owner filter's value for "no owner"; it becomes f.owner__isnull=1 for the list query.
UNASSIGNED = "none"
# Each view with the fields it filters on; a view is offered only when all are read whole.
# The fields match the checks in kehu.customers.listing, which rejects the view otherwise.
BUILTIN_VIEWS = (
    ("", gettext_lazy("All customers"), ()),
    ("mine", gettext_lazy("My customers"), ("owner",)),
    ("due_today", gettext_lazy("Due for follow-up today"), ("next_follow_up_on",)),
    ("idle_30", gettext_lazy("No follow-up for 30 days"), ("last_follow_up_at", "created_at")),
)
_RANGE_TYPES = (FieldType.NUMBER, FieldType.MONEY, FieldType.DATE, FieldType.DATETIME)
_TEXT_TYPES = (FieldType.TEXT, FieldType.LONG_TEXT, FieldType.TAGS)


@dataclasses.dataclass
class FilterInput:
    """One filter of the list: the GET names it sets and their current values."""

    label: str
    widget: str  # text, select, number_range or date_range
    names: tuple[str, ...]
    values: tuple[str, ...]
    choices: Sequence[tuple[str, str]] = ()
    region_level: str = ""  # province, city or district: the next level reloads on change

    @property
    def is_active(self) -> bool:
        return any(self.values)


@dataclasses.dataclass
class Column:
    key: str
    label: str
    sort_url: str  # "" when the field cannot be sorted
    sorted_as: str  # "asc", "desc" or ""


def _query_string(params: Iterable[tuple[str, str]], **changes: str | None) -> str:
    """Return the list's query string with `changes` applied; None removes a parameter."""
    kept = [(key, value) for key, value in params if key not in changes and value != ""]
    kept.extend((key, value) for key, value in changes.items() if value is not None)
    return urlencode(kept)


def _list_parameters(get: QueryDict) -> list[tuple[str, str]]:
    return [(key, value) for key, values in get.lists() for value in values if value != ""]


def _query_for_listing(get: QueryDict) -> dict[str, str | list[str]]:
    query: dict[str, str | list[str]] = {key: values for key, values in get.lists()}
    if get.get("f.owner") == UNASSIGNED:
        del query["f.owner"]
        query["f.owner__isnull"] = "1"
    return query


def _columns(user: User, specs: Mapping[str, FieldSpec]) -> list[str]:
    """Return the user's columns among `specs`, the fields they may read, name first.

    A stored choice of a field the role hides since is left out, not rejected.
    """
    preference = ListPreference.objects.filter(user=user).first()
    chosen = preference.columns if preference else DEFAULT_COLUMNS
    # The name is always the first column because it links to the customer page.
    return ["name", *(key for key in chosen if key in specs and key != "name")]


def _builtin_views(
    policy: FieldPolicy, specs: Mapping[str, FieldSpec], params: list[tuple[str, str]]
) -> list[tuple[str, str, str]]:
    views = []
    for key, label, field_keys in BUILTIN_VIEWS:
        if all(
            field_key in specs and policy.reads_whole(FieldTarget.CUSTOMER, specs[field_key])
            for field_key in field_keys
        ):
            url = "?" + _query_string(params, view=key or None, cursor=None)
            views.append((key, str(label), url))
    return views


def _owner_choices(user: User) -> list[tuple[str, str]]:
    """Return the people the owner filter offers: the owners inside the user's reach.

    Roles that reach only their own or assigned customers get no owner filter.
    """
    role_reach = reach(user)
    if not (role_reach.everything or role_reach.department_ids or len(role_reach.owner_ids) > 1):
        return []
    people = owners_in_reach(user, role_reach)
    choices = [(str(person.public_id), str(person)) for person in people.order_by("display_name")]
    return [(UNASSIGNED, _("Unassigned")), *choices]


def _region_filter(spec: FieldSpec, get: QueryDict) -> FilterInput:
    """Return a province, city or district select listing the divisions below the chosen one."""
    if spec.key == "province":
        divisions = regions.provinces()
    else:
        parent = get.get("f.province" if spec.key == "city" else "f.city", "")
        divisions = regions.children_of(parent) if parent else []
    choices = [(division.code, division.name) for division in divisions]
    name = "f." + spec.key
    return FilterInput(spec.label_text, "select", (name,), (get.get(name, ""),), choices, spec.key)


def _select_filter(
    name: str, label: str, get: QueryDict, choices: Sequence[tuple[str, str]]
) -> FilterInput:
    return FilterInput(label, "select", (name,), (get.get(name, ""),), choices)


def _filter_inputs(
    specs: Iterable[FieldSpec], get: QueryDict, owner_choices: list[tuple[str, str]]
) -> list[FilterInput]:
    inputs: list[FilterInput] = []
    for spec in specs:
        if not spec.filterable or spec.key == "region":
            continue
        label = spec.label_text
        name = "f." + spec.key
        spec_choices = [(value, str(text)) for value, text in spec.choices]
        if spec.field_type == FieldType.REGION:
            inputs.append(_region_filter(spec, get))
        elif spec.field_type == FieldType.USER and owner_choices:
            # "Unassigned" is offered for the owner only.
            choices = owner_choices if spec.key == "owner" else owner_choices[1:]
            inputs.append(_select_filter(name, label, get, choices))
        elif spec.field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            # For a multiple choice, "equals" means the stored list contains the choice.
            inputs.append(_select_filter(name, label, get, spec_choices))
        elif spec.field_type in _RANGE_TYPES:
            names = (f"{name}__gte", f"{name}__lte")
            is_date = spec.field_type in (FieldType.DATE, FieldType.DATETIME)
            widget = "date_range" if is_date else "number_range"
            values = tuple(get.get(item, "") for item in names)
            inputs.append(FilterInput(label, widget, names, values))
        elif spec.field_type in _TEXT_TYPES:
            # Tags match whole tag names; text fields match a part of the value.
            text_name = name if spec.field_type == FieldType.TAGS else f"{name}__contains"
            inputs.append(FilterInput(label, "text", (text_name,), (get.get(text_name, ""),)))
    return inputs


def _sort_columns(
    policy: FieldPolicy,
    columns: list[str],
    specs: Mapping[str, FieldSpec],
    params: list[tuple[str, str]],
    sort: str,
) -> list[Column]:
    result = []
    for key in columns:
        spec = specs[key]
        sorted_as = ""
        if sort == key:
            sorted_as = "asc"
        elif sort == "-" + key:
            sorted_as = "desc"
        sort_url = ""
        # A masked column gets no sort link: sorting would give away the order of whole values.
        if spec.sortable and policy.reads_whole(FieldTarget.CUSTOMER, spec):
            next_sort = "-" + key if sorted_as == "asc" else key
            sort_url = "?" + _query_string(params, sort=next_sort, cursor=None)
        result.append(Column(key, spec.label_text, sort_url, sorted_as))
    return result


def _rows(
    policy: FieldPolicy, page: ListPage, columns: list[str], specs: Mapping[str, FieldSpec]
) -> list[dict[str, Any]]:
    """Return each row's name and cells; `columns` holds only fields the user may read."""
    # One query for every row's creator or tags instead of one per row.
    related = [key for key in ("creator", "tags") if key in columns]
    if related:
        prefetch_related_objects(page.rows, *related)
    target = FieldTarget.CUSTOMER
    # One reverse() for the page: each row's link is the same path with its own public id.
    slot = str(uuid.UUID(int=0))
    url_pattern = reverse("web:customer_detail", args=[slot])
    rows = []
    for customer in page.rows:
        cells = [shown_text(policy, target, specs[key], customer) or "" for key in columns[1:]]
        name = record_name(policy, target, specs, customer)
        url = url_pattern.replace(slot, str(customer.public_id))
        rows.append({"customer": customer, "name": name, "url": url, "cells": cells})
    return rows


def _saved_views(
    user: User, current_query: str, specs: dict[str, FieldSpec]
) -> list[dict[str, Any]]:
    """Return the user's saved views; those the role can no longer use get a reason, no URL."""
    views = []
    for view in SavedView.objects.filter(owner=user):
        usable = not services.list_query_refusals(user, view.query, specs)
        views.append(
            {
                "view": view,
                "url": "?" + view.query if usable else "",
                "reason": ""
                if usable
                else _("Unavailable: it filters or sorts on a field your role cannot use."),
                "is_current": view.query == current_query,
            }
        )
    return views


@login_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    """Show one page of the customers the user may see; htmx gets only the results part."""
    user = signed_in_user(request)

    policy = policy_for(user)
    all_specs = fields_for(FieldTarget.CUSTOMER)
    specs = {spec.key: spec for spec in policy.readable(FieldTarget.CUSTOMER, all_specs)}
    # "name" stays in the columns even when hidden, as the link to the page; rows then show
    # HIDDEN_NAME. The registry always has "name".
    specs.setdefault("name", next(spec for spec in all_specs if spec.key == "name"))
    columns = _columns(user, specs)
    params = _list_parameters(request.GET)
    errors: dict[str, list[str]] = {}
    page = ListPage(rows=[], next_cursor=None)
    try:
        list_params = params_from_query(_query_for_listing(request.GET))
        page = list_customers(user, list_params)
    except ValidationError as error:
        errors = error_dict(error)
    sort = request.GET.get("sort") or DEFAULT_SORT

    context: dict[str, Any] = {
        "page": page,
        "count_url": reverse("web:customer_count") + "?" + _query_string(params, cursor=None),
        "columns": _sort_columns(policy, columns, specs, params, sort),
        "rows": _rows(policy, page, columns, specs),
        "errors": [message for messages in errors.values() for message in messages],
        "next_url": "?" + _query_string(params, cursor=page.next_cursor)
        if page.next_cursor
        else "",
        "first_url": "?" + _query_string(params, cursor=None) if request.GET.get("cursor") else "",
        "list_url": reverse("web:customer_list"),
        "can_create": user.has_capability(Capability.CREATE),
    }
    if is_htmx(request):
        return vary_on_htmx(render(request, "web/customers/list.html#results", context))

    current_query = services.clean_list_query(request.GET.urlencode())
    whole = [spec for spec in specs.values() if policy.reads_whole(FieldTarget.CUSTOMER, spec)]
    filters = _filter_inputs(whole, request.GET, _owner_choices(user))
    context.update(
        {
            "query": request.GET.get("q", ""),
            "current_view": request.GET.get("view", ""),
            "current_query": current_query,
            "builtin_views": _builtin_views(policy, specs, params),
            "saved_views": _saved_views(
                user, current_query, {spec.key: spec for spec in all_specs}
            ),
            "filters": filters,
            "filters_active": any(item.is_active for item in filters),
            "column_choices": [
                (spec.key, spec.label_text, spec.key in columns)
                for spec in specs.values()
                if policy.can_read(FieldTarget.CUSTOMER, spec)
            ],
            "sort": request.GET.get("sort", ""),
            "view": request.GET.get("view", ""),
            "unassigned": UNASSIGNED,
        }
    )
    return vary_on_htmx(render(request, "web/customers/list.html", context))


@login_required
@require_GET
def customer_count(request: HttpRequest) -> HttpResponse:
    """Count what the list shows for the same query; the list page loads this after its rows."""
    user = signed_in_user(request)

    try:
        total = count_customers(user, params_from_query(_query_for_listing(request.GET)))
    except ValidationError as error:
        messages = [message for items in error_dict(error).values() for message in items]
        return render(request, "web/customers/count.html", {"errors": messages}, status=400)

    context = {
        "count": total.shown,
        "count_text": format_count(total.shown) + ("+" if total.is_capped else ""),
    }
    return render(request, "web/customers/count.html", context)


def _back_to_list(request: HttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("web:customer_list")
    return HttpResponseRedirect(target)


@login_required
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    """Save the list's current query under a name the user gave."""
    user = signed_in_user(request)

    query = request.POST.get("query", "")
    try:
        view = services.save_list_view(user, request.POST.get("name", ""), query)
    except ValidationError as error:
        messages = [message for items in error_dict(error).values() for message in items]
        return render(request, "web/customers/view_error.html", {"errors": messages}, status=400)

    return HttpResponseRedirect(reverse("web:customer_list") + "?" + view.query)


@login_required
@require_POST
def delete_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Delete one of the user's saved views; another user's view is a 404."""
    user = signed_in_user(request)

    view = get_object_or_404(SavedView, owner=user, public_id=public_id)
    services.delete_list_view(user, view)

    return _back_to_list(request)


@login_required
@require_POST
def set_columns(request: HttpRequest) -> HttpResponse:
    """Store the columns the user ticked in the column picker."""
    user = signed_in_user(request)

    try:
        services.set_list_columns(user, request.POST.getlist("columns"))
    except ValidationError as error:
        messages = [message for items in error_dict(error).values() for message in items]
        return render(request, "web/customers/view_error.html", {"errors": messages}, status=400)

    return _back_to_list(request)
