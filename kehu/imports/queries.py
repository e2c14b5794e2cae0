"""Reads of imports. Every read a request can reach starts here."""

from django.db.models import QuerySet

from kehu.imports.models import ImportJob, MappingTemplate
from kehu.org.models import Role, User


def visible_imports(user: User) -> QuerySet[ImportJob]:
    """Return the imports `user` may see: their own, and every import for the boss."""
    if not user.is_authenticated or not user.is_active:
        return ImportJob.objects.none()
    jobs = ImportJob.objects.select_related("created_by", "owner")
    if user.is_superuser or user.role == Role.BOSS:
        return jobs
    return jobs.filter(created_by=user)


def visible_templates(user: User, kind: str) -> QuerySet[MappingTemplate]:
    """Return the mapping templates of one kind; templates are shared by everyone who imports."""
    if not user.is_authenticated or not user.is_active or user.role == Role.AGENT:
        return MappingTemplate.objects.none()
    return MappingTemplate.objects.filter(kind=kind)
