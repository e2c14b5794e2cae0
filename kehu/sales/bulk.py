"""Batch writes of products and historical deals, for the importer.

They clean each row with the same functions as the single-record services in
kehu.sales.services and check the same permissions, then write a whole batch with a few bulk
inserts. With `dry_run` they stop before writing and return what would happen, so the dry run
and the import decide every row the same way.

A deal row names its customer by name or credit code among the customers the importer may
change, its product by code or name, and its stage by name within its pipeline. A value that
names nothing is an error of its row: the importer never creates a customer, product or stage
that a deal row only mentions.
"""

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import clock, money
from kehu.customers.bulk import (
    CREATE,
    CREATED,
    REJECTED,
    SKIPPED,
    UPDATE,
    UPDATED,
    BatchResult,
    Change,
    ImportContext,
    RowResult,
)
from kehu.org.models import Capability, User
from kehu.sales import cleaning
from kehu.sales.bulk_customers import CustomerLookup, keyed_errors
from kehu.sales.models import Deal, DealLine, Pipeline, Product, Stage, StageChange, StageKind
from kehu.sales.queries import may_edit_deals, may_manage_products
from kehu.sales.services import check_deal_owner, too_large_message
from kehu.sales.stages import default_pipeline
from kehu.timeline import events
from kehu.timeline.models import Event

EXTERNAL_REF_LIMIT = 100
# Stage names of other systems that mean won or lost, for files whose stage names differ from
# the pipeline's own won and lost stages.
WON_NAMES = frozenset({"won", "closed won", "closed-won", "赢单", "成交", "已成交", "赢得"})
LOST_NAMES = frozenset({"lost", "closed lost", "closed-lost", "输单", "丢单", "失败", "已输单"})


@dataclasses.dataclass
class IncomingProduct:
    row: int
    values: dict[str, Any]


@dataclasses.dataclass
class IncomingDeal:
    row: int
    values: dict[str, Any]  # deal field key -> cell value
    customer_name: str = ""
    credit_code: str = ""
    product: str = ""
    line: dict[str, Any] = dataclasses.field(default_factory=dict)
    owner: User | None = None
    created_at: dt.datetime | None = None


# Products


def import_products(
    context: ImportContext, items: Sequence[IncomingProduct], seen: set[str]
) -> BatchResult:
    """Clean, check and (unless a dry run) write products; a product is known by its code.

    A row without a code uses its name as the code and is known by its name: a stored product
    or an earlier row whose name differs only in spaces, dashes or case is the same product. A
    duplicate is skipped, or the stored product updated with the row's values (keeping its name
    and code when the row has no code).
    Raises PermissionDenied unless the actor may import and manage products.
    """
    actor = context.actor
    if not (actor.has_capability(Capability.IMPORT) and may_manage_products(actor)):
        raise PermissionDenied(_("Your role may not import products."))
    result = BatchResult()
    cleaned_rows: list[tuple[IncomingProduct, dict[str, Any]]] = []
    for item in items:
        values = dict(item.values)
        if not values.get("code") and values.get("name"):
            values["code"] = values["name"]
        try:
            cleaned = cleaning.clean_product(values)
        except ValidationError as error:
            errors = keyed_errors("product", error)
            if "code" not in item.values:
                # The code would be the name, so the name's error is enough.
                errors = [(key, text) for key, text in errors if key != "product.code"]
            result.rows.append(RowResult(item.row, REJECTED, errors=errors))
            continue
        cleaned_rows.append((item, cleaned))

    codes = {cleaned["code"] for _item, cleaned in cleaned_rows}
    stored = {product.code: product for product in Product.objects.filter(code__in=codes)}
    by_loose_name: dict[str, Product] = {}
    if any("code" not in item.values for item, _cleaned in cleaned_rows):
        for product in Product.objects.order_by("pk"):
            by_loose_name.setdefault(_loose(product.name), product)
    creates: list[tuple[IncomingProduct, dict[str, Any]]] = []
    updates: list[tuple[IncomingProduct, Product, dict[str, Any]]] = []
    for item, cleaned in cleaned_rows:
        code = cleaned["code"]
        by_name = "code" not in item.values
        # A row without a code is known by its name, whatever its spaces and case.
        key = f"name:{_loose(cleaned['name'])}" if by_name else code
        existing = stored.get(code)
        if existing is None and by_name:
            existing = by_loose_name.get(_loose(cleaned["name"]))
        repeated = key in seen
        seen.add(key)
        if existing is None and not repeated:
            creates.append((item, cleaned))
            result.rows.append(RowResult(item.row, CREATED))
            continue
        if existing is not None and context.on_duplicate == UPDATE and not repeated:
            kept = ("code", "name") if by_name else ()
            changed = {
                k: v for k, v in cleaned.items() if k not in kept and getattr(existing, k) != v
            }
            updates.append((item, existing, changed))
            result.rows.append(RowResult(item.row, UPDATED))
            continue
        if repeated:
            message = (
                _("An earlier row of the file has the product “%(name)s”.")
                % {"name": cleaned["name"]}
                if by_name
                else _("An earlier row of the file has the product code “%(code)s”.")
                % {"code": code}
            )
        elif by_name and existing is not None:
            message = _("The product “%(name)s” already exists.") % {"name": existing.name}
        else:
            message = _("A product with the code “%(code)s” already exists.") % {"code": code}
        result.rows.append(RowResult(item.row, SKIPPED, warnings=[message]))
        result.rows[-1].warning_fields[message] = "product.name" if by_name else "product.code"

    if context.dry_run or not (creates or updates):
        return result
    now = clock.now()
    with transaction.atomic():
        products = [
            Product(created_at=now, updated_at=now, **cleaned) for _item, cleaned in creates
        ]
        Product.objects.bulk_create(products)
        for product, (item, _cleaned) in zip(products, creates, strict=True):
            result.changes.append(Change("product", "created", product.pk, 0, item.row, 1))
        for item, product, changed in updates:
            before = {key: _json_value(getattr(product, key)) for key in changed}
            for key, value in changed.items():
                setattr(product, key, value)
            product.updated_at = now
            product.save(update_fields=[*changed, "updated_at"])
            result.changes.append(Change("product", "updated", product.pk, 0, item.row, 1, before))
    return result


def _json_value(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


# Deals


@dataclasses.dataclass
class _Lookups:
    """The customers, pipelines, stages and products a batch of deal rows names."""

    customers: CustomerLookup
    pipelines: dict[str, Pipeline]
    default: Pipeline
    stages: dict[int, list[Stage]]
    products_by_code: dict[str, Product]
    products_by_name: dict[str, list[Product]]
    products_by_loose_name: dict[str, list[Product]]


def _loose(text: str) -> str:
    """Return a name without spaces, dashes or case, for suggesting what a file meant."""
    return re.sub(r"[\s\-_]+", "", text).casefold()


def _lookups(actor: User, items: Sequence[IncomingDeal], pipeline: Pipeline | None) -> _Lookups:
    customers = CustomerLookup.load(
        actor, (item.customer_name for item in items), (item.credit_code for item in items)
    )
    default = pipeline or default_pipeline()
    pipelines = {pipeline.name.casefold(): pipeline for pipeline in Pipeline.objects.all()}
    stages: dict[int, list[Stage]] = {}
    for stage in Stage.objects.order_by("pipeline_id", "position"):
        stages.setdefault(stage.pipeline_id, []).append(stage)

    products = list(Product.objects.all())
    products_by_name: dict[str, list[Product]] = {}
    loose: dict[str, list[Product]] = {}
    for product in products:
        products_by_name.setdefault(product.name.strip().casefold(), []).append(product)
        loose.setdefault(_loose(product.name), []).append(product)
    return _Lookups(
        customers,
        pipelines,
        default,
        stages,
        {product.code.casefold(): product for product in products},
        products_by_name,
        loose,
    )


def import_deals(
    context: ImportContext,
    items: Sequence[IncomingDeal],
    seen: set[str],
    pipeline: Pipeline | None = None,
) -> BatchResult:
    """Clean, check and (unless a dry run) write historical deals of existing customers.

    Deals go to `pipeline` (None: the default pipeline) unless a row names another one.
    A deal with the ID of a stored deal or of an earlier row (`external_ref`) is a duplicate:
    skipped, unless duplicates are to be created. Each deal gets its stage history and a
    "deal created" entry on its customer's timeline at its creation time, and a closed deal
    a "won" or "lost" entry at its closing time. Raises PermissionDenied unless the actor may
    import and create deals.
    """
    actor = context.actor
    if not (actor.has_capability(Capability.IMPORT) and may_edit_deals(actor)):
        raise PermissionDenied(_("Your role may not import deals."))
    if not context.dry_run:
        # The pipeline editor locks a pipeline's row before it removes a stage, so the stages
        # read below stay until this batch's transaction ends.
        list(
            Pipeline.objects.select_for_update(no_key=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    lookups = _lookups(actor, items, pipeline)
    refs = {str(item.values.get("external_ref", "")).strip() for item in items}
    refs.discard("")
    stored_refs = set(
        Deal.objects.filter(external_ref__in=refs).values_list("external_ref", flat=True)
    )
    now = clock.now()
    result = BatchResult()
    planned: list[tuple[IncomingDeal, Deal, DealLine | None]] = []
    for item in items:
        errors: list[tuple[str, str]] = []
        built = _build_deal(context, item, lookups, now, errors)
        if built is None:
            result.rows.append(RowResult(item.row, REJECTED, errors=errors))
            continue
        deal, line = built
        ref = deal.external_ref
        if ref and (ref in stored_refs or ref in seen) and context.on_duplicate != CREATE:
            message = (
                _("An earlier row of the file has the deal ID “%(id)s”.")
                if ref in seen
                else _("A deal with the ID “%(id)s” was imported before.")
            ) % {"id": ref}
            row_result = RowResult(item.row, SKIPPED, customer_id=deal.customer_id)
            row_result.warnings.append(message)
            row_result.warning_fields[message] = "deal.external_ref"
            result.rows.append(row_result)
            continue
        if ref:
            seen.add(ref)
        planned.append((item, deal, line))
        result.rows.append(RowResult(item.row, CREATED, customer_id=deal.customer_id))

    if context.dry_run or not planned:
        return result
    with transaction.atomic():
        _write_deals(context, planned, result, now)
    return result


def _build_deal(
    context: ImportContext,
    item: IncomingDeal,
    lookups: _Lookups,
    now: dt.datetime,
    errors: list[tuple[str, str]],
) -> tuple[Deal, DealLine | None] | None:
    """Return the unsaved deal a row describes and its line, or None with `errors` filled."""
    customer_id = lookups.customers.find(
        item.customer_name,
        item.credit_code,
        errors,
        _("The row names no customer; a deal needs one."),
    )

    values = item.values
    pipeline, stage = _find_stage(values, lookups, errors)
    product = _find_product(item.product, lookups, errors) if item.product else None
    own: dict[str, Any] = {
        key: values[key] for key in ("name", "amount", "expected_close_on") if key in values
    }
    if "name" not in own:
        if product is not None:
            own["name"] = product.name
        elif not item.product:
            errors.append(("deal.name", _("Enter the deal's name, or map a product column.")))
    try:
        cleaned = cleaning.clean_deal(own, partial=True)
    except ValidationError as error:
        errors.extend(keyed_errors("deal", error))
        cleaned = {}

    reason = ""
    if values.get("lost_reason"):
        try:
            reason = cleaning.clean_reason(values["lost_reason"])
        except ValidationError as error:
            errors.extend(keyed_errors("deal", error))
    ref = str(values.get("external_ref", "")).strip()
    if len(ref) > EXTERNAL_REF_LIMIT:
        errors.append(
            (
                "deal.external_ref",
                _("Use at most %(limit)d characters; this has %(count)d.")
                % {"limit": EXTERNAL_REF_LIMIT, "count": len(ref)},
            )
        )

    owner = item.owner or context.owner or context.actor
    try:
        check_deal_owner(context.actor, owner)
    except (PermissionDenied, ValidationError) as error:
        message = error.messages[0] if isinstance(error, ValidationError) else str(error)
        errors.append(("deal.owner", message))

    closed_at = _closed_at(values.get("closed_at"), stage, item.created_at, errors)
    # A closed deal without a known creation time is taken as created when it closed, so a
    # role that may not import creation times can still import its closed deals.
    created_at = item.created_at or closed_at or now
    line, amount = _line_and_amount(item, product, cleaned.get("amount"), errors)
    if errors or customer_id is None or pipeline is None or stage is None:
        return None
    deal = Deal(
        customer_id=customer_id,
        name=cleaned["name"],
        amount=amount,
        expected_close_on=cleaned.get("expected_close_on"),
        pipeline=pipeline,
        stage=stage,
        lost_reason=reason if stage.kind == StageKind.LOST else "",
        owner=owner,
        creator=context.actor,
        created_at=created_at,
        updated_at=now,
        closed_at=closed_at,
        external_ref=ref,
    )
    return deal, line


def _find_stage(
    values: dict[str, Any], lookups: _Lookups, errors: list[tuple[str, str]]
) -> tuple[Pipeline | None, Stage | None]:
    pipeline = lookups.default
    name = str(values.get("pipeline", "")).strip()
    if name:
        found = lookups.pipelines.get(name.casefold())
        if found is None:
            choices = "、".join(p.name for p in lookups.pipelines.values())
            errors.append(
                (
                    "deal.pipeline",
                    _("“%(value)s” is not a pipeline. The pipelines are: %(choices)s.")
                    % {"value": name, "choices": choices},
                )
            )
            return None, None
        pipeline = found
    stages = lookups.stages.get(pipeline.pk, [])
    stage_name = str(values.get("stage", "")).strip()
    if not stage_name:
        first_open = next((s for s in stages if s.kind == StageKind.OPEN), None)
        if first_open is None:
            message = _("The pipeline “%(pipeline)s” has no open stage for new deals.") % {
                "pipeline": pipeline.name
            }
            errors.append(("deal.stage", message))
        return pipeline, first_open
    for stage in stages:
        if stage.name.casefold() == stage_name.casefold():
            return pipeline, stage
    kind = {**dict.fromkeys(WON_NAMES, StageKind.WON), **dict.fromkeys(LOST_NAMES, StageKind.LOST)}
    final = kind.get(stage_name.casefold())
    for stage in stages:
        if final is not None and stage.kind == final:
            return pipeline, stage
    errors.append(
        (
            "deal.stage",
            _(
                "“%(value)s” is not a stage of the pipeline “%(pipeline)s”. Its stages are: "
                "%(choices)s."
            )
            % {
                "value": stage_name,
                "pipeline": pipeline.name,
                "choices": "、".join(stage.name for stage in stages),
            },
        )
    )
    return pipeline, None


def _find_product(value: str, lookups: _Lookups, errors: list[tuple[str, str]]) -> Product | None:
    text = value.strip()
    by_code = lookups.products_by_code.get(text.casefold())
    if by_code is not None:
        return by_code
    by_name = lookups.products_by_name.get(text.casefold(), [])
    if len(by_name) == 1:
        return by_name[0]
    if by_name:
        errors.append(
            (
                "deal_line.product",
                _("%(count)d products are named “%(name)s”; use the product code instead.")
                % {"count": len(by_name), "name": text},
            )
        )
        return None
    similar = lookups.products_by_loose_name.get(_loose(text), [])
    if similar:
        message = _(
            "No product is named or coded “%(value)s”. Did you mean “%(similar)s”? Correct the "
            "file, or rename the product, and import the rejected rows again."
        ) % {"value": text, "similar": similar[0].name}
    else:
        message = _(
            "No product is named or coded “%(value)s”. Add it to the products first, or "
            "correct the file."
        ) % {"value": text}
    errors.append(("deal_line.product", message))
    return None


def _closed_at(
    raw: Any, stage: Stage | None, created_at: dt.datetime | None, errors: list[tuple[str, str]]
) -> dt.datetime | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, dt.datetime):
        raise TypeError("the importer converts close dates to datetimes")
    if stage is not None and not stage.is_final:
        errors.append(
            (
                "deal.closed_at",
                _(
                    "The deal is in the open stage “%(stage)s”, so it has no close date. Map the "
                    "column to the expected close date if that is what it holds."
                )
                % {"stage": stage.name},
            )
        )
        return None
    if created_at is not None and raw < created_at:
        errors.append(
            (
                "deal.closed_at",
                _("The deal closed before it was created (%(created)s).")
                % {"created": created_at.date().isoformat()},
            )
        )
        return None
    return raw


def _line_and_amount(
    item: IncomingDeal,
    product: Product | None,
    amount: Decimal | None,
    errors: list[tuple[str, str]],
) -> tuple[DealLine | None, Decimal]:
    """Return the deal's product line and amount; the amount is the line's total.

    A unit price missing from the file comes from the amount (amount / quantity, when that is
    exact to the fen) or else from the product's list price.
    """
    if product is None:
        return None, amount if amount is not None else Decimal("0.00")
    try:
        quantity = cleaning.quantity_value(item.line.get("quantity", "1"))
    except ValueError as error:
        errors.append(("deal_line.quantity", str(error)))
        return None, Decimal("0.00")
    price: Decimal | None = None
    if "unit_price" in item.line:
        try:
            price = cleaning.money_value(item.line["unit_price"], required=True)
        except ValueError as error:
            errors.append(("deal_line.unit_price", str(error)))
            return None, Decimal("0.00")
    if price is None:
        price = money.quantize(amount / quantity) if amount is not None else product.list_price
    total = money.line_total(quantity, price)
    if money.too_large([total]):
        errors.append(("deal.amount", too_large_message()))
        return None, Decimal("0.00")
    if amount is not None and total != amount:
        errors.append(
            (
                "deal.amount",
                _(
                    "The amount %(amount)s is not the quantity %(quantity)s times the unit price "
                    "%(price)s (%(total)s)."
                )
                % {
                    "amount": amount,
                    "quantity": format(quantity.normalize(), "f"),
                    "price": price,
                    "total": total,
                },
            )
        )
        return None, Decimal("0.00")
    line = DealLine(product=product, quantity=quantity, unit_price=price, position=1)
    return line, total


def _write_deals(
    context: ImportContext,
    planned: list[tuple[IncomingDeal, Deal, DealLine | None]],
    result: BatchResult,
    now: dt.datetime,
) -> None:
    deals = [deal for _item, deal, _line in planned]
    Deal.objects.bulk_create(deals, batch_size=500)
    lines = []
    for _item, deal, line in planned:
        if line is not None:
            line.deal = deal
            lines.append(line)
    DealLine.objects.bulk_create(lines, batch_size=500)
    StageChange.objects.bulk_create(
        (
            StageChange(
                deal=deal,
                to_stage=deal.stage,
                to_name=deal.stage.name,
                actor=context.actor,
                occurred_at=deal.closed_at or deal.created_at,
            )
            for deal in deals
        ),
        batch_size=500,
    )
    timeline = list(_events(context, planned))
    Event.objects.bulk_create([event for _row, event in timeline], batch_size=500)
    for item, deal, _line in planned:
        result.changes.append(Change("deal", "created", deal.pk, deal.customer_id, item.row, 1))
    for row, event in timeline:
        result.changes.append(Change("event", "created", event.pk, event.customer_id, row, 1))


def _events(
    context: ImportContext, planned: Iterable[tuple[IncomingDeal, Deal, DealLine | None]]
) -> Iterable[tuple[int, Event]]:
    imported = {"import": context.import_id, "file": context.file_name}
    for item, deal, _line in planned:
        data = events.deal_data(
            str(deal.public_id), deal.name, amount=str(deal.amount), stage=deal.stage.name
        )
        created = events.deal_created(deal.customer_id, context.actor, {**data, **imported})
        created.occurred_at = deal.created_at
        yield item.row, created
        if deal.stage.kind == StageKind.WON:
            closing = events.deal_won(deal.customer_id, context.actor, {**data, **imported})
        elif deal.stage.kind == StageKind.LOST:
            closing = events.deal_lost(
                deal.customer_id, context.actor, {**data, "reason": deal.lost_reason, **imported}
            )
        else:
            continue
        closing.occurred_at = deal.closed_at or deal.created_at
        yield item.row, closing


__all__ = ["IncomingDeal", "IncomingProduct", "import_deals", "import_products"]
