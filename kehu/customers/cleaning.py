"""Turn incoming customer and contact values into model values, or field-level errors.

Pages, the API and the importer all pass raw values (strings, numbers, dates, codes or Chinese
labels) keyed by field-registry keys. The services call these functions, so every channel
accepts and rejects the same values.
"""

from collections.abc import Collection, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kehu.core import regions
from kehu.customers import normalize
from kehu.fields.models import FieldTarget, FieldType
from kehu.fields.registry import FieldSpec, custom_fields, field_map
from kehu.fields.values import (
    clean_characters,
    clean_custom_value,
    parse_bool,
    parse_date,
    split_multi,
)

CUSTOMER_TEXT_LIMITS = {"name": 200, "short_name": 60, "address": 300, "notes": 5000}
CONTACT_TEXT_LIMITS = {"name": 60, "title": 60, "phone": 40, "wechat": 40, "notes": 2000}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _choice(spec: FieldSpec, value: Any) -> str:
    text = _text(value)
    if not text:
        return ""
    choice = spec.choice_value(text)
    if choice is not None:
        return choice
    labels = "、".join(str(label) for _v, label in spec.choices)
    raise ValueError(
        _("“%(value)s” is not one of the choices: %(choices)s.")
        % {"value": text, "choices": labels}
    )


def _resolve_region(values: Mapping[str, Any]) -> dict[str, str]:
    """Resolve province, city and district given as codes or as full or short names."""
    province_raw = _text(values.get("province"))
    city_raw = _text(values.get("city"))
    district_raw = _text(values.get("district"))
    result = {"province_code": "", "city_code": "", "district_code": ""}
    if not (province_raw or city_raw or district_raw):
        return result

    def pick(parent: str, raw: str, field: str) -> str:
        if raw.isdigit():
            division = regions.get(raw)
            if division is None or (parent and division.parent != parent):
                raise ValidationError(
                    {field: _("“%(value)s” is not a known division code.") % {"value": raw}}
                )
            return division.code
        found = regions.match_child(parent, raw)
        if not found and parent == "":
            raise ValidationError(
                {field: _("“%(value)s” is not a known province.") % {"value": raw}}
            )
        if not found:
            parent_name = regions.name_of(parent)
            raise ValidationError(
                {
                    field: _("“%(value)s” is not in %(parent)s.")
                    % {"value": raw, "parent": parent_name}
                }
            )
        return found[0].code

    if not province_raw:
        raise ValidationError({"province": _("A city or district needs its province.")})
    province = pick("", province_raw, "province")
    result["province_code"] = province
    city = ""
    if regions.is_municipality(province):
        city = province + "01"
        # A municipality's "city" column often repeats the municipality or contains 市辖区.
        if district_raw == "" and city_raw and regions.match_child(city, city_raw):
            district_raw = city_raw
    elif city_raw:
        city = pick(province, city_raw, "city")
    result["city_code"] = city
    if district_raw:
        if not city:
            raise ValidationError({"city": _("A district needs its city.")})
        result["district_code"] = pick(city, district_raw, "district")
    return result


def clean_customer(
    values: Mapping[str, Any], *, partial: bool = False, unwritable: Collection[str] = ()
) -> dict[str, Any]:
    """Return model attribute values for the given field keys, or raise ValidationError.

    Returned keys are model attributes, plus "tags" (a list of names) and "custom" (only the
    custom keys given). With `partial`, only the given keys are cleaned and required fields may
    be absent.
    """
    specs = field_map(FieldTarget.CUSTOMER)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    custom: dict[str, Any] = {}

    def fail(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    for key, raw in values.items():
        if key in ("owner", "creator", "created_at", "province", "city", "district", "region"):
            continue
        spec = specs.get(key)
        if spec is None:
            fail(key, _("Unknown field “%(key)s”.") % {"key": key})
            continue
        try:
            if spec.is_custom:
                custom[key.removeprefix("cf_")] = clean_custom_value(spec, raw)
            elif key in CUSTOMER_TEXT_LIMITS:
                text = clean_characters(_text(raw), multiline=key == "notes")
                if len(text) > CUSTOMER_TEXT_LIMITS[key]:
                    raise ValueError(
                        _("At most %(limit)d characters, got %(count)d.")
                        % {"limit": CUSTOMER_TEXT_LIMITS[key], "count": len(text)}
                    )
                cleaned[key] = text
            elif key == "credit_code":
                cleaned[key] = normalize.normalize_credit_code(_text(raw))
            elif key == "tags":
                names = split_multi(raw)
                too_long = [name for name in names if len(name) > 30]
                if too_long:
                    raise ValueError(
                        _("The tag “%(tag)s” is longer than 30 characters.") % {"tag": too_long[0]}
                    )
                cleaned[key] = names
            elif key == "next_follow_up_on":
                cleaned[key] = parse_date(raw, allow_serial=True)
            elif spec.field_type == FieldType.CHOICE:
                choice = _choice(spec, raw)
                # Type and status always hold a value; an empty one keeps the model default.
                if choice or key not in ("kind", "status"):
                    cleaned[key] = choice
            else:
                fail(
                    key,
                    _("The field “%(field)s” cannot be set directly.") % {"field": spec.label_text},
                )
        except ValueError as error:
            fail(key, str(error))

    if any(key in values for key in ("province", "city", "district")):
        try:
            cleaned.update(_resolve_region(values))
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                for message in messages:
                    fail(key, message)

    if (not partial or "name" in values) and not cleaned.get("name") and "name" not in errors:
        fail("name", _("The customer name is required."))
    if not partial:
        for spec in custom_fields(FieldTarget.CUSTOMER):
            # A required field the writer's role may not set cannot be demanded of them.
            if spec.key in unwritable:
                continue
            if spec.required and custom.get(spec.key.removeprefix("cf_")) in (None, [], ""):
                fail(spec.key, _("“%(field)s” is required.") % {"field": spec.label_text})
    if errors:
        raise ValidationError(errors)
    if "name" in cleaned:
        cleaned["name_key"] = normalize.name_key(cleaned["name"])
        cleaned["name_core"] = normalize.name_core(cleaned["name"])
        if not cleaned["name_key"]:
            raise ValidationError({"name": [_("The customer name has no letters or characters.")]})
    if custom:
        cleaned["custom"] = custom
    return cleaned


def clean_contact(values: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Return model attribute values of a contact, or raise ValidationError keyed by field."""
    specs = field_map(FieldTarget.CONTACT)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for key, raw in values.items():
        spec = specs.get(key)
        if spec is None:
            errors.setdefault(key, []).append(_("Unknown field “%(key)s”.") % {"key": key})
            continue
        try:
            if spec.is_custom:
                custom[key.removeprefix("cf_")] = clean_custom_value(spec, raw)
            elif key == "mobile":
                cleaned[key] = normalize.normalize_mobile(_text(raw))
            elif key == "phone":
                cleaned[key] = normalize.normalize_phone(_text(raw))
            elif key == "email":
                email = normalize.normalize_email(_text(raw))
                if email and not _looks_like_email(email):
                    raise ValueError(
                        _("“%(value)s” is not a valid email address.") % {"value": raw}
                    )
                cleaned[key] = email
            elif key == "wechat":
                cleaned[key] = normalize.normalize_wechat(_text(raw))
            elif key == "is_primary":
                cleaned[key] = bool(parse_bool(raw))
            elif key == "decision_role":
                cleaned[key] = _choice(spec, raw)
            else:
                text = clean_characters(_text(raw), multiline=key == "notes")
                limit = CONTACT_TEXT_LIMITS.get(key, 200)
                if len(text) > limit:
                    raise ValueError(
                        _("At most %(limit)d characters, got %(count)d.")
                        % {"limit": limit, "count": len(text)}
                    )
                cleaned[key] = text
        except ValueError as error:
            errors.setdefault(key, []).append(str(error))
    if (not partial or "name" in values) and not cleaned.get("name") and "name" not in errors:
        errors.setdefault("name", []).append(_("The contact name is required."))
    if errors:
        raise ValidationError(errors)
    if custom:
        cleaned["custom"] = custom
    return cleaned


def _looks_like_email(value: str) -> bool:
    from django.core.validators import validate_email

    try:
        validate_email(value)
    except ValidationError:
        return False
    return True
