"""Settings pages for campaigns (the public lead forms) and intake keys.

Only roles with the manage-pools capability open them; the others get a 403 before any record
is loaded. A campaign's page shows its public link and the QR code of that link.
"""

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.customers.choices import LeadSource
from kehu.leads import campaigns
from kehu.leads.models import FORM_FIELDS, Campaign, IntakeKey, form_field_labels
from kehu.org.models import User
from kehu.web.views.common import error_dict, signed_in_user


def _manager(request: HttpRequest) -> User:
    user = signed_in_user(request)
    campaigns.check_campaign_manager(user)
    return user


def public_link(request: HttpRequest, campaign: Campaign) -> str:
    """Return the absolute link of the campaign's public form, as its QR code encodes it."""
    return request.build_absolute_uri(campaign.get_absolute_url())


def _form_context(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    labels = form_field_labels()
    return {
        "values": values,
        "errors": errors,
        "form_fields": [(key, labels[key]) for key in FORM_FIELDS],
        "sources": LeadSource.choices,
    }


def _posted(request: HttpRequest) -> dict[str, Any]:
    return {
        "name": request.POST.get("name", ""),
        "fields": request.POST.getlist("fields"),
        "required_fields": request.POST.getlist("required_fields"),
        "consent_text": request.POST.get("consent_text", ""),
        "thank_you_text": request.POST.get("thank_you_text", ""),
        "source": request.POST.get("source", ""),
        "is_active": request.POST.get("is_active") == "1",
    }


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    _manager(request)

    rows = [
        {"campaign": campaign, "link": public_link(request, campaign)}
        for campaign in Campaign.objects.select_related("created_by")
    ]
    return render(request, "web/settings/campaigns.html", {"rows": rows, "section": "campaigns"})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    user = _manager(request)

    if request.method == "GET":
        initial = {"fields": ["name", "company", "mobile", "message"], "is_active": True}
        initial["required_fields"] = ["name", "mobile"]
        return render(request, "web/settings/campaign_form.html", _form_context(initial, {}))
    values = _posted(request)
    try:
        campaign = campaigns.create_campaign(user, values)
    except ValidationError as error:
        context = _form_context(values, error_dict(error))
        return render(request, "web/settings/campaign_form.html", context, status=400)
    return HttpResponseRedirect(reverse("web:campaign_edit", args=[campaign.public_id]))


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _manager(request)
    campaign = get_object_or_404(Campaign, public_id=public_id)

    if request.method == "GET":
        values = {
            key: getattr(campaign, key)
            for key in (
                "name",
                "fields",
                "required_fields",
                "consent_text",
                "thank_you_text",
                "source",
                "is_active",
            )
        }
        context = _form_context(values, {})
    else:
        values = _posted(request)
        try:
            campaigns.update_campaign(user, campaign, values)
        except ValidationError as error:
            context = _form_context(values, error_dict(error))
            context.update(campaign=campaign, link=public_link(request, campaign))
            return render(request, "web/settings/campaign_form.html", context, status=400)
        return HttpResponseRedirect(reverse("web:campaign_edit", args=[campaign.public_id]))
    context.update(campaign=campaign, link=public_link(request, campaign))
    return render(request, "web/settings/campaign_form.html", context)


@login_required
@require_GET
def campaign_qr(request: HttpRequest, public_id: uuid.UUID, kind: str) -> HttpResponse:
    """Return the QR code of the campaign's public link as a PNG or SVG download."""
    _manager(request)
    campaign = get_object_or_404(Campaign, public_id=public_id)

    link = public_link(request, campaign)
    if kind == "svg":
        response = HttpResponse(campaigns.qr_svg(link), content_type="image/svg+xml")
    else:
        response = HttpResponse(campaigns.qr_png(link), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="campaign-qr.{kind}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def intake_keys(request: HttpRequest) -> HttpResponse:
    """List the intake keys and create one; a new key is shown once, on this response only."""
    user = _manager(request)

    context: dict[str, Any] = {
        "keys": IntakeKey.objects.select_related("campaign", "created_by"),
        "campaigns": Campaign.objects.order_by("name"),
        "sources": LeadSource.choices,
        "errors": {},
        "values": {},
        "section": "intake_keys",
    }
    if request.method == "GET":
        return render(request, "web/settings/intake_keys.html", context)
    values = {key: request.POST.get(key, "") for key in ("name", "campaign", "source")}
    campaign = (
        Campaign.objects.filter(public_id=_uuid(values["campaign"]) or uuid.UUID(int=0)).first()
        if values["campaign"]
        else None
    )
    try:
        _key, secret = campaigns.create_intake_key(
            user, values["name"], campaign=campaign, source=values["source"] or LeadSource.WEBSITE
        )
    except ValidationError as error:
        context.update(errors=error_dict(error), values=values)
        return render(request, "web/settings/intake_keys.html", context, status=400)
    context["new_secret"] = secret
    return render(request, "web/settings/intake_keys.html", context)


@login_required
@require_POST
def intake_key_set_active(request: HttpRequest, public_id: uuid.UUID, active: bool) -> HttpResponse:
    user = _manager(request)
    key = get_object_or_404(IntakeKey, public_id=public_id)

    campaigns.set_intake_key_active(user, key, active)
    return HttpResponseRedirect(reverse("web:intake_keys"))


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None
