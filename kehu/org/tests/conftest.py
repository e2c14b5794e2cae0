"""Fixtures of the org tests: a fast password hasher and a snapshot of everything org writes."""

from typing import Any

import pytest
from pytest_django.fixtures import Settings

from kehu.audit.models import AuditEntry
from kehu.org.models import Department, Role, User


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    """Hash passwords with a fast hasher; Argon2 costs seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def org_state() -> dict[str, list[Any]]:
    """Return every row the org services write, to prove a refused change wrote nothing."""
    return {
        "users": list(
            User.objects.order_by("pk").values_list(
                "username", "display_name", "is_active", "role_id", "department_id", "manager_id"
            )
        ),
        "roles": list(Role.objects.order_by("pk").values()),
        "departments": list(Department.objects.order_by("pk").values_list("name", "parent_id")),
        "audit": list(AuditEntry.objects.order_by("pk").values_list("action", "target_id")),
    }
