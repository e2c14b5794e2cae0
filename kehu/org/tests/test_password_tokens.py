"""Passwords and credentials: what a new password revokes, and which passwords are rejected.

A password set by a user manager revokes the user's API tokens, because a manager sets one when
the old one may be known to someone else, who could also have issued tokens with it. The user's
own change keeps them. A password like the user's display name is rejected.
"""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from kehu.api import services as api_services
from kehu.api.models import ApiToken
from kehu.conftest import Personas
from kehu.org import passwords

NEW = "Kehu-new-pass-2026"


def test_manager_password_revokes_tokens(personas: Personas) -> None:
    _token, secret = api_services.issue_token(None, personas.rep, "ERP")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/customers").status_code == 200

    passwords.set_user_password(personas.boss, personas.rep, NEW)

    assert api.get("/api/v1/customers").status_code == 401
    assert ApiToken.objects.get().revoked_at is not None


def test_own_password_change_keeps_tokens(personas: Personas) -> None:
    _token, secret = api_services.issue_token(None, personas.rep, "ERP")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    passwords.change_own_password(personas.rep, NEW, keep_session=None)

    assert api.get("/api/v1/customers").status_code == 200
    assert ApiToken.objects.get().revoked_at is None


def test_password_like_display_name_rejected(personas: Personas) -> None:
    personas.rep.display_name = "Li Xiaoshou"
    personas.rep.save(update_fields=["display_name"])

    with pytest.raises(ValidationError) as caught:
        passwords.change_own_password(personas.rep, "lixiaoshou", keep_session=None)

    assert "new_password" in caught.value.message_dict
