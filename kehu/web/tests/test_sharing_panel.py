"""The sharing panel of the customer page, and what a share lets a colleague do on the pages."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation

from kehu.audit.models import AuditEntry
from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import sharing
from kehu.customers.models import Customer, CustomerShare
from kehu.timeline.models import Event, FollowUp
from kehu.web.tests.conftest import ClientFor, MakeCustomer

HTMX = {"HX-Request": "true"}


@pytest.fixture
def customer(personas: Personas, make_customer: MakeCustomer) -> Customer:
    """A customer of the second rep, whom the first rep cannot see."""
    return make_customer("宁波海风贸易有限公司", owner=personas.rep2, contacts=[{"name": "赵强"}])


def _state() -> dict[str, list[Any]]:
    return {
        "customers": list(Customer.objects.order_by("pk").values()),
        "shares": list(CustomerShare.objects.order_by("pk").values()),
        "agents": list(Customer.agents.through.objects.order_by("pk").values()),
        "follow_ups": list(FollowUp.objects.order_by("pk").values()),
        "events": list(Event.objects.order_by("pk").values()),
        "audit": list(AuditEntry.objects.order_by("pk").values()),
    }


def test_owner_page_loads_panel(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    page = client_for(personas.rep2).get(customer.get_absolute_url())

    url = f"/customers/{customer.public_id}/sharing/"
    assert f'<div id="sharing-panel" hx-get="{url}" hx-trigger="load"' in page.text


@pytest.mark.parametrize("persona", ["rep", "agent"])
def test_panel_absent_for_users_who_may_not_share(
    personas: Personas, client_for: ClientFor, customer: Customer, persona: str
) -> None:
    sharing.share_customer(personas.rep2, customer, personas.rep, "read", None)
    sharing.assign_agent(personas.manager, customer, personas.agent)
    client = client_for(getattr(personas, persona))

    page = client.get(customer.get_absolute_url())
    panel = client.get(f"/customers/{customer.public_id}/sharing/", headers=HTMX)
    full = client.get(f"/customers/{customer.public_id}/sharing/")

    assert page.status_code == 200
    assert "sharing-panel" not in page.text
    assert panel.status_code == 200
    assert panel.text.strip() == ""
    assert full.status_code == 403


def test_owner_panel_lists_colleagues_not_agents(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    panel = client_for(personas.rep2).get(f"/customers/{customer.public_id}/sharing/", headers=HTMX)

    assert panel.status_code == 200
    assert "共享与外部协作者" in panel.text
    options = panel.text.split('name="user"')[1].split("</select>")[0]
    assert str(personas.rep.public_id) in options
    assert str(personas.other_rep.public_id) in options
    assert str(personas.agent.public_id) not in options
    assert str(personas.rep2.public_id) not in options
    assert 'name="agent"' not in panel.text


def test_owner_shares_through_htmx(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    response = client_for(personas.rep2).post(
        f"/customers/{customer.public_id}/sharing/",
        {"user": str(personas.rep.public_id), "access": "write", "until": "2099-12-31"},
        headers=HTMX,
    )

    assert response.status_code == 200
    share = CustomerShare.objects.get()
    assert (share.user, share.access, share.until) == (personas.rep, "write", dt.date(2099, 12, 31))
    item = response.text.split(f'id="share-{share.public_id}"')[1].split("</li>")[0]
    assert "李销售" in item
    assert "读写" in item
    assert "截至 2099-12-31" in item


def test_rejected_share_shows_error_in_panel(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    client = client_for(personas.rep2)
    before = _state()

    in_panel = client.post(
        f"/customers/{customer.public_id}/sharing/",
        {"user": str(personas.agent.public_id), "access": "read", "until": ""},
        headers=HTMX,
    )
    on_page = client.post(
        f"/customers/{customer.public_id}/sharing/",
        {"user": str(personas.rep.public_id), "access": "read", "until": "明天"},
    )

    assert in_panel.status_code == 200
    with translation.override("zh-hans"):
        message = translation.gettext("No colleague you may share with has this id.")
    assert message in in_panel.text
    assert on_page.status_code == 400
    assert "“明天”不是有效的日期" in on_page.text
    assert _state() == before


def test_without_javascript_share_redirects_to_page(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    client = client_for(personas.rep2)

    response = client.post(
        f"/customers/{customer.public_id}/sharing/",
        {"user": str(personas.rep.public_id), "access": "read", "until": ""},
    )
    page = client.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.public_id}/sharing/"
    assert page.status_code == 200
    assert "李销售" in page.text


def test_owner_stops_sharing(personas: Personas, client_for: ClientFor, customer: Customer) -> None:
    share = sharing.share_customer(personas.rep2, customer, personas.rep, "read", None)
    assert client_for(personas.rep).get(customer.get_absolute_url()).status_code == 200

    response = client_for(personas.rep2).post(f"/shares/{share.public_id}/end/", headers=HTMX)

    assert response.status_code == 200
    assert "尚未共享给任何人。" in response.text
    assert client_for(personas.rep).get(customer.get_absolute_url()).status_code == 404


def test_rep_cannot_share_someone_elses_customer(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    client = client_for(personas.rep)
    form = {"user": str(personas.other_rep.public_id), "access": "write", "until": ""}
    before = _state()

    hidden = client.post(f"/customers/{customer.public_id}/sharing/", form)
    sharing.share_customer(personas.rep2, customer, personas.rep, "write", None)
    shared_before = _state()
    shared = client.post(f"/customers/{customer.public_id}/sharing/", form)

    assert hidden.status_code == 404
    assert shared.status_code == 403
    assert len(before["shares"]) == 0
    assert _state() == shared_before


def test_read_only_share_cannot_edit_or_follow_up(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    sharing.share_customer(personas.rep2, customer, personas.rep, "read", None)
    client = client_for(personas.rep)
    before = _state()

    page = client.get(customer.get_absolute_url())
    edit = client.post(f"/customers/{customer.public_id}/edit/", {"name": "改名"})
    follow_up = client.post(
        f"/customers/{customer.public_id}/follow-ups/", {"kind": "call", "content": "电话"}
    )

    assert page.status_code == 200
    assert 'id="follow-up-form"' not in page.text
    assert edit.status_code == 403
    assert follow_up.status_code == 403
    assert _state() == before


def test_read_write_share_edits_and_follows_up(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    sharing.share_customer(personas.rep2, customer, personas.rep, "write", None)
    client = client_for(personas.rep)

    page = client.get(customer.get_absolute_url())
    follow_up = client.post(
        f"/customers/{customer.public_id}/follow-ups/", {"kind": "call", "content": "电话回访"}
    )

    assert 'id="follow-up-form"' in page.text
    assert follow_up.status_code == 302
    assert FollowUp.objects.get().author == personas.rep


def test_expired_share_page_is_404(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    clock.freeze(timezone.make_aware(dt.datetime(2026, 3, 10, 9, 0)))
    try:
        sharing.share_customer(personas.rep2, customer, personas.rep, "read", dt.date(2026, 3, 10))
        client = client_for(personas.rep)
        assert client.get(customer.get_absolute_url()).status_code == 200

        clock.freeze(timezone.make_aware(dt.datetime(2026, 3, 11, 0, 0)))
        assert client.get(customer.get_absolute_url()).status_code == 404
        panel = client_for(personas.rep2).get(
            f"/customers/{customer.public_id}/sharing/", headers=HTMX
        )
        assert "已于 2026-03-10 结束" in panel.text
    finally:
        clock.freeze(None)


def test_manager_assigns_agent_on_panel(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    client = client_for(personas.manager)
    panel = client.get(f"/customers/{customer.public_id}/sharing/", headers=HTMX)

    response = client.post(
        f"/customers/{customer.public_id}/agents/",
        {"agent": str(personas.agent.public_id)},
        headers=HTMX,
    )

    assert f'<option value="{personas.agent.public_id}">' in panel.text
    assert response.status_code == 200
    assert f'id="agent-{personas.agent.public_id}"' in response.text
    assert client_for(personas.agent).get(customer.get_absolute_url()).status_code == 200

    removed = client.post(
        f"/customers/{customer.public_id}/agents/remove/",
        {"agent": str(personas.agent.public_id)},
    )

    assert removed.status_code == 302
    assert client_for(personas.agent).get(customer.get_absolute_url()).status_code == 404


def test_owner_rep_cannot_assign_agent(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    before = _state()

    response = client_for(personas.rep2).post(
        f"/customers/{customer.public_id}/agents/", {"agent": str(personas.agent.public_id)}
    )

    assert response.status_code == 403
    assert _state() == before


def test_timeline_shows_sharing_events(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    share = sharing.share_customer(
        personas.rep2, customer, personas.rep, "read", dt.date(2099, 1, 2)
    )
    sharing.unshare(personas.rep2, share)
    sharing.assign_agent(personas.manager, customer, personas.agent)

    page = client_for(personas.rep2).get(customer.get_absolute_url())

    assert "已共享给同事" in page.text
    assert "李销售，只读，截至 2099-01-02" in page.text
    assert "已停止共享" in page.text
    assert "已指派外部协作者" in page.text
