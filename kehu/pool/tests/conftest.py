"""Fixtures of the pool tests: the company pool with its rules, and customers made at set times."""

import datetime as dt
from collections.abc import Callable, Iterator

import pytest

from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import services as customer_services
from kehu.customers.models import Customer
from kehu.org.models import User
from kehu.pool import membership
from kehu.pool.models import Pool

SHANGHAI = dt.timezone(dt.timedelta(hours=8))

MakeCustomer = Callable[..., Customer]


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """Return a moment in Shanghai time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def frozen() -> Iterator[None]:
    yield
    clock.freeze(None)


@pytest.fixture
def pool(personas: Personas, frozen: None) -> Pool:
    """The company pool, which governs every persona, with no rule switched on."""
    clock.freeze(at(2026, 1, 1))
    return membership.company_pool()


@pytest.fixture
def make_customer(personas: Personas, frozen: None) -> MakeCustomer:
    """Return a function that creates a customer of `owner` (the rep by default) at `created`."""
    counter = iter(range(1, 10_000))

    def make(created: dt.datetime, owner: User | None = None, **values: object) -> Customer:
        clock.freeze(created)
        owner = owner or personas.rep
        number = next(counter)
        fields = {"name": f"杭州西湖第{number}贸易有限公司", **values}
        return customer_services.create_customer(owner, fields, owner=owner)

    return make
