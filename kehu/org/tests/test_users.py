"""Creating and changing users through kehu.org.services."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.org import guards, services
from kehu.org.models import Capability, Department, Preset, Role, User
from kehu.org.presets import preset_role
from kehu.org.tests.conftest import org_state


def _new_user(personas: Personas, **values: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "username": "newrep",
        "display_name": "孙销售",
        "password": "Kehu-2026-strong",
        "department": personas.rep.department,
        "manager": personas.manager,
        "role": preset_role(Preset.REP),
    }
    return {**defaults, **values}


def test_boss_creates_user(personas: Personas) -> None:
    user = services.create_user(personas.boss, **_new_user(personas))

    user.refresh_from_db()
    assert user.username == "newrep"
    assert user.display_name == "孙销售"
    assert user.check_password("Kehu-2026-strong")
    assert user.department == personas.rep.department
    assert user.manager == personas.manager
    assert user.role == preset_role(Preset.REP)
    assert user.is_active
    entry = AuditEntry.objects.get()
    assert entry.action == AuditAction.USER_CREATED
    assert entry.actor == personas.boss
    assert entry.target_type == "user"
    assert entry.target_id == str(user.public_id)
    assert entry.detail["role"] == "销售"
    assert entry.detail["department"] == "华东销售部"
    assert "password" not in entry.detail


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"username": "REP"}, "username"),
        ({"username": "rep 2"}, "username"),
        ({"username": "  "}, "username"),
        ({"password": "123"}, "password"),
        ({"password": "newrep1234"}, "password"),
        ({"display_name": "王伟", "password": "wangwei2024"}, "password"),
        ({"display_name": "王伟", "password": "王伟123456"}, "password"),
        ({"role": None}, "role"),
        ({"display_name": "长" * 51}, "display_name"),
    ],
)
def test_create_user_rejects_bad_values(
    personas: Personas, values: dict[str, Any], key: str
) -> None:
    before = org_state()

    with pytest.raises(ValidationError) as raised:
        services.create_user(personas.boss, **_new_user(personas, **values))

    assert key in raised.value.message_dict
    assert org_state() == before


def test_taken_username_message_names_it(personas: Personas) -> None:
    with pytest.raises(ValidationError) as raised:
        services.create_user(personas.boss, **_new_user(personas, username="Rep"))

    assert raised.value.message_dict["username"] == ["用户名“Rep”已被使用。"]


def test_deactivated_manager_rejected(personas: Personas) -> None:
    User.objects.filter(pk=personas.manager.pk).update(is_active=False)
    personas.manager.refresh_from_db()

    with pytest.raises(ValidationError) as raised:
        services.create_user(personas.boss, **_new_user(personas))

    assert "manager" in raised.value.message_dict
    assert not User.objects.filter(username="newrep").exists()


@pytest.mark.parametrize("persona", ["manager", "rep", "agent"])
def test_only_user_managers_create_users(personas: Personas, persona: str) -> None:
    before = org_state()

    with pytest.raises(PermissionDenied):
        services.create_user(getattr(personas, persona), **_new_user(personas))

    assert org_state() == before


def test_boss_changes_user_and_audit_lists_changes(personas: Personas) -> None:
    south = Department.objects.get(name="华南销售部")

    changed = services.update_user(
        personas.boss,
        personas.rep,
        display_name="李小销",
        department=south,
        manager=personas.other_manager,
        role=preset_role(Preset.MANAGER),
    )

    changed.refresh_from_db()
    assert changed.display_name == "李小销"
    assert changed.department == south
    assert changed.manager == personas.other_manager
    assert changed.role == preset_role(Preset.MANAGER)
    entry = AuditEntry.objects.get()
    assert entry.action == AuditAction.USER_CHANGED
    assert entry.detail["changes"] == {
        "display_name": ["李销售", "李小销"],
        "department": ["华东销售部", "华南销售部"],
        "manager": ["王经理", "赵经理"],
        "role": ["销售", "销售经理"],
    }


def test_unchanged_user_writes_no_audit_entry(personas: Personas) -> None:
    rep = personas.rep

    services.update_user(
        personas.boss,
        rep,
        display_name=rep.display_name,
        department=rep.department,
        manager=rep.manager,
        role=rep.role,
    )

    assert AuditEntry.objects.count() == 0


def test_user_cannot_change_own_role(personas: Personas) -> None:
    boss = personas.boss
    before = org_state()

    with pytest.raises(PermissionDenied) as raised:
        services.update_user(
            boss,
            boss,
            display_name=boss.display_name,
            department=boss.department,
            manager=None,
            role=preset_role(Preset.REP),
        )

    assert str(raised.value) == "您不能修改自己的角色。"
    assert org_state() == before


def test_user_may_rename_themselves(personas: Personas) -> None:
    boss = personas.boss

    services.update_user(
        boss, boss, display_name="刘董", department=boss.department, manager=None, role=boss.role
    )

    boss.refresh_from_db()
    assert boss.display_name == "刘董"


@pytest.mark.parametrize("manager", ["rep", "manager"])
def test_manager_cycle_rejected(personas: Personas, manager: str) -> None:
    # rep reports to manager, so neither may become the manager's manager.
    target = personas.manager
    before = org_state()

    with pytest.raises(ValidationError) as raised:
        services.update_user(
            personas.boss,
            target,
            display_name=target.display_name,
            department=target.department,
            manager=getattr(personas, manager),
            role=target.role,
        )

    assert "manager" in raised.value.message_dict
    assert org_state() == before


def test_last_user_manager_keeps_capability(personas: Personas) -> None:
    # The boss has this role, and a user may only rename their own role.
    boss_role = preset_role(Preset.BOSS)
    before = org_state()

    with pytest.raises(PermissionDenied):
        services.update_role(
            personas.boss,
            boss_role,
            services.RoleValues(
                name=boss_role.name,
                data_scope=boss_role.data_scope,
                capabilities=[c for c in boss_role.capabilities if c != Capability.MANAGE_USERS],
            ),
        )

    assert org_state() == before


def test_second_admin_may_demote_boss(personas: Personas) -> None:
    admin = User.objects.create_user(
        username="admin", password="x", role=preset_role(Preset.BOSS), display_name="管理员"
    )

    services.update_user(
        admin,
        personas.boss,
        display_name=personas.boss.display_name,
        department=personas.boss.department,
        manager=None,
        role=preset_role(Preset.REP),
    )

    personas.boss.refresh_from_db()
    assert personas.boss.role == preset_role(Preset.REP)
    assert guards.user_manager_count() == 1


def test_superuser_cannot_demote_last_user_manager(personas: Personas) -> None:
    operator = User.objects.create_superuser(username="operator", password="x")
    before = org_state()

    with pytest.raises(ValidationError) as raised:
        services.update_user(
            operator,
            personas.boss,
            display_name=personas.boss.display_name,
            department=personas.boss.department,
            manager=None,
            role=preset_role(Preset.MANAGER),
        )

    assert raised.value.messages == [
        "至少要有一名在职用户保留“管理用户和角色”权限，否则之后无人能管理用户。"
    ]
    assert org_state() == before


def test_preset_roles_stay_editable(personas: Personas) -> None:
    rep_role = preset_role(Preset.REP)

    services.update_role(
        personas.boss,
        rep_role,
        services.RoleValues(
            name="业务员",
            data_scope=rep_role.data_scope,
            capabilities=[*rep_role.capabilities, Capability.EXPORT],
        ),
    )

    rep_role.refresh_from_db()
    assert rep_role.name == "业务员"
    assert rep_role.preset == Preset.REP
    assert Capability.EXPORT in rep_role.capabilities
    assert Role.objects.filter(preset=Preset.REP).count() == 1
    personas.rep.refresh_from_db()
    assert personas.rep.has_capability(Capability.EXPORT) is True
