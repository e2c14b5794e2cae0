from pathlib import Path

import pytest
from django.db import connection

from kehu.conftest import Personas
from kehu.imports import engine
from kehu.imports.tests.helpers import counts, run, write_csv


def _customer_statistics_exist() -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() != (1,):
                return False
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'customers_customer'")
        else:
            # reltuples is -1 until the table is first analysed (PostgreSQL 14 and later).
            cursor.execute(
                "SELECT count(*) FROM pg_class "
                "WHERE relname = 'customers_customer' AND reltuples >= 0"
            )
        row = cursor.fetchone()
    return bool(row and row[0])


def test_large_import_refreshes_statistics(
    personas: Personas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "ANALYZE_AFTER_ROWS", 2)
    path = write_csv(tmp_path / "two.csv", [["客户名称"], ["甲科技有限公司"], ["乙贸易有限公司"]])
    assert _customer_statistics_exist() is False

    job = run(personas.rep, path)

    assert counts(job)["created"] == 2
    assert _customer_statistics_exist() is True
