"""An import may update only customers the importer may write, not those shared read-only."""

from pathlib import Path

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers import sharing
from kehu.customers.models import Customer, ShareAccess
from kehu.imports.models import OnDuplicate
from kehu.imports.tests.helpers import counts, run, write_csv


def test_update_skips_read_only_share(personas: Personas, tmp_path: Path) -> None:
    shared = customer_services.create_customer(
        personas.rep2, {"name": "宁波海风贸易有限公司", "address": "江北区"}
    )
    sharing.share_customer(personas.rep2, shared, personas.rep, ShareAccess.READ, None)
    path = write_csv(
        tmp_path / "update.csv", [["客户名称", "详细地址"], ["宁波海风贸易有限公司", "改写地址"]]
    )

    job = run(personas.rep, path, on_duplicate=OnDuplicate.UPDATE)

    assert counts(job)["updated"] == 0
    assert counts(job)["rejected"] == 1
    assert Customer.objects.get(pk=shared.pk).address == "江北区"


def test_update_allowed_with_write_share(personas: Personas, tmp_path: Path) -> None:
    shared = customer_services.create_customer(
        personas.rep2, {"name": "宁波海风贸易有限公司", "address": "江北区"}
    )
    sharing.share_customer(personas.rep2, shared, personas.rep, ShareAccess.WRITE, None)
    path = write_csv(
        tmp_path / "update.csv", [["客户名称", "详细地址"], ["宁波海风贸易有限公司", "新地址"]]
    )

    job = run(personas.rep, path, on_duplicate=OnDuplicate.UPDATE)

    assert counts(job)["updated"] == 1
    assert Customer.objects.get(pk=shared.pk).address == "新地址"
