"""Who sees which pool customers, and how the pool masks their fields."""

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import FieldAccess, User
from kehu.pool import listing, queries
from kehu.pool.tests.fixtures import PlaceCustomer, Pools


def test_rep_sees_only_own_pools(personas: Personas, pools: Pools, place: PlaceCustomer) -> None:
    east = place("华东公海客户有限公司", pools.east)
    south = place("华南公海客户有限公司", pools.south)
    company = place("公司公海客户有限公司", pools.company)

    def names(user: User) -> list[str]:
        entries = queries.visible_entries(user)
        return sorted(entries.values_list("customer__name", flat=True))

    assert names(personas.rep) == sorted([east.name, company.name])
    assert names(personas.other_rep) == sorted([south.name, company.name])
    assert names(personas.agent) == []
    assert len(names(personas.boss)) == 3
    pool_names = queries.visible_pools(personas.rep).values_list("name", flat=True)
    assert sorted(pool_names) == sorted([pools.company.name, pools.east.name])


def test_owned_customer_leaves_listing(
    personas: Personas, pools: Pools, place: PlaceCustomer
) -> None:
    customer = place("华东公海客户有限公司", pools.east)
    customer_services.change_owner(personas.manager, customer, personas.rep)

    assert not queries.visible_entries(personas.manager).exists()


def test_pool_masks_on_top_of_role(personas: Personas, pools: Pools) -> None:
    pools.east.masked_fields = ["contact.mobile"]
    specs = field_map(FieldTarget.CONTACT)

    policy = queries.PoolPolicy(personas.rep, pools.east)

    assert policy.access(FieldTarget.CONTACT, specs["mobile"]) == FieldAccess.MASKED
    assert policy.shown(FieldTarget.CONTACT, specs["mobile"], "13812345678") == "138****5678"
    assert policy.access(FieldTarget.CONTACT, specs["name"]) == FieldAccess.EDITABLE
    agent_policy = queries.PoolPolicy(personas.agent, pools.east)
    assert agent_policy.access(FieldTarget.CONTACT, specs["mobile"]) == FieldAccess.MASKED


def test_pages_follow_cursor(personas: Personas, pools: Pools, place: PlaceCustomer) -> None:
    customers = [place(f"分页测试{index:02d}有限公司", pools.east) for index in range(7)]
    filters = listing.PoolFilters()

    first = listing.pool_page(personas.rep, pools.east, filters, size=3)
    second = listing.pool_page(personas.rep, pools.east, filters, first.next_cursor, size=3)
    third = listing.pool_page(personas.rep, pools.east, filters, second.next_cursor, size=3)

    seen = [entry.customer_id for page in (first, second, third) for entry in page.entries]
    assert seen == [customer.pk for customer in reversed(customers)]
    assert third.next_cursor == ""
    assert first.count == 7


def test_filters_narrow_page(personas: Personas, pools: Pools, place: PlaceCustomer) -> None:
    place("青禾科技有限公司", pools.east, grade="A")
    place("青禾贸易有限公司", pools.east, grade="B")
    place("远山物流有限公司", pools.east, grade="A")

    page = listing.pool_page(
        personas.rep, pools.east, listing.parse_filters({"q": "青禾", "grade": "A"})
    )

    assert [entry.customer.name for entry in page.entries] == ["青禾科技有限公司"]
    assert listing.parse_filters({"grade": "Z", "province": "abc"}) == listing.PoolFilters()
