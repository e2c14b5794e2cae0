"""Customers: list, read, create, change, reassign and reveal a masked field."""

import uuid

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Router, Status

from kehu.api import lookups, present, schemas
from kehu.api.auth import request_user
from kehu.api.errors import error_dict, rows_from_zero
from kehu.api.routers.common import ERRORS, field_values, reveal
from kehu.assignment import customers as assignment
from kehu.customers import services
from kehu.customers.listing import count_customers, list_customers, params_from_query
from kehu.org.models import User

router = Router(tags=["customers"])


def _name_filter_errors(error: ValidationError, filters: dict[str, str]) -> ValidationError:
    """Key filter errors by the query parameter ("f.grade") rather than the filter ("grade")."""
    renamed = {
        f"f.{key}" if key in filters else key: messages
        for key, messages in error_dict(error).items()
    }
    return ValidationError(renamed)


def _query_dict(request: HttpRequest) -> dict[str, str | list[str]]:
    return {key: values[0] if len(values) == 1 else values for key, values in request.GET.lists()}


@router.get(
    "/customers",
    response={200: schemas.CustomerPage, **ERRORS},
    summary="List customers",
)
def list_(
    request: HttpRequest,
    q: str = "",
    sort: str = "-created_at",
    cursor: str | None = None,
    page_size: int = 50,
    view: str = "",
) -> schemas.CustomerPage:
    """List the customers you can see, one page at a time, newest first unless sorted.

    Filter with `f.<field key>=value` or `f.<field key>__<op>=value`, where op is eq, in,
    contains, gte, lte or isnull. The keys come from GET /fields/customer. Pass `next_cursor`
    back as `cursor` for the next page. `view` picks a saved view: mine, due_today or idle_30.
    """
    # The named parameters above only document the query string. The listing module parses
    # the whole query string itself, so filters (f.*) and the rest are read in one place.
    user = request_user(request)
    params = params_from_query(_query_dict(request))
    try:
        page = list_customers(user, params)
        total = count_customers(user, params)
    except ValidationError as error:
        raise _name_filter_errors(error, params.filters) from None

    prefetch_related_objects(page.rows, "tags", "owner", "creator")
    viewer = present.viewer_for(user)
    return schemas.CustomerPage(
        items=[present.customer(viewer, row) for row in page.rows],
        next_cursor=page.next_cursor,
        count=total.shown,
        count_is_capped=total.is_capped,
    )


@router.post(
    "/customers",
    response={201: schemas.CustomerOut, **ERRORS},
    summary="Create a customer",
)
def create(request: HttpRequest, payload: schemas.CustomerIn) -> Status[schemas.CustomerOut]:
    """Create a customer with its contacts, after the duplicate check.

    Without `owner` the customer is yours. With `owner` null the assignment rules choose the
    owner, or the customer enters the public pool; that needs a role that may assign. An exact
    duplicate is rejected with 409 and `blocking` true. A similar name is rejected with
    `blocking` false, and the request may be sent again with `allow_similar` true.
    """
    user = request_user(request)
    data = payload.model_dump(exclude_unset=True)
    allow_similar = bool(data.pop("allow_similar", False))
    contacts = [
        field_values(contact, f"contacts.{index}.")
        for index, contact in enumerate(data.pop("contacts", []))
    ]
    owner: User | None = user
    by_rules = False
    if "owner" in data:
        owner_id = data.pop("owner")
        owner = services.find_owner(user, owner_id) if owner_id else None
        by_rules = owner is None

    with rows_from_zero("contacts"):
        if by_rules:
            created = assignment.create_customer(
                user, field_values(data), contacts, allow_similar=allow_similar
            )
        else:
            created = services.create_customer(
                user, field_values(data), contacts, owner=owner, allow_similar=allow_similar
            )

    prefetch_related_objects([created], "tags", "owner", "creator")
    return Status(201, present.customer(present.viewer_for(user), created))


@router.get(
    "/customers/{customer_id}",
    response={200: schemas.CustomerOut, **ERRORS},
    summary="Read a customer",
)
def detail(request: HttpRequest, customer_id: uuid.UUID) -> schemas.CustomerOut:
    user = request_user(request)
    record = lookups.customer(user, customer_id)
    return present.customer(present.viewer_for(user), record)


@router.patch(
    "/customers/{customer_id}",
    response={200: schemas.CustomerOut, **ERRORS},
    summary="Change a customer",
)
def update(
    request: HttpRequest, customer_id: uuid.UUID, payload: schemas.CustomerPatch
) -> schemas.CustomerOut:
    """Change only the fields sent. Null or "" clears a field.

    Send the `version` you read as `expected_version`. If someone else saved the customer in
    between, the update is rejected with 422 on "version" instead of overwriting their change.
    """
    user = request_user(request)
    record = lookups.customer(user, customer_id)
    data = payload.model_dump(exclude_unset=True)
    allow_similar = bool(data.pop("allow_similar", False))
    expected_version = data.pop("expected_version", None)

    changed = services.update_customer(
        user,
        record,
        field_values(data),
        expected_version=expected_version,
        allow_similar=allow_similar,
    )

    prefetch_related_objects([changed], "tags", "owner", "creator")
    return present.customer(present.viewer_for(user), changed)


@router.post(
    "/customers/{customer_id}/owner",
    response={200: schemas.CustomerOut, **ERRORS},
    summary="Reassign a customer",
)
def change_owner(
    request: HttpRequest, customer_id: uuid.UUID, payload: schemas.OwnerIn
) -> schemas.CustomerOut:
    """Give the customer to another user, or leave it unassigned with null.

    The response shows the customer as it now is, even when the new owner puts it outside
    your scope.
    """
    user = request_user(request)
    record = lookups.customer(user, customer_id)
    new_owner = services.find_owner(user, payload.owner) if payload.owner else None

    changed = services.change_owner(user, record, new_owner)

    prefetch_related_objects([changed], "tags", "owner", "creator")
    return present.customer(present.viewer_for(user), changed)


@router.post(
    "/customers/{customer_id}/reveal",
    response={200: schemas.RevealOut, **ERRORS},
    summary="Reveal a masked customer field",
)
def reveal_field(
    request: HttpRequest, customer_id: uuid.UUID, payload: schemas.RevealIn
) -> schemas.RevealOut:
    """Return the whole value of a customer field that your role shows masked.

    Needs a role that may reveal masked values. Each reveal is written to the audit log. A
    field that is not masked for you is rejected with 422 on "field".
    """
    user = request_user(request)
    record = lookups.customer(user, customer_id)

    return reveal(user, record, payload.field)
