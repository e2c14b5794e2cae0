"""The field policy: what a user's role may do with each field, and masked values.

Every channel that shows or accepts field values consults a FieldPolicy: pages, lists, filters and
sorts, search, the API, the importer, the timeline and exports. Build one per request with
`policy_for(user)`; it reads the role the user has now, so a changed policy applies on the next
request.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.fields.registry import FieldSpec, FieldType
from kehu.org.models import FieldAccess, Role, User

MASK = "****"
REGION_PARTS = ("province", "city", "district")
_ACCESS_VALUES = frozenset(FieldAccess.values)


def mask(value: Any) -> str:
    """Return a partial form of `value` that keeps its shape: 13812345678 -> 138****5678.

    Email addresses keep their first character and domain. Values of up to six characters keep
    nothing, because a partial value that short gives away most of it.
    """
    text = "" if value is None else str(value)
    if not text:
        return ""
    local, at, domain = text.partition("@")
    if at and local:
        return f"{local[0]}{MASK}@{domain}"
    if len(text) >= 11:
        return f"{text[:3]}{MASK}{text[-4:]}"
    if len(text) >= 7:
        return f"{text[:2]}{MASK}{text[-2:]}"
    return MASK


# Field types whose masked form keeps nothing of the value. A part of one of a few values
# (a choice, yes or no, a province) gives the whole away, and any digit of an amount narrows
# it down: its first digits give its size. Tags as one text ("重点客户, 华东") would keep the
# first and last tag's ends.
_MASKED_WHOLLY = (
    FieldType.MONEY,
    FieldType.CHOICE,
    FieldType.MULTI_CHOICE,
    FieldType.BOOLEAN,
    FieldType.REGION,
    FieldType.TAGS,
)


def _canonical_text(spec: FieldSpec, value: Any) -> str:
    """Return the text a masked value starts from, the same for a stored value and page text."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def masked_text(spec: FieldSpec, value: Any) -> str:
    """Return the masked text of one value of `spec`, the one text every channel shows for it.

    Pages, list cells, the API and timeline entries all mask through this function, so a value
    never shows more of itself on one channel than on another. `value` may be the stored value
    or the text a page shows for it (a date or its ISO text, a user or their name): both mask
    alike. Money, choices, yes/no and regions mask to MASK alone. Other values keep the part
    that `mask` keeps, after dates become ISO text and times local "YYYY-MM-DD HH:MM".
    """
    if spec.field_type in _MASKED_WHOLLY:
        return MASK
    return mask(_canonical_text(spec, value))


def masked(spec: FieldSpec, value: Any) -> Any:
    """Return `value` masked by `masked_text`, empty values unchanged.

    A list of values (tags, a multiple choice) becomes MASK alone, whatever its length, because
    one mask per item would tell how many values the field has.
    """
    if value in (None, "", [], {}):
        return value
    if isinstance(value, (list, tuple)):
        return MASK
    return masked_text(spec, value)


def policy_key(target: str, key: str) -> str:
    return f"{target}.{key}"


def role_access(role: Role, target: str, spec: FieldSpec) -> str:
    """Return the FieldAccess value that `role` gives `spec` on records of `target`.

    The role's explicit entry wins; otherwise money fields take `money_access`, sensitive fields
    `sensitive_access`, and every other field is editable.
    """
    explicit = role.field_policy.get(policy_key(target, spec.key))
    if explicit is None and spec.key in REGION_PARTS:
        # The region is one field on the page and three (province, city, district) in forms,
        # filters and the API; an entry for the region covers all three.
        explicit = role.field_policy.get(policy_key(target, "region"))
    if explicit in _ACCESS_VALUES:
        return str(explicit)
    if spec.is_money:
        return role.money_access
    if spec.is_sensitive:
        return role.sensitive_access
    return FieldAccess.EDITABLE


class FieldPolicy:
    """The field policy of one user's role, for one request."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.role: Role | None = user.role if user.is_authenticated else None
        self.unrestricted = bool(user.is_authenticated and user.is_active and user.is_superuser)
        # A list page reads the access of the same fields once per row and cell.
        self._access: dict[tuple[str, str], str] = {}

    def access(self, target: str, spec: FieldSpec) -> str:
        """Return the FieldAccess value of `spec` on records of `target`."""
        if self.unrestricted:
            return FieldAccess.EDITABLE
        role = self.role
        if role is None or not self.user.is_active:
            return FieldAccess.HIDDEN
        cache_key = (target, spec.key)
        access = self._access.get(cache_key)
        if access is None:
            access = self._access[cache_key] = role_access(role, target, spec)
        return access

    def can_read(self, target: str, spec: FieldSpec) -> bool:
        """Return whether any form of the value, whole or masked, may be shown."""
        return self.access(target, spec) != FieldAccess.HIDDEN

    def reads_whole(self, target: str, spec: FieldSpec) -> bool:
        """Return whether the whole value may be shown, and so filtered, sorted and searched on."""
        return self.access(target, spec) in (FieldAccess.EDITABLE, FieldAccess.READ_ONLY)

    def can_write(self, target: str, spec: FieldSpec) -> bool:
        return self.access(target, spec) == FieldAccess.EDITABLE

    def readable(self, target: str, specs: Iterable[FieldSpec]) -> list[FieldSpec]:
        return [spec for spec in specs if self.can_read(target, spec)]

    def shown(self, target: str, spec: FieldSpec, value: Any) -> Any:
        """Return `value` as this user may see it: whole, masked (`masked`), or None if hidden."""
        access = self.access(target, spec)
        if access == FieldAccess.HIDDEN:
            return None
        if access == FieldAccess.MASKED:
            return masked(spec, value)
        return value

    def check_write(self, target: str, specs: Mapping[str, FieldSpec], keys: Iterable[str]) -> None:
        """Raise ValidationError keyed by field for each key in `keys` this user may not set.

        A hidden field is rejected as if it did not exist, so the error does not confirm it.
        """
        errors: dict[str, list[str]] = {}
        for key in keys:
            spec = specs.get(key)
            if spec is None:
                continue
            access = self.access(target, spec)
            if access == FieldAccess.HIDDEN:
                errors[key] = [_("Unknown field “%(key)s”.") % {"key": key}]
            elif access != FieldAccess.EDITABLE:
                errors[key] = [
                    _("Your role may not change “%(field)s”.") % {"field": spec.label_text}
                ]
        if errors:
            raise ValidationError(errors)


def policy_for(user: User) -> FieldPolicy:
    return FieldPolicy(user)
