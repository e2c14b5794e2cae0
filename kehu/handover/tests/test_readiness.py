"""Handover readiness: what a successor would find for each rep's customers."""

import datetime as dt

from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers.models import Contact
from kehu.handover.readiness import readiness
from kehu.handover.tests.conftest import Book
from kehu.sales.models import Deal


def test_counts_for_the_rep(personas: Personas, book: Book) -> None:
    Contact.objects.filter(customer=book.first, name="王建国").update(
        decision_role="decision_maker"
    )
    Deal.objects.filter(pk=book.open_deal.pk).update(
        expected_close_on=clock.today() - dt.timedelta(days=1)
    )

    rows = {row.user.pk: row for row in readiness(personas.manager)}

    rep = rows[personas.rep.pk]
    assert rep.customers == 2
    assert rep.phone_contact == 2
    assert rep.decision_maker == 1
    assert rep.recent_follow_up == 1
    assert rep.next_step == 1
    assert rep.stale_deals == 1
    assert rep.percent(rep.decision_maker) == 50
    assert personas.other_rep.pk not in rows


def test_rep_sees_no_readiness(personas: Personas, book: Book) -> None:
    assert readiness(personas.rep2) == []
