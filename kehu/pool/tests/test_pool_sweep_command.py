"""The pool_sweep command: its text and JSON output, and a dry run that changes nothing."""

import io
import json

import pytest
from django.core.management import call_command
from django.utils import translation

from kehu.core import clock
from kehu.customers.models import Customer
from kehu.pool.models import EntryCause, Pool, PoolEntry, ReclaimWarning
from kehu.pool.tests.conftest import MakeCustomer, at

pytestmark = pytest.mark.django_db


def run(*arguments: str) -> str:
    output = io.StringIO()
    call_command("pool_sweep", *arguments, stdout=output)
    return output.getvalue()


@pytest.fixture
def due(pool: Pool, make_customer: MakeCustomer) -> Pool:
    """Two customers due on 2026-03-01 and one warned, with two rules on."""
    pool.no_follow_up_on = True
    pool.no_win_on = True
    pool.warning_on = True
    pool.save()
    make_customer(at(2026, 1, 1))
    make_customer(at(2026, 1, 2))
    make_customer(at(2026, 2, 1))
    clock.freeze(at(2026, 3, 1, 1))
    return pool


def test_dry_run_prints_and_changes_nothing(due: Pool) -> None:
    with translation.override("en"):
        output = run("--dry-run")

    lines = output.splitlines()
    assert lines[:2] == [
        f"{due.name} (Reclaimed: no follow-up): would reclaim 2, would warn 1",
        f"{due.name} (Reclaimed: no won deal): would reclaim 0, would warn 0",
    ]
    assert lines[2].startswith("A sweep on 2026-03-01 would reclaim 2 in total (")
    assert len(lines) == 3
    assert Customer.objects.filter(owner__isnull=True).count() == 0
    assert PoolEntry.objects.count() == 0
    assert ReclaimWarning.objects.count() == 0


def test_text_defaults_to_chinese(due: Pool) -> None:
    output = run()

    lines = output.splitlines()
    assert lines[:2] == [
        f"{due.name}（收回：未跟进）：收回 2 个，提醒 1 个",
        f"{due.name}（收回：未成交）：收回 0 个，提醒 0 个",
    ]
    assert lines[2].startswith("2026-03-01 共收回 2 个（用时 ")
    assert PoolEntry.objects.count() == 2


def test_json_keys_stay_english(due: Pool) -> None:
    report = json.loads(run("--json", "--dry-run"))

    assert list(report) == ["day", "dry_run", "seconds", "results"]
    assert report["results"][0]["rule"] == "no_follow_up"


def test_json_reports_each_pool_and_rule(due: Pool) -> None:
    report = json.loads(run("--json"))

    assert report["day"] == "2026-03-01"
    assert report["dry_run"] is False
    assert report["results"] == [
        {"pool": due.name, "rule": EntryCause.NO_FOLLOW_UP, "reclaimed": 2, "warned": 1},
        {"pool": due.name, "rule": EntryCause.NO_WIN, "reclaimed": 0, "warned": 0},
    ]
    assert PoolEntry.objects.count() == 2

    again = json.loads(run("--json"))
    assert [r["reclaimed"] for r in again["results"]] == [0, 0]
    assert [r["warned"] for r in again["results"]] == [0, 0]


def test_no_rules_says_so(pool: Pool) -> None:
    with translation.override("en"):
        assert run().splitlines()[0] == "No pool has a reclaim rule switched on."
