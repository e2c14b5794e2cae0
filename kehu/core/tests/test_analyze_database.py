import io

import pytest
from django.core.management import call_command
from django.db import connection


@pytest.mark.django_db
def test_analyze_database_writes_statistics() -> None:
    output = io.StringIO()

    call_command("analyze_database", stdout=output)

    assert "ANALYZE finished" in output.getvalue()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert cursor.fetchone() == (1,)
