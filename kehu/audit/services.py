"""Writing the audit log. Service functions call `record` inside their own transaction."""

from typing import Any

from kehu.audit.models import AuditEntry
from kehu.core import clock
from kehu.org.models import User


def record(
    actor: User | None,
    action: str,
    target_type: str,
    target_id: object,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry; `target_id` is the record's public id (any value is stored as text)."""
    return AuditEntry.objects.create(
        occurred_at=clock.now(),
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        detail=detail or {},
    )


def record_many(
    actor: User | None, action: str, target_type: str, entries: list[tuple[object, dict[str, Any]]]
) -> None:
    """Add one entry per (target id, detail) pair with one insert, for batch writers."""
    now = clock.now()
    AuditEntry.objects.bulk_create(
        (
            AuditEntry(
                occurred_at=now,
                actor=actor,
                action=action,
                target_type=target_type,
                target_id=str(target_id),
                detail=detail,
            )
            for target_id, detail in entries
        ),
        batch_size=500,
    )
