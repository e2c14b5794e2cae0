"""The demo company as plain data: departments, users and customers with their histories.

Planning is separate from writing so the same seed and start moment always give the same
company; kehu.demo.seed writes the plan through the service functions.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from kehu.customers.choices import CustomerStatus, LeadSource
from kehu.demo import names, stories
from kehu.demo.generator import Generator
from kehu.org.models import Preset

DEFAULT_SEED = 20240501
DEFAULT_CUSTOMERS = 300
# Follow-ups reach at most this many days back from the start moment.
HISTORY_DAYS = 120


@dataclasses.dataclass(frozen=True)
class DemoDepartment:
    key: str
    name: str
    parent: str = ""  # a DemoDepartment key


@dataclasses.dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    department: str = ""  # a DemoDepartment key; "" for none
    manager: str = ""  # a username


DEPARTMENTS = [
    DemoDepartment("company", "总公司"),
    DemoDepartment("east", "华东销售部", parent="company"),
    DemoDepartment("south", "华南销售部", parent="company"),
]

USERS = [
    DemoUser("boss", "周建国", Preset.BOSS, "company"),
    DemoUser("manager", "王丽华", Preset.MANAGER, "east", manager="boss"),
    DemoUser("rep1", "李明", Preset.REP, "east", manager="manager"),
    DemoUser("rep2", "张伟", Preset.REP, "east", manager="manager"),
    DemoUser("rep3", "陈静", Preset.REP, "south", manager="boss"),
    DemoUser("agent", "赵刚", Preset.AGENT),
]

TEAM_REPS = {"east": ("rep1", "rep2"), "south": ("rep3",)}

STATUS_WEIGHTS = {
    CustomerStatus.LEAD: 28,
    CustomerStatus.FOLLOWING: 34,
    CustomerStatus.WON: 16,
    CustomerStatus.DORMANT: 13,
    CustomerStatus.LOST: 9,
}
# Grades drawn per status, so signed customers are mostly A and lost ones C or D.
GRADES = {
    CustomerStatus.LEAD: "BCCD",
    CustomerStatus.FOLLOWING: "ABBC",
    CustomerStatus.WON: "AAB",
    CustomerStatus.DORMANT: "CCD",
    CustomerStatus.LOST: "CDD",
}
SOURCE_WEIGHTS = {
    LeadSource.REFERRAL: 14,
    LeadSource.SEARCH: 12,
    LeadSource.WEBSITE: 10,
    LeadSource.EXHIBITION: 9,
    LeadSource.COLD_CALL: 9,
    LeadSource.PHONE: 8,
    LeadSource.INQUIRY: 8,
    LeadSource.PROMOTION: 6,
    LeadSource.ADVERTISING: 5,
    LeadSource.EMAIL: 4,
    LeadSource.VISIT: 3,
    LeadSource.OTHER: 2,
}
INDIVIDUAL_SHARE = 0.04
# Trade-show leads the manager entered without an owner, and dormant customers released back.
UNASSIGNED_LEADS = 6
RELEASED_TO_POOL = 4
# Customers moved between reps: east ones by the manager, south ones to the east by the boss.
EAST_TRANSFERS = 5
SOUTH_TRANSFERS = 3
AGENT_CUSTOMERS = 15
RESERVED_TAGS = ("已签合同", "展会线索")


@dataclasses.dataclass(frozen=True)
class FollowUpStep:
    at: dt.datetime
    actor: str  # a username
    values: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class ContactStep:
    at: dt.datetime
    actor: str
    values: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class OwnerStep:
    at: dt.datetime
    actor: str
    new_owner: str | None


Step = FollowUpStep | ContactStep | OwnerStep


@dataclasses.dataclass
class DemoCustomer:
    values: dict[str, Any]
    contacts: list[dict[str, Any]]  # created with the customer
    creator: str
    owner: str | None  # the owner at creation; OwnerSteps may change it
    created_at: dt.datetime
    with_agent: bool = False
    steps: list[Step] = dataclasses.field(default_factory=list)  # in time order

    def final_owner(self) -> str | None:
        owner = self.owner
        for step in self.steps:
            if isinstance(step, OwnerStep):
                owner = step.new_owner
        return owner


@dataclasses.dataclass
class _Draft:
    """A customer before the special cases (pool, transfers, agent) are chosen."""

    status: str
    team: str
    owner: str
    values: dict[str, Any]
    contacts: list[dict[str, Any]]
    later_contacts: list[dict[str, Any]]
    notes: list[stories.Note]
    created_at: dt.datetime
    moments: list[dt.datetime]
    product: str
    role: str = "normal"  # normal, unassigned, released, transfer or agent


def _ordered_sample[T](gen: Generator, pool: Sequence[T], count: int) -> list[T]:
    """Return `count` items of `pool`, kept in the pool's order (the order of a sale)."""
    picked = sorted(gen.rng.sample(range(len(pool)), min(count, len(pool))))
    return [pool[index] for index in picked]


def _story(gen: Generator, status: str) -> list[stories.Note]:
    rng = gen.rng
    opening = [rng.choice(stories.OPENING)]
    if status == CustomerStatus.LEAD:
        return opening if rng.random() < 0.6 else []
    if status == CustomerStatus.FOLLOWING:
        return (
            opening
            + _ordered_sample(gen, stories.DISCOVERY, rng.randint(1, 3))
            + _ordered_sample(gen, stories.QUOTE, rng.randint(0, 2))
        )
    if status == CustomerStatus.WON:
        return (
            opening
            + _ordered_sample(gen, stories.DISCOVERY, rng.randint(1, 2))
            + _ordered_sample(gen, stories.QUOTE, rng.randint(1, 2))
            + stories.WON[: rng.randint(1, len(stories.WON))]
        )
    if status == CustomerStatus.DORMANT:
        return (
            opening
            + _ordered_sample(gen, stories.DISCOVERY, rng.randint(0, 1))
            + [rng.choice(stories.DORMANT)]
        )
    return (
        opening
        + _ordered_sample(gen, stories.DISCOVERY, rng.randint(0, 2))
        + _ordered_sample(gen, stories.QUOTE, rng.randint(0, 1))
        + [rng.choice(stories.LOST)]
    )


# Days before the start on which a customer of each status was created, as (min, max).
CREATED_DAYS_AGO = {
    CustomerStatus.LEAD: (1, 30),
    CustomerStatus.FOLLOWING: (20, 110),
    CustomerStatus.WON: (45, 150),
    CustomerStatus.DORMANT: (70, 150),
    CustomerStatus.LOST: (30, 150),
}
# The last follow-up of a customer still in play is at most this many days old.
RECENT_DAYS = 14


def _follow_up_days(gen: Generator, status: str, created: dt.date, count: int) -> list[dt.date]:
    """Return up to `count` distinct weekdays after `created` for the customer's follow-ups."""
    first = max(created + dt.timedelta(days=1), gen.days_ago(HISTORY_DAYS))
    last = gen.days_ago(35 if status == CustomerStatus.DORMANT else 1)
    days = gen.weekdays(first, last)
    count = min(count, len(days))
    if count == 0:
        return []
    if status in (CustomerStatus.FOLLOWING, CustomerStatus.WON):
        recent = [day for day in days if day >= gen.days_ago(RECENT_DAYS)]
        if recent:
            final = gen.rng.choice(recent)
            earlier = [day for day in days if day < final]
            picked = gen.rng.sample(earlier, min(count - 1, len(earlier)))
            return [*sorted(picked), final]
    return sorted(gen.rng.sample(days, count))


def _draft(gen: Generator) -> _Draft:
    rng = gen.rng
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    if rng.random() < INDIVIDUAL_SHARE:
        values, city = gen.individual()
        contacts = [gen.contact(values["name"], None, "", city.area_code)]
    else:
        values, city, domain = gen.company()
        count = rng.choices([1, 2, 3], weights=[45, 35, 20])[0]
        contacts = gen.contacts(domain, city.area_code, count)

    values["status"] = status
    values["grade"] = rng.choice(GRADES[status])
    values["source"] = rng.choices(list(SOURCE_WEIGHTS), weights=list(SOURCE_WEIGHTS.values()))[0]
    tags = rng.sample([tag for tag in names.TAGS if tag not in RESERVED_TAGS], rng.randint(0, 2))
    if status == CustomerStatus.WON and rng.random() < 0.7:
        tags.append("已签合同")
    if values["source"] == LeadSource.EXHIBITION:
        tags.append("展会线索")
    if tags:
        values["tags"] = tags
    if rng.random() < 0.25:
        values["notes"] = rng.choice(stories.CUSTOMER_NOTES)

    low, high = CREATED_DAYS_AGO[status]
    created = gen.days_ago(rng.randint(low, high))
    notes = _story(gen, status)
    days = _follow_up_days(gen, status, created, len(notes))
    notes = notes[: len(days)]
    # Contacts after the first are met later in half the cases, once there was a follow-up.
    later = [c for c in contacts[1:] if days[1:] and rng.random() < 0.5]
    return _Draft(
        status=status,
        team=city.team,
        owner=rng.choice(TEAM_REPS[city.team]),
        values=values,
        contacts=[c for c in contacts if c not in later],
        later_contacts=later,
        notes=notes,
        created_at=gen.office_time(created, earliest=8),
        moments=[gen.office_time(day) for day in days],
        product=rng.choice(names.PRODUCTS),
    )


def _choose_roles(gen: Generator, drafts: list[_Draft]) -> None:
    """Mark the customers that show the pool, transfers and the outside agent."""

    def pick(count: int, role: str, condition: Callable[[_Draft], bool]) -> list[_Draft]:
        candidates = [d for d in drafts if d.role == "normal" and condition(d)]
        chosen = gen.rng.sample(candidates, min(count, len(candidates)))
        for draft in chosen:
            draft.role = role
        return chosen

    for draft in pick(UNASSIGNED_LEADS, "unassigned", lambda d: d.status == CustomerStatus.LEAD):
        draft.values["source"] = LeadSource.EXHIBITION
        draft.values["tags"] = [*draft.values.get("tags", []), "展会线索"]
        draft.values["tags"] = list(dict.fromkeys(draft.values["tags"]))
    pick(
        RELEASED_TO_POOL,
        "released",
        lambda d: d.status == CustomerStatus.DORMANT and d.team == "east" and len(d.moments) >= 1,
    )
    in_play = (CustomerStatus.FOLLOWING, CustomerStatus.WON)
    pick(
        EAST_TRANSFERS,
        "transfer",
        lambda d: d.team == "east" and d.status in in_play and len(d.moments) >= 2,
    )
    pick(
        SOUTH_TRANSFERS,
        "transfer",
        lambda d: d.team == "south" and d.status in in_play and len(d.moments) >= 2,
    )
    pick(AGENT_CUSTOMERS, "agent", lambda d: d.team == "south" and len(d.moments) >= 2)


def _next_date(gen: Generator, status: str, last_day: dt.date) -> dt.date | None:
    """Return the next follow-up date planned at a customer's latest follow-up."""
    rng = gen.rng
    if status == CustomerStatus.WON:
        return gen.today + dt.timedelta(days=rng.randint(20, 80))
    if status not in (CustomerStatus.LEAD, CustomerStatus.FOLLOWING):
        return None
    roll = rng.random()
    if roll < 0.15:
        planned = gen.today
    elif roll < 0.4:
        planned = gen.days_ago(rng.randint(1, 7))
    else:
        planned = gen.today + dt.timedelta(days=rng.randint(1, RECENT_DAYS))
    return max(planned, last_day + dt.timedelta(days=1))


def _customer(gen: Generator, draft: _Draft) -> DemoCustomer:
    """Turn a draft into a customer whose steps the services can replay in order."""
    rng = gen.rng
    owner: str | None = None if draft.role == "unassigned" else draft.owner
    creator = "manager" if draft.role == "unassigned" else draft.owner
    customer = DemoCustomer(
        values=draft.values,
        contacts=draft.contacts,
        creator=creator,
        owner=owner,
        created_at=draft.created_at,
        with_agent=draft.role == "agent",
    )
    notes = list(draft.notes)
    if draft.role == "agent":
        agent_index = rng.randrange(1, len(notes))
        notes[agent_index] = rng.choice(stories.AGENT)
    else:
        agent_index = -1
    transfer_after = rng.randrange(1, len(notes)) if draft.role == "transfer" else -1
    contacts_after: dict[int, list[dict[str, Any]]] = {}
    for contact in draft.later_contacts:
        contacts_after.setdefault(rng.randrange(1, len(notes)), []).append(contact)
    first_contact = draft.contacts[0]["name"]

    current = owner
    for index, (note, at) in enumerate(zip(notes, draft.moments, strict=True)):
        if index == transfer_after:
            new_owner = (
                "rep1"
                if draft.team == "south"
                else next(r for r in TEAM_REPS["east"] if r != current)
            )
            actor = "boss" if draft.team == "south" else "manager"
            customer.steps.append(OwnerStep(at - dt.timedelta(hours=2), actor, new_owner))
            current = new_owner
        author = "agent" if index == agent_index else (current or "manager")
        values = {
            "kind": note.kind,
            "occurred_at": at,
            "content": note.content.format(contact=first_contact, product=draft.product),
        }
        for key in ("purpose", "result", "next_step"):
            text = getattr(note, key)
            if text:
                values[key] = text.format(contact=first_contact, product=draft.product)
        if index == len(notes) - 1:
            next_on = _next_date(gen, draft.status, at.astimezone(gen.zone).date())
            if next_on is not None:
                values["next_follow_up_on"] = next_on
        customer.steps.append(FollowUpStep(at, author, values))
        for offset, contact in enumerate(contacts_after.get(index, []), start=1):
            met_at = at + dt.timedelta(minutes=20 * offset)
            customer.steps.append(ContactStep(met_at, current or "manager", contact))

    if not notes and draft.status == CustomerStatus.LEAD and rng.random() < 0.5:
        customer.values["next_follow_up_on"] = gen.today + dt.timedelta(days=rng.randint(0, 7))
    if draft.role == "released":
        last_day = draft.moments[-1].astimezone(gen.zone).date()
        release_day = min(last_day + dt.timedelta(days=rng.randint(1, 10)), gen.days_ago(1))
        customer.steps.append(OwnerStep(gen.office_time(release_day, earliest=17), "manager", None))
    return customer


def plan_company(
    start: dt.datetime, *, seed: int = DEFAULT_SEED, count: int = DEFAULT_CUSTOMERS
) -> list[DemoCustomer]:
    """Return `count` customers whose histories end before the day of `start`."""
    gen = Generator(seed, start)
    drafts = [_draft(gen) for _ in range(count)]
    _choose_roles(gen, drafts)
    return [_customer(gen, draft) for draft in drafts]
