import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import services as customer_services
from kehu.customers.models import Customer
from kehu.leads import conversion, intake, services
from kehu.leads.models import Campaign, Lead, LeadChannel, LeadStatus
from kehu.sales.models import Deal
from kehu.timeline.models import Event, EventKind, FollowUp

pytestmark = pytest.mark.django_db


def _lead(personas: Personas) -> Lead:
    return services.create_lead(
        personas.rep,
        {
            "name": "周敏",
            "company": "苏州园区精密模具有限公司",
            "mobile": "13912340001",
            "email": "zhou@mould.cn",
            "source": "exhibition",
            "province": "江苏",
        },
    )


def test_conversion_keeps_history(personas: Personas) -> None:
    lead = _lead(personas)
    earlier = clock.now() - dt.timedelta(days=3)
    services.add_lead_note(
        personas.rep, lead, {"kind": "call", "content": "展会后首次电话", "occurred_at": earlier}
    )
    services.add_lead_note(personas.manager, lead, {"content": "经理备注：重点跟进"})

    customer = conversion.convert_lead(
        personas.rep, lead, deal={"name": "模具年度采购", "amount": "50000"}
    )

    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    assert lead.converted_customer == customer
    assert customer.name == "苏州园区精密模具有限公司"
    assert customer.owner == personas.rep
    assert customer.source == "exhibition"
    assert customer.province_code == "32"
    contact = customer.contacts.get()
    assert (contact.name, contact.mobile, contact.email) == ("周敏", "13912340001", "zhou@mould.cn")
    follow_ups = list(FollowUp.objects.filter(customer=customer).order_by("occurred_at"))
    assert [f.content for f in follow_ups] == ["展会后首次电话", "经理备注：重点跟进"]
    assert [f.author for f in follow_ups] == [personas.rep, personas.manager]
    assert follow_ups[0].occurred_at == earlier
    assert follow_ups[0].kind == "call"
    event = Event.objects.get(customer=customer, kind=EventKind.CONVERTED_FROM_LEAD)
    assert event.data["source"] == "exhibition"
    assert [item["kind"] for item in event.data["history"]] == ["created"]
    assert Deal.objects.get(customer=customer).name == "模具年度采购"
    customer.refresh_from_db()
    assert customer.last_follow_up_at is not None


def test_conversion_keeps_repeat_messages(personas: Personas, campaign: Campaign) -> None:
    first_at = clock.now() - dt.timedelta(days=2)
    again_at = clock.now() - dt.timedelta(days=1)
    person = {"name": "冯雪", "mobile": "13811112222", "company": "宁波海风贸易有限公司"}
    for at, message in ((first_at, "想了解报价"), (again_at, "请尽快回电，下周要下单")):
        clock.freeze(at)
        try:
            intake.submit_lead(
                {**person, "message": message},
                channel=LeadChannel.FORM,
                campaign=campaign,
                consent=True,
            )
        finally:
            clock.freeze(None)
    lead = Lead.objects.get()
    services.claim_lead(personas.rep, lead)

    customer = conversion.convert_lead(personas.rep, lead)

    submitted = Event.objects.get(customer=customer, kind=EventKind.LEAD_SUBMITTED)
    assert submitted.occurred_at == again_at
    assert submitted.data["message"] == "请尽快回电，下周要下单"
    assert submitted.data["campaign"] == "2026 上海工博会"
    assert submitted.data["channel"] == "form"
    converted = Event.objects.get(customer=customer, kind=EventKind.CONVERTED_FROM_LEAD)
    assert converted.data["message"] == "想了解报价"
    messages = [item.get("message") for item in converted.data["history"]]
    assert messages == ["想了解报价", "请尽快回电，下周要下单", None]


def test_conversion_errors_name_their_input(personas: Personas) -> None:
    lead = _lead(personas)

    with pytest.raises(ValidationError) as unnamed:
        conversion.convert_lead(personas.rep, lead, customer={"name": ""})
    with pytest.raises(ValidationError) as bad_deal:
        conversion.convert_lead(personas.rep, lead, deal={"name": "", "amount": "abc"})

    assert list(unnamed.value.message_dict) == ["customer_name"]
    assert sorted(bad_deal.value.message_dict) == ["deal.amount", "deal.name"]
    assert Customer.objects.count() == 0
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_duplicate_customer_rolls_back(personas: Personas) -> None:
    lead = _lead(personas)
    customer_services.create_customer(
        personas.rep2, {"name": "苏州园区精密模具有限公司"}, [{"name": "钱工"}]
    )

    with pytest.raises(customer_services.DuplicateCustomer) as raised:
        conversion.convert_lead(personas.rep, lead)

    assert raised.value.blocking
    assert "张销售" in raised.value.messages()[0]
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert Customer.objects.count() == 1
    assert FollowUp.objects.count() == 0


def test_convert_into_existing_customer(personas: Personas) -> None:
    existing = customer_services.create_customer(
        personas.rep, {"name": "苏州园区精密模具有限公司"}, [{"name": "钱工"}]
    )
    lead = services.create_lead(
        personas.rep,
        {"name": "周敏", "company": "苏州园区精密模具有限公司", "mobile": "13912340001"},
    )
    services.add_lead_note(personas.rep, lead, {"content": "已确认是老客户的新联系人"})

    target = conversion.convert_lead(personas.rep, lead, existing=existing)

    assert target == existing
    assert sorted(existing.contacts.values_list("name", flat=True)) == ["周敏", "钱工"]
    assert existing.follow_ups.get().content == "已确认是老客户的新联系人"
    assert Customer.objects.count() == 1
    lead.refresh_from_db()
    assert lead.converted_customer == existing


def test_existing_customer_outside_reach_refused(personas: Personas) -> None:
    other = customer_services.create_customer(personas.other_rep, {"name": "广州某公司"})
    lead = _lead(personas)

    with pytest.raises(PermissionDenied):
        conversion.convert_lead(personas.rep, lead, existing=other)

    assert other.contacts.count() == 0
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_lead_converts_once(personas: Personas) -> None:
    lead = _lead(personas)
    conversion.convert_lead(personas.rep, lead)

    with pytest.raises(ValidationError):
        conversion.convert_lead(personas.manager, Lead.objects.get(pk=lead.pk))

    assert Customer.objects.count() == 1
