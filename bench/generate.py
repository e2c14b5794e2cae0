"""Fill a separate SQLite database with a million realistic customers for the benchmarks.

Run from the repository root:

    .venv/bin/python -m bench.generate                 # 1,000,000 customers in bench/data/
    .venv/bin/python -m bench.generate --customers 20000 --data-dir /tmp/kehu-bench-small

Steps:
1. Migrate the database in the data folder and create the sales team: a boss, three managers
   with their departments, one rep who owns half of all customers and 20 reps sharing the rest.
2. Drop the secondary indexes and the search triggers of the bulk tables, and switch off
   journaling, fsync and foreign-key checks, so each row is a plain append.
3. Build customers, contacts, tags and search index rows in worker processes, chunk by chunk,
   and insert each chunk with executemany in its own transaction.
4. Recreate the indexes and triggers, rebuild the FTS5 trigram table from the search
   documents, and restore WAL journaling.
5. Run ANALYZE, so SQLite's planner knows how many rows each index key selects, as a deployment
   that runs ANALYZE or `PRAGMA optimize` has. Without these statistics SQLite assumes that
   any equality (such as owner_id = 5) selects about ten rows, which the rep who owns half the
   customers turns into a scan of 500,000 rows.
6. Write generated.json beside the database.

A later run finds generated.json, applies any new migrations and stops. A run interrupted
before step 6 leaves no marker, so the next run deletes the database and starts again.
"""

import argparse
import dataclasses
import datetime as dt
import json
import multiprocessing
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bench.environment import DATABASE_NAME, DEFAULT_DATA_DIR, setup_django

if TYPE_CHECKING:
    from bench.fake_data import ChunkSpec

MARKER_NAME = "generated.json"
CHUNK_SIZE = 5_000
BULK_TABLES = (
    "customers_customer",
    "customers_contact",
    "customers_customer_tags",
    "customers_searchdocument",
)
BIG_OWNER_USERNAME = "rep_big"
OTHER_REPS = 20
# A rep with the usual share of customers (about 25,000), and the colleagues' customers shared
# with them and with the big owner, so scoped lists include the shares branch.
TYPICAL_REP_USERNAME = "rep01"
SHARES_PER_REP = 20


@dataclasses.dataclass
class Team:
    boss_id: int
    big_owner_id: int
    other_owner_ids: tuple[int, ...]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=1_000_000, help="number of customers")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="folder for the SQLite database (default: bench/data, git-ignored)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes that build rows (default: the number of CPUs)",
    )
    parser.add_argument("--seed", type=int, default=20261204, help="random seed of the data")
    return parser.parse_args()


def remove_database(data_dir: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = data_dir / (DATABASE_NAME + suffix)
        path.unlink(missing_ok=True)


def create_team() -> Team:
    """Create the departments and users that own the generated customers."""
    from kehu.org.models import Department, Preset, User
    from kehu.org.presets import preset_role

    company = Department.objects.create(name="总公司")
    departments = [
        Department.objects.create(name=name, parent=company)
        for name in ("华东销售部", "华南销售部", "华北销售部")
    ]

    def user(username: str, display_name: str, role: str, department: Department) -> User:
        person = User(
            username=username,
            display_name=display_name,
            role=preset_role(role),
            department=department,
        )
        person.set_unusable_password()
        person.save()
        return person

    boss = user("boss", "刘总", Preset.BOSS, company)
    for number, department in enumerate(departments, start=1):
        user(f"manager{number}", f"{department.name[:2]}经理", Preset.MANAGER, department)
    big_owner = user(BIG_OWNER_USERNAME, "王大明", Preset.REP, departments[0])
    others = [
        user(f"rep{number:02d}", f"销售{number:02d}", Preset.REP, departments[number % 3])
        for number in range(1, OTHER_REPS + 1)
    ]
    return Team(boss.pk, big_owner.pk, tuple(person.pk for person in others))


def create_tags() -> tuple[int, ...]:
    from bench.fake_data import TAG_NAMES
    from kehu.customers.models import Tag

    return tuple(Tag.objects.create(name=name).pk for name in TAG_NAMES)


def schema_objects(raw: sqlite3.Connection, kind: str) -> list[tuple[str, str]]:
    """Return (name, sql) of the indexes or triggers on the bulk tables that have SQL.

    Indexes that back UNIQUE and PRIMARY KEY constraints have no SQL and stay in place.
    """
    marks = ", ".join("?" for _ in BULK_TABLES)
    rows = raw.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = ? AND tbl_name IN ({marks}) "
        "AND sql IS NOT NULL ORDER BY name",
        (kind, *BULK_TABLES),
    ).fetchall()
    return [(str(name), str(sql)) for name, sql in rows]


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


def chunk_specs(
    args: argparse.Namespace, team: Team, tag_ids: tuple[int, ...]
) -> Iterator["ChunkSpec"]:
    from bench.fake_data import ChunkSpec

    end = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for index, first_id in enumerate(range(1, args.customers + 1, CHUNK_SIZE)):
        yield ChunkSpec(
            index=index,
            first_id=first_id,
            count=min(CHUNK_SIZE, args.customers + 1 - first_id),
            seed=args.seed * 1_000_003 + index,
            big_owner_id=team.big_owner_id,
            big_owner_share=0.5,
            other_owner_ids=team.other_owner_ids,
            creator_id=team.boss_id,
            end=end,
            total_customers=args.customers,
            tag_ids=tag_ids,
        )


def load_rows(raw: sqlite3.Connection, args: argparse.Namespace, team: Team) -> dict[str, int]:
    """Build and insert every chunk; return the number of rows per table."""
    from bench.fake_data import CONTACT_COLUMNS, CUSTOMER_COLUMNS, build_chunk

    statements = {
        "customers_customer": insert_sql("customers_customer", CUSTOMER_COLUMNS),
        "customers_contact": insert_sql("customers_contact", CONTACT_COLUMNS),
        "customers_customer_tags": insert_sql("customers_customer_tags", ("customer_id", "tag_id")),
        "customers_searchdocument": insert_sql("customers_searchdocument", ("customer_id", "text")),
    }
    counts = dict.fromkeys(statements, 0)
    tag_ids = create_tags()
    specs = list(chunk_specs(args, team, tag_ids))
    started = time.monotonic()
    # Fork so the workers inherit the configured Django; they never touch the database.
    context = multiprocessing.get_context("fork")
    with context.Pool(processes=max(1, args.workers)) as pool:
        for done, chunk in enumerate(pool.imap(build_chunk, specs), start=1):
            tables: dict[str, Sequence[tuple[object, ...]]] = {
                "customers_customer": chunk.customers,
                "customers_contact": chunk.contacts,
                "customers_customer_tags": chunk.customer_tags,
                "customers_searchdocument": chunk.documents,
            }
            raw.execute("BEGIN")
            for table, rows in tables.items():
                raw.executemany(statements[table], rows)
                counts[table] += len(rows)
            raw.execute("COMMIT")
            if done % 20 == 0 or done == len(specs):
                elapsed = time.monotonic() - started
                print(f"  {counts['customers_customer']:>9,} customers  {elapsed:7.1f} s")
    return counts


def ensure_shares() -> int:
    """Share SHARES_PER_REP customers of other owners with the typical and the big rep.

    Runs after every generation and migration, and adds shares only to a rep who has none, so a
    database generated before shares existed gets them too. Returns the number created.
    """
    from kehu.core import clock
    from kehu.customers.models import Customer, CustomerShare, ShareAccess
    from kehu.org.models import User

    boss = User.objects.get(username="boss")
    created = 0
    for username in (TYPICAL_REP_USERNAME, BIG_OWNER_USERNAME):
        rep = User.objects.get(username=username)
        if CustomerShare.objects.filter(user=rep).exists():
            continue
        others = Customer.objects.exclude(owner=rep).exclude(owner__isnull=True).order_by("id")
        step = max(1, others.count() // SHARES_PER_REP)
        picked = list(others.values_list("id", flat=True)[::step][:SHARES_PER_REP])
        CustomerShare.objects.bulk_create(
            CustomerShare(
                customer_id=customer_id,
                user=rep,
                access=ShareAccess.READ,
                shared_by=boss,
                created_at=clock.now(),
            )
            for customer_id in picked
        )
        created += len(picked)
    return created


def timed(label: str, timings: dict[str, float], started: float) -> float:
    now = time.monotonic()
    timings[label] = round(now - started, 1)
    print(f"{label}: {timings[label]} s")
    return now


def generate(args: argparse.Namespace) -> None:
    data_dir: Path = args.data_dir.resolve()
    marker = data_dir / MARKER_NAME
    if marker.exists():
        setup_django(data_dir)
        from django.core.management import call_command

        print(f"{data_dir / DATABASE_NAME} is already generated; applying new migrations only.")
        call_command("migrate", verbosity=1, interactive=False)
        print(f"shares created: {ensure_shares()}")
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    remove_database(data_dir)
    setup_django(data_dir)

    from django.core.management import call_command
    from django.db import connection

    timings: dict[str, float] = {}
    started = time.monotonic()
    step = started
    call_command("migrate", verbosity=0, interactive=False)
    team = create_team()
    step = timed("migrate and users", timings, step)

    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection), "the benchmark database must be SQLite"
    # The load can be repeated from scratch, so durability is traded for speed until it ends.
    raw.execute("PRAGMA journal_mode=OFF")
    raw.execute("PRAGMA synchronous=OFF")
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.execute("PRAGMA cache_size=-1048576")
    indexes = schema_objects(raw, "index")
    triggers = schema_objects(raw, "trigger")
    for name, _sql in indexes:
        raw.execute(f'DROP INDEX "{name}"')
    for name, _sql in triggers:
        raw.execute(f'DROP TRIGGER "{name}"')

    counts = load_rows(raw, args, team)
    step = timed("insert rows", timings, step)
    for _name, sql in indexes:
        raw.execute(sql)
    step = timed("create indexes", timings, step)
    raw.execute("INSERT INTO customers_search_fts(customers_search_fts) VALUES ('rebuild')")
    for _name, sql in triggers:
        raw.execute(sql)
    step = timed("rebuild FTS5 index", timings, step)
    raw.execute("ANALYZE")
    step = timed("analyze", timings, step)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=NORMAL")
    connection.close()
    ensure_shares()
    timings["total"] = round(time.monotonic() - started, 1)

    size = (data_dir / DATABASE_NAME).stat().st_size
    summary = {
        "customers": args.customers,
        "rows": counts,
        "seed": args.seed,
        "workers": args.workers,
        "seconds": timings,
        "database_bytes": size,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    marker.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(summary, indent=2, ensure_ascii=False))


def main() -> None:
    generate(parse_args())


if __name__ == "__main__":
    main()
