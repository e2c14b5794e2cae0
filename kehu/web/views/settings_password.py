"""Passwords: the signed-in user's own, and a user manager setting another user's."""

import dataclasses
import uuid
from typing import Any

from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kehu.org import passwords
from kehu.org.models import User
from kehu.web.views.common import error_dict, form_errors, signed_in_user
from kehu.web.views.settings_common import require_user_manager


@dataclasses.dataclass(frozen=True)
class PasswordInput:
    name: str
    label: str
    autocomplete: str
    errors: list[str]


def _new_password_inputs(errors: dict[str, list[str]]) -> list[PasswordInput]:
    return [
        PasswordInput(
            "new_password", _("New password"), "new-password", errors.get("new_password", [])
        ),
        PasswordInput(
            "new_password_again",
            _("New password again"),
            "new-password",
            errors.get("new_password_again", []),
        ),
    ]


def _posted_new_password(request: HttpRequest, errors: dict[str, list[str]]) -> str:
    """Return the posted new password; add an error when the two entries differ."""
    new_password = request.POST.get("new_password", "")
    if new_password != request.POST.get("new_password_again", ""):
        errors["new_password_again"] = [_("The two entries of the new password differ.")]
    return new_password


def _render(
    request: HttpRequest, context: dict[str, Any], errors: dict[str, list[str]], status: int
) -> HttpResponse:
    input_keys = {field.name for field in context["fields"]}
    context = {**context, "form_errors": form_errors(errors, input_keys)}
    return render(request, "web/settings/password.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def own_password(request: HttpRequest) -> HttpResponse:
    """Change the signed-in user's password; this session stays signed in, others end."""
    user = signed_in_user(request)

    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        # authenticate() runs the sign-in lockout's backend, so wrong guesses of the current
        # password count as failed sign-ins and lock the account the same way.
        current = request.POST.get("current_password", "")
        verified = authenticate(request, username=user.username, password=current)
        if verified is None or verified.pk != user.pk:
            errors["current_password"] = [_("The current password is wrong.")]
        new_password = _posted_new_password(request, errors)
        if not errors:
            try:
                passwords.change_own_password(
                    user, new_password, keep_session=request.session.session_key
                )
            except ValidationError as error:
                errors = error_dict(error)
            else:
                # The session contains a hash of the old password; this stores the new one in it.
                update_session_auth_hash(request, user)
                return HttpResponseRedirect(reverse("web:own_password") + "?changed=1")

    fields = [
        PasswordInput(
            "current_password",
            _("Current password"),
            "current-password",
            errors.get("current_password", []),
        ),
        *_new_password_inputs(errors),
    ]
    context = {
        "heading": _("Change your password"),
        "explanation": _(
            "After the change, every other device signed in to your account is signed out."
        ),
        "fields": fields,
        "done": _("Your password was changed.") if request.GET.get("changed") else "",
        "cancel_url": reverse("web:customer_list"),
    }
    return _render(request, context, errors, 400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def user_password(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Set another user's password as a user manager; that user's sessions end at once."""
    actor = require_user_manager(request)

    user = get_object_or_404(User.objects.select_related("role"), public_id=public_id)
    passwords.check_password_setter(actor, user)

    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        new_password = _posted_new_password(request, errors)
        if not errors:
            try:
                passwords.set_user_password(actor, user, new_password)
            except ValidationError as error:
                errors = error_dict(error)
            else:
                return HttpResponseRedirect(reverse("web:settings_users"))

    context = {
        "heading": _("Set the password of %(name)s (%(username)s)")
        % {"name": user, "username": user.username},
        "explanation": _(
            "The user is signed out everywhere at once and signs in again with the new "
            "password. Give it to them in person."
        ),
        "fields": _new_password_inputs(errors),
        "cancel_url": reverse("web:settings_users"),
        "section": "users",
    }
    return _render(request, context, errors, 400 if errors else 200)
