"""Database maintenance and set-based writes shared by commands and background tasks."""

import json
import logging
import time
from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

logger = logging.getLogger(__name__)


def refresh_statistics() -> float:
    """Run ANALYZE so the query planner has current table sizes; return the seconds taken.

    SQLite keeps no statistics until ANALYZE runs, and without them it walks all of a rep's
    customers for a search that should read a handful (see docs/benchmarks.md). PostgreSQL's
    autovacuum also analyses tables, but only after enough changes.
    """
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds = time.monotonic() - started
    logger.info("ANALYZE finished in %.1f s", seconds)
    return seconds


def insert_select(
    model: type[models.Model], rows: "QuerySet[Any, Any]", columns: dict[str, Any]
) -> int:
    """Insert one `model` row per row of `rows` with a single INSERT … SELECT; return how many.

    `columns` maps field names of `model` to expressions over `rows` (F("pk"), Value(...),
    functions). Python-side defaults do not run, so every field without a database default must
    be named. Writing thousands of rows this way takes the database one statement, where
    bulk_create builds a model instance and parameters for each row.
    """
    aliases = {f"insert_{index}": expression for index, expression in enumerate(columns.values())}
    select = rows.order_by().annotate(**aliases).values_list(*aliases)
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    names: list[str] = []
    for name in columns:
        field = model._meta.get_field(name)
        if not isinstance(field, models.Field) or field.column is None:
            raise ValueError(f"{model.__name__}.{name} is not a column")
        names.append(quote(field.column))
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({', '.join(names)}) {sql}", params)
        inserted: int = cursor.rowcount
    return max(inserted, 0)


def id_list(ids: Sequence[int]) -> RawSQL:
    """Return a subquery yielding `ids`, for filters such as pk__in=id_list(ids).

    The ids travel as one JSON parameter, which the database unpacks, so a list of thousands
    costs one parameter instead of one each, and SQLite's limit on parameters never applies.
    """
    payload = json.dumps([int(pk) for pk in ids])
    if connection.vendor == "postgresql":
        return RawSQL("SELECT value::bigint FROM jsonb_array_elements_text(%s::jsonb)", [payload])
    return RawSQL("SELECT value FROM json_each(%s)", [payload])
