"""Importing products and historical deals: matching, money, stages, duplicates and undo."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kehu.conftest import Personas
from kehu.customers.models import Customer
from kehu.imports import services, tasks
from kehu.imports.models import ImportJob, ImportKind, ImportStatus, OnDuplicate
from kehu.imports.tests.helpers import check, counts, prepare, problems, run, write_csv, write_xlsx
from kehu.imports.undo import undo_import
from kehu.sales import services as sales_services
from kehu.sales.models import Deal, Pipeline, Product, StageKind
from kehu.sales.stages import default_pipeline
from kehu.timeline.models import Event, EventKind

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def catalogue(personas: Personas) -> dict[str, Product]:
    return {
        "basic": sales_services.create_product(
            personas.boss, {"name": "GTX Basic", "code": "GTX-B", "list_price": "550"}
        ),
        "pro": sales_services.create_product(
            personas.boss, {"name": "GTX Pro", "code": "GTX-P", "list_price": "4821"}
        ),
    }


def test_products_are_imported_by_code_and_name(personas: Personas, tmp_path: Path) -> None:
    sales_services.create_product(personas.boss, {"name": "旧产品", "code": "OLD-1"})
    rows: list[list[object]] = [
        ["product", "series", "sales_price", "成本"],
        ["GTX Basic", "GTX", 550, 300],
        ["MG Special", "MG", "55.5", ""],
        ["GTX Basic", "GTX", 560, ""],
        ["OLD-1", "", "12.345", ""],
        ["", "GTX", 1, ""],
    ]
    path = write_csv(tmp_path / "products.csv", rows)

    job = run(personas.boss, path, kind=ImportKind.PRODUCTS)

    assert job.status == ImportStatus.DONE
    assert counts(job) == {
        "created": 2,
        "updated": 0,
        "skipped": 1,
        "rejected": 2,
        "contacts_created": 0,
    }
    stored = Product.objects.order_by("name").values_list("name", "code", "list_price", "cost")
    assert list(stored) == [
        ("GTX Basic", "GTX Basic", Decimal("550.00"), Decimal("300.00")),
        ("MG Special", "MG Special", Decimal("55.50"), None),
        ("旧产品", "OLD-1", Decimal("0.00"), None),
    ]
    assert problems(job) == [
        (5, "sales_price", "12.345", "“12.345” has more than 2 decimal places."),
        (6, "product", "", "This field is required."),
    ]
    assert problems(job, warnings=True) == [
        (4, "product", "GTX Basic", "An earlier row of the file has the product “GTX Basic”.")
    ]


def test_product_import_matches_loose_names(personas: Personas, tmp_path: Path) -> None:
    kept = sales_services.create_product(
        personas.boss, {"name": "GTX Basic", "code": "GTX-B", "list_price": "500"}
    )
    rows: list[list[object]] = [
        ["产品名称", "标准价"],
        ["GTX  basic", "550"],
        ["MG Special", "55"],
        ["mg-special", "56"],
    ]
    path = write_csv(tmp_path / "products.csv", rows)

    job = run(personas.boss, path, kind=ImportKind.PRODUCTS, on_duplicate=OnDuplicate.UPDATE)

    assert (job.created, job.updated, job.skipped) == (1, 1, 1)
    kept.refresh_from_db()
    assert (kept.name, kept.code, kept.list_price) == ("GTX Basic", "GTX-B", Decimal("550.00"))
    assert list(Product.objects.order_by("pk").values_list("name", flat=True)) == [
        "GTX Basic",
        "MG Special",
    ]
    assert problems(job, warnings=True) == [
        (4, "产品名称", "mg-special", "An earlier row of the file has the product “mg-special”.")
    ]


def test_products_update_on_request_and_undo_restores_them(
    personas: Personas, tmp_path: Path
) -> None:
    kept = sales_services.create_product(
        personas.boss, {"name": "GTX Basic", "code": "GTX-B", "list_price": "500"}
    )
    path = write_csv(
        tmp_path / "products.csv",
        [
            ["产品编号", "产品名称", "标准价"],
            ["GTX-B", "GTX Basic", "550"],
            ["GTX-P", "GTX Pro", "9"],
        ],
    )

    job = run(personas.boss, path, kind=ImportKind.PRODUCTS, on_duplicate=OnDuplicate.UPDATE)

    assert (job.created, job.updated) == (1, 1)
    kept.refresh_from_db()
    assert kept.list_price == Decimal("550.00")
    undo_import(personas.boss, job)
    kept.refresh_from_db()
    assert kept.list_price == Decimal("500.00")
    assert list(Product.objects.values_list("code", flat=True)) == ["GTX-B"]


def test_product_imports_need_the_product_capability(personas: Personas, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "products.csv", [["产品名称"], ["GTX Basic"]])
    assert ImportKind.PRODUCTS not in services.importable_kinds(personas.rep)
    assert ImportKind.PRODUCTS in services.importable_kinds(personas.boss)
    assert services.duplicate_choices(personas.boss, ImportKind.PRODUCTS) == ["skip", "update"]
    with path.open("rb") as handle, pytest.raises(PermissionDenied):
        services.create_import(personas.rep, File(handle), path.name, kind=ImportKind.PRODUCTS)
    job = prepare(personas.boss, path, kind=ImportKind.PRODUCTS)
    with pytest.raises(PermissionDenied):
        services.set_mapping(
            personas.boss,
            job,
            [entry["target"] for entry in job.mapping],
            owner=personas.boss,
            on_duplicate=OnDuplicate.CREATE,
        )


def test_deals_link_to_customers_products_and_stages(
    personas: Personas,
    catalogue: dict[str, Product],
    customers: dict[str, Customer],
    tmp_path: Path,
) -> None:
    rows: list[list[object]] = [
        ["opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date",
         "close_date", "close_value"],
        ["A1", "李销售", "GTX Basic", "杭州星星科技有限公司", "赢单", "2024-03-01", "2024-04-02",
         "588"],
        ["A2", "李销售", "GTX-P", "宁波月亮贸易有限公司", "Lost", "2024-03-05", "2024-03-20", "0"],
        ["A3", "", "GTX Pro", "宁波月亮贸易有限公司", "需求确认", "2024-05-01", "", ""],
        ["A4", "李销售", "GTXPro", "杭州星星科技有限公司", "赢单", "2024-03-01", "2024-04-02",
         "4514"],
        ["A5", "李销售", "GTX Basic", "", "赢单", "2024-03-01", "2024-04-02", "1"],
        ["A6", "李销售", "GTX Basic", "广州南方实业有限公司", "赢单", "2024-03-01", "", "1"],
        ["A7", "李销售", "GTX Basic", "杭州星星科技有限公司", "Engaging", "2024-03-01", "", ""],
        ["A8", "李销售", "GTX Basic", "杭州星星科技有限公司", "初步接触", "2024-03-01",
         "2024-04-02", ""],
        ["A1", "李销售", "GTX Basic", "杭州星星科技有限公司", "赢单", "2024-03-01", "2024-04-02",
         "588"],
        ["A9", "张销售", "GTX Basic", "杭州星星科技有限公司", "赢单", "2024-03-01", "2024-04-02",
         "588"],
    ]  # fmt: skip
    path = write_csv(tmp_path / "pipeline.csv", rows)
    job = prepare(personas.manager, path, kind=ImportKind.DEALS)
    assert [entry["target"] for entry in job.mapping] == [
        "deal.external_ref",
        "deal.owner",
        "deal_line.product",
        "customer.name",
        "deal.stage",
        "deal.created_at",
        "deal.closed_at",
        "deal.amount",
    ]

    checked = check(personas.manager, job)
    expected = {"created": 4, "updated": 0, "skipped": 1, "rejected": 5, "contacts_created": 0}
    assert counts(checked) == expected
    assert not Deal.objects.exists()
    token = services.claim_for_command(personas.manager, checked)
    tasks.run(checked.pk, token)
    checked.refresh_from_db()
    assert counts(checked) == expected

    stages = {stage.kind: stage for stage in default_pipeline().stages.all()}
    won = Deal.objects.get(external_ref="A1")
    assert won.customer == customers["star"]
    assert (won.name, won.amount, won.stage, won.owner) == (
        "GTX Basic",
        Decimal("588.00"),
        stages[StageKind.WON],
        personas.rep,
    )
    assert won.created_at == dt.datetime(2024, 3, 1, tzinfo=SHANGHAI)
    assert won.closed_at == dt.datetime(2024, 4, 2, tzinfo=SHANGHAI)
    assert list(won.lines.values_list("product__code", "quantity", "unit_price")) == [
        ("GTX-B", Decimal("1.000"), Decimal("588.00"))
    ]
    # A manager gives deals to the reps of their department.
    assert Deal.objects.get(external_ref="A9").owner == personas.rep2
    lost = Deal.objects.get(external_ref="A2")
    assert (lost.stage, lost.amount, lost.lost_reason) == (
        stages[StageKind.LOST],
        Decimal("0.00"),
        "",
    )
    open_deal = Deal.objects.get(external_ref="A3")
    # No owner cell: the import's owner; no amount: the product's list price.
    assert (open_deal.owner, open_deal.amount, open_deal.stage.name, open_deal.closed_at) == (
        personas.manager,
        Decimal("4821.00"),
        "需求确认",
        None,
    )
    star_events = Event.objects.filter(customer=customers["star"], kind__startswith="deal")
    assert sorted(
        (e.data["deal"], e.kind, timezone.localtime(e.occurred_at).date()) for e in star_events
    ) == sorted(
        (str(deal.public_id), kind, day)
        for deal in (won, Deal.objects.get(external_ref="A9"))
        for kind, day in (
            (EventKind.DEAL_CREATED, dt.date(2024, 3, 1)),
            (EventKind.DEAL_WON, dt.date(2024, 4, 2)),
        )
    )

    assert problems(checked) == [
        (
            5,
            "product",
            "GTXPro",
            "No product is named or coded “GTXPro”. Did you mean “GTX Pro”? Correct the file, "
            "or rename the product, and import the rejected rows again.",
        ),
        (6, "account", "", "The row names no customer; a deal needs one."),
        (
            7,
            "account",
            "广州南方实业有限公司",
            "No customer named “广州南方实业有限公司” is among those you may change.",
        ),
        (
            8,
            "deal_stage",
            "Engaging",
            "“Engaging” is not a stage of the pipeline “默认销售流程”. Its stages are: "
            "初步接触、需求确认、方案报价、谈判审批、赢单、输单.",
        ),
        (
            9,
            "close_date",
            "2024-04-02",
            "The deal is in the open stage “初步接触”, so it has no close date. Map the column to "
            "the expected close date if that is what it holds.",
        ),
    ]
    assert problems(checked, warnings=True) == [
        (10, "opportunity_id", "A1", "An earlier row of the file has the deal ID “A1”.")
    ]


def test_deal_import_by_rep_stays_in_scope(
    personas: Personas,
    catalogue: dict[str, Product],
    customers: dict[str, Customer],
    tmp_path: Path,
) -> None:
    rows: list[list[object]] = [
        ["客户名称", "商机名称", "金额", "负责人", "销售阶段"],
        ["杭州星星科技有限公司", "年度框架", "10,000.50", "李销售", "方案报价"],
        ["广州南方实业有限公司", "试探", "1", "李销售", "方案报价"],
        ["宁波月亮贸易有限公司", "转给同事", "1", "张销售", "方案报价"],
    ]
    path = write_xlsx(tmp_path / "deals.xlsx", rows)

    job = run(personas.rep, path, kind=ImportKind.DEALS)

    assert (job.created, job.rejected) == (1, 2)
    deal = Deal.objects.get()
    assert (deal.name, deal.amount, deal.owner, deal.creator) == (
        "年度框架",
        Decimal("10000.50"),
        personas.rep,
        personas.rep,
    )
    # The other rep's customer reads exactly like a missing one.
    assert problems(job)[0][3] == (
        "No customer named “广州南方实业有限公司” is among those you may change."
    )
    assert problems(job)[1][:3] == (4, "负责人", "张销售")


def test_deal_amounts_must_match_their_line(
    personas: Personas,
    catalogue: dict[str, Product],
    customers: dict[str, Customer],
    tmp_path: Path,
) -> None:
    rows: list[list[object]] = [
        ["统一社会信用代码", "产品", "数量", "单价", "金额"],
        ["91330100799655058B", "GTX-B", "3", "", "100"],
        ["91330100799655058B", "GTX-B", "2", "10.005", ""],
        ["91330100799655058B", "GTX-B", "3", "", "99.99"],
        ["91330100799655058B", "GTX-B", "4", "12.5", "50"],
        ["91330100799655058B", "GTX-B", "0", "", ""],
        ["91330100MA00000000", "GTX-B", "1", "", ""],
    ]
    path = write_xlsx(tmp_path / "deals.xlsx", rows)

    job = run(personas.boss, path, kind=ImportKind.DEALS)

    assert sorted(Deal.objects.values_list("amount", flat=True)) == [
        Decimal("50.00"),
        Decimal("99.99"),
    ]
    assert [(row, column) for row, column, _value, _message in problems(job)] == [
        (2, "金额"),
        (3, "单价"),
        (6, "数量"),
        (7, "统一社会信用代码"),
    ]
    assert "is not the quantity 3 times the unit price 33.33 (99.99)" in problems(job)[0][3]


def test_reimporting_deals_skips_them_and_undo_removes_them(
    personas: Personas,
    catalogue: dict[str, Product],
    customers: dict[str, Customer],
    tmp_path: Path,
) -> None:
    rows: list[list[object]] = [
        ["商机编号", "客户", "产品", "阶段", "输单原因"],
        ["X-1", "宁波月亮贸易有限公司", "GTX Basic", "输单", "价格太高"],
        ["X-2", "宁波月亮贸易有限公司", "GTX Pro", "方案报价", ""],
    ]
    path = write_xlsx(tmp_path / "deals.xlsx", rows)
    first = run(personas.boss, path, kind=ImportKind.DEALS)
    assert first.created == 2
    assert Deal.objects.get(external_ref="X-1").lost_reason == "价格太高"

    again = run(personas.boss, path, kind=ImportKind.DEALS)
    assert (again.created, again.skipped) == (0, 2)

    moved = Deal.objects.get(external_ref="X-2")
    sales_services.update_deal(personas.boss, moved, {"name": "改过名字"})
    with pytest.raises(ValidationError, match="改过名字"):
        undo_import(personas.boss, first)

    other = run(
        personas.boss,
        write_xlsx(
            tmp_path / "more.xlsx", [rows[0], ["X-3", "宁波月亮贸易有限公司", "GTX Pro", "", ""]]
        ),
        kind=ImportKind.DEALS,
    )
    events_before = Event.objects.count()
    undo_import(personas.boss, other)
    assert not Deal.objects.filter(external_ref="X-3").exists()
    assert Event.objects.count() == events_before - 1


def test_deal_imports_need_a_customer_column(
    personas: Personas, catalogue: dict[str, Product], tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "deals.xlsx", [["商机名称", "金额"], ["年度框架", "1"]])
    with pytest.raises(ValidationError) as raised:
        prepare(personas.boss, path, kind=ImportKind.DEALS)
    assert raised.value.message_dict["mapping"] == [
        "Choose the column for Customer name or Unified social credit code."
    ]
    assert ImportKind.DEALS not in services.importable_kinds(personas.agent)
    assert services.duplicate_choices(personas.rep, ImportKind.DEALS) == ["skip", "create"]


def test_import_pages_offer_kinds_by_role(
    client: Client,
    personas: Personas,
    customers: dict[str, Customer],
    tmp_path: Path,
) -> None:
    client.force_login(personas.rep)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    start = client.get(reverse("web:import_start")).content.decode()
    assert 'value="deals"' in start
    assert 'value="products"' not in start

    path = write_csv(
        tmp_path / "deals.csv", [["客户名称", "商机名称"], ["宁波月亮贸易有限公司", "年度框架"]]
    )
    upload = SimpleUploadedFile("deals.csv", path.read_bytes())
    client.post(reverse("web:import_start"), {"file": upload, "kind": "deals"})
    job = ImportJob.objects.get()
    page = client.get(reverse("web:import_mapping", args=[job.public_id])).content.decode()
    assert "Owner of the deals" in page
    assert "默认销售流程" in page
    second = Pipeline.objects.create(name="渠道销售")
    assert 'value="unassigned"' not in page
    assert 'value="update"' not in page

    response = client.post(
        reverse("web:import_mapping", args=[job.public_id]),
        {
            "column_0": "customer.name",
            "column_1": "deal.name",
            "owner": str(personas.rep.public_id),
            "on_duplicate": "skip",
            "pipeline": str(second.public_id),
            "action": "check",
        },
    )
    assert response.status_code == 302
    tasks.check_import.call(job.pk)
    job.refresh_from_db()
    assert (job.status, job.owner, job.pipeline) == (ImportStatus.CHECKED, personas.rep, second)
    # The new pipeline has no stages, so its deals have no stage to start in.
    assert (job.created, job.rejected) == (0, 1)
    assert problems(job) == [
        (2, "", "", "The pipeline “渠道销售” has no open stage for new deals.")
    ]


def test_deal_import_closed_without_creation_time(
    personas: Personas,
    catalogue: dict[str, Product],
    customers: dict[str, Customer],
    tmp_path: Path,
) -> None:
    rows: list[list[object]] = [
        ["客户名称", "产品", "阶段", "创建日期", "关闭日期"],
        ["杭州星星科技有限公司", "GTX Basic", "赢单", "2024-03-01", "2024-04-02"],
        ["杭州星星科技有限公司", "GTX Pro", "方案报价", "2024-03-01", ""],
    ]
    path = write_xlsx(tmp_path / "deals.xlsx", rows)

    job = run(personas.rep, path, kind=ImportKind.DEALS)

    # Only roles that may assign customers keep creation times, so the won deal counts as
    # created when it closed and the open one as created now.
    assert (job.created, job.rejected) == (2, 0)
    won = Deal.objects.get(stage__kind=StageKind.WON)
    assert won.created_at == won.closed_at == dt.datetime(2024, 4, 2, tzinfo=SHANGHAI)
    assert Deal.objects.get(stage__kind=StageKind.OPEN).created_at.date() == timezone.now().date()
    assert problems(job, warnings=True)[0][:2] == (0, "创建日期")
