"""Undo the products and deals an import wrote; kehu.imports.undo calls these.

A deal counts as changed when its version moved (every deal service write moves it) or when
someone added a quote or contract to it. A product counts as changed when it was saved after
the import finished, or when a deal or quote that the import did not write uses it.
"""

import datetime as dt
from collections.abc import Iterator

from django.utils.translation import gettext as _

from kehu.imports.models import ImportRecord, RecordAction, RecordKind
from kehu.sales.models import Contract, Deal, DealLine, Product, QuoteLine
from kehu.timeline.models import Event


def changed_sales_records(
    records: list[ImportRecord],
    expected: dict[tuple[str, int], ImportRecord],
    finished: dt.datetime,
) -> list[str]:
    """Return a line for every product or deal of the import that changed after it."""
    changed: list[str] = []
    deal_ids = {r.object_id for r in records if r.kind == RecordKind.DEAL}
    deals = {
        pk: (version, name)
        for pk, version, name in Deal.objects.filter(pk__in=deal_ids).values_list(
            "pk", "version", "name"
        )
    }
    used = set(
        Contract.objects.filter(deal_id__in=deal_ids).values_list("deal_id", flat=True)
    ) | set(Deal.objects.filter(pk__in=deal_ids, quotes__isnull=False).values_list("pk", flat=True))
    for pk in sorted(deal_ids):
        record = expected[(RecordKind.DEAL, pk)]
        if pk not in deals:
            changed.append(_("row %(row)d: the deal was deleted") % {"row": record.row})
        elif deals[pk][0] != record.version or pk in used:
            changed.append(
                _("row %(row)d: deal “%(name)s”") % {"row": record.row, "name": deals[pk][1]}
            )

    product_ids = {r.object_id for r in records if r.kind == RecordKind.PRODUCT}
    created = {
        r.object_id
        for r in records
        if r.kind == RecordKind.PRODUCT and r.action == RecordAction.CREATED
    }
    products = dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "updated_at"))
    in_use = set(
        DealLine.objects.filter(product_id__in=created)
        .exclude(deal_id__in=deal_ids)
        .values_list("product_id", flat=True)
    ) | set(QuoteLine.objects.filter(product_id__in=created).values_list("product_id", flat=True))
    names = dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "name"))
    for pk in sorted(product_ids):
        record = expected[(RecordKind.PRODUCT, pk)]
        if pk not in products:
            changed.append(_("row %(row)d: the product was deleted") % {"row": record.row})
        elif products[pk] > finished or pk in in_use:
            changed.append(
                _("row %(row)d: product “%(name)s”")
                % {"row": record.row, "name": names.get(pk, "")}
            )
    return changed


def revert_sales_records(records: list[ImportRecord]) -> None:
    """Delete the deals, their timeline entries and the products the import created, and put
    back the values of the products it updated."""
    for chunk in _chunks([r.object_id for r in records if r.kind == RecordKind.EVENT]):
        Event.objects.filter(pk__in=chunk).delete()
    for chunk in _chunks([r.object_id for r in records if r.kind == RecordKind.DEAL]):
        Deal.objects.filter(pk__in=chunk).delete()
    created = []
    for record in records:
        if record.kind != RecordKind.PRODUCT:
            continue
        if record.action == RecordAction.CREATED:
            created.append(record.object_id)
        else:
            Product.objects.filter(pk=record.object_id).update(**record.before)
    for chunk in _chunks(created):
        Product.objects.filter(pk__in=chunk).delete()


def _chunks(ids: list[int], size: int = 1000) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
