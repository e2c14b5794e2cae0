"""Smoke tests of the benchmark commands on a few hundred customers, run as a person runs them.

They check that the scripts still work against the current schema and list code. Timings of
such a small database mean nothing, so no test asserts one.
"""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
CUSTOMERS = 300


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def generate(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return run_module(
        "bench.generate",
        "--customers",
        str(CUSTOMERS),
        "--workers",
        "1",
        "--data-dir",
        str(data_dir),
    )


def test_generate_fills_tables_and_search_index(tmp_path: Path) -> None:
    result = generate(tmp_path)

    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "generated.json").read_text())
    assert summary["rows"]["customers_customer"] == CUSTOMERS
    assert summary["rows"]["customers_searchdocument"] == CUSTOMERS
    assert CUSTOMERS <= summary["rows"]["customers_contact"] <= 3 * CUSTOMERS
    with sqlite3.connect(tmp_path / "kehu.sqlite3") as database:
        customer_id, mobile = database.execute(
            "SELECT customer_id, mobile FROM customers_contact WHERE mobile != '' ORDER BY id"
        ).fetchone()
        owners = dict(
            database.execute(
                "SELECT u.username, count(*) FROM customers_customer c "
                "JOIN org_user u ON u.id = c.owner_id GROUP BY u.username"
            ).fetchall()
        )
        matches = database.execute(
            "SELECT rowid FROM customers_search_fts WHERE customers_search_fts MATCH ?",
            (f'"{mobile[-4:]}"',),
        ).fetchall()
        shares = dict(
            database.execute(
                "SELECT u.username, count(*) FROM customers_customershare s "
                "JOIN org_user u ON u.id = s.user_id GROUP BY u.username"
            ).fetchall()
        )
    assert (customer_id,) in matches
    assert shares == {"rep01": 20, "rep_big": 20}
    assert sum(owners.values()) == CUSTOMERS
    assert 0.35 * CUSTOMERS < owners["rep_big"] < 0.65 * CUSTOMERS


def test_generate_skips_generated_database(tmp_path: Path) -> None:
    first = generate(tmp_path)
    second = generate(tmp_path)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "already generated" in second.stdout
    with sqlite3.connect(tmp_path / "kehu.sqlite3") as database:
        (count,) = database.execute("SELECT count(*) FROM customers_customer").fetchone()
    assert count == CUSTOMERS


def test_benchmark_measures_every_case(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    results_dir = tmp_path / "results"
    assert generate(data_dir).returncode == 0

    result = run_module(
        "bench.bench_list_search",
        "--data-dir",
        str(data_dir),
        "--results-dir",
        str(results_dir),
        "--repeat",
        "2",
        "--warmup",
        "0",
        "--deep-pages",
        "2",
    )

    assert result.returncode == 0, result.stderr
    (report_path,) = results_dir.glob("list-search-*.json")
    report = json.loads(report_path.read_text())
    groups = [item["group"] for item in report["results"]]
    assert groups.count("list") == 21
    assert groups.count("search") == 15
    assert groups.count("count") == 33
    assert groups.count("scope") == 24
    assert groups.count("page (HTTP)") == 15
    pages = [item for item in report["results"] if item["group"].startswith("page")]
    assert all(item["detail"].startswith("HTTP 200,") for item in pages)
    assert report["server_memory_kib"]["VmRSS"] > 0


def test_bench_pool_sweeps_then_fills_the_pool(tmp_path: Path) -> None:
    assert generate(tmp_path).returncode == 0
    results_dir = tmp_path / "results"

    result = run_module(
        "bench.bench_pool",
        "--data-dir",
        str(tmp_path),
        "--results-dir",
        str(results_dir),
        "--repeat",
        "2",
        "--warmup",
        "1",
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(next(results_dir.glob("pool-*.json")).read_text())
    rows = report["pool_data"]["rows"]
    assert rows["open_deals"] == CUSTOMERS // 20
    assert rows["locks"] == CUSTOMERS // 100
    first = report["sweep"]["first run"]
    assert first["reclaimed"] > 0
    assert report["sweep"]["dry run"]["reclaimed"] == first["reclaimed"]
    assert report["sweep"]["second run"]["reclaimed"] == 0
    # 300 customers cannot fill a pool of 500,000: every customer moves to a pool.
    with sqlite3.connect(tmp_path / "run" / "kehu.sqlite3") as database:
        unowned = database.execute(
            "SELECT count(*) FROM customers_customer WHERE owner_id IS NULL"
        ).fetchone()[0]
        entries = database.execute("SELECT count(*) FROM pool_poolentry").fetchone()[0]
    assert unowned == CUSTOMERS
    assert entries == unowned
    assert 0 < report["pool_entries"] <= unowned
    cases = {(item["case"], item["user"]) for item in report["list"]}
    assert ("first page", "rep01") in cases
    assert all(item["detail"].startswith("HTTP 200") for item in report["list"])
