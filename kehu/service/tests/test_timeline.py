"""Ticket edits on the customer timeline: one event per change, shown under the viewer's policy."""

import html
import re

from django.test import Client

from kehu.conftest import Personas
from kehu.org.models import FieldAccess, User
from kehu.service import services
from kehu.service.tests.conftest import Desk, call_api, open_leak
from kehu.timeline.models import Event, EventKind


def _restrict(user: User, policy: dict[str, str]) -> None:
    role = user.role
    assert role is not None
    role.field_policy = policy
    role.save(update_fields=["field_policy"])


def _page_changes(user: User, desk: Desk) -> list[tuple[str, str, str]]:
    """Return (label, old, new) of each field change on the customer page's timeline."""
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(user)
    page = client.get(f"/customers/{desk.customer.public_id}/").content.decode()
    found = re.findall(
        r'<li><span class="muted">(.*?)</span> <del>(.*?)</del> → <ins>(.*?)</ins></li>', page
    )
    return [(html.unescape(key), html.unescape(old), html.unescape(new)) for key, old, new in found]


def _api_changes(user: User, desk: Desk) -> list[dict[str, list[str]]]:
    path = f"/customers/{desk.customer.public_id}/timeline?kinds=events"
    status, body = call_api(user, "GET", path)
    assert status == 200
    return [
        entry["event"]["data"]["changes"]
        for entry in body
        if entry["event"]["kind"] == EventKind.TICKET_CHANGED
    ]


def test_edit_records_old_and_new_values(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)

    services.change_ticket(
        personas.rep,
        ticket,
        {"category": "installation", "priority": "urgent", "description": "DN80 球阀"},
        contact=None,
    )

    event = Event.objects.get(kind=EventKind.TICKET_CHANGED)
    assert event.customer_id == desk.customer.pk
    assert event.actor == personas.rep
    assert event.data["number"] == ticket.number
    assert event.data["changes"] == {
        "category": ["repair", "installation"],
        "priority": ["normal", "urgent"],
        "description": ["DN50 球阀接口渗漏", "DN80 球阀"],
        "contact": ["周杰", ""],
    }


def test_edit_without_changes_records_nothing(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)

    services.change_ticket(personas.rep, ticket, {"subject": "阀门漏水", "category": "repair"})

    assert not Event.objects.filter(kind=EventKind.TICKET_CHANGED).exists()


def test_long_text_is_cut_in_event(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)

    services.change_ticket(personas.rep, ticket, {"description": "漏" * 500})

    old, new = Event.objects.get(kind=EventKind.TICKET_CHANGED).data["changes"]["description"]
    assert old == "DN50 球阀接口渗漏"
    assert new == "漏" * (services.EXCERPT_LIMIT - 1) + "…"


def test_every_ticket_write_is_on_timeline(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)

    ticket = services.change_ticket(personas.rep, ticket, {"priority": "high"})
    ticket = services.assign_ticket(personas.rep, ticket, personas.rep)
    ticket = services.set_ticket_status(personas.rep, ticket, "resolved", resolution="已更换")
    ticket = services.change_ticket(personas.rep, ticket, {"resolution": "已更换密封圈"})
    services.reply_to_ticket(personas.rep, ticket, "已回访")

    events = Event.objects.filter(kind__startswith="ticket_").order_by("pk")
    kinds = list(events.values_list("kind", flat=True))
    assert kinds == [
        EventKind.TICKET_OPENED,
        EventKind.TICKET_CHANGED,
        EventKind.TICKET_ASSIGNED,
        EventKind.TICKET_STATUS_CHANGED,
        EventKind.TICKET_CHANGED,
        EventKind.TICKET_REPLIED,
    ]


def test_page_and_api_show_changes(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)

    services.change_ticket(
        personas.rep, ticket, {"priority": "urgent", "description": "DN80 球阀"}, contact=None
    )

    assert _page_changes(personas.rep, desk) == [
        ("优先级", "普通", "紧急"),
        ("联系人", "周杰", "—"),
        ("问题描述", "DN50 球阀接口渗漏", "DN80 球阀"),
    ]
    assert _api_changes(personas.rep, desk) == [
        {
            "priority": ["normal", "urgent"],
            "description": ["DN50 球阀接口渗漏", "DN80 球阀"],
            "contact": ["周杰", ""],
        }
    ]


def test_hidden_and_masked_fields_in_changes(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    services.change_ticket(
        personas.rep, ticket, {"priority": "urgent", "description": "DN80 球阀"}, contact=None
    )
    _restrict(
        personas.manager,
        {
            "ticket.priority": FieldAccess.MASKED,
            "ticket.description": FieldAccess.HIDDEN,
            "contact.name": FieldAccess.HIDDEN,
        },
    )

    page = _page_changes(personas.manager, desk)
    api = _api_changes(personas.manager, desk)

    assert page == [("优先级", "****", "****")]
    assert api == [{"priority": ["****", "****"]}]


def test_change_of_hidden_field_only_is_left_out(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    services.change_ticket(personas.rep, ticket, {"description": "DN80 球阀"})
    _restrict(personas.manager, {"ticket.description": FieldAccess.HIDDEN})
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(personas.manager)

    page = client.get(f"/customers/{desk.customer.public_id}/").content.decode()
    api = _api_changes(personas.manager, desk)

    assert "工单修改" not in page
    assert "DN80" not in page
    assert api == []
