"""Two user managers removing each other at the same moment leave one of them in place.

Each test runs the two changes in two threads with their own database connections. A receiver
of Django's post_save pauses each change, after its write and before its check of the remaining
user managers, until the other change has written too, or until HOLD_SECONDS pass. Without the
role locks, on PostgreSQL (READ COMMITTED) two role edits then each count a user manager that
the other one is removing and both commit, and two user changes deadlock on each other's user
row. With the locks the second change waits for the first before it writes, the first is
released by the timeout, and the second sees the first's result. On SQLite, IMMEDIATE
transactions make the second change wait anyway.
"""

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.db.models import Model
from django.db.models.signals import post_save

from kehu.conftest import Personas
from kehu.org import guards, services
from kehu.org.models import Capability, Preset, Role, User
from kehu.org.presets import preset_role
from kehu.org.services import RoleValues

pytestmark = pytest.mark.django_db(transaction=True)

# How long a change waits for the other one to write. A change blocked on a lock never writes,
# so with the locks in place each test takes about this long.
HOLD_SECONDS = 2.0

Change = Callable[[User, User], Any]


def _deactivate(actor: User, user: User) -> Any:
    return services.deactivate_user(actor, user)


def _demote(actor: User, user: User) -> Any:
    return services.update_user(
        actor,
        user,
        display_name=user.display_name,
        department=user.department,
        manager=user.manager,
        role=preset_role(Preset.REP),
    )


def _admin(personas: Personas, username: str, role: Role) -> User:
    return User.objects.create_user(
        username=username,
        password="test-pass-123",
        display_name=username,
        role=role,
        department=personas.boss.department,
    )


def _copy_of_boss_role(name: str) -> Role:
    boss = preset_role(Preset.BOSS)
    return Role.objects.create(
        name=name,
        data_scope=boss.data_scope,
        capabilities=list(boss.capabilities),
        field_policy=dict(boss.field_policy),
        money_access=boss.money_access,
        sensitive_access=boss.sensitive_access,
    )


def _without_manage_users(actor: User, role: Role) -> Any:
    values = RoleValues(
        name=role.name,
        data_scope=role.data_scope,
        capabilities=[value for value in role.capabilities if value != Capability.MANAGE_USERS],
        field_policy=dict(role.field_policy),
        money_access=role.money_access,
        sensitive_access=role.sensitive_access,
    )
    return services.update_role(actor, role, values)


def _run_together(paused: type[Model], changes: list[Callable[[], Any]]) -> list[str]:
    """Run each change in its own thread, pausing saves of `paused`; return how each one ended."""
    barrier = threading.Barrier(len(changes), timeout=HOLD_SECONDS)
    outcomes: list[str] = []

    def hold(sender: type[Model], **kwargs: Any) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    def run(change: Callable[[], Any]) -> None:
        try:
            change()
            outcomes.append("changed")
        except (PermissionDenied, ValidationError):
            outcomes.append("refused")
        except Exception as error:
            # Any other error, such as a deadlock, is recorded so the test fails on it.
            outcomes.append(f"failed: {type(error).__name__}")
        finally:
            connections.close_all()

    post_save.connect(hold, sender=paused)
    try:
        threads = [threading.Thread(target=run, args=(change,)) for change in changes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        post_save.disconnect(hold, sender=paused)
    return outcomes


@pytest.mark.parametrize("change", [_deactivate, _demote], ids=["deactivate", "demote"])
def test_mutual_removal_keeps_a_user_manager(personas: Personas, change: Change) -> None:
    boss = User.objects.get(pk=personas.boss.pk)
    second = _admin(personas, "boss2", preset_role(Preset.BOSS))
    assert guards.user_manager_count() == 2

    outcomes = _run_together(User, [lambda: change(boss, second), lambda: change(second, boss)])

    assert sorted(outcomes) == ["changed", "refused"]
    assert guards.user_manager_count() == 1


def test_mutual_role_edits_keep_a_user_manager(personas: Personas) -> None:
    first_role, second_role = _copy_of_boss_role("管理员甲"), _copy_of_boss_role("管理员乙")
    first = _admin(personas, "admin1", first_role)
    second = _admin(personas, "admin2", second_role)
    User.objects.filter(pk=personas.boss.pk).update(is_active=False)
    assert guards.user_manager_count() == 2

    outcomes = _run_together(
        Role,
        [
            lambda: _without_manage_users(first, second_role),
            lambda: _without_manage_users(second, first_role),
        ],
    )

    assert sorted(outcomes) == ["changed", "refused"]
    assert guards.user_manager_count() == 1
