"""The field registry: one description of every field, built-in or custom.

Forms, list columns, filters, sorts, import mapping and the API read `fields_for(target)`.
Record apps declare their built-in fields with `register_builtin()` when they load; custom
fields come from the CustomField table. Custom values are stored in the record's `custom` JSON
under the field key, so a new custom field works on every channel without a migration.
"""

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar

from django.utils import translation
from django.utils.functional import Promise

from kehu.fields.models import CustomField, FieldTarget, FieldType

CUSTOM_PREFIX = "cf_"


@dataclasses.dataclass(frozen=True)
class FieldSpec:
    """A field's name, label, type and ORM path, as every channel reads them."""

    key: str
    label: str | Promise
    field_type: str
    # ORM path for filters and sorts, e.g. "owner__display_name" or "custom__budget".
    path: str
    choices: Sequence[tuple[str, str | Promise]] = ()
    required: bool = False
    is_money: bool = False
    # Sensitive values (phones, amounts) are masked or hidden by the field policy.
    is_sensitive: bool = False
    filterable: bool = True
    sortable: bool = True
    is_custom: bool = False
    # Extra column titles the importer accepts for this field, in any language.
    synonyms: Sequence[str] = ()
    # Per language: choice values and labels, and lowercased values (see `choice_value`).
    _choice_tables: dict[str, tuple[dict[str, str], dict[str, str]]] = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @property
    def label_text(self) -> str:
        return str(self.label)

    def choice_label(self, value: str) -> str:
        for choice_value, choice_label in self.choices:
            if choice_value == value:
                return str(choice_label)
        return value

    def choice_value(self, text: str) -> str | None:
        """Return the choice that `text` names: its value, its value in any case, or its label.

        Labels are compared in the active language. The lookup tables are built once per
        language, because translating every label for every imported cell was slow.
        """
        language = translation.get_language() or ""
        tables = self._choice_tables.get(language)
        if tables is None:
            exact: dict[str, str] = {}
            folded: dict[str, str] = {}
            for value, label in self.choices:
                exact.setdefault(value, value)
                exact.setdefault(str(label), value)
                folded.setdefault(value.lower(), value)
            tables = (exact, folded)
            self._choice_tables[language] = tables
        exact, folded = tables
        return exact.get(text) or folded.get(text.lower())


_builtin: dict[str, list[FieldSpec]] = {}
_builtin_loaders: dict[str, Callable[[], list[FieldSpec]]] = {}


def register_builtin(target: str, loader: Callable[[], list[FieldSpec]]) -> None:
    """Register the function that lists a record type's built-in fields."""
    _builtin_loaders[target] = loader


def builtin_fields(target: str) -> list[FieldSpec]:
    """Return the built-in fields of a record type; none until its app registers them."""
    if target not in _builtin:
        loader = _builtin_loaders.get(target)
        if loader is None:
            return []
        _builtin[target] = loader()
    return _builtin[target]


def custom_field_spec(field: CustomField) -> FieldSpec:
    label = field.label
    if field.label_en and translation.get_language() == "en":
        label = field.label_en
    choices = [(str(choice), str(choice)) for choice in field.choices or []]
    return FieldSpec(
        key=CUSTOM_PREFIX + field.key,
        label=label,
        field_type=field.field_type,
        path=f"custom__{field.key}",
        choices=choices,
        required=field.required,
        is_money=field.field_type == FieldType.MONEY,
        is_custom=True,
        synonyms=tuple(name for name in (field.label, field.label_en) if name),
    )


# Custom fields read once per block by `custom_fields_snapshot`; None outside such a block.
_snapshot: ContextVar[dict[str, list[FieldSpec]] | None] = ContextVar(
    "fields_snapshot", default=None
)


@contextlib.contextmanager
def custom_fields_snapshot() -> Iterator[None]:
    """Read each target's custom fields once for the block instead of once per call.

    Bulk writers (the importer) clean thousands of rows in one block; without the snapshot every
    row costs a query. Fields added while the block runs are not seen until it ends.
    """
    token = _snapshot.set({})
    try:
        yield
    finally:
        _snapshot.reset(token)


def custom_fields(target: str) -> list[FieldSpec]:
    cache = _snapshot.get()
    if cache is not None and target in cache:
        return cache[target]
    rows = CustomField.objects.filter(target=target, is_active=True).order_by("position", "id")
    specs = [custom_field_spec(row) for row in rows]
    if cache is not None:
        cache[target] = specs
    return specs


def fields_for(target: str) -> list[FieldSpec]:
    """Return every field of a record type: built-in ones first, then active custom ones."""
    return [*builtin_fields(target), *custom_fields(target)]


def field_map(target: str) -> dict[str, FieldSpec]:
    return {spec.key: spec for spec in fields_for(target)}


__all__ = [
    "CUSTOM_PREFIX",
    "FieldSpec",
    "FieldTarget",
    "FieldType",
    "builtin_fields",
    "custom_fields",
    "custom_fields_snapshot",
    "field_map",
    "fields_for",
    "register_builtin",
]
