"""Plain-row inserts for the batch writers: rows of database values, no model instances.

bulk_create builds a model instance per row and passes every value through Django's SQL
compiler. For an import of 100,000 customers, with their contacts, events and search index
rows, that was the largest Python cost of the import (the Import section of
docs/benchmarks.md). The writers here build the rows and the INSERT statements directly.
"""

import os
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

# Fields whose database value is the attribute value itself when that is a str, int, bool or
# None: get_db_prep_save only calls str(), int() or bool() on them.
PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)
# Maximum rows per multi-row INSERT ... RETURNING, the batch size bulk_create had here before.
RETURNING_ROWS = 500
POSTGRESQL_MAX_PARAMETERS = 65535
# Conversions of a column's attribute values into database values, in RowBuilder.
PLAIN = "plain"  # the value itself
ONCE_PER_VALUE = "once per value"  # get_db_prep_save, remembered per distinct value
EVERY_VALUE = "every value"  # get_db_prep_save for every row
# The bits of a 128-bit UUID that hold its version and variant (RFC 9562, section 4).
_UUID_FIXED_BITS = (0xF000 << 64) | (0xC000 << 48)
_UUID_VERSION_4 = (0x4000 << 64) | (0x8000 << 48)


def default_database() -> BaseDatabaseWrapper:
    """Return the default connection object itself.

    Every attribute read through `django.db.connection` looks up the thread's connection again,
    which adds up when done once per value.
    """
    return connections[DEFAULT_DB_ALIAS]


def random_uuid_numbers(count: int) -> list[int]:
    """Return `count` random version 4 UUIDs as 128-bit numbers, as uuid.uuid4 makes them.

    One read of the system's random source for all of them, without a UUID object per value,
    takes about a third of the time of uuid4().hex per row.
    """
    data = os.urandom(16 * count)
    return [
        int.from_bytes(data[start : start + 16]) & ~_UUID_FIXED_BITS | _UUID_VERSION_4
        for start in range(0, len(data), 16)
    ]


class RowBuilder:
    """Build the INSERT rows of one model from attribute values, in database form.

    A column missing from the values gets the field's default, as a new model instance would,
    and a new random UUID per row for a UUID field whose default is uuid.uuid4. Values of
    PLAIN_FIELDS must be str, int, bool or None. The other fields (UUIDs, dates, JSON) go
    through get_db_prep_save. Date and time values are converted once per distinct value,
    because the rows of a batch share their creation time, so build a new builder per batch.
    """

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self.database = default_database()
        fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        self.fields = fields
        self.names = [field.name for field in fields]
        # The row of a record given no values, then the columns that get a new UUID per row.
        self._defaults: list[Any] = []
        self._fresh_uuids: list[int] = []
        # attribute name -> (position, field, how its values are converted)
        self._slots: dict[str, tuple[int, Any, str]] = {}
        for position, field in enumerate(fields):
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                # Such a field gets its value in pre_save, which plain rows skip.
                raise TypeError(f"RowBuilder cannot fill {field}, which sets itself on save.")
            if isinstance(field, models.UUIDField) and field.default is uuid.uuid4:
                self._fresh_uuids.append(position)
                self._defaults.append(None)
            else:
                self._defaults.append(field.get_db_prep_save(field.get_default(), self.database))
            if isinstance(field, PLAIN_FIELDS):
                conversion = PLAIN
            elif isinstance(field, models.DateField):
                conversion = ONCE_PER_VALUE
            else:
                conversion = EVERY_VALUE
            self._slots[field.attname] = (position, field, conversion)
        self._converted: dict[tuple[str, Any], Any] = {}

    def rows(self, records: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """Return the rows of records given as values keyed by attribute name (owner_id)."""
        database = self.database
        converted = self._converted
        rows = []
        for values in records:
            row = self._defaults.copy()
            for name, value in values.items():
                position, field, conversion = self._slots[name]
                if conversion == PLAIN or value is None:
                    row[position] = value
                elif conversion == ONCE_PER_VALUE:
                    key = (name, value)
                    if key not in converted:
                        converted[key] = field.get_db_prep_save(value, database)
                    row[position] = converted[key]
                else:
                    row[position] = field.get_db_prep_save(value, database)
            rows.append(row)
        self._fill_uuids(rows)
        return [tuple(row) for row in rows]

    def _fill_uuids(self, rows: list[list[Any]]) -> None:
        native = self.database.features.has_native_uuid_field
        for position in self._fresh_uuids:
            missing = [row for row in rows if row[position] is None]
            for row, number in zip(missing, random_uuid_numbers(len(missing)), strict=True):
                # The database value of a UUIDField: the UUID itself, or its 32 hex digits.
                row[position] = uuid.UUID(int=number) if native else f"{number:032x}"

    def row_of(self, instance: Model) -> tuple[Any, ...]:
        """Return the row of an unsaved instance, such as an Event from kehu.timeline.events."""
        values = {name: getattr(instance, name) for name in self._slots}
        return self.rows([values])[0]


def insert_rows(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    rows_per_statement: int = 1,
) -> None:
    """Insert plain rows, in database form, into the columns of the named model fields.

    With the default of one row per statement the rows go through one executemany. SearchDocument
    needs several rows per statement instead, because its insert trigger feeds the SQLite FTS5
    index. There one statement per row got slower with every batch already stored. The 26,730
    documents of a 30,000-row import took 7.6 s that way and 1.1 s at 400 rows per statement
    (measured on SQLite 3.40.1, see the Import section of docs/benchmarks.md).
    """
    if not rows:
        return
    database = default_database()
    table, names, placeholders = _statement_parts(database, model, columns)
    with database.cursor() as cursor:
        if rows_per_statement == 1:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES {placeholders}", rows)
            return
        for start in range(0, len(rows), rows_per_statement):
            part = rows[start : start + rows_per_statement]
            values = ", ".join([placeholders] * len(part))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values}",
                [value for row in part for value in row],
            )


def insert_returning_ids(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert plain rows and return their new primary keys, in the order of the rows.

    On PostgreSQL, like bulk_create, this relies on a multi-row INSERT ... RETURNING giving the
    new ids in the order of its rows. On SQLite see `_insert_consecutive`.
    """
    if not rows:
        return []
    database = default_database()
    table, names, placeholders = _statement_parts(database, model, columns)
    pk_column = database.ops.quote_name(str(model._meta.pk.column))
    if database.vendor == "sqlite":
        return _insert_consecutive(database, table, names, placeholders, pk_column, rows)
    # Django gives no parameter limit for PostgreSQL, whose protocol allows 65,535.
    limit = database.features.max_query_params or POSTGRESQL_MAX_PARAMETERS
    size = max(1, min(RETURNING_ROWS, limit // len(columns)))
    ids: list[int] = []
    with database.cursor() as cursor:
        for start in range(0, len(rows), size):
            part = rows[start : start + size]
            values = ", ".join([placeholders] * len(part))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values} RETURNING {pk_column}",
                [value for row in part for value in row],
            )
            ids.extend(pk for (pk,) in cursor.fetchall())
    if len(ids) != len(rows):
        raise RuntimeError(f"Inserted {len(rows)} {model.__name__} rows but got {len(ids)} ids.")
    return ids


def _insert_consecutive(
    database: BaseDatabaseWrapper,
    table: str,
    names: str,
    placeholders: str,
    pk_column: str,
    rows: Sequence[Sequence[Any]],
) -> list[int]:
    """Insert rows on SQLite with one executemany and return the ids SQLite gave them.

    A write transaction on SQLite holds the only write lock, and a row inserted without an id
    gets one more than the largest id so far, so the rows of one executemany get consecutive ids
    ending at last_insert_rowid(). Counting the rows in that range checks it. This took about
    two thirds of the time of multi-row INSERT ... RETURNING statements with the same rows
    (40,000 customers: 1.2 s against 1.8 s).
    """
    if not database.in_atomic_block:
        raise RuntimeError("Consecutive ids need the write lock of a transaction.")
    with database.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES {placeholders}", rows)
        cursor.execute("SELECT last_insert_rowid()")
        (last,) = cursor.fetchone()
        first = last - len(rows) + 1
        cursor.execute(
            f"SELECT count(*) FROM {table} WHERE {pk_column} BETWEEN %s AND %s", [first, last]
        )
        (count,) = cursor.fetchone()
    if count != len(rows):
        raise RuntimeError(f"Inserted {len(rows)} rows into {table} without consecutive ids.")
    return list(range(first, last + 1))


def insert_instances(model: type[Model], instances: Sequence[Model]) -> None:
    """Insert unsaved instances whose primary keys the caller does not need."""
    builder = RowBuilder(model)
    insert_rows(model, builder.names, [builder.row_of(instance) for instance in instances])


def _statement_parts(
    database: BaseDatabaseWrapper, model: type[Model], columns: Sequence[str]
) -> tuple[str, str, str]:
    quote = database.ops.quote_name
    fields = {field.name: str(field.column) for field in model._meta.concrete_fields}
    names = ", ".join(quote(fields[column]) for column in columns)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return quote(model._meta.db_table), names, placeholders
