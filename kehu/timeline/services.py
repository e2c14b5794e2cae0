"""Every write to follow-ups and attachments.

Anyone who can see a customer, outside agents included, may add follow-ups to it. Follow-ups are
never deleted; an edit stores the earlier text as a revision and shows on the timeline.
"""

import datetime as dt
import mimetypes
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.customers.models import Customer
from kehu.customers.queries import in_role_reach, is_writable
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.fields.values import clean_characters, parse_date
from kehu.org.models import Capability, User
from kehu.org.policy import policy_for
from kehu.timeline import events
from kehu.timeline.models import Attachment, FollowUp, FollowUpKind, FollowUpRevision

EDITABLE = ("kind", "occurred_at", "content", "purpose", "result", "next_step", "next_follow_up_on")
CONTENT_LIMIT = 10000


def clean_follow_up(values: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Return model values for a follow-up, or raise ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key, raw in values.items():
        if key not in EDITABLE:
            errors.setdefault(key, []).append(_("Unknown field “%(key)s”.") % {"key": key})
            continue
        try:
            if key == "kind":
                if raw not in FollowUpKind.values:
                    raise ValueError(_("“%(value)s” is not a follow-up type.") % {"value": raw})
                cleaned[key] = raw
            elif key == "occurred_at":
                cleaned[key] = _parse_moment(raw)
            elif key == "next_follow_up_on":
                cleaned[key] = parse_date(raw)
            else:
                text = clean_characters("" if raw is None else str(raw).strip(), multiline=True)
                limit = CONTENT_LIMIT if key == "content" else 500
                if len(text) > limit:
                    raise ValueError(
                        _("At most %(limit)d characters, got %(count)d.")
                        % {"limit": limit, "count": len(text)}
                    )
                cleaned[key] = text
        except ValueError as error:
            errors.setdefault(key, []).append(str(error))
    # A new follow-up needs a type and content; an edit may leave them out but not empty them.
    if (not partial or "kind" in values) and not cleaned.get("kind") and "kind" not in errors:
        errors.setdefault("kind", []).append(_("Choose the type of follow-up."))
    wants_content = not partial or "content" in values
    if wants_content and not cleaned.get("content") and "content" not in errors:
        errors.setdefault("content", []).append(_("Write what happened."))
    if partial and "occurred_at" in values and cleaned.get("occurred_at") is None:
        # A new follow-up defaults to now, but an edit may not empty the time.
        errors.setdefault("occurred_at", []).append(_("Enter the time of the follow-up."))
    if cleaned.get("occurred_at") and cleaned["occurred_at"] > clock.now() + dt.timedelta(
        minutes=5
    ):
        errors.setdefault("occurred_at", []).append(_("A follow-up cannot be in the future."))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _parse_moment(raw: Any) -> dt.datetime | None:
    from django.utils import timezone

    if raw in (None, ""):
        return None
    if isinstance(raw, dt.datetime):
        moment = raw
    else:
        text = str(raw).strip().replace("/", "-").replace("T", " ")
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            date = parse_date(text)
            assert date is not None
            moment = dt.datetime.combine(date, dt.time(9, 0))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _require_follow_up_access(actor: User, customer: Customer) -> None:
    """Follow-ups and attachments need the follow-up capability and write access."""
    if not may_add_follow_ups(actor, customer):
        raise PermissionDenied(_("You may not add follow-ups to this customer."))


def _check_next_date(actor: User, values: Mapping[str, Any]) -> None:
    """Refuse a next follow-up date from a role that may not set the customer's next date."""
    if values.get("next_follow_up_on") in (None, ""):
        return
    specs = field_map(FieldTarget.CUSTOMER)
    policy_for(actor).check_write(FieldTarget.CUSTOMER, specs, ["next_follow_up_on"])


def _touch_customer(customer_id: int, occurred_at: dt.datetime, next_on: dt.date | None) -> None:
    """Move the customer's last and next follow-up dates forward, never backward."""
    Customer.objects.filter(pk=customer_id).filter(
        Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=occurred_at)
    ).update(last_follow_up_at=occurred_at)
    if next_on is not None:
        Customer.objects.filter(pk=customer_id).update(next_follow_up_on=next_on)


def add_follow_up(actor: User, customer: Customer, values: Mapping[str, Any]) -> FollowUp:
    """Record an interaction on a visible customer and update its follow-up dates."""
    _require_follow_up_access(actor, customer)
    _check_next_date(actor, values)
    cleaned = clean_follow_up(values)
    now = clock.now()
    cleaned["occurred_at"] = cleaned.get("occurred_at") or now
    with transaction.atomic():
        follow_up = FollowUp.objects.create(
            customer=customer, author=actor, created_at=now, **cleaned
        )
        _touch_customer(customer.pk, follow_up.occurred_at, follow_up.next_follow_up_on)
    return follow_up


def copy_follow_ups(customer: Customer, follow_ups: list[FollowUp]) -> None:
    """Store follow-ups written elsewhere (a converted lead's notes) on `customer`'s timeline.

    Each keeps its author and times. The caller has checked permission and holds the
    transaction; the customer's last follow-up time moves forward as `add_follow_up` moves it.
    """
    for follow_up in follow_ups:
        follow_up.customer = customer
    FollowUp.objects.bulk_create(follow_ups)
    if follow_ups:
        latest = max(follow_up.occurred_at for follow_up in follow_ups)
        _touch_customer(customer.pk, latest, None)


def can_edit_follow_up(actor: User, follow_up: FollowUp) -> bool:
    """The author edits their own follow-ups; roles that may assign edit anyone's in reach.

    A share does not count as reach: it never lets a manager edit a colleague's follow-ups.
    """
    if follow_up.author_id == actor.pk:
        return True
    return actor.has_capability(Capability.ASSIGN) and in_role_reach(actor, follow_up.customer)


def check_follow_up_editor(actor: User, follow_up: FollowUp) -> None:
    """Raise PermissionDenied unless the actor may edit `follow_up`.

    The actor needs what adding a follow-up to its customer needs, and must be its author or a
    manager (see `can_edit_follow_up`). The edit form calls this before it shows anything.
    """
    _require_follow_up_access(actor, follow_up.customer)
    if not can_edit_follow_up(actor, follow_up):
        raise PermissionDenied(_("Only the author or a manager may edit this follow-up."))


def may_add_follow_ups(actor: User, customer: Customer) -> bool:
    """Return whether the actor may add follow-ups and attachments to `customer`."""
    return actor.has_capability(Capability.FOLLOW_UP) and is_writable(actor, customer)


def edit_follow_up(actor: User, follow_up: FollowUp, values: Mapping[str, Any]) -> FollowUp:
    """Change a follow-up, keeping the earlier text as a revision. Only its author or a manager."""
    check_follow_up_editor(actor, follow_up)
    _check_next_date(actor, values)
    cleaned = clean_follow_up(values, partial=True)
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        before = {key: _jsonable(getattr(locked, key)) for key in EDITABLE}
        if all(getattr(locked, key) == value for key, value in cleaned.items()):
            return locked
        FollowUpRevision.objects.create(
            follow_up=locked,
            version=locked.version,
            data=before,
            edited_by=actor,
            replaced_at=clock.now(),
        )
        for key, value in cleaned.items():
            setattr(locked, key, value)
        locked.edited_at = clock.now()
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db(fields=["version"])
        events.follow_up_edited(
            locked.customer_id, actor, str(locked.public_id), locked.version
        ).save()
        _touch_customer(locked.customer_id, locked.occurred_at, locked.next_follow_up_on)
    return locked


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def add_attachment(
    actor: User, customer: Customer, upload: UploadedFile[Any], follow_up: FollowUp | None = None
) -> Attachment:
    """Store an uploaded file under a generated name, linked to a visible customer."""
    _require_follow_up_access(actor, customer)
    limit = settings.KEHU_MAX_ATTACHMENT_MB * 1024 * 1024
    size = upload.size or 0
    if size > limit:
        raise ValidationError(
            {
                "file": [
                    _("The file is larger than %(limit)d MB.")
                    % {"limit": settings.KEHU_MAX_ATTACHMENT_MB}
                ]
            }
        )
    if size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    if follow_up is not None and follow_up.customer_id != customer.pk:
        raise ValidationError({"follow_up": [_("The follow-up belongs to another customer.")]})
    name = (upload.name or "file").replace("/", "_").replace("\\", "_")[-255:]
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    with transaction.atomic():
        attachment = Attachment(
            customer=customer,
            follow_up=follow_up,
            original_name=name,
            content_type=content_type,
            size=size,
            uploaded_by=actor,
            uploaded_at=clock.now(),
        )
        attachment.file.save("upload", upload, save=False)
        attachment.save()
        events.attachment_added(customer.pk, actor, name, size).save()
    return attachment
