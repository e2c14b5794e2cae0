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
    """List the fields with labels in the request's language, built-in fields first.

    The keys are the ones customer and contact bodies, filters (`f.<key>`) and sorts use.
    """
    request_user(request)
    return [present.field(spec) for spec in fields_for(target)]
