"""The handover API: plan, read and execute, with the same checks as the pages."""

from kehu.conftest import Personas
from kehu.customers.models import Customer
from kehu.handover.models import Handover, HandoverStatus, Offboarding
from kehu.handover.tests.conftest import Book
from kehu.sales.tests.conftest import call_api


def test_plan_read_and_execute(personas: Personas, book: Book) -> None:
    body = {
        "user": str(personas.rep.public_id),
        "mode": "users",
        "successors": [str(personas.rep2.public_id)],
    }

    status, planned = call_api(personas.manager, "POST", "/handovers", body)
    assert status == 201
    assert planned["counts"]["customers"] == 2
    assert planned["counts"]["deals"] == 3
    assert planned["status"] == "planned"
    assert Customer.objects.filter(owner=personas.rep).count() == 2

    status, read = call_api(personas.manager, "GET", f"/handovers/{planned['id']}")
    assert status == 200
    assert read == planned

    status, executed = call_api(personas.manager, "POST", f"/handovers/{planned['id']}/execute")
    assert status == 200
    assert executed["status"] == "executed"
    assert executed["counts"]["customers"] == 2
    assert Customer.objects.filter(owner=personas.rep2).count() == 2

    status, again = call_api(personas.manager, "POST", f"/handovers/{planned['id']}/execute")
    assert status == 200
    assert again == executed


def test_offboarding_start(personas: Personas) -> None:
    body = {"user": str(personas.rep.public_id), "last_day": "2099-12-31"}

    status, started = call_api(personas.manager, "POST", "/offboardings", body)

    assert status == 201
    assert started["status"] == "open"
    assert Offboarding.objects.get().user_id == personas.rep.pk


def test_rep_and_outsider_are_refused(personas: Personas, book: Book) -> None:
    body = {
        "user": str(personas.rep.public_id),
        "mode": "users",
        "successors": [str(personas.rep2.public_id)],
    }

    assert call_api(personas.rep2, "POST", "/handovers", body)[0] == 403
    assert call_api(personas.other_manager, "POST", "/handovers", body)[0] == 404
    assert not Handover.objects.exists()
    assert Customer.objects.filter(owner=personas.rep).count() == 2


def test_unknown_successor_is_422(personas: Personas, book: Book) -> None:
    body = {
        "user": str(personas.rep.public_id),
        "mode": "users",
        "successors": [str(personas.other_rep.public_id)],
    }

    status, error = call_api(personas.manager, "POST", "/handovers", body)

    assert status == 422
    assert "successors" in str(error)
    assert not Handover.objects.filter(status=HandoverStatus.PLANNED).exists()
