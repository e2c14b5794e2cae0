"""Contacts of a customer: list, add and change."""

import uuid

from django.http import HttpRequest
from ninja import Router, Status

from kehu.api import lookups, present, schemas
from kehu.api.auth import request_user
from kehu.api.routers.common import ERRORS, field_values
from kehu.customers import services
from kehu.customers.queries import visible_contacts
from kehu.fields.models import FieldTarget
from kehu.fields.registry import custom_fields

router = Router(tags=["contacts"])


@router.get(
    "/customers/{customer_id}/contacts",
    response={200: list[schemas.ContactOut], **ERRORS},
    summary="List a customer's contacts",
)
def list_(request: HttpRequest, customer_id: uuid.UUID) -> list[schemas.ContactOut]:
    """List every contact of the customer, the primary contact first."""
    user = request_user(request)
    customer = lookups.customer(user, customer_id)

    rows = visible_contacts(user).filter(customer=customer).order_by("-is_primary", "id")

    specs = custom_fields(FieldTarget.CONTACT)
    return [present.contact(row, specs) for row in rows]


@router.post(
    "/customers/{customer_id}/contacts",
    response={201: schemas.ContactOut, **ERRORS},
    summary="Add a contact",
)
def create(
    request: HttpRequest, customer_id: uuid.UUID, payload: schemas.ContactIn
) -> Status[schemas.ContactOut]:
    """Add a contact. A mobile, email or WeChat ID that another customer has gets a 409."""
    user = request_user(request)
    customer = lookups.customer(user, customer_id)

    contact = services.add_contact(
        user, customer, field_values(payload.model_dump(exclude_unset=True))
    )

    return Status(201, present.contact(contact, custom_fields(FieldTarget.CONTACT)))


@router.patch(
    "/customers/{customer_id}/contacts/{contact_id}",
    response={200: schemas.ContactOut, **ERRORS},
    summary="Change a contact",
)
def update(
    request: HttpRequest,
    customer_id: uuid.UUID,
    contact_id: uuid.UUID,
    payload: schemas.ContactPatch,
) -> schemas.ContactOut:
    """Change only the fields sent. Making a contact primary demotes the previous one."""
    user = request_user(request)
    customer = lookups.customer(user, customer_id)
    contact = lookups.contact(user, customer, contact_id)

    changed = services.update_contact(
        user, contact, field_values(payload.model_dump(exclude_unset=True))
    )

    return present.contact(changed, custom_fields(FieldTarget.CONTACT))
