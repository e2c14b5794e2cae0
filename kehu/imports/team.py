"""Run a sales team roster through kehu.org.bulk and report it as the other imports report.

kehu.org sits below the customer records and may not import them. So its batch writer
returns its own result types, which this module turns into the importer's row results.
"""

from collections.abc import Sequence

from kehu.customers import bulk
from kehu.org import bulk as org_bulk

OUTCOMES = {
    org_bulk.CREATED: bulk.CREATED,
    org_bulk.UPDATED: bulk.UPDATED,
    org_bulk.SKIPPED: bulk.SKIPPED,
    org_bulk.REJECTED: bulk.REJECTED,
}


def import_users(
    context: bulk.ImportContext, items: Sequence[org_bulk.IncomingUser]
) -> bulk.BatchResult:
    """Write (or with a dry run, check) the users of a roster; undo records have no customer."""
    team = org_bulk.import_users(
        context.actor, items, on_duplicate=context.on_duplicate, dry_run=context.dry_run
    )
    result = bulk.BatchResult()
    for row in team.rows:
        row_result = bulk.RowResult(row.row, OUTCOMES[row.outcome], errors=list(row.errors))
        for field, message in row.warnings:
            row_result.warnings.append(message)
            row_result.warning_fields[message] = field
        result.rows.append(row_result)
    for change in team.changes:
        result.changes.append(
            bulk.Change(
                change.kind, change.action, change.object_id, 0, change.row, 1, change.before
            )
        )
    return result
