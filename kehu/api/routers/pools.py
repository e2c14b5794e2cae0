"""Public pools (公海): list pools and their customers, claim, assign, return, lock and unlock."""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from kehu.api import lookups, present, schemas
from kehu.api.auth import request_user
from kehu.api.routers.common import ERRORS
from kehu.customers.models import Customer
from kehu.org.models import User
from kehu.org.visibility import may_own_customers
from kehu.pool import listing, queries, services
from kehu.pool.models import Pool, PoolEntry, ReturnReason

router = Router(tags=["pools"])


class PoolOut(Schema):
    id: uuid.UUID
    name: str
    department: str | None = Field(description="The department's name; null for the company pool.")
    is_admin: bool = Field(description="Whether you may assign this pool's customers.")
    masked_fields: list[str] = Field(
        description='Field keys ("contact.mobile") masked until a member claims the customer.'
    )
    daily_claim_limit: int | None = Field(description="Claims per member per day; null: none.")
    daily_open_limit: int | None = Field(
        description="Pool customers a member may open per day; null: none."
    )


class PoolEntryOut(Schema):
    pool: uuid.UUID
    pool_name: str
    entered_at: dt.datetime
    cause: str = Field(
        description="returned, no_follow_up, no_win, contract_ended, placed or moved."
    )
    cause_label: str
    previous_owner: schemas.UserRef | None
    reason: str = Field(description="The return reason's name; empty when none was given.")
    note: str


class PoolCustomerOut(Schema):
    customer: schemas.CustomerOut
    entry: PoolEntryOut


class PoolCustomerDetailOut(PoolCustomerOut):
    contacts: list[schemas.ContactOut]


class PoolCustomerPage(Schema):
    items: list[PoolCustomerOut]
    next_cursor: str | None
    count: int
    count_is_capped: bool = Field(description="True when count stopped at its cap.")


class AssignIn(schemas.InputSchema):
    user: uuid.UUID = Field(description="The member who receives the customer.")


class ReturnIn(schemas.InputSchema):
    reason: str = Field(
        "", description="A return reason's name; required while the list of reasons is not empty."
    )
    note: str = Field("", description="Up to 500 characters.")


class LockOut(Schema):
    customer: uuid.UUID
    locked_at: dt.datetime


def _pool(user: User, pool: Pool) -> PoolOut:
    return PoolOut(
        id=pool.public_id,
        name=pool.name,
        department=pool.department.name if pool.department else None,
        is_admin=queries.administers(user, pool),
        masked_fields=list(pool.masked_fields or []),
        daily_claim_limit=pool.claim_limit if pool.claim_limit_on else None,
        daily_open_limit=pool.open_limit if pool.open_limit_on else None,
    )


def _entry(entry: PoolEntry) -> PoolEntryOut:
    return PoolEntryOut(
        pool=entry.pool.public_id,
        pool_name=entry.pool.name,
        entered_at=entry.entered_at,
        cause=entry.cause,
        cause_label=entry.get_cause_display(),
        previous_owner=present.user_ref(entry.previous_owner),
        reason=entry.reason.name if entry.reason else "",
        note=entry.note,
    )


def _owned(user: User, customer: Customer) -> schemas.CustomerOut:
    prefetch_related_objects([customer], "tags", "owner", "creator")
    return present.customer(present.viewer_for(user), customer)


@router.get("/pools", response={200: list[PoolOut], **ERRORS}, summary="List pools")
def list_pools(request: HttpRequest) -> list[PoolOut]:
    """List the pools you belong to, the company pool first."""
    user = request_user(request)
    queries.check_pool_user(user)
    return [_pool(user, pool) for pool in queries.visible_pools(user)]


@router.get(
    "/pools/{pool_id}/customers",
    response={200: PoolCustomerPage, **ERRORS},
    summary="List a pool's customers",
)
def list_pool_customers(
    request: HttpRequest,
    pool_id: uuid.UUID,
    q: str = "",
    grade: str = "",
    industry: str = "",
    province: str = "",
    cause: str = "",
    previous_owner: str = "",
    cursor: str = "",
) -> PoolCustomerPage:
    """List a pool's customers, newest entries first, 50 a page, without contacts.

    `q` searches names. `province` is a two-digit GB/T 2260 code, `previous_owner` a user id.
    Fields the pool masks are masked. Pass `next_cursor` back as `cursor` for the next page.
    """
    user = request_user(request)
    queries.check_pool_user(user)
    pool = queries.load_pool(user, pool_id)
    filters = listing.parse_filters(
        {
            "q": q,
            "grade": grade,
            "industry": industry,
            "province": province,
            "cause": cause,
            "previous_owner": previous_owner,
        }
    )

    page = listing.pool_page(user, pool, filters, cursor)

    customers = [entry.customer for entry in page.entries]
    prefetch_related_objects(customers, "tags", "creator")
    viewer = present.Viewer(queries.PoolPolicy(user, pool))
    for entry in page.entries:
        entry.pool = pool
    return PoolCustomerPage(
        items=[
            PoolCustomerOut(customer=present.customer(viewer, entry.customer), entry=_entry(entry))
            for entry in page.entries
        ],
        next_cursor=page.next_cursor or None,
        count=min(page.count, listing.COUNT_CAP),
        count_is_capped=page.count_capped,
    )


@router.get(
    "/pool-customers/{customer_id}",
    response={200: PoolCustomerDetailOut, **ERRORS},
    summary="Open a pool customer",
)
def open_pool_customer(request: HttpRequest, customer_id: uuid.UUID) -> PoolCustomerDetailOut:
    """Read a pool customer with its contacts, masked as the pool says.

    Counts against the pool's daily open limit; the same customer counts once a day.
    """
    user = request_user(request)
    queries.check_pool_user(user)
    entry = queries.load_entry(user, customer_id)

    services.open_pool_customer(user, entry)

    customer = entry.customer
    prefetch_related_objects([customer], "tags", "creator", "contacts")
    viewer = present.Viewer(queries.PoolPolicy(user, entry.pool))
    return PoolCustomerDetailOut(
        customer=present.customer(viewer, customer),
        entry=_entry(entry),
        contacts=[present.contact(viewer, contact) for contact in customer.contacts.all()],
    )


@router.post(
    "/customers/{customer_id}/claim",
    response={200: schemas.CustomerOut, **ERRORS},
    summary="Claim a pool customer",
)
def claim(request: HttpRequest, customer_id: uuid.UUID) -> schemas.CustomerOut:
    """Take a customer from one of your pools as its owner.

    Of simultaneous claims exactly one succeeds; the others get 422 on "customer", and a claim
    after the customer left the pool gets 404. The pool's daily claim limit, cooldown and
    capacity apply.
    """
    user = request_user(request)
    queries.check_pool_user(user)
    entry = queries.load_entry(user, customer_id)

    claimed = services.claim(user, entry.customer)

    return _owned(user, claimed)


@router.post(
    "/customers/{customer_id}/assign",
    response={200: schemas.CustomerOut, **ERRORS},
    summary="Assign a pool customer",
)
def assign(request: HttpRequest, customer_id: uuid.UUID, payload: AssignIn) -> schemas.CustomerOut:
    """Give a pool customer to a member of its pool; for the pool's administrators."""
    user = request_user(request)
    queries.check_pool_user(user)
    entry = queries.load_entry(user, customer_id)
    assignee = User.objects.select_related("role").filter(public_id=payload.user).first()
    # Deactivated users fall through to services.assign, which names them in its refusal.
    if assignee is None or (assignee.is_active and not may_own_customers(assignee)):
        raise ValidationError({"user": [_("No member of this pool has this id.")]})

    assigned = services.assign(user, entry.customer, assignee)

    return _owned(user, assigned)


@router.post(
    "/customers/{customer_id}/return",
    response={200: PoolEntryOut, **ERRORS},
    summary="Return a customer to the pool",
)
def return_(request: HttpRequest, customer_id: uuid.UUID, payload: ReturnIn) -> PoolEntryOut:
    """Return your customer to the pool that governs you, with a reason from the list.

    Ends the customer's shares and removes its lock. Managers may return their team's customers.
    """
    user = request_user(request)
    customer = lookups.customer(user, customer_id)
    reason = None
    if payload.reason:
        reason = ReturnReason.objects.filter(name=payload.reason, is_active=True).first()
        if reason is None:
            raise ValidationError(
                {"reason": [_("“%(value)s” is not a return reason.") % {"value": payload.reason}]}
            )

    entry = services.return_to_pool(user, customer, reason, payload.note)

    return _entry(entry)


@router.post(
    "/customers/{customer_id}/lock",
    response={200: LockOut, **ERRORS},
    summary="Lock a customer",
)
def lock(request: HttpRequest, customer_id: uuid.UUID) -> LockOut:
    """Keep your customer out of every reclaim rule, within your pool's lock limit."""
    user = request_user(request)
    customer = lookups.customer(user, customer_id)

    locked = services.lock_customer(user, customer)

    return LockOut(customer=customer.public_id, locked_at=locked.locked_at)


@router.delete(
    "/customers/{customer_id}/lock",
    response={204: None, **ERRORS},
    summary="Unlock a customer",
)
def unlock(request: HttpRequest, customer_id: uuid.UUID) -> Status[None]:
    """Remove a customer's lock; its owner or a manager who reaches it may."""
    user = request_user(request)
    customer = lookups.customer(user, customer_id)

    services.unlock_customer(user, customer)

    return Status(204, None)
