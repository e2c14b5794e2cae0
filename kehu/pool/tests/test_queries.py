"""Who sees which pool customers, and how the pool masks their fields."""

from django.test import Client

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers.queries import visible_customers
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import Capability, DataScope, FieldAccess, Role, User
from kehu.pool import listing, queries
from kehu.pool.models import PoolMember
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


def team_lead(user: User) -> User:
    """Give `user` a manager's role without the right to manage pools, as a team lead has."""
    role = Role.objects.create(
        name=f"组长{user.pk}",
        data_scope=DataScope.DEPARTMENT_TREE,
        capabilities=[Capability.CREATE, Capability.EDIT, Capability.FOLLOW_UP, Capability.ASSIGN],
    )
    user.role = role
    user.save(update_fields=["role"])
    return User.objects.get(pk=user.pk)


def test_lead_reaches_own_pools_only(
    personas: Personas, pools: Pools, place: PlaceCustomer, client: Client
) -> None:
    """A role that assigns but does not manage pools reads the unowned customers outside every
    pool and those of the pools the user administers. Other pools' customers stay behind the pool
    pages' masks."""
    own_pool = place("华东公海客户有限公司", pools.east)
    company = place("公司公海客户有限公司", pools.company)
    south = place("华南公海客户有限公司", pools.south)
    loose = customer_services.create_customer(
        personas.boss, {"name": "无主客户有限公司"}, owner=None
    )

    def names(user: User) -> list[str]:
        unowned = visible_customers(user).filter(owner__isnull=True)
        return sorted(unowned.values_list("name", flat=True))

    # The preset manager's role manages pools, so it administers every pool.
    everyone = sorted([own_pool.name, company.name, south.name, loose.name])
    assert names(personas.manager) == everyone
    east_lead = team_lead(personas.manager)
    south_lead = team_lead(personas.other_manager)
    assert names(east_lead) == sorted([own_pool.name, loose.name])
    assert names(south_lead) == sorted([south.name, loose.name])
    assert names(personas.boss) == everyone
    assert names(personas.rep) == []

    client.force_login(east_lead)
    assert client.get(f"/customers/{company.public_id}/").status_code == 404
    assert client.get(f"/customers/{own_pool.public_id}/").status_code == 200
    listed = client.get("/", {"q": "公海客户"}).content.decode()
    assert own_pool.name in listed
    assert company.name not in listed
    assert south.name not in listed


def test_pool_admin_reaches_pool_customers(
    personas: Personas, pools: Pools, place: PlaceCustomer
) -> None:
    company = place("公司公海客户有限公司", pools.company)
    east_lead = team_lead(personas.manager)
    assert not visible_customers(east_lead).filter(pk=company.pk).exists()

    PoolMember.objects.create(pool=pools.company, user=east_lead, is_admin=True)

    assert visible_customers(east_lead).filter(pk=company.pk).exists()
