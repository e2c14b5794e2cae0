"""Every write to imports: upload, settings, check, commit, resume, undo and mapping templates.

Pages, the management command and the tasks call these. Each checks permission first. An import
needs the import capability and the one of the records it writes: creating customers for a
customer file (and editing them to update duplicates), editing for contacts, adding follow-ups
for follow-up history. A column may go only to a field the role may write. The role is read
again when a job is checked and committed, so a role changed since the mapping was saved
applies. An import is seen and changed only by the user who uploaded it and by the boss.
"""

import datetime as dt
import logging
import uuid
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.customers import bulk
from kehu.imports import mapping
from kehu.imports.models import (
    ImportJob,
    ImportKind,
    ImportProblem,
    ImportStatus,
    MappingTemplate,
    OnDuplicate,
)
from kehu.imports.queries import visible_imports
from kehu.imports.readers import ImportFileError, Sheet, detect_header, open_book, read_header
from kehu.org.guards import can_manage_users
from kehu.org.models import Capability, User
from kehu.org.policy import policy_for
from kehu.sales.contract_import import may_import_contracts
from kehu.sales.models import Pipeline
from kehu.sales.queries import may_edit_deals, may_manage_products

logger = logging.getLogger(__name__)

# A running import whose worker has not committed a transaction for this long is taken to be
# dead, so its user may resume it. A transaction takes about a second (engine.TRANSACTION_SECONDS),
# and the margin covers slow disks.
STALLED_AFTER = dt.timedelta(minutes=2)
# The columns each kind of import needs; a tuple needs one of its targets.
REQUIRED_TARGETS: dict[str, list[str | tuple[str, ...]]] = {
    ImportKind.CUSTOMERS: ["customer.name"],
    ImportKind.CONTACTS: ["customer.name", "contact.name"],
    ImportKind.FOLLOW_UPS: [
        "customer.name",
        "follow_up.kind",
        "follow_up.occurred_at",
        "follow_up.content",
    ],
    ImportKind.PRODUCTS: ["product.name"],
    ImportKind.DEALS: [("customer.name", "customer.credit_code")],
    ImportKind.CONTRACTS: [
        ("customer.name", "customer.credit_code"),
        "contract.number",
        "contract.amount",
        "contract.start_on",
    ],
    ImportKind.USERS: ["user.display_name"],
}


def can_import(user: User) -> bool:
    return bool(user.is_authenticated and user.has_capability(Capability.IMPORT))


def _require_importer(actor: User) -> None:
    if not can_import(actor):
        raise PermissionDenied(_("You may not import customers."))


def _missing_capability(actor: User, kind: str, on_duplicate: str) -> str:
    """Return why the actor's role may not run this import, or "" when it may."""
    if kind == ImportKind.CUSTOMERS:
        if not actor.has_capability(Capability.CREATE):
            return _("Your role may not create customers, so it may not import them.")
        if on_duplicate == OnDuplicate.UPDATE and not actor.has_capability(Capability.EDIT):
            return _(
                "Your role may not edit customers, so an import may not update duplicates. "
                "Choose to skip them or to create new customers."
            )
    elif kind == ImportKind.CONTACTS:
        if not actor.has_capability(Capability.EDIT):
            return _(
                "Your role may not edit customers and contacts, so it may not import contacts."
            )
    elif kind == ImportKind.FOLLOW_UPS and not actor.has_capability(Capability.FOLLOW_UP):
        return _("Your role may not add follow-ups, so it may not import follow-up history.")
    elif kind == ImportKind.PRODUCTS:
        if not may_manage_products(actor):
            return _("Your role may not manage products, so it may not import them.")
        if on_duplicate == OnDuplicate.CREATE:
            return _(
                "A product is known by its code, so an import cannot add a second product with "
                "the same code. Choose to skip or to update it."
            )
    elif kind == ImportKind.DEALS:
        if not may_edit_deals(actor):
            return _("Your role may not create deals, so it may not import them.")
        if on_duplicate == OnDuplicate.UPDATE:
            return _(
                "An import does not change stored deals. Choose to skip them or to add them again."
            )
    elif kind == ImportKind.CONTRACTS:
        if not may_import_contracts(actor):
            return _("Your role may not write contracts, so it may not import them.")
        if on_duplicate in (OnDuplicate.UPDATE, OnDuplicate.CREATE):
            return _(
                "A contract is known by its number, so an import skips the contracts whose "
                "number is already stored. Choose to skip them."
            )
    elif kind == ImportKind.USERS:
        if not can_manage_users(actor):
            return _("Your role may not manage users, so it may not import a sales team.")
        if on_duplicate == OnDuplicate.CREATE:
            return _(
                "A username or name belongs to one user, so an import cannot add a second user "
                "with it. Choose to skip or to update the user."
            )
    return ""


def _require_capabilities(actor: User, kind: str, on_duplicate: str) -> None:
    reason = _missing_capability(actor, kind, on_duplicate)
    if reason:
        raise PermissionDenied(reason)


def importable_kinds(user: User) -> list[str]:
    """Return the kinds of import the user's role allows, skipping duplicates."""
    if not can_import(user):
        return []
    return [kind for kind in ImportKind.values if not _missing_capability(user, kind, "")]


def duplicate_choices(user: User, kind: str) -> list[str]:
    """Return the ways of handling duplicates that the user's role allows for this kind."""
    return [choice for choice in OnDuplicate.values if not _missing_capability(user, kind, choice)]


def _require_job(actor: User, job: ImportJob) -> ImportJob:
    """Return the job locked for update, or raise PermissionDenied when the actor cannot see it."""
    _require_importer(actor)
    try:
        return visible_imports(actor).select_for_update(of=("self",)).get(pk=job.pk)
    except ImportJob.DoesNotExist:
        raise PermissionDenied(_("You may not change this import.")) from None


def _require_status(job: ImportJob, *allowed: str) -> None:
    if job.status not in allowed:
        raise ValidationError(
            {
                "status": [
                    _("This import is %(status)s; the step is not possible now.")
                    % {"status": job.get_status_display()}
                ]
            }
        )


def create_import(
    actor: User, upload: File[bytes], file_name: str, *, kind: str = ImportKind.CUSTOMERS
) -> ImportJob:
    """Store an uploaded file as a new import and read its sheets, header and a first mapping.

    Raises PermissionDenied for users who may not import. Raises ValidationError on "file" for
    a file that is too large, empty or unreadable, and keeps nothing then.
    """
    _require_importer(actor)
    if kind not in ImportKind.values:
        raise ValidationError({"kind": [_("Unknown kind of import “%(kind)s”.") % {"kind": kind}]})
    _require_capabilities(actor, kind, OnDuplicate.SKIP)
    limit = settings.KEHU_MAX_IMPORT_MB * 1024 * 1024
    size = upload.size or 0
    if size > limit:
        raise ValidationError(
            {
                "file": [
                    _("The file is larger than %(limit)d MB.")
                    % {"limit": settings.KEHU_MAX_IMPORT_MB}
                ]
            }
        )
    if size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    name = file_name.replace("/", "_").replace("\\", "_")[-255:] or "import"
    job = ImportJob(
        kind=kind,
        created_by=actor,
        created_at=clock.now(),
        file_name=name,
        file_size=size,
        owner=actor,
        assign_owner=True,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    job.file.save("upload", upload, save=False)
    try:
        book = open_book(job.file.path, name)
        sheet = book.sheet("")
    except ImportFileError as error:
        job.file.delete(save=False)
        raise ValidationError({"file": [str(error)]}) from error
    job.sheet_name = sheet.name
    _read_layout(actor, job, sheet, None, None)
    job.save()
    logger.info("import %s uploaded by user %s", job.public_id, actor.pk)
    return job


def _read_layout(
    actor: User, job: ImportJob, sheet: Sheet, header_row: int | None, header_rows: int | None
) -> None:
    if header_row is None:
        header = detect_header(sheet, mapping.known_title_test(job.kind))
    else:
        if not 1 <= header_row <= max(len(sheet.rows), 1):
            raise ValidationError(
                {"header_row": [_("The sheet has no row %(row)d.") % {"row": header_row}]}
            )
        header = read_header(sheet, header_row, header_rows or 1)
    job.header_row = header.row
    job.header_rows = header.rows
    targets = mapping.suggest(job.kind, policy_for(actor), header.titles, header.untitled)
    job.mapping = [
        {"column": index, "title": title, "target": target, "required": header.required[index]}
        for index, (title, target) in enumerate(zip(header.titles, targets, strict=True))
    ]
    job.rows_total = max(0, len(sheet.rows) - header.first_data_row)


def choose_sheet(
    actor: User,
    job: ImportJob,
    sheet_name: str,
    header_row: int | None = None,
    header_rows: int | None = None,
) -> ImportJob:
    """Set the sheet and header row (found automatically when None) and suggest a new mapping."""
    if header_rows not in (None, 1, 2):
        raise ValidationError({"header_rows": [_("A header has one or two rows.")]})
    with transaction.atomic():
        locked = _require_job(actor, job)
        _require_status(locked, ImportStatus.UPLOADED, ImportStatus.CHECKED)
        try:
            sheet = open_book(locked.file.path, locked.file_name).sheet(sheet_name)
        except ImportFileError as error:
            raise ValidationError({"sheet_name": [str(error)]}) from error
        locked.sheet_name = sheet.name
        _read_layout(actor, locked, sheet, header_row, header_rows)
        locked.status = ImportStatus.UPLOADED
        locked.save()
    return locked


def set_mapping(
    actor: User,
    job: ImportJob,
    targets: Sequence[str],
    *,
    assign_owner: bool = True,
    owner: User | None = None,
    owner_by_rules: bool = False,
    on_duplicate: str = OnDuplicate.SKIP,
    pipeline: Pipeline | None = None,
) -> ImportJob:
    """Set the target of every column, the owner of new records and the duplicate handling.

    A deal import also takes the pipeline of its deals (None: the default pipeline). With
    `owner_by_rules` a customer import leaves the owners of rows without an owner to the
    assignment rules, which needs the role that may leave customers unassigned.

    Raises PermissionDenied when the actor may not import into that owner (reps import into
    themselves) or may not handle duplicates that way, ValidationError for an unknown,
    repeated or missing required target. A target the actor's role may not write counts as
    unknown.
    """
    with transaction.atomic():
        locked = _require_job(actor, job)
        _require_status(locked, ImportStatus.UPLOADED, ImportStatus.CHECKED)
        if owner_by_rules:
            assign_owner, owner = False, None
            if locked.kind != ImportKind.CUSTOMERS:
                raise ValidationError(
                    {"owner": [_("Only customer imports can leave owners to the rules.")]}
                )
        bulk.check_owner(actor, owner if assign_owner else None)
        if assign_owner and owner is None:
            raise ValidationError({"owner": [_("Choose the owner of the imported customers.")]})
        if on_duplicate not in OnDuplicate.values:
            raise ValidationError({"on_duplicate": [_("Choose what to do with duplicates.")]})
        _require_capabilities(actor, locked.kind, on_duplicate)
        locked.mapping = _checked_mapping(actor, locked, targets)
        locked.assign_owner = assign_owner
        locked.owner = owner if assign_owner else None
        locked.owner_by_rules = owner_by_rules
        locked.on_duplicate = on_duplicate
        locked.pipeline = pipeline if locked.kind == ImportKind.DEALS else None
        locked.status = ImportStatus.UPLOADED
        locked.save()
    return locked


def _unavailable_target(entry: dict[str, object], target: str) -> str:
    """Return the error for a column mapped to a target the actor may not import into.

    A target that does not exist and one the role may not write get the same message, so the
    error does not confirm that a hidden field exists.
    """
    return _("Column “%(column)s”: “%(target)s” is not a field you can import into.") % {
        "column": entry["title"],
        "target": target,
    }


def _require_available_targets(actor: User, job: ImportJob) -> None:
    """Raise ValidationError when a column of the job goes to a target the actor may not use."""
    available = {target.key for target in mapping.targets_for(job.kind, policy_for(actor))}
    errors = [
        _unavailable_target(entry, str(entry.get("target", "")))
        for entry in job.mapping
        if entry.get("target", "") and entry.get("target") not in available
    ]
    if errors:
        raise ValidationError({"mapping": errors})


def _checked_mapping(
    actor: User, job: ImportJob, targets: Sequence[str]
) -> list[dict[str, object]]:
    available = {target.key: target for target in mapping.targets_for(job.kind, policy_for(actor))}
    entries = list(job.mapping)
    if len(targets) != len(entries):
        raise ValidationError({"mapping": [_("The mapping must give a field for every column.")]})
    errors = []
    seen: dict[str, str] = {}
    for entry, target in zip(entries, targets, strict=True):
        if target and target not in available:
            errors.append(_unavailable_target(entry, target))
        elif target in seen:
            errors.append(
                _("The columns “%(first)s” and “%(second)s” both go to %(field)s; choose one.")
                % {
                    "first": seen[target],
                    "second": entry["title"],
                    "field": available[target].label_text,
                }
            )
        elif target:
            seen[target] = str(entry["title"])
    for required in REQUIRED_TARGETS[ImportKind(job.kind)]:
        choices = (required,) if isinstance(required, str) else required
        usable = [key for key in choices if key in available]
        if not usable:
            # Naming the field could reveal a hidden one.
            errors.append(_("Your role may not write a field this kind of import needs."))
        elif not any(key in seen for key in usable):
            fields = _(" or ").join(available[key].label_text for key in usable)
            errors.append(_("Choose the column for %(field)s.") % {"field": fields})
    if errors:
        raise ValidationError({"mapping": errors})
    return [{**entry, "target": target} for entry, target in zip(entries, targets, strict=True)]


def _recheck(actor: User, job: ImportJob) -> None:
    """Check the stored job against the actor's role as it is now, which may have changed."""
    _require_capabilities(actor, job.kind, job.on_duplicate)
    _checked_mapping(actor, job, [str(entry.get("target", "")) for entry in job.mapping])


def _reset_counts(job: ImportJob) -> None:
    for field in (
        "rows_done",
        "created",
        "updated",
        "skipped",
        "rejected",
        "contact_rows",
        "contacts_created",
        "blank_rows",
    ):
        setattr(job, field, 0)
    job.error = ""


def start_check(actor: User, job: ImportJob) -> ImportJob:
    """Queue the dry run, which lists every problem before anything is written."""
    from kehu.imports import tasks

    with transaction.atomic():
        locked = _require_job(actor, job)
        _require_status(locked, ImportStatus.UPLOADED, ImportStatus.CHECKED)
        _recheck(actor, locked)
        _reset_counts(locked)
        locked.status = ImportStatus.CHECKING
        locked.heartbeat_at = clock.now()
        locked.save()
        transaction.on_commit(lambda: tasks.check_import.enqueue(locked.pk))
    return locked


def start_commit(actor: User, job: ImportJob) -> ImportJob:
    """Queue the import of a checked job; the problems of the dry run are replaced as it runs."""
    from kehu.imports import tasks

    with transaction.atomic():
        locked = _require_job(actor, job)
        _require_status(locked, ImportStatus.CHECKED)
        bulk.check_owner(actor, locked.owner if locked.assign_owner else None)
        _recheck(actor, locked)
        ImportProblem.objects.filter(job=locked).delete()
        _reset_counts(locked)
        token = _claim(locked)
        locked.started_at = clock.now()
        locked.phase = 0
        locked.next_row = 0
        locked.save()
        transaction.on_commit(lambda: tasks.commit_import.enqueue(locked.pk, token))
    return locked


def _claim(job: ImportJob) -> str:
    token = uuid.uuid4().hex
    job.status = ImportStatus.RUNNING
    job.worker_token = token
    job.heartbeat_at = clock.now()
    return token


def is_stalled(job: ImportJob) -> bool:
    if job.status == ImportStatus.FAILED and job.started_at is not None:
        return True
    if job.status not in (ImportStatus.RUNNING, ImportStatus.CHECKING) or job.heartbeat_at is None:
        return False
    return clock.now() - job.heartbeat_at > STALLED_AFTER


def resume_import(actor: User, job: ImportJob) -> ImportJob:
    """Queue a failed or stalled import again; it continues after its last written batch.

    A dry run that stopped is queued again from its start, since it writes nothing but problems.
    """
    from kehu.imports import tasks

    with transaction.atomic():
        locked = _require_job(actor, job)
        if not is_stalled(locked):
            raise ValidationError(
                {"status": [_("Only a stopped or failed import can be resumed.")]}
            )
        _recheck(actor, locked)
        if locked.status == ImportStatus.CHECKING:
            locked.heartbeat_at = clock.now()
            locked.save(update_fields=["heartbeat_at"])
            transaction.on_commit(lambda: tasks.check_import.enqueue(locked.pk))
            return locked
        token = _claim(locked)
        locked.error = ""
        locked.save()
        transaction.on_commit(lambda: tasks.commit_import.enqueue(locked.pk, token))
    logger.info(
        "import %s resumed by user %s at row %d", locked.public_id, actor.pk, locked.next_row
    )
    return locked


def claim_for_command(actor: User, job: ImportJob) -> str:
    """Mark a checked job as running in this process and return its token (for the command)."""
    with transaction.atomic():
        locked = _require_job(actor, job)
        _require_status(locked, ImportStatus.CHECKED)
        bulk.check_owner(actor, locked.owner if locked.assign_owner else None)
        _recheck(actor, locked)
        ImportProblem.objects.filter(job=locked).delete()
        _reset_counts(locked)
        token = _claim(locked)
        locked.started_at = clock.now()
        locked.save()
    return token


def save_template(actor: User, job: ImportJob, name: str) -> MappingTemplate:
    """Save the job's mapping under a name, replacing a template of the same name and kind."""
    _require_importer(actor)
    name = name.strip()
    if not name or len(name) > 60:
        raise ValidationError({"name": [_("Give the template a name of 1 to 60 characters.")]})
    if not visible_imports(actor).filter(pk=job.pk).exists():
        raise PermissionDenied(_("You may not change this import."))
    _require_available_targets(actor, job)
    titles = [str(entry["title"]) for entry in job.mapping]
    targets = [str(entry.get("target", "")) for entry in job.mapping]
    template, _created = MappingTemplate.objects.update_or_create(
        kind=job.kind,
        name=name,
        defaults={
            "columns": mapping.template_columns(titles, targets),
            "created_by": actor,
            "updated_at": clock.now(),
        },
    )
    return template


def apply_template(actor: User, job: ImportJob, template: MappingTemplate) -> ImportJob:
    """Map the job's columns by the template; titles it does not list keep the suggestion.

    A column the template sends to a field the actor may not write stays ignored.
    """
    with transaction.atomic():
        locked = _require_job(actor, job)
        _require_status(locked, ImportStatus.UPLOADED, ImportStatus.CHECKED)
        if template.kind != locked.kind:
            raise ValidationError({"template": [_("The template is for another kind of import.")]})
        titles = [str(entry["title"]) for entry in locked.mapping]
        targets = mapping.from_template(template.columns, titles, locked.kind, policy_for(actor))
        locked.mapping = [
            {**entry, "target": target}
            for entry, target in zip(locked.mapping, targets, strict=True)
        ]
        locked.status = ImportStatus.UPLOADED
        locked.save()
    return locked


def check_now(actor: User, job: ImportJob) -> ImportJob:
    """Run the dry run in this process (the management command) instead of queueing it."""
    from kehu.imports import engine

    with transaction.atomic():
        locked = _require_job(actor, job)
        _require_status(locked, ImportStatus.UPLOADED, ImportStatus.CHECKED)
        _recheck(actor, locked)
        _reset_counts(locked)
        locked.status = ImportStatus.CHECKING
        locked.save()
    with translation.override(locked.language):
        engine.check(locked)
    locked.refresh_from_db()
    return locked


def discard_import(actor: User, job: ImportJob) -> None:
    """Delete an import that has not started writing, with its stored file."""
    with transaction.atomic():
        locked = _require_job(actor, job)
        _require_status(locked, ImportStatus.UPLOADED, ImportStatus.CHECKED)
        locked.file.delete(save=False)
        locked.delete()
