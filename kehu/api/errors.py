"""Error responses of the API, all JSON and in the request's language.

- 400 {"detail"}: the body is not JSON.
- 401 {"detail"}: no valid token or session; on the lead intake endpoint, no active intake key.
- 403 {"detail"}: the record is visible but the role may not do this.
- 404 {"detail"}: missing, or outside the user's scope; the two look the same.
- 405 {"detail"}: the path exists but not with this method; the Allow header lists the methods.
- 409 {"detail", "messages", "blocking"}: the customer matches stored ones.
- 422 {"errors": {field: [messages]}}: bad input. A field of an array item is named by its
  index in the array as sent, counting from 0: "contacts.0.mobile" is the first contact's.
"""

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError

from kehu.customers.services import PROTECTED_KEYS, DuplicateCustomer

# Maximum length, in characters, of an input value quoted back in an error message.
QUOTE_LIMIT = 60


class IntakeKeyRequired(AuthenticationError):
    """Raised when a lead intake request carries no active intake key."""


def error_dict(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {NON_FIELD_ERRORS: list(error.messages)}


def _quote(value: Any) -> str:
    text = str(value)
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"


def _field_key(location: Sequence[int | str]) -> str:
    """Name a field as the request body nests it: "name", or "contacts.0.mobile"."""
    return ".".join(str(part) for part in location) or NON_FIELD_ERRORS


@contextlib.contextmanager
def rows_from_zero(*lists: str) -> Iterator[None]:
    """Re-key a service's row errors on `lists` by the row's index in the request's array.

    The services count rows from 1, as the pages and the importer show them: "contacts.1.mobile"
    is the first contact's. The API names that field "contacts.0.mobile", after the JSON array.
    """
    try:
        yield
    except ValidationError as error:
        raise ValidationError(
            {_row_from_zero(key, lists): messages for key, messages in error_dict(error).items()}
        ) from None


def _row_from_zero(key: str, lists: Sequence[str]) -> str:
    name, _dot, rest = key.partition(".")
    row, dot, field = rest.partition(".")
    if name not in lists or not row.isdigit() or int(row) < 1:
        return key
    return f"{name}.{int(row) - 1}{dot}{field}"


def _request_error_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    value = _quote(error.get("input", ""))
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        key = error["loc"][-1]
        if key in PROTECTED_KEYS:
            return _("This field changes only through its own action, such as a transfer.")
        return _("Unknown field “%(key)s”.") % {"key": key}
    if kind.startswith("string_"):
        return _("Enter text, not “%(value)s”.") % {"value": value}
    if kind.startswith("int_"):
        return _("“%(value)s” is not a whole number.") % {"value": value}
    if kind.startswith(("float_", "decimal_")):
        return _("“%(value)s” is not a number.") % {"value": value}
    if kind.startswith("bool_"):
        return _("“%(value)s” is not true or false.") % {"value": value}
    if kind.startswith("uuid_"):
        return _("“%(value)s” is not a valid id.") % {"value": value}
    if kind in ("list_type", "tuple_type", "set_type"):
        return _("Enter a list, not “%(value)s”.") % {"value": value}
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("Enter an object, not “%(value)s”.") % {"value": value}
    if kind.startswith(("datetime_", "date_")):
        return _("“%(value)s” is not a valid date.") % {"value": value}
    return _("“%(value)s” is not a valid value.") % {"value": value}


def request_errors(errors: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """Turn Ninja's (pydantic's) request errors into messages keyed by field."""
    result: dict[str, list[str]] = {}
    for error in errors:
        # The location starts with where the value came from and, for bodies, the parameter
        # name: ("body", "payload", "contacts", 0, "mobile").
        location = list(error.get("loc", ()))
        source = location.pop(0) if location else ""
        if source == "body" and location:
            location.pop(0)
        result.setdefault(_field_key(location), []).append(_request_error_message(error))
    return result


def install(api: NinjaAPI) -> None:
    """Register Kehu's exception handlers on `api`, replacing Ninja's English defaults."""

    def validation_failed(request: HttpRequest, error: ValidationError) -> HttpResponse:
        return api.create_response(request, {"errors": error_dict(error)}, status=422)

    def request_invalid(request: HttpRequest, error: RequestValidationError) -> HttpResponse:
        # A malformed id in the path names no record, so it gets the same 404 as a missing one.
        if any(list(item.get("loc", ()))[:1] == ["path"] for item in error.errors):
            return not_found(request, Http404())
        return api.create_response(request, {"errors": request_errors(error.errors)}, status=422)

    def permission_denied(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
        detail = str(error) or _("You may not do this.")
        return api.create_response(request, {"detail": detail}, status=403)

    def duplicate(request: HttpRequest, error: DuplicateCustomer) -> HttpResponse:
        if error.blocking:
            detail = _("The customer already exists.")
        else:
            detail = _(
                "A similar customer exists. Send the request again with allow_similar set to "
                "true to create it anyway."
            )
        body = {"detail": detail, "messages": error.messages(), "blocking": error.blocking}
        return api.create_response(request, body, status=409)

    def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
        return api.create_response(request, {"detail": _("Not found.")}, status=404)

    def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
        detail = _(
            "Authentication required: send a valid API token as “Authorization: Bearer "
            "<token>”, or sign in."
        )
        response = api.create_response(request, {"detail": detail}, status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response

    def intake_key_required(request: HttpRequest, error: IntakeKeyRequired) -> HttpResponse:
        detail = _(
            "Authentication required: send an active intake key as “Authorization: Bearer "
            "kehu_lead_…”. Each integration has its own key, created on the intake keys page of "
            "the campaign settings; API tokens and sessions are not accepted here."
        )
        response = api.create_response(request, {"detail": detail}, status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response

    def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
        # Ninja raises HttpError(400) from the parser's exception when the body is not JSON.
        if error.status_code == 400 and isinstance(error.__cause__, ValueError):
            detail = _("The request body is not valid JSON.")
        else:
            detail = str(error)
        return api.create_response(request, {"detail": detail}, status=error.status_code)

    _handle(api, ValidationError, validation_failed)
    _handle(api, RequestValidationError, request_invalid)
    _handle(api, PermissionDenied, permission_denied)
    _handle(api, DuplicateCustomer, duplicate)
    _handle(api, Http404, not_found)
    _handle(api, AuthenticationError, unauthenticated)
    _handle(api, IntakeKeyRequired, intake_key_required)
    _handle(api, HttpError, http_error)


def _handle[E: Exception](
    api: NinjaAPI, kind: type[E], handler: Callable[[HttpRequest, E], HttpResponse]
) -> None:
    # Ninja's type hints let a handler receive the exception class, but Ninja always passes the
    # raised instance. This wrapper checks that, so each handler can be typed on the instance.
    def call(request: HttpRequest, error: E | type[E]) -> HttpResponse:
        if not isinstance(error, kind):
            raise TypeError(f"expected an instance of {kind.__name__}, got {error!r}")
        return handler(request, error)

    api.add_exception_handler(kind, call)
