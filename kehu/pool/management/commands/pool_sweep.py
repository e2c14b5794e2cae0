import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.pool import sweep
from kehu.pool.models import EntryCause


class Command(BaseCommand):
    """Run the pool sweep once and print its counts.

    The text output is in the active language (settings.LANGUAGE_CODE unless the caller
    activates another); the --json output keeps stable English keys and rule identifiers.
    """

    help = (
        "Reclaim the customers whose owners let a pool rule run out, and record warnings for "
        "those due soon. Prints, per pool and rule, how many customers were reclaimed and "
        "warned."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="change nothing; print what a sweep would do now",
        )
        parser.add_argument(
            "--json", action="store_true", help="print the result as one JSON object"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        today = clock.today()
        started = time.monotonic()
        results = sweep.sweep_pools(dry_run=dry_run, today=today)
        seconds = round(time.monotonic() - started, 2)
        if options["json"]:
            report = {
                "day": today.isoformat(),
                "dry_run": dry_run,
                "seconds": seconds,
                "results": [result.as_dict() for result in results],
            }
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        if not results:
            self.stdout.write(_("No pool has a reclaim rule switched on."))
        for result in results:
            values = {
                "pool": result.pool_name,
                "rule": EntryCause(result.cause).label,
                "reclaimed": result.reclaimed,
                "warned": result.warned,
            }
            if dry_run:
                line = _("%(pool)s (%(rule)s): would reclaim %(reclaimed)d, would warn %(warned)d")
            else:
                line = _("%(pool)s (%(rule)s): reclaimed %(reclaimed)d, warned %(warned)d")
            self.stdout.write(line % values)
        totals = {
            "total": sum(result.reclaimed for result in results),
            "day": today.isoformat(),
            "seconds": seconds,
        }
        if dry_run:
            summary = _("A sweep on %(day)s would reclaim %(total)d in total (%(seconds)s s).")
        else:
            summary = _("Reclaimed %(total)d in total on %(day)s (%(seconds)s s).")
        self.stdout.write(summary % totals)
