"""The importer keeps each owner within the capacity of the pool that governs them."""

from pathlib import Path

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers.models import Customer
from kehu.imports.models import ImportStatus
from kehu.imports.tests.helpers import counts, problems, run, write_csv
from kehu.pool.tests.fixtures import Pools


def test_rows_over_capacity_are_rejected(personas: Personas, pools: Pools, tmp_path: Path) -> None:
    pools.east.capacity_on, pools.east.capacity = True, 2
    pools.east.save()
    customer_services.create_customer(personas.rep, {"name": "已有客户有限公司"})
    rows = [
        ["客户名称", "联系人", "手机"],
        ["导入一号有限公司", "王一", "13800000001"],
        ["导入二号有限公司", "王二", "13800000002"],
        # Adds a contact to the customer of row 3, so it goes when row 3 goes.
        ["导入二号有限公司", "王三", "13800000003"],
        ["导入三号有限公司", "王四", "13800000004"],
    ]

    job = run(personas.rep, write_csv(tmp_path / "客户.csv", rows))

    assert job.status == ImportStatus.DONE
    assert counts(job)["created"] == 1
    assert counts(job)["rejected"] == 3
    assert sorted(Customer.objects.filter(owner=personas.rep).values_list("name", flat=True)) == [
        "导入一号有限公司",
        "已有客户有限公司",
    ]
    rejected = problems(job)
    assert [row for row, _column, _value, _message in rejected] == [3, 4, 5]
    message = rejected[0][3]
    assert "李销售" in message and "2" in message and "华东公海" in message


def test_unassigned_rows_need_no_room(personas: Personas, pools: Pools, tmp_path: Path) -> None:
    pools.company.capacity_on, pools.company.capacity = True, 0
    pools.company.save()
    rows = [["客户名称"], ["无人负责一号有限公司"], ["无人负责二号有限公司"]]

    job = run(personas.boss, write_csv(tmp_path / "客户.csv", rows), unassigned=True)

    assert counts(job)["created"] == 2
