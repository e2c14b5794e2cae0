"""The field registry: every customer or contact field, built-in or custom."""

from typing import Literal

from django.http import HttpRequest
from ninja import Router

from kehu.api import present, schemas
from kehu.api.auth import request_user
from kehu.api.routers.common import ERRORS
from kehu.fields.registry import fields_for

router = Router(tags=["fields"])


@router.get(
    "/fields/{target}",
    response={200: list[schemas.FieldOut], **ERRORS},
    summary="List the fields of a record type",
)
def list_(request: HttpRequest, target: Literal["customer", "contact"]) -> list[schemas.FieldOut]:
    """List the fields your role may read, labelled in the request's language, built-in first.

    The keys are the ones customer and contact bodies, filters (`f.<key>`) and sorts use.
    `access` says whether you may change a field (editable), only read it (read_only), or see
    only part of its value (masked); masked fields cannot be filtered or sorted on.
    """
    user = request_user(request)

    viewer = present.viewer_for(user)
    readable = viewer.policy.readable(target, fields_for(target))

    return [present.field(viewer, target, spec) for spec in readable]
