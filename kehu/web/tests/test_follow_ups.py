import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.fixtures import Settings

from kehu.conftest import Personas
from kehu.customers.models import Customer
from kehu.timeline import services as timeline_services
from kehu.timeline.models import Attachment, FollowUp
from kehu.web.tests.conftest import ClientFor, MakeCustomer


@pytest.fixture
def customer(personas: Personas, make_customer: MakeCustomer) -> Customer:
    created = make_customer("杭州星星科技有限公司", owner=personas.rep)
    created.agents.add(personas.agent)
    return created


def _post_url(customer: Customer) -> str:
    return f"/customers/{customer.public_id}/follow-ups/"


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_htmx_follow_up_returns_entry_and_fresh_form(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    response = client_for(personas.rep).post(
        _post_url(customer),
        {
            "kind": "visit",
            "occurred_at": "2024-03-05T14:30",
            "content": "到访工厂，了解产线需求",
            "purpose": "了解需求",
            "result": "有意向",
            "next_step": "下周报价",
            "next_follow_up_on": "2030-01-05",
        },
        HTTP_HX_REQUEST="true",
    )

    follow_up = FollowUp.objects.get()
    assert response.status_code == 200
    assert response.text.lstrip().startswith(
        f'<li class="entry follow-up kind-visit" id="follow-up-{follow_up.public_id}">'
    )
    assert "到访工厂，了解产线需求" in response.text
    assert "2024-03-05 14:30" in response.text
    assert 'id="follow-up-form"' in response.text
    assert 'hx-swap-oob="outerHTML"' in response.text
    assert '<textarea name="content" id="id_content" rows="3"></textarea>' in response.text
    assert follow_up.purpose == "了解需求"
    assert follow_up.author == personas.rep
    customer.refresh_from_db()
    assert customer.next_follow_up_on is not None
    assert customer.next_follow_up_on.isoformat() == "2030-01-05"


def test_plain_post_redirects_to_timeline(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    response = client_for(personas.rep).post(
        _post_url(customer), {"kind": "call", "content": "电话沟通报价"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.public_id}/#timeline"
    assert FollowUp.objects.get().content == "电话沟通报价"


def test_visit_fields_ignored_for_a_call(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    client_for(personas.rep).post(
        _post_url(customer), {"kind": "call", "content": "电话", "purpose": "隐藏的字段"}
    )

    assert FollowUp.objects.get().purpose == ""


def test_missing_content_shows_error_htmx(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    response = client_for(personas.rep).post(
        _post_url(customer), {"kind": "call", "content": " "}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#follow-up-form"
    assert response["HX-Reswap"] == "outerHTML"
    assert '<p class="error">请填写跟进内容。</p>' in response.text
    assert FollowUp.objects.count() == 0


def test_missing_content_shows_error_plain(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    response = client_for(personas.rep).post(_post_url(customer), {"kind": "fax", "content": ""})

    assert response.status_code == 400
    assert "<html" in response.text
    assert "“fax”不是有效的跟进类型。" in response.text
    assert "请填写跟进内容。" in response.text
    assert FollowUp.objects.count() == 0


def test_attachment_stored_and_downloaded(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    client = client_for(personas.rep)
    upload = SimpleUploadedFile(
        "报价单 2024.pdf", b"%PDF-1.4 quote", content_type="application/pdf"
    )

    response = client.post(
        _post_url(customer),
        {"kind": "email", "content": "发送报价单", "attachments": [upload]},
        HTTP_HX_REQUEST="true",
    )
    attachment = Attachment.objects.get()
    download = client.get(f"/attachments/{attachment.public_id}/")

    assert f'href="/attachments/{attachment.public_id}/">报价单 2024.pdf</a>' in response.text
    assert attachment.follow_up == FollowUp.objects.get()
    assert download.status_code == 200
    assert download.getvalue() == b"%PDF-1.4 quote"
    assert download["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E6%8A%A5%E4%BB%B7%E5%8D%95%202024.pdf"
    )
    assert download["Content-Type"] == "application/pdf"


def test_other_rep_cannot_download_attachment(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    upload = SimpleUploadedFile("合同.pdf", b"secret", content_type="application/pdf")
    attachment = timeline_services.add_attachment(personas.rep, customer, upload)
    client = client_for(personas.rep2)

    hidden = client.get(f"/attachments/{attachment.public_id}/")
    missing = client.get(f"/attachments/{uuid.uuid4()}/")

    assert hidden.status_code == 404
    assert hidden.content == missing.content
    assert b"secret" not in hidden.content


def test_oversized_attachment_rolls_back_follow_up(
    personas: Personas, client_for: ClientFor, customer: Customer, settings: Settings
) -> None:
    settings.KEHU_MAX_ATTACHMENT_MB = 1
    small = SimpleUploadedFile("a.txt", b"fine")
    large = SimpleUploadedFile("b.bin", b"x" * (1024 * 1024 + 1))

    response = client_for(personas.rep).post(
        _post_url(customer),
        {"kind": "call", "content": "附上两个文件", "attachments": [small, large]},
        HTTP_HX_REQUEST="true",
    )

    assert response["HX-Retarget"] == "#follow-up-form"
    assert "文件超过 1 MB" in response.text
    assert "附上两个文件" in response.text
    assert FollowUp.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert _stored_files() == []


def test_agent_adds_follow_up_to_assigned_customer(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    response = client_for(personas.agent).post(
        _post_url(customer), {"kind": "wechat", "content": "代理微信回访"}
    )

    assert response.status_code == 302
    assert FollowUp.objects.get().author == personas.agent


def test_other_rep_cannot_post_follow_up(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    response = client_for(personas.rep2).post(
        _post_url(customer), {"kind": "call", "content": "越权记录"}
    )

    assert response.status_code == 404
    assert FollowUp.objects.count() == 0


def test_follow_up_post_needs_post(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    response = client_for(personas.rep).get(_post_url(customer))

    assert response.status_code == 405


def test_author_edits_follow_up_and_keeps_revision(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    follow_up = timeline_services.add_follow_up(
        personas.rep, customer, {"kind": "call", "content": "第一次沟通"}
    )
    client = client_for(personas.rep)

    form = client.get(f"/follow-ups/{follow_up.public_id}/edit/")
    response = client.post(
        f"/follow-ups/{follow_up.public_id}/edit/",
        {"kind": "call", "occurred_at": "2024-03-05T09:00", "content": "第一次沟通（已确认预算）"},
    )

    assert form.status_code == 200
    assert "第一次沟通</textarea>" in form.text
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.content == "第一次沟通（已确认预算）"
    assert follow_up.revisions.get().data["content"] == "第一次沟通"


def test_edit_follow_up_shows_field_error(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    follow_up = timeline_services.add_follow_up(
        personas.rep, customer, {"kind": "call", "content": "原文"}
    )

    response = client_for(personas.rep).post(
        f"/follow-ups/{follow_up.public_id}/edit/",
        {"kind": "call", "occurred_at": "2999-01-01T09:00", "content": "改后"},
    )

    assert response.status_code == 400
    assert "跟进时间不能晚于当前时间。" in response.text
    follow_up.refresh_from_db()
    assert follow_up.content == "原文"
    assert follow_up.revisions.count() == 0


def test_agent_cannot_edit_reps_follow_up(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    follow_up = timeline_services.add_follow_up(
        personas.rep, customer, {"kind": "call", "content": "原文"}
    )
    client = client_for(personas.agent)

    form = client.get(f"/follow-ups/{follow_up.public_id}/edit/")
    post = client.post(
        f"/follow-ups/{follow_up.public_id}/edit/", {"kind": "call", "content": "代理改写"}
    )

    assert form.status_code == 403
    assert post.status_code == 403
    follow_up.refresh_from_db()
    assert follow_up.content == "原文"
    assert follow_up.revisions.count() == 0


def test_other_rep_cannot_see_follow_up_edit(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    follow_up = timeline_services.add_follow_up(
        personas.rep, customer, {"kind": "call", "content": "原文"}
    )

    response = client_for(personas.rep2).post(
        f"/follow-ups/{follow_up.public_id}/edit/", {"kind": "call", "content": "越权"}
    )

    assert response.status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.content == "原文"
