"""Real requests as a user: pages through a signed-in session, the API through a bearer token."""

import dataclasses
import json
import re
from typing import Any

from django.core.files import File
from django.http import HttpResponseBase
from django.test import Client

from kehu.api.services import issue_token
from kehu.conftest import pdf_pages
from kehu.org.models import User

API = "/api/v1"
# Django masks the CSRF token differently in every response, so bodies compare without it.
CSRF_TOKEN = re.compile(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+"')


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int
    # JSON is written again without escapes, so a name reads 温州 rather than "\u6e29\u5dde".
    body: str
    location: str

    def json(self) -> Any:
        return json.loads(self.body)


def answer_of(response: HttpResponseBase) -> Answer:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    else:
        content = response.content  # type: ignore[attr-defined]
    if response.get("Content-Type", "") == "application/pdf":
        # A PDF's text is compressed and coded by glyph; leak checks read the extracted text.
        return Answer(response.status_code, "\n".join(pdf_pages(bytes(content))), "")
    text = bytes(content).decode(errors="replace")
    if text and response.get("Content-Type", "").startswith("application/json"):
        text = json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True)
    text = CSRF_TOKEN.sub(r'\1CSRF"', text)
    return Answer(response.status_code, text, response.get("Location", ""))


def page_client(user: User | None) -> Client:
    """Return a client in Chinese, signed in as `user` (None: signed out).

    Signing in sets the user's last_login, so take snapshots after this.
    """
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


@dataclasses.dataclass
class PageCaller:
    """Requests pages as one signed-in user (or signed out)."""

    client: Client

    @classmethod
    def of(cls, user: User | None) -> "PageCaller":
        return cls(page_client(user))

    def get(self, path: str, query: dict[str, Any] | None = None, htmx: bool = False) -> Answer:
        headers = {"HX-Request": "true"} if htmx else {}
        return answer_of(self.client.get(path, query, headers=headers))

    def post(self, path: str, data: dict[str, Any] | None = None) -> Answer:
        return answer_of(self.client.post(path, data or {}))


def new_token(user: User) -> str:
    return issue_token(None, user, "安全测试")[1]


def call_api(
    token: str | None,
    method: str,
    url: str,
    body: Any = None,
    query: dict[str, Any] | None = None,
) -> Answer:
    """Send one API request to `url` (from /api/ on) with `token`, or with none for None."""
    headers = {"Accept-Language": "zh-hans"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if isinstance(body, dict) and any(isinstance(value, File) for value in body.values()):
        # A file upload goes as a multipart form.
        response = Client().post(url, body, headers=headers, query_params=query)
        return answer_of(response)
    response = Client().generic(
        method,
        url,
        "" if body is None else json.dumps(body),
        content_type="application/json",
        headers=headers,
        query_params=query,
    )
    return answer_of(response)


@dataclasses.dataclass
class ApiCaller:
    """Sends API requests as one user with a token issued for them."""

    token: str

    @classmethod
    def of(cls, user: User) -> "ApiCaller":
        return cls(new_token(user))

    # Paths start after /api/v1, as in the API's documentation.
    def get(self, path: str, **query: Any) -> Answer:
        return call_api(self.token, "GET", API + path, query=query or None)

    def post(self, path: str, body: Any) -> Answer:
        return call_api(self.token, "POST", API + path, body)

    def patch(self, path: str, body: Any) -> Answer:
        return call_api(self.token, "PATCH", API + path, body)

    def delete(self, path: str) -> Answer:
        return call_api(self.token, "DELETE", API + path)
