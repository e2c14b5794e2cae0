"""`kehu changepassword`: the same effects as a manager setting a password, from the console."""

import io
from collections.abc import Iterator

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kehu.api import services as api_services
from kehu.api.models import ApiToken
from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas

NEW = "Kehu-console-pass-2026"


@pytest.fixture
def typed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Answer the command's password prompts from a list, as a person at the console would."""
    answers: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": answers.pop(0))
    yield answers


def test_command_ends_sessions_revokes_tokens_and_audits(
    personas: Personas, typed: list[str]
) -> None:
    browser = Client()
    browser.force_login(personas.rep)
    _token, secret = api_services.issue_token(None, personas.rep, "ERP")
    typed.extend([NEW, NEW])
    out = io.StringIO()

    call_command("changepassword", "rep", stdout=out, stderr=io.StringIO())

    personas.rep.refresh_from_db()
    assert personas.rep.check_password(NEW)
    assert not Session.objects.exists()
    assert ApiToken.objects.get().revoked_at is not None
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/customers").status_code == 401
    entry = AuditEntry.objects.get(action=AuditAction.PASSWORD_SET)
    assert (entry.actor, entry.detail) == (None, {"sessions_ended": 1, "source": "command"})
    assert "rep" in out.getvalue()


def test_rejected_passwords_change_nothing(personas: Personas, typed: list[str]) -> None:
    typed.extend(["a", "b", "short", "short", "12345678", "12345678"])
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("changepassword", "rep", stdout=io.StringIO(), stderr=err)

    personas.rep.refresh_from_db()
    assert personas.rep.check_password("test-pass-123")
    assert not AuditEntry.objects.filter(action=AuditAction.PASSWORD_SET).exists()
    assert err.getvalue().count("\n") >= 3


def test_unknown_user_is_an_error(personas: Personas) -> None:
    with pytest.raises(CommandError, match="nobody"):
        call_command("changepassword", "nobody")
