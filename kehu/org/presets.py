"""The preset roles a new company starts with.

The rows are created by a migration and again on demand, because tests that empty the tables
between cases would otherwise lose them. A company may edit every preset in the UI afterwards;
`preset_role` never changes an existing row.
"""

import dataclasses

from kehu.org.models import Capability, DataScope, FieldAccess, Preset, Role

C = Capability


@dataclasses.dataclass(frozen=True)
class PresetDefinition:
    name: str
    data_scope: str
    capabilities: tuple[str, ...]
    money_access: str = FieldAccess.EDITABLE
    sensitive_access: str = FieldAccess.EDITABLE


PRESETS: dict[str, PresetDefinition] = {
    Preset.BOSS: PresetDefinition("老板", DataScope.COMPANY, tuple(Capability.values)),
    Preset.MANAGER: PresetDefinition(
        "销售经理",
        DataScope.DEPARTMENT_TREE,
        (
            C.CREATE,
            C.EDIT,
            C.DELETE,
            C.FOLLOW_UP,
            C.IMPORT,
            C.ASSIGN,
            C.RECLAIM,
            C.MANAGE_POOLS,
            C.VIEW_REPORTS,
        ),
    ),
    # Reps import their own spreadsheets into their own name (docs/decisions/0008).
    Preset.REP: PresetDefinition("销售", DataScope.OWN, (C.CREATE, C.EDIT, C.FOLLOW_UP, C.IMPORT)),
    # Prices, margins and contract amounts are money fields; phones are sensitive fields.
    Preset.AGENT: PresetDefinition(
        "外部协作者",
        DataScope.ASSIGNED,
        (C.FOLLOW_UP,),
        money_access=FieldAccess.HIDDEN,
        sensitive_access=FieldAccess.MASKED,
    ),
}


def preset_values(preset: str) -> dict[str, object]:
    """Return the field values of a new row for `preset`; migrations use them too."""
    definition = PRESETS[preset]
    return {
        "name": definition.name,
        "data_scope": definition.data_scope,
        "capabilities": list(definition.capabilities),
        "money_access": definition.money_access,
        "sensitive_access": definition.sensitive_access,
    }


def preset_role(preset: str) -> Role:
    """Return the role row of `preset`, creating it from its definition when it is missing."""
    role, _created = Role.objects.get_or_create(preset=preset, defaults=preset_values(preset))
    return role


def ensure_presets() -> None:
    for preset in PRESETS:
        preset_role(preset)
