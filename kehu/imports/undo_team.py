"""Undo the users and departments a sales team import wrote; kehu.imports.undo calls these.

A created user is deleted only if they never signed in and no record points at them. Such
records are customers they own, follow-ups they wrote, imports, audit entries they made and
users who report to them. Otherwise the undo is blocked, because deleting the user would take
that history with them. A department the import created is deleted when it
is empty after the users are gone, and kept otherwise.
"""

from collections.abc import Iterator

from django.db.models import ManyToManyRel
from django.utils.translation import gettext as _

from kehu.audit.models import AuditAction
from kehu.audit.services import record
from kehu.imports.models import ImportRecord, RecordAction, RecordKind
from kehu.org.guards import require_manage_users
from kehu.org.models import Department, User


def _created(records: list[ImportRecord], kind: str) -> dict[int, int]:
    """Return {object id: row} of the records of this kind that the import created."""
    return {
        r.object_id: r.row for r in records if r.kind == kind and r.action == RecordAction.CREATED
    }


def changed_team_records(records: list[ImportRecord]) -> list[str]:
    """Return a line for every created user who signed in or whom another record refers to."""
    created = _created(records, RecordKind.USER)
    if not created:
        return []
    updated = {
        r.object_id
        for r in records
        if r.kind == RecordKind.USER and r.action == RecordAction.UPDATED
    }
    users = {user.pk: user for user in User.objects.filter(pk__in=created)}
    changed: list[str] = []
    uses: dict[int, set[str]] = {}
    for relation in User._meta.related_objects:
        model = relation.related_model
        assert isinstance(model, type)
        name = relation.field.name
        referring = model._base_manager.filter(**{f"{name}__in": list(created)})
        if model is User and not isinstance(relation, ManyToManyRel):
            # Users the import created or updated report to each other as the file lists them.
            referring = referring.exclude(pk__in=[*created, *updated])
        for pk in referring.values_list(name, flat=True).distinct():
            uses.setdefault(pk, set()).add(str(model._meta.verbose_name_plural))
    for pk, row in sorted(created.items(), key=lambda item: item[1]):
        user = users.get(pk)
        if user is None:
            changed.append(_("row %(row)d: the user was deleted") % {"row": row})
        elif user.last_login is not None:
            changed.append(
                _("row %(row)d: user “%(name)s” has signed in") % {"row": row, "name": user}
            )
        elif pk in uses:
            changed.append(
                _("row %(row)d: %(records)s refer to user “%(name)s”")
                % {"row": row, "name": user, "records": "、".join(sorted(uses[pk]))}
            )
    return changed


def revert_team_records(actor: User, records: list[ImportRecord]) -> None:
    """Restore the users the import updated, delete the users and empty departments it added.

    Raises PermissionDenied unless the actor may manage users.
    """
    team = [r for r in records if r.kind in (RecordKind.USER, RecordKind.DEPARTMENT)]
    if not team:
        return
    require_manage_users(actor)
    for record_row in team:
        if record_row.kind == RecordKind.USER and record_row.action == RecordAction.UPDATED:
            User.objects.filter(pk=record_row.object_id).update(**record_row.before)
            user = User.objects.get(pk=record_row.object_id)
            detail = {"undone_import": True, "restored": record_row.before}
            record(actor, AuditAction.USER_CHANGED, "user", user.public_id, detail)

    created_users = list(_created(records, RecordKind.USER))
    for chunk in _chunks(created_users):
        for user in User.objects.filter(pk__in=chunk):
            record(
                actor,
                AuditAction.USER_DELETED,
                "user",
                user.public_id,
                {"username": user.username, "undone_import": True},
            )
        # Users of one import may report to each other; the manager link is SET_NULL.
        User.objects.filter(pk__in=chunk).delete()

    departments = Department.objects.filter(
        pk__in=list(_created(records, RecordKind.DEPARTMENT)),
        members__isnull=True,
        children__isnull=True,
    )
    for department in departments:
        record(
            actor,
            AuditAction.DEPARTMENT_CHANGED,
            "department",
            department.public_id,
            {"change": "deleted", "name": department.name, "undone_import": True},
        )
        department.delete()


def _chunks(ids: list[int], size: int = 1000) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
