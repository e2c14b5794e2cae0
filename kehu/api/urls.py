import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path
from django.utils.translation import gettext as _

from kehu.api.docs import swagger_asset
from kehu.api.main import api


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Return a JSON 404 for an unknown API path, like every other API error."""
    return JsonResponse({"detail": _("Not found.")}, status=404)


def _json_method_not_allowed(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Wrap an API view so its 405 responses are JSON, like every other API error.

    django-ninja (1.7) returns a plain-text 405 for a method that a path does not support.
    """

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        allowed = ", ".join(sorted(response.get("Allow", "").split(", ")))
        detail = _("The method %(method)s is not allowed here. Allowed methods: %(allowed)s.") % {
            "method": request.method,
            "allowed": allowed,
        }
        replaced: HttpResponse = JsonResponse({"detail": detail}, status=405)
        replaced["Allow"] = allowed
        return replaced

    return wrapped


def _api_urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    patterns, app_name, namespace = api.urls
    wrapped: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern = URLPattern(
                pattern.pattern,
                _json_method_not_allowed(pattern.callback),
                pattern.default_args,
                pattern.name,
            )
        wrapped.append(pattern)
    return wrapped, app_name, namespace


urlpatterns = [
    path("v1/docs/assets/<str:name>", swagger_asset, name="api-docs-asset"),
    path("v1/", _api_urls()),
    re_path(r"^(?P<rest>.*)$", not_found),
]
