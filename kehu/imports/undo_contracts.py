"""Undo the contracts and payments received an import wrote; kehu.imports.undo calls these.

A contract counts as changed when it was saved after the import finished (its terms, status or
approval), or when someone added a version, a file, an instalment plan, a payment received or a
renewal to it. The timeline entries and the customer statuses the import moved are undone with
the other kinds of records (kehu.imports.undo_sales and kehu.imports.undo).
"""

import datetime as dt
from collections.abc import Iterator

from django.db.models import Q
from django.utils.translation import gettext as _

from kehu.imports.models import ImportRecord, RecordKind
from kehu.sales.models import Contract, Receipt

CHUNK = 1000


def changed_contract_records(
    records: list[ImportRecord],
    expected: dict[tuple[str, int], ImportRecord],
    finished: dt.datetime,
) -> list[str]:
    """Return a line for every contract or payment received of the import that changed after it."""
    changed: list[str] = []
    contract_ids = {r.object_id for r in records if r.kind == RecordKind.CONTRACT}
    receipt_ids = {r.object_id for r in records if r.kind == RecordKind.RECEIPT}
    contracts = dict(Contract.objects.filter(pk__in=contract_ids).values_list("pk", "number"))
    touched = set(
        Contract.objects.filter(pk__in=contract_ids)
        .filter(
            Q(updated_at__gt=finished)
            | Q(current_version__gt=1)
            | Q(versions__files__isnull=False)
            | Q(plans__isnull=False)
            | Q(renewal__isnull=False)
        )
        .values_list("pk", flat=True)
    )
    touched.update(
        Receipt.objects.filter(contract_id__in=contract_ids)
        .exclude(pk__in=receipt_ids)
        .values_list("contract_id", flat=True)
    )
    for pk in sorted(contract_ids):
        record = expected[(RecordKind.CONTRACT, pk)]
        if pk not in contracts:
            changed.append(_("row %(row)d: the contract was deleted") % {"row": record.row})
        elif pk in touched:
            changed.append(
                _("row %(row)d: contract “%(number)s”")
                % {"row": record.row, "number": contracts[pk]}
            )

    stored = set(Receipt.objects.filter(pk__in=receipt_ids).values_list("pk", flat=True))
    for pk in sorted(receipt_ids - stored):
        record = expected[(RecordKind.RECEIPT, pk)]
        changed.append(_("row %(row)d: the payment received was deleted") % {"row": record.row})
    return changed


def revert_contract_records(records: list[ImportRecord]) -> None:
    """Delete the payments received and then the contracts the import created.

    A contract's receipts protect it, so they go first; its versions go with it.
    """
    for kind, model in ((RecordKind.RECEIPT, Receipt), (RecordKind.CONTRACT, Contract)):
        for chunk in _chunks([r.object_id for r in records if r.kind == kind]):
            model.objects.filter(pk__in=chunk).delete()


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]
