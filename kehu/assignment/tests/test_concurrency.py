"""Concurrent routes of one round-robin rule hand out users evenly."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections, transaction

from kehu.assignment.routing import route
from kehu.assignment.tests.conftest import MakeRule
from kehu.conftest import Personas

# Threads need their own connections, so the test data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

ROUTES = 20


def test_concurrent_round_robin_is_even(personas: Personas, make_rule: MakeRule) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time; the race needs PostgreSQL")
    users = [personas.rep, personas.rep2, personas.manager, personas.other_rep]
    make_rule(route="round_robin", users=users)
    barrier = threading.Barrier(ROUTES)
    owners: list[int] = []
    failures: list[BaseException] = []

    def route_one() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                result = route({}, target="customer")
                assert result.owner is not None
                owners.append(result.owner.pk)
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=route_one) for _ in range(ROUTES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert Counter(owners) == {user.pk: ROUTES // len(users) for user in users}
