"""Pool fixtures, offered to every test by kehu/conftest.py: pools for East and South, placing."""

import dataclasses
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from kehu.core import clock
from kehu.customers import services as customer_services
from kehu.customers.models import Customer
from kehu.org.models import User
from kehu.pool import membership
from kehu.pool.models import EntryCause, Pool, PoolEntry, PoolMember, ReturnReason

if TYPE_CHECKING:
    # kehu/conftest.py imports this module before it defines Personas.
    from kehu.conftest import Personas

PlaceCustomer = Callable[..., Customer]


@dataclasses.dataclass
class Pools:
    company: Pool
    east: Pool
    south: Pool


def department_pool(name: str, department_id: int | None, admin: User) -> Pool:
    now = clock.now()
    pool = Pool.objects.create(
        name=name, department_id=department_id, created_at=now, updated_at=now
    )
    PoolMember.objects.create(pool=pool, department_id=department_id)
    PoolMember.objects.create(pool=pool, user=admin, is_admin=True)
    return pool


@pytest.fixture
def pools(personas: "Personas") -> Pools:
    """The company pool (open to every salesperson) and a pool each for East and South.

    The managers administer their department's pool; the reps are members through their
    department.
    """
    return Pools(
        company=membership.company_pool(),
        east=department_pool("华东公海", personas.rep.department_id, personas.manager),
        south=department_pool("华南公海", personas.other_rep.department_id, personas.other_manager),
    )


@pytest.fixture
def place(personas: "Personas") -> PlaceCustomer:
    """Return a function that creates an unowned customer in `pool`, as a manager would."""

    def make(
        name: str, pool: Pool, *, previous_owner: User | None = None, **values: object
    ) -> Customer:
        customer = customer_services.create_customer(
            personas.boss, {"name": name, **values}, owner=None
        )
        PoolEntry.objects.create(
            customer=customer,
            pool=pool,
            entered_at=clock.now(),
            cause=EntryCause.PLACED,
            previous_owner=previous_owner,
        )
        return customer

    return make


@pytest.fixture
def unfrozen_clock() -> Iterator[None]:
    """Unfreeze the clock after the test, whatever happens in it."""
    yield
    clock.freeze(None)


@pytest.fixture
def no_reasons(db: None) -> None:
    """Empty the return reasons, so returning needs none."""
    ReturnReason.objects.all().delete()
