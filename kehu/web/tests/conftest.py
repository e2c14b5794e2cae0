"""Fixtures of the page tests: signed-in clients per persona and a few stored customers."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from kehu.conftest import Personas
from kehu.customers import services
from kehu.customers.models import Customer
from kehu.org.models import User

ClientFor = Callable[[User], Client]
MakeCustomer = Callable[..., Customer]


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Settings, tmp_path: Path) -> None:
    """Store uploads in a per-test directory, never in var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def client_for(personas: Personas) -> ClientFor:
    """Return a test client signed in as the given user, with Chinese as the language."""

    def make(user: User) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        return client

    return make


@pytest.fixture
def make_customer(personas: Personas) -> MakeCustomer:
    """Return a function that creates a customer through the service, owned by `owner`."""

    def make(name: str, owner: User | None = None, contacts: Any = (), **values: Any) -> Customer:
        actor = owner or personas.rep
        return services.create_customer(
            actor, {"name": name, **values}, list(contacts), owner=owner or personas.rep
        )

    return make


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    """Hash the personas' passwords with a fast hasher; Argon2 costs seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
