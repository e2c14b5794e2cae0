"""Every write to products and deals. Pages, the API and later the importer call these.

Each function checks permission first, then the field policy, writes in one transaction, and
records the audit entry. Deal writes that a customer's history needs (created, moved, won, lost)
also add a timeline event on the customer.
"""

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock, money
from kehu.customers.models import Customer
from kehu.customers.queries import is_writable
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import Capability, User
from kehu.org.policy import policy_for
from kehu.org.visibility import may_own_customers, reaches_owner
from kehu.sales import cleaning
from kehu.sales.models import Deal, DealLine, Pipeline, Product, Stage, StageChange, StageKind
from kehu.sales.queries import may_edit_deals, may_manage_products, writable_deals
from kehu.sales.stages import default_pipeline, first_open_stage
from kehu.timeline import events

# Keys a deal edit may not carry: they change through their own actions.
PROTECTED_DEAL_KEYS = ("stage", "owner", "creator", "created_at", "closed_at", "lost_reason")


# Products


def _require_product_manager(actor: User) -> None:
    if not may_manage_products(actor):
        raise PermissionDenied(_("Your role may not manage products."))


def _product_detail(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: str(value) if value is not None else None for key, value in values.items()}


def create_product(actor: User, values: Mapping[str, Any]) -> Product:
    """Add a product to the catalogue. Needs the manage-fields capability; codes are unique."""
    _require_product_manager(actor)
    policy_for(actor).check_write(FieldTarget.PRODUCT, field_map(FieldTarget.PRODUCT), values)
    cleaned = cleaning.clean_product(values)

    now = clock.now()
    try:
        with transaction.atomic():
            product = Product.objects.create(**cleaned, created_at=now, updated_at=now)
            audit.record(
                actor,
                AuditAction.PRODUCT_CREATED,
                "product",
                product.public_id,
                _product_detail(cleaned),
            )
    except IntegrityError:
        raise _duplicate_code(cleaned["code"]) from None
    return product


def update_product(actor: User, product: Product, values: Mapping[str, Any]) -> Product:
    """Change the given fields of a product; retiring one sets `is_active` false."""
    _require_product_manager(actor)
    policy_for(actor).check_write(FieldTarget.PRODUCT, field_map(FieldTarget.PRODUCT), values)
    cleaned = cleaning.clean_product(values, partial=True)

    changed = {key: value for key, value in cleaned.items() if getattr(product, key) != value}
    if not changed:
        return product
    try:
        with transaction.atomic():
            for key, value in changed.items():
                setattr(product, key, value)
            product.updated_at = clock.now()
            product.save(update_fields=[*changed, "updated_at"])
            audit.record(
                actor,
                AuditAction.PRODUCT_CHANGED,
                "product",
                product.public_id,
                _product_detail(changed),
            )
    except IntegrityError:
        raise _duplicate_code(cleaned["code"]) from None
    return product


def _duplicate_code(code: str) -> ValidationError:
    return ValidationError(
        {"code": [_("Another product already has the code “%(code)s”.") % {"code": code}]}
    )


# Deals


def too_large_message() -> str:
    return _(
        "The lines add up to more than the largest amount Kehu keeps exactly, "
        "9,999,999,999,999.99 yuan. Check the quantities and prices."
    )


def check_deal_role(actor: User) -> None:
    """Raise PermissionDenied unless the actor's role may create and change deals at all."""
    if not may_edit_deals(actor):
        raise PermissionDenied(_("Your role may not create or change deals."))


def check_deal_creator(actor: User, customer: Customer) -> None:
    """Raise PermissionDenied unless `actor` may add deals to `customer`.

    The role must allow editing deals (`may_edit_deals`) and the customer must be writable for
    the actor. The deal form calls this before it shows anything.
    """
    check_deal_role(actor)
    if not is_writable(actor, customer):
        raise PermissionDenied(_("You may not change this customer's deals."))


def check_deal_editor(actor: User, deal: Deal) -> None:
    """Raise PermissionDenied unless `actor` may change `deal`."""
    check_deal_role(actor)
    if not writable_deals(actor).filter(pk=deal.pk).exists():
        raise PermissionDenied(_("You may not change this customer's deals."))


def check_deal_owner(actor: User, owner: User) -> None:
    """Raise unless `actor` may make `owner` a deal's owner.

    Anyone may own their own deals. Giving a deal to someone else needs the assign capability
    and an owner inside the actor's reach. Outside agents and deactivated users own no deals.
    """
    if not owner.is_active or not may_own_customers(owner):
        raise ValidationError(
            {"owner": [_("Outside agents and deactivated users cannot own deals.")]}
        )
    if owner.pk == actor.pk:
        return
    if actor.has_capability(Capability.ASSIGN) and reaches_owner(actor, owner):
        return
    raise PermissionDenied(_("You may not give deals to %(user)s.") % {"user": owner})


def find_deal_owner(actor: User, public_id: uuid.UUID) -> User:
    """Return the user with `public_id` if `actor` may make them a deal's owner.

    A missing user and a refused one get the same error on "owner", so the response does not
    reveal which user ids exist.
    """
    found = User.objects.select_related("role").filter(public_id=public_id).first()
    if found is not None:
        try:
            check_deal_owner(actor, found)
        except (PermissionDenied, ValidationError):
            found = None
    if found is None:
        raise ValidationError({"owner": [_("No user you may give deals to has this id.")]})
    return found


def _check_deal_fields(actor: User, values: Mapping[str, Any]) -> None:
    policy_for(actor).check_write(FieldTarget.DEAL, field_map(FieldTarget.DEAL), values)


def _refuse_protected(values: Mapping[str, Any]) -> None:
    errors = {
        key: [_("This field changes only through its own action, such as moving the stage.")]
        for key in PROTECTED_DEAL_KEYS
        if key in values
    }
    if errors:
        raise ValidationError(errors)


def _event_data(deal: Deal, **values: Any) -> dict[str, Any]:
    return events.deal_data(str(deal.public_id), deal.name, **values)


def create_deal(
    actor: User,
    customer: Customer,
    values: Mapping[str, Any],
    *,
    owner: User | None = None,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
) -> Deal:
    """Add a deal to a customer, owned by `owner` (default: the actor).

    The deal goes into `pipeline`, or the pipeline of `stage`, or else the default pipeline.
    It starts in `stage`, which must be an open stage of that pipeline, or in the pipeline's
    first open stage. Records "deal created" on the customer's timeline and an audit entry.
    """
    check_deal_creator(actor, customer)
    _refuse_protected(values)
    _check_deal_fields(actor, values)
    cleaned = cleaning.clean_deal(values)
    owner = owner or actor
    check_deal_owner(actor, owner)
    if pipeline is None:
        pipeline = stage.pipeline if stage is not None else default_pipeline()
    if stage is not None and (stage.pipeline_id != pipeline.pk or stage.is_final):
        raise ValidationError({"stage": [_("A new deal starts in an open stage.")]})

    now = clock.now()
    with transaction.atomic():
        if stage is None:
            lock_pipeline(pipeline.pk)
            stage = first_open_stage(pipeline)
        else:
            stage = lock_stage(stage)
        deal = Deal.objects.create(
            customer=customer,
            pipeline=pipeline,
            stage=stage,
            owner=owner,
            creator=actor,
            created_at=now,
            updated_at=now,
            **cleaned,
        )
        StageChange.objects.create(
            deal=deal, to_stage=stage, to_name=stage.name, actor=actor, occurred_at=now
        )
        data = _event_data(deal, amount=str(deal.amount), stage=stage.name)
        events.deal_created(customer.pk, actor, data).save()
        audit.record(
            actor,
            AuditAction.DEAL_CREATED,
            "deal",
            deal.public_id,
            {"customer": str(customer.public_id), "amount": str(deal.amount)},
        )
    return deal


def lock_pipeline(pipeline_id: int) -> None:
    """Lock a pipeline's row, or raise ValidationError on "pipeline" if it was deleted.

    Every write that puts a deal into a stage, and every change to a pipeline's stages
    (kehu.sales.pipelines), locks the pipeline row first, so no deal enters a stage that is
    being removed. Deal writes take FOR NO KEY UPDATE, because they leave the row as it is, and
    wait for each other within one pipeline for the moment a move takes. Call inside a
    transaction.
    """
    found = Pipeline.objects.select_for_update(no_key=True).filter(pk=pipeline_id).first()
    if found is None:
        raise ValidationError(
            {"pipeline": [_("This pipeline was deleted. Reload the page and choose another.")]}
        )


def lock_stage(stage: Stage) -> Stage:
    """Lock the stage's pipeline (`lock_pipeline`) and return the stage as stored now.

    Raises ValidationError on "stage" when the stage was removed since it was read.
    """
    lock_pipeline(stage.pipeline_id)
    found = Stage.objects.filter(pk=stage.pk).first()
    if found is None:
        raise ValidationError(
            {"stage": [_("This stage was removed. Reload the page and choose another.")]}
        )
    return found


def _lock(deal: Deal, expected_version: int | None) -> Deal:
    # Only the deal's row: a stage row lock would wait on the pipeline editor in another order.
    locked = Deal.objects.select_for_update(of=("self",)).select_related("stage").get(pk=deal.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(
            {
                "version": [
                    _("Someone else saved this deal after you opened it. Reload and try again.")
                ]
            }
        )
    if locked.stage.is_final:
        raise ValidationError(
            {"stage": [_("This deal is closed (won or lost) and can no longer change.")]}
        )
    return locked


def update_deal(
    actor: User,
    deal: Deal,
    values: Mapping[str, Any],
    *,
    owner: User | None = None,
    expected_version: int | None = None,
) -> Deal:
    """Change the given fields of an open deal, and its owner when `owner` is given.

    A deal with product lines takes its amount from them, so its amount is rejected here.
    Raises ValidationError on "version" when someone saved the deal since `expected_version`.
    """
    check_deal_editor(actor, deal)
    _refuse_protected(values)
    _check_deal_fields(actor, values)
    cleaned = cleaning.clean_deal(values, partial=True)
    if owner is not None:
        _check_deal_fields(actor, {"owner": owner})
        check_deal_owner(actor, owner)

    with transaction.atomic():
        locked = _lock(deal, expected_version)
        if "amount" in cleaned and locked.lines.exists() and cleaned["amount"] != locked.amount:
            raise ValidationError(
                {"amount": [_("This deal's amount is the total of its products; change those.")]}
            )
        changed = {key: value for key, value in cleaned.items() if getattr(locked, key) != value}
        if owner is not None and owner.pk != locked.owner_id:
            changed["owner"] = owner
        if not changed:
            return locked
        for key, value in changed.items():
            setattr(locked, key, value)
        locked.updated_at = clock.now()
        locked.version = F("version") + 1
        locked.save(update_fields=[*changed, "updated_at", "version"])
        detail = {key: str(value) for key, value in changed.items()}
        audit.record(actor, AuditAction.DEAL_CHANGED, "deal", locked.public_id, detail)
    locked.refresh_from_db()
    return locked


def set_deal_lines(
    actor: User,
    deal: Deal,
    lines: Sequence[Mapping[str, Any]],
    *,
    expected_version: int | None = None,
) -> Deal:
    """Replace the products of an open deal with `lines`, and set its amount to their total.

    Each line has "product" (a Product), "quantity" and optionally "unit_price" (default: the
    product's list price). Retired products may stay on a deal but not be added. With no
    lines the amount stays as it was. Errors are keyed "lines.<n>.<field>", counting from 1.
    """
    check_deal_editor(actor, deal)
    policy = policy_for(actor)
    line_specs = field_map(FieldTarget.DEAL_LINE)
    kept_products = set(deal.lines.values_list("product_id", flat=True))
    cleaned_lines: list[tuple[Product, dict[str, Any]]] = []
    errors: dict[str, list[str]] = {}
    for index, line in enumerate(lines, start=1):
        prefix = f"lines.{index}."
        values = {key: value for key, value in line.items() if key != "product"}
        try:
            policy.check_write(FieldTarget.DEAL_LINE, line_specs, values)
            product = line.get("product")
            if not isinstance(product, Product):
                raise ValidationError({"product": [_("Choose a product.")]})
            if not product.is_active and product.pk not in kept_products:
                raise ValidationError({"product": [_("This product is retired.")]})
            values.setdefault("unit_price", product.list_price)
            cleaned_lines.append((product, cleaning.clean_line(values, "")))
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors[prefix + key] = list(messages)
    if errors:
        raise ValidationError(errors)
    if money.too_large(
        [money.line_total(v["quantity"], v["unit_price"]) for _p, v in cleaned_lines]
    ):
        raise ValidationError({"lines": [too_large_message()]})
    if cleaned_lines:
        _check_deal_fields(actor, {"amount": None})

    with transaction.atomic():
        locked = _lock(deal, expected_version)
        locked.lines.all().delete()
        DealLine.objects.bulk_create(
            DealLine(deal=locked, product=product, position=position, **values)
            for position, (product, values) in enumerate(cleaned_lines, start=1)
        )
        update_fields = ["updated_at", "version"]
        if cleaned_lines:
            locked.amount = money.total(
                [money.line_total(v["quantity"], v["unit_price"]) for _p, v in cleaned_lines]
            )
            update_fields.append("amount")
        locked.updated_at = clock.now()
        locked.version = F("version") + 1
        locked.save(update_fields=update_fields)
        detail = {"lines": len(cleaned_lines), "amount": str(locked.amount)}
        audit.record(actor, AuditAction.DEAL_LINES_SET, "deal", locked.public_id, detail)
    locked.refresh_from_db()
    return locked


def move_deal_stage(
    actor: User,
    deal: Deal,
    stage: Stage,
    *,
    lost_reason: str = "",
    expected_version: int | None = None,
) -> Deal:
    """Move an open deal to another stage of its pipeline.

    Won and lost stages are final: a deal there no longer moves. Moving to a lost stage needs
    a `lost_reason`. Closing sets `closed_at`. Records the move in the deal's stage history,
    on the customer's timeline (stage changed, won or lost) and in the audit log.
    """
    check_deal_editor(actor, deal)
    _check_deal_fields(actor, {"stage": stage.pk})
    reason = cleaning.clean_reason(lost_reason)
    if stage.kind == StageKind.LOST:
        if not reason:
            raise ValidationError({"lost_reason": [_("Enter why the deal was lost.")]})
        _check_deal_fields(actor, {"lost_reason": reason})

    now = clock.now()
    with transaction.atomic():
        stage = lock_stage(stage)
        locked = _lock(deal, expected_version)
        if stage.pipeline_id != locked.pipeline_id:
            raise ValidationError({"stage": [_("This stage belongs to another pipeline.")]})
        if stage.pk == locked.stage_id:
            return locked
        apply_stage_move(actor, locked, stage, now=now, reason=reason)
    locked.refresh_from_db()
    return locked


def apply_stage_move(
    actor: User, locked: Deal, stage: Stage, *, now: dt.datetime, reason: str = ""
) -> None:
    """Move an open deal to `stage` and record the move.

    Writes the deal (closing it in a final stage), its stage history, the customer's timeline
    event (stage changed, won or lost) and the audit entry. The caller has checked the
    permission and the stage, and holds the pipeline lock (`lock_stage`) and the deal's row lock.
    """
    old_stage = locked.stage
    locked.stage = stage
    update_fields = ["stage", "updated_at", "version"]
    if stage.is_final:
        locked.closed_at = now
        update_fields.append("closed_at")
    if stage.kind == StageKind.LOST:
        locked.lost_reason = reason
        update_fields.append("lost_reason")
    locked.updated_at = now
    locked.version = F("version") + 1
    locked.save(update_fields=update_fields)
    StageChange.objects.create(
        deal=locked,
        from_stage=old_stage,
        to_stage=stage,
        from_name=old_stage.name,
        to_name=stage.name,
        actor=actor,
        occurred_at=now,
    )
    _record_move(actor, locked, old_stage, stage, reason)


def _record_move(actor: User, deal: Deal, old: Stage, new: Stage, reason: str) -> None:
    data = _event_data(deal, **{"from": old.name, "to": new.name})
    if new.kind == StageKind.WON:
        event = events.deal_won(deal.customer_id, actor, {**data, "amount": str(deal.amount)})
    elif new.kind == StageKind.LOST:
        event = events.deal_lost(deal.customer_id, actor, {**data, "reason": reason})
    else:
        event = events.deal_stage_changed(deal.customer_id, actor, data)
    event.save()
    audit.record(
        actor,
        AuditAction.DEAL_STAGE_MOVED,
        "deal",
        deal.public_id,
        {"from": old.name, "to": new.name, "reason": reason},
    )


def _uuid_or_none(raw: uuid.UUID | str) -> uuid.UUID | None:
    try:
        return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
    except ValueError:
        return None


def stage_for(deal: Deal, public_id: uuid.UUID | str) -> Stage:
    """Return the stage of the deal's pipeline with `public_id`, or ValidationError on "stage"."""
    found = _uuid_or_none(public_id)
    stage = (
        Stage.objects.filter(pipeline_id=deal.pipeline_id, public_id=found).first()
        if found is not None
        else None
    )
    if stage is None:
        raise ValidationError({"stage": [_("Choose a stage of this deal's pipeline.")]})
    return stage


def new_deal_stage(
    pipeline_id: uuid.UUID | str | None, stage_id: uuid.UUID | str | None
) -> tuple[Pipeline | None, Stage | None]:
    """Return the pipeline and open stage that a new deal's form or request names.

    Either id may be missing: `create_deal` then takes the stage's pipeline, or the default
    pipeline, and that pipeline's first open stage. Raises ValidationError on "pipeline" or
    "stage" for an id that names no pipeline, or no open stage of the chosen pipeline.
    """
    pipeline = None
    if pipeline_id:
        found_pipeline = _uuid_or_none(pipeline_id)
        if found_pipeline is not None:
            pipeline = Pipeline.objects.filter(public_id=found_pipeline).first()
        if pipeline is None:
            raise ValidationError({"pipeline": [_("Choose a pipeline from the list.")]})
    if not stage_id:
        return pipeline, None
    found_stage = _uuid_or_none(stage_id)
    stage = None
    if found_stage is not None:
        stages = Stage.objects.filter(public_id=found_stage, kind=StageKind.OPEN)
        if pipeline is not None:
            stages = stages.filter(pipeline=pipeline)
        stage = stages.select_related("pipeline").first()
    if stage is None and pipeline is not None:
        message = _("Choose an open stage of the pipeline “%(name)s”.") % {"name": pipeline.name}
        raise ValidationError({"stage": [message]})
    if stage is None:
        raise ValidationError({"stage": [_("A new deal starts in an open stage.")]})
    return pipeline, stage
