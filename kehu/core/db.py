"""Database maintenance shared by commands and background tasks."""

import logging
import time

from django.db import connection

logger = logging.getLogger(__name__)


def refresh_statistics() -> float:
    """Run ANALYZE so the query planner has current table sizes; return the seconds taken.

    SQLite keeps no statistics until ANALYZE runs, and without them it walks all of a rep's
    customers for a search that should read a handful (see docs/benchmarks.md). PostgreSQL's
    autovacuum also analyses tables, but only after enough changes.
    """
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds = time.monotonic() - started
    logger.info("ANALYZE finished in %.1f s", seconds)
    return seconds
