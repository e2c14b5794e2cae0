"""Choose the owner of a new customer or lead by the assignment rules.

`Router.route` works in these steps:
1. Try the active rules that apply to the target in position order. A rule matches when every
   condition it sets holds for the record's values.
2. List the matching rule's candidates: its user, its users, or the members of its department
   and the departments below it. Deactivated users, outside agents, users whose offboarding
   has started (User.leaving_on) and users without room for one more customer
   (kehu.customers.ownership.has_room) are skipped.
3. When nobody is left, go on to the next matching rule. A rule whose people are all away or
   full then does not send records to the pool while a later, broader rule can still place
   them; an administrator who wants the pool instead ends the list with no catch-all rule.
4. Pick one candidate. Round-robin takes the candidate after the rule's cursor, in user id
   order; least-loaded takes the candidate with the fewest owned customers (or, for leads, the
   lowest load the caller's `load` function reports), ties broken in round-robin order. Both
   lock the rule's row until the transaction ends, so concurrent routes of one rule take
   turns and see each other's records.
5. When no rule picks anyone, the target's default owner receives the record if that user is
   active, is not leaving, may own customers and has room; otherwise the route has no owner
   and the caller puts the record in the pool.

The values a rule reads are "province_code", "city_code", "industry", "source", "grade" and
"custom" (custom field key, without the "cf_" prefix, to value), as cleaned customers have them.
"""

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from django.db import transaction
from django.db.models import Count

from kehu.assignment.models import AssignmentRule, RouteKind, RoutingDefault
from kehu.customers.models import Customer
from kehu.customers.ownership import has_room
from kehu.org.models import Department, User
from kehu.org.visibility import may_own_customers

Target = Literal["customer", "lead"]
# Takes user ids and returns each user's load (such as open leads); missing ids count as 0.
LoadFunction = Callable[[list[int]], Mapping[int, int]]


@dataclasses.dataclass(frozen=True)
class Route:
    """The outcome of routing: the owner (None: the pool) and the rule that chose it.

    An owner without a rule is the default owner.
    """

    owner: User | None
    rule: AssignmentRule | None

    def event_data(self) -> dict[str, Any]:
        """Return what the record's timeline keeps about how its owner was chosen."""
        if self.rule is not None:
            return {
                "routing": "rule",
                "rule": str(self.rule.public_id),
                "rule_name": self.rule.name,
            }
        return {"routing": "default" if self.owner is not None else "pool"}


def matches(rule: AssignmentRule, values: Mapping[str, Any]) -> bool:
    """Return whether every condition of `rule` holds for `values`."""
    if rule.regions:
        places = {values.get("province_code") or "", values.get("city_code") or ""}
        if not places & set(rule.regions):
            return False
    for listed, key in (
        (rule.industries, "industry"),
        (rule.sources, "source"),
        (rule.grades, "grade"),
    ):
        if listed and (values.get(key) or "") not in listed:
            return False
    custom = values.get("custom") or {}
    for condition in rule.custom_conditions:
        value = custom.get(condition["field"])
        if value is None or str(value).strip() not in condition["values"]:
            return False
    return True


class Router:
    """Routes records of one target, one after another, inside the caller's transaction.

    It remembers how many records it gave each user, so a batch (an import) spreads its
    records and respects capacities before any of them is written. Build one per transaction:
    the rule rows it locks stay locked until that transaction ends.
    """

    def __init__(self, target: Target, *, load: LoadFunction | None = None) -> None:
        self.target = target
        self.load = load
        self._rules: list[AssignmentRule] | None = None
        self._candidates: dict[int, list[User]] = {}
        self._locked: dict[int, AssignmentRule] = {}
        self._base_loads: dict[int, int] = {}
        self.handed_out: Counter[int] = Counter()

    def route(self, values: Mapping[str, Any]) -> Route:
        """Return the owner for a new record with `values` and count it as handed out."""
        for rule in self._active_rules():
            if not matches(rule, values):
                continue
            owner = self._pick(rule)
            if owner is not None:
                self.handed_out[owner.pk] += 1
                return Route(owner, rule)
        owner = self._default_owner()
        if owner is not None:
            self.handed_out[owner.pk] += 1
        return Route(owner, None)

    def _active_rules(self) -> list[AssignmentRule]:
        if self._rules is None:
            rules = AssignmentRule.objects.filter(is_active=True).select_related("user__role")
            self._rules = [rule for rule in rules if rule.applies(self.target)]
        return self._rules

    def _has_room(self, user: User) -> bool:
        return has_room(user, self.handed_out[user.pk] + 1)

    def _pick(self, rule: AssignmentRule) -> User | None:
        candidates = self._eligible(rule)
        if not candidates:
            return None
        if rule.route == RouteKind.USER:
            user = candidates[0]
            return user if self._has_room(user) else None

        locked = self._lock(rule)
        ordered = _after_cursor(candidates, locked.cursor)
        if rule.route == RouteKind.LEAST_LOADED:
            loads = self._loads([user.pk for user in ordered])
            # sorted() keeps the round-robin order among equal loads.
            ordered = sorted(ordered, key=lambda user: loads[user.pk])
        for user in ordered:
            if self._has_room(user):
                locked.cursor = user.pk
                AssignmentRule.objects.filter(pk=rule.pk).update(cursor=user.pk)
                return user
        return None

    def _lock(self, rule: AssignmentRule) -> AssignmentRule:
        """Lock the rule's row once per transaction and return it with its current cursor."""
        if rule.pk not in self._locked:
            self._locked[rule.pk] = (
                AssignmentRule.objects.select_for_update().only("pk", "cursor").get(pk=rule.pk)
            )
        return self._locked[rule.pk]

    def _eligible(self, rule: AssignmentRule) -> list[User]:
        """Return the rule's candidates who may own records now, in user id order."""
        if rule.pk not in self._candidates:
            people: Iterable[User]
            if rule.route == RouteKind.USER:
                people = [rule.user] if rule.user is not None else []
            elif rule.department_id is not None:
                department = Department(pk=rule.department_id)
                people = User.objects.filter(
                    department_id__in=department.subtree_ids()
                ).select_related("role")
            else:
                people = rule.users.select_related("role")
            self._candidates[rule.pk] = sorted(
                (user for user in people if _may_receive(user)), key=lambda user: user.pk
            )
        return self._candidates[rule.pk]

    def _loads(self, user_ids: list[int]) -> dict[int, int]:
        """Return each user's load plus the records this router already gave them."""
        missing = [pk for pk in user_ids if pk not in self._base_loads]
        if missing:
            if self.load is not None:
                found = dict(self.load(missing))
            else:
                found = dict(
                    Customer.objects.filter(owner_id__in=missing)
                    .values_list("owner_id")
                    .annotate(count=Count("pk"))
                    .values_list("owner_id", "count")
                )
            for pk in missing:
                self._base_loads[pk] = found.get(pk, 0)
        return {pk: self._base_loads[pk] + self.handed_out[pk] for pk in user_ids}

    def _default_owner(self) -> User | None:
        default = (
            RoutingDefault.objects.filter(target=self.target).select_related("owner__role").first()
        )
        owner = default.owner if default is not None else None
        if owner is None or not _may_receive(owner) or not self._has_room(owner):
            return None
        return owner


def _may_receive(user: User) -> bool:
    return may_own_customers(user) and not user.is_leaving


def _after_cursor(users: list[User], cursor: int | None) -> list[User]:
    """Return `users` (in id order) rotated to start after the user with id `cursor`."""
    if cursor is None:
        return list(users)
    later = [user for user in users if user.pk > cursor]
    return later + [user for user in users if user.pk <= cursor]


def route(values: Mapping[str, Any], *, target: Target, load: LoadFunction | None = None) -> Route:
    """Return the owner the rules give a new `target` record with `values` (None: the pool).

    Runs in the caller's transaction when there is one, and then the rule rows it locks stay
    locked until that transaction ends. Call it in the transaction that writes the record, so
    that a failed write also undoes the round-robin turn.
    """
    with transaction.atomic():
        return Router(target, load=load).route(values)
