import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kehu.core import clock
from kehu.pool import sweep


class Command(BaseCommand):
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
        verb = "would reclaim" if dry_run else "reclaimed"
        warn_verb = "would warn" if dry_run else "warned"
        if not results:
            self.stdout.write("No pool has a reclaim rule switched on.")
        for result in results:
            self.stdout.write(
                f"{result.pool_name}  {result.cause}: {verb} {result.reclaimed}, "
                f"{warn_verb} {result.warned}"
            )
        total = sum(result.reclaimed for result in results)
        self.stdout.write(f"Total {verb} {total} on {today.isoformat()} in {seconds} s.")
