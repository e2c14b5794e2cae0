"""Lead pages: the list with filters, the lead page with its history, and the actions on it.

Claiming, assigning, logging a note and changing the status post to their own URLs and come
back to the lead page. Phones, email and WeChat ID follow the contact field policy, since a
converted lead's values become a contact's.
"""

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.core import regions
from kehu.customers.choices import Industry, LeadSource
from kehu.customers.services import find_owner
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.leads import services
from kehu.leads.models import Campaign, Lead, LeadStatus
from kehu.leads.queries import LeadPolicies, is_writable, lead_history, visible_leads
from kehu.org.models import Capability, User
from kehu.org.policy import FieldPolicy
from kehu.timeline.models import FollowUpKind
from kehu.web.display import format_datetime, masked_display
from kehu.web.views.common import (
    error_dict,
    form_errors,
    is_htmx,
    signed_in_user,
    vary_on_htmx,
)

PAGE_SIZE = 50
# Lead values shown as a contact's, so the contact field policy decides how.
CONTACT_KEYS = ("mobile", "phone", "email", "wechat")
# The inputs of the new-lead form, in order.
INPUTS = ("name", "company", "title", "mobile", "phone", "email", "wechat", "industry", "message")


def load_lead(user: User, public_id: uuid.UUID) -> Lead:
    """Return a lead the user may see; anything else is a 404, the same as a missing one."""
    queryset = visible_leads(user).select_related(
        "owner", "creator", "campaign", "converted_customer"
    )
    return get_object_or_404(queryset, public_id=public_id)


def shown_values(policy: FieldPolicy, lead: Lead) -> dict[str, str | None]:
    """Return the lead's phones, email and WeChat ID as the user may see them (None: hidden)."""
    specs = field_map(FieldTarget.CONTACT)
    shown: dict[str, str | None] = {}
    for key in CONTACT_KEYS:
        value = policy.shown(FieldTarget.CONTACT, specs[key], getattr(lead, key))
        shown[key] = None if value is None else masked_display(value)
    return shown


def _filtered(user: User, query: dict[str, str]) -> QuerySet[Lead]:
    leads = visible_leads(user).select_related("owner", "campaign")
    status = query.get("status", "")
    if status in LeadStatus.values:
        leads = leads.filter(status=status)
    owner = query.get("owner", "")
    if query.get("pool") == "1" or owner == "pool":
        leads = leads.filter(owner__isnull=True)
    elif owner:
        leads = leads.filter(owner__public_id=_uuid(owner) or uuid.UUID(int=0))
    campaign = query.get("campaign", "")
    if campaign:
        leads = leads.filter(campaign__public_id=_uuid(campaign) or uuid.UUID(int=0))
    return leads.order_by("-created_at", "-pk")


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


@login_required
@require_GET
def lead_list(request: HttpRequest) -> HttpResponse:
    """List the leads the user may see, by status, owner, campaign and the lead pool."""
    user = signed_in_user(request)
    services.check_lead_role(user)

    query: dict[str, str] = {key: str(value) for key, value in request.GET.items() if key != "page"}
    page: Page[Lead] = Paginator(_filtered(user, query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    policies = LeadPolicies(user)
    context: dict[str, Any] = {
        "rows": [
            {"lead": lead, **shown_values(policies.for_lead(lead), lead)}
            for lead in page.object_list
        ],
        "page": page,
        "values": query,
        "statuses": LeadStatus.choices,
        "owners": [(str(owner.public_id), str(owner)) for owner in services.owner_choices(user)],
        "campaigns": [(str(c.public_id), c.name) for c in Campaign.objects.order_by("name")],
        "page_query": urlencode(query),
        "can_create": user.has_capability(Capability.CREATE),
    }
    template = "web/leads/list.html#results" if is_htmx(request) else "web/leads/list.html"
    return vary_on_htmx(render(request, template, context))


def detail_context(user: User, lead: Lead, **errors: list[str]) -> dict[str, Any]:
    """Return what the lead page shows; `errors` are keyed by the form they belong to."""
    policy = LeadPolicies(user).for_lead(lead)
    notes, lead_events = lead_history(user, lead)
    entries: list[tuple[dt.datetime, dict[str, str]]] = [
        (
            note.occurred_at,
            _entry(note.occurred_at, note.author, note.get_kind_display(), note.content),
        )
        for note in notes
    ]
    entries += [
        (
            event.occurred_at,
            _entry(
                event.occurred_at, event.actor, event.get_kind_display(), _event_text(event.data)
            ),
        )
        for event in lead_events
    ]
    history = [entry for _at, entry in sorted(entries, key=lambda pair: pair[0])]
    can_write = lead.status != LeadStatus.CONVERTED and is_writable(user, lead)
    can_assign = can_write and user.has_capability(Capability.ASSIGN)
    return {
        "lead": lead,
        "shown": shown_values(policy, lead),
        "region": regions.label(lead.province_code, lead.city_code, ""),
        "history": history,
        "can_claim": lead.in_pool
        and lead.status in (LeadStatus.NEW, LeadStatus.CONTACTED)
        and user.has_capability(Capability.CREATE),
        "can_write": can_write,
        "can_assign": can_assign,
        "can_convert": can_write and user.has_capability(Capability.CREATE),
        "owners": [(str(u.public_id), str(u)) for u in services.owner_choices(user)]
        if can_assign
        else [],
        "statuses": [
            (value, label)
            for value, label in LeadStatus.choices
            if value in services.SETTABLE_STATUSES and value != lead.status
        ],
        "kinds": FollowUpKind.choices,
        "claim_errors": errors.get("claim", []),
        "assign_errors": errors.get("assign", []),
        "note_errors": errors.get("note", []),
        "status_errors": errors.get("status", []),
    }


def _entry(at: dt.datetime, who: User | None, title: str, text: str) -> dict[str, str]:
    when = format_datetime(at)
    return {"when": when, "who": str(who or ""), "title": title, "text": text}


def _event_text(data: dict[str, Any]) -> str:
    parts = [
        str(data[key]) for key in ("campaign", "from_name", "to_name", "message") if data.get(key)
    ]
    if data.get("from") and data.get("to"):
        parts.append(f"{LeadStatus(data['from']).label} → {LeadStatus(data['to']).label}")
    routing = _routing_text(data)
    if routing:
        parts.append(routing)
    return " · ".join(parts)


def _routing_text(data: dict[str, Any]) -> str:
    """Return how a lead from a form or the intake API got its owner, when the event records it."""
    owner = str(data.get("owner") or "")
    if data.get("routing") == "rule":
        return _("Given to %(owner)s by the assignment rule “%(rule)s”") % {
            "owner": owner,
            "rule": data.get("rule_name", ""),
        }
    if data.get("routing") == "default":
        return _("Given to the default owner %(owner)s") % {"owner": owner}
    if data.get("routing") == "pool":
        return _("No assignment rule matched; left in the lead pool")
    return ""


@login_required
@require_GET
def lead_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = signed_in_user(request)
    services.check_lead_role(user)
    lead = load_lead(user, public_id)

    return render(request, "web/leads/detail.html", detail_context(user, lead))


def _messages(error: ValidationError) -> list[str]:
    return [message for messages in error_dict(error).values() for message in messages]


def _fail(
    request: HttpRequest, user: User, lead: Lead, form: str, error: ValidationError
) -> HttpResponse:
    context = detail_context(user, lead, **{form: _messages(error)})
    return render(request, "web/leads/detail.html", context, status=400)


@login_required
@require_POST
def lead_claim(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Claim the lead from the lead pool; a lead someone else claimed first shows why."""
    user = signed_in_user(request)
    services.check_lead_creator(user)
    lead = load_lead(user, public_id)

    try:
        services.claim_lead(user, lead)
    except ValidationError as error:
        return _fail(request, user, load_lead(user, public_id), "claim", error)
    return HttpResponseRedirect(lead.get_absolute_url())


@login_required
@require_POST
def lead_assign(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Give the lead to the posted user, or return it to the lead pool when none is chosen."""
    user = signed_in_user(request)
    services.check_lead_role(user)
    lead = load_lead(user, public_id)
    services.check_lead_writer(user, lead)

    raw = request.POST.get("owner", "")
    try:
        # A malformed id gets the error of an id that names no user.
        owner = find_owner(user, _uuid(raw) or uuid.UUID(int=0)) if raw else None
        services.assign_lead(user, lead, owner)
    except ValidationError as error:
        return _fail(request, user, lead, "assign", error)
    return HttpResponseRedirect(lead.get_absolute_url())


@login_required
@require_POST
def lead_note(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = signed_in_user(request)
    services.check_lead_role(user)
    lead = load_lead(user, public_id)
    services.check_lead_writer(user, lead)

    values = {"kind": request.POST.get("kind", "note"), "content": request.POST.get("content", "")}
    try:
        services.add_lead_note(user, lead, values)
    except ValidationError as error:
        return _fail(request, user, lead, "note", error)
    return HttpResponseRedirect(lead.get_absolute_url() + "#history")


@login_required
@require_POST
def lead_status(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = signed_in_user(request)
    services.check_lead_role(user)
    lead = load_lead(user, public_id)
    services.check_lead_writer(user, lead)

    try:
        services.set_lead_status(user, lead, request.POST.get("status", ""))
    except ValidationError as error:
        return _fail(request, user, lead, "status", error)
    return HttpResponseRedirect(lead.get_absolute_url())


def form_context(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "form_errors": form_errors(errors, {*INPUTS, "province", "city", "source"}),
        "industries": Industry.choices,
        "sources": LeadSource.choices,
        "provinces": [(division.code, division.name) for division in regions.provinces()],
    }


@login_required
@require_http_methods(["GET", "POST"])
def lead_create(request: HttpRequest) -> HttpResponse:
    """Enter a lead by hand; a lead that repeats a stored one asks for confirmation."""
    user = signed_in_user(request)
    services.check_lead_creator(user)

    if request.method == "GET":
        return render(request, "web/leads/form.html", form_context({}, {}))
    values = {key: request.POST.get(key, "") for key in (*INPUTS, "province", "city", "source")}
    values = {key: value for key, value in values.items() if value != ""}
    try:
        lead = services.create_lead(
            user, values, allow_duplicate=request.POST.get("confirm_duplicate") == "1"
        )
    except ValidationError as error:
        context = form_context(values, error_dict(error))
        return render(request, "web/leads/form.html", context, status=400)
    except services.DuplicateLead as duplicate:
        context = form_context(values, {})
        context["duplicate"] = duplicate.messages()
        return render(request, "web/leads/form.html", context, status=409)
    return HttpResponseRedirect(lead.get_absolute_url())
