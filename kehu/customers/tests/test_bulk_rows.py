"""Plain-row inserts return the ids of their rows, in order, on SQLite and PostgreSQL."""

import pytest
from django.db import connection, transaction

from kehu.conftest import Personas
from kehu.customers import services
from kehu.customers.bulk.rows import RowBuilder, insert_returning_ids
from kehu.customers.models import Customer


def _rows(names: list[str]) -> tuple[list[str], list[tuple[object, ...]]]:
    builder = RowBuilder(Customer)
    now = "2026-12-05T08:00:00+08:00"
    records = [
        {"name": name, "name_key": name, "name_core": name, "created_at": now, "updated_at": now}
        for name in names
    ]
    return builder.names, builder.rows(records)


def test_ids_follow_row_order(personas: Personas) -> None:
    services.create_customer(personas.rep, {"name": "已有客户"})
    names = [f"客户{number:04d}" for number in range(1200)]
    columns, rows = _rows(names)

    with transaction.atomic():
        ids = insert_returning_ids(Customer, columns, rows)

    stored = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "name"))
    assert len(ids) == len(names)
    assert [stored[pk] for pk in ids] == names


@pytest.mark.django_db(transaction=True)
def test_sqlite_insert_needs_a_transaction() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL returns the ids from the INSERT itself")
    columns, rows = _rows(["无事务客户"])

    with pytest.raises(RuntimeError):
        insert_returning_ids(Customer, columns, rows)

    assert not Customer.objects.exists()
