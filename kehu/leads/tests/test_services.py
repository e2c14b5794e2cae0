import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kehu.audit.models import AuditEntry
from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.leads import campaigns, services
from kehu.leads.models import Campaign, Lead, LeadEvent, LeadEventKind, LeadStatus
from kehu.leads.queries import visible_leads

pytestmark = pytest.mark.django_db


def _lead(actor: object, mobile: str = "13912340001", **values: object) -> Lead:
    return services.create_lead(
        actor,  # type: ignore[arg-type]
        {"name": "周敏", "company": "苏州工业园区测试有限公司", "mobile": mobile, **values},
    )


def test_create_lead_normalises_mobile(personas: Personas) -> None:
    lead = _lead(personas.rep, "+86 139-1234-0001")

    assert lead.mobile == "13912340001"
    assert lead.owner == personas.rep
    assert lead.status == LeadStatus.NEW
    assert list(lead.events.values_list("kind", flat=True)) == [LeadEventKind.CREATED]
    assert AuditEntry.objects.filter(target_id=str(lead.public_id)).count() == 1


def test_create_lead_needs_a_way_to_reach(personas: Personas) -> None:
    with pytest.raises(ValidationError) as raised:
        services.create_lead(personas.rep, {"name": "周敏"})

    assert "mobile" in raised.value.message_dict
    assert Lead.objects.count() == 0


def test_invalid_mobile_names_the_value(personas: Personas) -> None:
    with pytest.raises(ValidationError) as raised:
        _lead(personas.rep, "12345")

    assert "12345" in raised.value.message_dict["mobile"][0]


def test_agent_cannot_create_lead(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        _lead(personas.agent)

    assert Lead.objects.count() == 0


def test_rep_cannot_put_lead_in_pool(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.create_lead(personas.rep, {"name": "周敏", "mobile": "13912340001"}, owner=None)


def test_visibility_by_role(personas: Personas) -> None:
    own = _lead(personas.rep, "13912340001")
    other = _lead(personas.other_rep, "13912340002")
    pooled = services.create_lead(
        personas.boss, {"name": "池中人", "mobile": "13912340003"}, owner=None
    )

    def names(user: object) -> set[str]:
        return set(visible_leads(user).values_list("mobile", flat=True))  # type: ignore[arg-type]

    assert names(personas.boss) == {own.mobile, other.mobile, pooled.mobile}
    assert names(personas.manager) == {own.mobile, pooled.mobile}
    assert names(personas.rep) == {own.mobile, pooled.mobile}
    assert names(personas.rep2) == {pooled.mobile}
    assert names(personas.agent) == set()


def test_duplicate_lead_is_refused_then_linked(personas: Personas) -> None:
    first = _lead(personas.rep)

    with pytest.raises(services.DuplicateLead) as raised:
        _lead(personas.rep2)
    assert "李销售" in raised.value.messages()[0]
    assert Lead.objects.count() == 1

    second = services.create_lead(
        personas.rep2, {"name": "周敏", "mobile": "13912340001"}, allow_duplicate=True
    )
    assert second.duplicate_of_lead == first


def test_lead_matching_customer_links_customer(personas: Personas) -> None:
    customer = customer_services.create_customer(
        personas.rep, {"name": "无锡太湖机械有限公司"}, [{"name": "吴刚", "email": "wu@taihu.cn"}]
    )

    with pytest.raises(services.DuplicateLead):
        services.create_lead(personas.rep2, {"name": "吴刚", "email": "WU@taihu.cn"})
    lead = services.create_lead(
        personas.rep2, {"name": "吴刚", "email": "WU@taihu.cn"}, allow_duplicate=True
    )

    assert lead.duplicate_of_customer == customer


def test_claim_takes_pool_lead(personas: Personas) -> None:
    pooled = services.create_lead(
        personas.manager, {"name": "池中人", "mobile": "13912340003"}, owner=None
    )

    claimed = services.claim_lead(personas.rep2, pooled)

    assert claimed.owner == personas.rep2
    with pytest.raises(ValidationError):
        services.claim_lead(personas.rep, pooled)
    pooled.refresh_from_db()
    assert pooled.owner == personas.rep2
    assert pooled.events.filter(kind=LeadEventKind.CLAIMED).count() == 1


def test_leaving_user_cannot_claim(personas: Personas) -> None:
    pooled = services.create_lead(
        personas.manager, {"name": "池中人", "mobile": "13912340003"}, owner=None
    )
    personas.rep.leaving_on = dt.date(2030, 1, 31)
    personas.rep.save(update_fields=["leaving_on"])

    with pytest.raises(PermissionDenied) as raised:
        services.claim_lead(personas.rep, pooled)

    assert "离职" in str(raised.value)
    pooled.refresh_from_db()
    assert pooled.owner is None
    assert not pooled.events.filter(kind=LeadEventKind.CLAIMED).exists()


def test_agent_cannot_claim(personas: Personas) -> None:
    pooled = services.create_lead(
        personas.manager, {"name": "池中人", "mobile": "13912340003"}, owner=None
    )

    with pytest.raises(PermissionDenied):
        services.claim_lead(personas.agent, pooled)

    pooled.refresh_from_db()
    assert pooled.owner is None


def test_manager_assigns_and_returns_to_pool(personas: Personas) -> None:
    lead = _lead(personas.rep)

    services.assign_lead(personas.manager, lead, personas.rep2)
    lead.refresh_from_db()
    assert lead.owner == personas.rep2
    services.assign_lead(personas.manager, lead, None)
    lead.refresh_from_db()
    assert lead.owner is None
    kinds = list(lead.events.values_list("kind", flat=True))
    assert kinds == [LeadEventKind.CREATED, LeadEventKind.ASSIGNED, LeadEventKind.ASSIGNED]


def test_rep_cannot_assign(personas: Personas) -> None:
    lead = _lead(personas.rep)

    with pytest.raises(PermissionDenied):
        services.assign_lead(personas.rep, lead, personas.rep2)

    lead.refresh_from_db()
    assert lead.owner == personas.rep


def test_manager_cannot_assign_outside_reach(personas: Personas) -> None:
    lead = _lead(personas.other_rep)

    with pytest.raises(PermissionDenied):
        services.assign_lead(personas.manager, lead, personas.rep)

    lead.refresh_from_db()
    assert lead.owner == personas.other_rep


def test_note_and_status(personas: Personas) -> None:
    lead = _lead(personas.rep)

    note = services.add_lead_note(personas.rep, lead, {"kind": "call", "content": "已电话沟通需求"})
    services.set_lead_status(personas.rep, lead, LeadStatus.CONTACTED)

    lead.refresh_from_db()
    assert note.author == personas.rep
    assert lead.status == LeadStatus.CONTACTED
    event = LeadEvent.objects.get(lead=lead, kind=LeadEventKind.STATUS_CHANGED)
    assert event.data == {"from": "new", "to": "contacted"}


def test_status_converted_not_settable(personas: Personas) -> None:
    lead = _lead(personas.rep)

    with pytest.raises(ValidationError) as raised:
        services.set_lead_status(personas.rep, lead, LeadStatus.CONVERTED)

    assert "converted" in raised.value.message_dict["status"][0]
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_other_rep_cannot_note(personas: Personas) -> None:
    lead = _lead(personas.rep)

    with pytest.raises(PermissionDenied):
        services.add_lead_note(personas.rep2, lead, {"content": "越权"})

    assert lead.notes.count() == 0


def test_campaign_unknown_required_field(personas: Personas) -> None:
    with pytest.raises(ValidationError) as refused:
        campaigns.create_campaign(
            personas.manager,
            {"name": "官网咨询", "fields": ["name", "mobile"], "required_fields": ["fax"]},
        )

    assert refused.value.message_dict == {"required_fields": ["“fax”不是表单字段。"]}
    assert Campaign.objects.count() == 0
