from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _

from kehu.api.docs import swagger_asset
from kehu.api.main import api


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Return a JSON 404 for an unknown API path, like every other API error."""
    return JsonResponse({"detail": _("Not found.")}, status=404)


urlpatterns = [
    path("v1/docs/assets/<str:name>", swagger_asset, name="api-docs-asset"),
    path("v1/", api.urls),
    re_path(r"^(?P<rest>.*)$", not_found),
]
