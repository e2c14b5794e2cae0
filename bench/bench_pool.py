"""Time the reclaim sweep over a million customers, and the pool list over 500,000, on SQLite.

Run from the repository root:

    .venv/bin/python -m bench.generate --data-dir bench/data-pool   # once, about 20 minutes
    .venv/bin/python -m bench.bench_pool [--data-dir bench/data-pool]

Steps:
1. Add what the pool rules read to the generated customers, once (pool.json marks it done):
   owner_since for 30 % of them, a follow-up in the last 60 days for 50 %, an open deal for
   5 %, a won deal for 3 %, a lock for 1 %, and a signed contract that ended within the last two
   years for half of the customers whose status is "won". The company pool gets every rule
   switched on with warnings, and the east department a pool of its own that counts working
   days.
2. Copy the database to run/ inside the data folder, so every run starts from the same rows.
3. On the copy, time the sweep as a dry run, then for real, then once more (it must reclaim
   nothing the second time), then for the next day.
4. Fill the company pool of the copy up to 500,000 customers (PoolEntry rows) and time its
   list over HTTP as bench.bench_list_search times the customer list: the first page, filters,
   the next page, a page 5,000 entries in and a name search, for the boss and a rep.
   `--list-only` skips steps 1 to 3 and times the list on the copy an earlier run left;
   `--sweep-only` skips step 4.
Writes pool-<UTC time>.json to bench/results/ (or --results-dir) and prints a summary.
"""

import argparse
import datetime as dt
import json
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

from bench.environment import DATABASE_NAME, DEFAULT_DATA_DIR, RESULTS_DIR, setup_django
from bench.generate import MARKER_NAME
from bench.timing import Measurement, markdown_table, measure

POOL_MARKER = "pool.json"
POOL_SIZE = 500_000
LIST_TARGET = (30.0, 100.0)
SWEEP_TARGET_SECONDS = 60.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the pool sweep and the pool list.")
    parser.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR.parent / "data-pool", help="data folder"
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--repeat", type=int, default=200, help="timed requests per list case")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per list case")
    parser.add_argument(
        "--sweep-only", action="store_true", help="time the sweep and skip the pool list"
    )
    parser.add_argument(
        "--list-only",
        action="store_true",
        help="skip the sweep and time only the pool list of the last run's copy",
    )
    return parser.parse_args()


def add_pool_data(raw: sqlite3.Connection) -> dict[str, int]:
    """Add owner_since, follow-ups, deals, locks and contracts with plain SQL; return counts."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    stamp = str(now)
    pipeline_id, open_stage, won_stage = raw.execute(
        "SELECT p.id, "
        "(SELECT id FROM sales_stage WHERE pipeline_id = p.id AND kind = 'open' "
        "ORDER BY position LIMIT 1), "
        "(SELECT id FROM sales_stage WHERE pipeline_id = p.id AND kind = 'won') "
        "FROM sales_pipeline p WHERE p.is_default"
    ).fetchone()
    counts: dict[str, int] = {}
    raw.execute("BEGIN")
    # Hashing the id spreads each share over the table the same way on every run.
    counts["owner_since"] = raw.execute(
        "UPDATE customers_customer SET owner_since = min(?, datetime(created_at, "
        "'+' || ((id * 7919) % 700) || ' days')) WHERE (id * 2654435761) % 10 < 3",
        (stamp,),
    ).rowcount
    counts["recent_follow_up"] = raw.execute(
        "UPDATE customers_customer SET last_follow_up_at = datetime(?, "
        "'-' || ((id * 104729) % 60) || ' days') WHERE (id * 40503) % 10 < 5",
        (stamp,),
    ).rowcount
    deal_sql = (
        "INSERT INTO sales_deal (public_id, name, amount, lost_reason, created_at, updated_at, "
        "version, creator_id, customer_id, owner_id, pipeline_id, stage_id, external_ref) "
        "SELECT lower(hex(randomblob(16))), '年度采购', '10000.00', '', ?, ?, 1, owner_id, id, "
        "owner_id, ?, ?, '' FROM customers_customer WHERE id % ? = ? AND owner_id IS NOT NULL"
    )
    counts["open_deals"] = raw.execute(
        deal_sql, (stamp, stamp, pipeline_id, open_stage, 20, 3)
    ).rowcount
    counts["won_deals"] = raw.execute(
        deal_sql, (stamp, stamp, pipeline_id, won_stage, 33, 5)
    ).rowcount
    counts["locks"] = raw.execute(
        "INSERT INTO pool_customerlock (locked_at, customer_id, user_id) "
        "SELECT ?, id, owner_id FROM customers_customer WHERE id % 100 = 7 "
        "AND owner_id IS NOT NULL",
        (stamp,),
    ).rowcount
    counts["ended_contracts"] = raw.execute(
        "INSERT INTO sales_contract (public_id, number, title, amount, start_on, end_on, "
        "signed_on, notes, status, current_version, decision_comment, created_at, updated_at, "
        "creator_id, customer_id, owner_id) "
        "SELECT lower(hex(randomblob(16))), 'BENCH' || id, '年度服务', '50000.00', "
        "date(?, '-' || (365 + (id * 31) % 730) || ' days'), "
        "date(?, '-' || ((id * 31) % 730) || ' days'), "
        "date(?, '-' || (365 + (id * 31) % 730) || ' days'), '', 'signed', 1, '', ?, ?, "
        "owner_id, id, owner_id FROM customers_customer "
        "WHERE status = 'won' AND id % 2 = 0 AND owner_id IS NOT NULL",
        (stamp, stamp, stamp, stamp, stamp),
    ).rowcount
    raw.execute("COMMIT")
    return counts


def configure_pools() -> dict[str, Any]:
    from kehu.core import clock
    from kehu.org.models import Department
    from kehu.pool import membership
    from kehu.pool.models import Pool

    company = membership.company_pool()
    company.no_follow_up_on = company.no_win_on = company.contract_ended_on = True
    company.warning_on = True
    company.save()
    east = Department.objects.get(name="华东销售部")
    now = clock.now()
    Pool.objects.get_or_create(
        department=east,
        defaults={
            "name": "华东公海",
            "no_follow_up_on": True,
            "no_win_on": True,
            "contract_ended_on": True,
            "warning_on": True,
            "working_days": True,
            "created_at": now,
            "updated_at": now,
        },
    )
    return {"pools": list(Pool.objects.values_list("name", flat=True))}


def prepare(data_dir: Path) -> dict[str, Any]:
    """Add the pool data to the generated database once; return what pool.json records."""
    marker = data_dir / POOL_MARKER
    if marker.exists():
        summary: dict[str, Any] = json.loads(marker.read_text())
        return summary
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection), "the benchmark database must be SQLite"
    started = time.monotonic()
    counts = add_pool_data(raw)
    summary = {"rows": counts, **configure_pools()}
    raw.execute("ANALYZE")
    summary["seconds"] = round(time.monotonic() - started, 1)
    marker.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return summary


def copy_database(data_dir: Path) -> Path:
    """Copy the prepared database into run/ and point Django's connection at the copy."""
    from django.db import connection

    connection.close()
    run_dir = data_dir / "run"
    run_dir.mkdir(exist_ok=True)
    for suffix in ("-wal", "-shm"):
        (run_dir / (DATABASE_NAME + suffix)).unlink(missing_ok=True)
    shutil.copyfile(data_dir / DATABASE_NAME, run_dir / DATABASE_NAME)
    # The server signs sessions with the key of its folder, so the copy keeps this one.
    shutil.copyfile(data_dir / "secret_key", run_dir / "secret_key")
    connection.settings_dict["NAME"] = str(run_dir / DATABASE_NAME)
    return run_dir


def use_last_copy(data_dir: Path) -> Path:
    """Point Django's connection at the copy an earlier run left in run/, swept already."""
    from django.core.management import call_command
    from django.db import connection

    run_dir = data_dir / "run"
    if not (run_dir / DATABASE_NAME).exists():
        raise SystemExit(f"{run_dir / DATABASE_NAME} is missing: run without --list-only first")
    connection.close()
    connection.settings_dict["NAME"] = str(run_dir / DATABASE_NAME)
    call_command("migrate", verbosity=0, interactive=False)
    return run_dir


def time_sweep() -> dict[str, Any]:
    """Time a dry run, the first real run, a second run on the same day and the next day's run.

    The generated data was never swept, so the first run reclaims every customer that fell due
    over the years. The next day's run is the daily case: it reclaims what fell due that day.
    """
    from kehu.core import clock
    from kehu.pool import sweep

    today = clock.today()
    runs = (
        ("dry run", True, today),
        ("first run", False, today),
        ("second run", False, today),
        ("next day", False, today + dt.timedelta(days=1)),
    )
    timings: dict[str, Any] = {}
    for label, dry_run, day in runs:
        started = time.monotonic()
        results = sweep.sweep_pools(dry_run=dry_run, today=day)
        seconds = round(time.monotonic() - started, 1)
        timings[label] = {
            "seconds": seconds,
            "reclaimed": sum(result.reclaimed for result in results),
            "warned": sum(result.warned for result in results),
            "results": [result.as_dict() for result in results],
        }
        print(f"sweep {label}: {seconds} s, {timings[label]['reclaimed']:,} reclaimed")
    return timings


def fill_pool() -> int:
    """Put owned customers, lowest ids first, into the company pool until it contains POOL_SIZE."""
    from django.db import connection

    from kehu.pool import membership
    from kehu.pool.models import EntryCause, PoolEntry

    pool = membership.company_pool()
    missing = POOL_SIZE - PoolEntry.objects.filter(pool=pool).count()
    if missing > 0:
        stamp = str(dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0))
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE moved AS SELECT id, owner_id FROM customers_customer "
                "WHERE owner_id IS NOT NULL ORDER BY id LIMIT %s",
                [missing],
            )
            cursor.execute(
                "INSERT INTO pool_poolentry (entered_at, cause, note, customer_id, pool_id, "
                "previous_owner_id) SELECT %s, %s, '', id, %s, owner_id FROM moved",
                [stamp, EntryCause.PLACED, pool.pk],
            )
            cursor.execute(
                "UPDATE customers_customer SET owner_id = NULL, owner_since = NULL "
                "WHERE id IN (SELECT id FROM moved)"
            )
            cursor.execute("DROP TABLE moved")
            cursor.execute("ANALYZE")
    return PoolEntry.objects.filter(pool=pool).count()


def list_cases() -> list[tuple[str, str]]:
    """Return (case, path) pairs of the company pool's list: first page, filters, next page."""
    from django.urls import reverse

    from kehu.pool.listing import encode_cursor
    from kehu.pool.membership import company_pool
    from kehu.pool.models import PoolEntry

    pool = company_pool()
    base = reverse("web:pool_list", args=[pool.public_id])
    newest = PoolEntry.objects.filter(pool=pool).order_by("-entered_at", "-id")
    # A small smoke-test pool has fewer entries, so its last entry is used instead.
    fiftieth = newest[49:50].first() or newest.last()
    deep = newest[5_000:5_001].first() or newest.last()
    assert fiftieth is not None and deep is not None, "the company pool is empty"
    return [
        ("first page", base),
        ("grade A", f"{base}?grade=A"),
        ("industry and province", f"{base}?industry=manufacturing&province=44"),
        ("second page", f"{base}?cursor={encode_cursor(fiftieth)}"),
        ("page after 5,000 entries", f"{base}?cursor={encode_cursor(deep)}"),
        ("name search", f"{base}?q=%E7%A7%91%E6%8A%80"),
    ]


def time_list(args: argparse.Namespace, run_dir: Path, stamp: str) -> list[Measurement]:
    """Time the company pool's list page over HTTP for the boss and a rep."""
    from django.test import Client

    from bench.http_run import BenchServer
    from kehu.org.models import User

    cases = list_cases()
    measurements = []
    log_path = args.results_dir / f"pool-server-{stamp}.log"
    with BenchServer(run_dir, log_path) as server:
        for username in ("boss", "rep01"):
            client = Client()
            client.force_login(
                User.objects.get(username=username),
                backend="django.contrib.auth.backends.ModelBackend",
            )
            session = client.cookies["sessionid"].value
            for case, path in cases:

                def page(session: str = session, path: str = path) -> str:
                    status, size = server.get(path, session)
                    return f"HTTP {status}, {size:,} B"

                detail = page()
                samples, _cpu = measure(
                    page, repeat=args.repeat, warmup=args.warmup, budget_seconds=60
                )
                item = Measurement("pool list (HTTP)", case, username, samples, [], detail)
                item.target_p50, item.target_p95 = LIST_TARGET
                measurements.append(item)
    return measurements


def main() -> None:
    args = parse_args()
    data_dir: Path = args.data_dir.resolve()
    if not (data_dir / MARKER_NAME).exists():
        raise SystemExit(
            f"{data_dir / MARKER_NAME} is missing: run "
            f"`python -m bench.generate --data-dir {data_dir}` first"
        )
    setup_django(data_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    args.results_dir.mkdir(parents=True, exist_ok=True)

    if args.list_only:
        run_dir = use_last_copy(data_dir)
        prepared: dict[str, Any] = json.loads((data_dir / POOL_MARKER).read_text())
        sweep_timings: dict[str, Any] = {}
    else:
        prepared = prepare(data_dir)
        run_dir = copy_database(data_dir)
        sweep_timings = time_sweep()
    pool_size = 0
    measurements: list[Measurement] = []
    if not args.sweep_only:
        pool_size = fill_pool()
        print(f"company pool entries: {pool_size:,}")
        measurements = time_list(args, run_dir, stamp)

    report = {
        "started_at": stamp,
        "data": json.loads((data_dir / MARKER_NAME).read_text()),
        "pool_data": prepared,
        "sweep": sweep_timings,
        "sweep_target_seconds": SWEEP_TARGET_SECONDS,
        "pool_entries": pool_size,
        "list": [item.as_dict() for item in measurements],
    }
    (args.results_dir / f"pool-{stamp}.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    )
    if measurements:
        print(markdown_table(measurements))


if __name__ == "__main__":
    main()
