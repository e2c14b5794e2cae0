"""The permission matrix's entries for the user, department and role settings pages.

Only roles that manage users and roles open them. Of the presets only the boss's role does, so
the other personas get a 403 before any record is loaded. The user edited is the second rep, the
department the east one and the role the reps' preset (see World.settings_id).
"""

from typing import Any

from kehu.org.models import Capability, DataScope, FieldAccess
from tests.security.matrix import Entry, every, expect
from tests.security.world import Records, World

PAGE = expect("200", "403", "403", "403", "302")
WRITE = expect("302", "403", "403", "403", "302")


def _user_form(world: World, role: str, records: Records) -> dict[str, Any]:
    rep2 = world.personas.rep2
    assert rep2.role is not None
    assert rep2.department is not None
    assert rep2.manager is not None
    return {
        "display_name": "张销售（华东）",
        "role": str(rep2.role.public_id),
        "department": str(rep2.department.public_id),
        "manager": str(rep2.manager.public_id),
    }


def _new_user(world: World, role: str, records: Records) -> dict[str, Any]:
    return {
        **_user_form(world, role, records),
        "username": "newcomer",
        "display_name": "新同事",
        "password": "Qiantang-river-2024",
    }


def _new_department(world: World, role: str, records: Records) -> dict[str, Any]:
    company = world.personas.boss.department
    assert company is not None
    return {"name": "西南销售部", "parent": str(company.public_id)}


def _move(world: World, role: str, records: Records) -> dict[str, Any]:
    south = world.personas.other_rep.department
    assert south is not None
    return {"parent": str(south.public_id)}


def _role_form(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "data_scope": DataScope.OWN,
        "capabilities": [Capability.CREATE, Capability.EDIT, Capability.FOLLOW_UP],
        "money_access": FieldAccess.EDITABLE,
        "sensitive_access": FieldAccess.EDITABLE,
    }


def _constant(values: dict[str, Any]) -> Any:
    def build(world: World, role: str, records: Records) -> dict[str, Any]:
        return dict(values)

    return build


NEW_PASSWORD = "Qiantang-river-2024"


SETTINGS_ENTRIES = [
    # Everyone signed in changes their own password; the personas' password is test-pass-123.
    Entry("settings/password/", "web:own_password", "GET", every("200", "302")),
    Entry(
        "settings/password/",
        "web:own_password",
        "POST",
        every("302", "302"),
        data=_constant(
            {
                "current_password": "test-pass-123",
                "new_password": NEW_PASSWORD,
                "new_password_again": NEW_PASSWORD,
            }
        ),
        writes=True,
    ),
    Entry("settings/users/", "web:settings_users", "GET", PAGE),
    Entry("settings/users/new/", "web:settings_user_create", "GET", PAGE),
    Entry(
        "settings/users/new/",
        "web:settings_user_create",
        "POST",
        WRITE,
        data=_new_user,
        writes=True,
    ),
    Entry("settings/users/<uuid:public_id>/edit/", "web:settings_user_edit", "GET", PAGE, "user"),
    Entry(
        "settings/users/<uuid:public_id>/edit/",
        "web:settings_user_edit",
        "POST",
        WRITE,
        target="user",
        data=_user_form,
        writes=True,
    ),
    Entry(
        "settings/users/<uuid:public_id>/password/",
        "web:settings_user_password",
        "GET",
        PAGE,
        target="user",
    ),
    Entry(
        "settings/users/<uuid:public_id>/password/",
        "web:settings_user_password",
        "POST",
        WRITE,
        target="user",
        data=_constant({"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}),
        writes=True,
    ),
    Entry(
        "settings/users/<uuid:public_id>/deactivate/",
        "web:settings_user_deactivate",
        "POST",
        WRITE,
        target="user",
        writes=True,
    ),
    # The second rep is active, so reactivating changes nothing.
    Entry(
        "settings/users/<uuid:public_id>/reactivate/",
        "web:settings_user_reactivate",
        "POST",
        WRITE,
        target="user",
    ),
    Entry("settings/departments/", "web:settings_departments", "GET", PAGE),
    Entry(
        "settings/departments/new/",
        "web:settings_department_create",
        "POST",
        WRITE,
        data=_new_department,
        writes=True,
    ),
    Entry(
        "settings/departments/<uuid:public_id>/rename/",
        "web:settings_department_rename",
        "POST",
        WRITE,
        target="department",
        data=_constant({"name": "华东一部"}),
        writes=True,
    ),
    Entry(
        "settings/departments/<uuid:public_id>/move/",
        "web:settings_department_move",
        "POST",
        WRITE,
        target="department",
        data=_move,
        writes=True,
    ),
    Entry("settings/roles/", "web:settings_roles", "GET", PAGE),
    Entry("settings/roles/new/", "web:settings_role_create", "GET", PAGE),
    Entry(
        "settings/roles/new/",
        "web:settings_role_create",
        "POST",
        WRITE,
        data=_constant(_role_form("电话销售")),
        writes=True,
    ),
    Entry("settings/roles/<uuid:public_id>/edit/", "web:settings_role_edit", "GET", PAGE, "role"),
    Entry(
        "settings/roles/<uuid:public_id>/edit/",
        "web:settings_role_edit",
        "POST",
        WRITE,
        target="role",
        data=_constant(_role_form("销售（新）")),
        writes=True,
    ),
]
