"""Products: the catalogue every user reads, and that the boss's role manages."""

import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from kehu.api import present, present_sales
from kehu.api import schemas_sales as schemas
from kehu.api.auth import request_user
from kehu.api.routers.common import ERRORS
from kehu.org.models import User
from kehu.sales import services
from kehu.sales.models import Product
from kehu.sales.queries import may_manage_products, visible_products

router = Router(tags=["products"])


def _product(user: User, public_id: uuid.UUID) -> Product:
    found = visible_products(user).filter(public_id=public_id).first()
    if found is None:
        raise Http404
    return found


@router.get(
    "/products", response={200: list[schemas.ProductOut], **ERRORS}, summary="List products"
)
def list_products(request: HttpRequest, active: bool | None = None) -> list[schemas.ProductOut]:
    """List the catalogue, active products first. Prices follow your role's field policy."""
    user = request_user(request)
    products = visible_products(user).order_by("-is_active", "code")
    if active is not None:
        products = products.filter(is_active=active)

    viewer = present.viewer_for(user)
    return [present_sales.product(viewer, row) for row in products]


@router.post("/products", response={201: schemas.ProductOut, **ERRORS}, summary="Create a product")
def create_product(request: HttpRequest, payload: schemas.ProductIn) -> Status[schemas.ProductOut]:
    """Add a product; needs the capability to manage fields. Codes are unique."""
    user = request_user(request)

    created = services.create_product(user, payload.model_dump(exclude_unset=True))

    return Status(201, present_sales.product(present.viewer_for(user), created))


@router.get(
    "/products/{product_id}",
    response={200: schemas.ProductOut, **ERRORS},
    summary="Read a product",
)
def product_detail(request: HttpRequest, product_id: uuid.UUID) -> schemas.ProductOut:
    user = request_user(request)
    record = _product(user, product_id)
    return present_sales.product(present.viewer_for(user), record)


@router.patch(
    "/products/{product_id}",
    response={200: schemas.ProductOut, **ERRORS},
    summary="Change a product",
)
def update_product(
    request: HttpRequest, product_id: uuid.UUID, payload: schemas.ProductPatch
) -> schemas.ProductOut:
    """Change only the fields sent; retire a product with `is_active` false."""
    user = request_user(request)
    if not may_manage_products(user):
        raise PermissionDenied(_("Your role may not manage products."))
    record = _product(user, product_id)

    changed = services.update_product(user, record, payload.model_dump(exclude_unset=True))

    return present_sales.product(present.viewer_for(user), changed)
