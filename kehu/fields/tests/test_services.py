from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from pytest_django.fixtures import Settings

from kehu.conftest import Personas
from kehu.fields import services
from kehu.fields.models import CustomField
from kehu.fields.registry import field_map


def _create(personas: Personas, **values: Any) -> CustomField:
    defaults: dict[str, Any] = {
        "key": "level",
        "field_type": "choice",
        "label": "客户层级",
        "choices": ["大客户", "小客户"],
    }
    return services.create_custom_field(personas.boss, "customer", {**defaults, **values})


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    """Hash the personas' passwords with a fast hasher; Argon2 costs seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Compare messages in English; the Chinese ones are checked by the page tests."""
    with translation.override("en"):
        yield


def _errors(caught: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return dict(caught.value.message_dict)


def test_create_appends_after_last_field(personas: Personas) -> None:
    first = _create(personas)
    second = _create(personas, key="budget", field_type="money", label="预算", choices="")

    assert (first.position, second.position) == (0, 1)
    assert second.choices == []
    assert list(field_map("customer"))[-2:] == ["cf_level", "cf_budget"]


def test_choices_from_text_lines(personas: Personas) -> None:
    field = _create(personas, choices=" 大客户 \n\n小客户\n")

    assert field.choices == ["大客户", "小客户"]


@pytest.mark.parametrize(
    ("values", "key", "message"),
    [
        (
            {"key": "Level"},
            "key",
            "Use 2-40 lowercase letters, digits and underscores, starting with a letter.",
        ),
        ({"key": ""}, "key", "The key is required."),
        ({"field_type": "boolean"}, "field_type", "“boolean” is not a field type."),
        ({"label": " "}, "label", "The label is required."),
        ({"label": "客户名称"}, "label", "Another field is already called “客户名称”."),
        ({"label_en": "Owner"}, "label_en", "Another field is already called “Owner”."),
        ({"choices": []}, "choices", "Enter at least one choice, one per line."),
        ({"choices": ["甲", "甲"]}, "choices", "The choice “甲” is listed twice."),
        ({"field_type": "text"}, "choices", "Only choice and multiple-choice fields have choices."),
        (
            {"field_type": "multi_choice", "choices": ["华东/华南"]},
            "choices",
            "The choice “华东/华南” contains “/”, which separates choices.",
        ),
        ({"position": "-1"}, "position", "“-1” is not a whole number of 0 or more."),
        ({"colour": "red"}, "colour", "Unknown field “colour”."),
    ],
)
def test_create_rejects_bad_values(
    personas: Personas, values: dict[str, Any], key: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        _create(personas, **values)

    assert _errors(caught)[key] == [message]
    assert CustomField.objects.count() == 0


def test_key_is_unique_even_when_deactivated(personas: Personas) -> None:
    field = _create(personas)
    services.deactivate_custom_field(personas.boss, field)

    with pytest.raises(ValidationError) as caught:
        _create(personas, label="另一个")

    assert _errors(caught)["key"] == [
        "The key “level” is already used by another field, active or not."
    ]


def test_same_key_allowed_on_other_target(personas: Personas) -> None:
    _create(personas)

    contact_field = services.create_custom_field(
        personas.boss, "contact", {"key": "level", "field_type": "text", "label": "联系人层级"}
    )

    assert contact_field.target == "contact"


@pytest.mark.parametrize("persona", ["manager", "rep", "agent"])
def test_only_boss_may_create(personas: Personas, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        services.create_custom_field(
            getattr(personas, persona),
            "customer",
            {"key": "x1", "field_type": "text", "label": "X"},
        )

    assert CustomField.objects.count() == 0


def test_update_changes_allowed_attributes(personas: Personas) -> None:
    field = _create(personas)

    updated = services.update_custom_field(
        personas.boss,
        field,
        {"label": "层级", "choices": "大客户\n中客户", "required": True, "position": 3},
    )

    assert (updated.label, updated.choices, updated.required, updated.position) == (
        "层级",
        ["大客户", "中客户"],
        True,
        3,
    )


def test_update_rejects_key_and_type_changes(personas: Personas) -> None:
    field = _create(personas)

    with pytest.raises(ValidationError) as caught:
        services.update_custom_field(personas.boss, field, {"key": "tier", "field_type": "text"})

    assert _errors(caught) == {
        "field_type": ["This cannot be changed after the field exists."],
        "key": ["This cannot be changed after the field exists."],
    }
    field.refresh_from_db()
    assert (field.key, field.field_type) == ("level", "choice")


def test_update_keeps_own_label(personas: Personas) -> None:
    field = _create(personas)

    updated = services.update_custom_field(personas.boss, field, {"label": "客户层级"})

    assert updated.label == "客户层级"


def test_manager_cannot_update(personas: Personas) -> None:
    field = _create(personas)

    with pytest.raises(PermissionDenied):
        services.update_custom_field(personas.manager, field, {"label": "改名"})

    field.refresh_from_db()
    assert field.label == "客户层级"


def test_deactivate_hides_from_registry(personas: Personas) -> None:
    field = _create(personas)

    services.deactivate_custom_field(personas.boss, field)

    assert "cf_level" not in field_map("customer")
    services.reactivate_custom_field(personas.boss, field)
    assert "cf_level" in field_map("customer")


def test_reactivate_rejects_label_taken_meanwhile(personas: Personas) -> None:
    field = _create(personas)
    services.deactivate_custom_field(personas.boss, field)
    _create(personas, key="tier")

    with pytest.raises(ValidationError) as caught:
        services.reactivate_custom_field(personas.boss, field)

    assert _errors(caught) == {"label": ["Another field is already called “客户层级”."]}
    field.refresh_from_db()
    assert field.is_active is False
