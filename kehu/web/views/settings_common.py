"""Helpers of the user, department and role settings pages: the guard and the choice lists."""

import dataclasses
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kehu.org.guards import can_manage_users
from kehu.org.models import Department, Role, User
from kehu.web.views.common import signed_in_user


def require_user_manager(request: HttpRequest) -> User:
    """Return the signed-in user if their role manages users and roles, else raise a 403."""
    user = signed_in_user(request)
    if not can_manage_users(user):
        raise PermissionDenied(_("Only users who manage users and roles may open this page."))
    return user


@dataclasses.dataclass
class DepartmentNode:
    department: Department
    # Every name from the top down, such as "总公司 / 华东销售部".
    path: str
    # The parent's public id as a select option value, "" at the top.
    parent_value: str = ""
    children: list["DepartmentNode"] = dataclasses.field(default_factory=list)
    member_count: int = 0


def department_tree() -> list[DepartmentNode]:
    """Return the top departments with their sub-departments, each level sorted by name."""
    departments = list(Department.objects.order_by("name", "pk"))
    counts: dict[int, int] = {}
    for department_id in User.objects.filter(is_active=True).values_list(
        "department_id", flat=True
    ):
        if department_id is not None:
            counts[department_id] = counts.get(department_id, 0) + 1
    by_parent: dict[int | None, list[Department]] = {}
    for department in departments:
        by_parent.setdefault(department.parent_id, []).append(department)

    def branch(parent: Department | None, prefix: str) -> list[DepartmentNode]:
        nodes = []
        for department in by_parent.get(parent.pk if parent else None, []):
            path = f"{prefix} / {department.name}" if prefix else department.name
            node = DepartmentNode(
                department,
                path,
                parent_value=str(parent.public_id) if parent else "",
                member_count=counts.get(department.pk, 0),
            )
            node.children = branch(department, path)
            nodes.append(node)
        return nodes

    return branch(None, "")


def flatten(nodes: list[DepartmentNode]) -> list[DepartmentNode]:
    """Return the nodes of a tree in display order, parents before their children."""
    flat: list[DepartmentNode] = []
    for node in nodes:
        flat.append(node)
        flat.extend(flatten(node.children))
    return flat


def department_choices() -> list[tuple[str, str]]:
    """Return (public id, "总公司 / 华东销售部") pairs for a department select."""
    return [(str(node.department.public_id), node.path) for node in flatten(department_tree())]


def role_choices() -> list[tuple[str, str]]:
    return [(str(role.public_id), role.name) for role in Role.objects.order_by("name")]


def manager_choices(exclude: User | None = None) -> list[tuple[str, str]]:
    """Return the active users who may be picked as someone's manager."""
    people = User.objects.filter(is_active=True).order_by("display_name", "username")
    if exclude is not None:
        people = people.exclude(pk=exclude.pk)
    return [(str(person.public_id), f"{person} ({person.username})") for person in people]


def posted_id(raw: str, field: str) -> uuid.UUID | None:
    """Return the id a select posted, None for none, or raise ValidationError on `field`."""
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ValidationError({field: [_("Choose an entry from the list.")]}) from None


def posted_department(raw: str, field: str = "department") -> Department | None:
    """Return the department a select posted, None for none, or raise ValidationError."""
    public_id = posted_id(raw, field)
    if public_id is None:
        return None
    found = Department.objects.filter(public_id=public_id).first()
    if found is None:
        raise ValidationError({field: [_("Choose an entry from the list.")]})
    return found


def posted_user(raw: str, field: str) -> User | None:
    public_id = posted_id(raw, field)
    if public_id is None:
        return None
    found = User.objects.filter(public_id=public_id).first()
    if found is None:
        raise ValidationError({field: [_("Choose an entry from the list.")]})
    return found


def posted_role(raw: str, field: str = "role") -> Role | None:
    public_id = posted_id(raw, field)
    if public_id is None:
        return None
    found = Role.objects.filter(public_id=public_id).first()
    if found is None:
        raise ValidationError({field: [_("Choose an entry from the list.")]})
    return found
