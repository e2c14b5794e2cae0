"""Passwords on the pages: a user changes their own; a user manager sets another user's."""

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import translation

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.org.models import Capability, Preset, Role, User
from kehu.org.presets import preset_role
from kehu.web.tests.conftest import ClientFor

OLD = "test-pass-123"
NEW = "Qiantang-river-2024"
OWN_PAGE = "/settings/password/"


def _chinese(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def _own_form(current: str = OLD, new: str = NEW, again: str = NEW) -> dict[str, str]:
    return {"current_password": current, "new_password": new, "new_password_again": again}


def _state() -> dict[str, list[Any]]:
    return {
        "passwords": list(User.objects.order_by("pk").values_list("password", flat=True)),
        "audit": list(AuditEntry.objects.order_by("pk").values_list("action", "target_id")),
        "sessions": list(Session.objects.order_by("pk").values_list("pk", flat=True)),
    }


def _signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


def test_user_menu_links_password_page(personas: Personas, client_for: ClientFor) -> None:
    page = client_for(personas.agent).get("/")

    assert f'href="{OWN_PAGE}"' in page.text


def test_own_change_keeps_this_session_and_ends_others(
    personas: Personas, client_for: ClientFor
) -> None:
    this_device, other_device = client_for(personas.rep), client_for(personas.rep)
    colleague = client_for(personas.rep2)

    response = this_device.post(OWN_PAGE, _own_form())

    assert response.status_code == 302
    assert response["Location"] == OWN_PAGE + "?changed=1"
    assert _chinese("Your password was changed.") in this_device.get(response["Location"]).text
    assert _signed_in(this_device)
    assert not _signed_in(other_device)
    assert _signed_in(colleague)
    rep = User.objects.get(pk=personas.rep.pk)
    assert rep.check_password(NEW)
    entry = AuditEntry.objects.get()
    assert entry.action == AuditAction.PASSWORD_CHANGED
    assert entry.actor == rep
    assert entry.target_id == str(rep.public_id)
    assert entry.detail == {"sessions_ended": 1}


@pytest.mark.parametrize(
    ("form", "field_message"),
    [
        (_own_form(current="wrong-pass-1"), "The current password is wrong."),
        (_own_form(again="Qiantang-river-2025"), "The two entries of the new password differ."),
        (_own_form(new="12345678", again="12345678"), ""),
    ],
    ids=["wrong-current", "entries-differ", "too-weak"],
)
def test_refused_own_change_changes_nothing(
    personas: Personas, client_for: ClientFor, form: dict[str, str], field_message: str
) -> None:
    client = client_for(personas.rep)
    before = _state()

    response = client.post(OWN_PAGE, form)

    assert response.status_code == 400
    assert 'class="error"' in response.text
    if field_message:
        assert _chinese(field_message) in response.text
    assert NEW not in response.text
    assert _state() == before
    assert _signed_in(client)


def test_wrong_current_passwords_lock_like_sign_ins(
    personas: Personas, client_for: ClientFor
) -> None:
    client = client_for(personas.rep)
    before = _state()

    # The sign-in lockout allows five failures (LOGIN_FAILURE_LIMIT); the fifth locks.
    wrong = [client.post(OWN_PAGE, _own_form(current="wrong-pass-1")) for _ in range(5)]
    right = client.post(OWN_PAGE, _own_form())

    assert [response.status_code for response in wrong] == [400, 400, 400, 400, 429]
    assert right.status_code == 429
    assert _state() == before


def test_manager_sets_password_and_ends_sessions(personas: Personas, client_for: ClientFor) -> None:
    target = client_for(personas.rep2)
    url = f"/settings/users/{personas.rep2.public_id}/password/"
    boss = client_for(personas.boss)

    form = boss.get(url)
    response = boss.post(url, {"new_password": NEW, "new_password_again": NEW})

    assert form.status_code == 200
    assert response.status_code == 302
    assert not _signed_in(target)
    assert _signed_in(boss)
    assert User.objects.get(pk=personas.rep2.pk).check_password(NEW)
    entry = AuditEntry.objects.get()
    assert entry.action == AuditAction.PASSWORD_SET
    assert entry.actor == personas.boss
    assert entry.target_id == str(personas.rep2.public_id)
    assert entry.detail == {"sessions_ended": 1}
    assert url in boss.get("/settings/users/").text


def test_password_set_by_manager_lifts_lockout(personas: Personas, client_for: ClientFor) -> None:
    locked_out = client_for(personas.rep)
    for _ in range(5):
        locked_out.post(OWN_PAGE, _own_form(current="wrong-pass-1"))
    url = f"/settings/users/{personas.rep.public_id}/password/"

    locked = Client().post("/login/", {"username": personas.rep.username, "password": OLD})
    client_for(personas.boss).post(url, {"new_password": NEW, "new_password_again": NEW})
    fresh = Client()
    response = fresh.post("/login/", {"username": personas.rep.username, "password": NEW})

    assert locked.status_code == 429
    assert response.status_code == 302
    assert _signed_in(fresh)


def _lesser_admin(personas: Personas) -> User:
    boss_role = preset_role(Preset.BOSS)
    role = Role.objects.create(
        name="人事",
        data_scope=boss_role.data_scope,
        capabilities=[Capability.MANAGE_USERS],
    )
    return User.objects.create_user(username="hr", password=OLD, display_name="人事", role=role)


@pytest.mark.parametrize("case", ["rep", "own", "above"])
def test_password_setting_refused_on_get_and_post(
    personas: Personas, client_for: ClientFor, case: str
) -> None:
    actor, target = {
        "rep": (personas.rep, personas.rep2),
        "own": (personas.boss, personas.boss),
        "above": (_lesser_admin(personas), personas.boss),
    }[case]
    client = client_for(actor)
    url = f"/settings/users/{target.public_id}/password/"
    before = _state()

    form = client.get(url)
    save = client.post(url, {"new_password": NEW, "new_password_again": NEW})

    assert form.status_code == 403
    assert save.status_code == 403
    assert form.text == save.text
    assert _state() == before
