"""Who reads and who writes tickets, and the ticket fields in the role editor."""

import pytest
from django.test import Client

from kehu.conftest import Personas
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import Capability
from kehu.service import services
from kehu.service.queries import (
    may_write_customer_tickets,
    may_write_tickets,
    visible_replies,
    visible_tickets,
    writable_tickets,
)
from kehu.service.tests.conftest import Desk, open_leak


@pytest.mark.parametrize(
    ("persona", "reads", "writes"),
    [
        ("boss", ["mine", "south"], ["mine", "south"]),
        ("manager", ["mine"], ["mine"]),
        ("rep", ["mine"], ["mine"]),
        # The second rep holds a read-only share of the east rep's customer.
        ("rep2", ["mine"], []),
        ("agent", ["mine"], []),
        ("other_rep", ["south"], ["south"]),
    ],
)
def test_visible_and_writable_tickets(
    personas: Personas, desk: Desk, persona: str, reads: list[str], writes: list[str]
) -> None:
    tickets = {
        "mine": open_leak(personas, desk),
        "south": services.open_ticket(
            personas.other_rep, desk.other_customer, {"subject": "电缆破损", "category": "return"}
        ),
    }
    user = getattr(personas, persona)

    readable = set(visible_tickets(user).values_list("pk", flat=True))
    writable = set(writable_tickets(user).values_list("pk", flat=True))

    assert readable == {tickets[key].pk for key in reads}
    assert writable == {tickets[key].pk for key in writes}


def test_agent_role_never_writes_even_with_capabilities(personas: Personas, desk: Desk) -> None:
    role = personas.agent.role
    assert role is not None
    role.capabilities = [Capability.FOLLOW_UP, Capability.EDIT]
    role.save(update_fields=["capabilities"])
    personas.agent.refresh_from_db()

    assert may_write_tickets(personas.agent) is False
    assert may_write_customer_tickets(personas.agent, desk.customer) is False


def test_role_without_follow_up_may_not_write(personas: Personas, desk: Desk) -> None:
    role = personas.rep.role
    assert role is not None
    role.capabilities = [Capability.CREATE, Capability.EDIT]
    role.save(update_fields=["capabilities"])
    personas.rep.refresh_from_db()

    assert may_write_tickets(personas.rep) is False


def test_replies_follow_the_ticket(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    services.reply_to_ticket(personas.rep, ticket, "已受理")

    assert visible_replies(personas.agent, ticket).count() == 1
    assert visible_replies(personas.other_rep, ticket).count() == 0


def test_ticket_fields_are_registered(db: None) -> None:
    keys = list(field_map(FieldTarget.TICKET))

    assert keys[:3] == ["number", "subject", "category"]
    assert {"status", "assignee", "description", "resolution", "replies", "closed_at"} <= set(keys)


def test_role_editor_lists_ticket_fields(personas: Personas) -> None:
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(personas.boss)
    role = personas.rep.role
    assert role is not None

    body = client.get(f"/settings/roles/{role.public_id}/edit/").content.decode()

    assert 'name="policy.ticket.resolution"' in body
    assert 'name="policy.ticket.replies"' in body
    assert "处理结果" in body
