"""The public web form of a campaign, at /f/<token>/, for people who are not signed in.

The view checks the body size and the client address's rate limit before it reads the form,
then hands the posted values to kehu.leads.intake, which keeps only the campaign's fields. A
success, a known person and a filled honeypot all get the same thank-you page.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from kehu.core import ratelimit, regions
from kehu.core.client import client_address
from kehu.customers.choices import Industry
from kehu.leads import intake
from kehu.leads.models import Campaign, LeadChannel, form_field_labels

logger = logging.getLogger(__name__)


def body_too_large(request: HttpRequest) -> bool:
    """Return whether the declared body exceeds the lead body limit; a chunked body counts too."""
    raw = request.META.get("CONTENT_LENGTH") or ""
    if not raw.isdigit():
        return str(request.META.get("HTTP_TRANSFER_ENCODING", "")).lower() == "chunked"
    return int(raw) > settings.KEHU_LEAD_MAX_BODY_BYTES


def too_large_response(
    request: HttpRequest, template: str, context: dict[str, Any]
) -> HttpResponse:
    context["message"] = _(
        "The submission is too large: at most %(limit)d KB. Shorten the message and try again."
    ) % {"limit": settings.KEHU_LEAD_MAX_BODY_BYTES // 1024}
    return render(request, template, context, status=413)


def _inputs(
    campaign: Campaign, values: dict[str, str], errors: dict[str, list[str]]
) -> list[dict[str, Any]]:
    labels = form_field_labels()
    choices = {
        "industry": Industry.choices,
        "province": [(division.code, division.name) for division in regions.provinces()],
    }
    return [
        {
            "name": key,
            "label": labels[key],
            "required": key in campaign.required_fields,
            "value": values.get(key, ""),
            "errors": errors.get(key, []),
            "choices": choices.get(key),
            "type": {"mobile": "tel", "phone": "tel", "email": "email"}.get(key, "text"),
        }
        for key in campaign.fields
    ]


def _context(campaign: Campaign) -> dict[str, Any]:
    return {
        "campaign": campaign,
        "honeypot": intake.HONEYPOT,
        "inputs": _inputs(campaign, {}, {}),
        "consent_errors": [],
    }


# CSRF is checked by csrf_protect on the inner view, after the size check, so an oversized
# body is rejected before the CSRF middleware would parse it.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def lead_form(request: HttpRequest, token: str) -> HttpResponse:
    """Show the campaign's form, or take a submission of it."""
    campaign = get_object_or_404(Campaign, token=token, is_active=True)

    if request.method == "POST" and body_too_large(request):
        return too_large_response(request, "web/leads/public_form.html", _context(campaign))
    return _lead_form(request, campaign)


@csrf_protect
def _lead_form(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    context = _context(campaign)
    if request.method == "GET":
        return render(request, "web/leads/public_form.html", context)
    address = client_address(request)
    if not ratelimit.hit(f"lead-form:{address}", intake.form_limit()):
        logger.info("lead form submission over the rate limit (campaign %s)", campaign.pk)
        context["message"] = _(
            "Too many submissions from your network. Please wait a few minutes and try again."
        )
        return render(request, "web/leads/public_form.html", context, status=429)

    posted = {key: request.POST.get(key, "") for key in (*campaign.fields, intake.HONEYPOT)}
    try:
        intake.submit_lead(
            posted,
            channel=LeadChannel.FORM,
            campaign=campaign,
            consent=request.POST.get("consent") == "1",
            address=address or None,
        )
    except ValidationError as error:
        errors = error.message_dict
        context["inputs"] = _inputs(campaign, posted, errors)
        context["consent_errors"] = errors.get("consent", [])
        return render(request, "web/leads/public_form.html", context, status=400)
    return render(request, "web/leads/public_thanks.html", context)
