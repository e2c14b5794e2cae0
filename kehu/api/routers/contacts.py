"""Contacts of a customer: list, add, change and reveal a masked field."""

import contextlib
import uuid
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status

from kehu.api import lookups, present, schemas
from kehu.api.auth import request_user
from kehu.api.errors import error_dict
from kehu.api.routers.common import ERRORS, field_values, reveal
from kehu.customers import services
from kehu.customers.queries import visible_contacts

router = Router(tags=["contacts"])
# The services check a single contact's field policy as the first of a customer's contacts.
_SINGLE_CONTACT_PREFIX = "contacts.1."


@contextlib.contextmanager
def contact_errors() -> Iterator[None]:
    """Key a contact service's errors by field, as the contact's own body names them."""
    try:
        yield
    except ValidationError as error:
        raise ValidationError(
            {
                key.removeprefix(_SINGLE_CONTACT_PREFIX): messages
                for key, messages in error_dict(error).items()
            }
        ) from None


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

    viewer = present.viewer_for(user)
    return [present.contact(viewer, row) for row in rows]


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

    with contact_errors():
        contact = services.add_contact(
            user, customer, field_values(payload.model_dump(exclude_unset=True))
        )

    return Status(201, present.contact(present.viewer_for(user), contact))


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

    with contact_errors():
        changed = services.update_contact(
            user, contact, field_values(payload.model_dump(exclude_unset=True))
        )

    return present.contact(present.viewer_for(user), changed)


@router.post(
    "/customers/{customer_id}/contacts/{contact_id}/reveal",
    response={200: schemas.RevealOut, **ERRORS},
    summary="Reveal a masked contact field",
)
def reveal_field(
    request: HttpRequest,
    customer_id: uuid.UUID,
    contact_id: uuid.UUID,
    payload: schemas.RevealIn,
) -> schemas.RevealOut:
    """Return the whole value of a contact field that your role shows masked, such as the mobile.

    Needs a role that may reveal masked values. Each reveal is written to the audit log. A
    field that is not masked for you is rejected with 422 on "field".
    """
    user = request_user(request)
    customer = lookups.customer(user, customer_id)
    contact = lookups.contact(user, customer, contact_id)

    return reveal(user, contact, payload.field)
