"""The role settings pages: the role list and the role editor with its field-policy table."""

from typing import Any

import pytest

from kehu.conftest import Personas
from kehu.fields.models import CustomField
from kehu.fields.registry import fields_for
from kehu.org.models import Capability, DataScope, FieldAccess, Preset, Role, User
from kehu.org.presets import preset_role
from kehu.org.tests.conftest import org_state
from kehu.web.tests.conftest import ClientFor


def _editor_form(role: Role, **changes: Any) -> dict[str, Any]:
    """Return the editor's form as the page would post it for `role`, with `changes`."""
    form: dict[str, Any] = {
        "name": role.name,
        "data_scope": role.data_scope,
        "capabilities": list(role.capabilities),
        "money_access": role.money_access,
        "sensitive_access": role.sensitive_access,
    }
    for target in ("customer", "contact"):
        for spec in fields_for(target):
            key = f"{target}.{spec.key}"
            form[f"policy.{key}"] = role.field_policy.get(key, "default")
    return {**form, **changes}


def test_role_list_shows_presets(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.boss).get("/settings/roles/")

    assert response.status_code == 200
    agent_role = preset_role(Preset.AGENT)
    row = response.text.split(f'id="role-{agent_role.public_id}"')[1].split("</tr>")[0]
    assert "外部协作者" in row
    assert "仅指派给本人的客户" in row
    assert "添加跟进" in row
    assert "<td>1</td>" in row


def test_editor_lists_every_field_with_custom_ones(
    personas: Personas, client_for: ClientFor
) -> None:
    CustomField.objects.create(
        target="customer", key="contract_amount", label="合同金额", field_type="money"
    )
    CustomField.objects.create(target="contact", key="hobby", label="爱好", field_type="text")
    agent_role = preset_role(Preset.AGENT)

    page = client_for(personas.boss).get(f"/settings/roles/{agent_role.public_id}/edit/")

    assert page.status_code == 200
    for target in ("customer", "contact"):
        for spec in fields_for(target):
            name = f"policy.{target}.{spec.key}"
            assert f'name="{name}" value="default" checked' in page.text, name
            for access in FieldAccess.values:
                assert f'name="{name}" value="{access}"' in page.text, (name, access)
    assert "合同金额" in page.text
    assert "爱好" in page.text
    assert 'name="data_scope" value="assigned" checked' in page.text
    assert 'name="capabilities" value="follow_up" checked' in page.text
    assert 'name="capabilities" value="export">' in page.text


def test_boss_creates_role_with_field_policy(personas: Personas, client_for: ClientFor) -> None:
    CustomField.objects.create(
        target="customer", key="contract_amount", label="合同金额", field_type="money"
    )
    template = Role(name="客服", data_scope=DataScope.COMPANY, capabilities=[Capability.FOLLOW_UP])
    form = _editor_form(
        template,
        **{
            "policy.contact.mobile": "masked",
            "policy.customer.cf_contract_amount": "hidden",
            "policy.contact.email": "read_only",
        },
    )

    response = client_for(personas.boss).post("/settings/roles/new/", form)

    assert response.status_code == 302
    assert response["Location"] == "/settings/roles/"
    role = Role.objects.get(name="客服")
    assert role.data_scope == DataScope.COMPANY
    assert role.capabilities == [Capability.FOLLOW_UP]
    assert role.field_policy == {
        "contact.mobile": "masked",
        "customer.cf_contract_amount": "hidden",
        "contact.email": "read_only",
    }


def test_boss_edits_preset_role(personas: Personas, client_for: ClientFor) -> None:
    rep_role = preset_role(Preset.REP)

    response = client_for(personas.boss).post(
        f"/settings/roles/{rep_role.public_id}/edit/",
        _editor_form(
            rep_role,
            name="业务员",
            capabilities=[*rep_role.capabilities, Capability.EXPORT],
            sensitive_access="masked",
        ),
    )

    assert response.status_code == 302
    rep_role.refresh_from_db()
    assert rep_role.name == "业务员"
    assert rep_role.preset == Preset.REP
    assert Capability.EXPORT in rep_role.capabilities
    assert rep_role.sensitive_access == "masked"
    assert rep_role.field_policy == {}


def test_editor_shows_errors(personas: Personas, client_for: ClientFor) -> None:
    before = org_state()

    response = client_for(personas.boss).post(
        "/settings/roles/new/",
        _editor_form(Role(name="销售", data_scope="galaxy"), **{"policy.contact.mobile": "x"}),
    )

    assert response.status_code == 400
    assert "已有名为“销售”的角色。" in response.text
    assert "“galaxy”不是有效的数据范围。" in response.text
    assert "“x”不是有效的字段权限。" in response.text
    assert org_state() == before


@pytest.mark.parametrize(
    "changes",
    [
        {"capabilities": [Capability.EXPORT]},
        {"data_scope": DataScope.COMPANY},
        {"policy.contact.mobile": "editable"},
    ],
)
def test_escalation_refused_on_page(
    personas: Personas, client_for: ClientFor, changes: dict[str, Any]
) -> None:
    role = Role.objects.create(
        name="人事",
        data_scope=DataScope.DEPARTMENT,
        capabilities=[Capability.MANAGE_USERS],
        field_policy={"contact.mobile": "masked"},
    )
    admin = User.objects.create_user(
        username="hr", password="x", role=role, department=personas.rep.department
    )
    before = org_state()

    response = client_for(admin).post(
        "/settings/roles/new/",
        _editor_form(Role(name="越权", data_scope=DataScope.OWN), **changes),
    )

    assert response.status_code == 403
    assert 'class="alert error"' in response.text
    assert org_state() == before
