"""Shares of a customer with colleagues: list, add or change, and end."""

import datetime as dt
import uuid

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from kehu.api import lookups, present, schemas
from kehu.api.auth import request_user
from kehu.api.routers.common import ERRORS
from kehu.customers import sharing
from kehu.customers.models import CustomerShare

router = Router(tags=["shares"])


class ShareIn(schemas.InputSchema):
    user: uuid.UUID = Field(description="The colleague's user id. Outside agents are rejected.")
    access: str = Field("read", description="read (read-only) or write (read and write).")
    until: dt.date | None = Field(
        None, description="The last day of the share (Asia/Shanghai); null for no end."
    )


class ShareOut(Schema):
    id: uuid.UUID
    user: schemas.UserRef
    access: str
    until: dt.date | None
    active: bool = Field(description="False once the day after `until` has begun.")
    shared_by: schemas.UserRef
    created_at: dt.datetime


def _share(record: CustomerShare) -> ShareOut:
    user = present.user_ref(record.user)
    shared_by = present.user_ref(record.shared_by)
    assert user is not None and shared_by is not None
    return ShareOut(
        id=record.public_id,
        user=user,
        access=record.access,
        until=record.until,
        active=sharing.is_active_share(record),
        shared_by=shared_by,
        created_at=record.created_at,
    )


@router.get(
    "/customers/{customer_id}/shares",
    response={200: list[ShareOut], **ERRORS},
    summary="List a customer's shares",
)
def list_(request: HttpRequest, customer_id: uuid.UUID) -> list[ShareOut]:
    """List every share of the customer, ended ones included. Only its owner or a manager may."""
    user = request_user(request)
    customer = lookups.customer(user, customer_id)

    rows = sharing.shares_of(user, customer)

    return [_share(row) for row in rows]


@router.post(
    "/customers/{customer_id}/shares",
    response={201: ShareOut, **ERRORS},
    summary="Share a customer",
)
def create(request: HttpRequest, customer_id: uuid.UUID, payload: ShareIn) -> Status[ShareOut]:
    """Share the customer with a colleague; sharing again changes the access and end date."""
    user = request_user(request)
    customer = lookups.customer(user, customer_id)
    colleague = sharing.find_colleague(user, customer, payload.user)

    share = sharing.share_customer(user, customer, colleague, payload.access, payload.until)

    return Status(201, _share(share))


@router.delete(
    "/customers/{customer_id}/shares/{share_id}",
    response={204: None, **ERRORS},
    summary="End a share",
)
def delete(request: HttpRequest, customer_id: uuid.UUID, share_id: uuid.UUID) -> Status[None]:
    """End the share at once. The colleague loses access with their next request."""
    user = request_user(request)
    customer = lookups.customer(user, customer_id)
    share = sharing.shares_of(user, customer).filter(public_id=share_id).first()
    if share is None:
        raise Http404

    sharing.unshare(user, share)

    return Status(204, None)
