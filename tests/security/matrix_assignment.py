"""The permission matrix's entries for the assignment rule settings.

Statuses read boss, manager, rep, outside agent, signed out. Changing the rules and the default
owners needs the manage-pools capability, which the boss and the manager hold. The rep and the
agent get a 403 before any rule is loaded. The rule the pages edit is the second of the world's
two, so moving it up changes the order.
"""

from typing import Any

from tests.security.matrix import Entry, constant, expect
from tests.security.world import Records, World

PAGE = expect("200", "200", "403", "403", "302")
WRITE = expect("302", "302", "403", "403", "302")


def _rule_form(world: World, role: str, records: Records) -> dict[str, Any]:
    return {
        "name": "物流客户",
        "applies_to": "customer",
        "is_active": "1",
        "industries": ["logistics"],
        "route": "user",
        "user": str(world.personas.rep.public_id),
    }


def _default_owner(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"target": "customer", "owner": str(world.personas.rep.public_id)}


ASSIGNMENT_PAGE_ENTRIES = [
    Entry("settings/assignment/", "web:settings_assignment", "GET", PAGE),
    Entry("settings/assignment/new/", "web:settings_assignment_create", "GET", PAGE),
    Entry(
        "settings/assignment/new/",
        "web:settings_assignment_create",
        "POST",
        WRITE,
        data=_rule_form,
        writes=True,
    ),
    Entry(
        "settings/assignment/default-owner/",
        "web:settings_assignment_default",
        "POST",
        WRITE,
        data=_default_owner,
        writes=True,
    ),
    Entry(
        "settings/assignment/<uuid:public_id>/edit/",
        "web:settings_assignment_edit",
        "GET",
        PAGE,
        target="rule",
    ),
    Entry(
        "settings/assignment/<uuid:public_id>/edit/",
        "web:settings_assignment_edit",
        "POST",
        WRITE,
        target="rule",
        data=_rule_form,
        writes=True,
    ),
    Entry(
        "settings/assignment/<uuid:public_id>/delete/",
        "web:settings_assignment_delete",
        "POST",
        WRITE,
        target="rule",
        writes=True,
    ),
    Entry(
        "settings/assignment/<uuid:public_id>/move/",
        "web:settings_assignment_move",
        "POST",
        WRITE,
        target="rule",
        data=constant({"direction": "up"}),
        writes=True,
    ),
    Entry(
        "settings/assignment/<uuid:public_id>/switch/",
        "web:settings_assignment_switch",
        "POST",
        WRITE,
        target="rule",
        data=constant({"active": "0"}),
        writes=True,
    ),
]
