import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import normalize
from kehu.customers.models import Customer
from kehu.fields.models import CustomField
from kehu.web.models import ListPreference, SavedView
from kehu.web.tests.conftest import ClientFor, MakeCustomer


def _names(html: str) -> list[str]:
    """Return the customer names of the list's rows, in order."""
    return re.findall(r'<th scope="row"><a href="/customers/[0-9a-f-]+/">([^<]+)</a>', html)


def _level_field() -> CustomField:
    return CustomField.objects.create(
        target="customer",
        key="level",
        label="客户层级",
        label_en="Tier",
        field_type="choice",
        choices=["大客户", "小客户"],
    )


def test_list_shows_only_visible_customers(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    make_customer("杭州星星科技有限公司", owner=personas.rep)
    make_customer("宁波海风贸易有限公司", owner=personas.rep2)
    make_customer("广州南方电子有限公司", owner=personas.other_rep)

    rep_page = client_for(personas.rep).get("/")
    manager_page = client_for(personas.manager).get("/")

    assert rep_page.status_code == 200
    assert _names(rep_page.text) == ["杭州星星科技有限公司"]
    assert sorted(_names(manager_page.text)) == ["宁波海风贸易有限公司", "杭州星星科技有限公司"]


def test_anonymous_visitor_is_sent_to_login(db: None) -> None:
    response = Client().get("/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_search_narrows_rows(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    make_customer("杭州星星科技有限公司")
    make_customer("宁波海风贸易有限公司")

    response = client_for(personas.rep).get("/", {"q": "海风贸易"})

    assert _names(response.text) == ["宁波海风贸易有限公司"]
    assert 'value="海风贸易"' in response.text


def test_htmx_request_gets_only_results(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    make_customer("杭州星星科技有限公司")

    response = client_for(personas.rep).get("/", {"q": "星星科技"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="customer-results"')
    assert "<html" not in response.text
    assert 'id="list-form"' not in response.text
    assert _names(response.text) == ["杭州星星科技有限公司"]
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_whole_page(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.rep).get(
        "/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )

    assert "<html" in response.text


def test_filter_on_custom_choice_field(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    _level_field()
    make_customer("杭州星星科技有限公司", cf_level="大客户")
    make_customer("宁波海风贸易有限公司", cf_level="小客户")

    page = client_for(personas.rep).get("/", {"f.cf_level": "大客户"})

    assert _names(page.text) == ["杭州星星科技有限公司"]
    assert '<select name="f.cf_level"' in page.text
    assert '<option value="大客户" selected>' in page.text


def test_filter_on_custom_multi_choice_field(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    CustomField.objects.create(
        target="customer",
        key="channel",
        label="渠道",
        field_type="multi_choice",
        choices=["线上", "线下", "线上直播"],
    )
    make_customer("杭州星星科技有限公司", cf_channel=["线上", "线下"])
    make_customer("宁波海风贸易有限公司", cf_channel=["线上直播"])

    page = client_for(personas.rep).get("/", {"f.cf_channel": "线上"})

    assert _names(page.text) == ["杭州星星科技有限公司"]
    assert '<option value="线上" selected>' in page.text


def test_filter_on_builtin_choice_and_owner(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    make_customer("杭州星星科技有限公司", owner=personas.rep, grade="A")
    make_customer("宁波海风贸易有限公司", owner=personas.rep2, grade="A")
    make_customer("苏州园林设计有限公司", owner=personas.rep2, grade="B")
    client = client_for(personas.manager)

    by_grade = client.get("/", {"f.grade": "A"})
    by_owner = client.get("/", {"f.grade": "A", "f.owner": str(personas.rep2.public_id)})

    assert sorted(_names(by_grade.text)) == ["宁波海风贸易有限公司", "杭州星星科技有限公司"]
    assert _names(by_owner.text) == ["宁波海风贸易有限公司"]


def test_unassigned_owner_filter(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    make_customer("杭州星星科技有限公司", owner=personas.rep)
    Customer.objects.filter(name="杭州星星科技有限公司").update(owner=None)
    make_customer("宁波海风贸易有限公司", owner=personas.rep2)

    response = client_for(personas.boss).get("/", {"f.owner": "none"})

    assert _names(response.text) == ["杭州星星科技有限公司"]


def test_bad_filter_value_shows_error(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.rep).get("/", {"f.next_follow_up_on__gte": "下周"})

    assert response.status_code == 200
    assert "“下周”不是有效的日期" in response.text
    assert _names(response.text) == []
    assert "customers/count/" not in response.text
    assert "没有符合条件的客户" not in response.text


def test_count_rejects_bad_filter_value(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.rep).get(
        "/customers/count/", {"f.next_follow_up_on__gte": "下周"}
    )

    assert response.status_code == 400
    assert "“下周”不是有效的日期" in response.text
    assert "个客户" not in response.text


def test_sort_header_orders_and_toggles(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    for name in ("b公司", "c公司", "a公司"):
        make_customer(name)
    client = client_for(personas.rep)

    ascending = client.get("/", {"sort": "name"})
    descending = client.get("/", {"sort": "-name"})

    assert _names(ascending.text) == ["a公司", "b公司", "c公司"]
    assert _names(descending.text) == ["c公司", "b公司", "a公司"]
    assert 'href="?sort=-name"' in ascending.text
    assert 'aria-sort="ascending"' in ascending.text


def test_next_page_follows_cursor(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    for name in ("a公司", "b公司", "c公司"):
        make_customer(name)
    client = client_for(personas.rep)

    first = client.get("/", {"sort": "name", "page_size": "2"})
    next_url = re.search(r'<a class="button" href="(\?[^"]*cursor=[^"]+)"', first.text)
    assert next_url is not None
    second = client.get("/" + next_url.group(1).replace("&amp;", "&"))

    assert _names(first.text) == ["a公司", "b公司"]
    assert "offset" not in next_url.group(1)
    assert _names(second.text) == ["c公司"]
    assert "cursor=" not in re.sub(r'href="\?[^"]*"', "", second.text.split("pager")[-1])


def test_count_shows_exact_number(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    make_customer("杭州星星科技有限公司", grade="A")
    make_customer("宁波海风贸易有限公司", grade="B")

    client = client_for(personas.rep)
    page = client.get("/", {"f.grade": "A"})
    count = client.get("/customers/count/", {"f.grade": "A"})
    unfiltered = client.get("/customers/count/")

    assert 'hx-get="/customers/count/?f.grade=A"' in page.text
    assert "个客户" not in page.text
    assert "共 1 个客户" in count.text
    assert "共 2 个客户" in unfiltered.text


def test_count_is_capped_above_ten_thousand(personas: Personas, client_for: ClientFor) -> None:
    now = timezone.now()
    Customer.objects.bulk_create(
        [
            Customer(
                name=f"批量客户{index:05d}",
                name_key=normalize.name_key(f"批量客户{index:05d}"),
                name_core=normalize.name_core(f"批量客户{index:05d}"),
                owner=personas.rep,
                created_at=now,
                updated_at=now,
            )
            for index in range(10_001)
        ],
        batch_size=2000,
    )

    response = client_for(personas.rep).get("/")
    count = client_for(personas.rep).get("/customers/count/")

    assert "共 10,000+ 个客户" in count.text
    assert len(_names(response.text)) == 50


def test_builtin_views_narrow_the_list(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    mine = make_customer("杭州星星科技有限公司", owner=personas.manager)
    due = make_customer("宁波海风贸易有限公司", owner=personas.rep)
    Customer.objects.filter(pk=due.pk).update(next_follow_up_on=clock.today())
    idle = make_customer("苏州园林设计有限公司", owner=personas.rep2)
    long_ago = clock.now() - dt.timedelta(days=45)
    Customer.objects.filter(pk=idle.pk).update(created_at=long_ago, last_follow_up_at=long_ago)
    client = client_for(personas.manager)

    assert _names(client.get("/", {"view": "mine"}).text) == [mine.name]
    assert _names(client.get("/", {"view": "due_today"}).text) == [due.name]
    assert _names(client.get("/", {"view": "idle_30"}).text) == [idle.name]


def test_list_query_count_is_pinned(
    personas: Personas,
    client_for: ClientFor,
    make_customer: MakeCustomer,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    _level_field()
    ListPreference.objects.create(
        user=personas.manager,
        columns=["name", "owner", "creator", "tags", "region", "cf_level", "status"],
    )
    SavedView.objects.create(
        owner=personas.manager, name="A级", query="f.grade=A", created_at=clock.now()
    )
    client = client_for(personas.manager)

    def add_customers(first: int, count: int) -> None:
        for index in range(first, first + count):
            make_customer(
                f"客户{index:03d}",
                owner=personas.rep if index % 2 else personas.rep2,
                tags=f"标签{index}, 重点",
                cf_level="大客户",
                province="浙江",
                city="杭州",
            )

    add_customers(0, 3)
    # Session, user, preference, custom fields (page and listing), role, department tree (2),
    # shares, rows, tags, creators, department tree for the owner filter (2), saved views, owner
    # filter people, reclaim warnings and the handover inbox for the menu badges. The count is a
    # request of its own.
    with django_assert_num_queries(18):
        few = client.get("/")
    add_customers(3, 27)
    with django_assert_num_queries(18):
        many = client.get("/")

    assert len(_names(few.text)) == 3
    assert len(_names(many.text)) == 30
    assert "标签7、重点" in many.text or "重点、标签7" in many.text
    assert "浙江省杭州市" in many.text


def test_agent_sees_no_create_button(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = make_customer("杭州星星科技有限公司")
    customer.agents.add(personas.agent)

    agent_page = client_for(personas.agent).get("/")
    rep_page = client_for(personas.rep).get("/")

    assert _names(agent_page.text) == ["杭州星星科技有限公司"]
    assert 'href="/customers/new/"' not in agent_page.text
    assert 'href="/customers/new/"' in rep_page.text


def test_saved_view_is_stored_and_listed(personas: Personas, client_for: ClientFor) -> None:
    client = client_for(personas.rep)

    response = client.post(
        "/customers/views/", {"name": "A级客户", "query": "f.grade=A&cursor=abc&q=&sort=name"}
    )

    view = SavedView.objects.get(owner=personas.rep)
    assert view.name == "A级客户"
    assert view.query == "f.grade=A&sort=name"
    assert response.status_code == 302
    assert response["Location"] == "/?f.grade=A&sort=name"
    page = client.get("/?f.grade=A&sort=name")
    assert '<a href="?f.grade=A&amp;sort=name">A级客户</a>' in page.text
    assert 'class="saved-view current"' in page.text


def test_saved_view_needs_a_name(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.rep).post("/customers/views/", {"name": " ", "query": "q=x"})

    assert response.status_code == 400
    assert "请给视图起个名字" in response.text
    assert SavedView.objects.count() == 0


def test_saved_view_delete_only_own(personas: Personas, client_for: ClientFor) -> None:
    view = SavedView.objects.create(
        owner=personas.rep, name="我的视图", query="q=x", created_at=clock.now()
    )

    denied = client_for(personas.rep2).post(f"/customers/views/{view.public_id}/delete/")
    assert denied.status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()

    deleted = client_for(personas.rep).post(
        f"/customers/views/{view.public_id}/delete/", {"next": "/?q=x"}
    )
    assert deleted.status_code == 302
    assert deleted["Location"] == "/?q=x"
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_delete_view_ignores_foreign_next(personas: Personas, client_for: ClientFor) -> None:
    view = SavedView.objects.create(owner=personas.rep, name="v", query="", created_at=clock.now())

    response = client_for(personas.rep).post(
        f"/customers/views/{view.public_id}/delete/", {"next": "https://example.com/"}
    )

    assert response["Location"] == "/"


def test_column_picker_changes_columns(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    make_customer("杭州星星科技有限公司", short_name="星星科技")
    client = client_for(personas.rep)

    response = client.post("/customers/columns/", {"columns": ["short_name", "grade"], "next": "/"})
    page = client.get("/")

    assert response.status_code == 302
    assert ListPreference.objects.get(user=personas.rep).columns == ["name", "short_name", "grade"]
    headers = re.findall(r'<th scope="col"[^>]*>\s*(?:<a [^>]*>)?([^<▲▼]+)', page.text)
    assert [header.strip() for header in headers] == ["客户名称", "简称", "客户级别"]
    assert "<td>星星科技</td>" in page.text


def test_column_picker_rejects_unknown_field(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.rep).post("/customers/columns/", {"columns": ["cf_nothing"]})

    assert response.status_code == 400
    assert "未知字段" in response.text
    assert not ListPreference.objects.exists()


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_list_accepts_only_get(personas: Personas, client_for: ClientFor, method: str) -> None:
    response = getattr(client_for(personas.rep), method)("/")

    assert response.status_code == 405
