"""Migration 0007 rewrites stored search rows into the value-start format and back."""

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kehu.conftest import Personas
from kehu.customers import search, services
from kehu.customers.models import Customer, SearchDocument, SearchKey
from kehu.customers.queries import visible_customers

BEFORE = ("customers", "0006_list_indexes_with_filters")
AFTER = ("customers", "0007_short_queries_in_trigram_index")


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


@pytest.fixture
def at_latest() -> Iterator[None]:
    """Migrate every app forward again afterwards.

    Going back to 0006 also unapplies the later migrations of apps that depend on the customers
    app, such as the sales app's contracts. The tests after this one need those tables.
    """
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_migration_round_trip_keeps_search(personas: Personas, at_latest: None) -> None:
    customer = services.create_customer(
        personas.rep,
        {"name": "杭州星星科技有限公司"},
        [{"name": "王芳", "mobile": "13812345678"}],
        owner=personas.rep,
    )
    current = SearchDocument.objects.get().text
    assert current.startswith(search.VALUE_START)

    _migrate(BEFORE)
    old_text = SearchDocument.objects.get().text
    assert old_text == current.removeprefix(search.VALUE_START).replace(search.VALUE_START, "\n")
    assert "王芳" in SearchKey.objects.values_list("value", flat=True)

    _migrate(AFTER)
    assert SearchDocument.objects.get().text == current
    assert SearchKey.objects.exists() == search.stores_prefix_keys()
    # Only ids: the model's later columns are not there at 0007.
    scope = visible_customers(personas.rep)
    for query in ("王", "王芳", "hzxx", "5678", "星星科技"):
        assert list(search.search(scope, query).values_list("pk", flat=True)) == [customer.pk]
    assert Customer.objects.count() == 1
