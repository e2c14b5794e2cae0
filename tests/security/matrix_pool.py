"""The permission matrix's entries for the public pool's pages, its settings and its API.

Statuses read boss, manager, rep, outside agent, signed out. The in-scope pool is the East pool:
the east department are its members, and the east rep returned its customer. The outside pool
is the South pool, except for users who manage pools, because they administer every pool (see
World.records). Members open and claim a pool's customers, and only the pool's administrators
(here the boss and the manager, through the manage-pools capability) assign them. Outside
agents never own customers, so they may never claim: every pool page and pool API route
answers them 403 before it loads anything. The owner returns and locks their customer; a user
with the assign capability who reaches it may return it as well, but only the owner locks.
Only roles with the manage-pools capability open the pool settings.
"""

from typing import Any

from tests.security.matrix import Entry, constant, expect
from tests.security.world import Records, World

# Pool customers and pools: members read them, everyone else gets a 404.
MEMBER_READ = expect("200", "200/404", "200/404", "403/403", "302")
# The claim page returns "already claimed" (409) for any customer outside the caller's pools.
CLAIM = expect("302", "302/409", "302/409", "403/403", "302")
ASSIGN = expect("302", "302/404", "403/404", "403/403", "302")
# The owner (the rep) and those with the assign capability who reach the customer return it.
RETURN = expect("302", "302/404", "302/404", "403/404", "302")
LOCK = expect("403", "403/404", "302/404", "403/404", "302")
SETTINGS_PAGE = expect("200", "200", "403", "403", "302")
SETTINGS_WRITE = expect("302", "302", "403", "403", "302")

V1 = "api/v1/"
CUSTOMER = V1 + "customers/<customer_id>"
API_MEMBER_READ = expect("200", "200/404", "200/404", "403/403", "401")


def _to_rep(world: World, role: str, records: Records) -> dict[str, Any]:
    """Name the east rep, a member of the East pool, as the one who receives the customer."""
    return {"user": str(world.personas.rep.public_id)}


def _posted_return(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"reason": str(world.return_reason.pk), "note": "客户转向竞品"}


def _api_return(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"reason": world.return_reason.name, "note": "客户转向竞品"}


def _pool_form(world: World, role: str, records: Records) -> dict[str, Any]:
    department = world.personas.rep.department
    assert department is not None
    return {
        "name": "华东公海（改）",
        "lock_on": "on",
        "lock_limit": "3",
        "departments": [str(department.public_id)],
        "admins": [str(world.personas.manager.public_id)],
    }


def _new_pool_form(world: World, role: str, records: Records) -> dict[str, Any]:
    department = world.personas.boss.department
    assert department is not None
    return {"name": "总公司公海", "department": str(department.public_id)}


POOL_PAGE_ENTRIES = [
    Entry("pool/", "web:pool_home", "GET", expect("302", "302", "302", "403", "302")),
    Entry(
        "pool/<uuid:public_id>/",
        "web:pool_list",
        "GET",
        MEMBER_READ,
        target="pool",
        shows="pool_customer",
    ),
    Entry(
        "pool/customers/<uuid:public_id>/",
        "web:pool_customer",
        "GET",
        MEMBER_READ,
        target="pool_customer",
        shows="pool_customer",
        writes=True,
    ),
    Entry(
        "pool/customers/<uuid:public_id>/claim/",
        "web:pool_claim",
        "POST",
        CLAIM,
        target="pool_customer",
        writes=True,
        # The "already claimed" page's language switch echoes the requested path.
        echoes_query=True,
    ),
    Entry(
        "pool/customers/<uuid:public_id>/assign/",
        "web:pool_assign",
        "POST",
        ASSIGN,
        target="pool_customer",
        data=_to_rep,
        writes=True,
    ),
    Entry(
        "customers/<uuid:public_id>/return/",
        "web:customer_return",
        "POST",
        RETURN,
        target="customer",
        data=_posted_return,
        writes=True,
        reader="403",
    ),
    Entry(
        "customers/<uuid:public_id>/lock/",
        "web:customer_lock",
        "POST",
        LOCK,
        target="customer",
        writes=True,
        reader="403",
    ),
    Entry("settings/pools/", "web:settings_pools", "GET", SETTINGS_PAGE),
    Entry("settings/pools/new/", "web:settings_pool_create", "GET", SETTINGS_PAGE),
    Entry(
        "settings/pools/new/",
        "web:settings_pool_create",
        "POST",
        SETTINGS_WRITE,
        data=_new_pool_form,
        writes=True,
    ),
    Entry(
        "settings/pools/<uuid:public_id>/edit/",
        "web:settings_pool_edit",
        "GET",
        SETTINGS_PAGE,
        target="edited_pool",
    ),
    Entry(
        "settings/pools/<uuid:public_id>/edit/",
        "web:settings_pool_edit",
        "POST",
        SETTINGS_WRITE,
        target="edited_pool",
        data=_pool_form,
        writes=True,
    ),
    Entry(
        "settings/pools/<uuid:public_id>/delete/",
        "web:settings_pool_delete",
        "POST",
        SETTINGS_WRITE,
        target="edited_pool",
        writes=True,
    ),
    Entry("settings/return-reasons/", "web:settings_return_reasons", "GET", SETTINGS_PAGE),
    Entry(
        "settings/return-reasons/",
        "web:settings_return_reasons",
        "POST",
        SETTINGS_WRITE,
        data=constant({"reasons": "客户无意向\n联系不上\n已转向竞品"}),
        writes=True,
    ),
]

POOL_API_ENTRIES = [
    # Every signed-in user but an outside agent lists the pools they belong to.
    Entry(V1 + "pools", "api-v1:list_pools", "GET", expect("200", "200", "200", "403", "401")),
    Entry(
        V1 + "pools/<pool_id>/customers",
        "api-v1:list_pool_customers",
        "GET",
        API_MEMBER_READ,
        shows="pool_customer",
    ),
    Entry(
        V1 + "pool-customers/<customer_id>",
        "api-v1:open_pool_customer",
        "GET",
        API_MEMBER_READ,
        target="pool_customer",
        shows="pool_customer",
        writes=True,
        reader="200",
    ),
    Entry(
        CUSTOMER + "/claim",
        "api-v1:claim",
        "POST",
        API_MEMBER_READ,
        target="pool_customer",
        writes=True,
        reader="200",
    ),
    Entry(
        CUSTOMER + "/assign",
        "api-v1:assign",
        "POST",
        expect("200", "200/404", "403/404", "403/403", "401"),
        target="pool_customer",
        data=_to_rep,
        writes=True,
        reader="403",
    ),
    Entry(
        CUSTOMER + "/return",
        "api-v1:return_",
        "POST",
        expect("200", "200/404", "200/404", "403/404", "401"),
        data=_api_return,
        writes=True,
        reader="403",
    ),
    Entry(
        CUSTOMER + "/lock",
        "api-v1:lock",
        "POST",
        expect("403", "403/404", "200/404", "403/404", "401"),
        writes=True,
        reader="403",
    ),
    # The world's customer has no lock, so a permitted unlock changes nothing.
    Entry(
        CUSTOMER + "/lock",
        "api-v1:unlock",
        "DELETE",
        expect("204", "204/404", "204/404", "403/404", "401"),
        reader="403",
    ),
]
