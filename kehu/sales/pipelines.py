"""Every write to pipelines and their stages. The settings page and the API call these.

Only roles with the manage-fields capability change pipelines (`may_manage_pipelines`). Each
function checks that first, locks the pipeline's row, writes in one transaction and records an
audit entry on the pipeline. Deal writes lock the same row before they put a deal into a stage
(`kehu.sales.services.lock_pipeline`), so a stage is never removed while a deal moves into it.

Every write keeps these rules:
- A pipeline lists its open stages first, then exactly one won stage (100%) and one lost stage
  (0%). Both are final and can be renamed but neither added nor removed.
- A pipeline keeps at least one open stage, where new deals start.
- Pipeline names are unique, and stage names are unique within their pipeline.
- Exactly one pipeline is the default: new deals that name none go there.
- A pipeline is deleted only when no deal uses it, and never while it is the default.
- A stage is removed only when no deal is in it, or together with moving its deals to another
  open stage of the same pipeline. Each moved deal gets the move on its history and timeline.
"""

import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock
from kehu.fields.values import clean_characters
from kehu.org.models import User
from kehu.sales import services
from kehu.sales.models import Deal, Pipeline, Stage, StageKind
from kehu.sales.queries import may_manage_pipelines
from kehu.sales.stages import DEFAULT_STAGES

PIPELINE_NAME_LIMIT = Pipeline._meta.get_field("name").max_length or 60
STAGE_NAME_LIMIT = Stage._meta.get_field("name").max_length or 40
# The win probability of the final stages, in percent; the database checks it too.
FINAL_PROBABILITY = {StageKind.WON.value: 100, StageKind.LOST.value: 0}


def require_pipeline_manager(actor: User) -> None:
    """Raise PermissionDenied unless the actor's role may change pipelines."""
    if not may_manage_pipelines(actor):
        raise PermissionDenied(_("Your role may not change pipelines."))


# Cleaning


def _clean_name(raw: Any, limit: int) -> str:
    """Return the name stripped, or raise ValidationError on "name"."""
    try:
        name = clean_characters("" if raw is None else str(raw).strip())
    except ValueError as error:
        raise ValidationError({"name": [str(error)]}) from None
    if not name:
        raise ValidationError({"name": [_("Enter a name.")]})
    if len(name) > limit:
        message = _("Use at most %(limit)d characters; this has %(count)d.") % {
            "limit": limit,
            "count": len(name),
        }
        raise ValidationError({"name": [message]})
    return name


def clean_probability(raw: Any) -> int:
    """Return a win probability in whole percent, 0-100. Both "30" and "30%" give 30."""
    text = "" if raw is None else str(raw).strip().removesuffix("%").strip()
    value = None
    if not isinstance(raw, bool) and text.isascii() and text.isdigit():
        value = int(text)
    if value is None or value > 100:
        message = _("Enter a whole percent from 0 to 100, not “%(value)s”.") % {
            "value": "" if raw is None else raw
        }
        raise ValidationError({"win_probability": [message]})
    return value


def _final_probability_message(kind: str) -> str:
    if kind == StageKind.WON:
        return _("The won stage always has a win probability of %(percent)d%%.") % {
            "percent": FINAL_PROBABILITY[kind]
        }
    return _("The lost stage always has a win probability of %(percent)d%%.") % {
        "percent": FINAL_PROBABILITY[kind]
    }


def _duplicate_pipeline(name: str) -> ValidationError:
    return ValidationError(
        {"name": [_("A pipeline named “%(name)s” already exists.") % {"name": name}]}
    )


def _duplicate_stage(name: str) -> ValidationError:
    return ValidationError(
        {"name": [_("This pipeline already has a stage named “%(name)s”.") % {"name": name}]}
    )


def _check_pipeline_name(name: str, exclude: Pipeline | None = None) -> None:
    same = Pipeline.objects.filter(name__iexact=name)
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    if same.exists():
        raise _duplicate_pipeline(name)


def _check_stage_name(pipeline_id: int, name: str, exclude: Stage | None = None) -> None:
    same = Stage.objects.filter(pipeline_id=pipeline_id, name__iexact=name)
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    if same.exists():
        raise _duplicate_stage(name)


# Locks and order


def _lock(pipeline_id: int) -> Pipeline:
    """Lock a pipeline's row and return it as stored, or raise ValidationError if deleted."""
    found = Pipeline.objects.select_for_update().filter(pk=pipeline_id).first()
    if found is None:
        raise ValidationError(
            {"pipeline": [_("This pipeline was deleted. Reload the page and try again.")]}
        )
    return found


def _locked_stage(stage: Stage) -> tuple[Pipeline, Stage]:
    """Lock the stage's pipeline and return both as stored, or raise ValidationError."""
    pipeline = _lock(stage.pipeline_id)
    found = Stage.objects.filter(pk=stage.pk).first()
    if found is None:
        raise ValidationError(
            {"stage": [_("This stage was removed. Reload the page and try again.")]}
        )
    return pipeline, found


def stage_order(stage: Stage) -> tuple[int, int]:
    """Return the sort key of a stage in its pipeline: open stages, then won, then lost."""
    rank = {StageKind.OPEN: 0, StageKind.WON: 1, StageKind.LOST: 2}
    return rank[StageKind(stage.kind)], stage.position


def ordered_stages(pipeline_id: int) -> list[Stage]:
    """Return a pipeline's stages in their order: open stages, then won, then lost."""
    return sorted(Stage.objects.filter(pipeline_id=pipeline_id), key=stage_order)


def _renumber(pipeline_id: int, ordered: Sequence[Stage]) -> None:
    """Give the stages of `ordered`, every stage of the pipeline, positions 1, 2, 3...

    Positions are unique per pipeline and the database checks each row as it changes, so the
    stages first move past every position in use and then to their places.
    """
    in_use = Stage.objects.filter(pipeline_id=pipeline_id).values_list("position", flat=True)
    offset = max(in_use, default=0) + 1
    for index, stage in enumerate(ordered):
        stage.position = offset + index
    Stage.objects.bulk_update(ordered, ["position"])
    for index, stage in enumerate(ordered, start=1):
        stage.position = index
    Stage.objects.bulk_update(ordered, ["position"])


def _record(actor: User, pipeline: Pipeline, change: str, **detail: Any) -> None:
    audit.record(
        actor,
        AuditAction.PIPELINE_CHANGED,
        "pipeline",
        pipeline.public_id,
        {"change": change, **detail},
    )


# Pipelines


def create_pipeline(actor: User, name: str) -> Pipeline:
    """Add a pipeline with the default stage list (four open stages, won and lost).

    The new pipeline is not the default. Raises ValidationError on "name" for an empty, too
    long or taken name. Names compare without regard to case.
    """
    require_pipeline_manager(actor)
    cleaned = _clean_name(name, PIPELINE_NAME_LIMIT)
    _check_pipeline_name(cleaned)

    try:
        with transaction.atomic():
            pipeline = Pipeline.objects.create(name=cleaned, is_default=False)
            Stage.objects.bulk_create(
                Stage(
                    pipeline=pipeline,
                    name=stage_name,
                    position=position,
                    win_probability=probability,
                    kind=kind,
                )
                for position, (stage_name, probability, kind) in enumerate(DEFAULT_STAGES, start=1)
            )
            audit.record(
                actor,
                AuditAction.PIPELINE_CREATED,
                "pipeline",
                pipeline.public_id,
                {"name": cleaned, "stages": [stage_name for stage_name, _p, _k in DEFAULT_STAGES]},
            )
    except IntegrityError:
        raise _duplicate_pipeline(cleaned) from None
    return pipeline


def rename_pipeline(actor: User, pipeline: Pipeline, name: str) -> Pipeline:
    """Rename a pipeline. Its deals and stages stay as they are."""
    require_pipeline_manager(actor)
    cleaned = _clean_name(name, PIPELINE_NAME_LIMIT)

    try:
        with transaction.atomic():
            locked = _lock(pipeline.pk)
            if cleaned == locked.name:
                return locked
            _check_pipeline_name(cleaned, exclude=locked)
            old = locked.name
            locked.name = cleaned
            locked.save(update_fields=["name"])
            _record(actor, locked, "renamed", name=[old, cleaned])
    except IntegrityError:
        raise _duplicate_pipeline(cleaned) from None
    return locked


def make_default_pipeline(actor: User, pipeline: Pipeline) -> Pipeline:
    """Make `pipeline` the one new deals go into when they name none.

    The previous default stays as it is otherwise, with all its deals.
    """
    require_pipeline_manager(actor)

    with transaction.atomic():
        # Every pipeline, in id order: the old and the new default change together.
        pipelines = list(Pipeline.objects.select_for_update().order_by("pk"))
        locked = next((found for found in pipelines if found.pk == pipeline.pk), None)
        if locked is None:
            raise ValidationError(
                {"pipeline": [_("This pipeline was deleted. Reload the page and try again.")]}
            )
        if locked.is_default:
            return locked
        previous = next((found for found in pipelines if found.is_default), None)
        if previous is not None:
            # The constraint allows one default at a time, so the old one goes first.
            previous.is_default = False
            previous.save(update_fields=["is_default"])
        locked.is_default = True
        locked.save(update_fields=["is_default"])
        _record(actor, locked, "made_default", previous=previous.name if previous else None)
    return locked


def delete_pipeline(actor: User, pipeline: Pipeline) -> None:
    """Delete a pipeline and its stages. Only a pipeline that no deal uses can go.

    Raises ValidationError on "pipeline" for the default pipeline, and for one that deals use,
    naming how many: those deals keep their pipeline and history, so it stays.
    """
    require_pipeline_manager(actor)

    with transaction.atomic():
        locked = _lock(pipeline.pk)
        if locked.is_default:
            raise ValidationError(
                {
                    "pipeline": [
                        _(
                            "The default pipeline cannot be deleted. Make another pipeline the "
                            "default first."
                        )
                    ]
                }
            )
        count = Deal.objects.filter(pipeline=locked).count()
        if count:
            message = ngettext(
                "%(count)d deal uses the pipeline “%(name)s”, so it cannot be deleted.",
                "%(count)d deals use the pipeline “%(name)s”, so it cannot be deleted.",
                count,
            ) % {"count": count, "name": locked.name}
            raise ValidationError({"pipeline": [message]})
        public_id = locked.public_id
        name = locked.name
        locked.delete()
        audit.record(actor, AuditAction.PIPELINE_DELETED, "pipeline", public_id, {"name": name})


# Stages


def add_stage(actor: User, pipeline: Pipeline, name: str, win_probability: Any) -> Stage:
    """Add an open stage after the pipeline's last open stage, before won and lost.

    Raises ValidationError on "name" for an empty, too long or taken name, and on
    "win_probability" for anything but a whole percent from 0 to 100.
    """
    require_pipeline_manager(actor)
    errors: dict[str, list[str]] = {}
    cleaned = ""
    probability = 0
    try:
        cleaned = _clean_name(name, STAGE_NAME_LIMIT)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        probability = clean_probability(win_probability)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            locked = _lock(pipeline.pk)
            _check_stage_name(locked.pk, cleaned)
            stages = ordered_stages(locked.pk)
            stage = Stage.objects.create(
                pipeline=locked,
                name=cleaned,
                position=max((found.position for found in stages), default=0) + 1,
                win_probability=probability,
                kind=StageKind.OPEN,
            )
            open_count = sum(1 for found in stages if found.kind == StageKind.OPEN)
            _renumber(locked.pk, [*stages[:open_count], stage, *stages[open_count:]])
            _record(
                actor,
                locked,
                "stage_added",
                stage=str(stage.public_id),
                name=cleaned,
                win_probability=probability,
            )
    except IntegrityError:
        raise _duplicate_stage(cleaned) from None
    return stage


def update_stage(
    actor: User, stage: Stage, *, name: Any = None, win_probability: Any = None
) -> Stage:
    """Rename a stage or change its win probability. None leaves a value as it is.

    Deals in the stage stay there. Their history and timeline keep the name of each move as it
    was. Won and lost stages keep 100% and 0%: another probability raises ValidationError.
    """
    require_pipeline_manager(actor)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    try:
        if name is not None:
            values["name"] = _clean_name(name, STAGE_NAME_LIMIT)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        if win_probability is not None:
            values["win_probability"] = clean_probability(win_probability)
    except ValidationError as error:
        errors.update(error.message_dict)
    if (
        stage.is_final
        and values.get("win_probability", FINAL_PROBABILITY[stage.kind])
        != (FINAL_PROBABILITY[stage.kind])
    ):
        errors["win_probability"] = [_final_probability_message(stage.kind)]
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            pipeline, locked = _locked_stage(stage)
            changes = {
                key: [getattr(locked, key), value]
                for key, value in values.items()
                if getattr(locked, key) != value
            }
            if not changes:
                return locked
            if "name" in changes:
                _check_stage_name(pipeline.pk, values["name"], exclude=locked)
            for key in changes:
                setattr(locked, key, values[key])
            locked.save(update_fields=list(changes))
            _record(actor, pipeline, "stage_changed", stage=str(locked.public_id), changes=changes)
    except IntegrityError:
        raise _duplicate_stage(values["name"]) from None
    return locked


def reorder_stages(
    actor: User, pipeline: Pipeline, stage_ids: Sequence[uuid.UUID | str]
) -> list[Stage]:
    """Put the pipeline's open stages in the order of `stage_ids`. Won and lost stay last.

    `stage_ids` names every open stage of the pipeline exactly once, by public id. Raises
    ValidationError on "stages" otherwise. Returns every stage in its new order.
    """
    require_pipeline_manager(actor)

    with transaction.atomic():
        locked = _lock(pipeline.pk)
        stages = ordered_stages(locked.pk)
        open_stages = {str(stage.public_id): stage for stage in stages if not stage.is_final}
        wanted = [str(raw).strip() for raw in stage_ids]
        problems = [
            _("“%(value)s” is not an open stage of this pipeline.") % {"value": value}
            for value in wanted
            if value not in open_stages
        ]
        if len(set(wanted)) != len(wanted):
            problems.append(_("Name each stage once."))
        left_out = [stage.name for key, stage in open_stages.items() if key not in wanted]
        if left_out:
            problems.append(
                _("The order leaves out these open stages: %(names)s.")
                % {"names": "、".join(left_out)}
            )
        if problems:
            raise ValidationError({"stages": problems})
        new_order = [open_stages[key] for key in wanted]
        if new_order == [stage for stage in stages if not stage.is_final]:
            return stages
        ordered = [*new_order, *(stage for stage in stages if stage.is_final)]
        _renumber(locked.pk, ordered)
        _record(actor, locked, "stages_reordered", stages=[stage.name for stage in new_order])
    return ordered


def remove_stage(actor: User, stage: Stage, *, move_to: Stage | None = None) -> int:
    """Remove an open stage after moving its deals to `move_to`, and return how many moved.

    `move_to` must be another open stage of the same pipeline. It may be None only when no
    deal is in the stage. Each moved deal gets the move on its stage history, a "stage
    changed" event on its customer's timeline and an audit entry, as a move on its page would.
    Moving them needs no access to the deals: the settings change carries them along.
    Raises ValidationError on "stage" for the won and lost stages and for the last open stage,
    and on "move_to" for a missing or unsuitable target. Nothing changes on any error.
    """
    require_pipeline_manager(actor)

    now = clock.now()
    with transaction.atomic():
        pipeline, locked = _locked_stage(stage)
        if locked.is_final:
            raise ValidationError(
                {
                    "stage": [
                        _(
                            "The won and lost stages cannot be removed: every pipeline has "
                            "exactly one of each."
                        )
                    ]
                }
            )
        stages = ordered_stages(pipeline.pk)
        if sum(1 for found in stages if not found.is_final) == 1:
            raise ValidationError(
                {
                    "stage": [
                        _(
                            "A pipeline needs at least one open stage for new deals, so its "
                            "only open stage cannot be removed."
                        )
                    ]
                }
            )
        target = _move_target(pipeline, locked, move_to)
        deals = list(
            Deal.objects.select_for_update(of=("self",))
            .filter(stage=locked)
            .select_related("stage")
            .order_by("pk")
        )
        if deals:
            if target is None:
                message = ngettext(
                    "%(count)d deal is in the stage “%(name)s”. Choose a stage to move it to.",
                    "%(count)d deals are in the stage “%(name)s”. Choose a stage to move them to.",
                    len(deals),
                ) % {"count": len(deals), "name": locked.name}
                raise ValidationError({"move_to": [message]})
            for deal in deals:
                services.apply_stage_move(actor, deal, target, now=now)
        remaining = [found for found in stages if found.pk != locked.pk]
        public_id = locked.public_id
        name = locked.name
        locked.delete()
        _renumber(pipeline.pk, remaining)
        _record(
            actor,
            pipeline,
            "stage_removed",
            stage=str(public_id),
            name=name,
            moved_to=target.name if target is not None and deals else None,
            deals_moved=len(deals),
        )
    return len(deals)


def _move_target(pipeline: Pipeline, removed: Stage, move_to: Stage | None) -> Stage | None:
    """Return `move_to` as stored if it can take the removed stage's deals, else raise."""
    if move_to is None:
        return None
    found = Stage.objects.filter(pk=move_to.pk, pipeline=pipeline).first()
    if found is None or found.pk == removed.pk or found.is_final:
        raise unsuitable_target(pipeline)
    return found


def unsuitable_target(pipeline: Pipeline) -> ValidationError:
    """Return the error on "move_to" for a stage that cannot take a removed stage's deals."""
    return ValidationError(
        {
            "move_to": [
                _("Choose another open stage of the pipeline “%(name)s”.") % {"name": pipeline.name}
            ]
        }
    )


def stage_deal_counts(pipeline_ids: Sequence[int]) -> dict[int, int]:
    """Return the number of deals in each stage of the given pipelines, by stage id.

    The settings page shows it, so an administrator can see which removals need a target. The
    count covers every deal of the company, whatever the administrator's own data scope.
    """
    rows = (
        Deal.objects.filter(pipeline_id__in=pipeline_ids)
        .values("stage_id")
        .annotate(count=Count("pk"))
        .values_list("stage_id", "count")
    )
    return dict(rows)
