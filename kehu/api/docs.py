"""The interactive API docs page, with every asset served by Kehu itself.

Ninja's default page loads Swagger UI from a CDN, which is unreachable from much of mainland
China. Here the page is Kehu's own template, and Swagger UI's script and style sheet are served
from the copy installed with django-ninja.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

SWAGGER_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
SWAGGER_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
}
# The asset URLs carry django-ninja's version, so a day of caching never serves a stale copy.
ASSET_MAX_AGE = 24 * 60 * 60


class KehuDocs(DocsBase):
    def render_page(self, request: HttpRequest, api: "NinjaAPI", **kwargs: Any) -> HttpResponse:
        context = {
            "title": api.title,
            "openapi_url": self.get_openapi_url(api, kwargs),
            "swagger_js": reverse("api-docs-asset", args=["swagger-ui-bundle.js"]),
            "swagger_css": reverse("api-docs-asset", args=["swagger-ui.css"]),
            "asset_version": ninja.__version__,
        }
        return render(request, "api/docs.html", context)


@require_GET
def swagger_asset(request: HttpRequest, name: str) -> FileResponse:
    """Serve one of Swagger UI's files from the installed django-ninja package."""
    if name not in SWAGGER_ASSETS:
        raise Http404
    response = FileResponse((SWAGGER_DIR / name).open("rb"), content_type=SWAGGER_ASSETS[name])
    response["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}"
    return response
