"""One page of a pool's customers, newest entries first, with filters and keyset paging.

Pages follow the (pool, -entered_at, -id) index: the next page starts after the last entry of
the one before, so page 1,000 costs what page 1 costs, and no page counts every entry. The
count shown is capped at COUNT_CAP for the same reason.
"""

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping

from django.db.models import Q, QuerySet
from django.utils import timezone

from kehu.customers.choices import Grade, Industry
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import User
from kehu.pool.models import EntryCause, Pool, PoolEntry
from kehu.pool.queries import PoolPolicy, pool_entries

PAGE_SIZE = 50
COUNT_CAP = 1000
# The maximum length of a name search, in characters; longer text is cut.
QUERY_MAX_LENGTH = 100
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class PoolFilters:
    """Filters of a pool list; empty strings filter nothing."""

    query: str = ""
    grade: str = ""
    industry: str = ""
    province: str = ""
    cause: str = ""
    previous_owner: str = ""

    def as_params(self) -> dict[str, str]:
        """Return the request parameters that give these filters back (the search is "q")."""
        values = dataclasses.asdict(self)
        values["q"] = values.pop("query")
        return {key: value for key, value in values.items() if value}


def parse_filters(params: Mapping[str, str]) -> PoolFilters:
    """Return the filters in request parameters; unknown choices are dropped, not errors."""
    grade = params.get("grade", "")
    industry = params.get("industry", "")
    cause = params.get("cause", "")
    province = params.get("province", "")
    previous_owner = params.get("previous_owner", "")
    return PoolFilters(
        query=params.get("q", "").strip()[:QUERY_MAX_LENGTH],
        grade=grade if grade in Grade.values else "",
        industry=industry if industry in Industry.values else "",
        province=province if province.isdigit() and len(province) == 2 else "",
        cause=cause if cause in EntryCause.values else "",
        previous_owner=previous_owner if _is_uuid(previous_owner) else "",
    )


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@dataclasses.dataclass
class PoolPage:
    entries: list[PoolEntry]
    # The cursor of the page after this one, empty on the last page.
    next_cursor: str
    # The entries matching the filters, up to COUNT_CAP + 1.
    count: int

    @property
    def count_capped(self) -> bool:
        return self.count > COUNT_CAP


def encode_cursor(entry: PoolEntry) -> str:
    micros = (entry.entered_at - EPOCH) // dt.timedelta(microseconds=1)
    return f"{micros}.{entry.pk}"


def decode_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    """Return the (entered_at, id) a cursor names, or None for text that is not a cursor."""
    micros, dot, pk = cursor.partition(".")
    if not dot or not micros.isdigit() or not pk.isdigit():
        return None
    moment = EPOCH + dt.timedelta(microseconds=int(micros))
    return moment, int(pk)


def filtered_entries(user: User, pool: Pool, filters: PoolFilters) -> QuerySet[PoolEntry]:
    """Return the user's visible entries of `pool` matching `filters`.

    A filter on a field the viewer may not read whole (hidden or masked, by role or by the
    pool) is ignored, because its results would tell the value.
    """
    policy = PoolPolicy(user, pool)
    specs = field_map(FieldTarget.CUSTOMER)
    entries = pool_entries(user, pool)

    def readable(key: str) -> bool:
        spec = specs.get(key)
        return spec is not None and policy.reads_whole(FieldTarget.CUSTOMER, spec)

    if filters.query and readable("name"):
        entries = entries.filter(customer__name__icontains=filters.query)
    if filters.grade and readable("grade"):
        entries = entries.filter(customer__grade=filters.grade)
    if filters.industry and readable("industry"):
        entries = entries.filter(customer__industry=filters.industry)
    if filters.province and readable("province"):
        entries = entries.filter(customer__province_code=filters.province)
    if filters.cause:
        entries = entries.filter(cause=filters.cause)
    if filters.previous_owner:
        entries = entries.filter(previous_owner__public_id=filters.previous_owner)
    return entries


def pool_page(
    user: User, pool: Pool, filters: PoolFilters, cursor: str = "", size: int = PAGE_SIZE
) -> PoolPage:
    """Return the page of `pool` after `cursor` (the first page for an empty or bad cursor)."""
    entries = filtered_entries(user, pool, filters)
    count = entries[: COUNT_CAP + 1].count()
    position = decode_cursor(cursor)
    if position is not None:
        entered_at, pk = position
        entries = entries.filter(Q(entered_at__lt=entered_at) | Q(entered_at=entered_at, pk__lt=pk))
    rows = list(
        entries.select_related("customer", "previous_owner", "reason").order_by(
            "-entered_at", "-id"
        )[: size + 1]
    )
    next_cursor = encode_cursor(rows[size - 1]) if len(rows) > size else ""
    unowned = [entry for entry in rows[:size] if entry.customer.owner_id is None]
    return PoolPage(entries=unowned, next_cursor=next_cursor, count=count)


def local_time(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
