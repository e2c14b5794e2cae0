"""The import wizard: upload, sheet and header, mapping, dry-run report, commit, result, undo."""

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.imports import mapping, rejected, services, undo
from kehu.imports.engine import load_sheet
from kehu.imports.models import ImportJob, ImportKind, ImportStatus, OnDuplicate
from kehu.imports.queries import visible_imports, visible_templates
from kehu.imports.readers import ImportFileError, column_letter, open_book
from kehu.imports.rows import shown
from kehu.org.models import Capability, User
from kehu.org.policy import policy_for
from kehu.org.visibility import owners_in_reach
from kehu.sales.models import Pipeline
from kehu.web.views.common import error_dict, is_htmx, signed_in_user, vary_on_htmx

PREVIEW_ROWS = 15
SAMPLE_ROWS = 3
PROBLEMS_PER_PAGE = 200


def _importer(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not services.can_import(user):
        raise PermissionDenied(_("You may not import customers."))
    return user


def _load(user: User, public_id: uuid.UUID) -> ImportJob:
    """Return an import the user may see; anything else is a 404, the same as a missing one."""
    return get_object_or_404(visible_imports(user), public_id=public_id)


def _messages(errors: dict[str, list[str]]) -> list[str]:
    return [message for messages in errors.values() for message in messages]


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    user = _importer(request)

    errors: list[str] = []
    status = 400
    if request.method == "POST":
        upload = request.FILES.get("file")
        kind = request.POST.get("kind", ImportKind.CUSTOMERS)
        if upload is None:
            errors.append(_("Choose a file to import."))
        else:
            try:
                job = services.create_import(user, upload, upload.name or "import", kind=kind)
            except ValidationError as error:
                errors = _messages(error_dict(error))
            except PermissionDenied as error:
                errors, status = [str(error)], 403
            else:
                return redirect("web:import_sheet", public_id=job.public_id)

    jobs = visible_imports(user).order_by("-created_at")[:50]
    allowed = services.importable_kinds(user)
    kinds = [(value, label) for value, label in ImportKind.choices if value in allowed]
    context = {"jobs": jobs, "errors": errors, "kinds": kinds}
    return render(request, "web/imports/start.html", context, status=status if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def import_sheet(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _importer(request)
    job = _load(user, public_id)

    errors: list[str] = []
    if request.method == "POST":
        try:
            header_row = int(request.POST.get("header_row") or 0) or None
            header_rows = int(request.POST.get("header_rows") or 0) or None
            job = services.choose_sheet(
                user, job, request.POST.get("sheet_name", ""), header_row, header_rows
            )
        except ValueError:
            errors.append(_("The header row must be a number."))
        except ValidationError as error:
            errors = _messages(error_dict(error))
        else:
            return redirect("web:import_mapping", public_id=job.public_id)

    try:
        sheet = load_sheet(job)
        sheet_names = [info.name for info in open_book(job.file.path, job.file_name).sheets]
    except ImportFileError as error:
        errors.append(str(error))
        sheet, sheet_names = None, []
    preview = []
    if sheet is not None:
        for index, row in enumerate(sheet.rows[:PREVIEW_ROWS]):
            preview.append({"number": index + 1, "cells": [shown(value) for value in row]})
    context = {
        "job": job,
        "sheet_names": sheet_names,
        "preview": preview,
        "letters": [column_letter(i) for i in range(sheet.width if sheet else 0)],
        "errors": errors,
    }
    return render(request, "web/imports/sheet.html", context, status=400 if errors else 200)


def _owner_choices(user: User) -> list[User]:
    """Roles that may assign import into anyone inside their reach; others into themselves."""
    if not user.has_capability(Capability.ASSIGN):
        return [user]
    return list(owners_in_reach(user).order_by("display_name", "username"))


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _importer(request)
    job = _load(user, public_id)

    errors: list[str] = []
    status = 400
    if request.method == "POST":
        action = request.POST.get("action", "check")
        try:
            job = _post_mapping(user, job, request, action)
        except ValidationError as error:
            errors = _messages(error_dict(error))
        except PermissionDenied as error:
            errors, status = [str(error)], 403
        else:
            if action == "check":
                return redirect("web:import_detail", public_id=job.public_id)
            return redirect("web:import_mapping", public_id=job.public_id)

    return render(
        request,
        "web/imports/mapping.html",
        _mapping_context(user, job, errors),
        status=status if errors else 200,
    )


def _post_mapping(user: User, job: ImportJob, request: HttpRequest, action: str) -> ImportJob:
    if action == "load_template":
        template = get_object_or_404(
            visible_templates(user, job.kind), public_id=request.POST.get("template")
        )
        return services.apply_template(user, job, template)
    targets = [request.POST.get(f"column_{index}", "") for index in range(len(job.mapping))]
    owner_value = request.POST.get("owner", "")
    owner_by_rules = owner_value == "rules"
    assign_owner = owner_value not in ("unassigned", "rules")
    owner = None
    if assign_owner:
        # Only owners the user may import into are looked up, so a rejected id and a missing
        # one get the same response.
        owner = owners_in_reach(user).filter(public_id=owner_value).first() if owner_value else user
        if owner is None:
            raise ValidationError({"owner": [_("Choose the owner of the imported customers.")]})
    pipeline = None
    if request.POST.get("pipeline"):
        try:
            pipeline_id = uuid.UUID(request.POST["pipeline"])
        except ValueError:
            pipeline_id = None
        pipeline = Pipeline.objects.filter(public_id=pipeline_id).first() if pipeline_id else None
        if pipeline is None:
            raise ValidationError({"pipeline": [_("Choose the pipeline of the deals.")]})
    job = services.set_mapping(
        user,
        job,
        targets,
        assign_owner=assign_owner,
        owner=owner,
        owner_by_rules=owner_by_rules,
        on_duplicate=request.POST.get("on_duplicate", OnDuplicate.SKIP),
        pipeline=pipeline,
    )
    if action == "save_template":
        services.save_template(user, job, request.POST.get("template_name", ""))
    elif action == "check":
        job = services.start_check(user, job)
    return job


def _mapping_context(user: User, job: ImportJob, errors: list[str]) -> dict[str, Any]:
    targets = mapping.targets_for(job.kind, policy_for(user))
    allowed_duplicates = services.duplicate_choices(user, job.kind)
    samples: list[list[str]] = [[] for _entry in job.mapping]
    try:
        sheet = load_sheet(job)
        first = job.header_row - 1 + job.header_rows
        for row in sheet.rows[first : first + SAMPLE_ROWS]:
            for index in range(len(job.mapping)):
                samples[index].append(shown(row[index]) if index < len(row) else "")
    except ImportFileError as error:
        errors = [*errors, str(error)]
    columns = [
        {
            "index": entry["column"],
            "letter": column_letter(int(entry["column"])),
            "title": entry["title"],
            "target": entry.get("target", ""),
            "required": entry.get("required", False),
            "samples": [s for s in samples[i] if s],
        }
        for i, entry in enumerate(job.mapping)
    ]
    return {
        "job": job,
        "columns": columns,
        "targets": targets,
        "owners": _owner_choices(user),
        "pipelines": Pipeline.objects.order_by("-is_default", "name")
        if job.kind == ImportKind.DEALS
        else [],
        "may_unassign": user.has_capability(Capability.ASSIGN),
        "duplicate_choices": [
            (value, label) for value, label in OnDuplicate.choices if value in allowed_duplicates
        ],
        "templates": visible_templates(user, job.kind),
        "errors": errors,
        "editable": job.status in (ImportStatus.UPLOADED, ImportStatus.CHECKED),
    }


@login_required
@require_GET
def import_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _importer(request)
    job = _load(user, public_id)

    problems = job.problems.all().order_by("row", "id")
    only_rejected = request.GET.get("show") == "rejected"
    if only_rejected:
        problems = problems.filter(is_warning=False)
    page = Paginator(problems, PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "job": job,
        "page": page,
        "only_rejected": only_rejected,
        "stalled": services.is_stalled(job),
        "busy": job.status in (ImportStatus.CHECKING, ImportStatus.RUNNING),
        "percent": _percent(job),
    }
    return render(request, "web/imports/detail.html", context)


def _percent(job: ImportJob) -> int:
    if not job.rows_total:
        return 100 if job.status in (ImportStatus.CHECKED, ImportStatus.DONE) else 0
    return min(100, job.rows_done * 100 // job.rows_total)


@login_required
@require_GET
def import_progress(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Return the progress bar for htmx polling; a finished job makes the page reload."""
    user = _importer(request)
    job = _load(user, public_id)

    busy = job.status in (ImportStatus.CHECKING, ImportStatus.RUNNING)
    context = {
        "job": job,
        "busy": busy,
        "percent": _percent(job),
        "stalled": services.is_stalled(job),
    }
    response = render(request, "web/imports/progress.html", context)
    if not busy and is_htmx(request):
        response["HX-Refresh"] = "true"
    return vary_on_htmx(response)


def _act(request: HttpRequest, public_id: uuid.UUID, action: str) -> HttpResponse:
    user = _importer(request)
    job = _load(user, public_id)

    try:
        if action == "commit":
            services.start_commit(user, job)
        elif action == "resume":
            services.resume_import(user, job)
        elif action == "undo":
            undo.undo_import(user, job)
        elif action == "discard":
            services.discard_import(user, job)
            return redirect("web:import_start")
    except ValidationError as error:
        context = {
            "job": job,
            "errors": _messages(error_dict(error)),
            "back": job.get_absolute_url(),
        }
        return render(request, "web/imports/refused.html", context, status=409)
    except PermissionDenied as error:
        context = {"job": job, "errors": [str(error)], "back": job.get_absolute_url()}
        return render(request, "web/imports/refused.html", context, status=403)
    return HttpResponseRedirect(job.get_absolute_url())


@login_required
@require_POST
def import_commit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _act(request, public_id, "commit")


@login_required
@require_POST
def import_resume(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _act(request, public_id, "resume")


@login_required
@require_POST
def import_undo(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _act(request, public_id, "undo")


@login_required
@require_POST
def import_discard(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _act(request, public_id, "discard")


@login_required
@require_GET
def import_rejected(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Download the rejected rows with a reason column, as xlsx (default) or csv."""
    user = _importer(request)
    job = _load(user, public_id)

    stem = job.file_name.rsplit(".", 1)[0]
    if request.GET.get("format") == "csv":
        response = HttpResponse(rejected.rejected_csv(job), content_type="text/csv; charset=utf-8")
        name = _("%(name)s-rejected.csv") % {"name": stem}
    else:
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(rejected.rejected_xlsx(job), content_type=content_type)
        name = _("%(name)s-rejected.xlsx") % {"name": stem}
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
