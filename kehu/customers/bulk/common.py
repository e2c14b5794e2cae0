"""Types and helpers shared by the customer and contact batch writers."""

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.utils.translation import gettext as _

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
        for key in keys:
            if key in self.by_key:
                return self.by_key[key]
        return None

    def add(self, customer_id: int, keys: Iterable[tuple[str, str]]) -> None:
        for key in keys:
            if key not in self.by_key:
                self.by_key[key] = customer_id
                self.keys_of.setdefault(customer_id, []).append(key)

    def placeholder(self) -> int:
        return next(self._placeholder)

    def rename(self, old: int, new: int) -> None:
        keys = self.keys_of.pop(old, [])
        for key in keys:
            self.by_key[key] = new
        self.keys_of.setdefault(new, []).extend(keys)
        if old in self.contact_keys:
            self.contact_keys[new] = self.contact_keys.pop(old)


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
    if owner is not None and not owner.is_active:
        raise PermissionDenied(_("A deactivated user cannot own customers."))
    if owner is not None and not may_own_customers(owner):
        raise PermissionDenied(_("An outside agent cannot own customers."))
    if actor.has_capability(Capability.ASSIGN) and (owner is None or reaches_owner(actor, owner)):
        return
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
    created_at: dt.datetime


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
    else:
        plan.contact_adds.setdefault(customer_id, []).extend(contacts)
    known = index.contact_keys.setdefault(customer_id, set())
    for _row, contact in contacts:
        known.update(contact_identity(contact))
    index.add(customer_id, contact_keys([c for _r, c in contacts]))


def insert_rows(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    rows_per_statement: int = 1,
) -> None:
    """Insert plain rows without building a model instance per row.

    bulk_create spends most of its time building instances and one large SQL string. The search
    index alone gets about nine rows per customer, so that cost was the largest part of an
    import. Values must already be in their database form.

    With the default of one row per statement the rows go through one executemany. SearchDocument
    needs several rows per statement instead, because its insert trigger feeds the SQLite FTS5
    index. There one statement per row got slower with every batch already stored. The 26,730
    documents of a 30,000-row import took 7.6 s that way and 1.1 s at 400 rows per statement
    (measured on SQLite 3.40.1, see the Import section of docs/benchmarks.md).
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = {field.name: str(field.column) for field in model._meta.concrete_fields}
    names = ", ".join(quote(fields[column]) for column in columns)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        if rows_per_statement == 1:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES {placeholders}", rows)
            return
        for start in range(0, len(rows), rows_per_statement):
            part = rows[start : start + rows_per_statement]
            values = ", ".join([placeholders] * len(part))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values}",
                [value for row in part for value in row],
            )


def _default_database() -> BaseDatabaseWrapper:
    """Return the default connection object itself.

    Every attribute read through `django.db.connection` looks up the thread's connection again,
    which adds up when done once per value.
    """
    return connections[DEFAULT_DB_ALIAS]


def insert_instances(model: type[Model], instances: Sequence[Model]) -> None:
    """Insert unsaved instances whose primary keys the caller does not need."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    database = _default_database()
    rows = [
        tuple(
            field.get_db_prep_save(getattr(instance, field.attname), database) for field in fields
        )
        for instance in instances
    ]
    insert_rows(model, [field.name for field in fields], rows)


def insert_returning_ids(model: type[Model], instances: Sequence[Model]) -> None:
    """Insert unsaved instances and set their primary keys, as bulk_create does.

    bulk_create passes every value through its SQL compiler, which made Customer and Contact
    bulk_create the largest Python cost of an import after the search index. This builds the
    same multi-row INSERT directly. Like bulk_create on SQLite and PostgreSQL it relies on
    RETURNING giving the new ids in the order of the rows.
    """
    if not instances:
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    pk_column = str(model._meta.pk.column)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(str(field.column)) for field in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    database = _default_database()
    # At most 500 rows per statement, the batch size bulk_create had here before. PostgreSQL's
    # limit of 65,535 parameters then holds for models of up to 131 columns.
    size = max(1, min(500, database.ops.bulk_batch_size(fields, instances)))
    with connection.cursor() as cursor:
        for start in range(0, len(instances), size):
            part = instances[start : start + size]
            params = [
                field.get_db_prep_save(getattr(instance, field.attname), database)
                for instance in part
                for field in fields
            ]
            values = ", ".join([placeholders] * len(part))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values} RETURNING {quote(pk_column)}",
                params,
            )
            for instance, (pk,) in zip(part, cursor.fetchall(), strict=True):
                instance.pk = pk
                instance._state.adding = False
                instance._state.db = database.alias


def write_contacts(
    plan: Plan,
    real_ids: dict[int, int],
    now: dt.datetime,
    result: BatchResult,
    event_rows: list[Event],
    actor: User,
) -> dict[int, list[Contact]]:
    contacts: list[Contact] = []
    rows: list[int] = []
    # Contacts of customers stored before this batch get their own event and undo record.
    to_stored: list[bool] = []
    for placeholder, planned in plan.creates.items():
        has_primary = any(values.get("is_primary") for _row, values in planned.contacts)
        for position, (row, values) in enumerate(planned.contacts):
            contact = Contact(
                customer_id=real_ids[placeholder], created_at=now, updated_at=now, **values
            )
            if not has_primary and position == 0:
                contact.is_primary = True
            contacts.append(contact)
            rows.append(row)
            to_stored.append(False)
    with_contacts = set(
        Contact.objects.filter(customer_id__in=plan.contact_adds).values_list(
            "customer_id", flat=True
        )
    )
    for pk, adds in plan.contact_adds.items():
        for row, values in adds:
            contact = Contact(customer_id=pk, created_at=now, updated_at=now, **values)
            if pk not in with_contacts:
                contact.is_primary = True
                with_contacts.add(pk)
            elif contact.is_primary:
                Contact.objects.filter(customer_id=pk).update(is_primary=False)
            contacts.append(contact)
            rows.append(row)
            to_stored.append(True)
    insert_returning_ids(Contact, contacts)
    result.contacts_created += len(contacts)
    for contact, row, stored in zip(contacts, rows, to_stored, strict=True):
        if stored:
            event_rows.append(events.contact_added(contact.customer_id, actor, contact.name))
            result.changes.append(
                Change("contact", "created", contact.pk, contact.customer_id, row, 1)
            )
    by_customer: dict[int, list[Contact]] = {}
    for contact in contacts:
        by_customer.setdefault(contact.customer_id, []).append(contact)
    return by_customer
