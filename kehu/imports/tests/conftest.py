"""Fixtures of the import tests."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers.models import Customer


@pytest.fixture(autouse=True)
def media_root(tmp_path: Path, settings: Any) -> Path:
    """Keep uploaded files of every test in its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Run in English so messages read the same whatever the translations hold."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Hash the personas' passwords with MD5: Argon2 takes most of a test's time on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def customers(personas: Personas) -> dict[str, Customer]:
    """Two customers of the rep, one with a credit code, and one of a rep in another department."""

    def customer(name: str, owner_name: str, **values: str) -> Customer:
        owner = getattr(personas, owner_name)
        return customer_services.create_customer(owner, {"name": name, **values}, owner=owner)

    return {
        "star": customer("杭州星星科技有限公司", "rep", credit_code="91330100799655058B"),
        "moon": customer("宁波月亮贸易有限公司", "rep"),
        "foreign": customer("广州南方实业有限公司", "other_rep"),
    }
