"""Which deals each preset reaches: a deal is visible exactly when its customer is."""

import pytest

from kehu.conftest import Personas
from kehu.customers import sharing
from kehu.customers.models import ShareAccess
from kehu.sales import services
from kehu.sales.models import Deal
from kehu.sales.queries import visible_deals, visible_products, writable_deals
from kehu.sales.tests.conftest import Shop


@pytest.fixture
def deals(personas: Personas, shop: Shop) -> tuple[Deal, Deal]:
    inside = services.create_deal(personas.rep, shop.customer, {"name": "东部商机"})
    outside = services.create_deal(personas.other_rep, shop.other_customer, {"name": "南部商机"})
    return inside, outside


@pytest.mark.parametrize(
    ("persona", "visible", "writable"),
    [
        ("boss", ["东部商机", "南部商机"], ["东部商机", "南部商机"]),
        ("manager", ["东部商机"], ["东部商机"]),
        ("rep", ["东部商机"], ["东部商机"]),
        ("rep2", [], []),
        ("agent", ["东部商机"], []),
        ("other_manager", ["南部商机"], ["南部商机"]),
        ("other_rep", ["南部商机"], ["南部商机"]),
    ],
)
def test_deal_scope_per_persona(
    personas: Personas,
    deals: tuple[Deal, Deal],
    persona: str,
    visible: list[str],
    writable: list[str],
) -> None:
    user = getattr(personas, persona)

    assert sorted(visible_deals(user).values_list("name", flat=True)) == visible
    assert sorted(writable_deals(user).values_list("name", flat=True)) == writable


def test_read_share_shows_deal_without_writing(
    personas: Personas, shop: Shop, deals: tuple[Deal, Deal]
) -> None:
    sharing.share_customer(personas.rep, shop.customer, personas.rep2, ShareAccess.READ, None)

    assert list(visible_deals(personas.rep2).values_list("name", flat=True)) == ["东部商机"]
    assert list(writable_deals(personas.rep2)) == []


def test_deactivated_user_sees_nothing(personas: Personas, deals: tuple[Deal, Deal]) -> None:
    personas.rep.is_active = False
    personas.rep.save(update_fields=["is_active"])

    assert list(visible_deals(personas.rep)) == []
    assert list(visible_products(personas.rep)) == []


def test_every_role_reads_catalogue(personas: Personas, shop: Shop) -> None:
    assert visible_products(personas.agent).count() == 2
    assert visible_products(personas.rep).count() == 2
