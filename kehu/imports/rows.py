"""Turn the data rows of a sheet into field values, by the mapping of columns to targets.

Every cell is converted for its target's type here (kehu.imports.cells). A cell that does not
fit is a problem of its row, reported with the column title and the value as the file shows it.
"""

import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.fields.models import FieldType
from kehu.imports import cells
from kehu.imports.mapping import PARENT, Target, target_map
from kehu.imports.readers import CellValue, Header, Sheet, is_empty
from kehu.imports.regions import split_region
from kehu.org.models import Capability, User
from kehu.org.visibility import reach
from kehu.timeline.models import FollowUpKind


@dataclasses.dataclass(frozen=True)
class Column:
    index: int
    title: str
    target: Target
    marked_required: bool


@dataclasses.dataclass
class Problem:
    row: int
    column: str
    value: str
    message: str
    is_warning: bool = False


@dataclasses.dataclass
class ParsedRow:
    number: int  # 1-based spreadsheet row
    values: dict[str, Any]  # target key -> converted value; empty cells are left out
    problems: list[Problem]

    def has(self, prefix: str) -> bool:
        return any(key.startswith(prefix) for key in self.values)


def shown(value: CellValue) -> str:
    """Return a cell as the file shows it, for messages: 13800138000.0 reads 13800138000."""
    if isinstance(value, float):
        return f"{value:.15g}"
    return cells.to_text(value) if not isinstance(value, str) else value.strip()


# Targets that keep a customer's history from the file: who created it, and when.
HISTORY_TARGETS = frozenset({"customer.creator", "customer.created_at", "deal.created_at"})


class UserLookup:
    """The active users in the importer's reach by username and display name, read once.

    Users outside the reach are not found, so the messages of a file naming them cannot tell
    a rep which names belong to colleagues, agents or nobody.
    """

    def __init__(self, actor: User) -> None:
        self.by_name: dict[str, list[User]] = {}
        people = User.objects.filter(is_active=True)
        role_reach = reach(actor)
        if not role_reach.everything:
            people = people.filter(
                Q(pk=actor.pk)
                | Q(pk__in=role_reach.owner_ids)
                | Q(department_id__in=role_reach.department_ids)
            )
        # With their roles, which the owner checks read: large imports receive the users found
        # here as copies from the preparation process, so a role loaded later would cost a
        # query per row.
        for user in people.select_related("role"):
            for name in {user.username, user.display_name}:
                if name:
                    self.by_name.setdefault(name.strip(), []).append(user)

    def find(self, name: str) -> User:
        found = self.by_name.get(name.strip(), [])
        if len(found) > 1:
            raise ValueError(
                _("Several users are named “%(name)s”; use the username instead.") % {"name": name}
            )
        if not found:
            raise ValueError(
                _(
                    "No active user within your reach is named “%(name)s”; check the name or "
                    "ignore this column."
                )
                % {"name": name}
            )
        return found[0]


def _follow_up_kinds() -> dict[str, str]:
    names: dict[str, str] = {}
    for value, label in FollowUpKind.choices:
        names[value] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                names[str(label).lower()] = value
    return names


class RowParser:
    """Convert the data rows of one sheet; build it once per import run."""

    def __init__(
        self, kind: str, sheet: Sheet, header: Header, targets: Sequence[str], actor: User
    ) -> None:
        available = target_map(kind)
        self.kind = kind
        self.sheet = sheet
        self.header = header
        self.columns = [
            Column(index, header.titles[index], available[key], header.required[index])
            for index, key in enumerate(targets)
            if key and key in available and index < len(header.titles)
        ]
        # Only roles that may assign customers keep a file's creators and creation times; for
        # the others those columns are not read (see `Run.column_warnings`).
        self.ignored: list[Column] = []
        if not actor.has_capability(Capability.ASSIGN):
            self.ignored = [c for c in self.columns if c.target.key in HISTORY_TARGETS]
            self.columns = [c for c in self.columns if c.target.key not in HISTORY_TARGETS]
        self.by_target = {column.target.key: column for column in self.columns}
        self.users = (
            UserLookup(actor)
            if any(c.target.field_type == FieldType.USER for c in self.columns)
            else None
        )
        self.follow_up_kinds = _follow_up_kinds()
        self.now = clock.now()

    @property
    def first_index(self) -> int:
        return self.header.first_data_row

    def rows(self, start: int = 0) -> Iterator[ParsedRow]:
        """Yield parsed rows from 0-based sheet row `start` (at least the first data row)."""
        for index in range(max(start, self.first_index), len(self.sheet.rows)):
            yield self.parse(index)

    def parse(self, index: int) -> ParsedRow:
        row = ParsedRow(index + 1, {}, [])
        cells_of_row = self.sheet.rows[index]
        for column in self.columns:
            value = cells_of_row[column.index]
            if is_empty(value):
                if column.marked_required:
                    row.problems.append(
                        Problem(
                            row.number,
                            column.title,
                            "",
                            _("The file marks “%(column)s” as required, but it is empty.")
                            % {"column": column.title},
                        )
                    )
                continue
            try:
                self._convert(row, column, value)
            except ValueError as error:
                row.problems.append(Problem(row.number, column.title, shown(value), str(error)))
        return row

    def _convert(self, row: ParsedRow, column: Column, value: CellValue) -> None:
        target = column.target
        key = target.key
        spec = target.spec
        field_type = target.field_type
        converted: Any
        if key == "customer.region":
            region = split_region(cells.to_text(value))
            row.values["customer.region"] = region
            return
        if field_type == FieldType.USER:
            assert self.users is not None
            converted = self.users.find(cells.to_text(value))
        elif field_type == FieldType.DATETIME:
            converted = cells.to_datetime(value)
            if converted is not None and converted > self.now + dt.timedelta(minutes=5):
                raise ValueError(_("“%(value)s” is in the future.") % {"value": shown(value)})
        elif field_type == FieldType.DATE:
            converted = cells.to_date(value)
        elif field_type == FieldType.BOOLEAN:
            converted = cells.to_bool(value)
        elif key == "customer.kind":
            converted = _customer_kind(value)
        elif key == "follow_up.kind":
            text = cells.to_text(value)
            if text.lower() not in self.follow_up_kinds:
                labels = "、".join(str(label) for _v, label in FollowUpKind.choices)
                raise ValueError(
                    _("“%(value)s” is not one of the follow-up types: %(choices)s.")
                    % {"value": text, "choices": labels}
                )
            converted = self.follow_up_kinds[text.lower()]
        elif (
            spec is not None
            and spec.is_custom
            and field_type in (FieldType.NUMBER, FieldType.MONEY)
        ):
            converted = (
                value
                if isinstance(value, int | float) and not isinstance(value, bool)
                else cells.to_text(value)
            )
        else:
            converted = cells.to_text(value)
        if converted in ("", None):
            return
        row.values[key] = converted


def _customer_kind(value: CellValue) -> str:
    """Return a customer kind, also from a yes/no cell such as "Is a company" with 1 or 0."""
    try:
        flag = cells.to_bool(value)
    except ValueError:
        return cells.to_text(value)
    if flag is None:
        return ""
    return "company" if flag else "individual"


def customer_values(row: ParsedRow) -> dict[str, Any]:
    """Return the raw customer values of a row, keyed by field key, for clean_customer."""
    values: dict[str, Any] = {}
    for key, value in row.values.items():
        if not key.startswith("customer.") or key in (PARENT, "customer.region"):
            continue
        field = key.removeprefix("customer.")
        if field in ("owner", "creator", "created_at"):
            continue
        values[field] = value
    region = row.values.get("customer.region")
    if region is not None:
        values.setdefault("province", region.province)
        if region.city:
            values.setdefault("city", region.city)
        if region.district:
            values.setdefault("district", region.district)
    return values


def contact_values(row: ParsedRow) -> dict[str, Any]:
    return {
        key.removeprefix("contact."): value
        for key, value in row.values.items()
        if key.startswith("contact.")
    }


def prefixed_values(row: ParsedRow, prefix: str) -> dict[str, Any]:
    return {
        key.removeprefix(prefix): value
        for key, value in row.values.items()
        if key.startswith(prefix)
    }
