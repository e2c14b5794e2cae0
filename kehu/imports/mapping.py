"""Import targets (the fields a column can fill) and the suggested mapping of column titles.

Titles match the field registry's labels and synonyms (FieldSpec.synonyms) in any language,
custom fields by their labels. A target is a string such as "customer.name", "contact.mobile"
or "follow_up.content"; "" means the column is ignored.
"""

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kehu.fields.models import FieldTarget, FieldType
from kehu.fields.registry import FieldSpec, fields_for
from kehu.imports.models import ImportKind

# Fields that other records derive; an import never sets them directly.
NOT_IMPORTABLE = {"last_follow_up_at"}
PARENT = "customer.parent"


@dataclasses.dataclass(frozen=True)
class Target:
    key: str
    label: str | Promise
    field_type: str
    synonyms: Sequence[str] = ()
    spec: FieldSpec | None = None
    required: bool = False

    @property
    def label_text(self) -> str:
        return str(self.label)

    @property
    def field_key(self) -> str:
        """Return the field key without its record prefix: "contact.mobile" -> "mobile"."""
        return self.key.split(".", 1)[1]


def _from_spec(prefix: str, spec: FieldSpec, label: str | Promise | None = None) -> Target:
    return Target(
        f"{prefix}.{spec.key}",
        label or spec.label,
        spec.field_type,
        tuple(spec.synonyms),
        spec,
    )


def _follow_up_targets() -> list[Target]:
    return [
        Target(
            "follow_up.kind",
            _("Follow-up type"),
            FieldType.CHOICE,
            ("跟进方式", "跟进类型", "联系方式", "方式", "follow-up type", "type", "channel"),
            required=True,
        ),
        Target(
            "follow_up.occurred_at",
            _("Follow-up time"),
            FieldType.DATETIME,
            ("跟进时间", "跟进日期", "联系时间", "时间", "日期", "date", "time", "occurred at"),
        ),
        Target(
            "follow_up.content",
            _("Follow-up content"),
            FieldType.LONG_TEXT,
            ("跟进内容", "跟进记录", "内容", "沟通内容", "content", "notes", "note"),
            required=True,
        ),
        Target(
            "follow_up.author",
            _("Follow-up author"),
            FieldType.USER,
            ("跟进人", "记录人", "author", "by"),
        ),
        Target(
            "follow_up.purpose",
            _("Purpose of the visit"),
            FieldType.TEXT,
            ("拜访目的", "目的", "purpose"),
        ),
        Target("follow_up.result", _("Result"), FieldType.TEXT, ("结果", "跟进结果", "result")),
        Target(
            "follow_up.next_step",
            _("Next step"),
            FieldType.TEXT,
            ("下一步", "下一步计划", "next step"),
        ),
        Target(
            "follow_up.next_follow_up_on",
            _("Next follow-up"),
            FieldType.DATE,
            ("下次联系时间", "下次跟进时间", "next follow-up"),
        ),
    ]


def targets_for(kind: str) -> list[Target]:
    """Return the targets a column can have for this kind of import, in matching priority."""
    customer_specs = [s for s in fields_for(FieldTarget.CUSTOMER) if s.key not in NOT_IMPORTABLE]
    contact_specs = fields_for(FieldTarget.CONTACT)
    by_key = {spec.key: spec for spec in customer_specs}
    customer_name = by_key["name"]
    if kind == ImportKind.CONTACTS:
        generic = {"name", "名称", "客户", "customer"}
        contacts = [_from_spec("contact", spec) for spec in contact_specs]
        name = contacts[0]
        contacts[0] = dataclasses.replace(name, synonyms=(*name.synonyms, "name", "名称"))
        customer = Target(
            "customer.name",
            customer_name.label,
            FieldType.TEXT,
            (*(s for s in customer_name.synonyms if s not in generic), "所属客户"),
            customer_name,
            required=True,
        )
        return [*contacts, customer]
    if kind == ImportKind.FOLLOW_UPS:
        customer = dataclasses.replace(_from_spec("customer", customer_name), required=True)
        return [customer, *_follow_up_targets()]
    parent = Target(
        PARENT,
        _("Company of this contact (a contact row)"),
        FieldType.TEXT,
        ("所属公司", "所属客户", "上级公司", "related company", "parent company", "company of"),
    )
    customers = [_from_spec("customer", spec) for spec in customer_specs]
    customers[0] = dataclasses.replace(customers[0], required=True)
    return [*customers, parent, *(_from_spec("contact", spec) for spec in contact_specs)]


def target_map(kind: str) -> dict[str, Target]:
    return {target.key: target for target in targets_for(kind)}


_PUNCTUATION = re.compile(r"[\s_\-:：·.。/\\()（）\[\]【】*＊]+")


def title_key(title: str) -> str:
    """Return the comparison form of a title: width folded, lower case, no spaces or punctuation."""
    return _PUNCTUATION.sub("", unicodedata.normalize("NFKC", title).lower())


def _names_of(target: Target) -> list[str]:
    names = [str(target.label), *target.synonyms]
    with translation.override("en"):
        names.append(str(target.label))
    with translation.override("zh-hans"):
        names.append(str(target.label))
    return names


def title_index(kind: str) -> dict[str, str]:
    """Return {title key: target key}; a title claimed by an earlier target keeps it."""
    index: dict[str, str] = {}
    for target in targets_for(kind):
        for name in _names_of(target):
            key = title_key(name)
            if key and key not in index:
                index[key] = target.key
    return index


def _lookup(index: Mapping[str, str], title: str) -> str:
    found = index.get(title_key(title), "")
    if found or " " not in title:
        return found
    # A joined two-row title ("联系人 手机"): the lower part names the field more precisely.
    parts = title.split(" ")
    for part in reversed(parts):
        found = index.get(title_key(part), "")
        if found:
            return found
    return ""


def known_title_test(kind: str) -> Callable[[str], bool]:
    index = title_index(kind)
    return lambda title: bool(_lookup(index, title))


def suggest(kind: str, titles: Sequence[str], untitled: Sequence[bool] = ()) -> list[str]:
    """Return a target for each column; each target goes to the first column that matches it."""
    index = title_index(kind)
    used: set[str] = set()
    result = []
    for position, title in enumerate(titles):
        target = "" if position < len(untitled) and untitled[position] else _lookup(index, title)
        if target in used:
            target = ""
        if target:
            used.add(target)
        result.append(target)
    return result


def from_template(columns: Mapping[str, str], titles: Sequence[str], kind: str) -> list[str]:
    """Apply a saved template to this file's titles; unknown titles fall back to suggestions."""
    suggested = suggest(kind, titles)
    valid = target_map(kind)
    result = []
    for title, fallback in zip(titles, suggested, strict=True):
        key = title_key(title)
        target = columns.get(key, fallback)
        result.append(target if target in valid else "")
    return result


def template_columns(titles: Sequence[str], targets: Sequence[str]) -> dict[str, str]:
    return {title_key(title): target for title, target in zip(titles, targets, strict=True)}
