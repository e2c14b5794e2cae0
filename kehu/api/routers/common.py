"""Pieces every router uses: the documented error responses and request-body flattening."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kehu.api import schemas
from kehu.fields.registry import CUSTOM_PREFIX

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
    `error_prefix` names the body's place in a larger one, such as "contacts.2.".
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
