"""Pieces several routers use: the documented error responses, request-body flattening and
revealing a masked field."""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from kehu.api import schemas
from kehu.api.errors import error_dict
from kehu.customers.models import Contact, Customer
from kehu.customers.reveal import FieldNotFound, reveal_value
from kehu.fields.registry import CUSTOM_PREFIX
from kehu.org.models import User

ERRORS: dict[int | str, Any] = {
    401: schemas.ErrorOut,
    403: schemas.ErrorOut,
    404: schemas.ErrorOut,
    409: schemas.DuplicateOut,
    422: schemas.ValidationErrorOut,
}


def field_values(data: dict[str, Any], error_prefix: str = "") -> dict[str, Any]:
    """Flatten a request body into the field-key values the services take.

    Custom values move from "custom" to the top level, where the services expect them.
    `error_prefix` names the body's place in a larger one, such as "contacts.1." for the second
    contact.
    """
    values = dict(data)
    custom = values.pop("custom", None) or {}
    wrong = [key for key in custom if not key.startswith(CUSTOM_PREFIX)]
    if wrong:
        raise ValidationError(
            {
                f"{error_prefix}custom.{key}": [
                    _("“%(key)s” is not a custom field key. Custom field keys start with cf_.")
                    % {"key": key}
                ]
                for key in wrong
            }
        )
    values.update(custom)
    return values


def reveal(user: User, record: Customer | Contact, field: str) -> schemas.RevealOut:
    """Reveal a masked field through the service, turning its errors into API errors on "field"."""
    try:
        value = reveal_value(user, record, field)
    except FieldNotFound as error:
        raise ValidationError({"field": [str(error.args[0])]}) from None
    except ObjectDoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        messages = [message for values in error_dict(error).values() for message in values]
        raise ValidationError({"field": messages}) from None
    return schemas.RevealOut(field=field, value=value)
