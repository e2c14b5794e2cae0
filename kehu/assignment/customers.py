"""New customers whose owner the assignment rules choose: one at a time, or a batch of an import.

Pages, the API and the importer all come here when the person entering customers leaves the
owner to the rules. A customer that no rule and no default owner takes enters the pool
(kehu.pool.placement).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kehu.assignment.routing import Router
from kehu.customers import owners
from kehu.customers import services as customer_services
from kehu.customers.cleaning import clean_customer
from kehu.customers.dedup import serialize_duplicate_checks
from kehu.customers.models import Customer
from kehu.org.models import User
from kehu.pool import placement

ROUTING_KEYS = ("province_code", "city_code", "industry", "source", "grade", "custom")


def routing_values(cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """Return the values of a cleaned customer that rules read."""
    return {key: cleaned[key] for key in ROUTING_KEYS if key in cleaned}


def create_customer(
    actor: User,
    values: Mapping[str, Any],
    contacts: Sequence[Mapping[str, Any]] = (),
    *,
    allow_similar: bool = False,
) -> Customer:
    """Create a customer and give it to the owner the rules choose, or put it in the pool.

    Raises as kehu.customers.services.create_customer does. Leaving the owner to the rules
    needs the assign capability, as leaving a customer unassigned does. The routing, the
    customer and its pool entry are written in one transaction, so a rejected customer uses
    up no round-robin turn. The "created" event records the rule (or the default owner, or
    the pool) that decided.
    """
    customer_services.check_creator(actor)
    owners.check_owner(actor, None)
    try:
        cleaned = clean_customer(values)
    except ValidationError:
        # create_customer reports the errors, after the checks it runs first.
        cleaned = {}

    with transaction.atomic():
        # Take the duplicate-check lock before any rule row, in the order the importer takes
        # them, so the two cannot deadlock.
        serialize_duplicate_checks()
        route = Router("customer").route(routing_values(cleaned))
        customer = customer_services.create_customer(
            actor,
            values,
            contacts,
            owner=route.owner,
            allow_similar=allow_similar,
            routed=route.event_data(),
        )
        if route.owner is None:
            placement.place_new(actor, [customer.pk])
    return customer


class ImportRouting:
    """The owner router of an import that leaves owners to the rules (see OwnerRouter)."""

    def route_batch(
        self, values: Sequence[Mapping[str, Any]]
    ) -> list[tuple[User | None, dict[str, Any]]]:
        router = Router("customer")
        choices = []
        for cleaned in values:
            route = router.route(routing_values(cleaned))
            choices.append((route.owner, route.event_data()))
        return choices

    def place(self, actor: User, customer_ids: list[int]) -> None:
        placement.place_new(actor, customer_ids)
