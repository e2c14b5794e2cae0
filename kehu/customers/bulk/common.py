"""Types and helpers shared by the customer and contact batch writers."""

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from kehu.customers.bulk.rows import RowBuilder, insert_returning_ids, insert_rows
from kehu.customers.dedup import Candidate
from kehu.customers.models import Contact
from kehu.org.models import Capability, User
from kehu.org.visibility import may_own_customers, reaches_owner
from kehu.timeline import events
from kehu.timeline.models import Event

SKIP = "skip"
UPDATE = "update"
CREATE = "create"

CREATED = "created"
UPDATED = "updated"
SKIPPED = "skipped"
REJECTED = "rejected"
CONTACT_ADDED = "contact_added"

# Customer attributes an update may change; owner, creator and creation time never change.
UPDATABLE = (
    "kind", "name", "name_key", "name_core", "short_name", "credit_code", "industry", "size",
    "province_code", "city_code", "district_code", "address", "grade", "source", "status",
    "next_follow_up_on", "notes",
)  # fmt: skip
CONTACT_UPDATABLE = ("title", "decision_role", "mobile", "phone", "email", "wechat", "notes")


@dataclasses.dataclass
class IncomingContact:
    row: int
    values: dict[str, Any]


@dataclasses.dataclass
class IncomingCustomer:
    row: int
    values: dict[str, Any]
    contacts: list[IncomingContact] = dataclasses.field(default_factory=list)
    # An owner column overrides the batch's owner for this row when `has_owner` is set.
    has_owner: bool = False
    owner: User | None = None
    creator: User | None = None
    created_at: dt.datetime | None = None


@dataclasses.dataclass
class PreparedCustomer:
    """An incoming customer after cleaning, before the duplicate check.

    `prepare_customers` builds it without reading the database, so an import can prepare rows
    in another process while it writes earlier rows.
    """

    row: int
    contact_rows: list[int]
    cleaned: dict[str, Any]
    contacts: list[tuple[int, dict[str, Any]]]  # (row, cleaned contact values)
    errors: list[tuple[int, str, str]]  # (row, field key, message)
    # The duplicate-check keys of the customer with its contacts (customer_keys), and the keys
    # that identify its contacts (contact_identity).
    keys: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    contact_identities: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    candidate: Candidate = dataclasses.field(default_factory=Candidate)
    has_owner: bool = False
    owner: User | None = None
    creator: User | None = None
    created_at: dt.datetime | None = None
    # The search index values of the customer as the row would create it.
    search_values: list[str] | None = None


@dataclasses.dataclass
class IncomingContactRow:
    """A contact row of a named customer: an Odoo-style child row, or a contacts import."""

    row: int
    customer_name: str
    values: dict[str, Any]


@dataclasses.dataclass
class RowResult:
    row: int
    outcome: str
    customer_id: int | None = None
    # (field key, message); contact fields are keyed "contact.<key>".
    errors: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    # The field key of the cell each warning is about, the value that matched a duplicate;
    # a warning missing here is about the name.
    warning_fields: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Change:
    """A record the batch created or changed, for the import's undo."""

    kind: str  # "customer" or "contact"
    action: str  # "created" or "updated"
    object_id: int
    customer_id: int
    row: int
    version: int
    before: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class BatchResult:
    rows: list[RowResult] = dataclasses.field(default_factory=list)
    changes: list[Change] = dataclasses.field(default_factory=list)
    contacts_created: int = 0


class OwnerRouter(Protocol):
    """Chooses the owners of new customers that neither their row nor the import names.

    The assignment rules (kehu.assignment) implement it; records cannot import features.
    """

    def route_batch(
        self, values: Sequence[Mapping[str, Any]]
    ) -> list[tuple[User | None, dict[str, Any]]]:
        """Return, per cleaned customer, its owner (None: the pool) and the event data that
        records the choice. Runs inside the batch's transaction."""
        ...

    def place(self, actor: User, customer_ids: list[int]) -> None:
        """Put the batch's new customers that got no owner into the pool."""
        ...


@dataclasses.dataclass
class ImportContext:
    """Settings shared by every batch of one import."""

    actor: User
    owner: User | None
    on_duplicate: str
    import_id: str
    file_name: str
    dry_run: bool = False
    # Customers this import created in earlier batches; a match on one is a repeat within the file.
    own_ids: set[int] = dataclasses.field(default_factory=set)
    # Set when the import leaves owners to the assignment rules: new customers whose row names
    # no owner get theirs from it instead of `owner`, which is then None.
    router: OwnerRouter | None = None


class FileIndex:
    """Customers of earlier rows of the same file, by duplicate-check key.

    Ids are stored customer ids, or negative placeholders until their batch is written.
    """

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str], int] = {}
        self.keys_of: dict[int, list[tuple[str, str]]] = {}
        self.contact_keys: dict[int, set[tuple[str, str]]] = {}
        self._placeholder = itertools.count(-1, -1)

    def find(self, keys: Iterable[tuple[str, str]]) -> int | None:
        key = self.find_key(keys)
        return None if key is None else self.by_key[key]

    def find_key(self, keys: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
        """Return the first of `keys` that an earlier row has, such as ("mobile", "138...")."""
        for key in keys:
            if key in self.by_key:
                return key
        return None

    def add(self, customer_id: int, keys: Iterable[tuple[str, str]]) -> None:
        for key in keys:
            if key not in self.by_key:
                self.by_key[key] = customer_id
                self.keys_of.setdefault(customer_id, []).append(key)

    def placeholder(self) -> int:
        return next(self._placeholder)

    def forget(self, customer_id: int) -> None:
        """Drop a planned customer that will not be written, so later rows do not match it."""
        for key in self.keys_of.pop(customer_id, []):
            if self.by_key.get(key) == customer_id:
                del self.by_key[key]
        self.contact_keys.pop(customer_id, None)

    def rename(self, old: int, new: int) -> None:
        keys = self.keys_of.pop(old, [])
        for key in keys:
            self.by_key[key] = new
        self.keys_of.setdefault(new, []).extend(keys)
        if old in self.contact_keys:
            self.contact_keys[new] = self.contact_keys.pop(old)


def key_field(key: tuple[str, str]) -> str:
    """Return the field key of a duplicate-check key, as row errors and warnings name fields."""
    kind = key[0]
    return f"contact.{kind}" if kind in ("mobile", "email", "wechat") else kind


def customer_keys(
    cleaned: Mapping[str, Any], contacts: Sequence[Mapping[str, Any]]
) -> list[tuple[str, str]]:
    keys = []
    if cleaned.get("credit_code"):
        keys.append(("credit_code", cleaned["credit_code"]))
    if cleaned.get("name_key"):
        keys.append(("name", cleaned["name_key"]))
    keys.extend(contact_keys(contacts))
    return keys


def contact_keys(contacts: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    keys = []
    for contact in contacts:
        for field in ("mobile", "email", "wechat"):
            if contact.get(field):
                keys.append((field, contact[field]))
    return keys


def contact_identity(contact: Mapping[str, Any]) -> set[tuple[str, str]]:
    """Return the keys that make two contacts of one customer the same person."""
    keys = set(contact_keys([contact]))
    return keys or {("name", str(contact.get("name", "")).strip().lower())}


def check_owner(actor: User, owner: User | None) -> None:
    """Raise PermissionDenied unless `actor` may import customers into `owner` (None: unassigned).

    Roles that may assign choose any active owner inside their reach, or none; the others
    import into themselves only.
    """
    if not actor.has_capability(Capability.IMPORT):
        raise PermissionDenied(_("Your role may not import customers."))
    # Roles that may not assign learn nothing about any other user, not even whether it exists.
    if not actor.has_capability(Capability.ASSIGN) and owner is not None and owner != actor:
        raise PermissionDenied(_("You may import customers only into yourself."))
    if owner is not None and not owner.is_active:
        raise PermissionDenied(_("A deactivated user cannot own customers."))
    if owner is not None and not may_own_customers(owner):
        raise PermissionDenied(_("An outside agent cannot own customers."))
    if actor.has_capability(Capability.ASSIGN):
        if owner is None or reaches_owner(actor, owner):
            return
        raise PermissionDenied(_("You may import customers only into users within your reach."))
    if owner is None or owner.pk != actor.pk:
        raise PermissionDenied(_("You may import customers only into yourself."))


@dataclasses.dataclass
class Planned:
    row: int
    cleaned: dict[str, Any]
    tags: list[str]
    contacts: list[tuple[int, dict[str, Any]]]
    owner: User | None
    creator: User
    created_at: dt.datetime | None  # None: when the batch is written
    # The search index values computed when the row was prepared; None once later rows of the
    # file changed the customer or added contacts to it.
    search_values: list[str] | None = None
    # Whether the import's router chooses the owner, and the event data it left about that.
    routed: bool = False
    routing: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Plan:
    creates: dict[int, Planned] = dataclasses.field(default_factory=dict)  # placeholder -> plan
    # stored customer id -> [(row, contact values)]
    contact_adds: dict[int, list[tuple[int, dict[str, Any]]]] = dataclasses.field(
        default_factory=dict
    )
    # stored customer id -> (first row, values, tags)
    updates: dict[int, tuple[int, dict[str, Any], list[str]]] = dataclasses.field(
        default_factory=dict
    )
    contact_updates: dict[int, tuple[int, dict[str, Any]]] = dataclasses.field(default_factory=dict)


def errors_of(error: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    return [
        (prefix + key, message)
        for key, messages in error.message_dict.items()
        for message in messages
    ]


def load_stored_contacts(
    customer_ids: set[int],
) -> dict[int, tuple[set[tuple[str, str]], list[tuple[int, set[tuple[str, str]]]]]]:
    """Return, per customer, the identity keys of its contacts and (contact id, keys) pairs."""
    found: dict[int, tuple[set[tuple[str, str]], list[tuple[int, set[tuple[str, str]]]]]] = {}
    if not customer_ids:
        return found
    rows = Contact.objects.filter(customer_id__in=customer_ids).values(
        "pk", "customer_id", "name", "mobile", "email", "wechat"
    )
    for row in rows:
        identity = contact_identity(row)
        keys, contacts = found.setdefault(row["customer_id"], (set(), []))
        keys.update(identity)
        contacts.append((row["pk"], identity))
    return found


def add_contacts(
    plan: Plan, index: FileIndex, customer_id: int, contacts: list[tuple[int, dict[str, Any]]]
) -> None:
    if customer_id in plan.creates:
        plan.creates[customer_id].contacts.extend(contacts)
        plan.creates[customer_id].search_values = None
    else:
        plan.contact_adds.setdefault(customer_id, []).extend(contacts)
    known = index.contact_keys.setdefault(customer_id, set())
    for _row, contact in contacts:
        known.update(contact_identity(contact))
    index.add(customer_id, contact_keys([c for _r, c in contacts]))


def write_contacts(
    plan: Plan,
    real_ids: dict[int, int],
    now: dt.datetime,
    result: BatchResult,
    event_rows: list[tuple[Any, ...]],
    actor: User,
) -> None:
    """Insert the contacts of new customers and the contacts added to stored customers.

    A customer's first contact becomes its primary contact unless the file marks one. Contacts
    added to a stored customer get a "contact added" event, appended to `event_rows` as a row
    of RowBuilder(Event), and an undo record, so undo removes them without the customer.
    """
    builder = RowBuilder(Contact)
    records = []
    for placeholder, planned in plan.creates.items():
        customer_id = real_ids[placeholder]
        has_primary = any(values.get("is_primary") for _row, values in planned.contacts)
        for position, (_row, values) in enumerate(planned.contacts):
            attributes = {
                **values,
                "customer_id": customer_id,
                "created_at": now,
                "updated_at": now,
            }
            if not has_primary and position == 0:
                attributes["is_primary"] = True
            records.append(attributes)
    # Only contacts of stored customers need their new ids, for undo.
    insert_rows(Contact, builder.names, builder.rows(records))
    result.contacts_created += len(records)

    with_contacts = set(
        Contact.objects.filter(customer_id__in=plan.contact_adds).values_list(
            "customer_id", flat=True
        )
    )
    added: list[tuple[int, int, str]] = []  # (row, customer id, contact name)
    added_records = []
    for pk, adds in plan.contact_adds.items():
        for row, values in adds:
            attributes = {**values, "customer_id": pk, "created_at": now, "updated_at": now}
            if pk not in with_contacts:
                attributes["is_primary"] = True
                with_contacts.add(pk)
            elif values.get("is_primary"):
                Contact.objects.filter(customer_id=pk).update(is_primary=False)
            added_records.append(attributes)
            added.append((row, pk, str(values.get("name", ""))))
    ids = insert_returning_ids(Contact, builder.names, builder.rows(added_records))
    result.contacts_created += len(added_records)
    event_builder = RowBuilder(Event)
    for contact_id, (row, customer_id, name) in zip(ids, added, strict=True):
        event_rows.append(event_builder.row_of(events.contact_added(customer_id, actor, name)))
        result.changes.append(Change("contact", "created", contact_id, customer_id, row, 1))
