"""Keep a batch's new customers within their owners' limits (kehu.customers.ownership)."""

from kehu.customers import ownership
from kehu.customers.bulk.common import REJECTED, BatchResult, FileIndex, Plan
from kehu.org.models import User


def limit_to_room(plan: Plan, index: FileIndex, result: BatchResult) -> None:
    """Reject the planned new customers that would take their owner over a limit.

    Counts the batch's new customers per owner. In file order, an owner's first rows that fit
    are kept and the rest are rejected with the limit's message, together with the rows merged
    into them (contacts added, values updated). Called inside the writing transaction, where
    the limits lock each owner's user row (in owner id order), so a concurrent claim or import
    for the same owner waits and then counts this batch.
    """
    placeholders_of: dict[int, list[int]] = {}
    owners: dict[int, User] = {}
    for placeholder, planned in plan.creates.items():
        if planned.owner is not None:
            placeholders_of.setdefault(planned.owner.pk, []).append(placeholder)
            owners[planned.owner.pk] = planned.owner
    rejected: dict[int, str] = {}  # placeholder -> message
    for owner_id in sorted(placeholders_of):
        placeholders = placeholders_of[owner_id]
        fits, message = ownership.room(owners[owner_id], len(placeholders))
        rejected.update((placeholder, message) for placeholder in placeholders[fits:])
    if not rejected:
        return
    for placeholder in rejected:
        del plan.creates[placeholder]
        index.forget(placeholder)
    for row_result in result.rows:
        refusal = rejected.get(row_result.customer_id or 0)
        if refusal is None:
            continue
        row_result.outcome = REJECTED
        row_result.customer_id = None
        row_result.errors = [("owner", refusal)]
        row_result.warnings = []
        row_result.warning_fields = {}
