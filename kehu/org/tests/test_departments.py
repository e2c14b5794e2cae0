"""Creating, renaming and moving departments through kehu.org.departments."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.org import departments
from kehu.org.models import Capability, DataScope, Department, Role, User
from kehu.org.tests.conftest import org_state


def _department(name: str) -> Department:
    return Department.objects.get(name=name)


def test_boss_creates_renames_and_moves(personas: Personas) -> None:
    east = _department("华东销售部")
    south = _department("华南销售部")

    team = departments.create_department(personas.boss, " 杭州组 ", east)
    departments.rename_department(personas.boss, team, "杭州一组")
    departments.move_department(personas.boss, team, south)

    team.refresh_from_db()
    assert (team.name, team.parent) == ("杭州一组", south)
    details = list(AuditEntry.objects.order_by("pk").values_list("action", "target_id", "detail"))
    assert details == [
        (
            AuditAction.DEPARTMENT_CHANGED,
            str(team.public_id),
            {"change": "created", "name": "杭州组", "parent": "华东销售部"},
        ),
        (
            AuditAction.DEPARTMENT_CHANGED,
            str(team.public_id),
            {"change": "renamed", "name": ["杭州组", "杭州一组"]},
        ),
        (
            AuditAction.DEPARTMENT_CHANGED,
            str(team.public_id),
            {"change": "moved", "parent": ["华东销售部", "华南销售部"]},
        ),
    ]


@pytest.mark.parametrize(
    ("name", "parent"),
    [("", "总公司"), ("华东销售部", "总公司"), ("总公司", None), ("长" * 101, None)],
)
def test_create_rejects_bad_names(personas: Personas, name: str, parent: str | None) -> None:
    before = org_state()

    with pytest.raises(ValidationError) as raised:
        departments.create_department(personas.boss, name, _department(parent) if parent else None)

    assert list(raised.value.message_dict) == ["name"]
    assert org_state() == before


def test_duplicate_name_message(personas: Personas) -> None:
    with pytest.raises(ValidationError) as raised:
        departments.rename_department(personas.boss, _department("华南销售部"), "华东销售部")

    assert raised.value.message_dict == {"name": ["同一上级下已有名为“华东销售部”的部门。"]}


@pytest.mark.parametrize("parent", ["华东销售部", "杭州组"])
def test_move_rejects_cycles(personas: Personas, parent: str) -> None:
    east = _department("华东销售部")
    departments.create_department(personas.boss, "杭州组", east)
    before = org_state()

    with pytest.raises(ValidationError) as raised:
        departments.move_department(personas.boss, east, _department(parent))

    assert list(raised.value.message_dict) == ["parent"]
    assert org_state() == before


def test_move_to_top_level(personas: Personas) -> None:
    south = _department("华南销售部")

    departments.move_department(personas.boss, south, None)

    south.refresh_from_db()
    assert south.parent is None


def test_manager_cannot_change_departments(personas: Personas) -> None:
    east = _department("华东销售部")
    before = org_state()

    with pytest.raises(PermissionDenied):
        departments.create_department(personas.manager, "杭州组", east)
    with pytest.raises(PermissionDenied):
        departments.rename_department(personas.manager, east, "东区")
    with pytest.raises(PermissionDenied):
        departments.move_department(personas.manager, east, None)

    assert org_state() == before


def test_department_admin_changes_only_departments_in_reach(personas: Personas) -> None:
    role = Role.objects.create(
        name="华东人事",
        data_scope=DataScope.DEPARTMENT_TREE,
        capabilities=[Capability.MANAGE_USERS],
    )
    admin = User.objects.create_user(
        username="hr_east", password="x", role=role, department=personas.rep.department
    )
    top = Department.objects.get(parent=None)
    before = org_state()

    with pytest.raises(PermissionDenied):
        departments.rename_department(admin, top, "总部")
    with pytest.raises(PermissionDenied):
        departments.create_department(admin, "新事业部", None)
    assert org_state() == before
    created = departments.create_department(admin, "华东二组", personas.rep.department)
    assert created.parent == personas.rep.department
