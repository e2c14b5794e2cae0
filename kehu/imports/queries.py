"""Reads of imports. Every read a request can reach starts here."""

from django.db.models import QuerySet

from kehu.imports.models import ImportJob, MappingTemplate
from kehu.org.models import Capability, User
from kehu.org.visibility import reach


def visible_imports(user: User) -> QuerySet[ImportJob]:
    """Return the imports `user` may see: their own, and every import for roles that reach the
    whole company and may import."""
    if not user.is_authenticated or not user.is_active:
        return ImportJob.objects.none()
    jobs = ImportJob.objects.select_related("created_by", "owner")
    if reach(user).everything and user.has_capability(Capability.IMPORT):
        return jobs
    return jobs.filter(created_by=user)


def visible_templates(user: User, kind: str) -> QuerySet[MappingTemplate]:
    """Return the mapping templates of one kind; templates are shared by everyone who imports."""
    if not user.is_authenticated or not user.has_capability(Capability.IMPORT):
        return MappingTemplate.objects.none()
    return MappingTemplate.objects.filter(kind=kind)
