import logging
from pathlib import Path

import pytest
from django.db import connection

from kehu.conftest import Personas
from kehu.imports import engine
from kehu.imports.tests.helpers import counts, run, write_csv


def _sqlite_customer_statistics() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() != (1,):
            return 0
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'customers_customer'")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _analyze_logged(caplog: pytest.LogCaptureFixture) -> bool:
    return any(
        record.name == "kehu.core.db" and record.getMessage().startswith("ANALYZE finished")
        for record in caplog.records
    )


def test_large_import_refreshes_statistics(
    personas: Personas,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(engine, "ANALYZE_AFTER_ROWS", 2)
    path = write_csv(tmp_path / "two.csv", [["客户名称"], ["甲科技有限公司"], ["乙贸易有限公司"]])
    caplog.set_level(logging.INFO, logger="kehu.core.db")

    job = run(personas.rep, path)

    assert counts(job)["created"] == 2
    assert _analyze_logged(caplog) is True
    if connection.vendor == "sqlite":
        assert _sqlite_customer_statistics() > 0


def test_small_import_skips_statistics(
    personas: Personas, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_csv(tmp_path / "one.csv", [["客户名称"], ["丙科技有限公司"]])
    caplog.set_level(logging.INFO, logger="kehu.core.db")

    job = run(personas.rep, path)

    assert counts(job)["created"] == 1
    assert _analyze_logged(caplog) is False
