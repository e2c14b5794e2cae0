import datetime as dt
from collections.abc import Callable

from kehu.api.tests.conftest import Caller, make_customer, snapshot
from kehu.conftest import Personas
from kehu.customers.models import Customer
from kehu.timeline import services
from kehu.timeline.models import FollowUp


def _add(customer: Customer, personas: Personas, content: str, day: int) -> FollowUp:
    moment = dt.datetime(2025, 3, day, 10, 0, tzinfo=dt.UTC)
    return services.add_follow_up(
        personas.rep, customer, {"kind": "call", "content": content, "occurred_at": moment}
    )


def test_agent_adds_follow_up_to_assigned_customer(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)
    customer.agents.add(personas.agent)

    response = call_as(personas.agent).post(
        f"/customers/{customer.public_id}/follow-ups",
        {
            "kind": "visit",
            "content": "上门演示新版系统，客户反馈良好。",
            "occurred_at": "2025-03-05T14:30:00+08:00",
            "next_follow_up_on": "2025-03-12",
        },
    )

    assert response.status == 201
    assert response.body["kind"] == "visit"
    assert response.body["kind_label"] == "拜访"
    assert response.body["author"] == {"id": str(personas.agent.public_id), "name": "外部代理"}
    assert response.body["occurred_at"] == "2025-03-05T06:30:00Z"
    customer.refresh_from_db()
    assert customer.next_follow_up_on == dt.date(2025, 3, 12)
    assert customer.last_follow_up_at == dt.datetime(2025, 3, 5, 6, 30, tzinfo=dt.UTC)


def test_follow_up_validation_in_chinese(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)
    before = snapshot()

    response = call_as(personas.rep).post(
        f"/customers/{customer.public_id}/follow-ups", {"kind": "fax", "content": " "}
    )

    assert response.status == 422
    assert response.body["errors"]["kind"][0] == "“fax”不是有效的跟进类型。"
    assert response.body["errors"]["content"] == ["请填写跟进内容。"]
    assert snapshot() == before


def test_other_rep_cannot_add_follow_up(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep)
    before = snapshot()

    response = call_as(personas.rep2).post(
        f"/customers/{customer.public_id}/follow-ups", {"kind": "call", "content": "电话沟通"}
    )

    assert response.status == 404
    assert snapshot() == before


def test_list_follow_ups_pages_newest_first(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)
    oldest = _add(customer, personas, "第一次电话", 1)
    middle = _add(customer, personas, "第二次电话", 2)
    newest = _add(customer, personas, "第三次电话", 3)
    caller = call_as(personas.rep)

    page1 = caller.get(f"/customers/{customer.public_id}/follow-ups", page_size=2)
    page2 = caller.get(
        f"/customers/{customer.public_id}/follow-ups",
        page_size=2,
        cursor=page1.body["next_cursor"],
    )

    assert [row["id"] for row in page1.body["items"]] == [
        str(newest.public_id),
        str(middle.public_id),
    ]
    assert page1.body["next_cursor"] == str(middle.public_id)
    assert [row["id"] for row in page2.body["items"]] == [str(oldest.public_id)]
    assert page2.body["next_cursor"] is None


def test_follow_up_list_bad_paging(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep)
    other = make_customer(personas.rep, "宁波海风贸易有限公司", "13912345678")
    foreign = _add(other, personas, "别家客户的电话", 1)
    caller = call_as(personas.rep)

    too_big = caller.get(f"/customers/{customer.public_id}/follow-ups", page_size=500)
    foreign_cursor = caller.get(
        f"/customers/{customer.public_id}/follow-ups", cursor=str(foreign.public_id)
    )

    assert too_big.status == 422
    assert too_big.body == {"errors": {"page_size": ["请使用 1 到 200 之间的数字，而不是 500。"]}}
    assert foreign_cursor.status == 422
    assert foreign_cursor.body == {"errors": {"cursor": ["cursor 不是该客户的跟进记录。"]}}


def test_author_edits_follow_up_keeping_revision(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)
    follow_up = _add(customer, personas, "电话沟通报价", 1)

    response = call_as(personas.rep).patch(
        f"/customers/{customer.public_id}/follow-ups/{follow_up.public_id}",
        {"content": "电话沟通报价，客户要求九折。"},
    )

    assert response.status == 200
    assert response.body["content"] == "电话沟通报价，客户要求九折。"
    assert response.body["version"] == 2
    assert response.body["edited_at"] is not None
    assert list(follow_up.revisions.values_list("data__content", flat=True)) == ["电话沟通报价"]


def test_agent_cannot_edit_reps_follow_up(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)
    customer.agents.add(personas.agent)
    follow_up = _add(customer, personas, "电话沟通报价", 1)
    before = snapshot()

    response = call_as(personas.agent).patch(
        f"/customers/{customer.public_id}/follow-ups/{follow_up.public_id}",
        {"content": "改写"},
    )

    assert response.status == 403
    assert response.body == {"detail": "只有记录人或经理可以编辑这条跟进记录。"}
    assert snapshot() == before


def test_timeline_mixes_follow_ups_and_events(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)
    caller = call_as(personas.rep)
    caller.post(
        f"/customers/{customer.public_id}/follow-ups", {"kind": "call", "content": "电话沟通"}
    )
    manager = call_as(personas.manager)
    manager.post(f"/customers/{customer.public_id}/owner", {"owner": str(personas.rep2.public_id)})

    everything = manager.get(f"/customers/{customer.public_id}/timeline")
    events_only = manager.get(f"/customers/{customer.public_id}/timeline", kinds="events")

    assert everything.status == 200
    assert sorted(entry["type"] for entry in everything.body) == [
        "event",
        "event",
        "follow_up",
    ]
    assert [entry["event"]["kind"] for entry in events_only.body] == ["owner_changed", "created"]
    owner_event = events_only.body[0]["event"]
    assert owner_event["kind_label"] == "变更了负责人"
    assert owner_event["data"] == {"from_name": "李销售", "to_name": "张销售"}
    assert owner_event["actor"]["id"] == str(personas.manager.public_id)


def test_timeline_rejects_unknown_kind(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep)

    response = call_as(personas.rep).get(
        f"/customers/{customer.public_id}/timeline", kinds="call,fax"
    )

    assert response.status == 422
    assert response.body == {"errors": {"kinds": ["“fax”既不是跟进类型，也不是“events”。"]}}


def test_timeline_of_hidden_customer_is_404(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)

    response = call_as(personas.other_rep).get(f"/customers/{customer.public_id}/timeline")

    assert response.status == 404
