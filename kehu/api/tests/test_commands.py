import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from kehu.api.models import ApiToken
from kehu.conftest import Personas


def _create_token(username: str, name: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", username, "--name", name, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def test_create_api_token_prints_working_token(personas: Personas, client: Client) -> None:
    text, notice = _create_token("rep", "ERP 同步")

    token = ApiToken.objects.get()
    assert text.startswith(f"kehu_{token.prefix}_")
    assert token.name == "ERP 同步"
    assert token.user == personas.rep
    assert notice == (
        f"已为 rep 创建 API 令牌 {token.prefix}“ERP 同步”。"
        "请立即复制：令牌不会被保存，之后无法再次显示。"
    )
    response = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {text}"})
    assert response.status_code == 200


def test_create_api_token_for_unknown_user_fails(personas: Personas) -> None:
    with pytest.raises(CommandError, match="没有用户名为“nobody”的用户。"):
        _create_token("nobody", "ERP")

    assert ApiToken.objects.count() == 0


def test_create_api_token_for_deactivated_user_fails(personas: Personas) -> None:
    personas.rep.is_active = False
    personas.rep.save(update_fields=["is_active"])

    with pytest.raises(CommandError, match="用户“rep”已停用，不能拥有 API 令牌。"):
        _create_token("rep", "ERP")

    assert ApiToken.objects.count() == 0


def test_create_api_token_needs_a_name(personas: Personas) -> None:
    with pytest.raises(CommandError, match="请为令牌命名"):
        _create_token("rep", "  ")

    assert ApiToken.objects.count() == 0


def test_revoke_api_token_stops_it(personas: Personas, client: Client) -> None:
    text, _notice = _create_token("rep", "ERP")
    out = io.StringIO()

    call_command("revoke_api_token", text, stdout=out)

    token = ApiToken.objects.get()
    assert token.revoked_at is not None
    assert out.getvalue().strip() == f"已吊销 rep 的 API 令牌 {token.prefix}“ERP”。"
    response = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {text}"})
    assert response.status_code == 401


def test_revoke_unknown_prefix_fails(personas: Personas) -> None:
    with pytest.raises(CommandError, match="没有前缀为“0123456789”的 API 令牌。"):
        call_command("revoke_api_token", "0123456789", stdout=io.StringIO())
