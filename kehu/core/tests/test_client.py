"""The client address behind trusted reverse proxies, and the TRUSTED_PROXIES setting."""

from ipaddress import ip_network

import pytest
from axes.helpers import get_client_ip_address
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from pytest_django.fixtures import Settings

from kehu.core.client import client_address
from kehu.core.env import env_networks

PROXY = "10.0.0.5"


def address(remote: str, forwarded: str | None = None) -> str:
    headers = {} if forwarded is None else {"X-Forwarded-For": forwarded}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)
    return client_address(request)


@pytest.fixture
def trusted(settings: Settings) -> None:
    settings.KEHU_TRUSTED_PROXIES = [ip_network("10.0.0.0/24"), ip_network("2001:db8::1")]


def test_no_trusted_proxy_uses_peer(settings: Settings) -> None:
    settings.KEHU_TRUSTED_PROXIES = []

    assert address(PROXY, "203.0.113.7") == PROXY


@pytest.mark.usefixtures("trusted")
@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # A direct client's header is ignored, since it could be forged.
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),
        (PROXY, "203.0.113.7", "203.0.113.7"),
        # The client put a fake address first; the proxy appended the real one.
        (PROXY, "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        # Two trusted proxies in a row are skipped.
        (PROXY, "203.0.113.7, 10.0.0.9", "203.0.113.7"),
        ("2001:db8::1", "2001:db8:ffff::7", "2001:db8:ffff::7"),
        # Garbage stops the walk at the proxy that reported it.
        (PROXY, "203.0.113.7, not-an-address", PROXY),
        (PROXY, "", PROXY),
        (PROXY, None, PROXY),
        # Only trusted proxies: the one closest to the client.
        (PROXY, "10.0.0.7, 10.0.0.8", "10.0.0.7"),
    ],
)
def test_trusted_proxy_forwarded_for(remote: str, forwarded: str | None, expected: str) -> None:
    assert address(remote, forwarded) == expected


def test_env_networks_parses_strictly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.1,::1")
    assert env_networks("TRUSTED_PROXIES") == [
        ip_network("10.0.0.0/8"),
        ip_network("192.168.1.1/32"),
        ip_network("::1/128"),
    ]

    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.1/8")
    with pytest.raises(ImproperlyConfigured, match=r"10\.0\.0\.1/8"):
        env_networks("TRUSTED_PROXIES")

    monkeypatch.delenv("TRUSTED_PROXIES")
    assert env_networks("TRUSTED_PROXIES") == []


@pytest.mark.usefixtures("trusted")
def test_login_lockout_uses_client_address() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, headers={"X-Forwarded-For": "203.0.113.7"}
    )

    assert get_client_ip_address(request) == "203.0.113.7"
