import threading

import pytest
from django.db import connection, connections

from kehu.conftest import Personas
from kehu.customers import services
from kehu.customers.models import Customer

# SQLite serialises writers by its immediate write transactions, but the in-memory test
# database is shared between threads through shared-cache table locks, which fail instead of
# waiting; the race is real only on PostgreSQL.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs a database that threads can share"
    ),
]


def test_simultaneous_creates_make_one_customer(personas: Personas) -> None:
    users = [personas.rep, personas.rep2, personas.manager, personas.boss]
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []

    def create(actor_index: int) -> None:
        barrier.wait()
        try:
            services.create_customer(users[actor_index], {"name": "并发测试科技有限公司"})
            outcomes.append("created")
        except services.DuplicateCustomer:
            outcomes.append("duplicate")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(index,)) for index in range(len(users))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created", "duplicate", "duplicate", "duplicate"]
    assert Customer.objects.filter(name="并发测试科技有限公司").count() == 1
