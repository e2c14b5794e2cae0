"""Hand over the Maven CRM agent with the most open deals to a colleague in the same office.

The accounts belong to the importing boss, so every deal of the agent sits on someone else's
customer and goes to the successor as a record that does not follow a customer.
"""

from collections import Counter
from pathlib import Path

import pytest
from django.db.models import Count

from kehu.conftest import Personas
from kehu.handover.execute import execute_handover
from kehu.handover.models import SuccessorMode
from kehu.handover.plan import PlanChoice, build_plan
from kehu.imports.models import ImportKind
from kehu.imports.tests.helpers import run
from kehu.org.models import Preset, User
from kehu.org.presets import preset_role
from kehu.sales.models import Deal, StageKind
from tests.acceptance.conftest import cases_dir
from tests.acceptance.test_maven_pipeline import FOLDER, maven_pipeline

pytestmark = pytest.mark.acceptance

if not cases_dir().is_dir():
    pytest.skip(
        f"acceptance files not found in {cases_dir()} (set KEHU_CASES_DIR to their folder)",
        allow_module_level=True,
    )

ACCOUNT_COLUMNS_IGNORED = (
    "sector",
    "year_established",
    "revenue",
    "employees",
    "office_location",
    "subsidiary_of",
)


def test_agent_with_most_open_deals(personas: Personas, cases: Path) -> None:
    folder = cases / FOLDER
    boss = personas.boss
    run(boss, folder / "products.csv", kind=ImportKind.PRODUCTS)
    run(boss, folder / "accounts.csv", targets=dict.fromkeys(ACCOUNT_COLUMNS_IGNORED, ""))
    run(boss, folder / "sales_teams.csv", kind=ImportKind.USERS)
    pipeline = maven_pipeline(boss)
    run(boss, folder / "sales_pipeline.csv", kind=ImportKind.DEALS, pipeline=pipeline)
    busiest = (
        Deal.objects.filter(stage__kind=StageKind.OPEN)
        .values("owner_id")
        .annotate(open_deals=Count("pk"))
        .order_by("-open_deals", "owner_id")
        .first()
    )
    assert busiest is not None
    leaver = User.objects.select_related("role").get(pk=busiest["owner_id"])
    successor = (
        User.objects.filter(department=leaver.department, role=preset_role(Preset.REP))
        .exclude(pk=leaver.pk)
        .order_by("pk")
        .first()
    )
    assert successor is not None
    stages = dict(Deal.objects.filter(owner=leaver).values_list("pk", "stage_id"))
    amounts = dict(Deal.objects.filter(owner=leaver).values_list("pk", "amount"))
    others = Counter(Deal.objects.exclude(owner=leaver).values_list("owner_id", flat=True))
    assert busiest["open_deals"] > 0

    handover = build_plan(
        boss, leaver, PlanChoice(mode=SuccessorMode.USERS, successors=[successor])
    )
    result = execute_handover(boss, handover)

    assert result["totals"]["deals"] == len(stages)
    assert result["skipped"] == 0
    assert not Deal.objects.filter(owner=leaver).exists()
    moved = Deal.objects.filter(pk__in=stages)
    assert set(moved.values_list("owner_id", flat=True)) == {successor.pk}
    assert dict(moved.values_list("pk", "stage_id")) == stages
    assert dict(moved.values_list("pk", "amount")) == amounts
    others[successor.pk] += len(stages)
    assert Counter(Deal.objects.values_list("owner_id", flat=True)) == +others
