from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kehu.api.tests.conftest import Caller, make_customer, snapshot
from kehu.conftest import Personas
from kehu.customers.models import Customer
from kehu.fields.models import CustomField, FieldTarget, FieldType
from kehu.timeline.models import Event

NOT_FOUND = {"detail": "未找到。"}
OWNER_UNKNOWN = (
    "No user you may give customers to has this id. Outside agents and deactivated users "
    "cannot own customers."
)


def _chinese(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def test_rep_lists_only_own_customers(personas: Personas, call_as: Callable[..., Caller]) -> None:
    own = make_customer(personas.rep, "杭州星星科技有限公司", "13812345678")
    make_customer(personas.rep2, "宁波海风贸易有限公司", "13912345678")

    response = call_as(personas.rep).get("/customers")

    assert response.status == 200
    assert [item["id"] for item in response.body["items"]] == [str(own.public_id)]
    assert response.body["count"] == 1
    assert response.body["count_is_capped"] is False
    assert response.body["next_cursor"] is None


def test_rep_gets_404_for_other_reps_customer(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    other = make_customer(personas.rep2)
    caller = call_as(personas.rep)

    hidden = caller.get(f"/customers/{other.public_id}")
    missing = caller.get("/customers/00000000-0000-4000-8000-000000000000")

    assert hidden.status == 404
    assert hidden.body == NOT_FOUND
    assert (missing.status, missing.body) == (hidden.status, hidden.body)


def test_manager_reads_department_customer(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep, industry="it", grade="A", tags=["展会", "重点"])

    response = call_as(personas.manager).get(f"/customers/{customer.public_id}")

    assert response.status == 200
    body = response.body
    assert body["name"] == "杭州星星科技有限公司"
    assert body["industry"] == "it"
    assert body["grade"] == "A"
    assert sorted(body["tags"]) == ["展会", "重点"]
    assert body["owner"] == {"id": str(personas.rep.public_id), "name": "李销售"}
    assert body["version"] == 1
    assert body["custom"] == {}


def test_other_department_manager_gets_404(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)

    response = call_as(personas.other_manager).get(f"/customers/{customer.public_id}")

    assert response.status == 404


def test_malformed_id_is_404_json(personas: Personas, call_as: Callable[..., Caller]) -> None:
    response = call_as(personas.rep).get("/customers/not-a-uuid")

    assert response.status == 404
    assert response.body == NOT_FOUND


def test_unknown_api_path_is_404_json(personas: Personas, call_as: Callable[..., Caller]) -> None:
    response = call_as(personas.rep).get("/no-such-thing")

    assert response.status == 404
    assert response.body == NOT_FOUND


def test_create_customer_with_contact(personas: Personas, call_as: Callable[..., Caller]) -> None:
    response = call_as(personas.rep).post(
        "/customers",
        {
            "name": "杭州星星科技有限公司",
            "industry": "IT/软件",
            "province": "浙江",
            "city": "杭州",
            "district": "西湖区",
            "tags": ["展会"],
            "next_follow_up_on": "2025年3月5日",
            "contacts": [{"name": "王芳", "mobile": "+86 138-1234-5678", "title": "采购经理"}],
        },
    )

    assert response.status == 201
    body = response.body
    assert body["industry"] == "it"
    assert (body["province"], body["city"], body["district"]) == ("33", "3301", "330106")
    assert body["region"] == "浙江省杭州市西湖区"
    assert body["next_follow_up_on"] == "2025-03-05"
    assert body["owner"]["id"] == str(personas.rep.public_id)
    assert body["creator"]["id"] == str(personas.rep.public_id)
    customer = Customer.objects.get(public_id=body["id"])
    assert customer.contacts.get().mobile == "13812345678"
    assert list(customer.events.values_list("kind", flat=True)) == ["created"]


def test_create_unassigned_with_null_owner(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    response = call_as(personas.manager).post(
        "/customers", {"name": "宁波海风贸易有限公司", "owner": None}
    )

    assert response.status == 201
    assert response.body["owner"] is None
    assert Customer.objects.get().owner is None


def test_create_with_unknown_owner_is_422(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    response = call_as(personas.manager).post(
        "/customers",
        {"name": "宁波海风贸易有限公司", "owner": "00000000-0000-4000-8000-000000000000"},
    )

    assert response.status == 422
    assert response.body == {"errors": {"owner": [_chinese(OWNER_UNKNOWN)]}}
    assert Customer.objects.count() == 0


def test_create_validation_errors_in_chinese(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    response = call_as(personas.rep).post("/customers", {"name": "  ", "grade": "Z"})

    assert response.status == 422
    assert response.body == {
        "errors": {
            "name": ["客户名称为必填项。"],
            "grade": [
                "“Z”不是可选值之一：A（重点客户）、B（普通客户）、C（非优先客户）、D（无效客户）。"
            ],
        }
    }
    assert Customer.objects.count() == 0


def test_contact_errors_name_row(personas: Personas, call_as: Callable[..., Caller]) -> None:
    response = call_as(personas.rep).post(
        "/customers",
        {
            "name": "杭州星星科技有限公司",
            "contacts": [{"name": "王芳"}, {"name": "李雷", "mobile": "12345"}],
        },
    )

    assert response.status == 422
    assert response.body == {"errors": {"contacts.1.mobile": ["“12345”不是有效的手机号。"]}}
    assert Customer.objects.count() == 0


def test_create_validation_errors_in_english(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    response = call_as(personas.rep, language="en").post("/customers", {"name": ""})

    assert response.status == 422
    assert response.body == {"errors": {"name": ["The customer name is required."]}}


def test_request_shape_errors_in_chinese(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    response = call_as(personas.rep).post(
        "/customers", {"colour": "red", "tags": "展会", "contacts": [{"mobile": "1"}]}
    )

    assert response.status == 422
    assert response.body == {
        "errors": {
            "name": ["此字段为必填项。"],
            "colour": ["未知字段“colour”。"],
            "tags": ["请输入列表，而不是“展会”。"],
            "contacts.0.name": ["此字段为必填项。"],
        }
    }


def test_invalid_json_is_400(personas: Personas, call_as: Callable[..., Caller]) -> None:
    caller = call_as(personas.rep)

    response = caller.client.post(
        "/api/v1/customers",
        "{name:",
        content_type="application/json",
        headers={"Authorization": f"Bearer {caller.token}"},
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "请求正文不是有效的 JSON。"}


def test_body_not_an_object_is_422(personas: Personas, call_as: Callable[..., Caller]) -> None:
    response = call_as(personas.rep).post("/customers", ["杭州星星科技有限公司"])

    assert response.status == 422
    assert response.body == {
        "errors": {"__all__": ["请输入对象，而不是“['杭州星星科技有限公司']”。"]}
    }


def test_exact_duplicate_is_409_blocking(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    make_customer(personas.rep)
    before = snapshot()

    response = call_as(personas.rep2).post("/customers", {"name": "杭州星星科技（有限责任公司）"})

    assert response.status == 409
    assert response.body == {
        "detail": "客户已存在。",
        "messages": ["已存在相同公司名称的客户（负责人：李销售）。"],
        "blocking": True,
    }
    assert snapshot() == before


def test_similar_name_409_then_allowed(personas: Personas, call_as: Callable[..., Caller]) -> None:
    make_customer(personas.rep, "澳妆国际贸易有限公司")
    caller = call_as(personas.rep)

    warned = caller.post("/customers", {"name": "澳妆（上海）国际贸易有限公司"})
    allowed = caller.post(
        "/customers", {"name": "澳妆（上海）国际贸易有限公司", "allow_similar": True}
    )

    assert warned.status == 409
    assert warned.body["blocking"] is False
    assert warned.body["messages"] == ["已存在名称相近的客户（负责人：李销售）。"]
    assert allowed.status == 201
    assert Customer.objects.count() == 2


def test_patch_changes_only_sent_fields(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep, grade="B", address="西湖区文三路 90 号")

    response = call_as(personas.rep).patch(
        f"/customers/{customer.public_id}", {"grade": "A", "expected_version": 1}
    )

    assert response.status == 200
    assert response.body["grade"] == "A"
    assert response.body["address"] == "西湖区文三路 90 号"
    assert response.body["version"] == 2
    event = Event.objects.get(customer=customer, kind="fields_changed")
    assert event.data == {"changes": {"grade": ["B", "A"]}}


def test_patch_with_stale_version_is_422(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)
    caller = call_as(personas.rep)
    caller.patch(f"/customers/{customer.public_id}", {"grade": "A"})
    before = snapshot()

    response = caller.patch(
        f"/customers/{customer.public_id}", {"grade": "C", "expected_version": 1}
    )

    assert response.status == 422
    assert response.body == {"errors": {"version": ["您打开后该客户已被他人修改，请刷新后重试。"]}}
    assert snapshot() == before


def test_patch_hidden_customer_is_404(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep2)
    before = snapshot()

    response = call_as(personas.rep).patch(f"/customers/{customer.public_id}", {"grade": "A"})

    assert response.status == 404
    assert snapshot() == before


def test_agent_reads_assigned_customer_but_cannot_edit(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)
    customer.agents.add(personas.agent)
    caller = call_as(personas.agent)
    before = snapshot()

    read = caller.get(f"/customers/{customer.public_id}")
    edit = caller.patch(f"/customers/{customer.public_id}", {"grade": "A"})
    reassign = caller.post(f"/customers/{customer.public_id}/owner", {"owner": None})

    assert read.status == 200
    assert edit.status == 403
    assert edit.body == {"detail": "您没有新建或编辑客户的权限。"}
    assert reassign.status == 403
    assert snapshot() == before


def test_agent_cannot_create_customer(personas: Personas, call_as: Callable[..., Caller]) -> None:
    before = snapshot()

    response = call_as(personas.agent).post("/customers", {"name": "宁波海风贸易有限公司"})

    assert response.status == 403
    assert snapshot() == before


def test_agent_gets_404_for_unassigned_customer(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)

    response = call_as(personas.agent).get(f"/customers/{customer.public_id}")

    assert response.status == 404


def test_change_owner_records_event(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep)

    response = call_as(personas.manager).post(
        f"/customers/{customer.public_id}/owner", {"owner": str(personas.rep2.public_id)}
    )

    assert response.status == 200
    assert response.body["owner"] == {"id": str(personas.rep2.public_id), "name": "张销售"}
    assert response.body["version"] == 2
    customer.refresh_from_db()
    assert customer.owner == personas.rep2
    assert Event.objects.filter(customer=customer, kind="owner_changed").count() == 1


def test_change_owner_to_deactivated_user_is_422(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)
    personas.rep2.is_active = False
    personas.rep2.save(update_fields=["is_active"])
    before = snapshot()

    response = call_as(personas.manager).post(
        f"/customers/{customer.public_id}/owner", {"owner": str(personas.rep2.public_id)}
    )

    assert response.status == 422
    assert list(response.body["errors"]) == ["owner"]
    assert snapshot() == before


def test_list_filters_sorts_and_pages(personas: Personas, call_as: Callable[..., Caller]) -> None:
    first = make_customer(personas.rep, "甲公司", "13800000001", grade="A")
    make_customer(personas.rep, "乙公司", "13800000002", grade="B")
    third = make_customer(personas.rep, "丙公司", "13800000003", grade="A")
    caller = call_as(personas.rep)

    page1 = caller.get("/customers", **{"f.grade": "A", "sort": "name", "page_size": 1})
    page2 = caller.get(
        "/customers",
        **{"f.grade": "A", "sort": "name", "page_size": 1, "cursor": page1.body["next_cursor"]},
    )

    expected = sorted([first, third], key=lambda customer: customer.name)
    assert page1.status == 200
    assert page1.body["count"] == 2
    assert [item["id"] for item in page1.body["items"]] == [str(expected[0].public_id)]
    assert [item["id"] for item in page2.body["items"]] == [str(expected[1].public_id)]
    assert page2.body["next_cursor"] is None


def test_list_search_query(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep)
    make_customer(personas.rep, "宁波海风贸易有限公司", "13912345678")

    response = call_as(personas.rep).get("/customers", q="星星科")

    assert [item["id"] for item in response.body["items"]] == [str(customer.public_id)]


def test_list_unknown_filter_is_422(personas: Personas, call_as: Callable[..., Caller]) -> None:
    response = call_as(personas.rep).get("/customers", **{"f.colour": "red", "sort": "notes"})

    assert response.status == 422
    assert response.body["errors"]["f.colour"] == ["未知的筛选字段“colour”。"]


def test_list_query_count_independent_of_rows(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    caller = call_as(personas.rep)
    make_customer(personas.rep, "甲公司", "13800000001", tags=["展会"])
    caller.get("/customers")
    with CaptureQueriesContext(connection) as one_row:
        caller.get("/customers")
    for index in range(2, 6):
        make_customer(personas.rep, f"公司{index}号", f"1380000000{index}", tags=["重点"])

    with CaptureQueriesContext(connection) as five_rows:
        response = caller.get("/customers")

    assert len(response.body["items"]) == 5
    assert len(five_rows.captured_queries) == len(one_row.captured_queries)


def test_custom_fields_in_and_out(personas: Personas, call_as: Callable[..., Caller]) -> None:
    CustomField.objects.create(
        target=FieldTarget.CUSTOMER, key="budget", label="预算", field_type=FieldType.MONEY
    )
    CustomField.objects.create(
        target=FieldTarget.CUSTOMER,
        key="channel",
        label="渠道",
        field_type=FieldType.CHOICE,
        choices=["线上", "线下"],
    )
    caller = call_as(personas.rep)

    created = caller.post(
        "/customers", {"name": "杭州星星科技有限公司", "custom": {"cf_budget": "1,200"}}
    )
    changed = caller.patch(f"/customers/{created.body['id']}", {"custom": {"cf_channel": "线上"}})

    assert created.status == 201
    assert created.body["custom"] == {"cf_budget": "1200.00", "cf_channel": None}
    assert changed.body["custom"] == {"cf_budget": "1200.00", "cf_channel": "线上"}
    assert Customer.objects.get().custom == {"budget": "1200.00", "channel": "线上"}


def test_custom_key_without_prefix_is_422(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    CustomField.objects.create(
        target=FieldTarget.CUSTOMER, key="budget", label="预算", field_type=FieldType.MONEY
    )

    response = call_as(personas.rep).post(
        "/customers",
        {"name": "杭州星星科技有限公司", "custom": {"budget": "1"}},
    )

    assert response.status == 422
    assert response.body == {
        "errors": {"custom.budget": ["“budget”不是自定义字段的键。自定义字段的键以 cf_ 开头。"]}
    }
    assert Customer.objects.count() == 0


def test_bad_custom_value_names_field(personas: Personas, call_as: Callable[..., Caller]) -> None:
    CustomField.objects.create(
        target=FieldTarget.CUSTOMER, key="budget", label="预算", field_type=FieldType.MONEY
    )

    response = call_as(personas.rep).post(
        "/customers", {"name": "杭州星星科技有限公司", "custom": {"cf_budget": "很多"}}
    )

    assert response.status == 422
    assert response.body == {"errors": {"cf_budget": ["“很多”不是数字。"]}}
