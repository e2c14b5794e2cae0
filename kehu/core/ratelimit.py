"""A fixed-window rate limiter kept in the database, shared by every web process.

Each hit runs one INSERT ... ON CONFLICT DO UPDATE that adds 1 to the row of (key, window) and
returns the new count, so concurrent requests from several processes never lose a count.
PostgreSQL and SQLite (3.35 or later) both support that statement. Every hit deletes the rows
of windows that have ended, so the table holds about one row per recently active key.
"""

import dataclasses
import datetime as dt

from django.db import connection

from kehu.core import clock
from kehu.core.models import RateCounter


@dataclasses.dataclass(frozen=True)
class Limit:
    """At most `count` hits per key in each window of `seconds`."""

    count: int
    seconds: int


def window_start(moment: dt.datetime, seconds: int) -> dt.datetime:
    """Return the start of the fixed window of `seconds` that contains `moment`."""
    epoch = int(moment.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)


def hit(key: str, limit: Limit) -> bool:
    """Count one request of `key`; return whether it is within `limit`.

    A rejected request still counts, so a client that keeps sending stays blocked until the
    window ends.
    """
    now = clock.now()
    start = window_start(now, limit.seconds)
    quote = connection.ops.quote_name
    table = quote(RateCounter._meta.db_table)
    key_column, start_column, count_column = quote("key"), quote("window_start"), quote("count")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, {start_column}, {count_column}, "
            f"{quote('expires_at')}) VALUES (%s, %s, 1, %s) "
            f"ON CONFLICT ({key_column}, {start_column}) "
            f"DO UPDATE SET {count_column} = {table}.{count_column} + 1 "
            f"RETURNING {count_column}",
            [key, start, start + dt.timedelta(seconds=limit.seconds)],
        )
        row = cursor.fetchone()
    count = int(row[0]) if row else 0
    RateCounter.objects.filter(expires_at__lt=now).delete()
    return count <= limit.count
