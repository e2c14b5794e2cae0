import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = (
        "Refresh the database's query-planner statistics (ANALYZE). Run it after a large "
        "import: without current statistics SQLite picks slow plans for users who own many "
        "customers."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        seconds = time.monotonic() - started
        self.stdout.write(f"ANALYZE finished in {seconds:.1f} s on {connection.vendor}.")
