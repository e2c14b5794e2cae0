"""A follow-up's next date becomes the customer's, so it follows that field's policy."""

from kehu.conftest import Personas
from kehu.customers import services
from kehu.customers.models import Customer
from kehu.timeline import services as timeline_services
from kehu.timeline.models import FollowUp
from kehu.web.tests.conftest import ClientFor


def _hide_next_date(personas: Personas) -> None:
    role = personas.rep.role
    assert role is not None
    role.field_policy = {"customer.next_follow_up_on": "hidden"}
    role.save()


def test_hidden_next_date_absent_and_refused(personas: Personas, client_for: ClientFor) -> None:
    customer = services.create_customer(personas.rep, {"name": "杭州星星科技有限公司"})
    timeline_services.add_follow_up(
        personas.boss,
        customer,
        {"kind": "call", "content": "约好回访", "next_follow_up_on": "2030-03-16"},
    )
    _hide_next_date(personas)
    client = client_for(personas.rep)

    page = client.get(customer.get_absolute_url()).text
    posted = client.post(
        f"/customers/{customer.public_id}/follow-ups/",
        {"kind": "call", "content": "再次联系", "next_follow_up_on": "2030-05-05"},
    )

    assert "2030-03-16" not in page
    assert 'name="next_follow_up_on"' not in page
    assert posted.status_code == 400
    assert FollowUp.objects.filter(customer=customer).count() == 1
    assert str(Customer.objects.get(pk=customer.pk).next_follow_up_on) == "2030-03-16"


def test_edit_without_date_keeps_it(personas: Personas, client_for: ClientFor) -> None:
    customer = services.create_customer(personas.rep, {"name": "杭州星星科技有限公司"})
    follow_up = timeline_services.add_follow_up(
        personas.rep,
        customer,
        {"kind": "call", "content": "约好回访", "next_follow_up_on": "2030-03-16"},
    )
    _hide_next_date(personas)

    response = client_for(personas.rep).post(
        f"/follow-ups/{follow_up.public_id}/edit/",
        {"kind": "call", "content": "约好下周回访", "occurred_at": "2026-01-05 10:00"},
    )

    follow_up.refresh_from_db()
    assert response.status_code == 302
    assert follow_up.content == "约好下周回访"
    assert str(follow_up.next_follow_up_on) == "2030-03-16"


def test_edit_cannot_empty_the_time(personas: Personas, client_for: ClientFor) -> None:
    customer = services.create_customer(personas.rep, {"name": "杭州星星科技有限公司"})
    follow_up = timeline_services.add_follow_up(
        personas.rep, customer, {"kind": "call", "content": "约好回访"}
    )

    response = client_for(personas.rep).post(
        f"/follow-ups/{follow_up.public_id}/edit/", {"kind": "call", "content": "改写"}
    )

    follow_up.refresh_from_db()
    assert response.status_code == 400
    assert follow_up.content == "约好回访"
