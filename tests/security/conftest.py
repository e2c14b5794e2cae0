"""Fixtures of the security tests: uploads in a temporary folder, fast hashing and the world."""

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from kehu.conftest import Personas
from tests.security.world import World, build_world


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Settings, tmp_path: Path) -> None:
    """Store uploads in a per-test folder, never in var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    """Hash the personas' passwords with a fast hasher; Argon2 costs seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(personas: Personas, media_in_tmp: None) -> World:
    return build_world(personas)
