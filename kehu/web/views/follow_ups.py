"""Adding and editing follow-ups, and downloading attachments."""

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.timeline import services
from kehu.timeline.models import Attachment, FollowUp, FollowUpKind
from kehu.timeline.queries import TimelineEntry, visible_attachments, visible_follow_ups
from kehu.web.views.common import (
    error_dict,
    form_errors,
    is_htmx,
    load_customer,
    signed_in_user,
)
from kehu.web.views.customer_detail import (
    FOLLOW_UP_FIELDS,
    VISIT_ONLY,
    blank_follow_up,
    detail_context,
    entry_context,
    follow_up_form_context,
    follow_up_inputs,
    sets_next_date,
)

logger = logging.getLogger(__name__)


def posted_follow_up(post: QueryDict) -> dict[str, Any]:
    """Return the follow-up values of the form; the visit fields count only for a visit."""
    values = {key: post.get(key, "") for key in FOLLOW_UP_FIELDS}
    if "next_follow_up_on" not in post:
        # The form leaves the date out for roles that may not set it; an edit keeps it then.
        values.pop("next_follow_up_on")
    if values["kind"] != FollowUpKind.VISIT:
        for key in VISIT_ONLY:
            values.pop(key)
    return values


def _discard_files(attachments: list[Attachment]) -> None:
    """Delete the stored files of attachments whose rows were rolled back."""
    for attachment in attachments:
        try:
            attachment.file.delete(save=False)
        except OSError:
            logger.exception(
                "could not delete the file of rolled-back attachment %s", attachment.public_id
            )


@login_required
@require_POST
def add_follow_up(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Record a follow-up with its attachments; htmx gets the new entry and a fresh form.

    The follow-up and its attachments are stored together or not at all, so a rejected file
    leaves no follow-up behind.
    """
    user = signed_in_user(request)

    customer = load_customer(user, public_id)

    values = posted_follow_up(request.POST)
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            follow_up = services.add_follow_up(user, customer, values)
            for upload in request.FILES.getlist("attachments"):
                stored.append(services.add_attachment(user, customer, upload, follow_up=follow_up))
    except ValidationError as error:
        _discard_files(stored)
        errors = error_dict(error)
        if is_htmx(request):
            context = {
                "customer": customer,
                "can_follow_up": True,
                **follow_up_form_context(values, errors, next_date=sets_next_date(user)),
            }
            response = render(request, "web/customers/detail.html#follow_up_form", context)
            # htmx swaps only 2xx responses by default, so the form with its errors replaces the
            # form instead of the new entry being added to the timeline.
            response["HX-Retarget"] = "#follow-up-form"
            response["HX-Reswap"] = "outerHTML"
            return response
        context = detail_context(request, user, customer, values, errors)
        return render(request, "web/customers/detail.html", context, status=400)

    if is_htmx(request):
        entry = TimelineEntry("follow_up", follow_up.occurred_at, follow_up=follow_up)
        context = {
            "customer": customer,
            "entries": entry_context(
                [entry],
                user,
                field_map(FieldTarget.CUSTOMER),
                field_map(FieldTarget.CONTACT),
                may_follow_up=True,
            ),
            "follow_up_inputs": follow_up_inputs(
                blank_follow_up(), {}, next_date=sets_next_date(user)
            ),
            "refresh_form": True,
            "can_follow_up": True,
        }
        return render(request, "web/customers/follow_up_added.html", context)
    return HttpResponseRedirect(customer.get_absolute_url() + "#timeline")


def _follow_up_values(follow_up: FollowUp) -> dict[str, str]:
    occurred = timezone.localtime(follow_up.occurred_at).replace(tzinfo=None)
    return {
        "kind": follow_up.kind,
        "occurred_at": occurred.isoformat(timespec="minutes"),
        "content": follow_up.content,
        "purpose": follow_up.purpose,
        "result": follow_up.result,
        "next_step": follow_up.next_step,
        "next_follow_up_on": follow_up.next_follow_up_on.isoformat()
        if follow_up.next_follow_up_on
        else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def edit_follow_up(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change a follow-up; only its author or a manager may, and the earlier text is kept.

    The form is refused, on GET as on POST, where the user may not add follow-ups to the
    customer, such as on a read-only share.
    """
    user = signed_in_user(request)

    queryset = visible_follow_ups(user).select_related("customer")
    follow_up = get_object_or_404(queryset, public_id=public_id)
    services.check_follow_up_editor(user, follow_up)

    values: Mapping[str, Any] = _follow_up_values(follow_up)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = posted_follow_up(request.POST)
        try:
            services.edit_follow_up(user, follow_up, values)
        except ValidationError as error:
            errors = error_dict(error)
        else:
            return HttpResponseRedirect(follow_up.customer.get_absolute_url() + "#timeline")

    context = {
        "customer": follow_up.customer,
        "follow_up": follow_up,
        "inputs": follow_up_inputs(values, errors, next_date=sets_next_date(user)),
        "form_errors": form_errors(errors, set(FOLLOW_UP_FIELDS)),
    }
    return render(request, "web/follow_ups/edit.html", context, status=400 if errors else 200)


@login_required
@require_GET
def download_attachment(request: HttpRequest, public_id: uuid.UUID) -> FileResponse:
    """Send an attachment of a customer the user may see, under its original file name."""
    user = signed_in_user(request)

    attachment = get_object_or_404(visible_attachments(user), public_id=public_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        logger.error(
            "attachment %s has no stored file %s", attachment.public_id, attachment.file.name
        )
        raise Http404(_("The file of this attachment is missing.")) from None

    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )
