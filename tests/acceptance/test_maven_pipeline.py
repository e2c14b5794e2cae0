"""Import the Maven CRM pipeline files: products, accounts, the sales team and 8,800 deals.

The deal file names its product "GTXPro" in 1,480 rows where the product file has "GTX Pro",
and 1,425 rows have no account (222 rows have both quirks). Those rows are rejected with a
message each; no product or customer is created for them.
"""

import csv
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from kehu.conftest import Personas
from kehu.customers.models import Customer
from kehu.imports.models import ImportKind, ImportStatus
from kehu.imports.tests.helpers import counts, run
from kehu.org.models import User
from kehu.sales import pipelines
from kehu.sales.models import Deal, Pipeline, Product, StageKind
from tests.acceptance.conftest import cases_dir

pytestmark = pytest.mark.acceptance

if not cases_dir().is_dir():
    pytest.skip(
        f"acceptance files not found in {cases_dir()} (set KEHU_CASES_DIR to their folder)",
        allow_module_level=True,
    )

FOLDER = "maven-crm-sales-opportunities"


def maven_pipeline(boss: User) -> Pipeline:
    """Set up a pipeline with the file's stage names in the pipeline editor, as a boss would."""
    pipeline = pipelines.create_pipeline(boss, "Maven")
    stages = list(pipeline.stages.order_by("position"))
    open_stages = [stage for stage in stages if stage.kind == StageKind.OPEN]
    pipelines.update_stage(boss, open_stages[0], name="Prospecting", win_probability=10)
    pipelines.update_stage(boss, open_stages[1], name="Engaging", win_probability=50)
    for stage in open_stages[2:]:
        pipelines.remove_stage(boss, stage)
    for stage in stages:
        if stage.kind == StageKind.WON:
            pipelines.update_stage(boss, stage, name="Won")
        elif stage.kind == StageKind.LOST:
            pipelines.update_stage(boss, stage, name="Lost")
    return pipeline


def expected_owner_count(folder: Path, agent: str) -> int:
    """Count the agent's rows that the import accepts: with an account and a known product."""
    with (folder / "sales_pipeline.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return sum(
        1
        for row in rows
        if row["sales_agent"] == agent and row["account"] and row["product"] != "GTXPro"
    )


def test_maven_products_accounts_and_deals(personas: Personas, cases: Path) -> None:
    folder = cases / FOLDER
    boss = personas.boss
    products = run(boss, folder / "products.csv", kind=ImportKind.PRODUCTS)
    assert counts(products) == {
        "created": 7,
        "updated": 0,
        "skipped": 0,
        "rejected": 0,
        "contacts_created": 0,
    }
    assert Product.objects.get(name="GTK 500").list_price == Decimal("26768.00")

    accounts = run(
        boss,
        folder / "accounts.csv",
        targets={
            "sector": "",
            "year_established": "",
            "revenue": "",
            "employees": "",
            "office_location": "",
            "subsidiary_of": "",
        },
    )
    assert accounts.created == 85

    team = run(boss, folder / "sales_teams.csv", kind=ImportKind.USERS)
    assert team.created == 35

    pipeline = maven_pipeline(boss)
    deals = run(boss, folder / "sales_pipeline.csv", kind=ImportKind.DEALS, pipeline=pipeline)

    assert deals.status == ImportStatus.DONE
    assert counts(deals) == {
        "created": 6117,
        "updated": 0,
        "skipped": 0,
        "rejected": 2683,
        "contacts_created": 0,
    }
    assert Product.objects.count() == 7
    assert Customer.objects.count() == 85
    stored = Deal.objects.filter(pipeline=pipeline)
    assert Counter(stored.values_list("stage__name", flat=True)) == {
        "Won": 3509,
        "Lost": 2055,
        "Engaging": 424,
        "Prospecting": 129,
    }
    won = stored.filter(stage__kind=StageKind.WON)
    assert sum(won.values_list("amount", flat=True), Decimal(0)) == Decimal("6494956.00")
    assert not stored.filter(stage__kind=StageKind.OPEN).exclude(closed_at=None).exists()
    # Every agent with deals in the file owns them; the five agents without deals own none.
    owners = Counter(stored.values_list("owner__display_name", flat=True))
    assert len(owners) == 30
    assert owners["Darcel Schlecht"] == expected_owner_count(folder, "Darcel Schlecht")

    messages = Counter(
        (column, message.split("”")[0])
        for column, message in deals.problems.filter(is_warning=False).values_list(
            "column", "message"
        )
    )
    assert messages == {
        ("product", "No product is named or coded “GTXPro"): 1480,
        ("account", "The row names no customer; a deal needs one."): 1425,
    }
    example = deals.problems.filter(value="GTXPro").first()
    assert example is not None
    assert "Did you mean “GTX Pro”?" in example.message

    again = run(boss, folder / "sales_pipeline.csv", kind=ImportKind.DEALS, pipeline=pipeline)
    assert (again.created, again.skipped, again.rejected) == (0, 6117, 2683)
