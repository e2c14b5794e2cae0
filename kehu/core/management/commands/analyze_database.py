from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from kehu.core.db import refresh_statistics


class Command(BaseCommand):
    help = (
        "Refresh the database's query-planner statistics (ANALYZE). Imports of many rows do "
        "this by themselves; run it after other bulk changes."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        seconds = refresh_statistics()
        self.stdout.write(f"ANALYZE finished in {seconds:.1f} s on {connection.vendor}.")
