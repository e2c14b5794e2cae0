import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kehu.conftest import Personas
from kehu.customers.models import Customer
from kehu.imports.models import ImportJob
from kehu.imports.tests.helpers import write_xlsx


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    return write_xlsx(
        tmp_path / "客户.xlsx",
        [
            ["客户名称", "联系人", "手机"],
            ["杭州星星科技有限公司", "王芳", 13800138000],
            ["宁波月亮贸易有限公司", "韩梅梅", "1350013500"],
        ],
        title="客户",
        extra_sheets={"说明": [["这张表不导入"]]},
    )


def call(*args: str) -> str:
    output = io.StringIO()
    call_command("import_customers", *args, stdout=output)
    return output.getvalue()


def test_json_output_counts_and_problems(personas: Personas, sheet: Path) -> None:
    data = json.loads(call(str(sheet), "--owner", "rep", "--json"))

    job = ImportJob.objects.get()
    assert data == {
        "import": str(job.public_id),
        "dry_run": False,
        "status": "done",
        "sheet": "客户",
        "header_row": 1,
        "rows": 2,
        "created": 1,
        "updated": 0,
        "skipped": 0,
        "rejected": 1,
        "contact_rows": 0,
        "contacts_created": 1,
        "blank_rows": 0,
        "problems": [
            {
                "row": 3,
                "column": "手机",
                "value": "1350013500",
                "message": "“1350013500” is not a valid mobile number.",
                "warning": False,
            }
        ],
    }
    assert list(Customer.objects.values_list("name", "owner__username", "creator__username")) == [
        ("杭州星星科技有限公司", "rep", "rep")
    ]


def test_dry_run_writes_nothing(personas: Personas, sheet: Path) -> None:
    output = call(str(sheet), "--as", "boss", "--dry-run")

    assert (
        output.splitlines()[-1]
        == "created 1, updated 0, skipped as duplicates 0, rejected 1, rows added as contacts 0, "
        "contacts created 1"
    )
    assert "Dry run, nothing written:" in output
    assert Customer.objects.count() == 0
    assert ImportJob.objects.count() == 0


def test_text_output_and_second_run(personas: Personas, sheet: Path) -> None:
    call(str(sheet), "--as", "manager", "--unassigned")
    output = call(str(sheet), "--as", "manager", "--unassigned")

    assert (
        output.splitlines()[-1]
        == "created 0, updated 0, skipped as duplicates 1, rejected 1, rows added as contacts 0, "
        "contacts created 0"
    )
    assert list(Customer.objects.values_list("owner", flat=True)) == [None]


def test_mapping_and_sheet_options(personas: Personas, sheet: Path) -> None:
    data = json.loads(
        call(str(sheet), "--as", "rep", "--map", "手机=", "--sheet", "客户", "--json")
    )

    assert (data["created"], data["rejected"]) == (2, 0)


def test_errors_stop_the_command(personas: Personas, sheet: Path) -> None:
    with pytest.raises(CommandError, match=r"You may import customers only into yourself\."):
        call(str(sheet), "--as", "rep", "--owner", "rep2")
    with pytest.raises(CommandError, match="No file at"):
        call(str(sheet.with_name("missing.xlsx")), "--as", "rep")
    with pytest.raises(CommandError, match=r"You may not import customers\."):
        call(str(sheet), "--as", "agent")

    assert Customer.objects.count() == 0
    assert ImportJob.objects.count() == 0


def test_column_warning_printed_without_row(personas: Personas, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "history.xlsx",
        [["客户名称", "创建人"], ["杭州星星科技有限公司", "张销售"]],
    )

    output = call(str(path), "--owner", "rep", "--dry-run")

    lines = [line for line in output.splitlines() if "创建人" in line]
    assert len(lines) == 1
    assert lines[0].startswith("column warning: [创建人] Not imported")
