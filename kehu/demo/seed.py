"""Write the planned demo company through the same service functions the pages use."""

import dataclasses
import datetime as dt
import secrets

from kehu.core import clock
from kehu.customers import services as customer_services
from kehu.customers import sharing
from kehu.customers.models import Customer
from kehu.demo.contracts import seed_contracts
from kehu.demo.plan import (
    DEFAULT_CUSTOMERS,
    DEFAULT_SEED,
    DEPARTMENTS,
    USERS,
    ContactStep,
    DemoCustomer,
    FollowUpStep,
    OwnerStep,
    plan_company,
)
from kehu.demo.pools import seed_pools
from kehu.demo.tickets import seed_tickets
from kehu.org.models import Department, User
from kehu.org.presets import preset_role
from kehu.timeline import services as timeline_services

# Lower-case letters and digits without the easily confused i, l, o, 0 and 1.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_password() -> str:
    """Return a random password of four groups of four characters (about 79 bits)."""
    groups = ("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


@dataclasses.dataclass(frozen=True)
class SeedResult:
    users: list[User]
    customers: int
    follow_ups: int


def seed_company(
    password: str,
    *,
    start: dt.datetime,
    seed: int = DEFAULT_SEED,
    count: int = DEFAULT_CUSTOMERS,
) -> SeedResult:
    """Create the demo departments, users, customers, contracts and tickets; call it inside a
    transaction.

    Each customer's history is replayed in time order with the clock frozen at every step, so
    creation times, follow-ups and timeline events carry their planned dates. The clock is
    unfrozen afterwards, even if a step fails.
    """
    departments: dict[str, Department] = {}
    for department in DEPARTMENTS:
        departments[department.key] = Department.objects.create(
            name=department.name, parent=departments.get(department.parent)
        )
    users: dict[str, User] = {}
    for demo_user in USERS:
        users[demo_user.username] = User.objects.create_user(
            username=demo_user.username,
            password=password,
            display_name=demo_user.display_name,
            role=preset_role(demo_user.role),
            department=departments.get(demo_user.department),
            manager=users.get(demo_user.manager),
        )

    follow_ups = 0
    plan = plan_company(start, seed=seed, count=count)
    try:
        for planned in plan:
            follow_ups += _write_customer(planned, users)
        seed_contracts(start)
        seed_tickets(start)
        seed_pools()
    finally:
        clock.freeze(None)
    return SeedResult(users=list(users.values()), customers=len(plan), follow_ups=follow_ups)


def _write_customer(planned: DemoCustomer, users: dict[str, User]) -> int:
    """Create one customer and replay its steps; return the number of follow-ups added."""
    clock.freeze(planned.created_at)
    customer: Customer = customer_services.create_customer(
        users[planned.creator],
        planned.values,
        planned.contacts,
        owner=users[planned.owner] if planned.owner else None,
    )
    if planned.with_agent:
        # The boss assigns: the owners are reps, and reps may not assign.
        sharing.assign_agent(users["boss"], customer, users["agent"])

    follow_ups = 0
    for step in planned.steps:
        clock.freeze(step.at)
        actor = users[step.actor]
        if isinstance(step, FollowUpStep):
            timeline_services.add_follow_up(actor, customer, step.values)
            follow_ups += 1
        elif isinstance(step, ContactStep):
            customer_services.add_contact(actor, customer, step.values)
        elif isinstance(step, OwnerStep):
            new_owner = users[step.new_owner] if step.new_owner else None
            customer = customer_services.change_owner(actor, customer, new_owner)
    return follow_ups
