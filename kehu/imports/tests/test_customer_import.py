import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.utils import timezone

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers.models import Contact, Customer, SearchDocument, Tag
from kehu.customers.normalize import credit_check_character
from kehu.customers.search import search
from kehu.imports import services
from kehu.imports.models import ImportJob, ImportStatus, OnDuplicate
from kehu.imports.tests.helpers import (
    check,
    counts,
    prepare,
    problems,
    run,
    write_csv,
    write_formula_xlsx,
    write_xlsx,
)
from kehu.org.models import User
from kehu.timeline.models import Event, EventKind

NOTES = "注意事项：1、表头标*的红色字体为必填项 2、日期时间推荐 2020-02-02 13:13:13"
HEADER: list[object] = [
    "*客户名称",
    "联系人",
    "手机",
    "统一社会信用代码",
    "地区",
    "客户标签",
    "下次联系时间",
    "客户级别",
]


def credit_code(first17: str) -> str:
    return first17 + credit_check_character(first17)


CODE = credit_code("91330106MA2GL1234")


def template_rows() -> list[list[object]]:
    return [
        [NOTES] + [None] * 7,
        HEADER,
        [
            "杭州星星科技有限公司",
            "王芳",
            13800138000,
            CODE,
            "浙江杭州西湖",
            "重点,老客户",
            45356,
            "A",
        ],
        ["杭州星星科技有限公司", "张伟", "139 0013 9000", None, None, None, None, None],
        [
            "上海浦东贸易有限公司",
            "赵六",
            "+86 137-0013-7000",
            None,
            "上海市浦东新区",
            None,
            "2024年3月5日",
            None,
        ],
        ["北京朝阳餐饮有限公司", "钱七", None, None, "北京朝阳", "餐饮", "2024/3/5", "B"],
    ]


@pytest.fixture
def template_file(tmp_path: Path) -> Path:
    return write_xlsx(
        tmp_path / "客户导入模板.xlsx", template_rows(), merges=["A1:H1"], title="客户导入模板"
    )


def test_customers_with_contacts_are_imported(personas: Personas, template_file: Path) -> None:
    job = run(personas.rep, template_file)

    assert job.status == ImportStatus.DONE
    assert counts(job) == {
        "created": 3,
        "updated": 0,
        "skipped": 0,
        "rejected": 0,
        "contacts_created": 4,
    }
    # The second 杭州星星 row only adds 张伟 to the customer above it.
    assert job.contact_rows == 1
    outcomes = job.created + job.updated + job.skipped + job.rejected + job.contact_rows
    assert outcomes == job.rows_total
    star = Customer.objects.get(name="杭州星星科技有限公司")
    assert (star.credit_code, star.province_code, star.city_code, star.district_code) == (
        CODE,
        "33",
        "3301",
        "330106",
    )
    assert star.next_follow_up_on == dt.date(2024, 3, 5)
    assert star.grade == "A"
    assert star.owner == personas.rep
    assert star.creator == personas.rep
    assert sorted(star.tags.values_list("name", flat=True)) == ["老客户", "重点"]
    assert list(star.contacts.values_list("name", "mobile", "is_primary")) == [
        ("王芳", "13800138000", True),
        ("张伟", "13900139000", False),
    ]
    shanghai = Customer.objects.get(name="上海浦东贸易有限公司")
    assert (shanghai.province_code, shanghai.city_code, shanghai.district_code) == (
        "31",
        "3101",
        "310115",
    )
    assert list(shanghai.contacts.values_list("mobile", flat=True)) == ["13700137000"]
    events = Event.objects.filter(customer=star)
    assert list(events.values_list("kind", "data")) == [
        (EventKind.IMPORTED, {"import": str(job.public_id), "file": "客户导入模板.xlsx", "row": 3})
    ]
    assert SearchDocument.objects.count() == 3
    assert list(search(Customer.objects.all(), "张伟").values_list("name", flat=True)) == [
        "杭州星星科技有限公司"
    ]
    assert list(search(Customer.objects.all(), "9000").values_list("name", flat=True)) == [
        "杭州星星科技有限公司"
    ]


def test_dry_run_lists_problems_and_writes_nothing(personas: Personas, tmp_path: Path) -> None:
    rows = template_rows()
    rows[2][3] = 911101081234567895
    rows[4][2] = "1380013800"
    rows[5][4] = "浙江省广州市"
    path = write_xlsx(tmp_path / "bad.xlsx", rows, merges=["A1:H1"])

    job = check(personas.rep, prepare(personas.rep, path))

    assert job.status == ImportStatus.CHECKED
    assert counts(job) == {
        "created": 1,
        "updated": 0,
        "skipped": 0,
        "rejected": 3,
        "contacts_created": 1,
    }
    assert problems(job) == [
        (
            3,
            "统一社会信用代码",
            "9.11101081234568e+17",
            "The cell holds the number 9.11101081234568e+17, which has lost its last digits "
            "because spreadsheets keep only 15; format the column as text and enter the value "
            "again.",
        ),
        (5, "手机", "1380013800", "“1380013800” is not a valid mobile number."),
        (6, "地区", "浙江省广州市", "“浙江省广州市”: “广州市” is not a city of 浙江省."),
    ]
    assert Customer.objects.count() == 0
    assert Contact.objects.count() == 0


def test_same_file_twice_creates_nothing_new(personas: Personas, template_file: Path) -> None:
    run(personas.rep, template_file)

    second = run(personas.rep, template_file)

    assert counts(second) == {
        "created": 0,
        "updated": 0,
        "skipped": 4,
        "rejected": 0,
        "contacts_created": 0,
    }
    assert Customer.objects.count() == 3
    assert Contact.objects.count() == 4
    assert problems(second, warnings=True)[0] == (
        3,
        "统一社会信用代码",
        CODE,
        "A customer with the same unified social credit code already exists (owner: 李销售).",
    )


def test_update_fills_in_existing_customers(
    personas: Personas, template_file: Path, tmp_path: Path
) -> None:
    run(personas.rep, template_file)
    star = Customer.objects.get(name="杭州星星科技有限公司")
    changed = write_xlsx(
        tmp_path / "changed.xlsx",
        [
            ["客户名称", "客户级别", "地址", "联系人", "手机"],
            ["杭州星星科技有限公司", "B", "文三路90号", "李雷", "13600136000"],
        ],
    )

    job = run(personas.rep, changed, on_duplicate=OnDuplicate.UPDATE)

    assert counts(job) == {
        "created": 0,
        "updated": 1,
        "skipped": 0,
        "rejected": 0,
        "contacts_created": 1,
    }
    star.refresh_from_db()
    assert (star.grade, star.address, star.version) == ("B", "文三路90号", 2)
    assert list(star.contacts.values_list("name", flat=True)) == ["王芳", "张伟", "李雷"]
    assert Event.objects.filter(customer=star, kind=EventKind.FIELDS_CHANGED).count() == 1


def test_create_mode_still_rejects_exact_duplicates(
    personas: Personas, template_file: Path
) -> None:
    run(personas.rep, template_file)
    before = Customer.objects.count()

    job = run(personas.rep, template_file, on_duplicate=OnDuplicate.CREATE)

    assert counts(job)["created"] == 0
    assert Customer.objects.count() == before
    assert Customer.objects.filter(name="杭州星星科技有限公司").count() == 1


def test_create_mode_creates_close_matches(personas: Personas, tmp_path: Path) -> None:
    customer_services.create_customer(personas.rep, {"name": "澳妆国际贸易有限公司"})
    path = write_csv(tmp_path / "close.csv", [["客户名称"], ["澳妆（上海）国际贸易有限公司"]])

    job = run(personas.rep, path, on_duplicate=OnDuplicate.CREATE)

    assert counts(job)["created"] == 1
    assert Customer.objects.filter(name__startswith="澳妆").count() == 2


def test_duplicates_inside_one_file(personas: Personas, tmp_path: Path) -> None:
    rows = [
        ["客户名称", "联系人", "手机"],
        ["杭州星星科技有限公司", "王芳", "13800138000"],
        ["杭州星星科技（有限责任公司）", "王芳", "13800138000"],
        ["杭州星星科技有限公司", "李雷", "13600136000"],
        ["宁波月亮贸易有限公司", "韩梅梅", "13800138000"],
    ]
    path = write_xlsx(tmp_path / "repeats.xlsx", rows)

    job = run(personas.rep, path)

    assert counts(job) == {
        "created": 1,
        "updated": 0,
        "skipped": 2,
        "rejected": 0,
        "contacts_created": 2,
    }
    assert list(Customer.objects.values_list("name", flat=True)) == ["杭州星星科技有限公司"]
    assert list(Contact.objects.values_list("name", flat=True)) == ["王芳", "李雷"]
    # Each warning points at the cell that matched the earlier row: the name, then the mobile.
    assert [p[:3] for p in problems(job, warnings=True)] == [
        (3, "客户名称", "杭州星星科技（有限责任公司）"),
        (5, "手机", "13800138000"),
    ]


def test_gbk_csv_with_numbers_as_text(personas: Personas, tmp_path: Path) -> None:
    rows = [
        ["客户名称", "统一社会信用代码", "联系人", "手机", "是否首要联系人"],
        ["杭州星星科技有限公司", CODE, "王芳", "13800138000", "是"],
        ["宁波月亮贸易有限公司", "", "韩梅梅", "013800138000", "否"],
    ]
    path = write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")

    job = run(personas.rep, path, targets={"是否首要联系人": "contact.is_primary"})

    assert counts(job) == {
        "created": 1,
        "updated": 0,
        "skipped": 0,
        "rejected": 1,
        "contacts_created": 1,
    }
    assert Customer.objects.get().credit_code == CODE
    assert problems(job) == [
        (3, "手机", "013800138000", "“013800138000” is not a valid mobile number.")
    ]


def test_formula_cells_import_their_stored_values(personas: Personas, tmp_path: Path) -> None:
    path = write_formula_xlsx(
        tmp_path / "formulas.xlsx",
        [
            ["客户名称", "手机", "联系人"],
            [
                ('CONCATENATE("杭州","星星科技有限公司")', "杭州星星科技有限公司"),
                ('TEXT(13800138000,"0")', "13800138000"),
                "王芳",
            ],
        ],
    )

    job = run(personas.rep, path)

    assert counts(job)["created"] == 1
    assert Contact.objects.get().mobile == "13800138000"
    assert Customer.objects.get().name == "杭州星星科技有限公司"


def test_original_creator_and_creation_time_are_kept(personas: Personas, tmp_path: Path) -> None:
    rows = [
        ["客户名称", "创建人", "创建时间", "负责人"],
        ["杭州星星科技有限公司", "王经理", "2020-02-02 13:13:13", "张销售"],
    ]
    path = write_xlsx(tmp_path / "export.xlsx", rows)

    job = run(personas.manager, path)

    assert counts(job)["created"] == 1
    customer = Customer.objects.get()
    assert customer.creator == personas.manager
    assert customer.owner == personas.rep2
    assert customer.created_at == dt.datetime(
        2020, 2, 2, 13, 13, 13, tzinfo=timezone.get_current_timezone()
    )


def test_rep_import_keeps_own_creator_and_time(personas: Personas, tmp_path: Path) -> None:
    rows = [
        ["客户名称", "创建人", "创建时间"],
        ["杭州星星科技有限公司", "张销售", "2020-02-02 13:13:13"],
    ]
    path = write_xlsx(tmp_path / "export.xlsx", rows)

    job = run(personas.rep, path)

    assert counts(job)["created"] == 1
    customer = Customer.objects.get()
    assert customer.creator == personas.rep
    assert customer.created_at.year >= 2026
    assert problems(job) == []
    assert [
        (column, message[:12]) for _row, column, _v, message in problems(job, warnings=True)
    ] == [
        ("创建人", "Not imported"),
        ("创建时间", "Not imported"),
    ]


def test_rep_may_not_name_other_owners(personas: Personas, tmp_path: Path) -> None:
    """Colleagues, agents, deactivated users and unknown names get the same message."""
    User.objects.create_user("gone", display_name="离职销售", is_active=False)
    names = ["张销售", "外部代理", "离职销售", "无此人"]
    rows = [
        ["客户名称", "负责人"],
        *[[f"公司{number}", name] for number, name in enumerate(names)],
        ["宁波月亮贸易有限公司", "李销售"],
    ]
    path = write_xlsx(tmp_path / "owners.xlsx", rows)

    job = run(personas.rep, path)

    assert problems(job) == [
        (
            number + 2,
            "负责人",
            name,
            f"No active user within your reach is named “{name}”; check the name or ignore "
            "this column.",
        )
        for number, name in enumerate(names)
    ]
    assert list(Customer.objects.values_list("name", "owner__username")) == [
        ("宁波月亮贸易有限公司", "rep")
    ]


def test_rep_cannot_import_into_another_rep(personas: Personas, template_file: Path) -> None:
    with template_file.open("rb") as handle:
        job = services.create_import(personas.rep, File(handle), template_file.name)
    before = list(ImportJob.objects.values_list("pk", "owner_id", "status", "mapping"))

    with pytest.raises(PermissionDenied):
        services.set_mapping(
            personas.rep, job, [e["target"] for e in job.mapping], owner=personas.rep2
        )
    with pytest.raises(PermissionDenied):
        services.set_mapping(
            personas.rep, job, [e["target"] for e in job.mapping], assign_owner=False
        )

    assert list(ImportJob.objects.values_list("pk", "owner_id", "status", "mapping")) == before


def test_agent_cannot_import(personas: Personas, template_file: Path) -> None:
    with template_file.open("rb") as handle, pytest.raises(PermissionDenied):
        services.create_import(personas.agent, File(handle), template_file.name)

    assert ImportJob.objects.count() == 0


def test_other_users_cannot_touch_an_import(personas: Personas, template_file: Path) -> None:
    job = prepare(personas.rep, template_file)
    before = list(ImportJob.objects.values_list("status", "mapping"))

    with pytest.raises(PermissionDenied):
        services.start_check(personas.rep2, job)
    with pytest.raises(PermissionDenied):
        services.start_check(personas.manager, job)

    assert list(ImportJob.objects.values_list("status", "mapping")) == before


def test_manager_imports_unassigned(personas: Personas, template_file: Path) -> None:
    job = run(personas.manager, template_file, unassigned=True)

    assert counts(job)["created"] == 3
    assert set(Customer.objects.values_list("owner", flat=True)) == {None}
    assert set(Customer.objects.values_list("creator", flat=True)) == {personas.manager.pk}


def test_boss_imports_into_a_rep(personas: Personas, template_file: Path) -> None:
    run(personas.boss, template_file, owner=personas.other_rep)

    assert set(Customer.objects.values_list("owner", flat=True)) == {personas.other_rep.pk}


def test_tags_reuse_existing_tags(personas: Personas, tmp_path: Path) -> None:
    Tag.objects.create(name="Manufacturer")
    rows = [
        ["Name", "Tags"],
        ["Hydra Supplies", "Manufacturer,Retailer"],
        ["Bolts & Screws", "Wholesaler；Manufacturer"],
    ]
    path = write_csv(tmp_path / "tags.csv", rows)

    run(personas.rep, path)

    assert sorted(Tag.objects.values_list("name", flat=True)) == [
        "Manufacturer",
        "Retailer",
        "Wholesaler",
    ]
    bolts = Customer.objects.get(name="Bolts & Screws")
    assert sorted(bolts.tags.values_list("name", flat=True)) == ["Manufacturer", "Wholesaler"]


def test_blank_rows_are_counted_not_rejected(personas: Personas, tmp_path: Path) -> None:
    rows = [
        ["客户名称", "备注"],
        ["杭州星星科技有限公司", ""],
        ["", ""],
        ["宁波月亮贸易有限公司", "x"],
    ]
    path = write_csv(tmp_path / "blank.csv", rows)

    job = run(personas.rep, path)

    assert (job.created, job.rejected, job.blank_rows) == (2, 0, 1)


def test_rows_without_customer_name_continue_the_customer_above(
    personas: Personas, tmp_path: Path
) -> None:
    rows = [
        ["客户名称", "联系人", "手机"],
        ["杭州星星科技有限公司", "王芳", "13800138000"],
        ["", "张伟", "13900139000"],
        ["", "李雷", "13600136000"],
        ["宁波月亮贸易有限公司", "韩梅梅", "13500135000"],
    ]
    path = write_xlsx(tmp_path / "children.xlsx", rows)

    job = run(personas.rep, path)

    assert counts(job) == {
        "created": 2,
        "updated": 0,
        "skipped": 0,
        "rejected": 0,
        "contacts_created": 4,
    }
    star = Customer.objects.get(name="杭州星星科技有限公司")
    assert list(star.contacts.values_list("name", flat=True)) == ["王芳", "张伟", "李雷"]


def test_required_marker_rejects_empty_cells(personas: Personas, tmp_path: Path) -> None:
    rows = [
        ["*客户名称", "*联系人", "手机"],
        ["杭州星星科技有限公司", "", "13800138000"],
        ["", "张伟", "13900139000"],
    ]
    path = write_xlsx(tmp_path / "marked.xlsx", rows)

    job = run(personas.rep, path)

    assert problems(job) == [
        (2, "联系人", "", "The file marks “联系人” as required, but it is empty."),
        (3, "客户名称", "", "The file marks “客户名称” as required, but it is empty."),
    ]
    assert Customer.objects.count() == 0


def test_duplicate_warning_points_at_matched_cell(personas: Personas, tmp_path: Path) -> None:
    customer_services.create_customer(
        personas.rep, {"name": "杭州星星科技有限公司"}, [{"name": "王芳", "mobile": "13812345678"}]
    )
    rows = [
        ["客户名称", "联系人", "手机"],
        ["星星科技（杭州）", "王芳", "138 1234 5678"],
    ]
    path = write_xlsx(tmp_path / "mobile.xlsx", rows)

    job = run(personas.rep, path)

    assert counts(job)["skipped"] == 1
    assert problems(job, warnings=True) == [
        (
            2,
            "手机",
            "138 1234 5678",
            "A customer with the same mobile number already exists (owner: 李销售).",
        )
    ]


def test_each_duplicate_warning_points_at_its_cell(personas: Personas, tmp_path: Path) -> None:
    customer_services.create_customer(personas.rep, {"name": "杭州星星科技有限公司"})
    customer_services.create_customer(
        personas.rep, {"name": "宁波月亮贸易有限公司"}, [{"name": "王芳", "mobile": "13812345678"}]
    )
    rows = [["客户名称", "联系人", "手机"], ["杭州星星科技有限公司", "王芳", "13812345678"]]
    path = write_xlsx(tmp_path / "two.xlsx", rows)

    job = run(personas.rep, path)

    assert [(column, message[:30]) for _r, column, _v, message in problems(job, warnings=True)] == [
        ("客户名称", "A customer with the same compa"),
        ("手机", "A customer with the same mobil"),
    ]
