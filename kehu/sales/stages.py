"""The default pipeline a new company starts with, and finding it.

The rows are created by a migration and again on demand, because tests that empty the tables
between cases would otherwise lose them. Stage lists live in the database (Pipeline and Stage
rows) so a company can have its own; this module only seeds the first one.
"""

from django.db import transaction

from kehu.sales.models import Pipeline, Stage, StageKind

DEFAULT_PIPELINE_NAME = "默认销售流程"
# (name, win probability in percent, kind), in pipeline order.
DEFAULT_STAGES: tuple[tuple[str, int, str], ...] = (
    ("初步接触", 10, StageKind.OPEN),
    ("需求确认", 30, StageKind.OPEN),
    ("方案报价", 50, StageKind.OPEN),
    ("谈判审批", 70, StageKind.OPEN),
    ("赢单", 100, StageKind.WON),
    ("输单", 0, StageKind.LOST),
)


def default_pipeline() -> Pipeline:
    """Return the default pipeline, creating it with DEFAULT_STAGES when there is none."""
    found = Pipeline.objects.filter(is_default=True).first()
    if found is not None:
        return found
    with transaction.atomic():
        pipeline, created = Pipeline.objects.get_or_create(
            is_default=True, defaults={"name": DEFAULT_PIPELINE_NAME}
        )
        if created:
            Stage.objects.bulk_create(
                Stage(
                    pipeline=pipeline,
                    name=name,
                    position=position,
                    win_probability=probability,
                    kind=kind,
                )
                for position, (name, probability, kind) in enumerate(DEFAULT_STAGES, start=1)
            )
    return pipeline


def first_open_stage(pipeline: Pipeline) -> Stage:
    """Return the stage new deals of `pipeline` start in: its first open stage."""
    stage = pipeline.stages.filter(kind=StageKind.OPEN).order_by("position").first()
    if stage is None:
        raise ValueError(f"pipeline {pipeline.pk} has no open stage")
    return stage
