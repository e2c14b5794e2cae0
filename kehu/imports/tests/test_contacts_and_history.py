import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils import timezone

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers.models import Contact, Customer
from kehu.imports import services
from kehu.imports.models import ImportKind, ImportStatus, OnDuplicate
from kehu.imports.tests.helpers import counts, prepare, problems, run, write_xlsx
from kehu.imports.undo import undo_import
from kehu.timeline.models import FollowUp


@pytest.fixture
def customers(personas: Personas) -> tuple[Customer, Customer]:
    star = customer_services.create_customer(
        personas.rep,
        {"name": "杭州星星科技有限公司"},
        [{"name": "王芳", "mobile": "13800138000"}],
        owner=personas.rep,
    )
    moon = customer_services.create_customer(
        personas.rep2, {"name": "宁波月亮贸易有限公司"}, owner=personas.rep2
    )
    return star, moon


def test_contacts_join_visible_customers_by_name(
    personas: Personas, customers: tuple[Customer, Customer], tmp_path: Path
) -> None:
    star, _moon = customers
    rows: list[list[object]] = [
        ["所属客户", "姓名", "手机", "职务"],
        ["杭州星星科技", "张伟", "13900139000", "采购经理"],
        ["杭州星星科技有限公司", "王芳", "13800138000", "总经理"],
        ["宁波月亮贸易有限公司", "韩梅梅", "13500135000", ""],
        ["不存在的公司", "李雷", "13600136000", ""],
    ]
    path = write_xlsx(tmp_path / "contacts.xlsx", rows)

    job = run(personas.rep, path, kind=ImportKind.CONTACTS)

    assert counts(job) == {
        "created": 1,
        "updated": 0,
        "skipped": 1,
        "rejected": 2,
        "contacts_created": 1,
    }
    assert list(star.contacts.values_list("name", "title")) == [("王芳", ""), ("张伟", "采购经理")]
    assert problems(job) == [
        (
            4,
            "所属客户",
            "宁波月亮贸易有限公司",
            "No customer named “宁波月亮贸易有限公司” was found in this file or among the "
            "customers you can see.",
        ),
        (
            5,
            "所属客户",
            "不存在的公司",
            "No customer named “不存在的公司” was found in this file or among the customers "
            "you can see.",
        ),
    ]


def test_contacts_update_on_request_and_undo(
    personas: Personas, customers: tuple[Customer, Customer], tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        ["客户名称", "联系人", "手机", "职务"],
        ["杭州星星科技有限公司", "王芳", "13800138000", "总经理"],
    ]
    path = write_xlsx(tmp_path / "contacts.xlsx", rows)

    job = run(personas.rep, path, kind=ImportKind.CONTACTS, on_duplicate=OnDuplicate.UPDATE)

    assert counts(job) == {
        "created": 0,
        "updated": 1,
        "skipped": 0,
        "rejected": 0,
        "contacts_created": 0,
    }
    contact = Contact.objects.get(name="王芳")
    assert (contact.title, contact.version) == ("总经理", 2)
    undo_import(personas.rep, job)
    contact.refresh_from_db()
    assert (contact.title, contact.version) == ("", 3)


def test_follow_up_history_is_imported_once(
    personas: Personas, customers: tuple[Customer, Customer], tmp_path: Path
) -> None:
    star, _moon = customers
    rows: list[list[object]] = [
        ["客户名称", "跟进方式", "跟进时间", "跟进内容", "跟进人", "下次联系时间"],
        ["杭州星星科技有限公司", "电话", "2024-03-05 10:00", "介绍产品", "李销售", ""],
        ["杭州星星科技有限公司", "visit", 45357.625, "上门演示", "", "2024-03-20"],
        ["杭州星星科技有限公司", "飞鸽", "2024-03-08", "?", "", ""],
        ["宁波月亮贸易有限公司", "call", "2024-03-05", "看不到的客户", "", ""],
    ]
    path = write_xlsx(tmp_path / "history.xlsx", rows)
    shanghai = timezone.get_current_timezone()

    job = run(personas.rep, path, kind=ImportKind.FOLLOW_UPS)

    assert counts(job) == {
        "created": 2,
        "updated": 0,
        "skipped": 0,
        "rejected": 2,
        "contacts_created": 0,
    }
    assert list(
        star.follow_ups.order_by("occurred_at").values_list("kind", "occurred_at", "content")
    ) == [
        ("call", dt.datetime(2024, 3, 5, 10, 0, tzinfo=shanghai), "介绍产品"),
        ("visit", dt.datetime(2024, 3, 6, 15, 0, tzinfo=shanghai), "上门演示"),
    ]
    star.refresh_from_db()
    assert star.last_follow_up_at == dt.datetime(2024, 3, 6, 15, 0, tzinfo=shanghai)
    assert star.next_follow_up_on == dt.date(2024, 3, 20)
    assert [p[0:2] for p in problems(job)] == [(4, "跟进方式"), (5, "客户名称")]

    again = run(personas.rep, path, kind=ImportKind.FOLLOW_UPS)
    assert counts(again)["skipped"] == 2
    assert FollowUp.objects.count() == 2

    undo_import(personas.rep, job)
    star.refresh_from_db()
    assert FollowUp.objects.count() == 0
    assert star.last_follow_up_at is None
    assert star.next_follow_up_on is None


def test_mapping_templates_are_saved_and_reused(personas: Personas, tmp_path: Path) -> None:
    rows = [["公司全称", "对接人", "电话号码"], ["杭州星星科技有限公司", "王芳", "13800138000"]]
    path = write_xlsx(tmp_path / "odd.xlsx", rows)
    first = prepare(
        personas.rep,
        path,
        targets={
            "公司全称": "customer.name",
            "对接人": "contact.name",
            "电话号码": "contact.mobile",
        },
    )
    template = services.save_template(personas.rep, first, "老系统导出")

    with path.open("rb") as handle:
        second = services.create_import(personas.rep2, File(handle), path.name)
    assert [entry["target"] for entry in second.mapping] == ["", "", ""]
    applied = services.apply_template(personas.rep2, second, template)

    assert [entry["target"] for entry in applied.mapping] == [
        "customer.name",
        "contact.name",
        "contact.mobile",
    ]
    assert applied.status == ImportStatus.UPLOADED


def test_mapping_errors_name_the_columns(personas: Personas, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "two.xlsx", [["客户名称", "公司"], ["甲", "乙"]])
    job = prepare(personas.rep, path)

    with pytest.raises(ValidationError) as raised:
        services.set_mapping(
            personas.rep, job, ["customer.name", "customer.name"], owner=personas.rep
        )

    assert raised.value.message_dict == {
        "mapping": ["The columns “客户名称” and “公司” both go to Customer name; choose one."]
    }
    with pytest.raises(ValidationError) as missing:
        services.set_mapping(personas.rep, job, ["", "contact.name"], owner=personas.rep)
    assert missing.value.message_dict == {"mapping": ["Choose the column for Customer name."]}
