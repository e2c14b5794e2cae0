"""The user settings pages: list, add, edit, deactivate and reactivate users."""

from typing import Any

import pytest
from django.contrib.sessions.models import Session

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.org.models import Capability, DataScope, Department, Preset, Role, User
from kehu.org.presets import preset_role
from kehu.org.tests.conftest import org_state
from kehu.web.tests.conftest import ClientFor

PAGES = [
    ("get", "/settings/users/"),
    ("get", "/settings/users/new/"),
    ("post", "/settings/users/new/"),
    ("get", "/settings/departments/"),
    ("post", "/settings/departments/new/"),
    ("get", "/settings/roles/"),
    ("get", "/settings/roles/new/"),
    ("post", "/settings/roles/new/"),
]


def _form(personas: Personas, **values: Any) -> dict[str, Any]:
    defaults = {
        "username": "newrep",
        "display_name": "孙销售",
        "password": "Kehu-2026-strong",
        "role": str(preset_role(Preset.REP).public_id),
        "department": str(Department.objects.get(name="华东销售部").public_id),
        "manager": str(personas.manager.public_id),
    }
    return {**defaults, **values}


@pytest.mark.parametrize("persona", ["manager", "rep", "agent"])
def test_settings_pages_forbidden_without_capability(
    personas: Personas, client_for: ClientFor, persona: str
) -> None:
    client = client_for(getattr(personas, persona))
    before = org_state()

    for method, path in PAGES:
        response = getattr(client, method)(path, _form(personas) if method == "post" else None)
        assert response.status_code == 403, path

    assert org_state() == before
    assert "/settings/users/" not in client.get("/").text


def test_boss_sees_nav_link_and_user_list(personas: Personas, client_for: ClientFor) -> None:
    client = client_for(personas.boss)

    home = client.get("/")
    listing = client.get("/settings/users/")

    assert '<a href="/settings/users/">用户与角色</a>' in home.text
    assert listing.status_code == 200
    row = listing.text.split(f'id="user-{personas.rep.public_id}"')[1].split("</tr>")[0]
    assert "李销售" in row
    assert "华东销售部" in row
    assert "王经理" in row
    assert "销售" in row
    assert "启用" in row


def test_boss_adds_user_who_can_sign_in(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.boss).post("/settings/users/new/", _form(personas))

    assert response.status_code == 302
    assert response["Location"] == "/settings/users/"
    created = User.objects.get(username="newrep")
    assert (created.display_name, created.role, created.manager) == (
        "孙销售",
        preset_role(Preset.REP),
        personas.manager,
    )
    signed_in = (
        client_for(personas.boss)
        .__class__()
        .post("/login/", {"username": "newrep", "password": "Kehu-2026-strong"})
    )
    assert signed_in.status_code == 302


def test_add_user_shows_errors_beside_inputs(personas: Personas, client_for: ClientFor) -> None:
    before = org_state()

    response = client_for(personas.boss).post(
        "/settings/users/new/", _form(personas, username="rep", password="123", role="")
    )

    assert response.status_code == 400
    assert "用户名“rep”已被使用。" in response.text
    assert "请选择角色。" in response.text
    assert 'id="id_password"' in response.text
    assert org_state() == before


def test_unknown_role_id_rejected(personas: Personas, client_for: ClientFor) -> None:
    before = org_state()

    response = client_for(personas.boss).post(
        "/settings/users/new/", _form(personas, role="00000000-0000-0000-0000-000000000000")
    )

    assert response.status_code == 400
    assert "请从列表中选择。" in response.text
    assert org_state() == before


def test_boss_edits_user(personas: Personas, client_for: ClientFor) -> None:
    client = client_for(personas.boss)
    south = Department.objects.get(name="华南销售部")
    page = client.get(f"/settings/users/{personas.rep.public_id}/edit/")

    response = client.post(
        f"/settings/users/{personas.rep.public_id}/edit/",
        {
            "display_name": "李小销",
            "role": str(preset_role(Preset.REP).public_id),
            "department": str(south.public_id),
            "manager": str(personas.other_manager.public_id),
        },
    )

    assert page.status_code == 200
    assert 'name="username"' not in page.text
    assert response.status_code == 302
    personas.rep.refresh_from_db()
    assert (personas.rep.display_name, personas.rep.department, personas.rep.manager) == (
        "李小销",
        south,
        personas.other_manager,
    )


def test_boss_cannot_change_own_role_on_page(personas: Personas, client_for: ClientFor) -> None:
    boss = personas.boss
    before = org_state()

    response = client_for(boss).post(
        f"/settings/users/{boss.public_id}/edit/",
        {
            "display_name": boss.display_name,
            "role": str(preset_role(Preset.REP).public_id),
            "department": str(boss.department.public_id) if boss.department else "",
            "manager": "",
        },
    )

    assert response.status_code == 403
    assert "您不能修改自己的角色。" in response.text
    assert org_state() == before


def test_admin_without_export_cannot_assign_boss_role(
    personas: Personas, client_for: ClientFor
) -> None:
    role = Role.objects.create(
        name="人事",
        data_scope=DataScope.COMPANY,
        capabilities=[Capability.MANAGE_USERS],
    )
    admin = User.objects.create_user(username="hr", password="x", role=role)
    before = org_state()

    response = client_for(admin).post(
        "/settings/users/new/", _form(personas, role=str(preset_role(Preset.BOSS).public_id))
    )

    assert response.status_code == 403
    assert "您自己的角色没有" in response.text
    assert org_state() == before


def test_deactivate_ends_session_at_next_request(personas: Personas, client_for: ClientFor) -> None:
    rep_client = client_for(personas.rep)
    assert rep_client.get("/").status_code == 200

    response = client_for(personas.boss).post(
        f"/settings/users/{personas.rep.public_id}/deactivate/"
    )

    assert response.status_code == 302
    after = rep_client.get("/")
    assert after.status_code == 302
    assert after["Location"].startswith("/login/")
    assert not Session.objects.filter(session_key=rep_client.session.session_key).exists()
    listing = client_for(personas.boss).get("/settings/users/")
    row = listing.text.split(f'id="user-{personas.rep.public_id}"')[1].split("</tr>")[0]
    assert "已停用" in row
    assert f"/settings/users/{personas.rep.public_id}/reactivate/" in row


def test_reactivate_from_list(personas: Personas, client_for: ClientFor) -> None:
    client = client_for(personas.boss)
    client.post(f"/settings/users/{personas.rep.public_id}/deactivate/")

    response = client.post(f"/settings/users/{personas.rep.public_id}/reactivate/")

    assert response.status_code == 302
    personas.rep.refresh_from_db()
    assert personas.rep.is_active
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [AuditAction.USER_DEACTIVATED, AuditAction.USER_REACTIVATED]


def test_deactivate_self_refused_on_list(personas: Personas, client_for: ClientFor) -> None:
    before = org_state()

    response = client_for(personas.boss).post(
        f"/settings/users/{personas.boss.public_id}/deactivate/"
    )

    assert response.status_code == 403
    assert "您不能停用自己的账号。" in response.text
    assert org_state() == before


def test_edit_page_of_missing_user_is_404(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.boss).get(
        "/settings/users/00000000-0000-0000-0000-000000000000/edit/"
    )

    assert response.status_code == 404


def test_edit_forms_above_admin_refused_on_get(personas: Personas, client_for: ClientFor) -> None:
    role = Role.objects.create(
        name="人事",
        data_scope=DataScope.COMPANY,
        capabilities=[Capability.MANAGE_USERS],
    )
    admin = client_for(User.objects.create_user(username="hr", password="x", role=role))
    boss_role = preset_role(Preset.BOSS)

    boss_form = admin.get(f"/settings/users/{personas.boss.public_id}/edit/")
    boss_role_form = admin.get(f"/settings/roles/{boss_role.public_id}/edit/")
    rep_role_form = admin.get(f"/settings/roles/{role.public_id}/edit/")

    assert boss_form.status_code == 403
    assert boss_role_form.status_code == 403
    assert rep_role_form.status_code == 200
