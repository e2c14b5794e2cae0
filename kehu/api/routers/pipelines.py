"""Pipelines and their stages: every user with a role reads them, and roles that manage fields
(of the presets, the boss's) change them.

The writes call kehu.sales.pipelines, the functions the settings page calls. A role that may
not change pipelines gets a 403 before any id in the path is looked up.
"""

import uuid

from django.http import Http404, HttpRequest
from ninja import Router, Status

from kehu.api import schemas_sales as schemas
from kehu.api.auth import request_user
from kehu.api.routers.common import ERRORS
from kehu.org.models import User
from kehu.sales import pipelines
from kehu.sales.models import Pipeline, Stage
from kehu.sales.queries import visible_pipelines
from kehu.sales.stages import default_pipeline

router = Router(tags=["pipelines"])


def _pipeline(user: User, public_id: uuid.UUID) -> Pipeline:
    found = visible_pipelines(user).filter(public_id=public_id).first()
    if found is None:
        raise Http404
    return found


def _stage(pipeline: Pipeline, public_id: uuid.UUID) -> Stage:
    found = Stage.objects.filter(pipeline=pipeline, public_id=public_id).first()
    if found is None:
        raise Http404
    return found


def _stage_out(stage: Stage) -> schemas.StageOut:
    return schemas.StageOut(
        id=stage.public_id,
        name=stage.name,
        kind=stage.kind,
        win_probability=stage.win_probability,
    )


def _out(pipeline: Pipeline, stages: list[Stage] | None = None) -> schemas.PipelineOut:
    if stages is None:
        stages = pipelines.ordered_stages(pipeline.pk)
    return schemas.PipelineOut(
        id=pipeline.public_id,
        name=pipeline.name,
        is_default=pipeline.is_default,
        stages=[_stage_out(stage) for stage in stages],
    )


@router.get(
    "/pipelines", response={200: list[schemas.PipelineOut], **ERRORS}, summary="List pipelines"
)
def list_pipelines(request: HttpRequest) -> list[schemas.PipelineOut]:
    """List the pipelines, the default one first, each with its stages in order."""
    user = request_user(request)
    # The default pipeline is made again on demand when the tables were emptied.
    default_pipeline()
    listed = list(visible_pipelines(user))

    by_pipeline: dict[int, list[Stage]] = {pipeline.pk: [] for pipeline in listed}
    for stage in sorted(Stage.objects.filter(pipeline__in=listed), key=pipelines.stage_order):
        by_pipeline[stage.pipeline_id].append(stage)
    return [_out(pipeline, by_pipeline[pipeline.pk]) for pipeline in listed]


@router.post(
    "/pipelines", response={201: schemas.PipelineOut, **ERRORS}, summary="Create a pipeline"
)
def create_pipeline(
    request: HttpRequest, payload: schemas.PipelineIn
) -> Status[schemas.PipelineOut]:
    """Add a pipeline with the default stage list; it is not the default pipeline.

    Needs the capability to manage fields.
    """
    user = request_user(request)

    created = pipelines.create_pipeline(user, payload.name)

    return Status(201, _out(created))


@router.get(
    "/pipelines/{pipeline_id}",
    response={200: schemas.PipelineOut, **ERRORS},
    summary="Read a pipeline",
)
def pipeline_detail(request: HttpRequest, pipeline_id: uuid.UUID) -> schemas.PipelineOut:
    user = request_user(request)
    return _out(_pipeline(user, pipeline_id))


@router.patch(
    "/pipelines/{pipeline_id}",
    response={200: schemas.PipelineOut, **ERRORS},
    summary="Rename a pipeline",
)
def rename_pipeline(
    request: HttpRequest, pipeline_id: uuid.UUID, payload: schemas.PipelinePatch
) -> schemas.PipelineOut:
    user = request_user(request)
    pipelines.require_pipeline_manager(user)
    record = _pipeline(user, pipeline_id)

    renamed = pipelines.rename_pipeline(user, record, payload.name)

    return _out(renamed)


@router.post(
    "/pipelines/{pipeline_id}/default",
    response={200: schemas.PipelineOut, **ERRORS},
    summary="Make a pipeline the default",
)
def make_default_pipeline(request: HttpRequest, pipeline_id: uuid.UUID) -> schemas.PipelineOut:
    """Make this the pipeline that new deals naming no pipeline go into."""
    user = request_user(request)
    pipelines.require_pipeline_manager(user)
    record = _pipeline(user, pipeline_id)

    changed = pipelines.make_default_pipeline(user, record)

    return _out(changed)


@router.delete(
    "/pipelines/{pipeline_id}", response={204: None, **ERRORS}, summary="Delete a pipeline"
)
def delete_pipeline(request: HttpRequest, pipeline_id: uuid.UUID) -> Status[None]:
    """Delete a pipeline that no deal uses. The default pipeline cannot be deleted (422)."""
    user = request_user(request)
    pipelines.require_pipeline_manager(user)
    record = _pipeline(user, pipeline_id)

    pipelines.delete_pipeline(user, record)

    return Status(204, None)


@router.post(
    "/pipelines/{pipeline_id}/stages",
    response={201: schemas.StageOut, **ERRORS},
    summary="Add a stage",
)
def add_stage(
    request: HttpRequest, pipeline_id: uuid.UUID, payload: schemas.StageIn
) -> Status[schemas.StageOut]:
    """Add an open stage after the last open one, before the won and lost stages."""
    user = request_user(request)
    pipelines.require_pipeline_manager(user)
    record = _pipeline(user, pipeline_id)

    stage = pipelines.add_stage(user, record, payload.name, payload.win_probability)

    return Status(201, _stage_out(stage))


@router.put(
    "/pipelines/{pipeline_id}/stage-order",
    response={200: schemas.PipelineOut, **ERRORS},
    summary="Reorder the open stages",
)
def reorder_stages(
    request: HttpRequest, pipeline_id: uuid.UUID, payload: schemas.StageOrderIn
) -> schemas.PipelineOut:
    """Put the open stages in the order given; the won and lost stages stay last."""
    user = request_user(request)
    pipelines.require_pipeline_manager(user)
    record = _pipeline(user, pipeline_id)

    ordered = pipelines.reorder_stages(user, record, payload.stages)

    return _out(record, ordered)


@router.patch(
    "/pipelines/{pipeline_id}/stages/{stage_id}",
    response={200: schemas.StageOut, **ERRORS},
    summary="Change a stage",
)
def update_stage(
    request: HttpRequest, pipeline_id: uuid.UUID, stage_id: uuid.UUID, payload: schemas.StagePatch
) -> schemas.StageOut:
    """Rename a stage or change its win probability; only the fields sent change."""
    user = request_user(request)
    pipelines.require_pipeline_manager(user)
    stage = _stage(_pipeline(user, pipeline_id), stage_id)

    changed = pipelines.update_stage(
        user, stage, name=payload.name, win_probability=payload.win_probability
    )

    return _stage_out(changed)


@router.delete(
    "/pipelines/{pipeline_id}/stages/{stage_id}",
    response={200: schemas.StageRemovedOut, **ERRORS},
    summary="Remove a stage",
)
def remove_stage(
    request: HttpRequest,
    pipeline_id: uuid.UUID,
    stage_id: uuid.UUID,
    move_to: uuid.UUID | None = None,
) -> schemas.StageRemovedOut:
    """Remove an open stage. Deals in it move to the open stage `move_to` of the same pipeline.

    Without `move_to`, a stage with deals in it is not removed (422 on "move_to"). Each moved
    deal gets the move on its history and its customer's timeline.
    """
    user = request_user(request)
    pipelines.require_pipeline_manager(user)
    record = _pipeline(user, pipeline_id)
    stage = _stage(record, stage_id)
    target = _target(record, move_to) if move_to is not None else None

    moved = pipelines.remove_stage(user, stage, move_to=target)

    return schemas.StageRemovedOut(deals_moved=moved, pipeline=_out(record))


def _target(pipeline: Pipeline, public_id: uuid.UUID) -> Stage:
    found = Stage.objects.filter(public_id=public_id).first()
    if found is None:
        raise pipelines.unsuitable_target(pipeline)
    return found
