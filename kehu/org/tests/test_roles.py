"""Creating and changing roles through kehu.org.services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.fields.models import CustomField
from kehu.fields.registry import field_map
from kehu.org import services
from kehu.org.models import Capability, DataScope, FieldAccess, Preset, Role
from kehu.org.policy import policy_for
from kehu.org.presets import preset_role
from kehu.org.services import RoleValues
from kehu.org.tests.conftest import org_state


def test_boss_creates_role_with_field_policy(personas: Personas) -> None:
    CustomField.objects.create(target="customer", key="budget", label="预算", field_type="money")

    role = services.create_role(
        personas.boss,
        RoleValues(
            name=" 客服 ",
            data_scope=DataScope.COMPANY,
            capabilities=[Capability.FOLLOW_UP, Capability.CREATE, Capability.FOLLOW_UP],
            field_policy={"contact.mobile": FieldAccess.READ_ONLY, "customer.cf_budget": "hidden"},
            money_access=FieldAccess.MASKED,
            sensitive_access=FieldAccess.MASKED,
        ),
    )

    role.refresh_from_db()
    assert role.name == "客服"
    assert role.preset == ""
    assert role.capabilities == [Capability.CREATE, Capability.FOLLOW_UP]
    assert role.field_policy == {"contact.mobile": "read_only", "customer.cf_budget": "hidden"}
    assert (role.money_access, role.sensitive_access) == ("masked", "masked")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.target_id) == (AuditAction.ROLE_CREATED, str(role.public_id))
    assert entry.detail["field_policy"] == role.field_policy


def test_role_change_applies_on_next_load(personas: Personas) -> None:
    rep_role = preset_role(Preset.REP)

    services.update_role(
        personas.boss,
        rep_role,
        RoleValues(
            name=rep_role.name,
            data_scope=rep_role.data_scope,
            capabilities=rep_role.capabilities,
            field_policy={"contact.email": FieldAccess.HIDDEN},
        ),
    )

    personas.rep.refresh_from_db()
    policy = policy_for(personas.rep)

    assert policy.access("contact", field_map("contact")["email"]) == FieldAccess.HIDDEN
    entry = AuditEntry.objects.get()
    assert entry.detail == {"changes": {"field_policy": [{}, {"contact.email": "hidden"}]}}


@pytest.mark.parametrize(
    ("values", "key"),
    [
        (RoleValues(name="", data_scope=DataScope.OWN), "name"),
        (RoleValues(name="销售", data_scope=DataScope.OWN), "name"),
        (RoleValues(name="新角色", data_scope="galaxy"), "data_scope"),
        (RoleValues(name="新角色", data_scope=DataScope.OWN, capabilities=["fly"]), "capabilities"),
        (RoleValues(name="新角色", data_scope=DataScope.OWN, money_access="open"), "money_access"),
        (
            RoleValues(
                name="新角色", data_scope=DataScope.OWN, field_policy={"contact.age": "hidden"}
            ),
            "field_policy.contact.age",
        ),
        (
            RoleValues(
                name="新角色", data_scope=DataScope.OWN, field_policy={"contact.mobile": "blurred"}
            ),
            "field_policy.contact.mobile",
        ),
    ],
)
def test_bad_role_values_rejected(personas: Personas, values: RoleValues, key: str) -> None:
    before = org_state()

    with pytest.raises(ValidationError) as raised:
        services.create_role(personas.boss, values)

    assert key in raised.value.message_dict
    assert org_state() == before


def test_deactivated_custom_field_keeps_its_policy(personas: Personas) -> None:
    field = CustomField.objects.create(
        target="contact", key="hobby", label="爱好", field_type="text"
    )
    role = services.create_role(
        personas.boss,
        RoleValues(
            name="客服", data_scope=DataScope.OWN, field_policy={"contact.cf_hobby": "masked"}
        ),
    )
    CustomField.objects.filter(pk=field.pk).update(is_active=False)

    services.update_role(
        personas.boss,
        role,
        RoleValues(
            name="客服", data_scope=DataScope.OWN, field_policy={"contact.mobile": "hidden"}
        ),
    )

    role.refresh_from_db()
    assert role.field_policy == {"contact.cf_hobby": "masked", "contact.mobile": "hidden"}


def test_rep_cannot_edit_roles(personas: Personas) -> None:
    rep_role = preset_role(Preset.REP)
    before = org_state()

    with pytest.raises(PermissionDenied):
        services.update_role(
            personas.rep,
            rep_role,
            RoleValues(
                name=rep_role.name,
                data_scope=DataScope.COMPANY,
                capabilities=[*Capability.values],
            ),
        )
    with pytest.raises(PermissionDenied):
        services.create_role(personas.rep, RoleValues(name="x", data_scope=DataScope.OWN))

    assert org_state() == before
    assert Role.objects.count() == 4


def test_own_role_may_only_be_renamed(personas: Personas) -> None:
    boss_role = personas.boss.role
    assert boss_role is not None
    narrowed = RoleValues(
        name=boss_role.name,
        data_scope=DataScope.OWN,
        capabilities=boss_role.capabilities,
        field_policy=boss_role.field_policy,
    )

    with pytest.raises(PermissionDenied):
        services.update_role(personas.boss, boss_role, narrowed)
    renamed = services.update_role(
        personas.boss, boss_role, RoleValues(
            name="总经理",
            data_scope=boss_role.data_scope,
            capabilities=boss_role.capabilities,
            field_policy=boss_role.field_policy,
            money_access=boss_role.money_access,
            sensitive_access=boss_role.sensitive_access,
        ),
    )  # fmt: skip

    boss_role.refresh_from_db()
    assert boss_role.data_scope == DataScope.COMPANY
    assert renamed.name == "总经理"
