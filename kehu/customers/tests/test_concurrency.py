import threading

import pytest
from django.db import connections

from kehu.conftest import Personas
from kehu.customers import services
from kehu.customers.models import Customer

# Threads need their own connections to one database: PostgreSQL, or the SQLite file that the
# settings use for tests, where IMMEDIATE write transactions make writers queue.
pytestmark = pytest.mark.django_db(transaction=True)


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
