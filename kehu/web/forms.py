"""Form inputs built from the field registry, and reading posted values back for the services.

The services clean and check every value (kehu.customers.cleaning), so the pages use no Django
forms. They describe one input per registry field and pass the posted strings to the service as
they are. The service's ValidationError messages are then shown beside the inputs.

The user's field policy decides what a form holds: an input for each editable field, the text of
each read-only or masked field (masked as the policy masks it), and nothing for hidden fields.
"""

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import NOT_PROVIDED, Model
from django.http import QueryDict
from django.utils.translation import gettext as _

from kehu.core import regions
from kehu.fields.models import FieldType
from kehu.fields.registry import FieldSpec
from kehu.org.policy import FieldPolicy
from kehu.web.display import form_value, shown_text

# Built-in customer fields that no form sets: the services fill them in, or "region" stands for
# the province, city and district inputs together.
CUSTOMER_READ_ONLY = ("owner", "creator", "created_at", "last_follow_up_at", "region")
REGION_KEYS = ("province", "city", "district")
_WIDGETS = {
    FieldType.TEXT: "text",
    FieldType.LONG_TEXT: "textarea",
    FieldType.NUMBER: "decimal",
    FieldType.MONEY: "decimal",
    FieldType.DATE: "date",
    FieldType.DATETIME: "datetime",
    FieldType.CHOICE: "select",
    FieldType.MULTI_CHOICE: "checkboxes",
    FieldType.BOOLEAN: "checkbox",
    FieldType.TAGS: "text",
    FieldType.REGION: "region",
}
# Phone keyboards show digits for "tel" and an @ key for "email".
_KEY_WIDGETS = {"mobile": "tel", "phone": "tel", "email": "email"}
# The widget of a field the user may read but not set: its text, and no input.
STATIC = "static"


@dataclasses.dataclass
class Input:
    """One input of a form: its posted name, the registry key its errors use, and its value.

    A STATIC widget is the text of a read-only or masked field; `value` is that text.
    """

    name: str
    error_key: str
    label: str
    widget: str
    value: Any = ""
    choices: Sequence[tuple[str, str]] = ()
    required: bool = False
    errors: list[str] = dataclasses.field(default_factory=list)
    help_text: str = ""

    @property
    def input_id(self) -> str:
        return "id_" + self.name.replace(".", "_")


def editable_customer_specs(specs: Iterable[FieldSpec]) -> list[FieldSpec]:
    return [spec for spec in specs if spec.key not in CUSTOMER_READ_ONLY]


@dataclasses.dataclass(frozen=True)
class PolicyFields:
    """The fields of one form as the user's field policy splits them, each in registry order."""

    # Every field the user may read: an input when writable, its text otherwise.
    shown: list[FieldSpec]
    # The fields with an input, read from a post.
    writable: list[FieldSpec]
    # Hidden, read-only and masked fields. A post that names one anyway passes it on, so the
    # service rejects the post with an error instead of the page dropping the value unseen.
    refused: list[FieldSpec]


def policy_fields(policy: FieldPolicy, target: str, specs: Iterable[FieldSpec]) -> PolicyFields:
    shown: list[FieldSpec] = []
    writable: list[FieldSpec] = []
    refused: list[FieldSpec] = []
    for spec in specs:
        if policy.can_read(target, spec):
            shown.append(spec)
        if policy.can_write(target, spec):
            writable.append(spec)
        else:
            refused.append(spec)
    return PolicyFields(shown, writable, refused)


def static_texts(
    policy: FieldPolicy,
    target: str,
    fields: PolicyFields,
    record: Model | None,
    values: Mapping[str, Any],
) -> dict[str, str]:
    """Return the text of each shown field the user may not set, keyed by field key.

    Texts come from the stored `record`, or from `values` (the defaults) on a create form.
    """
    writable = {spec.key for spec in fields.writable}
    texts: dict[str, str] = {}
    for spec in fields.shown:
        if spec.key in writable:
            continue
        if record is not None:
            texts[spec.key] = shown_text(policy, target, spec, record) or ""
        else:
            text = spec.choice_label(str(values.get(spec.key) or ""))
            texts[spec.key] = str(policy.shown(target, spec, text))
    return texts


def _region_choices(key: str, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    if key == "province":
        divisions = regions.provinces()
    elif key == "city":
        province = str(values.get("province") or "")
        divisions = regions.children_of(province) if province else []
    else:
        city = str(values.get("city") or "")
        divisions = regions.children_of(city) if city else []
    return [(division.code, division.name) for division in divisions]


def build_inputs(
    specs: Iterable[FieldSpec],
    values: Mapping[str, Any],
    errors: Mapping[str, list[str]],
    *,
    prefix: str = "",
    error_prefix: str = "",
    static: Mapping[str, str] | None = None,
) -> list[Input]:
    """Describe one input per field with its current value and its error messages.

    `prefix` starts every posted name ("contact." for the first contact on the create form) and
    `error_prefix` starts the service's error keys for them ("contacts.1."). Fields in `static`
    get a STATIC widget showing the given text instead of an input.
    """
    static = static or {}
    inputs = []
    for spec in specs:
        if spec.key in static:
            inputs.append(
                Input(
                    name=prefix + spec.key,
                    error_key=error_prefix + spec.key,
                    label=spec.label_text,
                    widget=STATIC,
                    value=static[spec.key],
                    errors=list(errors.get(error_prefix + spec.key, [])),
                )
            )
            continue
        widget = _KEY_WIDGETS.get(spec.key) or _WIDGETS.get(FieldType(spec.field_type), "text")
        choices: list[tuple[str, str]] = [(value, str(label)) for value, label in spec.choices]
        help_text = ""
        if widget == "region":
            choices = _region_choices(spec.key, values)
        if spec.field_type == FieldType.TAGS:
            help_text = _("Separate tags with commas.")
        default: Any = [] if widget == "checkboxes" else ""
        inputs.append(
            Input(
                name=prefix + spec.key,
                error_key=error_prefix + spec.key,
                label=spec.label_text,
                widget=widget,
                value=values.get(spec.key, default),
                choices=choices,
                required=spec.required,
                errors=list(errors.get(error_prefix + spec.key, [])),
                help_text=help_text,
            )
        )
    return inputs


def initial_values(model: type[Model], specs: Iterable[FieldSpec]) -> dict[str, Any]:
    """Return the model's default of each built-in field that has one, such as status "lead"."""
    values: dict[str, Any] = {}
    for spec in specs:
        if spec.is_custom:
            continue
        try:
            field = model._meta.get_field(spec.key)
        except FieldDoesNotExist:
            continue
        default = getattr(field, "default", NOT_PROVIDED)
        if isinstance(default, str) and default:
            values[spec.key] = default
    return values


def record_values(specs: Iterable[FieldSpec], record: Model) -> dict[str, Any]:
    """Return the current values of a stored customer or contact, keyed like the form."""
    return {spec.key: form_value(spec, record) for spec in specs}


def posted_values(
    post: QueryDict, specs: Iterable[FieldSpec], *, prefix: str = ""
) -> dict[str, Any]:
    """Return the posted value of every field, keyed by registry key, as the services take them.

    A multiple choice becomes a list, a checkbox "1" or "0", everything else the posted string.
    """
    values: dict[str, Any] = {}
    for spec in specs:
        name = prefix + spec.key
        if spec.field_type == FieldType.MULTI_CHOICE:
            values[spec.key] = [item for item in post.getlist(name) if item]
        elif spec.field_type == FieldType.BOOLEAN:
            values[spec.key] = "1" if post.get(name) == "1" else "0"
        else:
            values[spec.key] = post.get(name, "")
    return values


def unexpected_values(
    post: QueryDict, specs: Iterable[FieldSpec], *, prefix: str = ""
) -> dict[str, Any]:
    """Return the posted values of `specs` that the post names although the form has no input.

    Pass the refused fields of PolicyFields; the service then rejects a crafted post naming one.
    """
    present = [spec for spec in specs if prefix + spec.key in post]
    return posted_values(post, present, prefix=prefix)


def has_any_value(values: Mapping[str, Any]) -> bool:
    return any(value not in ("", "0", [], None) for value in values.values())
