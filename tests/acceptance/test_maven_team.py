"""Import the sales team roster of the Maven CRM sample: agents, their managers and offices.

The file lists 35 sales agents with their manager and regional office. The 6 managers appear
only in the manager column, so the import adds them as sales managers in their agents' office.
"""

from pathlib import Path

import pytest

from kehu.conftest import Personas
from kehu.imports.models import ImportKind, ImportStatus
from kehu.imports.tests.helpers import check, counts, prepare, problems, run
from kehu.org.models import Department, Preset, User
from kehu.org.presets import preset_role

pytestmark = pytest.mark.acceptance

OFFICES = ["Central", "East", "West"]


def test_maven_sales_teams(personas: Personas, cases: Path) -> None:
    path = cases / "maven-crm-sales-opportunities" / "sales_teams.csv"
    stored = set(User.objects.values_list("pk", flat=True))

    checked = check(personas.boss, prepare(personas.boss, path, kind=ImportKind.USERS))
    job = run(personas.boss, path, kind=ImportKind.USERS)

    expected = {"created": 35, "updated": 0, "skipped": 0, "rejected": 0, "contacts_created": 0}
    assert counts(checked) == expected
    assert job.status == ImportStatus.DONE
    assert counts(job) == expected
    assert problems(job) == []
    new_users = User.objects.exclude(pk__in=stored).select_related("role", "department")
    agents = [user for user in new_users if user.role == preset_role(Preset.REP)]
    managers = [user for user in new_users if user.role == preset_role(Preset.MANAGER)]
    assert (len(new_users), len(agents), len(managers)) == (41, 35, 6)
    company = Department.objects.get(name="总公司")
    offices = Department.objects.filter(name__in=OFFICES).order_by("name")
    assert [(office.name, office.parent) for office in offices] == [
        (name, company) for name in OFFICES
    ]
    anna = User.objects.select_related("manager", "department").get(display_name="Anna Snelling")
    assert anna.username == "anna.snelling"
    assert anna.manager is not None
    assert anna.manager.display_name == "Dustin Brinkmann"
    assert anna.department is not None
    assert anna.department.name == "Central"
    for agent in agents:
        assert agent.manager is not None
        assert agent.manager.department == agent.department
        assert not agent.has_usable_password()
    assert sorted(manager.display_name for manager in managers) == [
        "Cara Losch",
        "Celia Rouche",
        "Dustin Brinkmann",
        "Melvin Marxen",
        "Rocco Neubert",
        "Summer Sewald",
    ]
    assert sum(1 for problem in problems(job, warnings=True) if "was not a user" in problem[3]) == 6
