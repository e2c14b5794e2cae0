"""Duplicate check (查重) shared by every way a customer comes in.

An exact match (same normalised company name, credit code, mobile, email or WeChat ID) blocks
creation; a close match (same name once brackets, branch names and 集团 are dropped) only warns.
Individuals are never matched by name. Matches
are searched across the whole company, not only what the user can see, but the message names
only the current owner, never the other customer's details.
"""

import dataclasses
from collections.abc import Collection, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils.translation import gettext as _

from kehu.customers.choices import CustomerKind
from kehu.customers.models import Contact, Customer


@dataclasses.dataclass
class Candidate:
    """The duplicate-check keys of one incoming customer, already normalised."""

    # Only companies are matched by name: two people may share a name such as 张伟.
    name_key: str = ""
    name_core: str = ""
    credit_code: str = ""
    mobiles: Sequence[str] = ()
    emails: Sequence[str] = ()
    wechats: Sequence[str] = ()


@dataclasses.dataclass(frozen=True)
class Match:
    customer_id: int
    owner_label: str  # the owner's display name, or "" when unassigned
    reason: str  # which key matched: name, credit_code, mobile, email, wechat or similar_name
    exact: bool

    @property
    def field(self) -> str:
        """Return the field key of the value that matched, "contact.mobile" for a mobile."""
        if self.reason in ("mobile", "email", "wechat"):
            return f"contact.{self.reason}"
        if self.reason == "credit_code":
            return "credit_code"
        return "name"

    def message(self) -> str:
        """Return the message for people: the reason and the current owner, nothing else."""
        owned = {
            "name": _("A customer with the same company name already exists (owner: %(owner)s)."),
            "credit_code": _(
                "A customer with the same unified social credit code already exists "
                "(owner: %(owner)s)."
            ),
            "mobile": _(
                "A customer with the same mobile number already exists (owner: %(owner)s)."
            ),
            "email": _("A customer with the same email address already exists (owner: %(owner)s)."),
            "wechat": _("A customer with the same WeChat ID already exists (owner: %(owner)s)."),
            "similar_name": _("A customer with a similar name already exists (owner: %(owner)s)."),
        }
        unassigned = {
            "name": _("A customer with the same company name already exists (unassigned)."),
            "credit_code": _(
                "A customer with the same unified social credit code already exists (unassigned)."
            ),
            "mobile": _("A customer with the same mobile number already exists (unassigned)."),
            "email": _("A customer with the same email address already exists (unassigned)."),
            "wechat": _("A customer with the same WeChat ID already exists (unassigned)."),
            "similar_name": _("A customer with a similar name already exists (unassigned)."),
        }
        if self.owner_label:
            return owned[self.reason] % {"owner": self.owner_label}
        return unassigned[self.reason]


# PostgreSQL advisory lock taken by every writer that checks for duplicates: "kehu" in ASCII.
DEDUP_LOCK_KEY = 0x6B656875


def serialize_duplicate_checks() -> None:
    """Make concurrent writers check for duplicates and insert one at a time.

    Call it inside the transaction, before the check. Without it two requests for the same new
    company both find no match and both insert. SQLite already serialises writers because Kehu
    starts write transactions IMMEDIATE; PostgreSQL takes a transaction-level advisory lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DEDUP_LOCK_KEY])


def find_matches(
    candidates: Sequence[Candidate], exclude_ids: Sequence[int] = ()
) -> list[list[Match]]:
    """Return, for each candidate, its matches among stored customers (exact ones first).

    Runs a fixed number of queries however many candidates there are, so the importer can check
    a whole batch at once.
    """
    name_keys = {c.name_key for c in candidates if c.name_key}
    cores = {c.name_core for c in candidates if c.name_core}
    codes = {c.credit_code for c in candidates if c.credit_code}
    mobiles = {m for c in candidates for m in c.mobiles if m}
    emails = {e for c in candidates for e in c.emails if e}
    wechats = {w for c in candidates for w in c.wechats if w}

    by_name: dict[str, list[int]] = {}
    by_core: dict[str, list[int]] = {}
    by_code: dict[str, list[int]] = {}
    for pk, key, core, code, kind in _stored_customers(name_keys, cores, codes, exclude_ids):
        if kind == CustomerKind.COMPANY:
            by_name.setdefault(key, []).append(pk)
            by_core.setdefault(core, []).append(pk)
        if code:
            by_code.setdefault(code, []).append(pk)

    by_contact: dict[tuple[str, str], list[int]] = {}
    for customer_id, mobile, email, wechat in _stored_contacts(
        mobiles, emails, wechats, exclude_ids
    ):
        for kind, value in (("mobile", mobile), ("email", email), ("wechat", wechat)):
            if value:
                by_contact.setdefault((kind, value), []).append(customer_id)

    results: list[list[tuple[int, str, bool]]] = []
    for candidate in candidates:
        found: dict[int, tuple[str, bool]] = {}

        def add(
            ids: list[int], reason: str, exact: bool, found: dict[int, tuple[str, bool]] = found
        ) -> None:
            for pk in ids:
                if pk not in found or (exact and not found[pk][1]):
                    found[pk] = (reason, exact)

        add(
            by_code.get(candidate.credit_code, []) if candidate.credit_code else [],
            "credit_code",
            True,
        )
        add(by_name.get(candidate.name_key, []) if candidate.name_key else [], "name", True)
        for kind, values in (
            ("mobile", candidate.mobiles),
            ("email", candidate.emails),
            ("wechat", candidate.wechats),
        ):
            for value in values:
                add(by_contact.get((kind, value), []), kind, True)
        add(
            by_core.get(candidate.name_core, []) if candidate.name_core else [],
            "similar_name",
            False,
        )
        results.append([(pk, reason, exact) for pk, (reason, exact) in found.items()])

    owner_labels = _owner_labels({pk for matches in results for pk, _r, _e in matches})
    return [
        sorted(
            (Match(pk, owner_labels.get(pk, ""), reason, exact) for pk, reason, exact in matches),
            key=lambda m: (not m.exact, m.customer_id),
        )
        for matches in results
    ]


def _any_of(column: str, values: Collection[Any]) -> tuple[str, list[Any]]:
    """Return an SQL condition that `column` is one of `values` (not empty), with its params."""
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _all_of(terms: list[tuple[str, list[Any]]], joiner: str) -> tuple[str, list[Any]]:
    sql = f" {joiner} ".join(f"({term})" for term, _params in terms)
    return sql, [param for _term, params in terms for param in params]


def _select(
    model: type[Model],
    columns: list[str],
    condition: tuple[str, list[Any]],
    exclude: str,
    exclude_ids: Collection[int],
) -> list[tuple[Any, ...]]:
    """Run SELECT `columns` FROM the model's table WHERE condition, leaving out exclude_ids."""
    sql, params = condition
    if exclude_ids:
        excluded, excluded_params = _any_of(exclude, exclude_ids)
        sql, params = f"({sql}) AND NOT {excluded}", params + excluded_params
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {model._meta.db_table} WHERE {sql}", params
        )
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


def _stored_customers(
    name_keys: set[str], cores: set[str], codes: set[str], exclude_ids: Collection[int]
) -> list[tuple[Any, ...]]:
    """Return (id, name_key, name_core, credit_code, kind) of customers matching any key.

    Plain SQL: for a batch of 1,000 import rows the whole lookup took 15 ms when the ORM built
    the queries and 10 ms this way (docs/benchmarks.md, Import).
    """
    names = [
        _any_of(column, values)
        for column, values in (("name_key", name_keys), ("name_core", cores))
        if values
    ]
    terms = []
    if names:
        by_name, params = _all_of(names, "OR")
        terms.append((f"({by_name}) AND kind = %s", [*params, CustomerKind.COMPANY.value]))
    if codes:
        terms.append(_any_of("credit_code", codes))
    if not terms:
        return []
    columns = ["id", "name_key", "name_core", "credit_code", "kind"]
    return _select(Customer, columns, _all_of(terms, "OR"), "id", exclude_ids)


def _stored_contacts(
    mobiles: set[str], emails: set[str], wechats: set[str], exclude_ids: Collection[int]
) -> list[tuple[Any, ...]]:
    """Return (customer_id, mobile, email, wechat) of contacts matching any value."""
    # Only the lists that hold values: an always-false term such as "0" in the OR makes
    # SQLite scan the table instead of reading the three indexes.
    terms = [
        _any_of(column, values)
        for column, values in (("mobile", mobiles), ("email", emails), ("wechat", wechats))
        if values
    ]
    if not terms:
        return []
    columns = ["customer_id", "mobile", "email", "wechat"]
    return _select(Contact, columns, _all_of(terms, "OR"), "customer_id", exclude_ids)


def _owner_labels(customer_ids: set[int]) -> dict[int, str]:
    if not customer_ids:
        return {}
    rows = Customer.objects.filter(pk__in=customer_ids).values_list(
        "pk", "owner__display_name", "owner__username"
    )
    return {pk: display or username or "" for pk, display, username in rows}
