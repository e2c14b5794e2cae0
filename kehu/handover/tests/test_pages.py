"""The handover pages: offboarding, plan, preview and execution, and who may open them."""

import datetime as dt

from django.test import Client

from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers.models import Customer
from kehu.handover.execute import execute_handover
from kehu.handover.models import Handover, HandoverStatus, Offboarding, SuccessorMode
from kehu.handover.plan import PlanChoice, build_plan
from kehu.handover.tests.conftest import Book
from kehu.org.models import User


def _client(user: User) -> Client:
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(user)
    return client


def test_offboarding_to_execution(personas: Personas, book: Book) -> None:
    client = _client(personas.manager)
    last_day = (clock.today() + dt.timedelta(days=10)).isoformat()

    started = client.post(
        "/handover/offboard/", {"user": str(personas.rep.public_id), "last_day": last_day}
    )
    plan_url = f"/handover/users/{personas.rep.public_id}/plan/"
    assert started.status_code == 302
    assert started["Location"] == plan_url
    assert Offboarding.objects.get().user_id == personas.rep.pk

    form = client.get(plan_url)
    assert form.status_code == 200
    assert "温州瓯江阀门有限公司" in form.content.decode()

    planned = client.post(
        plan_url, {"mode": "users", "successors": [str(personas.rep2.public_id)], "scope": "all"}
    )
    handover = Handover.objects.get()
    assert planned.status_code == 302
    assert planned["Location"] == f"/handover/{handover.public_id}/"
    assert Customer.objects.filter(owner=personas.rep).count() == 2

    preview = client.get(planned["Location"])
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "张销售" in page
    assert "宁波港城物流有限公司" in page

    executed = client.post(f"/handover/{handover.public_id}/execute/")
    assert executed.status_code == 302
    assert Handover.objects.get().status == HandoverStatus.EXECUTED
    assert Customer.objects.filter(owner=personas.rep2).count() == 2

    detail = client.get(f"/customers/{book.first.public_id}/")
    assert "李销售 → 张销售（交接）" in detail.content.decode()

    home = client.get("/handover/")
    assert home.status_code == 200
    assert "李销售" in home.content.decode()


def test_plan_form_shows_errors(personas: Personas, book: Book) -> None:
    client = _client(personas.manager)

    response = client.post(
        f"/handover/users/{personas.rep.public_id}/plan/", {"mode": "users", "scope": "all"}
    )

    assert response.status_code == 400
    assert "请至少选择一位接手人" in response.content.decode()
    assert not Handover.objects.exists()


def test_rep_gets_403(personas: Personas, book: Book) -> None:
    client = _client(personas.rep2)

    assert client.get("/handover/").status_code == 403
    assert client.get(f"/handover/users/{personas.rep.public_id}/plan/").status_code == 403
    last_day = clock.today().isoformat()
    posted = client.post(
        "/handover/offboard/", {"user": str(personas.rep.public_id), "last_day": last_day}
    )
    assert posted.status_code == 403
    assert not Offboarding.objects.exists()


def test_other_manager_gets_404(personas: Personas, book: Book) -> None:
    client = _client(personas.other_manager)
    handover = Handover.objects.create(
        predecessor=personas.rep,
        mode="users",
        created_by=personas.manager,
        created_at=clock.now(),
    )

    assert client.get(f"/handover/users/{personas.rep.public_id}/plan/").status_code == 404
    assert client.get(f"/handover/{handover.public_id}/").status_code == 404
    assert client.post(f"/handover/{handover.public_id}/execute/").status_code == 404
    assert Handover.objects.get().status == HandoverStatus.PLANNED


def test_executed_page_separates_skipped(personas: Personas, book: Book) -> None:
    handover = build_plan(
        personas.manager,
        personas.rep,
        PlanChoice(mode=SuccessorMode.USERS, successors=[personas.rep2]),
    )
    Customer.objects.filter(pk=book.second.pk).update(owner=personas.manager)
    execute_handover(personas.manager, handover)

    page = _client(personas.manager).get(f"/handover/{handover.public_id}/").content.decode()

    moved_part, _sep, skipped_part = page.partition('class="card skipped"')
    assert "温州瓯江阀门有限公司" in moved_part
    assert "宁波港城物流有限公司" not in moved_part
    assert "宁波港城物流有限公司" in skipped_part
