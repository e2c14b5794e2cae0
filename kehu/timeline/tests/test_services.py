import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers.models import Customer
from kehu.timeline import services
from kehu.timeline.models import Attachment, FollowUp
from kehu.timeline.queries import timeline


@pytest.fixture
def customer(personas: Personas) -> Customer:
    created = customer_services.create_customer(
        personas.rep, {"name": "宁波海风贸易有限公司"}, owner=personas.rep
    )
    created.agents.add(personas.agent)
    return created


def test_visit_updates_follow_up_dates(personas: Personas, customer: Customer) -> None:
    follow_up = services.add_follow_up(
        personas.rep,
        customer,
        {
            "kind": "visit",
            "content": "到访工厂，了解产线需求",
            "purpose": "了解需求",
            "result": "客户有意向",
            "next_step": "下周报价",
            "next_follow_up_on": "2030-01-05",
        },
    )

    customer.refresh_from_db()
    assert customer.last_follow_up_at == follow_up.occurred_at
    assert customer.next_follow_up_on == dt.date(2030, 1, 5)
    assert follow_up.author == personas.rep


def test_agent_adds_follow_up_to_assigned(personas: Personas, customer: Customer) -> None:
    follow_up = services.add_follow_up(
        personas.agent, customer, {"kind": "call", "content": "电话沟通"}
    )

    assert follow_up.author == personas.agent


def test_other_rep_cannot_add_follow_up(personas: Personas, customer: Customer) -> None:
    with pytest.raises(PermissionDenied):
        services.add_follow_up(personas.rep2, customer, {"kind": "call", "content": "试图记录"})

    assert FollowUp.objects.count() == 0


def test_missing_content_rejected(personas: Personas, customer: Customer) -> None:
    with pytest.raises(ValidationError) as caught:
        services.add_follow_up(personas.rep, customer, {"kind": "call", "content": " "})

    assert caught.value.message_dict == {"content": ["请填写跟进内容。"]}
    assert FollowUp.objects.count() == 0


def test_edit_keeps_earlier_version(personas: Personas, customer: Customer) -> None:
    follow_up = services.add_follow_up(personas.rep, customer, {"kind": "call", "content": "初稿"})

    edited = services.edit_follow_up(personas.rep, follow_up, {"content": "修改后"})

    assert edited.content == "修改后"
    assert edited.version == 2
    revision = edited.revisions.get()
    assert revision.data["content"] == "初稿"
    assert customer.events.filter(kind="follow_up_edited").count() == 1


def test_agent_cannot_edit_others_follow_up(personas: Personas, customer: Customer) -> None:
    follow_up = services.add_follow_up(personas.rep, customer, {"kind": "call", "content": "初稿"})

    with pytest.raises(PermissionDenied):
        services.edit_follow_up(personas.agent, follow_up, {"content": "篡改"})

    follow_up.refresh_from_db()
    assert follow_up.content == "初稿"
    assert follow_up.revisions.count() == 0


def test_attachment_stored_under_generated_name(
    personas: Personas, customer: Customer, tmp_path: object
) -> None:
    upload = SimpleUploadedFile(
        "../../报价单.pdf", b"%PDF-1.4 test", content_type="application/pdf"
    )
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        attachment = services.add_attachment(personas.rep, customer, upload)

    assert attachment.original_name == "报价单.pdf"
    stored_name = str(attachment.file.name)
    assert "报价单" not in stored_name
    assert stored_name.startswith("attachments/")
    assert attachment.size == 13


@override_settings(KEHU_MAX_ATTACHMENT_MB=1)
def test_oversized_attachment_rejected(personas: Personas, customer: Customer) -> None:
    upload = SimpleUploadedFile("big.bin", b"x" * (1024 * 1024 + 1))

    with pytest.raises(ValidationError):
        services.add_attachment(personas.rep, customer, upload)

    assert Attachment.objects.count() == 0


def test_timeline_merges_events_and_filters(personas: Personas, customer: Customer) -> None:
    services.add_follow_up(personas.rep, customer, {"kind": "call", "content": "电话"})
    services.add_follow_up(personas.rep, customer, {"kind": "wechat", "content": "微信"})

    everything = timeline(customer)
    calls = timeline(customer, kinds=["call"])
    events_only = timeline(customer, kinds=["events"])

    assert [entry.kind for entry in everything].count("event") == 1
    assert len(everything) == 3
    assert [entry.follow_up.kind for entry in calls if entry.follow_up] == ["call"]
    assert [entry.event.kind for entry in events_only if entry.event] == ["created"]
