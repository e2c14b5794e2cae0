"""Latency of the customer list and search at a million customers on SQLite.

Run from the repository root after `python -m bench.generate`:

    .venv/bin/python -m bench.bench_list_search [--repeat 200] [--warmup 20]

Measures, for the boss (who sees every customer) and for the rep who owns half of them:
1. list_customers(): the first page and a deep keyset page of the default sort, two other
   sorts, a filter and a saved view;
2. search through list_customers(query=...), the code path of the page's ?q=, and
   count_customers() for each list and search case;
3. the list page "/", "/?q=" and a filtered "/", and the count requests those pages send
   after their rows, through Django's test Client; and a bare view that turns
   Customer.objects.order_by("-id")[:50] into JSON, as a baseline;
4. the same pages over real HTTP against one single-threaded server process on 127.0.0.1, and
   that process's resident memory afterwards.
Writes list-search-<UTC time>.json and .md to bench/results/ (or --results-dir) and prints
the table.
"""

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import re
import sqlite3
import statistics
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from bench.environment import DEFAULT_DATA_DIR, RESULTS_DIR, setup_django
from bench.generate import BIG_OWNER_USERNAME, MARKER_NAME, TYPICAL_REP_USERNAME
from bench.http_run import BenchServer
from bench.timing import Measurement, markdown_table, measure, measure_pair

if TYPE_CHECKING:
    from django.test import Client

    from kehu.customers.listing import ListParams
    from kehu.org.models import User

LIST_TARGET = (30.0, 100.0)
SEARCH_TARGET = (50.0, 200.0)
# A common two-character personal name: the short-query path of search (value-start trigrams).
COMMON_CONTACT_NAME = "王芳"


# List cases as ListParams keyword arguments, shared by the list, count and scope groups.
LIST_CASES: list[tuple[str, dict[str, Any]]] = [
    ("default sort, page 1", {}),
    ("sort by name", {"sort": "name"}),
    ("sort by last follow-up, newest first", {"sort": "-last_follow_up_at"}),
    ("filter grade A", {"filters": {"grade": "A"}}),
    ("filter grade A, province Zhejiang", {"filters": {"grade": "A", "province": "33"}}),
    ("saved view due_today", {"view": "due_today"}),
]


@dataclasses.dataclass
class SearchTerms:
    """Queries taken from one customer of the big owner, so each one has matches."""

    name_fragment: str
    contact_name: str
    initials: str
    phone_last_four: str
    email_fragment: str

    def cases(self) -> list[tuple[str, str]]:
        return [
            (f"name fragment “{self.name_fragment}”", self.name_fragment),
            (f"2-char contact name “{self.contact_name}”", self.contact_name),
            (f"pinyin initials “{self.initials}”", self.initials),
            (f"phone last four “{self.phone_last_four}”", self.phone_last_four),
            (f"email fragment “{self.email_fragment}”", self.email_fragment),
        ]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the customer list and search.")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--repeat", type=int, default=200, help="timed runs per case")
    parser.add_argument("--warmup", type=int, default=20, help="untimed runs before timing")
    parser.add_argument(
        "--budget", type=float, default=60, help="seconds of timed runs per case at most"
    )
    parser.add_argument(
        "--deep-pages", type=int, default=1000, help="page number of the deep keyset page"
    )
    parser.add_argument(
        "--results-dir", type=Path, default=RESULTS_DIR, help="where the JSON and table go"
    )
    parser.add_argument("--skip-http", action="store_true", help="skip the real-HTTP run")
    parser.add_argument(
        "--allow-unapplied",
        action="store_true",
        help="measure a database that lacks migrations, such as a copy from before an index change",
    )
    parser.add_argument(
        "--cases", default="", help="run only cases whose group or name matches this regex"
    )
    return parser.parse_args()


def machine_facts() -> dict[str, str]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True, check=True).stdout
    import django

    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory.splitlines()[1].split()[1],
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "django": django.get_version(),
    }


def pick_search_terms(big_owner: "User") -> SearchTerms:
    from kehu.customers.models import Contact, Customer
    from kehu.customers.search import pinyin_forms

    middle = Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0
    sample = (
        Customer.objects.filter(owner=big_owner, id__gte=middle // 2)
        .exclude(short_name="")
        .order_by("id")
        .first()
    )
    contact = (
        Contact.objects.filter(customer__owner=big_owner, customer_id__gte=middle // 2)
        .exclude(email="")
        .exclude(mobile="")
        .order_by("id")
        .first()
    )
    if sample is None or contact is None:
        raise RuntimeError("the benchmark database has no customers; run bench.generate first")
    return SearchTerms(
        name_fragment=sample.short_name,
        contact_name=COMMON_CONTACT_NAME,
        initials=pinyin_forms(sample.short_name)[1],
        phone_last_four=contact.mobile[-4:],
        email_fragment=contact.email.split("@")[0],
    )


def deep_cursor(user: "User", pages: int) -> tuple[str | None, int]:
    """Follow next_cursor from page 1 and return the cursor of page `pages` and its number."""
    from kehu.customers.listing import ListParams, list_customers

    cursor: str | None = None
    for page in range(1, pages):
        next_cursor = list_customers(user, ListParams(cursor=cursor)).next_cursor
        if next_cursor is None:
            return cursor, page
        cursor = next_cursor
    return cursor, pages


class Runner:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.pattern = re.compile(args.cases) if args.cases else None
        self.results: list[Measurement] = []

    def wanted(self, group: str, case: str) -> bool:
        return self.pattern is None or bool(self.pattern.search(f"{group} {case}"))

    def run(
        self,
        group: str,
        case: str,
        user: str,
        operation: Callable[[], str],
        target: tuple[float, float] | None,
        *,
        in_process: bool = True,
    ) -> None:
        """Time `operation`, which returns a description of its result for the table."""
        if not self.wanted(group, case):
            return
        detail = operation()
        samples, cpu_samples = measure(
            operation,
            repeat=self.args.repeat,
            warmup=self.args.warmup,
            budget_seconds=self.args.budget,
        )
        item = Measurement(group, case, user, samples, cpu_samples if in_process else [], detail)
        if target is not None:
            item.target_p50, item.target_p95 = target
        self.results.append(item)
        print(
            f"{group:<14} {case:<40} {user:<8} p50 {item.p50:7.1f} ms  p95 {item.p95:7.1f} ms  "
            f"CPU p50 {item.cpu_p50 or 0:7.1f} ms  {detail}"
        )


def list_call(user: "User", params: "ListParams") -> Callable[[], str]:
    from kehu.customers.listing import list_customers

    def call() -> str:
        page = list_customers(user, params)
        more = ", more follow" if page.next_cursor else ""
        return f"{len(page.rows)} on the page{more}"

    return call


def count_call(user: "User", params: "ListParams") -> Callable[[], str]:
    from kehu.customers.listing import count_customers

    def call() -> str:
        total = count_customers(user, params)
        noun = "row" if total.shown == 1 else "rows"
        return f"{total.shown:,}{'+' if total.is_capped else ''} {noun}"

    return call


def client_call(client: "Client", path: str) -> Callable[[], str]:
    def call() -> str:
        response = client.get(path)
        return f"HTTP {response.status_code}, {len(response.content):,} B"

    return call


def run_listing(runner: Runner, users: dict[str, "User"], terms: SearchTerms) -> None:
    from kehu.customers.listing import ListParams

    for label, user in users.items():
        cases = [(case, ListParams(**params)) for case, params in LIST_CASES]
        # A count does not depend on the page, so the deep page has no count case.
        counted = list(cases)
        if runner.wanted("list", "default sort, deep page"):
            cursor, page = deep_cursor(user, runner.args.deep_pages)
            cases.insert(1, (f"default sort, page {page}", ListParams(cursor=cursor)))
        for case, params in cases:
            runner.run("list", case, label, list_call(user, params), LIST_TARGET)
        for case, query in terms.cases():
            runner.run(
                "search", case, label, list_call(user, ListParams(query=query)), SEARCH_TARGET
            )
        # The page loads the count in a request of its own, after its rows; no target is set
        # for it, and the table shows what it costs.
        counted += [(case, ListParams(query=query)) for case, query in terms.cases()]
        for case, params in counted:
            runner.run("count", case, label, count_call(user, params), None)


def logged_in_clients(users: dict[str, "User"]) -> dict[str, "Client"]:
    from django.test import Client

    clients = {}
    for label, user in users.items():
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        clients[label] = client
    return clients


FILTER_QUERY = urlencode({"f.grade": "A", "f.province": "33"})


def page_paths(terms: SearchTerms) -> list[tuple[str, str, tuple[float, float] | None]]:
    """Return (case, path, target) for each page request; count requests have no target."""
    search_path = "/?" + urlencode({"q": terms.name_fragment})
    return [
        ("GET /", "/", LIST_TARGET),
        (f"GET /?q={terms.name_fragment}", search_path, SEARCH_TARGET),
        ("GET /?f.grade=A&f.province=33", f"/?{FILTER_QUERY}", LIST_TARGET),
        ("GET /customers/count/", "/customers/count/", None),
        (
            "GET /customers/count/?f.grade=A&f.province=33",
            f"/customers/count/?{FILTER_QUERY}",
            None,
        ),
    ]


def run_client(runner: Runner, clients: dict[str, "Client"], terms: SearchTerms) -> None:
    from django.test.utils import override_settings

    from bench.urls import BARE_PATH

    with override_settings(ROOT_URLCONF="bench.urls"):
        for label, client in clients.items():
            for case, path, target in page_paths(terms):
                runner.run("page (Client)", case, label, client_call(client, path), target)
        first_client = next(iter(clients.values()))
        runner.run(
            "bare (Client)",
            f"GET /{BARE_PATH}",
            "-",
            client_call(first_client, f"/{BARE_PATH}"),
            None,
        )


def run_http(
    runner: Runner, clients: dict[str, "Client"], terms: SearchTerms, stamp: str
) -> dict[str, int]:
    """Time the pages over HTTP and return the server's memory afterwards, in KiB."""
    from bench.urls import BARE_PATH

    log_path = runner.args.results_dir / f"server-{stamp}.log"
    with BenchServer(runner.args.data_dir, log_path) as server:
        for label, client in clients.items():
            session = client.cookies["sessionid"].value

            def page(path: str, session: str = session) -> Callable[[], str]:
                def call() -> str:
                    status, size = server.get(path, session)
                    return f"HTTP {status}, {size:,} B"

                return call

            for case, path, target in page_paths(terms):
                runner.run("page (HTTP)", case, label, page(path), target, in_process=False)

        def bare() -> str:
            status, size = server.get(f"/{BARE_PATH}")
            return f"HTTP {status}, {size:,} B"

        runner.run("bare (HTTP)", f"GET /{BARE_PATH}", "-", bare, None, in_process=False)
        return server.memory()


def run_scope_pairs(runner: Runner, users: dict[str, "User"]) -> str:
    """Time each rep's list against the boss's in turns and return the table of ratios.

    The scoped list of a rep should take at most twice as long as the boss's list for the same
    parameters. Timing both in turns keeps load from other processes from favouring either.
    """
    from kehu.customers.listing import ListParams

    lines = [
        "| case | user | user p50 ms | boss p50 ms | ratio | user CPU p50 ms | boss CPU p50 ms "
        "| CPU ratio | within 2x |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    boss = users["boss"]
    for label, user in users.items():
        if user == boss:
            continue
        for case, params in LIST_CASES:
            if not runner.wanted("scope", case):
                continue
            rep_op = list_call(user, ListParams(**params))
            boss_op = list_call(boss, ListParams(**params))
            (boss_wall, boss_cpu), (rep_wall, rep_cpu) = measure_pair(
                boss_op,
                rep_op,
                repeat=runner.args.repeat,
                warmup=runner.args.warmup,
                budget_seconds=runner.args.budget,
            )
            for who, wall, cpu in (("boss", boss_wall, boss_cpu), (label, rep_wall, rep_cpu)):
                item = Measurement("scope", case, who, wall, cpu, rep_op() if who == label else "")
                runner.results.append(item)
            ratio = statistics.median(rep_wall) / statistics.median(boss_wall)
            cpu_ratio = statistics.median(rep_cpu) / statistics.median(boss_cpu)
            within = "yes" if ratio <= 2 else "**no**"
            lines.append(
                f"| {case} | {label} | {statistics.median(rep_wall):.1f} "
                f"| {statistics.median(boss_wall):.1f} | {ratio:.2f} "
                f"| {statistics.median(rep_cpu):.1f} | {statistics.median(boss_cpu):.1f} "
                f"| {cpu_ratio:.2f} | {within} |"
            )
            print(lines[-1])
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    args.data_dir = args.data_dir.resolve()
    marker = args.data_dir / MARKER_NAME
    if not marker.exists():
        raise SystemExit(f"{marker} is missing: run `python -m bench.generate` first")
    setup_django(args.data_dir)

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from kehu.org.models import User

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()) and not args.allow_unapplied:
        raise SystemExit(
            "The benchmark database lacks migrations: run `python -m bench.generate` again."
        )

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    results_dir: Path = args.results_dir
    results_dir.mkdir(parents=True, exist_ok=True)
    users = {
        "boss": User.objects.get(username="boss"),
        BIG_OWNER_USERNAME: User.objects.get(username=BIG_OWNER_USERNAME),
        TYPICAL_REP_USERNAME: User.objects.get(username=TYPICAL_REP_USERNAME),
    }
    terms = pick_search_terms(users[BIG_OWNER_USERNAME])
    runner = Runner(args)
    run_listing(runner, users, terms)
    ratios = run_scope_pairs(runner, users)
    clients = logged_in_clients(users)
    run_client(runner, clients, terms)
    memory = {} if args.skip_http else run_http(runner, clients, terms, stamp)

    report = {
        "started_at": stamp,
        "machine": machine_facts(),
        "data": json.loads(marker.read_text()),
        "settings": {"repeat": args.repeat, "warmup": args.warmup, "budget_s": args.budget},
        "data_dir": str(args.data_dir),
        "load_average": os.getloadavg(),
        "search_terms": dataclasses.asdict(terms),
        "results": [item.as_dict() for item in runner.results],
        "server_memory_kib": memory,
    }
    (results_dir / f"list-search-{stamp}.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    )
    table = markdown_table(runner.results) + "\n\n" + ratios
    (results_dir / f"list-search-{stamp}.md").write_text(table + "\n")
    print()
    print(table)
    if memory:
        print(
            f"\nserver RSS after the run: {memory.get('VmRSS', 0) / 1024:.0f} MiB "
            f"(peak {memory.get('VmHWM', 0) / 1024:.0f} MiB, "
            f"anonymous {memory.get('RssAnon', 0) / 1024:.0f} MiB, "
            f"file-backed {memory.get('RssFile', 0) / 1024:.0f} MiB)"
        )


if __name__ == "__main__":
    main()
