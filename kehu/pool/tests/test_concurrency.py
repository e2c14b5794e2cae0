"""Concurrent claims: one customer goes to exactly one claimer, and no limit is exceeded.

Each claim runs in its own thread with its own database connection, all released at once by a
barrier. On PostgreSQL the claims wait on the customer's row lock and on the claimer's user
row lock (kehu.pool.capacity.lock_owner). On SQLite, IMMEDIATE transactions with a busy timeout
(kehu.settings) make the writers queue, and no "database is locked" error may reach a claimer.
Run the module with DATABASE_URL pointing at PostgreSQL to test the row locks.
"""

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers.models import Customer
from kehu.org.models import Preset, User
from kehu.org.presets import preset_role
from kehu.pool import services
from kehu.pool.models import Claim
from kehu.pool.tests.fixtures import PlaceCustomer, Pools

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20


def run_together(claims: list[Callable[[], object]]) -> list[str]:
    """Run each claim in its own thread, all at once; return how each one ended."""
    barrier = threading.Barrier(len(claims))
    outcomes: list[str] = []
    guard = threading.Lock()

    def run(claim: Callable[[], object]) -> None:
        barrier.wait()
        try:
            claim()
            outcome = "claimed"
        except services.AlreadyClaimed:
            outcome = "already claimed"
        except (PermissionDenied, ValidationError):
            outcome = "refused"
        except Exception as error:
            # A database error such as "database is locked" or a deadlock fails the test.
            outcome = f"failed: {type(error).__name__}: {error}"
        finally:
            connections.close_all()
        with guard:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(claim,)) for claim in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def east_reps(personas: Personas, count: int) -> list[User]:
    role = preset_role(Preset.REP)
    return [
        User.objects.create_user(
            username=f"east{index}",
            password="test-pass-123",
            display_name=f"华东销售{index}",
            role=role,
            department_id=personas.rep.department_id,
        )
        for index in range(count)
    ]


def claim_of(user: User, customer: Customer) -> Callable[[], object]:
    return lambda: services.claim(user, customer)


def test_one_of_many_claimers_wins(personas: Personas, pools: Pools, place: PlaceCustomer) -> None:
    customer = place("争抢测试有限公司", pools.east)
    reps = east_reps(personas, THREADS)

    outcomes = run_together([claim_of(rep, customer) for rep in reps])

    assert sorted(outcomes) == ["already claimed"] * (THREADS - 1) + ["claimed"]
    owner_id = Customer.objects.get(pk=customer.pk).owner_id
    assert owner_id in {rep.pk for rep in reps}
    assert list(Claim.objects.values_list("user_id", flat=True)) == [owner_id]


def test_daily_limit_holds_under_concurrency(
    personas: Personas, pools: Pools, place: PlaceCustomer
) -> None:
    pools.east.claim_limit_on, pools.east.claim_limit = True, 5
    pools.east.save()
    customers = [place(f"限额并发{index:02d}有限公司", pools.east) for index in range(THREADS)]

    outcomes = run_together([claim_of(personas.rep, customer) for customer in customers])

    assert sorted(outcomes) == ["claimed"] * 5 + ["refused"] * (THREADS - 5)
    assert Claim.objects.filter(user=personas.rep).count() == 5
    assert Customer.objects.filter(owner=personas.rep).count() == 5


def test_capacity_holds_under_concurrency(
    personas: Personas, pools: Pools, place: PlaceCustomer
) -> None:
    pools.east.capacity_on, pools.east.capacity = True, 3
    pools.east.save()
    customer_services.create_customer(personas.rep, {"name": "已有客户有限公司"})
    customers = [place(f"容量并发{index:02d}有限公司", pools.east) for index in range(THREADS)]

    outcomes = run_together([claim_of(personas.rep, customer) for customer in customers])

    assert sorted(outcomes) == ["claimed"] * 2 + ["refused"] * (THREADS - 2)
    assert Customer.objects.filter(owner=personas.rep).count() == 3
