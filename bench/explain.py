"""Print every SQL query of one list_customers() call with SQLite's EXPLAIN QUERY PLAN.

    .venv/bin/python -m bench.explain --user rep_big --sort name
    .venv/bin/python -m bench.explain --user boss --query 王芳 --filter grade=A

This is the profiling step for a case that misses its target in bench/bench_list_search.py.
"""

import argparse
import time
from pathlib import Path

from bench.environment import DEFAULT_DATA_DIR, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description="Explain the queries of one list page.")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--user", default="boss", help="username of the viewer")
    parser.add_argument("--query", default="", help="search text, as in ?q=")
    parser.add_argument("--sort", default="-created_at")
    parser.add_argument("--view", default="")
    parser.add_argument("--page", type=int, default=1, help="follow next_cursor to this page")
    parser.add_argument(
        "--filter", action="append", default=[], help="KEY=VALUE as in f.KEY=VALUE; repeatable"
    )
    args = parser.parse_args()
    setup_django(args.data_dir.resolve())

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kehu.customers.listing import ListParams, count_customers, list_customers
    from kehu.org.models import User

    user = User.objects.get(username=args.user)
    filters = dict(item.split("=", 1) for item in args.filter)
    params = ListParams(query=args.query, filters=filters, sort=args.sort, view=args.view)
    for _ in range(1, args.page):
        params.cursor = list_customers(user, params).next_cursor
    list_customers(user, params)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        page = list_customers(user, params)
        total = count_customers(user, params)
        elapsed = (time.perf_counter() - started) * 1000
    print(f"{len(page.rows)} rows, count {total.shown}, {elapsed:.1f} ms in total\n")
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            print(f"-- {query['time']} s\n{sql}")
            if sql.lstrip().upper().startswith("SELECT"):
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                for row in cursor.fetchall():
                    print(f"   plan: {row[3]}")
            print()


if __name__ == "__main__":
    main()
