"""Import the Maven CRM pipeline files: accounts, products and 8,800 deals, with exact counts.

The deal file names its product "GTXPro" in 1,480 rows where the product file says "GTX Pro",
and 1,425 rows have no account (222 rows have both quirks). Those rows are rejected with a
message each; no product or customer is created for them.
"""

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from kehu.conftest import Personas
from kehu.customers.models import Customer
from kehu.imports.models import ImportKind, ImportStatus
from kehu.imports.tests.helpers import counts, run
from kehu.sales.models import Deal, Pipeline, Product, Stage, StageKind
from tests.acceptance.conftest import cases_dir

pytestmark = pytest.mark.acceptance

if not cases_dir().is_dir():
    pytest.skip(
        f"acceptance files not found in {cases_dir()} (set KEHU_CASES_DIR to their folder)",
        allow_module_level=True,
    )

FOLDER = "maven-crm-sales-opportunities"


def maven_pipeline() -> Pipeline:
    """Return a pipeline with the file's stage names, as an administrator would set it up."""
    pipeline = Pipeline.objects.create(name="Maven")
    stages = [
        ("Prospecting", 10, StageKind.OPEN),
        ("Engaging", 50, StageKind.OPEN),
        ("Won", 100, StageKind.WON),
        ("Lost", 0, StageKind.LOST),
    ]
    for position, (name, probability, kind) in enumerate(stages, start=1):
        Stage.objects.create(
            pipeline=pipeline, name=name, position=position, win_probability=probability, kind=kind
        )
    return pipeline


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

    pipeline = maven_pipeline()
    deals = run(
        boss,
        folder / "sales_pipeline.csv",
        kind=ImportKind.DEALS,
        # The agents are not users of this company; their deals go to the importing user.
        targets={"sales_agent": ""},
        pipeline=pipeline,
    )

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

    again = run(
        boss,
        folder / "sales_pipeline.csv",
        kind=ImportKind.DEALS,
        targets={"sales_agent": ""},
        pipeline=pipeline,
    )
    assert (again.created, again.skipped, again.rejected) == (0, 6117, 2683)
