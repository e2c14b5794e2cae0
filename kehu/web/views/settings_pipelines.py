"""Pipeline settings: the pipelines with their stages, and every change the editor offers.

Adding, making default and deleting a pipeline reload the page. The forms inside a pipeline's
card (rename, stage changes, order, removal) swap that card in place through htmx. Without
JavaScript the same views redirect back to the page, or show it with a 400 when they reject.
"""

import dataclasses
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from kehu.org.models import User
from kehu.sales import pipelines
from kehu.sales.models import Pipeline, Stage, StageKind
from kehu.sales.stages import default_pipeline
from kehu.web.views.common import error_dict, is_htmx, signed_in_user, vary_on_htmx
from kehu.web.views.settings_common import posted_id

PAGE = "web/settings/pipelines.html"
CARD = "web/settings/pipelines.html#pipeline"


def _require_manager(request: HttpRequest) -> User:
    user = signed_in_user(request)
    pipelines.require_pipeline_manager(user)
    return user


@dataclasses.dataclass(frozen=True)
class StageRow:
    """One stage of a card, with its deal count and the orders its arrows post."""

    stage: Stage
    deal_count: int
    # Public ids of the open stages with this one a place earlier or later; empty at the ends.
    order_up: list[str]
    order_down: list[str]
    # The open stages that can take this stage's deals when it is removed.
    move_choices: list[tuple[str, str]]


def _messages(errors: Mapping[str, list[str]] | None) -> list[str]:
    return [message for messages in (errors or {}).values() for message in messages]


def _swapped(ids: list[str], first: int, second: int) -> list[str]:
    if first < 0 or second >= len(ids):
        return []
    swapped = list(ids)
    swapped[first], swapped[second] = swapped[second], swapped[first]
    return swapped


def _card(
    pipeline: Pipeline,
    counts: Mapping[int, int],
    errors: Mapping[str, list[str]] | None = None,
    values: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return what one pipeline's card shows. `errors` come from the last rejected change."""
    stages = pipelines.ordered_stages(pipeline.pk)
    open_ids = [str(stage.public_id) for stage in stages if not stage.is_final]
    rows = []
    for stage in stages:
        index = open_ids.index(str(stage.public_id)) if not stage.is_final else -1
        rows.append(
            StageRow(
                stage=stage,
                deal_count=counts.get(stage.pk, 0),
                order_up=_swapped(open_ids, index - 1, index) if index >= 0 else [],
                order_down=_swapped(open_ids, index, index + 1) if index >= 0 else [],
                move_choices=[
                    (str(other.public_id), other.name)
                    for other in stages
                    if other.kind == StageKind.OPEN and other.pk != stage.pk
                ],
            )
        )
    return {
        "pipeline": pipeline,
        "rows": rows,
        "deal_count": sum(counts.get(stage.pk, 0) for stage in stages),
        "errors": _messages(errors),
        "values": values or {},
    }


def _render_page(
    request: HttpRequest,
    *,
    failed: Pipeline | None = None,
    errors: Mapping[str, list[str]] | None = None,
    values: Mapping[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the page. A rejected change shows its errors on the card of `failed`, or on the
    form that adds pipelines when `failed` is None."""
    # The default pipeline is made again on demand when the tables were emptied.
    default_pipeline()
    listed = list(Pipeline.objects.order_by("-is_default", "name"))
    counts = pipelines.stage_deal_counts([pipeline.pk for pipeline in listed])
    cards = [
        _card(pipeline, counts, errors, values)
        if failed is not None and pipeline.pk == failed.pk
        else _card(pipeline, counts)
        for pipeline in listed
    ]
    create_errors = [] if failed is not None else _messages(errors)
    context = {
        "cards": cards,
        "create_errors": create_errors,
        "create_name": (values or {}).get("name", "") if failed is None else "",
    }
    return render(request, PAGE, context, status=status)


def _list_url(pipeline: Pipeline | None = None) -> str:
    url = reverse("web:settings_pipelines")
    return f"{url}#pipeline-{pipeline.public_id}" if pipeline is not None else url


def _card_change(
    request: HttpRequest,
    pipeline: Pipeline,
    change: Callable[[], object],
    values: Mapping[str, str] | None = None,
) -> HttpResponse:
    """Run `change`, then respond with the card (htmx) or the page: a redirect after success,
    the page with the card's errors and a 400 after a rejection."""
    errors: dict[str, list[str]] = {}
    try:
        change()
    except ValidationError as error:
        errors = error_dict(error)

    if is_htmx(request):
        # htmx swaps only 2xx responses by default, so a rejected change comes back as a 200
        # card that shows the errors.
        counts = pipelines.stage_deal_counts([pipeline.pk])
        context = {"card": _card(pipeline, counts, errors, values if errors else None)}
        return vary_on_htmx(render(request, CARD, context))
    if errors:
        return _render_page(request, failed=pipeline, errors=errors, values=values, status=400)
    return HttpResponseRedirect(_list_url(pipeline))


@login_required
@require_GET
def pipeline_list(request: HttpRequest) -> HttpResponse:
    """List the pipelines, default first, each with its stages and the number of deals in each."""
    _require_manager(request)

    return _render_page(request)


@login_required
@require_POST
def pipeline_create(request: HttpRequest) -> HttpResponse:
    """Add a pipeline with the default stage list."""
    actor = _require_manager(request)

    name = request.POST.get("name", "")
    try:
        pipeline = pipelines.create_pipeline(actor, name)
    except ValidationError as error:
        return _render_page(request, errors=error_dict(error), values={"name": name}, status=400)

    return HttpResponseRedirect(_list_url(pipeline))


@login_required
@require_POST
def pipeline_rename(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = _require_manager(request)
    pipeline = get_object_or_404(Pipeline, public_id=public_id)

    name = request.POST.get("name", "")

    def change() -> None:
        pipeline.name = pipelines.rename_pipeline(actor, pipeline, name).name

    return _card_change(request, pipeline, change, {"pipeline_name": name})


@login_required
@require_POST
def pipeline_make_default(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Make the pipeline the one new deals go into when they name none."""
    actor = _require_manager(request)
    pipeline = get_object_or_404(Pipeline, public_id=public_id)

    try:
        pipelines.make_default_pipeline(actor, pipeline)
    except ValidationError as error:
        return _render_page(request, failed=pipeline, errors=error_dict(error), status=400)

    return HttpResponseRedirect(_list_url(pipeline))


@login_required
@require_POST
def pipeline_delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Delete a pipeline that no deal uses and that is not the default."""
    actor = _require_manager(request)
    pipeline = get_object_or_404(Pipeline, public_id=public_id)

    try:
        pipelines.delete_pipeline(actor, pipeline)
    except ValidationError as error:
        return _render_page(request, failed=pipeline, errors=error_dict(error), status=400)

    return HttpResponseRedirect(_list_url())


@login_required
@require_POST
def stage_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Add an open stage after the pipeline's last open one."""
    actor = _require_manager(request)
    pipeline = get_object_or_404(Pipeline, public_id=public_id)

    values = {key: request.POST.get(key, "") for key in ("name", "win_probability")}

    def change() -> None:
        pipelines.add_stage(actor, pipeline, values["name"], values["win_probability"])

    return _card_change(request, pipeline, change, values)


@login_required
@require_POST
def stage_reorder(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Put the open stages in the posted order: one "order" value per stage, by public id."""
    actor = _require_manager(request)
    pipeline = get_object_or_404(Pipeline, public_id=public_id)

    order = request.POST.getlist("order")

    def change() -> None:
        pipelines.reorder_stages(actor, pipeline, order)

    return _card_change(request, pipeline, change)


def _load_stage(public_id: uuid.UUID) -> Stage:
    return get_object_or_404(Stage.objects.select_related("pipeline"), public_id=public_id)


@login_required
@require_POST
def stage_update(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Rename a stage or change its win probability."""
    actor = _require_manager(request)
    stage = _load_stage(public_id)

    values = {key: request.POST[key] for key in ("name", "win_probability") if key in request.POST}

    def change() -> None:
        pipelines.update_stage(
            actor, stage, name=values.get("name"), win_probability=values.get("win_probability")
        )

    return _card_change(request, stage.pipeline, change)


@login_required
@require_POST
def stage_remove(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Remove an open stage, moving its deals to the posted "move_to" stage first."""
    actor = _require_manager(request)
    stage = _load_stage(public_id)

    raw_target = request.POST.get("move_to", "").strip()

    def change() -> None:
        target = None
        target_id = posted_id(raw_target, "move_to")
        if target_id is not None:
            target = Stage.objects.filter(public_id=target_id).first()
            if target is None:
                raise pipelines.unsuitable_target(stage.pipeline)
        pipelines.remove_stage(actor, stage, move_to=target)

    return _card_change(request, stage.pipeline, change)
