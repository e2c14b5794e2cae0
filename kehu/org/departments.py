"""Every write to departments: add, rename and move. The settings pages and imports call these.

Each function checks the manage-users capability and the actor's reach first, writes in one
transaction and records an audit entry.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.audit.models import AuditAction
from kehu.audit.services import record
from kehu.org.escalation import ReachGuard
from kehu.org.guards import require_manage_users
from kehu.org.models import Department, User
from kehu.org.visibility import reach

DEPARTMENT_NAME_LIMIT = 100


def _lock_departments() -> None:
    """Lock every department row in id order, so concurrent moves cannot form a cycle."""
    list(Department.objects.select_for_update().order_by("pk").values_list("pk", flat=True))


def _clean_department_name(
    raw: str, parent: Department | None, exclude: Department | None = None
) -> str:
    name = raw.strip()
    message = ""
    if not name:
        message = _("Enter a department name.")
    elif len(name) > DEPARTMENT_NAME_LIMIT:
        message = _("At most %(limit)d characters, got %(count)d.") % {
            "limit": DEPARTMENT_NAME_LIMIT,
            "count": len(name),
        }
    else:
        siblings = Department.objects.filter(parent=parent, name=name)
        if exclude is not None:
            siblings = siblings.exclude(pk=exclude.pk)
        if siblings.exists():
            message = _("A department named “%(name)s” already exists there.") % {"name": name}
    if message:
        raise ValidationError({"name": [message]})
    return name


def _require_department_in_reach(actor: User, department: Department | None) -> None:
    """Raise PermissionDenied unless the actor's reach covers `department` (None: the top).

    A company-wide role reaches every department, others the departments of their scope.
    """
    actor_reach = reach(actor)
    if actor_reach.everything:
        return
    if department is None or department.pk not in actor_reach.department_ids:
        raise PermissionDenied(_("This department is outside your reach, so you cannot change it."))


def create_department(actor: User, name: str, parent: Department | None) -> Department:
    """Add a department under `parent` (None: at the top). Names are unique among siblings.

    Below a company-wide scope, the parent must be one of the departments the actor reaches.
    """
    require_manage_users(actor)
    _require_department_in_reach(actor, parent)

    with transaction.atomic():
        _lock_departments()
        cleaned = _clean_department_name(name, parent)
        department = Department.objects.create(name=cleaned, parent=parent)
        record(
            actor,
            AuditAction.DEPARTMENT_CHANGED,
            "department",
            department.public_id,
            {"change": "created", "name": cleaned, "parent": parent.name if parent else None},
        )
    return department


def rename_department(actor: User, department: Department, name: str) -> Department:
    """Rename a department the actor reaches; names are unique among siblings."""
    require_manage_users(actor)
    _require_department_in_reach(actor, department)

    with transaction.atomic():
        _lock_departments()
        locked = Department.objects.get(pk=department.pk)
        cleaned = _clean_department_name(name, locked.parent, exclude=locked)
        if cleaned == locked.name:
            return locked
        old = locked.name
        locked.name = cleaned
        locked.save(update_fields=["name"])
        record(
            actor,
            AuditAction.DEPARTMENT_CHANGED,
            "department",
            locked.public_id,
            {"change": "renamed", "name": [old, cleaned]},
        )
    return locked


def move_department(actor: User, department: Department, parent: Department | None) -> Department:
    """Put a department, with everything below it, under `parent` (None: at the top).

    Raises ValidationError on "parent" when the new parent is the department itself or below
    it, and PermissionDenied when the move lets anyone reach customers the actor does not.
    """
    require_manage_users(actor)

    with transaction.atomic():
        _lock_departments()
        locked = Department.objects.select_related("parent").get(pk=department.pk)
        if parent is not None and parent.pk in locked.subtree_ids():
            raise ValidationError(
                {
                    "parent": [
                        _("%(parent)s is %(department)s or below it, so it cannot be its parent.")
                        % {"parent": parent, "department": locked}
                    ]
                }
            )
        if locked.parent_id == (parent.pk if parent else None):
            return locked
        _clean_department_name(locked.name, parent, exclude=locked)
        old_parent = locked.parent
        guard = ReachGuard(actor)
        locked.parent = parent
        locked.save(update_fields=["parent"])
        guard.check()
        record(
            actor,
            AuditAction.DEPARTMENT_CHANGED,
            "department",
            locked.public_id,
            {
                "change": "moved",
                "parent": [
                    old_parent.name if old_parent else None,
                    parent.name if parent else None,
                ],
            },
        )
    return locked
