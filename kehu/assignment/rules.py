"""Checking the values of an assignment rule before a service stores them.

`clean_rule` takes what a form or the API sent, with users and departments already looked up,
and returns model values or raises ValidationError keyed by field, in the user's language.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kehu.assignment.models import AssignmentRule, RouteKind, RuleTarget
from kehu.core import regions
from kehu.customers.choices import Grade, Industry, LeadSource
from kehu.fields.models import CustomField, FieldTarget, FieldType
from kehu.fields.values import split_multi
from kehu.org.models import Department, User
from kehu.org.visibility import may_own_customers

# Custom field types a condition may test: equality with one of the listed values.
CONDITION_FIELD_TYPES = (FieldType.TEXT, FieldType.CHOICE)


def condition_fields() -> list[CustomField]:
    """Return the active customer custom fields that conditions may test."""
    return list(
        CustomField.objects.filter(
            target=FieldTarget.CUSTOMER, is_active=True, field_type__in=CONDITION_FIELD_TYPES
        ).order_by("position", "pk")
    )


def find_region(text: str) -> regions.Division | None:
    """Return the province or city that `text` names by code, full name or short name."""
    text = text.strip()
    if text.isdigit():
        division = regions.get(text)
        return division if division is not None and len(text) in (2, 4) else None
    provinces = regions.match_child("", text)
    if provinces:
        return provinces[0]
    for province in regions.provinces():
        cities = [
            city for city in regions.match_child(province.code, text) if city.name != "市辖区"
        ]
        if cities:
            return cities[0]
    return None


def parse_regions(raw: Any) -> list[str]:
    """Return the province and city codes that `raw` lists, as codes or names.

    Raises ValidationError on "regions" naming the first entry that is neither.
    """
    codes: list[str] = []
    for entry in split_multi(raw):
        division = find_region(entry)
        if division is None:
            raise ValidationError(
                {
                    "regions": [
                        _(
                            "“%(value)s” is not a province or city. Enter names such as "
                            "浙江 or 杭州, or codes such as 33 or 3301."
                        )
                        % {"value": entry}
                    ]
                }
            )
        if division.code not in codes:
            codes.append(division.code)
    return codes


def _choices(
    raw: Any, allowed: Sequence[tuple[str, Any]], field: str, errors: dict[str, list[str]]
) -> list[str]:
    values: list[str] = []
    by_text = {str(label): value for value, label in allowed}
    by_text.update({value: value for value, _label in allowed})
    for entry in split_multi(raw):
        value = by_text.get(entry)
        if value is None:
            labels = "、".join(str(label) for _value, label in allowed)
            errors.setdefault(field, []).append(
                _("“%(value)s” is not one of the choices: %(choices)s.")
                % {"value": entry, "choices": labels}
            )
            continue
        if value not in values:
            values.append(value)
    return values


def _custom_conditions(raw: Any, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Check conditions given as {"field": key, "values": [...]}; values as text or a list."""
    fields = {field.key: field for field in condition_fields()}
    conditions: list[dict[str, Any]] = []
    for condition in raw or []:
        key = str(condition.get("field", "")).removeprefix("cf_")
        field = fields.get(key)
        if field is None:
            errors.setdefault("custom_conditions", []).append(
                _("“%(value)s” is not an active text or choice custom field of customers.")
                % {"value": key}
            )
            continue
        values = split_multi(condition.get("values"))
        if not values:
            continue
        if field.field_type == FieldType.CHOICE:
            unknown = [value for value in values if value not in field.choices]
            if unknown:
                errors.setdefault(f"cf_{key}", []).append(
                    _("“%(value)s” is not one of the choices of %(field)s: %(choices)s.")
                    % {
                        "value": unknown[0],
                        "field": field.label,
                        "choices": "、".join(str(choice) for choice in field.choices),
                    }
                )
                continue
        conditions.append({"field": key, "values": list(dict.fromkeys(values))})
    return conditions


def _check_owner(user: User, field: str, errors: dict[str, list[str]]) -> None:
    if not user.is_active:
        errors.setdefault(field, []).append(
            _("%(user)s is deactivated and cannot receive customers.") % {"user": user}
        )
    elif not may_own_customers(user):
        errors.setdefault(field, []).append(
            _("%(user)s is an outside agent and cannot own customers.") % {"user": user}
        )


def clean_rule(values: Mapping[str, Any], *, rule: AssignmentRule | None = None) -> dict[str, Any]:
    """Return the model values of a rule (for `rule`, when it is being changed).

    `values` holds "name", "applies_to", "is_active", "regions", "industries", "sources",
    "grades", "custom_conditions", "route", "user" (a User), "users" (Users) and "department"
    (a Department). Lists may also be text with commas or 、 between the entries.
    """
    errors: dict[str, list[str]] = {}
    name = str(values.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Enter a name for the rule.")]
    elif len(name) > 60:
        errors["name"] = [_("The name may have at most 60 characters.")]
    else:
        taken = AssignmentRule.objects.filter(name=name)
        if rule is not None:
            taken = taken.exclude(pk=rule.pk)
        if taken.exists():
            errors["name"] = [_("Another rule is named “%(name)s”.") % {"name": name}]

    applies_to = str(values.get("applies_to") or RuleTarget.BOTH)
    if applies_to not in RuleTarget.values:
        errors["applies_to"] = [
            _("“%(value)s” is not customers, leads or both.") % {"value": applies_to}
        ]

    try:
        region_codes = parse_regions(values.get("regions"))
    except ValidationError as error:
        errors.update(error.message_dict)
        region_codes = []
    cleaned: dict[str, Any] = {
        "name": name,
        "applies_to": applies_to,
        "is_active": bool(values.get("is_active", True)),
        "regions": region_codes,
        "industries": _choices(values.get("industries"), Industry.choices, "industries", errors),
        "sources": _choices(values.get("sources"), LeadSource.choices, "sources", errors),
        "grades": _choices(values.get("grades"), Grade.choices, "grades", errors),
        "custom_conditions": _custom_conditions(values.get("custom_conditions"), errors),
    }

    route = str(values.get("route") or "")
    user: User | None = values.get("user")
    users: list[User] = list(values.get("users") or [])
    department: Department | None = values.get("department")
    if route not in RouteKind.values:
        errors["route"] = [
            _("Choose how the rule picks the owner: one user, round-robin or least loaded.")
        ]
    elif route == RouteKind.USER:
        if user is None:
            errors["user"] = [_("Choose the user who receives the records this rule matches.")]
        else:
            _check_owner(user, "user", errors)
        users, department = [], None
    else:
        user = None
        if users and department is not None:
            errors["users"] = [_("Choose either users or a department, not both.")]
        elif not users and department is None:
            errors["users"] = [_("Choose the users, or a department whose members take turns.")]
        for member in users:
            _check_owner(member, "users", errors)
    if errors:
        raise ValidationError(errors)
    cleaned.update(route=route, user=user, department=department)
    cleaned["users"] = users
    return cleaned
