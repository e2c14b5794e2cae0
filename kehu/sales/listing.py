"""The deal list: filters, sorts and keyset pagination over the deals a user may see.

Filters and sorts on a field need the whole value under the user's field policy, as in the
customer list: a filter on a hidden or masked amount would let the user find it by probing.
Pages are keyset-paginated on (sort value, id), so a page costs the same wherever it starts.
"""

import base64
import binascii
import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.fields.values import parse_date
from kehu.org.models import User
from kehu.org.policy import FieldPolicy, policy_for
from kehu.sales.cleaning import money_value
from kehu.sales.models import Deal
from kehu.sales.queries import visible_deals

DEFAULT_SORT = "-created_at"
# Sort keys and the kind of their values in a cursor.
SORTS = {"created_at": "datetime", "expected_close_on": "date", "amount": "decimal"}
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Query parameters that filter, and the deal field whose access each needs.
# The pipeline reveals as much as the stage does, so it needs the same access.
FILTER_FIELDS = {
    "pipeline": "stage",
    "stage": "stage",
    "owner": "owner",
    "close_from": "expected_close_on",
    "close_to": "expected_close_on",
    "amount_min": "amount",
    "amount_max": "amount",
}


@dataclasses.dataclass(frozen=True)
class DealParams:
    filters: Mapping[str, str] = dataclasses.field(default_factory=dict)
    sort: str = DEFAULT_SORT
    cursor: str = ""
    page_size: int = PAGE_SIZE


@dataclasses.dataclass(frozen=True)
class DealPage:
    rows: list[Deal]
    next_cursor: str | None


def params_from_query(query: Mapping[str, Any]) -> DealParams:
    """Read the list's parameters from a query string; unknown keys are ignored."""

    def first(key: str) -> str:
        value = query.get(key, "")
        if isinstance(value, list):
            value = value[0] if value else ""
        return str(value).strip()

    filters = {key: first(key) for key in FILTER_FIELDS if first(key)}
    try:
        page_size = int(first("page_size") or PAGE_SIZE)
    except ValueError:
        page_size = PAGE_SIZE
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    return DealParams(filters, first("sort") or DEFAULT_SORT, first("cursor"), page_size)


def allowed_filters(policy: FieldPolicy) -> set[str]:
    """Return the filter parameters the user's field policy allows (whole values only)."""
    specs = field_map(FieldTarget.DEAL)
    return {
        key
        for key, field in FILTER_FIELDS.items()
        if policy.reads_whole(FieldTarget.DEAL, specs[field])
    }


def allowed_sorts(policy: FieldPolicy) -> list[str]:
    specs = field_map(FieldTarget.DEAL)
    return [key for key in SORTS if policy.reads_whole(FieldTarget.DEAL, specs[key])]


def _uuid(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ValueError(_("“%(value)s” is not a valid id.") % {"value": raw}) from None


def _condition(key: str, raw: str) -> Q:
    if key == "pipeline":
        return Q(pipeline__public_id=_uuid(raw))
    if key == "stage":
        return Q(stage__public_id=_uuid(raw))
    if key == "owner":
        return Q(owner__public_id=_uuid(raw))
    if key in ("close_from", "close_to"):
        date = parse_date(raw)
        return (
            Q(expected_close_on__gte=date)
            if key == "close_from"
            else Q(expected_close_on__lte=date)
        )
    amount = money_value(raw)
    return Q(amount__gte=amount) if key == "amount_min" else Q(amount__lte=amount)


def _filtered(queryset: QuerySet[Deal], params: DealParams, policy: FieldPolicy) -> QuerySet[Deal]:
    allowed = allowed_filters(policy)
    errors: dict[str, list[str]] = {}
    for key, raw in params.filters.items():
        if key not in allowed:
            errors[key] = [_("Unknown filter field “%(key)s”.") % {"key": key}]
            continue
        try:
            queryset = queryset.filter(_condition(key, raw))
        except ValueError as error:
            errors[key] = [str(error)]
    if errors:
        raise ValidationError(errors)
    return queryset


def _encode_cursor(value: Any, pk: int) -> str:
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    raw = json.dumps([value, pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Turns a cursor's JSON value back into the sort key's type.
_CURSOR_TYPES: dict[str, Callable[[Any], Any]] = {
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "decimal": Decimal,
    "number": int,
}


def _decode_cursor(cursor: str, kind: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(pk, int):
            raise ValueError
        if value is not None:
            value = _CURSOR_TYPES[kind](value)
    except (ValueError, TypeError, InvalidOperation, binascii.Error, json.JSONDecodeError):
        raise ValidationError(
            {"cursor": [_("The page link is invalid; start again from the first page.")]}
        ) from None
    return value, pk


def _sort_key(params: DealParams, policy: FieldPolicy) -> tuple[str, bool]:
    key = params.sort.lstrip("-")
    if key not in allowed_sorts(policy):
        if params.sort == DEFAULT_SORT:
            # Without the creation time, newest id first is nearly the same order.
            return "id", True
        raise ValidationError({"sort": [_("Cannot sort by “%(key)s”.") % {"key": key}]})
    return key, params.sort.startswith("-")


def _after(
    queryset: QuerySet[Deal], key: str, descending: bool, value: Any, pk: int
) -> QuerySet[Deal]:
    """Keep the rows after (value, pk) in the order (key nulls last, id)."""
    beyond = "lt" if descending else "gt"
    if value is None:
        return queryset.filter(**{f"{key}__isnull": True, f"pk__{beyond}": pk})
    after = Q(**{f"{key}__{beyond}": value}) | Q(**{key: value, f"pk__{beyond}": pk})
    return queryset.filter(after | Q(**{f"{key}__isnull": True}))


def list_deals(user: User, params: DealParams) -> DealPage:
    """Return one page of the deals `user` may see, filtered and sorted by `params`."""
    policy = policy_for(user)
    queryset = _filtered(visible_deals(user), params, policy)
    key, descending = _sort_key(params, policy)
    if params.cursor:
        value, pk = _decode_cursor(params.cursor, SORTS.get(key, "number"))
        queryset = _after(queryset, key, descending, value, pk)
    if descending:
        ordering = [F(key).desc(nulls_last=True), F("pk").desc()]
    else:
        ordering = [F(key).asc(nulls_last=True), F("pk").asc()]
    queryset = queryset.select_related("customer", "stage", "owner").order_by(*ordering)
    rows = list(queryset[: params.page_size + 1])
    next_cursor = None
    if len(rows) > params.page_size:
        rows = rows[: params.page_size]
        last = rows[-1]
        next_cursor = _encode_cursor(getattr(last, key), last.pk)
    return DealPage(rows, next_cursor)
