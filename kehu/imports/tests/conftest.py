"""Fixtures of the import tests."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation


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
