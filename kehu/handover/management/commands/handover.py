"""Hand over everything a user owns to one successor, with the same checks as the pages."""

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q

from kehu.handover.execute import RECORD_TYPES, count_records, execute_handover, locks_dropped
from kehu.handover.models import SuccessorMode
from kehu.handover.plan import PlanChoice, build_plan
from kehu.org.models import Preset, User


class _DryRun(Exception):
    """Raised to roll back the plan a dry run stored."""


class Command(BaseCommand):
    help = (
        "Move every customer, deal, contract, active ticket and received share of a user to a "
        "successor in one transaction, and print how many records of each type moved. Running "
        "it again moves nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="Username of the user whose records move.")
        parser.add_argument(
            "--to", dest="successor", required=True, help="Username of the successor."
        )
        parser.add_argument(
            "--as",
            dest="actor",
            help="Username of the user the handover runs as (default: the first active boss).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Change nothing; print what would move."
        )
        parser.add_argument(
            "--json", action="store_true", help="Print the result as one JSON object."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        predecessor = self._user(options["username"])
        successor = self._user(options["successor"])
        actor = self._user(options["actor"]) if options["actor"] else self._boss()
        choice = PlanChoice(mode=SuccessorMode.USERS, successors=[successor])
        dry_run: bool = options["dry_run"]

        counts: dict[str, int] = {}
        skipped = 0
        dropped = 0
        try:
            with transaction.atomic():
                handover = build_plan(actor, predecessor, choice)
                if dry_run:
                    counts = count_records(handover)
                    dropped = locks_dropped(handover)
                    raise _DryRun
                result = execute_handover(actor, handover)
                counts = result["totals"]
                skipped = result["skipped"]
                dropped = result["locks_dropped"]
        except _DryRun:
            pass
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(_error_text(error)) from None

        if options["json"]:
            report = {
                "from": predecessor.username,
                "to": successor.username,
                "dry_run": dry_run,
                "moved": {key: counts.get(key, 0) for key in RECORD_TYPES},
                "skipped": skipped,
                "locks_dropped": dropped,
            }
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        verb = "would move" if dry_run else "moved"
        self.stdout.write(f"{predecessor.username} → {successor.username}, {verb}:")
        for key in RECORD_TYPES:
            self.stdout.write(f"  {key}: {counts.get(key, 0)}")
        if skipped:
            self.stdout.write(f"  skipped (changed since planning): {skipped}")
        if dropped:
            self.stdout.write(f"  locks not kept (successor at the lock limit): {dropped}")

    def _user(self, username: str) -> User:
        user = User.objects.select_related("role").filter(username=username).first()
        if user is None:
            raise CommandError(f"No user has the username “{username}”.")
        return user

    def _boss(self) -> User:
        boss = (
            User.objects.filter(Q(role__preset=Preset.BOSS) | Q(is_superuser=True), is_active=True)
            .order_by("pk")
            .first()
        )
        if boss is None:
            raise CommandError("No active boss account exists; name the acting user with --as.")
        return boss


def _error_text(error: PermissionDenied | ValidationError) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)
