"""Batch writes of users and departments, for the importer's sales team import.

Each row is checked as `kehu.org.services.create_user` and `update_user` check one user: the
manage-users capability, a role the actor could hold, and a reach no wider than the actor's.
New departments go through `create_department`. The importer passes a whole file as one batch,
so a row may name as its manager the user of any other row, above or below it.

With `dry_run` the batch is written in a transaction that is rolled back, because the reach
check (`kehu.org.escalation.ReachGuard`) compares reaches in the database after each write. So
the dry run decides every row exactly as the import does.

Imported users get an unusable password: they cannot sign in until a user manager sets one
on the users page or with `kehu changepassword`.
"""

import dataclasses
import logging
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from kehu.org.departments import create_department
from kehu.org.guards import require_manage_users
from kehu.org.models import Department, Preset, Role, User
from kehu.org.presets import preset_role
from kehu.org.services import USERNAME_LIMIT, add_checked_user, check_new_user, update_user
from kehu.org.visibility import reach

logger = logging.getLogger(__name__)

SKIP = "skip"
UPDATE = "update"

CREATED = "created"
UPDATED = "updated"
SKIPPED = "skipped"
REJECTED = "rejected"

_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z0-9]+")


@dataclasses.dataclass
class IncomingUser:
    row: int
    # Keys: display_name, username, email, manager, department, role; empty cells are left out.
    values: dict[str, str]


@dataclasses.dataclass
class UserRowResult:
    row: int
    outcome: str
    # (import target such as "user.manager", message)
    errors: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    warnings: list[tuple[str, str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class OrgChange:
    """A user or department the batch created or changed, for the import's undo."""

    kind: str  # "user" or "department"
    action: str  # "created" or "updated"
    object_id: int
    row: int
    before: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class TeamResult:
    rows: list[UserRowResult] = dataclasses.field(default_factory=list)
    changes: list[OrgChange] = dataclasses.field(default_factory=list)


class _RowError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


_HAN = re.compile(r"[\u3400-\u9fff]")


def person_name(text: str) -> str:
    """Return a name as a roster means it: widths folded and spaces collapsed, and no spaces at
    all in a Chinese name, which rosters often pad to line up ("李　明" is 李明)."""
    name = " ".join(unicodedata.normalize("NFKC", text).split())
    return name.replace(" ", "") if _HAN.search(name) else name


def username_base(display_name: str) -> str:
    """Return the username a name suggests: 王伟 -> wangwei, Anna Snelling -> anna.snelling.

    Chinese names become their pinyin without tones; other names become their lower-case ASCII
    words joined by dots. A name with neither gives "user".
    """
    if _HAN.search(display_name):
        words = _WORD.findall(_ascii("".join(lazy_pinyin(display_name))))
        base = "".join(words)
    else:
        base = ".".join(_WORD.findall(_ascii(display_name)))
    # Room for a numeric suffix within the username limit.
    return base[: USERNAME_LIMIT - 10].strip(".") or "user"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


@dataclasses.dataclass(eq=False)
class _Row:
    item: IncomingUser
    display_name: str
    username: str
    email: str
    role: Role | None
    department_name: str
    manager_name: str
    result: UserRowResult
    # The active stored user the row repeats, by username or display name.
    stored: User | None = None
    earlier: "_Row | None" = None
    state: str = "pending"  # pending, working, done
    user: User | None = None


def import_users(
    actor: User, items: Sequence[IncomingUser], *, on_duplicate: str, dry_run: bool
) -> TeamResult:
    """Check and create or update the users of a team roster, with their departments.

    A row that repeats an active stored user (by username, given or generated, or by display
    name) is skipped, or with `on_duplicate` "update" has its manager, department, role and
    email changed through `update_user`. A row that repeats an earlier row is skipped. A manager
    name found on no row and no stored user becomes a new user with the sales manager preset
    role in the row's department. Raises PermissionDenied unless the actor may manage users.
    """
    require_manage_users(actor)
    if on_duplicate not in (SKIP, UPDATE):
        raise ValueError(f"a team import skips or updates duplicates, not {on_duplicate!r}")
    writer = _TeamWriter(actor, on_duplicate == UPDATE)
    with transaction.atomic():
        writer.write(items)
        if dry_run:
            transaction.set_rollback(True)
    if not dry_run:
        logger.info(
            "team import by user %s: %d users and departments written",
            actor.pk,
            len(writer.result.changes),
        )
    writer.result.rows.sort(key=lambda row_result: row_result.row)
    return writer.result


class _TeamWriter:
    def __init__(self, actor: User, update: bool) -> None:
        self.actor = actor
        self.update = update
        self.result = TeamResult()
        self.rep_role = preset_role(Preset.REP)
        self.manager_role = preset_role(Preset.MANAGER)
        roles = sorted(Role.objects.all(), key=lambda role: role.name)
        self.roles = {role.name.casefold(): role for role in roles}
        self.by_username: dict[str, User] = {}
        self.by_display_name: dict[str, list[User]] = {}
        for user in User.objects.filter(is_active=True).select_related("role", "department"):
            self.by_username[user.username.casefold()] = user
            if user.display_name:
                self.by_display_name.setdefault(user.display_name.strip(), []).append(user)
        # Usernames of every stored user, deactivated ones too, and of earlier rows.
        self.taken = {name.casefold() for name in User.objects.values_list("username", flat=True)}
        self.row_by_name: dict[str, _Row] = {}
        self.departments: dict[str, Department | _RowError] = {}
        self.column_managers: dict[str, User | _RowError] = {}
        self.created_ids: list[int] = []

    def write(self, items: Sequence[IncomingUser]) -> None:
        rows = [self._read(item) for item in items]
        for row in rows:
            self._settle(row)

    # Reading the rows

    def _read(self, item: IncomingUser) -> _Row:
        values = item.values
        row = _Row(
            item,
            display_name=person_name(values.get("display_name", "")),
            username=values.get("username", "").strip(),
            email=values.get("email", "").strip(),
            role=None,
            department_name=values.get("department", "").strip(),
            manager_name=person_name(values.get("manager", "")),
            result=UserRowResult(item.row, REJECTED),
        )
        self.result.rows.append(row.result)
        errors = row.result.errors
        if not row.display_name:
            errors.append(("user.display_name", _("Enter the user's name.")))
            return row
        if row.email:
            try:
                validate_email(row.email)
            except ValidationError:
                message = _("“%(value)s” is not a valid email address.") % {"value": row.email}
                errors.append(("user.email", message))
        role_name = values.get("role", "").strip()
        if role_name:
            row.role = self.roles.get(role_name.casefold())
            if row.role is None:
                names = "、".join(role.name for role in self.roles.values())
                message = _("“%(value)s” is not a role. The roles are: %(roles)s.") % {
                    "value": role_name,
                    "roles": names,
                }
                errors.append(("user.role", message))

        given = bool(row.username)
        base = row.username or username_base(row.display_name)
        row.earlier = self.row_by_name.get(row.display_name.casefold()) or (
            self.row_by_name.get(base.casefold()) if given else None
        )
        if row.earlier is not None:
            return row
        row.stored = self.by_username.get(base.casefold())
        if row.stored is not None and not given and row.stored.display_name != row.display_name:
            # A username generated from a namesake's pinyin is not that person's.
            row.stored = None
        if row.stored is None:
            same_name = self.by_display_name.get(row.display_name, [])
            row.stored = same_name[0] if len(same_name) == 1 else None
        if row.stored is not None:
            row.username = row.stored.username
        elif not given:
            row.username = self._free_username(base)
        self.taken.add(row.username.casefold())
        self.row_by_name.setdefault(row.display_name.casefold(), row)
        self.row_by_name.setdefault(row.username.casefold(), row)
        return row

    def _free_username(self, base: str) -> str:
        candidate, number = base, 1
        while candidate.casefold() in self.taken:
            number += 1
            candidate = f"{base}{number}"
        self.taken.add(candidate.casefold())
        return candidate

    # Writing the rows

    def _settle(self, row: _Row) -> None:
        """Create, update or skip the row's user, after the user of the row's manager."""
        if row.state != "pending":
            return
        row.state = "working"
        result = row.result
        try:
            if result.errors:
                return
            if row.earlier is not None:
                message = _("Row %(row)d of the file already has the user “%(name)s”.") % {
                    "row": row.earlier.item.row,
                    "name": row.earlier.display_name,
                }
                self._skip(row, "user.display_name", message)
                return
            if row.stored is not None and not self.update:
                message = _("The user “%(name)s” (username %(username)s) already exists.") % {
                    "name": row.stored,
                    "username": row.stored.username,
                }
                self._skip(row, "user.display_name", message)
                row.user = row.stored
                return
            department = self._department(row)
            manager = self._manager(row, department)
            if row.stored is not None:
                self._update(row, department, manager)
            else:
                self._create(row, department, manager)
        except _RowError as error:
            result.outcome = REJECTED
            result.errors.append((error.field, error.message))
        finally:
            row.state = "done"

    def _skip(self, row: _Row, field: str, message: str) -> None:
        row.result.outcome = SKIPPED
        row.result.warnings.append((field, message))

    def _create(self, row: _Row, department: Department | None, manager: User | None) -> None:
        role = row.role or self.rep_role
        user = self._add_user(
            row.username, row.display_name, role, department, manager, row.email, "user.role"
        )
        row.user = user
        row.result.outcome = CREATED
        self.result.changes.append(OrgChange("user", CREATED, user.pk, row.item.row))

    def _add_user(
        self,
        username: str,
        display_name: str,
        role: Role,
        department: Department | None,
        manager: User | None,
        email: str,
        role_field: str,
    ) -> User:
        try:
            with transaction.atomic():
                username, display_name = check_new_user(
                    self.actor,
                    username=username,
                    display_name=display_name,
                    manager=manager,
                    role=role,
                )
                user = add_checked_user(
                    self.actor,
                    username=username,
                    display_name=display_name,
                    password=None,
                    department=department,
                    manager=manager,
                    role=role,
                    email=email,
                    created_ids=self.created_ids,
                )
        except ValidationError as error:
            field, message = _first_error(error)
            raise _RowError(f"user.{field}" if field else "user.display_name", message) from None
        except PermissionDenied as error:
            raise _RowError(role_field, str(error)) from None
        self.created_ids.append(user.pk)
        return user

    def _update(self, row: _Row, department: Department | None, manager: User | None) -> None:
        stored = row.stored
        assert stored is not None
        before = {
            "manager_id": stored.manager_id,
            "department_id": stored.department_id,
            "role_id": stored.role_id,
            "email": stored.email,
        }
        try:
            with transaction.atomic():
                user = update_user(
                    self.actor,
                    stored,
                    display_name=stored.display_name,
                    department=department if row.department_name else stored.department,
                    manager=manager if row.manager_name else stored.manager,
                    role=row.role or stored.role,
                    email=row.email or None,
                )
        except ValidationError as error:
            field, message = _first_error(error)
            raise _RowError(f"user.{field}" if field else "user.display_name", message) from None
        except PermissionDenied as error:
            raise _RowError("user.display_name", str(error)) from None
        row.user = user
        row.result.outcome = UPDATED
        self.result.changes.append(OrgChange("user", UPDATED, user.pk, row.item.row, before))

    # Departments and managers

    def _department(self, row: _Row) -> Department | None:
        name = row.department_name
        if not name:
            return None
        key = name.casefold()
        if key not in self.departments:
            self.departments[key] = self._find_or_add_department(row, name)
        found = self.departments[key]
        if isinstance(found, _RowError):
            raise found
        return found

    def _find_or_add_department(self, row: _Row, name: str) -> Department | _RowError:
        matches = [d for d in Department.objects.filter(name__iexact=name)]
        role_reach = reach(self.actor)
        if len(matches) > 1 and not role_reach.everything:
            matches = [d for d in matches if d.pk in role_reach.department_ids] or matches
        if len(matches) > 1:
            message = _(
                "%(count)d departments are named “%(name)s”; rename one of them on the "
                "departments page first."
            ) % {"count": len(matches), "name": name}
            return _RowError("user.department", message)
        if matches:
            return matches[0]
        parent = self._top_department()
        if not role_reach.everything and parent is None:
            message = _(
                "No department is named “%(name)s”, and your reach has no department to add it "
                "under."
            ) % {"name": name}
            return _RowError("user.department", message)
        try:
            with transaction.atomic():
                department = create_department(self.actor, name, parent)
        except ValidationError as error:
            return _RowError("user.department", _first_error(error)[1])
        except PermissionDenied as error:
            return _RowError("user.department", str(error))
        self.result.changes.append(OrgChange("department", CREATED, department.pk, row.item.row))
        if parent is None:
            message = _("The department “%(name)s” is new; the import adds it at the top.") % {
                "name": name
            }
        else:
            message = _(
                "The department “%(name)s” is new; the import adds it under “%(parent)s”."
            ) % {"name": name, "parent": parent.name}
        row.result.warnings.append(("user.department", message))
        return department

    def _top_department(self) -> Department | None:
        """Return where new departments go: the top department of the actor's reach.

        For a company-wide reach that is the top of the actor's own department, or the only
        department at the top; otherwise the top level itself.
        """
        actor = self.actor
        if not reach(actor).everything:
            if actor.department_id is None:
                return None
            own = Department.objects.get(pk=actor.department_id)
            ids = reach(actor).department_ids
            return own if own.pk in ids else None
        if actor.department_id is not None:
            top = Department.objects.get(pk=actor.department_id)
            while top.parent_id is not None:
                top = Department.objects.get(pk=top.parent_id)
            return top
        tops = list(Department.objects.filter(parent__isnull=True)[:2])
        return tops[0] if len(tops) == 1 else None

    def _manager(self, row: _Row, department: Department | None) -> User | None:
        name = row.manager_name
        if not name:
            return None
        key = name.casefold()
        if key in (row.display_name.casefold(), row.username.casefold()):
            raise _RowError("user.manager", _("A user cannot be their own manager."))
        other = self.row_by_name.get(key)
        if other is not None:
            if other.state == "working":
                message = _(
                    "“%(name)s” on row %(row)d reports, through the file's managers, to this "
                    "row's user; the managers form a loop."
                ) % {"name": other.display_name, "row": other.item.row}
                raise _RowError("user.manager", message)
            self._settle(other)
            if other.user is None:
                message = _("The manager “%(name)s” is on row %(row)d, which was not imported.")
                raise _RowError("user.manager", message % {"name": name, "row": other.item.row})
            return other.user
        stored = self.by_username.get(key)
        if stored is not None:
            return stored
        same_name = self.by_display_name.get(name, [])
        if len(same_name) > 1:
            message = _(
                "%(count)d users are named “%(name)s”; put the manager's username in the column."
            ) % {"count": len(same_name), "name": name}
            raise _RowError("user.manager", message)
        if same_name:
            return same_name[0]
        return self._column_manager(row, name, department)

    def _column_manager(self, row: _Row, name: str, department: Department | None) -> User:
        """Return the user for a manager named only in the manager column, added on first use."""
        key = name.casefold()
        if key not in self.column_managers:
            try:
                user = self._add_user(
                    self._free_username(username_base(name)),
                    name,
                    self.manager_role,
                    department,
                    None,
                    "",
                    "user.manager",
                )
            except _RowError as error:
                self.column_managers[key] = _RowError("user.manager", error.message)
            else:
                self.column_managers[key] = user
                self.result.changes.append(OrgChange("user", CREATED, user.pk, row.item.row))
                if department is None:
                    message = _(
                        "“%(name)s” was not a user, so the import adds them with the role "
                        "%(role)s and no department."
                    )
                else:
                    message = _(
                        "“%(name)s” was not a user, so the import adds them with the role "
                        "%(role)s in the department “%(department)s”."
                    )
                values = {"name": name, "role": self.manager_role.name, "department": department}
                row.result.warnings.append(("user.manager", message % values))
        found = self.column_managers[key]
        if isinstance(found, _RowError):
            raise found
        return found


def _first_error(error: ValidationError) -> tuple[str, str]:
    """Return the field and message of the first problem of a service's ValidationError."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            if messages:
                return ("" if field == "__all__" else field), messages[0]
    return "", error.messages[0]


__all__ = ["IncomingUser", "TeamResult", "import_users", "username_base"]
