"""Routes of the benchmark server: Kehu's own, plus a bare list view as a baseline.

The bare view skips login, the visibility layer and templates on purpose: it shows what Django
and SQLite cost for 50 rows, so the list page's overhead above it can be read off.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from kehu.customers.models import Customer

BARE_PATH = "bench/bare/"


def bare_list(request: HttpRequest) -> JsonResponse:
    rows = [
        {
            "id": str(customer.public_id),
            "name": customer.name,
            "short_name": customer.short_name,
            "grade": customer.grade,
            "status": customer.status,
            "owner_id": customer.owner_id,
            "created_at": customer.created_at.isoformat(),
        }
        for customer in Customer.objects.order_by("-id")[:50]
    ]
    return JsonResponse({"rows": rows})


urlpatterns = [
    path(BARE_PATH, bare_list),
    path("", include("kehu.urls")),
]
