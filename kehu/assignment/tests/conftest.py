"""Fixtures of the assignment tests: rules made through the service, and a capacity check."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from kehu.assignment import services
from kehu.assignment.models import AssignmentRule
from kehu.conftest import Personas
from kehu.customers import ownership
from kehu.org.models import User

MakeRule = Callable[..., AssignmentRule]


@pytest.fixture
def make_rule(personas: Personas) -> MakeRule:
    """Return a function that adds a rule (as the boss) after the existing ones."""
    counter = iter(range(1, 1000))

    def make(**values: Any) -> AssignmentRule:
        values.setdefault("name", f"规则{next(counter)}")
        values.setdefault("route", "user")
        return services.create_rule(personas.boss, values)

    return make


@pytest.fixture
def full_users(monkeypatch: pytest.MonkeyPatch) -> set[int]:
    """Register a capacity check that finds every user whose id is in the returned set full.

    The check replaces the registered ones for the test only.
    """
    full: set[int] = set()

    def check(owner: User, adding: int) -> None:
        if owner.pk in full:
            raise ValidationError({"owner": ["full"]})

    monkeypatch.setattr(ownership, "_checks", [])
    ownership.register(check)
    return full
