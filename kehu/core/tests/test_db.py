"""Set-based helpers of kehu.core.db on the test database (SQLite or PostgreSQL)."""

import pytest
from django.db.models import F, Value
from django.db.models.functions import UUID4

from kehu.conftest import Personas
from kehu.core import db
from kehu.org.models import Department, User

pytestmark = pytest.mark.django_db


def test_id_list_beyond_sqlite_parameter_limit(personas: Personas) -> None:
    expected = [personas.rep.pk, personas.boss.pk]
    # SQLite allows 32,766 parameters by default; the list travels as one.
    ids = expected + list(range(10_000_000, 10_040_000))

    found = User.objects.filter(pk__in=db.id_list(ids)).values_list("pk", flat=True)

    assert sorted(found) == sorted(expected)


def test_id_list_of_nothing_matches_nothing(personas: Personas) -> None:
    assert not User.objects.filter(pk__in=db.id_list([])).exists()


def test_insert_select_row_per_source(personas: Personas) -> None:
    sources = Department.objects.filter(name__in=["华东销售部", "华南销售部"])

    inserted = db.insert_select(
        Department,
        sources,
        {"public_id": UUID4(), "name": Value("副本"), "parent": F("pk")},
    )

    assert inserted == 2
    copies = Department.objects.filter(name="副本")
    assert sorted(copies.values_list("parent__name", flat=True)) == ["华东销售部", "华南销售部"]
    assert len(set(copies.values_list("public_id", flat=True))) == 2


def test_insert_select_rejects_a_relation_name(personas: Personas) -> None:
    with pytest.raises(ValueError, match="is not a column"):
        db.insert_select(Department, Department.objects.all(), {"children": F("pk")})
