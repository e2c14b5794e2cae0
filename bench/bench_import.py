"""Throughput of the spreadsheet import on SQLite: 100,000 rows of Chinese customers.

Run from the repository root:

    .venv/bin/python -m bench.bench_import [--rows 100000] [--format csv|xlsx] [--profile]

Steps:
1. write a file of realistic customers: a company name, credit code, region, address, grade,
   source, tags and one contact per row. Every tenth customer has a second contact on the next
   row (customer cells empty). 2% of the rows repeat an earlier company, which the import must
   find as duplicates inside the file;
2. migrate a fresh SQLite database under bench/data/import/ and create the importing user;
3. time the dry run (read, convert, clean, check duplicates) over the whole file; then run
   the dry run again and time the commit after it, from its start until every batch is
   committed and the planner statistics are refreshed. The commit repeats the reading,
   cleaning and duplicate checks against the database as it is then, and writes. Both go
   through the import services the pages and the command use;
4. import the same file again, where every row is a duplicate of a stored customer, and time
   the dry run and the commit together.
Writes bench/results/import-<UTC time>.json and .md and prints the table, with the 1-minute
load average before and after each step.
"""

import argparse
import cProfile
import csv
import dataclasses
import datetime as dt
import json
import os
import platform
import pstats
import random
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.environment import DEFAULT_DATA_DIR, RESULTS_DIR, setup_django

# Inside bench/data/, which git ignores, beside the list benchmark's database.
DATA_DIR = DEFAULT_DATA_DIR / "import"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鑫宇浩然子轩欣怡梓涵思远俊杰雨婷晨阳"
)
TRADE = "星月辰海天华中恒泰瑞祥和信达安康宏远鑫源博通精诚新创联合盛隆金鼎云帆智汇德丰嘉禾润泽凯越"
BUSINESS = (
    "科技",
    "贸易",
    "电子",
    "机械",
    "食品",
    "物流",
    "建材",
    "医药",
    "文化传媒",
    "餐饮管理",
    "信息技术",
    "环保工程",
)
SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司", "商贸有限公司")
GRADES = ("A", "B", "C", "D", "")
SOURCES = ("promotion", "search", "referral", "website", "exhibition", "cold_call", "")
TAGS = ("重点", "老客户", "渠道", "VIP", "待回访", "展会", "华东", "政府项目")
STREETS = ("文三路", "人民路", "解放路", "建设大道", "中山路", "科技园路", "长江路", "南京西路")
HEADER = [
    "客户名称",
    "统一社会信用代码",
    "地区",
    "详细地址",
    "客户级别",
    "客户来源",
    "客户标签",
    "联系人",
    "职务",
    "手机",
    "邮箱",
]


@dataclasses.dataclass
class Result:
    label: str
    rows: int
    seconds: float
    created: int
    skipped: int
    rejected: int
    contact_rows: int  # rows that only added a contact to a customer
    contacts_created: int
    # The 1-minute load average (os.getloadavg) when the step started and when it ended. Other
    # processes on the machine slow every step down.
    load_before: float = 0.0
    load_after: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def credit_code(rng: random.Random) -> str:
    from kehu.customers.normalize import credit_check_character

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first17 = (
        "91"
        + "".join(rng.choice("0123456789") for _ in range(6))
        + "".join(rng.choice(alphabet) for _ in range(9))
    )
    return first17 + credit_check_character(first17)


def generate_rows(count: int, seed: int = 20261204) -> list[list[str]]:
    """Return `count` data rows; names, codes and mobiles are unique except the planned repeats."""
    from kehu.core import regions

    rng = random.Random(seed)
    districts = [
        (province, city, district)
        for province in regions.provinces()
        for city in regions.children_of(province.code)
        for district in regions.children_of(city.code)
    ]
    rows: list[list[str]] = []
    used_names: set[str] = set()
    mobiles = rng.sample(range(10**9), count * 2)
    mobile_index = 0

    def mobile() -> str:
        nonlocal mobile_index
        mobile_index += 1
        return f"1{rng.choice('3456789')}{mobiles[mobile_index]:09d}"

    def person() -> str:
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))

    while len(rows) < count:
        if rows and rng.random() < 0.02:
            rows.append(list(rng.choice(rows[: len(rows)])))
            continue
        province, city, district = rng.choice(districts)
        while True:
            trade = "".join(rng.choice(TRADE) for _ in range(rng.choice((2, 3))))
            city_name = regions.short_name(city.name if city.name != "市辖区" else province.name)
            name = f"{city_name}{trade}{rng.choice(BUSINESS)}{rng.choice(SUFFIXES)}"
            if name not in used_names:
                used_names.add(name)
                break
        region = regions.label(province.code, city.code, district.code)
        contact = person()
        rows.append(
            [
                name,
                credit_code(rng) if rng.random() < 0.6 else "",
                region,
                f"{rng.choice(STREETS)}{rng.randint(1, 999)}号",
                rng.choice(GRADES),
                rng.choice(SOURCES),
                ",".join(rng.sample(TAGS, rng.choice((0, 1, 2)))),
                contact,
                rng.choice(("总经理", "采购经理", "财务", "技术总监", "")),
                mobile(),
                f"{len(rows)}@example.com" if rng.random() < 0.3 else "",
            ]
        )
        if rng.random() < 0.1 and len(rows) < count:
            rows.append(["", "", "", "", "", "", "", person(), "", mobile(), ""])
    return rows[:count]


def write_file(path: Path, rows: list[list[str]], file_format: str) -> None:
    if file_format == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(rows)
        return
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("客户")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def run_import(path: Path, label: str, *, dry_run: bool, profile: bool) -> Result:
    from django.core.files import File

    from kehu.imports import services, tasks
    from kehu.org.models import User

    actor = User.objects.get(username="importer")
    with path.open("rb") as handle:
        job = services.create_import(actor, File(handle), path.name)
    job = services.set_mapping(actor, job, [e["target"] for e in job.mapping], owner=actor)
    profiler = cProfile.Profile() if profile else None
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    job = services.check_now(actor, job)
    if not dry_run:
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        tasks.run(job.pk, services.claim_for_command(actor, job))
    seconds = time.perf_counter() - started
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(
            "kehu|bulk_create|bulk_update|execute", 45
        )
    job.refresh_from_db()
    return Result(
        label,
        job.rows_total,
        seconds,
        job.created,
        job.skipped,
        job.rejected,
        job.contact_rows,
        job.contacts_created,
        load_before,
        os.getloadavg()[0],
    )


def machine() -> dict[str, str]:
    def run(command: list[str]) -> str:
        try:
            return subprocess.run(
                command, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": run(["nproc"]),
        "free -h": run(["free", "-h"]).splitlines()[1] if run(["free", "-h"]) else "",
        "cpu": model,
        "python": platform.python_version(),
        "sqlite": __import__("sqlite3").sqlite_version,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--rows", type=int, default=100_000, help="Data rows in the file (default: 100000)."
    )
    parser.add_argument(
        "--format", choices=("csv", "xlsx"), default="csv", help="File format (default: csv)."
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="Print a cProfile summary of the commit's main process (the process that prepares "
        "the batches of a large file is not included).",
    )
    args = parser.parse_args()

    shutil.rmtree(DATA_DIR, ignore_errors=True)
    DATA_DIR.mkdir(parents=True)
    setup_django(DATA_DIR)
    from django.core.management import call_command

    from kehu.org.models import Preset, User
    from kehu.org.presets import preset_role

    call_command("migrate", verbosity=0)
    User.objects.create_user("importer", display_name="导入员", role=preset_role(Preset.MANAGER))

    path = DATA_DIR / f"customers.{args.format}"
    started = time.perf_counter()
    write_file(path, generate_rows(args.rows), args.format)
    print(
        f"generated {path.name} ({path.stat().st_size / 1e6:.1f} MB) "
        f"in {time.perf_counter() - started:.1f} s"
    )

    results = [
        run_import(path, "dry run (check only)", dry_run=True, profile=False),
        run_import(path, "import into an empty database", dry_run=False, profile=args.profile),
        run_import(path, "same file again (every row a duplicate)", dry_run=False, profile=False),
    ]
    lines = [
        "| step | rows | seconds | rows/s | created | skipped | rejected | added as contacts "
        "| contacts created | load before, after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        lines.append(
            f"| {result.label} | {result.rows} | {result.seconds:.1f} "
            f"| {result.rows_per_second:,.0f} | "
            f"{result.created} | {result.skipped} | {result.rejected} | {result.contact_rows} "
            f"| {result.contacts_created} "
            f"| {result.load_before:.1f}, {result.load_after:.1f} |"
        )
    table = "\n".join(lines)
    print(table)
    facts = machine()
    print(json.dumps(facts, ensure_ascii=False))
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    report: dict[str, Any] = {
        "command": f"python -m bench.bench_import --rows {args.rows} --format {args.format}",
        "file_bytes": path.stat().st_size,
        "machine": facts,
        "results": [
            dataclasses.asdict(r) | {"rows_per_second": r.rows_per_second} for r in results
        ],
    }
    (RESULTS_DIR / f"import-{stamp}.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2)
    )
    (RESULTS_DIR / f"import-{stamp}.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
