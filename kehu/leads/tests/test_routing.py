"""Leads from forms and the intake API are routed by the assignment rules."""

import pytest

from kehu.assignment import services as assignment
from kehu.conftest import Personas
from kehu.leads import campaigns, intake
from kehu.leads.models import Campaign, Lead, LeadEvent, LeadEventKind, LeadStatus

pytestmark = pytest.mark.django_db

FIELDS = ["name", "mobile", "province", "city", "industry", "message"]


@pytest.fixture
def fair(personas: Personas) -> Campaign:
    return campaigns.create_campaign(
        personas.manager,
        {"name": "杭州展会", "fields": FIELDS, "required_fields": ["name"], "source": "exhibition"},
    )


def _submit(campaign: Campaign, name: str, mobile: str, province: str = "浙江") -> Lead:
    values = {"name": name, "mobile": mobile, "province": province, "industry": "it"}
    outcome = intake.submit_lead(values, channel="form", campaign=campaign)
    assert outcome == intake.Outcome.CREATED
    return Lead.objects.get(mobile=mobile)


def test_matching_rule_routes_lead_and_records_it(personas: Personas, fair: Campaign) -> None:
    rule = assignment.create_rule(
        personas.boss,
        {
            "name": "浙江线索",
            "applies_to": "lead",
            "regions": "浙江",
            "route": "user",
            "user": personas.rep2,
        },
    )

    lead = _submit(fair, "冯雪", "13811112222")

    assert lead.owner == personas.rep2
    created = LeadEvent.objects.get(lead=lead, kind=LeadEventKind.CREATED)
    assert created.data["routing"] == "rule"
    assert created.data["rule_name"] == rule.name


def test_rules_for_customers_only_leave_leads_in_the_pool(
    personas: Personas, fair: Campaign
) -> None:
    assignment.create_rule(
        personas.boss,
        {
            "name": "浙江客户",
            "applies_to": "customer",
            "regions": "浙江",
            "route": "user",
            "user": personas.rep2,
        },
    )

    lead = _submit(fair, "冯雪", "13811112222")

    assert lead.owner is None
    created = LeadEvent.objects.get(lead=lead, kind=LeadEventKind.CREATED)
    assert created.data["routing"] == "pool"


def test_no_match_leaves_lead_in_the_pool(personas: Personas, fair: Campaign) -> None:
    assignment.create_rule(
        personas.boss,
        {
            "name": "江苏线索",
            "applies_to": "lead",
            "regions": "江苏",
            "route": "user",
            "user": personas.rep2,
        },
    )

    assert _submit(fair, "冯雪", "13811112222").owner is None


def test_least_loaded_counts_open_leads(personas: Personas, fair: Campaign) -> None:
    assignment.create_rule(
        personas.boss,
        {
            "name": "轮空最少",
            "applies_to": "lead",
            "route": "least_loaded",
            "users": [personas.rep, personas.rep2],
        },
    )
    # rep already works two open leads and has a closed one; rep2 has one open lead.
    for index, (owner, status) in enumerate(
        [
            (personas.rep, LeadStatus.NEW),
            (personas.rep, LeadStatus.CONTACTED),
            (personas.rep, LeadStatus.CLOSED),
            (personas.rep2, LeadStatus.NEW),
        ]
    ):
        lead = _submit(fair, f"旧线索{index}", f"1390000000{index}")
        Lead.objects.filter(pk=lead.pk).update(owner=owner, status=status)

    owners = [_submit(fair, f"新线索{i}", f"1370000000{i}").owner for i in range(3)]

    # rep2 first (1 against 2), then they are even and either may come next, then the other.
    assert owners[0] == personas.rep2
    assert sorted(owner.pk for owner in owners[1:] if owner) == sorted(
        [personas.rep.pk, personas.rep2.pk]
    )
