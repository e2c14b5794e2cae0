"""Authentication of API requests: a bearer token, or the browser session with a CSRF token."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from kehu.api.tokens import user_for_token
from kehu.org.models import User


class TokenAuth(HttpBearer):
    """`Authorization: Bearer kehu_...`, as issued by `kehu create_api_token`."""

    def __call__(self, request: HttpRequest) -> User | None:
        # Replaces HttpBearer.__call__, which logs the whole header (the secret) in DEBUG mode.
        scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return user_for_token(token)


class SessionAuth(APIKeyCookie):
    """The signed-in browser session, for pages that call the API from the same origin.

    Unsafe methods need the CSRF token in the X-CSRFToken header, as Django's own views do.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> User | None:
        # A request that presents a token is judged by the token alone, so a bad token is
        # rejected even when the same browser also has a session.
        if "Authorization" in request.headers:
            return None
        user = self.authenticate(request, request.COOKIES.get(self.param_name))
        if user is None:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header."))
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user: Any = request.user
        # AuthenticationMiddleware already drops sessions of deactivated users; this keeps the
        # rule in view.
        if isinstance(user, User) and user.is_authenticated and user.is_active:
            return user
        return None


def request_user(request: HttpRequest) -> User:
    """Return the user an API operation runs as; the auth classes above have set it."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise AuthenticationError()
    return user
