"""A user manager grants no more than their own role has; a rejected change writes nothing."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.org import departments, passwords, services
from kehu.org.models import Capability, DataScope, Department, FieldAccess, Preset, Role, User
from kehu.org.presets import preset_role
from kehu.org.services import RoleValues
from kehu.org.tests.conftest import org_state

C = Capability


def _admin(
    personas: Personas,
    scope: str = DataScope.COMPANY,
    capabilities: tuple[str, ...] = (C.MANAGE_USERS, C.CREATE, C.EDIT, C.FOLLOW_UP),
    department: str = "华东销售部",
    **role_values: Any,
) -> User:
    """Return a user whose custom role manages users but lacks export, among others."""
    role = Role.objects.create(
        name="人事管理员", data_scope=scope, capabilities=list(capabilities), **role_values
    )
    return User.objects.create_user(
        username="hr",
        password="x",
        display_name="人事",
        role=role,
        department=Department.objects.get(name=department),
    )


def _create_user(actor: User, role: Role, department: Department | None, **extra: Any) -> User:
    return services.create_user(
        actor,
        username="newcomer",
        display_name="新人",
        password="Kehu-2026-strong",
        department=department,
        manager=extra.get("manager"),
        role=role,
    )


def _assign(actor: User, user: User, **changes: Any) -> User:
    values = {
        "display_name": user.display_name,
        "department": user.department,
        "manager": user.manager,
        "role": user.role,
        **changes,
    }
    return services.update_user(actor, user, **values)


def test_admin_without_export_cannot_create_role_with_export(personas: Personas) -> None:
    admin = _admin(personas)
    before = org_state()

    with pytest.raises(PermissionDenied) as raised:
        services.create_role(
            admin, RoleValues(name="导出员", data_scope=DataScope.OWN, capabilities=[C.EXPORT])
        )

    assert str(raised.value) == "您自己的角色没有“导出”权限，因此不能授予。"
    assert org_state() == before


def test_admin_without_export_cannot_assign_role_with_export(personas: Personas) -> None:
    admin = _admin(personas)
    boss_role = preset_role(Preset.BOSS)
    before = org_state()

    with pytest.raises(PermissionDenied):
        _assign(admin, personas.rep, role=boss_role)
    with pytest.raises(PermissionDenied):
        _create_user(admin, boss_role, personas.rep.department)

    assert org_state() == before


def test_admin_without_export_cannot_add_export_to_role(personas: Personas) -> None:
    admin = _admin(personas)
    rep_role = preset_role(Preset.REP)
    before = org_state()

    with pytest.raises(PermissionDenied):
        services.update_role(
            admin,
            rep_role,
            RoleValues(
                name=rep_role.name,
                data_scope=rep_role.data_scope,
                capabilities=[*rep_role.capabilities, C.EXPORT],
            ),
        )

    assert org_state() == before


def test_admin_cannot_edit_wider_role(personas: Personas) -> None:
    admin = _admin(personas)
    boss_role = preset_role(Preset.BOSS)
    before = org_state()

    with pytest.raises(PermissionDenied):
        services.update_role(
            admin,
            boss_role,
            RoleValues(name="总经理", data_scope=DataScope.OWN, capabilities=[C.CREATE]),
        )

    assert org_state() == before
    boss_role.refresh_from_db()
    assert boss_role.name == "老板"


def test_admin_cannot_demote_or_deactivate_boss(personas: Personas) -> None:
    admin = _admin(personas)
    before = org_state()

    with pytest.raises(PermissionDenied):
        services.update_user(
            admin,
            personas.boss,
            display_name=personas.boss.display_name,
            department=personas.boss.department,
            manager=None,
            role=preset_role(Preset.REP),
        )
    with pytest.raises(PermissionDenied):
        services.deactivate_user(admin, personas.boss)

    assert org_state() == before


def test_agent_role_refused_for_owner(personas: Personas) -> None:
    customer_services.create_customer(personas.rep, {"name": "杭州星星科技有限公司"})
    before = org_state()

    with pytest.raises(ValidationError) as caught:
        services.update_user(
            personas.boss,
            personas.rep,
            display_name=personas.rep.display_name,
            department=personas.rep.department,
            manager=personas.rep.manager,
            role=preset_role(Preset.AGENT),
        )

    assert "role" in caught.value.message_dict
    assert org_state() == before


def test_admin_may_grant_what_they_hold(personas: Personas) -> None:
    admin = _admin(personas)

    role = services.create_role(
        admin,
        RoleValues(
            name="助理", data_scope=DataScope.COMPANY, capabilities=[C.CREATE, C.MANAGE_USERS]
        ),
    )
    created = _create_user(admin, role, None)

    assert created.role == role
    assert role.capabilities == [C.CREATE, C.MANAGE_USERS]


def test_admin_cannot_grant_wider_scope(personas: Personas) -> None:
    admin = _admin(personas, scope=DataScope.DEPARTMENT)
    rep_role = preset_role(Preset.REP)
    before = org_state()

    with pytest.raises(PermissionDenied) as raised:
        services.create_role(admin, RoleValues(name="全局", data_scope=DataScope.COMPANY))
    with pytest.raises(PermissionDenied):
        services.update_role(
            admin,
            rep_role,
            RoleValues(
                name=rep_role.name,
                data_scope=DataScope.DEPARTMENT_TREE,
                capabilities=rep_role.capabilities,
            ),
        )
    with pytest.raises(PermissionDenied):
        _assign(admin, personas.rep, role=preset_role(Preset.MANAGER))

    assert str(raised.value) == "数据范围“全公司”比您自己的更宽，因此不能授予。"
    assert org_state() == before


@pytest.mark.parametrize(
    ("held", "granted", "allowed"),
    [
        (DataScope.DEPARTMENT_TREE, DataScope.DEPARTMENT, True),
        (DataScope.DEPARTMENT, DataScope.OWN, True),
        (DataScope.OWN, DataScope.ASSIGNED, True),
        (DataScope.SUBORDINATES, DataScope.DEPARTMENT, False),
        (DataScope.DEPARTMENT, DataScope.SUBORDINATES, False),
        (DataScope.OWN, DataScope.SUBORDINATES, False),
    ],
)
def test_scope_grants_follow_coverage(
    personas: Personas, held: str, granted: str, allowed: bool
) -> None:
    admin = _admin(personas, scope=held)
    values = RoleValues(name="新角色", data_scope=granted)

    if allowed:
        assert services.create_role(admin, values).data_scope == granted
    else:
        with pytest.raises(PermissionDenied):
            services.create_role(admin, values)
        assert not Role.objects.filter(name="新角色").exists()


def test_admin_cannot_open_field_beyond_own_access(personas: Personas) -> None:
    admin = _admin(personas, field_policy={"contact.mobile": FieldAccess.MASKED})
    agent_role = preset_role(Preset.AGENT)
    before = org_state()

    with pytest.raises(PermissionDenied) as raised:
        services.create_role(
            admin,
            RoleValues(
                name="看号码",
                data_scope=DataScope.OWN,
                field_policy={"contact.mobile": FieldAccess.READ_ONLY},
            ),
        )
    # The agents' phones are masked by their sensitive default. Making them editable opens the
    # mobile beyond the admin's own masked access.
    with pytest.raises(PermissionDenied):
        services.update_role(
            admin,
            agent_role,
            RoleValues(
                name=agent_role.name,
                data_scope=agent_role.data_scope,
                capabilities=agent_role.capabilities,
                money_access=agent_role.money_access,
                sensitive_access=FieldAccess.EDITABLE,
            ),
        )

    assert str(raised.value) == "您自己的角色对“手机”的权限更小，因此不能授予更多权限。"
    assert org_state() == before


def test_admin_may_close_fields_they_cannot_read(personas: Personas) -> None:
    admin = _admin(personas, field_policy={"contact.mobile": FieldAccess.HIDDEN})

    role = services.create_role(
        admin,
        RoleValues(
            name="更严",
            data_scope=DataScope.OWN,
            field_policy={"contact.mobile": FieldAccess.HIDDEN},
            sensitive_access=FieldAccess.HIDDEN,
        ),
    )

    assert role.field_policy == {"contact.mobile": FieldAccess.HIDDEN}


def test_admin_cannot_become_a_reps_manager(personas: Personas) -> None:
    # With a subordinates scope, becoming someone's manager reaches their customers. The admin
    # holds everything the rep's role holds, so only the reach check rejects the change.
    admin = _admin(
        personas,
        scope=DataScope.SUBORDINATES,
        capabilities=(C.MANAGE_USERS, C.CREATE, C.EDIT, C.FOLLOW_UP, C.IMPORT),
    )
    before = org_state()

    with pytest.raises(PermissionDenied) as raised:
        _assign(admin, personas.other_rep, manager=admin)

    assert str(raised.value) == "此修改会让人事看到您自己看不到的客户。"
    assert org_state() == before


def test_admin_cannot_pull_user_into_own_department(personas: Personas) -> None:
    admin = _admin(personas, scope=DataScope.DEPARTMENT)
    before = org_state()

    with pytest.raises(PermissionDenied):
        _assign(admin, personas.other_rep, department=admin.department)

    assert org_state() == before


def test_admin_cannot_create_account_reaching_other_department(personas: Personas) -> None:
    admin = _admin(personas, scope=DataScope.DEPARTMENT)
    role = services.create_role(admin, RoleValues(name="部门主管", data_scope=DataScope.DEPARTMENT))
    south = Department.objects.get(name="华南销售部")
    before = org_state()

    with pytest.raises(PermissionDenied):
        _create_user(admin, role, south)

    assert org_state() == before
    assert _create_user(admin, role, admin.department).department == admin.department


def test_admin_cannot_widen_holders_through_role(personas: Personas) -> None:
    # The role's scope stays within the admin's, but its holders in the south would reach
    # customers of the south department, which the admin does not.
    admin = _admin(personas, scope=DataScope.DEPARTMENT)
    rep_role = preset_role(Preset.REP)
    before = org_state()

    with pytest.raises(PermissionDenied):
        services.update_role(
            admin,
            rep_role,
            RoleValues(
                name=rep_role.name,
                data_scope=DataScope.DEPARTMENT,
                capabilities=rep_role.capabilities,
            ),
        )

    assert org_state() == before


def test_admin_cannot_move_department_into_own_tree(personas: Personas) -> None:
    admin = _admin(personas, scope=DataScope.DEPARTMENT_TREE)
    south = Department.objects.get(name="华南销售部")
    before = org_state()

    with pytest.raises(PermissionDenied):
        departments.move_department(admin, south, admin.department)

    assert org_state() == before
    sub = departments.create_department(admin, "华东二组", admin.department)
    assert sub.parent == admin.department


def test_admin_cannot_reactivate_user_with_more_capabilities(personas: Personas) -> None:
    admin = _admin(personas)
    services.deactivate_user(personas.boss, personas.manager)
    before = org_state()

    with pytest.raises(PermissionDenied):
        services.reactivate_user(admin, personas.manager)

    assert org_state() == before


def test_company_wide_boss_moves_freely(personas: Personas) -> None:
    south = Department.objects.get(name="华南销售部")
    east = Department.objects.get(name="华东销售部")

    departments.move_department(personas.boss, south, east)
    _assign(personas.boss, personas.other_rep, department=east, manager=personas.manager)

    south.refresh_from_db()
    assert south.parent == east


def test_department_admin_cannot_take_over_other_departments(personas: Personas) -> None:
    """A user manager of one department sets passwords and deactivates only inside its reach."""
    manager_capabilities = (
        tuple(personas.manager.role.capabilities) if personas.manager.role else ()
    )
    admin = _admin(
        personas,
        scope=DataScope.DEPARTMENT_TREE,
        capabilities=(*manager_capabilities, C.MANAGE_USERS),
        field_policy=dict(personas.manager.role.field_policy) if personas.manager.role else {},
    )

    with pytest.raises(PermissionDenied):
        passwords.set_user_password(admin, personas.other_rep, "Kehu-2026-strong")
    with pytest.raises(PermissionDenied):
        services.deactivate_user(admin, personas.other_rep)
    passwords.set_user_password(admin, personas.rep, "Kehu-2026-strong")
    services.deactivate_user(admin, personas.rep2)

    personas.other_rep.refresh_from_db()
    assert personas.other_rep.check_password("test-pass-123")
    assert personas.other_rep.is_active
    assert User.objects.get(pk=personas.rep.pk).check_password("Kehu-2026-strong")
    assert not User.objects.get(pk=personas.rep2.pk).is_active
