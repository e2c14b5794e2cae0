"""Building a handover plan: which successor receives each record of the predecessor.

`build_plan` works in these steps:
1. List the predecessor's customers that the actor's role reaches (all of them, or the chosen
   subset for an on-job transfer).
2. Give each customer a successor: its per-customer choice if there is one, else by the mode.
   USERS hands the customers out in turn among the chosen users, in customer id order,
   skipping a user once their room (kehu.customers.ownership.room) is used up. RULES routes
   each customer by the assignment rules, as a new customer with the same values would be
   routed, and a customer no rule places goes to the pool. A customer routed to someone the
   actor may not give customers to (kehu.customers.owners.check_owner) goes to the fallback
   successor, or to the pool when there is none. POOL sends every customer to the pool.
3. The predecessor's deals and contracts of those customers, and their active tickets, go to
   the customer's successor. Those of customers going to the pool, and, when the whole
   predecessor is handed over, those on other people's customers and the shares the
   predecessor received, go to the fallback successor.
4. Store one HandoverItem per record, so the preview shows, and the execution applies,
   exactly these rows.
"""

import dataclasses
import datetime as dt
import logging
from collections import Counter
from collections.abc import Mapping, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.assignment.routing import Router
from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock
from kehu.customers.models import Customer, CustomerShare
from kehu.customers.owners import check_owner
from kehu.customers.ownership import room
from kehu.customers.queries import role_reach_customers
from kehu.handover.models import Handover, HandoverItem, ItemKind, SuccessorMode
from kehu.handover.offboarding import check_handover_actor, open_offboarding
from kehu.org.models import User
from kehu.sales.queries import visible_contracts, visible_deals
from kehu.service.models import ACTIVE_STATUSES
from kehu.service.queries import visible_tickets

logger = logging.getLogger(__name__)

# Rows per INSERT statement of items.
BATCH_SIZE = 1000


@dataclasses.dataclass(frozen=True)
class PlanChoice:
    """The actor's choices for a handover.

    `successors` are the users of the USERS mode: one person, or several in turn.
    `fallback` receives the records that do not follow a customer to a person (default: the
    first successor). `customer_ids` limits an on-job transfer to some customers; None hands
    over everything. `overrides` maps a customer id to its successor (None: the pool).
    `read_only_until` keeps the predecessor's read access to the customers given to people
    until that day, for a predecessor who is still working.
    """

    mode: str
    successors: Sequence[User] = ()
    fallback: User | None = None
    customer_ids: Sequence[int] | None = None
    overrides: Mapping[int, User | None] = dataclasses.field(default_factory=dict)
    read_only_until: dt.date | None = None


def _check_choice(actor: User, predecessor: User, choice: PlanChoice) -> User | None:
    """Raise for an invalid choice; return the fallback successor."""
    if choice.mode not in SuccessorMode.values:
        raise ValidationError({"mode": [_("Choose how the successors are chosen.")]})
    if choice.mode == SuccessorMode.USERS and not choice.successors:
        raise ValidationError({"successors": [_("Choose at least one successor.")]})
    people = [*choice.successors, *(user for user in choice.overrides.values() if user)]
    fallback = choice.fallback
    if fallback is None and choice.successors:
        fallback = choice.successors[0]
    if fallback is not None:
        people.append(fallback)
    for person in people:
        if person.pk == predecessor.pk:
            raise ValidationError(
                {"successors": [_("%(user)s cannot succeed themselves.") % {"user": person}]}
            )
        try:
            check_owner(actor, person)
        except (PermissionDenied, ValidationError) as error:
            message = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise ValidationError({"successors": message}) from None
    until = choice.read_only_until
    if until is not None:
        if not predecessor.is_active:
            raise ValidationError(
                {
                    "read_only_until": [
                        _("%(user)s is deactivated, so cannot keep read-only access.")
                        % {"user": predecessor}
                    ]
                }
            )
        if until < clock.today():
            raise ValidationError(
                {"read_only_until": [_("The read-only access must end today or later.")]}
            )
        if predecessor.leaving_on is not None and until > predecessor.leaving_on:
            raise ValidationError(
                {
                    "read_only_until": [
                        _("The read-only access must end by the last working day, %(day)s.")
                        % {"day": predecessor.leaving_on.isoformat()}
                    ]
                }
            )
    return fallback


class _Assigner:
    """Hands customers out in turn among users, within each user's room."""

    def __init__(self, users: Sequence[User], requested: int) -> None:
        self.users = list(users)
        self.left = {user.pk: room(user, requested)[0] for user in self.users}
        self.turn = 0

    def next(self) -> User | None:
        for _step in range(len(self.users)):
            user = self.users[self.turn % len(self.users)]
            self.turn += 1
            if self.left[user.pk] > 0:
                self.left[user.pk] -= 1
                return user
        return None


def _route_values(customer: Customer) -> dict[str, object]:
    return {
        "province_code": customer.province_code,
        "city_code": customer.city_code,
        "industry": customer.industry,
        "source": customer.source,
        "grade": customer.grade,
        "custom": customer.custom,
    }


def _customer_successors(
    actor: User, customers: Sequence[Customer], choice: PlanChoice, fallback: User | None
) -> dict[int, User | None]:
    """Return each customer's successor (None: the pool); raise when someone has no room."""
    chosen: dict[int, User | None] = {}
    rest = [customer for customer in customers if customer.pk not in choice.overrides]
    for customer in customers:
        if customer.pk in choice.overrides:
            chosen[customer.pk] = choice.overrides[customer.pk]
    if choice.mode == SuccessorMode.POOL:
        chosen.update({customer.pk: None for customer in rest})
    elif choice.mode == SuccessorMode.RULES:
        router = Router("customer")
        allowed: dict[int, bool] = {}
        for customer in rest:
            owner = router.route(_route_values(customer)).owner
            if owner is not None and not _may_receive(actor, owner, allowed):
                owner = fallback
            chosen[customer.pk] = owner
    else:
        assigner = _Assigner(choice.successors, len(rest))
        for placed, customer in enumerate(rest):
            successor = assigner.next()
            if successor is None:
                raise ValidationError(
                    {
                        "successors": [
                            _(
                                "The successors have room for %(room)d of the %(count)d "
                                "customers. Add a successor or make room first."
                            )
                            % {"room": placed, "count": len(rest)}
                        ]
                    }
                )
            chosen[customer.pk] = successor
    _check_override_room(chosen, choice)
    return chosen


def _may_receive(actor: User, user: User, allowed: dict[int, bool]) -> bool:
    """Return whether the actor may give customers to `user`, caching the result in `allowed`."""
    if user.pk not in allowed:
        try:
            check_owner(actor, user)
        except (PermissionDenied, ValidationError):
            allowed[user.pk] = False
        else:
            allowed[user.pk] = True
    return allowed[user.pk]


def _check_override_room(chosen: Mapping[int, User | None], choice: PlanChoice) -> None:
    """Raise unless every user named per customer has room for all the customers they get."""
    counts = Counter(user.pk for user in chosen.values() if user is not None)
    named = {user.pk: user for user in choice.overrides.values() if user is not None}
    for pk, user in named.items():
        fits, reason = room(user, counts[pk])
        if fits < counts[pk]:
            raise ValidationError({"successors": [reason]})


def build_plan(actor: User, predecessor: User, choice: PlanChoice) -> Handover:
    """Store a handover plan of `predecessor`'s records; nothing moves until it is executed.

    Raises PermissionDenied as `check_handover_actor` does, or when a chosen customer is not
    the predecessor's customer in the actor's reach. Raises ValidationError for invalid choices
    (see `_check_choice`), for a successor without room, and for records that need a fallback
    successor when none was chosen. With RULES, planning takes the rules' round-robin turns,
    as routing a new customer does. Records an audit entry.
    """
    check_handover_actor(actor, predecessor)
    fallback = _check_choice(actor, predecessor, choice)
    owned = role_reach_customers(actor).filter(owner_id=predecessor.pk)
    if choice.customer_ids is not None:
        owned = owned.filter(pk__in=set(choice.customer_ids))
    customers = list(owned.order_by("pk"))
    if choice.customer_ids is not None and len(customers) != len(set(choice.customer_ids)):
        raise PermissionDenied(_("You may only hand over customers this user owns."))
    unknown = set(choice.overrides) - {customer.pk for customer in customers}
    if unknown:
        raise PermissionDenied(_("You may only hand over customers this user owns."))
    everything = choice.customer_ids is None

    now = clock.now()
    with transaction.atomic():
        successors = _customer_successors(actor, customers, choice, fallback)
        offboarding = open_offboarding(predecessor) if everything else None
        handover = Handover.objects.create(
            predecessor=predecessor,
            offboarding=offboarding,
            mode=choice.mode,
            read_only_until=choice.read_only_until,
            created_by=actor,
            created_at=now,
        )
        items = _items(actor, predecessor, handover, customers, successors, fallback, everything)
        HandoverItem.objects.bulk_create(items, batch_size=BATCH_SIZE)
        audit.record(
            actor,
            AuditAction.HANDOVER_PLANNED,
            "handover",
            handover.public_id,
            {"predecessor": str(predecessor.public_id), "items": len(items)},
        )
    logger.info(
        "handover %s of user %s planned by user %s: %d items",
        handover.pk,
        predecessor.pk,
        actor.pk,
        len(items),
    )
    return handover


def _items(
    actor: User,
    predecessor: User,
    handover: Handover,
    customers: Sequence[Customer],
    successors: Mapping[int, User | None],
    fallback: User | None,
    everything: bool,
) -> list[HandoverItem]:
    """Return the unsaved items of the plan; raise when records need a missing fallback."""
    items = [
        HandoverItem(
            handover=handover,
            kind=ItemKind.CUSTOMER,
            object_id=customer.pk,
            customer_id=customer.pk,
            successor=successors[customer.pk],
            label=customer.name,
        )
        for customer in customers
    ]
    customer_ids = [customer.pk for customer in customers]

    def successor_of(customer_id: int) -> User | None:
        if customer_id in successors and successors[customer_id] is not None:
            return successors[customer_id]
        return fallback

    deals = visible_deals(actor).filter(owner_id=predecessor.pk)
    contracts = visible_contracts(actor).filter(owner_id=predecessor.pk)
    tickets = visible_tickets(actor).filter(assignee_id=predecessor.pk, status__in=ACTIVE_STATUSES)
    shares = CustomerShare.objects.none()
    if everything:
        shares = CustomerShare.objects.filter(user_id=predecessor.pk).exclude(
            customer_id__in=customer_ids
        )
    else:
        deals = deals.filter(customer_id__in=customer_ids)
        contracts = contracts.filter(customer_id__in=customer_ids)
        tickets = tickets.filter(customer_id__in=customer_ids)
    followers: list[tuple[str, int, int, str]] = [
        (ItemKind.DEAL, pk, customer_id, name)
        for pk, customer_id, name in deals.values_list("pk", "customer_id", "name")
    ]
    followers += [
        (ItemKind.CONTRACT, pk, customer_id, number)
        for pk, customer_id, number in contracts.values_list("pk", "customer_id", "number")
    ]
    followers += [
        (ItemKind.TICKET, pk, customer_id, number)
        for pk, customer_id, number in tickets.values_list("pk", "customer_id", "number")
    ]
    followers += [
        (ItemKind.SHARE, pk, customer_id, name)
        for pk, customer_id, name in shares.values_list("pk", "customer_id", "customer__name")
    ]
    for kind, pk, customer_id, label in followers:
        successor = successor_of(customer_id)
        if successor is None:
            raise ValidationError(
                {
                    "fallback": [
                        _(
                            "Choose who receives the deals, contracts, tickets and shares "
                            "that do not go with a customer to a successor."
                        )
                    ]
                }
            )
        items.append(
            HandoverItem(
                handover=handover,
                kind=kind,
                object_id=pk,
                customer_id=customer_id,
                successor=successor,
                label=label[:200],
            )
        )
    return items
