"""The customer list: filters on any registry field, sorts, saved views, keyset pages, counts.

Pages and the API both call `list_customers`, which starts from the visibility layer. Deep pages
use a keyset cursor (the last row's sort value and id), never OFFSET, so page 1,000 costs what
page 1 costs. Counts are exact up to MAX_COUNT and reported as capped above it, because an exact
COUNT over a million rows is the slowest query a list page could run. The count is a separate
call, so a page can show its rows before the count arrives.
"""

import base64
import binascii
import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Expression, F, FloatField, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.customers import search
from kehu.customers.models import Customer, Tag
from kehu.customers.queries import visible_customers, visible_parts
from kehu.fields.models import FieldTarget, FieldType
from kehu.fields.registry import FieldSpec, field_map
from kehu.fields.values import parse_date, parse_decimal, split_multi
from kehu.org.models import User
from kehu.org.policy import FieldPolicy, policy_for

MAX_COUNT = 10_000
MAX_PAGE_SIZE = 200
OPERATORS = ("eq", "in", "contains", "gte", "lte", "isnull")
SAVED_VIEWS = ("mine", "due_today", "idle_30")
DEFAULT_SORT = "-created_at"
IDLE_DAYS = 30
# Built-in keys whose filter compares the stored code or id rather than the display path.
_FILTER_PATHS = {
    "region": "province_code",
    "province": "province_code",
    "city": "city_code",
    "district": "district_code",
    "owner": "owner__public_id",
    "creator": "creator__public_id",
}
_NUMERIC = (FieldType.NUMBER, FieldType.MONEY)
_SORT_PATHS = {"owner": "owner_id", "creator": "creator_id", "region": "province_code"}
# The customer fields each saved view filters on; a role must read all of them whole.
_VIEW_FIELDS = {
    "mine": ("owner",),
    "due_today": ("next_follow_up_on",),
    "idle_30": ("last_follow_up_at", "created_at"),
}


@dataclasses.dataclass
class ListParams:
    query: str = ""
    filters: dict[str, str] = dataclasses.field(default_factory=dict)
    sort: str = DEFAULT_SORT
    cursor: str | None = None
    page_size: int = 50
    view: str = ""


@dataclasses.dataclass
class ListPage:
    rows: list[Customer]
    next_cursor: str | None


@dataclasses.dataclass
class ListCount:
    count: int
    is_capped: bool

    @property
    def shown(self) -> int:
        return min(self.count, MAX_COUNT)


def params_from_query(query: Mapping[str, Any]) -> ListParams:
    """Build ListParams from GET parameters: q, sort, cursor, view, page_size, f.<key>[__op]."""

    def first(key: str) -> str:
        value = query.get(key, "")
        if isinstance(value, list):
            value = value[0] if value else ""
        return str(value).strip()

    filters = {key[2:]: first(key) for key in query if key.startswith("f.") and first(key) != ""}
    page_size_raw = first("page_size")
    try:
        page_size = int(page_size_raw) if page_size_raw else 50
    except ValueError:
        raise ValidationError(
            {"page_size": [_("“%(value)s” is not a whole number.") % {"value": page_size_raw}]}
        ) from None
    return ListParams(
        query=first("q"),
        filters=filters,
        sort=first("sort") or DEFAULT_SORT,
        cursor=first("cursor") or None,
        page_size=page_size,
        view=first("view"),
    )


def _split_filter_key(raw_key: str) -> tuple[str, str]:
    key, _sep, op = raw_key.partition("__")
    return key, op or "eq"


def _typed(spec: FieldSpec, raw: str) -> Any:
    """Convert a filter value to the type stored for the field; raises ValueError."""
    if spec.field_type in (FieldType.DATE, FieldType.DATETIME):
        return parse_date(raw)
    if spec.field_type in (FieldType.NUMBER, FieldType.MONEY):
        number = parse_decimal(raw)
        return float(number) if number is not None else None
    if spec.field_type == FieldType.CHOICE and spec.choices:
        for value, label in spec.choices:
            if raw in (value, str(label)):
                return value
        raise ValueError(_("“%(value)s” is not one of the choices.") % {"value": raw})
    return raw


def _path(spec: FieldSpec) -> str:
    return _FILTER_PATHS.get(spec.key, spec.path)


def _filter_condition(spec: FieldSpec, op: str, raw: str) -> Q:
    path = _path(spec)
    if op == "isnull":
        wanted = raw.lower() in ("1", "true", "yes", "是")
        if spec.field_type == FieldType.TAGS:
            has_tags = Q(pk__in=Customer.tags.through.objects.values("customer_id"))
            return ~has_tags if wanted else has_tags
        empty = Q(**{f"{path}__isnull": True})
        if not spec.is_custom and spec.field_type not in (
            FieldType.DATE,
            FieldType.DATETIME,
            FieldType.USER,
        ):
            empty |= Q(**{path: ""})
        return empty if wanted else ~empty
    if spec.is_custom and spec.field_type in _NUMERIC:
        # Money is stored as a JSON string, so compare the value cast to a number.
        path = path.replace("custom__", "custom_number_")
    if spec.field_type == FieldType.TAGS:
        names = split_multi(raw)
        tagged = Customer.tags.through.objects.filter(tag__in=Tag.objects.filter(name__in=names))
        return Q(pk__in=tagged.values("customer_id"))
    if op == "in":
        values = [_typed(spec, part) for part in split_multi(raw)]
        return Q(**{f"{path}__in": values})
    if op == "contains":
        if spec.field_type not in (FieldType.TEXT, FieldType.LONG_TEXT, FieldType.MULTI_CHOICE):
            raise ValueError(_("This field cannot be searched by a part of its value."))
        lookup = f"{path}__icontains"
        if spec.is_custom:
            return Q(**{f"{path.replace('custom__', 'custom_text_')}__icontains": raw})
        return Q(**{lookup: raw})
    value = _typed(spec, raw)
    if spec.field_type == FieldType.DATETIME and isinstance(value, dt.date):
        start = timezone.make_aware(dt.datetime.combine(value, dt.time.min))
        if op == "gte":
            return Q(**{f"{path}__gte": start})
        if op == "lte":
            return Q(**{f"{path}__lt": start + dt.timedelta(days=1)})
        return Q(**{f"{path}__gte": start, f"{path}__lt": start + dt.timedelta(days=1)})
    if spec.is_custom and spec.field_type == FieldType.DATE and isinstance(value, dt.date):
        value = value.isoformat()

    if op in ("gte", "lte"):
        return Q(**{f"{path}__{op}": value})
    if spec.field_type == FieldType.MULTI_CHOICE:
        if connection.vendor == "postgresql":
            return Q(**{f"{path}__contains": [value]})
        # SQLite keeps the JSON text as Django wrote it, with non-ASCII characters escaped, and
        # has no JSON containment lookup, so match the escaped, quoted element in the text.
        return Q(**{f"{path.replace('custom__', 'custom_text_')}__contains": json.dumps(value)})
    return Q(**{path: value})


def _annotate_custom(
    queryset: QuerySet[Customer], text_keys: set[str], number_keys: set[str]
) -> QuerySet[Customer]:
    """Expose custom values as text columns for substring filters, numbers for comparisons."""
    for key in text_keys:
        queryset = queryset.annotate(**{f"custom_text_{key}": KT(f"custom__{key}")})
    for key in number_keys:
        queryset = queryset.annotate(
            **{f"custom_number_{key}": Cast(KT(f"custom__{key}"), FloatField())}
        )
    return queryset


def _filter_refusal(specs: dict[str, FieldSpec], key: str, op: str, policy: FieldPolicy) -> str:
    """Return why a filter on `key` with `op` is rejected whatever its value, or ""."""
    spec = specs.get(key)
    if spec is None or not spec.filterable or not policy.can_read(FieldTarget.CUSTOMER, spec):
        return _("Unknown filter field “%(key)s”.") % {"key": key}
    if op not in OPERATORS:
        return _("Unknown filter operator “%(op)s”.") % {"op": op}
    if not policy.reads_whole(FieldTarget.CUSTOMER, spec):
        return _("Your role sees “%(field)s” only masked, so it cannot be used to filter.") % {
            "field": spec.label_text
        }
    return ""


def _apply_filters(
    queryset: QuerySet[Customer],
    specs: dict[str, FieldSpec],
    filters: Mapping[str, str],
    policy: FieldPolicy,
) -> QuerySet[Customer]:
    """Filter by `filters`, rejecting fields the user cannot read whole.

    A filter on a masked value would let the user complete it by probing, so masked fields are
    rejected too. A hidden field gets the message of an unknown one, which does not confirm it.
    """
    errors: dict[str, list[str]] = {}
    text_keys: set[str] = set()
    number_keys: set[str] = set()
    conditions = Q()
    for raw_key, raw in filters.items():
        key, op = _split_filter_key(raw_key)
        refusal = _filter_refusal(specs, key, op, policy)
        if refusal:
            errors.setdefault(raw_key, []).append(refusal)
            continue
        spec = specs[key]
        if spec.is_custom and (op == "contains" or spec.field_type == FieldType.MULTI_CHOICE):
            text_keys.add(key.removeprefix("cf_"))
        if spec.is_custom and spec.field_type in _NUMERIC and op != "isnull":
            number_keys.add(key.removeprefix("cf_"))
        try:
            conditions &= _filter_condition(spec, op, raw)
        except ValueError as error:
            errors.setdefault(raw_key, []).append(str(error))
    if errors:
        raise ValidationError(errors)
    return _annotate_custom(queryset, text_keys, number_keys).filter(conditions)


def _apply_view(
    queryset: QuerySet[Customer],
    user: User,
    view: str,
    specs: dict[str, FieldSpec],
    policy: FieldPolicy,
) -> QuerySet[Customer]:
    if view == "":
        return queryset
    for key in _VIEW_FIELDS.get(view, ()):
        spec = specs.get(key)
        if spec is None or not policy.reads_whole(FieldTarget.CUSTOMER, spec):
            # The message names no field, because the field may be hidden from this role.
            raise ValidationError(
                {"view": [_("Your role may not use the list view “%(view)s”.") % {"view": view}]}
            )
    if view == "mine":
        return queryset.filter(owner=user)
    if view == "due_today":
        return queryset.filter(next_follow_up_on__lte=clock.today())
    if view == "idle_30":
        cutoff = clock.now() - dt.timedelta(days=IDLE_DAYS)
        return queryset.filter(
            Q(last_follow_up_at__lt=cutoff)
            | Q(last_follow_up_at__isnull=True, created_at__lt=cutoff)
        )
    raise ValidationError({"view": [_("Unknown list view “%(view)s”.") % {"view": view}]})


@dataclasses.dataclass(frozen=True)
class _Sort:
    expression: Expression | F
    descending: bool
    kind: str  # how cursor values are encoded: datetime, date, number or text
    nullable: bool = True


def _sort_for(specs: dict[str, FieldSpec], sort: str, policy: FieldPolicy) -> _Sort:
    """Return the sort for `sort`, rejecting fields the user cannot read whole, like filters."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    spec = specs.get(key)
    if sort == DEFAULT_SORT and (
        spec is None or not policy.reads_whole(FieldTarget.CUSTOMER, spec)
    ):
        # A role without the creation time still needs a list: newest id first is nearly the
        # same order, and sorting never shows the value itself.
        return _Sort(F("pk"), descending=True, kind="number", nullable=False)
    if spec is None or not spec.sortable or not policy.can_read(FieldTarget.CUSTOMER, spec):
        raise ValidationError({"sort": [_("Cannot sort by “%(key)s”.") % {"key": key}]})
    if not policy.reads_whole(FieldTarget.CUSTOMER, spec):
        raise ValidationError(
            {
                "sort": [
                    _("Your role sees “%(field)s” only masked, so it cannot be used to sort.")
                    % {"field": spec.label_text}
                ]
            }
        )
    kind = {
        FieldType.DATETIME: "datetime",
        FieldType.DATE: "date",
        FieldType.NUMBER: "number",
        FieldType.MONEY: "number",
        FieldType.USER: "number",
    }.get(FieldType(spec.field_type), "text")
    if spec.is_custom:
        json_key = spec.key.removeprefix("cf_")
        if kind == "number":
            return _Sort(Cast(KT(f"custom__{json_key}"), FloatField()), descending, kind)
        return _Sort(KT(f"custom__{json_key}"), descending, "text")
    path = _SORT_PATHS.get(key, spec.path)
    nullable = True
    if "__" not in path:
        nullable = Customer._meta.get_field(
            path.removesuffix("_id") if path.endswith("_id") else path
        ).null
    return _Sort(F(path), descending, kind, nullable)


def _encode_cursor(value: Any, pk: int) -> str:
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = float(value)
    raw = json.dumps([value, pk], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, kind: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(pk, int):
            raise ValueError
        if value is not None and kind == "datetime":
            value = dt.datetime.fromisoformat(value)
        elif value is not None and kind == "date":
            value = dt.date.fromisoformat(value)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise ValidationError(
            {"cursor": [_("The page link is invalid; start again from the first page.")]}
        ) from None
    return value, pk


def _after_cursor(
    queryset: QuerySet[Customer], sort: _Sort, value: Any, pk: int
) -> QuerySet[Customer]:
    """Keep the rows after (value, pk) in the order (sort nulls last, id), same direction."""
    queryset = queryset.alias(sort_value=sort.expression)
    beyond = "lt" if sort.descending else "gt"
    if value is None:
        return queryset.filter(sort_value__isnull=True, **{f"pk__{beyond}": pk})
    after = Q(**{f"sort_value__{beyond}": value}) | Q(sort_value=value, **{f"pk__{beyond}": pk})
    if not sort.nullable:
        # Implied by `after`, but as a plain range SQLite can seek the index to the cursor
        # instead of reading every row before it.
        return queryset.filter(after, **{f"sort_value__{beyond}e": value})
    return queryset.filter(after | Q(sort_value__isnull=True))


def _matching(
    user: User,
    params: ListParams,
    specs: dict[str, FieldSpec],
    visible: QuerySet[Customer] | None = None,
) -> QuerySet[Customer]:
    """Apply the view, filters and search to `visible`, by default all the user may see."""
    queryset = visible_customers(user) if visible is None else visible
    policy = policy_for(user)
    queryset = _apply_view(queryset, user, params.view, specs, policy)
    queryset = _apply_filters(queryset, specs, params.filters, policy)
    return search.search_readable(policy, queryset, params.query)


def _ordered(
    queryset: QuerySet[Customer], sort: _Sort, cursor: tuple[Any, int] | None
) -> QuerySet[Customer]:
    """Order by the sort (empty values last), then id, keeping only rows after the cursor."""
    if cursor is not None:
        queryset = _after_cursor(queryset, sort, *cursor)
    if sort.descending:
        ordering = [sort.expression.desc(nulls_last=True), F("pk").desc()]
    else:
        ordering = [sort.expression.asc(nulls_last=True), F("pk").asc()]
    return queryset.annotate(sort_value_out=sort.expression).order_by(*ordering)


def _checked_sort(specs: dict[str, FieldSpec], params: ListParams, policy: FieldPolicy) -> _Sort:
    """Return the sort, or raise one ValidationError naming the bad sort and every bad filter.

    Filters are checked on an empty queryset, which builds the conditions without a query.
    """
    errors: dict[str, list[str]] = {}
    try:
        _apply_filters(Customer.objects.none(), specs, params.filters, policy)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        sort = _sort_for(specs, params.sort, policy)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return sort


def field_refusals(
    user: User, params: ListParams, specs: dict[str, FieldSpec] | None = None
) -> dict[str, list[str]]:
    """Return the errors `list_customers` gives `params` for its fields, keyed as it keys them.

    These are the filters, the sort and the view on fields that the user's role does not read
    whole or that no longer exist. Filter values are not checked. Nothing is queried beyond the
    custom field list, and not even that when the caller passes the registry's `specs`.
    Saved views use this to tell whether they still work for the role.
    """
    specs = specs if specs is not None else field_map(FieldTarget.CUSTOMER)
    policy = policy_for(user)
    errors: dict[str, list[str]] = {}
    for raw_key in params.filters:
        key, op = _split_filter_key(raw_key)
        refusal = _filter_refusal(specs, key, op, policy)
        if refusal:
            errors.setdefault("f." + raw_key, []).append(refusal)
    try:
        _sort_for(specs, params.sort, policy)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        _apply_view(Customer.objects.none(), user, params.view, specs, policy)
    except ValidationError as error:
        errors.update(error.message_dict)
    return errors


def count_customers(user: User, params: ListParams) -> ListCount:
    """Count the customers `list_customers` would list for `params`, exactly up to MAX_COUNT.

    The page of rows does not wait for this: with a selective filter the count may have to read
    every candidate row, while the first page stops after page_size matches.
    """
    queryset = _matching(user, params, field_map(FieldTarget.CUSTOMER))
    count = queryset.order_by()[: MAX_COUNT + 1].count()
    return ListCount(count=count, is_capped=count > MAX_COUNT)


def list_customers(user: User, params: ListParams) -> ListPage:
    """Return one page of the customers `user` may see, filtered, searched and sorted.

    Raises ValidationError naming the bad parameter: an unknown field, a field the user's role
    cannot read whole, a bad value or a bad cursor.
    """
    if not 1 <= params.page_size <= MAX_PAGE_SIZE:
        raise ValidationError(
            {
                "page_size": [
                    _("The page size must be between 1 and %(max)d.") % {"max": MAX_PAGE_SIZE}
                ]
            }
        )
    specs = field_map(FieldTarget.CUSTOMER)
    sort = _checked_sort(specs, params, policy_for(user))
    cursor = _decode_cursor(params.cursor, sort.kind) if params.cursor else None
    limit = params.page_size + 1
    parts = visible_parts(user)
    if len(parts) == 1:
        page = _ordered(_matching(user, params, specs, parts[0]), sort, cursor)
    else:
        # Each part walks its own index to its first rows, and only those few are sorted together.
        first_ids: list[int] = []
        for part in parts:
            first_rows = _ordered(_matching(user, params, specs, part), sort, cursor)
            first_ids.extend(first_rows.values_list("pk", flat=True)[:limit])
        page = _ordered(Customer.objects.filter(pk__in=first_ids), sort, None)
    # The owner is in most lists; callers that show tags or the creator load them themselves.
    rows: list[Customer] = list(page.select_related("owner")[:limit])
    next_cursor = None
    if len(rows) > params.page_size:
        rows = rows[: params.page_size]
        last = rows[-1]
        next_cursor = _encode_cursor(vars(last)["sort_value_out"], last.pk)
    return ListPage(rows=rows, next_cursor=next_cursor)
