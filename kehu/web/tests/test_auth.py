from django.test import Client

from kehu.conftest import Personas
from kehu.web.tests.conftest import ClientFor

PASSWORD = "test-pass-123"


def test_login_page_is_chinese_by_default(db: None) -> None:
    response = Client().get("/login/")

    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.text
    assert "<h1>登录</h1>" in response.text
    assert '<label for="id_username">用户名</label>' in response.text


def test_login_with_right_password_goes_to_list(personas: Personas) -> None:
    client = Client()

    response = client.post("/login/", {"username": "rep", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_follows_safe_next_only(personas: Personas) -> None:
    inside = Client().post(
        "/login/", {"username": "rep", "password": PASSWORD, "next": "/customers/new/"}
    )
    outside = Client().post(
        "/login/", {"username": "rep", "password": PASSWORD, "next": "https://example.com/"}
    )

    assert inside["Location"] == "/customers/new/"
    assert outside["Location"] == "/"


def test_wrong_password_shows_error(personas: Personas) -> None:
    response = Client().post("/login/", {"username": "rep", "password": "wrong"})

    assert response.status_code == 200
    assert '<div class="alert error" role="alert">' in response.text
    assert "请输入一个正确的用户名和密码。" in response.text


def test_five_failures_lock_the_account(personas: Personas) -> None:
    client = Client()

    failures = [
        client.post("/login/", {"username": "rep", "password": f"wrong-{attempt}"})
        for attempt in range(5)
    ]
    with_right_password = client.post("/login/", {"username": "rep", "password": PASSWORD})

    assert [response.status_code for response in failures] == [200, 200, 200, 200, 429]
    assert with_right_password.status_code == 429
    assert "<h1>账号已锁定</h1>" in with_right_password.text
    assert "登录失败 5 次，该账号在这台设备上已被锁定。" in with_right_password.text
    assert "请 15 分钟后再试" in with_right_password.text
    assert "_auth_user_id" not in client.session


def test_logout_needs_post(personas: Personas, client_for: ClientFor) -> None:
    client = client_for(personas.rep)

    refused = client.get("/logout/")
    logged_out = client.post("/logout/")

    assert refused.status_code == 405
    assert logged_out.status_code == 302
    assert logged_out["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_pages_offer_logout_and_language(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.rep).get("/")

    assert '<form method="post" action="/logout/">' in response.text
    assert '<form class="language" method="post" action="/language/">' in response.text
    assert '<option value="en">English</option>' in response.text
    assert "李销售" in response.text
    assert '<p class="muted">销售</p>' in response.text
