"""The department settings page: the tree, with adding, renaming and moving departments."""

from kehu.conftest import Personas
from kehu.org.models import Department
from kehu.org.tests.conftest import org_state
from kehu.web.tests.conftest import ClientFor


def _department(name: str) -> Department:
    return Department.objects.get(name=name)


def test_tree_shows_nesting_and_members(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.boss).get("/settings/departments/")

    assert response.status_code == 200
    company = _department("总公司")
    east = _department("华东销售部")
    branch = response.text.split(f'id="department-{company.public_id}"')[1]
    assert f'id="department-{east.public_id}"' in branch
    east_item = response.text.split(f'id="department-{east.public_id}"')[1].split("</details>")[0]
    assert "3 名用户" in east_item
    assert '<option value="">（顶级）</option>' in response.text
    assert "总公司 / 华东销售部" in response.text


def test_boss_adds_renames_and_moves(personas: Personas, client_for: ClientFor) -> None:
    client = client_for(personas.boss)
    east = _department("华东销售部")
    south = _department("华南销售部")

    added = client.post(
        "/settings/departments/new/", {"name": "杭州组", "parent": str(east.public_id)}
    )
    team = _department("杭州组")
    renamed = client.post(f"/settings/departments/{team.public_id}/rename/", {"name": "杭州一组"})
    moved = client.post(
        f"/settings/departments/{team.public_id}/move/", {"parent": str(south.public_id)}
    )

    assert [added.status_code, renamed.status_code, moved.status_code] == [302, 302, 302]
    team.refresh_from_db()
    assert (team.name, team.parent) == ("杭州一组", south)


def test_move_into_own_subtree_shows_error(personas: Personas, client_for: ClientFor) -> None:
    company = _department("总公司")
    east = _department("华东销售部")
    before = org_state()

    response = client_for(personas.boss).post(
        f"/settings/departments/{company.public_id}/move/", {"parent": str(east.public_id)}
    )

    assert response.status_code == 400
    assert "华东销售部 是 总公司 本身或其下级部门，不能作为它的上级部门。" in response.text
    assert org_state() == before


def test_duplicate_name_shows_error(personas: Personas, client_for: ClientFor) -> None:
    before = org_state()

    response = client_for(personas.boss).post(
        "/settings/departments/new/",
        {"name": "华南销售部", "parent": str(_department("总公司").public_id)},
    )

    assert response.status_code == 400
    assert "同一上级下已有名为“华南销售部”的部门。" in response.text
    assert org_state() == before


def test_manager_cannot_rename(personas: Personas, client_for: ClientFor) -> None:
    east = _department("华东销售部")
    before = org_state()

    response = client_for(personas.manager).post(
        f"/settings/departments/{east.public_id}/rename/", {"name": "东区"}
    )

    assert response.status_code == 403
    assert org_state() == before
