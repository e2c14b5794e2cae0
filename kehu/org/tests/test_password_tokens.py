"""Passwords and credentials: what a new password revokes, and which passwords are rejected.

A password set by a user manager revokes the user's API tokens, because a manager sets one when
the old one may be known to someone else, who could also have issued tokens with it. The user's
own change keeps them. A password like the user's display name, in characters or pinyin, is
rejected.
"""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from kehu.api import services as api_services
from kehu.api.models import ApiToken
from kehu.conftest import Personas
from kehu.org import passwords
from kehu.org.models import User

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


def _rename(user: User, display_name: str) -> None:
    user.display_name = display_name
    user.save(update_fields=["display_name"])


@pytest.mark.parametrize(
    "password",
    [
        "wangwei2024",
        "王伟123456",
        "WeiWang1990",
        "Wang.Wei-88",
        "王伟2024abc",
        "wang2024wei!",
        "wángwěi2024",
    ],
)
def test_password_like_chinese_name_rejected(personas: Personas, password: str) -> None:
    _rename(personas.rep, "王伟")
    stored = personas.rep.password

    with pytest.raises(ValidationError) as caught:
        passwords.set_user_password(personas.boss, personas.rep, password)

    assert caught.value.message_dict == {
        "new_password": [
            "密码与姓名“王伟”过于相近：去掉姓名或其拼音后剩下的字符不足 8 个。"
            "请选择不以姓名为基础的密码。"
        ]
    }
    personas.rep.refresh_from_db()
    assert personas.rep.password == stored


def test_polyphonic_surname_readings_rejected(personas: Personas) -> None:
    _rename(personas.rep, "曾小贤")

    for password in ("zengxiaoxian1", "cengxiaoxian1"):
        with pytest.raises(ValidationError):
            passwords.change_own_password(personas.rep, password, keep_session=None)


@pytest.mark.parametrize("password", ["Xk#9wangwei$Lm2q!", "jiangnan-chaye-88", NEW])
def test_password_with_enough_besides_name_accepted(personas: Personas, password: str) -> None:
    _rename(personas.rep, "王伟")

    passwords.set_user_password(personas.boss, personas.rep, password)

    personas.rep.refresh_from_db()
    assert personas.rep.check_password(password)
