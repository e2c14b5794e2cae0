"""Deal pages: the list with filters, the kanban board by stage, the deal page and stage moves."""

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import User
from kehu.org.policy import FieldPolicy, policy_for
from kehu.org.visibility import owners_in_reach
from kehu.sales import quotes, services
from kehu.sales.contracts import may_write_contracts
from kehu.sales.listing import allowed_filters, allowed_sorts, list_deals, params_from_query
from kehu.sales.models import ZERO, Deal, Pipeline, Stage
from kehu.sales.queries import may_edit_deals, visible_deals, visible_pipelines, writable_deals
from kehu.sales.stages import default_pipeline
from kehu.web.contract_display import contract_row
from kehu.web.deal_display import deal_row, deal_rows, line_rows, shown_value
from kehu.web.display import format_datetime
from kehu.web.views.common import error_dict, is_htmx, signed_in_user, vary_on_htmx

# Deals shown per board column; the list shows the rest.
BOARD_COLUMN_LIMIT = 50


def load_deal(user: User, public_id: uuid.UUID) -> Deal:
    """Return a deal the user may see; anything else is a 404, the same as a missing one."""
    queryset = visible_deals(user).select_related("customer", "stage", "owner", "pipeline")
    return get_object_or_404(queryset, public_id=public_id)


def _stage_choices(stages: list[Stage]) -> list[tuple[str, str]]:
    return [(str(stage.public_id), stage.name) for stage in stages]


def _all_stage_choices(pipelines: list[Pipeline]) -> list[tuple[str, str]]:
    """Return every stage of every pipeline, named "pipeline · stage" when there are several."""
    stages = Stage.objects.filter(pipeline__in=pipelines).order_by("position")
    by_pipeline: dict[int, list[Stage]] = {}
    for stage in stages:
        by_pipeline.setdefault(stage.pipeline_id, []).append(stage)
    choices = []
    for pipeline in pipelines:
        for stage in by_pipeline.get(pipeline.pk, []):
            label = f"{pipeline.name} · {stage.name}" if len(pipelines) > 1 else stage.name
            choices.append((str(stage.public_id), label))
    return choices


def _pipelines(user: User) -> list[Pipeline]:
    """Return the pipelines, default first; the default is made again if the tables were emptied."""
    return list(visible_pipelines(user)) or [default_pipeline()]


@login_required
@require_GET
def deal_list(request: HttpRequest) -> HttpResponse:
    """List the deals the user may see, filtered by stage, owner, close date and amount."""
    user = signed_in_user(request)
    policy = policy_for(user)

    params = params_from_query(request.GET)
    errors: dict[str, list[str]] = {}
    try:
        page = list_deals(user, params)
    except ValidationError as error:
        errors = error_dict(error)
        page = list_deals(user, params_from_query({}))

    filters = allowed_filters(policy)
    next_query = ""
    if page.next_cursor:
        query = {key: value for key, value in request.GET.items() if key != "cursor"}
        next_query = urlencode({**query, "cursor": page.next_cursor})
    pipelines = _pipelines(user)
    context: dict[str, Any] = {
        "rows": deal_rows(policy, page.rows),
        "errors": [message for messages in errors.values() for message in messages],
        "values": params.filters,
        "filters": filters,
        "sorts": allowed_sorts(policy),
        "sort": params.sort,
        "pipelines": [(str(found.public_id), found.name) for found in pipelines]
        if len(pipelines) > 1
        else [],
        "stages": _all_stage_choices(pipelines),
        "owners": [(str(owner.public_id), str(owner)) for owner in owners_in_reach(user)]
        if "owner" in filters
        else [],
        "shows_amount": shown_value(policy, FieldTarget.DEAL, "amount", 0) is not None,
        "next_query": next_query,
        "can_edit": may_edit_deals(user),
    }
    template = "web/deals/list.html#results" if is_htmx(request) else "web/deals/list.html"
    status = 400 if errors else 200
    return vary_on_htmx(render(request, template, context, status=status))


@login_required
@require_GET
def deal_board(request: HttpRequest) -> HttpResponse:
    """Show the visible deals of one pipeline as one column per stage.

    The "pipeline" parameter picks the pipeline, by public id; without it the board shows the
    default pipeline. An unknown id is a 404.
    """
    user = signed_in_user(request)
    policy = policy_for(user)

    pipelines = _pipelines(user)
    raw = request.GET.get("pipeline", "")
    pipeline = next((found for found in pipelines if str(found.public_id) == raw), None)
    if pipeline is None and raw:
        raise Http404
    pipeline = pipeline or pipelines[0]
    stages = list(pipeline.stages.order_by("position"))
    shown = []
    for stage in stages:
        deals = (
            visible_deals(user)
            .filter(stage=stage)
            .select_related("customer", "stage", "owner")
            .order_by("-updated_at", "-pk")[:BOARD_COLUMN_LIMIT]
        )
        shown.append((stage, deal_rows(policy, deals)))
    # Only the cards on the board are checked, in one query, not every deal of the pipeline.
    shown_ids = [row.deal.pk for _stage, rows in shown for row in rows]
    writable = set(writable_deals(user).filter(pk__in=shown_ids).values_list("pk", flat=True))
    columns = [
        {"stage": stage, "cards": [(row, row.deal.pk in writable) for row in rows]}
        for stage, rows in shown
    ]

    context = {
        "columns": columns,
        "pipeline": pipeline,
        "pipelines": [(str(found.public_id), found.name) for found in pipelines],
        "stages": _stage_choices(stages),
        "shows_amount": shown_value(policy, FieldTarget.DEAL, "amount", 0) is not None,
    }
    return render(request, "web/deals/board.html", context)


def _detail_context(user: User, deal: Deal) -> dict[str, Any]:
    policy = policy_for(user)
    row = deal_row(policy, deal)
    target = FieldTarget.DEAL
    # The pipeline reveals as much as the stage does, so it shows as the stage shows. With one
    # pipeline it adds nothing, so it is left out.
    pipeline_name = None
    if Pipeline.objects.count() > 1:
        pipeline_name = shown_value(policy, target, "stage", deal.pipeline.name)
    facts = [
        (label, value)
        for label, value in (
            (_("Pipeline"), pipeline_name),
            (field_label("stage"), row.stage),
            (field_label("owner"), row.owner),
            (field_label("amount"), row.amount),
            (field_label("expected_close_on"), row.expected_close_on),
            (
                field_label("lost_reason"),
                shown_value(policy, target, "lost_reason", deal.lost_reason),
            ),
            (
                field_label("created_at"),
                shown_value(policy, target, "created_at", format_datetime(deal.created_at)),
            ),
            (
                field_label("closed_at"),
                shown_value(policy, target, "closed_at", format_datetime(deal.closed_at)),
            ),
        )
        if value is not None
    ]
    lines = line_rows(policy, deal.lines.select_related("product"))
    history = deal.stage_changes.select_related("actor")
    can_edit = writable_deals(user).filter(pk=deal.pk).exists()
    stages = list(deal.pipeline.stages.order_by("position"))
    return {
        "deal": deal,
        "row": row,
        "facts": facts,
        "lines": lines,
        "shows_line_prices": shown_value(policy, FieldTarget.DEAL_LINE, "unit_price", 0)
        is not None,
        "history": [
            {
                # The first move is the deal's creation, so its time is the deal's created_at.
                "when": format_datetime(change.occurred_at)
                if change.from_name
                else shown_value(policy, target, "created_at", format_datetime(change.occurred_at))
                or "",
                "from": change.from_name,
                "to": change.to_name,
                "actor": str(change.actor) if change.actor else "",
            }
            for change in history
        ],
        "can_edit": can_edit and not deal.stage.is_final,
        "stages": _stage_choices([stage for stage in stages if stage.pk != deal.stage_id]),
        "move_errors": [],
        "quotes": _quote_rows(policy, deal),
        "can_quote": quotes.may_write_quotes(user, deal.customer),
        "contracts": [
            contract_row(policy, contract, ZERO, ZERO)
            for contract in deal.contracts.select_related("customer", "owner").order_by(
                "-created_at"
            )
        ],
        "can_contract": may_write_contracts(user, deal.customer),
    }


def _quote_rows(policy: FieldPolicy, deal: Deal) -> list[dict[str, Any]]:
    """Return the deal's quotes with their current totals, as the viewer may see them."""
    rows = []
    for quote in deal.quotes.prefetch_related("versions").order_by("-created_at"):
        version = next(v for v in quote.versions.all() if v.number == quote.current_version)
        rows.append(
            {
                "quote": quote,
                "title": version.title,
                "total": shown_value(policy, FieldTarget.DEAL, "amount", version.total),
            }
        )
    return rows


def field_label(key: str) -> str:
    return field_map(FieldTarget.DEAL)[key].label_text


@login_required
@require_GET
def deal_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = signed_in_user(request)
    deal = load_deal(user, public_id)

    return render(request, "web/deals/detail.html", _detail_context(user, deal))


@login_required
@require_POST
def deal_move(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Move a deal to the posted stage; a lost stage needs the posted reason."""
    user = signed_in_user(request)
    services.check_deal_role(user)
    deal = load_deal(user, public_id)
    services.check_deal_editor(user, deal)

    try:
        stage = services.stage_for(deal, request.POST.get("stage", ""))
        services.move_deal_stage(user, deal, stage, lost_reason=request.POST.get("lost_reason", ""))
    except ValidationError as error:
        context = _detail_context(user, deal)
        context["move_errors"] = [m for messages in error_dict(error).values() for m in messages]
        return render(request, "web/deals/detail.html", context, status=400)

    if request.POST.get("back") == "board":
        query = urlencode({"pipeline": str(deal.pipeline.public_id)})
        return HttpResponseRedirect(reverse("web:deal_board") + "?" + query)
    return HttpResponseRedirect(reverse("web:deal_detail", args=[deal.public_id]))
