"""Helpers every page view uses: the signed-in user, guards, loaders and htmx detection."""

import uuid
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from kehu.customers.models import Customer
from kehu.customers.queries import visible_customers
from kehu.org.models import User
from kehu.org.visibility import can_edit_customers

# Error-dict key for messages that belong to no single input.
FORM_ERRORS = "__all__"


def signed_in_user(request: HttpRequest) -> User:
    """Return the active signed-in user; views call this after @login_required."""
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        raise PermissionDenied(_("Your account is deactivated."))
    return user


def require_editor(user: User) -> None:
    """Reject roles that may not edit customers, such as outside agents."""
    if not can_edit_customers(user):
        raise PermissionDenied(_("You may not create or edit customers."))


def load_customer(user: User, public_id: uuid.UUID) -> Customer:
    """Return a customer the user may see; anything else is a 404, the same as a missing one."""
    queryset = visible_customers(user).select_related("owner", "creator")
    return get_object_or_404(queryset, public_id=public_id)


def is_htmx(request: HttpRequest) -> bool:
    """Return whether htmx requested a fragment (a history restore needs the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    """Mark a response that differs for htmx, so no cache serves a fragment as a page."""
    patch_vary_headers(response, ["HX-Request"])
    return response


def error_dict(error: ValidationError) -> dict[str, list[str]]:
    """Return a service's ValidationError as {field key: messages}."""
    if hasattr(error, "error_dict"):
        return {key: list(messages) for key, messages in error.message_dict.items()}
    return {FORM_ERRORS: list(error.messages)}


def form_errors(errors: Mapping[str, list[str]], input_keys: set[str]) -> list[str]:
    """Return the messages whose key has no input on the page, to show above the form."""
    leftover: list[str] = []
    for key, messages in errors.items():
        if key not in input_keys:
            leftover.extend(messages)
    return leftover
