"""Campaigns (the public web forms) and intake keys: their writes, lookups and QR codes.

Users whose role has the manage-pools capability manage both. An intake key reads
`kehu_lead_<prefix>_<secret>`: the prefix is 10 hex digits stored in clear to find the row, the
secret 32 random bytes in URL-safe base64 of which only the SHA-256 digest is stored.
"""

import datetime as dt
import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Mapping
from typing import Any

import segno
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock
from kehu.customers.choices import LeadSource
from kehu.fields.values import clean_characters
from kehu.leads.models import FORM_FIELDS, Campaign, IntakeKey, form_field_labels
from kehu.org.models import Capability, User

KEY_PATTERN = re.compile(r"^kehu_lead_(?P<prefix>[0-9a-f]{10})_(?P<secret>[A-Za-z0-9_-]{43})$")
# Maximum characters of a campaign's consent and thank-you texts.
TEXT_LIMIT = 2000
# A key's last use is written at most once a minute, so each submission is not an extra write.
LAST_USED_SECONDS = 60


def may_manage_campaigns(user: User) -> bool:
    return user.has_capability(Capability.MANAGE_POOLS)


def check_campaign_manager(actor: User) -> None:
    if not may_manage_campaigns(actor):
        raise PermissionDenied(_("Your role may not manage campaigns and intake keys."))


def _clean_campaign(values: Mapping[str, Any]) -> dict[str, Any]:
    """Return a campaign's model values, or raise ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    name = clean_characters(str(values.get("name") or "").strip())
    if not name:
        errors["name"] = [_("Enter the campaign's name.")]
    elif len(name) > 100:
        errors["name"] = [
            _("At most %(limit)d characters, got %(count)d.") % {"limit": 100, "count": len(name)}
        ]
    cleaned["name"] = name

    fields = [str(key) for key in values.get("fields") or []]
    required = [str(key) for key in values.get("required_fields") or []]
    for field, keys in (("fields", fields), ("required_fields", required)):
        unknown = [key for key in keys if key not in FORM_FIELDS]
        if unknown:
            errors[field] = [_("“%(key)s” is not a form field.") % {"key": unknown[0]}]
    if "name" not in fields:
        errors.setdefault("fields", []).append(_("A form must ask for the person's name."))
    if not {"mobile", "phone", "email", "wechat"} & set(fields):
        errors.setdefault("fields", []).append(
            _("A form must ask for a mobile, phone, email or WeChat ID.")
        )
    labels = form_field_labels()
    not_shown = [key for key in required if key not in fields and key in labels]
    if not_shown:
        errors["required_fields"] = [
            _("“%(field)s” is required but not on the form.") % {"field": labels[not_shown[0]]}
        ]
    # Stored in the fixed order of FORM_FIELDS, so the form shows them in that order.
    cleaned["fields"] = [key for key in FORM_FIELDS if key in fields]
    cleaned["required_fields"] = [key for key in FORM_FIELDS if key in required]

    source = str(values.get("source") or LeadSource.WEBSITE)
    if source not in LeadSource.values:
        errors["source"] = [_("“%(value)s” is not a lead source.") % {"value": source}]
    cleaned["source"] = source
    for key in ("consent_text", "thank_you_text"):
        text = clean_characters(str(values.get(key) or "").strip(), multiline=True)
        if len(text) > TEXT_LIMIT:
            errors[key] = [
                _("At most %(limit)d characters, got %(count)d.")
                % {"limit": TEXT_LIMIT, "count": len(text)}
            ]
        cleaned[key] = text
    cleaned["is_active"] = bool(values.get("is_active", True))
    if errors:
        raise ValidationError(errors)
    return cleaned


def create_campaign(actor: User, values: Mapping[str, Any]) -> Campaign:
    """Create a campaign with a new random link token."""
    check_campaign_manager(actor)
    cleaned = _clean_campaign(values)
    now = clock.now()
    with transaction.atomic():
        campaign = Campaign.objects.create(
            **cleaned,
            token=secrets.token_urlsafe(12),
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        audit.record(actor, AuditAction.CAMPAIGN_CREATED, "campaign", campaign.public_id, cleaned)
    return campaign


def update_campaign(actor: User, campaign: Campaign, values: Mapping[str, Any]) -> Campaign:
    """Replace a campaign's settings; its link token stays, so printed QR codes keep working."""
    check_campaign_manager(actor)
    cleaned = _clean_campaign(values)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        for key, value in cleaned.items():
            setattr(locked, key, value)
        locked.updated_at = clock.now()
        locked.save()
        audit.record(actor, AuditAction.CAMPAIGN_CHANGED, "campaign", locked.public_id, cleaned)
    return locked


def qr_png(link: str) -> bytes:
    """Return a PNG image of a QR code that encodes `link`."""
    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def qr_svg(link: str) -> bytes:
    """Return an SVG image of a QR code that encodes `link`."""
    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="svg", scale=8, border=4)
    return buffer.getvalue()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def create_intake_key(
    actor: User, name: str, *, campaign: Campaign | None, source: str
) -> tuple[IntakeKey, str]:
    """Create an intake key; return it and the whole key, which is never shown again."""
    check_campaign_manager(actor)
    errors: dict[str, list[str]] = {}
    name = clean_characters(name.strip())
    if not name:
        errors["name"] = [_("Enter a name that says which integration uses the key.")]
    elif len(name) > 100:
        errors["name"] = [
            _("At most %(limit)d characters, got %(count)d.") % {"limit": 100, "count": len(name)}
        ]
    if source not in LeadSource.values:
        errors["source"] = [_("“%(value)s” is not a lead source.") % {"value": source}]
    if errors:
        raise ValidationError(errors)

    prefix, secret = secrets.token_hex(5), secrets.token_urlsafe(32)
    with transaction.atomic():
        key = IntakeKey.objects.create(
            name=name,
            prefix=prefix,
            key_hash=_hash(secret),
            campaign=campaign,
            source=source,
            created_by=actor,
            created_at=clock.now(),
        )
        audit.record(
            actor,
            AuditAction.INTAKE_KEY_CREATED,
            "intake_key",
            key.public_id,
            {"name": name, "campaign": str(campaign.public_id) if campaign else None},
        )
    return key, f"kehu_lead_{prefix}_{secret}"


def set_intake_key_active(actor: User, key: IntakeKey, active: bool) -> IntakeKey:
    """Turn an intake key off (it stops working with the next request) or on again."""
    check_campaign_manager(actor)
    with transaction.atomic():
        IntakeKey.objects.filter(pk=key.pk).update(is_active=active)
        audit.record(
            actor, AuditAction.INTAKE_KEY_CHANGED, "intake_key", key.public_id, {"active": active}
        )
    key.refresh_from_db()
    return key


def key_for_secret(raw: str) -> IntakeKey | None:
    """Return the active intake key that `raw` presents, or None; records when it was used."""
    match = KEY_PATTERN.match(raw.strip())
    if match is None:
        return None
    key = (
        IntakeKey.objects.select_related("campaign")
        .filter(prefix=match["prefix"], is_active=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.key_hash, _hash(match["secret"])):
        return None
    now = clock.now()
    IntakeKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True)
        | Q(last_used_at__lt=now - dt.timedelta(seconds=LAST_USED_SECONDS))
    ).update(last_used_at=now)
    return key
